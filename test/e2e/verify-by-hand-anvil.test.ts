/**
 * docs/verify-by-hand.md, run as written: its `sh` blocks are extracted and run in one bash shell
 * (sha256sum, openssl, curl, python3 only) against a fresh receipt on a real anvil chain with a real
 * OpenSSL TSA, and reach the SDK's verdict — verified for the stamped file, refused for a changed file
 * and for a receipt whose salt was altered.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cachedChainReader, createChainReader, verifyReceipt } from "../../client-sdk/src/index.ts";
import { createTimestampVerifier } from "../../client-sdk/src/tsa.ts";
import { anchorAll, buildTestApp, type TestApp } from "../helpers/app.ts";
import { startOpensslTsa, type OpensslTsa } from "../helpers/openssl-tsa.ts";

const run = promisify(execFile);
const MANUAL = readFileSync("docs/verify-by-hand.md", "utf8");
const BLOCKS = [...MANUAL.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
const FILE = Buffer.from("Brass desk lamp, final drawing\n".repeat(500));
const CLAIM = { title: "Desk lamp — final", kind: "design", claimant: "Example Lamps Ltd.", aiProcess: { seed: 7, model: "m" } };
const dir = mkdtempSync(join(tmpdir(), "pp-byhand-"));
let tsa: OpensslTsa;
let t: TestApp;
let receipt: Record<string, unknown>;

beforeAll(async () => {
  tsa = await startOpensslTsa();
  t = await buildTestApp({ TSA_URL: tsa.url, TSA_CA_FILE: tsa.caPath });
  const b = "ByHand";
  const up = await t.app.inject({
    method: "POST",
    url: "/v1/evidence",
    headers: { authorization: `Bearer ${t.keys.acme}`, "content-type": `multipart/form-data; boundary=${b}` },
    payload: Buffer.concat([
      Buffer.from(`--${b}\r\nContent-Disposition: form-data; name="claim"\r\n\r\n${JSON.stringify(CLAIM)}\r\n`),
      Buffer.from(`--${b}\r\nContent-Disposition: form-data; name="file"; filename="lamp.txt"\r\nContent-Type: text/plain\r\n\r\n`),
      FILE,
      Buffer.from(`\r\n--${b}--\r\n`),
    ]),
  });
  // Two more entries in the batch, so that the path has nodes to fold.
  await t.app.inject({
    method: "POST",
    url: "/v1/stamps",
    headers: { authorization: `Bearer ${t.keys.acme}` },
    payload: { items: [{ sha256: "0x" + "01".repeat(32) }, { sha256: "0x" + "02".repeat(32) }] },
  });
  await anchorAll(t);
  await t.app.timestamper!.tick();
  receipt = (
    await t.app.inject({ method: "GET", url: `/v1/entries/${up.json().entries[0].id}/receipt`, headers: { authorization: `Bearer ${t.keys.acme}` } })
  ).json();
  writeFileSync(join(dir, "tsa-ca.pem"), tsa.caPem);
}, 120_000);
afterAll(async () => {
  await t?.close();
  await tsa?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function manual(file: Buffer, r: unknown): Promise<{ code: number; out: string }> {
  writeFileSync(join(dir, "evidence.bin"), file);
  writeFileSync(join(dir, "receipt.json"), JSON.stringify(r, null, 2));
  const script = ["set -euo pipefail", "FILE=evidence.bin", "RECEIPT=receipt.json", `RPC=${t.chain.rpcUrl}`, "TSA_CA=tsa-ca.pem", ...BLOCKS].join("\n");
  try {
    const { stdout, stderr } = await run("bash", ["-c", script], { cwd: dir, timeout: 120_000 });
    return { code: 0, out: stdout + stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: err.code ?? 1, out: (err.stdout ?? "") + (err.stderr ?? "") };
  }
}

async function sdk(file: Buffer, r: unknown) {
  const rpc = createChainReader(t.chain.rpcUrl);
  try {
    return await verifyReceipt(r, {
      sha256: new Uint8Array(createHash("sha256").update(file).digest()),
      chains: { "31337": cachedChainReader(rpc) },
      timestamp: createTimestampVerifier({ trustAnchors: [tsa.caDer] }),
    });
  } finally {
    rpc.destroy();
  }
}

describe("docs/verify-by-hand.md", () => {
  it("has the command blocks of every step", () => {
    expect(BLOCKS.length).toBeGreaterThanOrEqual(7);
    for (const tool of [
      "sha256sum",
      "curl",
      "python3",
      "openssl ts -verify",
      "eth_getTransactionReceipt",
      "eth_getBlockByHash",
      "eth_call",
      "0xc080fb06",
      "0x7feb51d9",
    ])
      expect(BLOCKS.join("\n"), tool).toContain(tool);
  });

  it("verifies the stamped file with public tools alone, as the SDK does", async () => {
    expect((await sdk(FILE, receipt)).verified).toBe(true);
    const { code, out } = await manual(FILE, receipt);
    expect(code, out).toBe(0);
    for (const step of [
      "1. the file's SHA-256 is the receipt's",
      "2. leaf",
      "3a. transaction succeeded",
      "3b. block",
      "4. verifyInclusion: true",
      "5. 1 RFC 3161 token(s) verified",
      "Verification: OK",
      "VERIFIED BY HAND",
    ])
      expect(out, step).toContain(step);
  }, 180_000);

  it("refuses a changed file, as the SDK does", async () => {
    const changed = Buffer.from(FILE);
    changed[0] = changed[0]! ^ 1;
    expect((await sdk(changed, receipt)).verified).toBe(false);
    const { code, out } = await manual(changed, receipt);
    expect(code).not.toBe(0);
    expect(out).toContain("DIGEST MISMATCH");
    expect(out).not.toContain("VERIFIED BY HAND");
  }, 180_000);

  it("refuses a receipt whose leaf salt was altered, as the SDK does", async () => {
    const leaf = receipt.leaf as { salt: string };
    const tampered = { ...receipt, leaf: { ...leaf, salt: leaf.salt.slice(0, -1) + (leaf.salt.endsWith("0") ? "1" : "0") } };
    expect((await sdk(FILE, tampered)).verified).toBe(false);
    const { code, out } = await manual(FILE, tampered);
    expect(code).not.toBe(0);
    expect(out).toContain("LEAF MISMATCH");
  }, 180_000);
});
