import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";

describe("server/src/server.ts run as the process's entry", () => {
  it("refuses, with a message and exit code 2, to start with no chain configured (it never exits silently)", () => {
    const env = { PATH: process.env.PATH ?? "", DATA_DIR: "/nonexistent/pp-entry-test" };
    const r = spawnSync(process.execPath, ["--conditions=source", "server/src/server.ts"], { env, encoding: "utf8", timeout: 30_000 });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("no chain configured");
  });
});
