import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { VERSION as CLI_VERSION } from "../client-sdk/src/cli/help.ts";
import { SOFTWARE, VERSION as SERVER_VERSION } from "../server/src/version.ts";

const versionOf = (path: string) => (JSON.parse(readFileSync(path, "utf8")) as { version: string }).version;

describe("version", () => {
  it("is one number: the root, server and SDK package.json agree, and the code reads it from there", () => {
    const root = versionOf("package.json");
    expect(versionOf("server/package.json")).toBe(root);
    expect(versionOf("client-sdk/package.json")).toBe(root);
    expect(SERVER_VERSION).toBe(root);
    expect(SOFTWARE).toBe(`priorproof-server/${root}`);
    expect(CLI_VERSION).toBe(root);
  });
});
