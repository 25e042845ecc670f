/**
 * The `priorproof` CLI as a user runs it (a child process), against the real server process on a real
 * anvil chain: stamp hash-only and by upload, wait, save the receipt, verify offline and with RPC.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startService, type RunningService } from "../helpers/service.ts";

let service: RunningService;
const dir = mkdtempSync(join(tmpdir(), "pp-cli-"));
const draft = join(dir, "housing-draft.step");
const render = join(dir, "render.png");

function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--conditions=source", "client-sdk/src/cli/main.ts", ...args], {
      env: { PATH: process.env.PATH ?? "", PRIORPROOF_URL: service.url, PRIORPROOF_API_KEY: service.keys.acme!, ...env },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

beforeAll(async () => {
  service = await startService();
  writeFileSync(draft, "ISO-10303-21; housing rev 3\n".repeat(5000));
  writeFileSync(render, Buffer.alloc(300_000, 7));
}, 120_000);
afterAll(async () => {
  await service?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("priorproof CLI (real server process, real anvil)", () => {
  let hashOnlyId: string;

  it("stamps a file hash-only with a claim and waits until it is anchored", async () => {
    const r = await cli(["stamp", draft, "--title", "Housing rev. 3", "--kind", "design", "--wait", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const entry = JSON.parse(r.stdout).entries[0];
    expect(entry.status).toMatch(/anchored|confirmed/);
    expect(entry.cid).toBeNull();
    expect(entry.claim).toEqual({ title: "Housing rev. 3", kind: "design" });
    hashOnlyId = entry.id;
  }, 60_000);

  it("uploads a file with --upload and gets its CID", async () => {
    const r = await cli(["stamp", render, "--upload", "--kind", "ai-image", "--wait", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).entries[0].cid).toMatch(/^baf/);
  }, 60_000);

  it("saves the receipt and verifies the file offline, saying what it could not check", async () => {
    const receipt = join(dir, "receipt.json");
    const saved = await cli(["receipt", hashOnlyId, "-o", receipt]);
    expect(saved.code, saved.stderr).toBe(0);
    const offline = await cli(["verify", draft, receipt]);
    expect(offline.code, "no witness checked: not verified").toBe(1);
    expect(offline.stdout).toMatch(/PASS\s+The file is the one stamped/);
    expect(offline.stdout).toMatch(/PASS\s+Leaf is in the batch/);
    expect(offline.stdout).toMatch(/SKIP\s+Root is anchored .*no RPC for chain 31337: confirm block \d+ has hash 0x[0-9a-f]{64}/);
    expect(offline.stdout).toMatch(/NOT VERIFIED: no independent witness was checked/);
  }, 30_000);

  it("verifies the file with an RPC URL (exit 0) and prints the time", async () => {
    const receipt = join(dir, "receipt.json");
    const r = await cli(["verify", draft, receipt, "--rpc", service.rpcUrl]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/VERIFIED: the file existed no later than \d{4}-\d\d-\d\dT/);
    expect(r.stdout).toMatch(/WARN .*development chain/);
    const json = await cli(["verify", draft, receipt, "--rpc", service.rpcUrl, "--json"]);
    expect(JSON.parse(json.stdout)).toMatchObject({ verified: true });
  }, 30_000);

  it("fails a modified file with exit code 1 and the reason", async () => {
    const changed = join(dir, "changed.step");
    writeFileSync(changed, "ISO-10303-21; housing rev 4\n".repeat(5000));
    const r = await cli(["verify", changed, join(dir, "receipt.json"), "--rpc", service.rpcUrl]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/FAIL\s+The file is the one stamped: DIGEST_MISMATCH/);
  }, 30_000);

  it("shows status and looks a file up", async () => {
    const status = await cli(["status", hashOnlyId]);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(new RegExp(`${hashOnlyId}\\s+(anchored|confirmed)`));
    const lookup = await cli(["lookup", draft]);
    expect(lookup.code).toBe(0);
    expect(lookup.stdout).toMatch(/anchored on .* in block \d+/);
  }, 30_000);

  it("runs the Node example of docs/sdk.md end to end", async () => {
    const r = await new Promise<{ code: number; out: string }>((resolve) => {
      const child = spawn(process.execPath, ["--conditions=source", "examples/node-stamp-and-verify.ts", draft], {
        env: { PATH: process.env.PATH ?? "", PRIORPROOF_URL: service.url, PRIORPROOF_API_KEY: service.keys.acme!, RPC_URL: service.rpcUrl },
      });
      let out = "";
      child.stdout.on("data", (d: Buffer) => (out += d.toString()));
      child.stderr.on("data", (d: Buffer) => (out += d.toString()));
      child.on("close", (code) => resolve({ code: code ?? -1, out }));
    });
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/verified: existed no later than/);
  }, 60_000);

  it("exits 2 on usage errors and 3 on service errors", async () => {
    expect((await cli(["stamp"])).code).toBe(2);
    expect((await cli(["frobnicate"])).code).toBe(2);
    const denied = await cli(["status", hashOnlyId], { PRIORPROOF_API_KEY: "pp_wrong" });
    expect(denied.code).toBe(3);
    expect(denied.stderr).toMatch(/UNAUTHORIZED/);
    expect((await cli(["verify", "--help"])).stdout).toMatch(/Exit 0 only when/);
  }, 30_000);
});
