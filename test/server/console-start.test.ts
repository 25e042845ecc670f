/**
 * Issue 18 — `npm start` (the real `server/src/cli/start.ts` process, with its embedded anvil) on a
 * fresh data directory prints a one-time link to create the first admin; the link's token works once;
 * the printed "Try:" line is a working curl; a restart with an admin prints no link.
 */
import { spawn, execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { freePort } from "../../server/src/chain/devchain.ts";

const dir = mkdtempSync(join(tmpdir(), "pp-console-start-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function withStart<T>(port: number, use: (output: string) => Promise<T>): Promise<T> {
  const output: string[] = [];
  const child = spawn(process.execPath, ["--conditions=source", "server/src/cli/start.ts"], {
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "/tmp",
      HOST: "127.0.0.1",
      PORT: String(port),
      DATA_DIR: join(dir, "data"),
      LOG_LEVEL: "warn",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout.on("data", (d: Buffer) => output.push(d.toString()));
  child.stderr.on("data", (d: Buffer) => output.push(d.toString()));
  try {
    const deadline = Date.now() + 90_000;
    while (!/Dev API key/.test(output.join("")) && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 100));
    expect(output.join(""), output.join("")).toContain("PriorProof is running");
    return await use(output.join(""));
  } finally {
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    await exited;
  }
}

describe("npm start on a fresh data directory", () => {
  it("prints a one-time first-admin link that works once, and a working Try: curl; a restart with an admin prints no link", async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    await withStart(port, async (text) => {
      const link = /Create the first admin: (\S+)/.exec(text)?.[1];
      expect(link, text).toMatch(new RegExp(`^${base}/app/setup#token=[\\w-]{43}$`));
      const token = new URL(link!).hash.slice("#token=".length);
      expect(await (await fetch(`${base}/v1/console/setup`)).json()).toEqual({ needed: true });
      const body = { token, email: "first@example.com", password: "first admin password" };
      const post = (b: unknown) =>
        fetch(`${base}/v1/console/setup`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(b) });
      const created = await post(body);
      expect(created.status).toBe(201);
      expect((await created.json()).user).toMatchObject({ email: "first@example.com", role: "admin" });
      expect((await post({ ...body, email: "again@example.com" })).status).toBe(403);

      // The Try: line, run as printed, stamps a digest.
      const tryLine = /Try:\s+(curl .*)$/m.exec(text)?.[1];
      expect(tryLine).toContain(`${base}/v1/stamps`);
      const { stdout } = await promisify(execFile)("sh", ["-c", `${tryLine} -sS -w '\\n%{http_code}'`]);
      expect(stdout.trim().split("\n").pop()).toBe("202");
      // The admin's session sees the dev key's stamp: the first admin belongs to the dev tenant.
      const login = await fetch(`${base}/v1/console/login`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email: body.email, password: body.password }),
      });
      const cookie = /pp_session=[^;]+/.exec(login.headers.get("set-cookie") ?? "")![0];
      const entries = (await (await fetch(`${base}/v1/entries`, { headers: { cookie } })).json()) as { entries: { sha256: string }[] };
      expect(entries.entries.map((e) => e.sha256)).toContain("0x" + "ab".repeat(32));
    });
    await withStart(port, async (text) => {
      expect(text).not.toContain("Create the first admin");
      expect(await (await fetch(`${base}/v1/console/setup`)).json()).toEqual({ needed: false });
    });
  }, 240_000);
});
