/**
 * The `priorproof` CLI as a user runs it (a child process), against the real server process on a real
 * anvil chain: stamp hash-only and by upload, wait, save the receipt, verify offline and with RPC,
 * certificate, status, lookup, exit codes.
 */
import { execFileSync, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startService, type RunningService } from "../helpers/service.ts";

let service: RunningService;
const dir = mkdtempSync(join(tmpdir(), "pp-cli-"));
const draft = join(dir, "housing-draft.step");
const render = join(dir, "外观渲染 v3.png");
const receiptPath = join(dir, "receipt.json");
const sha256Of = (path: string) => `0x${createHash("sha256").update(readFileSync(path)).digest("hex")}`;

function spawnNode(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, {
      env: { PATH: process.env.PATH ?? "", PRIORPROOF_URL: service.url, PRIORPROOF_API_KEY: service.keys.acme!, ...env },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}
/** As `npm run priorproof -- …` runs it in this repository. */
const cli = (args: string[], env?: Record<string, string>) => spawnNode(["--conditions=source", "client-sdk/src/cli/main.ts", ...args], env);

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
  let uploadId: string;

  it("stamps a file hash-only with a claim and waits until it is anchored", async () => {
    const r = await cli(["stamp", draft, "--title", "Housing rev. 3", "--kind", "design", "--wait", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const entry = JSON.parse(r.stdout).entries[0];
    expect(entry.status).toMatch(/anchored|confirmed/);
    expect(entry.sha256).toBe(sha256Of(draft));
    expect(entry.cid).toBeNull();
    expect(entry.claim).toEqual({ title: "Housing rev. 3", kind: "design" });
    hashOnlyId = entry.id;
  }, 60_000);

  it("uploads a file with --upload (streamed, non-ASCII name kept) and gets its CID", async () => {
    const r = await cli(["stamp", render, "--upload", "--kind", "ai-image", "--previous", draft, "--wait", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const entry = JSON.parse(r.stdout).entries[0];
    expect(entry).toMatchObject({ name: "外观渲染 v3.png", sha256: sha256Of(render), size: 300_000, claim: { kind: "ai-image", previous: sha256Of(draft) } });
    expect(entry.cid).toMatch(/^baf/);
    expect(entry.status).toMatch(/anchored|confirmed/);
    uploadId = entry.id;
  }, 60_000);

  it("saves the receipt with -o, and prints it on stdout without", async () => {
    const saved = await cli(["receipt", hashOnlyId, "-o", receiptPath]);
    expect(saved.code, saved.stderr).toBe(0);
    expect(saved.stdout).toMatch(new RegExp(`^receipt of ${hashOnlyId} written to .*receipt\\.json \\(anchored on .*chain 31337, block \\d+ at `));
    const printed = JSON.parse((await cli(["receipt", hashOnlyId])).stdout);
    const kept = JSON.parse(readFileSync(receiptPath, "utf8"));
    // Issued again: the same proof; only the issue time and the depth of the block may differ.
    expect({
      ...printed,
      issuedAt: kept.issuedAt,
      anchors: printed.anchors.map((a: object, i: number) => ({ ...a, confirmations: kept.anchors[i].confirmations })),
    }).toEqual(kept);
  }, 30_000);

  it("verifies offline: the header, receipt, transaction and account proofs pass with no network, the block hash is the one fact named as left, and " +
    "it is NOT verified (exit 1)", async () => {
    const offline = await cli(["verify", draft, receiptPath, "--offline"], { PRIORPROOF_URL: "http://127.0.0.1:9" });
    expect(offline.code, "no witness checked: not verified").toBe(1);
    expect(offline.stdout).toMatch(/^PASS {2}Receipt follows priorproof-receipt\/2/m);
    expect(offline.stdout).toMatch(/^PASS {2}The file is the one stamped/m);
    expect(offline.stdout).toMatch(/^PASS {2}Digest and claim make the leaf/m);
    expect(offline.stdout).toMatch(/^PASS {2}Leaf is in the batch/m);
    expect(offline.stdout).toMatch(
      /^PASS {2}Block header and receipt proof \(offline\): header of block \d+ hashes to 0x[0-9a-f]{64} \(prague–osaka, 21 fields\)/m,
    );
    // evm-receipt-proof/2 carries the contract's account proof: its code is proven offline, only the block hash is left.
    expect(offline.stdout).toMatch(
      /^SKIP {2}Root is anchored .*: not checked — the offline proof holds; left to confirm: block \d+ of chain 31337 has hash 0x[0-9a-f]{64}$/m,
    );
    expect(offline.stdout).toMatch(
      new RegExp(
        /^TODO {2}one fact left: block (\d+) of chain 31337 \(anvil \/ Hardhat \(development chain\)\) has hash 0x[0-9a-f]{64} — /.source +
          String.raw`read block \1's hash yourself \(--rpc URL of chain 31337: eth_getBlockByNumber 0x[0-9a-f]+ ` +
          String.raw`.*--checkpoint 31337:\1:<hash you read>\. Never copy the hash from the receipt`,
        "m",
      ),
    );
    expect(offline.stdout).not.toMatch(/--checkpoint (31337:\d+:)?0x[0-9a-f]{64}/);
    expect(offline.stdout).toMatch(/^NOT VERIFIED YET: proven offline except — block \d+ of chain 31337 .* has hash 0x[0-9a-f]{64} \(see TODO\)$/m);
    const json = await cli(["verify", draft, receiptPath, "--offline", "--json"]);
    expect(json.code).toBe(1);
    const doc = JSON.parse(json.stdout);
    expect(doc).toMatchObject({ verified: false, offline: true, sha256: sha256Of(draft) });
    expect(doc.checks.find((c: { id: string }) => c.id === "anchors[0].chain")).toMatchObject({ status: "not-checked" });
    expect(doc.checks.find((c: { id: string }) => c.id === "anchors[0].inclusion")).toMatchObject({ status: "passed" });
    expect(doc.remaining).toEqual([expect.objectContaining({ scope: "block-hash", chainId: 31337 })]);
    expect(doc.hints).toHaveLength(1);
  }, 30_000);

  it("with the block hash pinned by --checkpoint CHAIN:NUMBER:HASH offline, verifies with no network: the account proof shows a released " +
    "EvidenceAnchor build (exit 0)", async () => {
    const anchor = JSON.parse(readFileSync(receiptPath, "utf8")).anchors[0];
    // The hash a user would read from two explorers; here, from the node itself.
    const onChain = (
      await (
        await fetch(service.rpcUrl, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_getBlockByNumber", params: [`0x${anchor.blockNumber.toString(16)}`, false] }),
        })
      ).json()
    ).result.hash;
    expect(onChain).toBe(anchor.blockHash);
    const r = await cli(["verify", draft, receiptPath, "--offline", "--checkpoint", `31337:${anchor.blockNumber}:${onChain}`], {
      PRIORPROOF_URL: "http://127.0.0.1:9",
    });
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toMatch(
      new RegExp(
        /^PASS {2}Root is anchored .*: block \d+ \(0x[0-9a-f]{64}\) is pinned by your checkpoint for chain 31337; /.source +
          /its header proves the Anchored log at .* and code EvidenceAnchor/.source,
        "m",
      ),
    );
    expect(r.stdout).toMatch(/^VERIFIED: /m);
  }, 30_000);

  it("verifies the file with an RPC URL (exit 0) and prints the time", async () => {
    const r = await cli(["verify", draft, receiptPath, "--rpc", service.rpcUrl]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      /^PASS {2}Root is anchored on .*chain 31337.*: transaction 0x[0-9a-f]{64} anchored root 0x[0-9a-f]{64} \(\d+ leaves\) at 0x[0-9a-f]{40} in block \d+/m,
    );
    expect(r.stdout).toMatch(/^FACT {2}anchors\[0\]: .*chain 31337, development chain\) block \d+ mined .*; contract 0x[0-9a-f]{40} runs EvidenceAnchor/m);
    expect(r.stdout).toMatch(/VERIFIED: .*housing-draft\.step existed no later than \d{4}-\d\d-\d\dT/);
    expect(r.stdout).toMatch(/WARN .*development chain/);
    const json = await cli(["verify", draft, receiptPath, "--rpc", service.rpcUrl, "--json"]);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ verified: true, hints: [] });
  }, 30_000);

  it("verifies an uploaded file's receipt with RPC", async () => {
    const path = join(dir, "upload.receipt.json");
    expect((await cli(["receipt", uploadId, "-o", path])).code).toBe(0);
    const r = await cli(["verify", render, path, "--rpc", service.rpcUrl]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
  }, 30_000);

  it("fails a modified file with exit code 1 and the reason", async () => {
    const changed = join(dir, "changed.step");
    writeFileSync(changed, "ISO-10303-21; housing rev 4\n".repeat(5000));
    const r = await cli(["verify", changed, receiptPath, "--rpc", service.rpcUrl]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/FAIL\s+The file is the one stamped: DIGEST_MISMATCH/);
    expect(r.stdout).toMatch(/^NOT VERIFIED: The file is the one stamped: DIGEST_MISMATCH$/m);
  }, 30_000);

  it("shows status and looks a file up (exit 1 for a digest never stamped)", async () => {
    const status = await cli(["status", hashOnlyId]);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(new RegExp(`${hashOnlyId}\\s+(anchored|confirmed)\\s+sha256 0x[0-9a-f]{64}\\s+chain 31337 block \\d+`));
    expect(JSON.parse((await cli(["status", hashOnlyId, "--json"])).stdout)).toMatchObject({ id: hashOnlyId, sha256: sha256Of(draft) });
    const lookup = await cli(["lookup", draft], { PRIORPROOF_API_KEY: "" });
    expect(lookup.code, lookup.stderr).toBe(0);
    expect(lookup.stdout).toMatch(/anchored on .* in block \d+/);
    const never = await cli(["lookup", "ab".repeat(32)]);
    expect(never.code).toBe(1);
    expect(never.stdout).toMatch(/not anchored at this service/);
  }, 30_000);

  it("downloads the certificate PDF", async () => {
    const pdf = join(dir, "certificate.pdf");
    const r = await cli(["certificate", hashOnlyId, "-o", pdf, "--lang", "zh-CN", "--jurisdiction", "us"]);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(pdf).subarray(0, 5).toString()).toBe("%PDF-");
    // Rendered on the service's worker thread, in the language and with the legal text asked for.
    expect(execFileSync("pdftotext", [pdf, "-"], { encoding: "utf8" }).replace(/\s+/g, "")).toContain("适用于美国法院");
  }, 60_000);

  it("runs the Node example of docs/sdk.md end to end", async () => {
    const r = await spawnNode(["--conditions=source", "examples/node-stamp-and-verify.ts", draft], { RPC_URL: service.rpcUrl });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/verified: existed no later than/);
  }, 60_000);

  it("runs from the package's bin launcher (sources, when there is no build)", async () => {
    const r = await spawnNode(["client-sdk/bin/priorproof.js", "status", hashOnlyId]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^${hashOnlyId}\\s+(anchored|confirmed)`));
  }, 30_000);

  it("exits 2 on usage errors and 3 on service errors", async () => {
    expect((await cli(["stamp"])).code).toBe(2);
    expect((await cli(["frobnicate"])).code).toBe(2);
    const denied = await cli(["status", hashOnlyId], { PRIORPROOF_API_KEY: "pp_wrong" });
    expect(denied.code).toBe(3);
    expect(denied.stderr).toMatch(/UNAUTHORIZED/);
    // Refused before the body is read: the service's answer, not a broken upload, is reported.
    const refusedUpload = await cli(["stamp", render, "--upload"], { PRIORPROOF_API_KEY: "pp_wrong" });
    expect(refusedUpload.code).toBe(3);
    expect(refusedUpload.stderr).toMatch(/service error UNAUTHORIZED \(HTTP 401\)/);
    const missing = await cli(["receipt", "no-such-entry", "--json"]);
    expect(missing.code).toBe(3);
    expect(JSON.parse(missing.stdout)).toMatchObject({ error: { code: "ENTRY_NOT_FOUND", status: 404 } });
    expect((await cli(["verify", "--help"])).stdout).toMatch(/Exit 0 only when/);
  }, 90_000); // seven CLI processes: 17 s alone at load 17 on 2 cores, over 30 s beside other suites
});
