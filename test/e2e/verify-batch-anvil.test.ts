/**
 * Batch verification (`verifyBatch`, `priorproof verify --batch DIR|ZIP`) over real receipts of many
 * batches, stamped through the real server process on a real anvil chain: every receipt gets the verdict
 * `verifyReceipt` gives it alone, tampered ones included, from a directory and from a ZIP archive.
 */
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { zipSync } from "fflate";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run } from "../../client-sdk/src/cli/main.ts";
import { type Checkpoint, verifyReceipt } from "../../client-sdk/src/verify.ts";
import { type BatchItem, type BatchResult, memoKey, outcomeOf, summarize, verifyBatch, verifyReceiptBatch } from "../../client-sdk/src/verify-batch.ts";
import { stampPortfolio, type PortfolioReceipt } from "../helpers/portfolio.ts";
import { startService, type RunningService } from "../helpers/service.ts";

let service: RunningService;
let portfolio: PortfolioReceipt[];
/** Block hashes read from the chain itself (not from the receipts): the verifier's checkpoints. */
let checkpoints: Checkpoint[];
const dir = mkdtempSync(join(tmpdir(), "pp-batch-"));
const items: BatchItem[] = [];
const files: Record<string, Uint8Array> = {};

const flipHex = (hex: string) => `${hex.slice(0, -1)}${hex.endsWith("0") ? "1" : "0"}`;

beforeAll(async () => {
  service = await startService({ tenants: ["acme"], env: { BATCH_INTERVAL_MS: "200", BATCH_MAX_SIZE: "4", ANCHOR_TICK_MS: "100", LOG_LEVEL: "error" } });
  portfolio = await stampPortfolio(service, "acme", 24);
  const numbers = new Set(portfolio.map((p) => JSON.parse(p.text).anchors[0].blockNumber as number));
  checkpoints = [];
  for (const n of numbers) {
    const res = await fetch(service.rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_getBlockByNumber", params: [`0x${n.toString(16)}`, false] }),
    });
    checkpoints.push({ chainId: service.chainId, number: BigInt(n), hash: ((await res.json()) as { result: { hash: string } }).result.hash });
  }
  // Each receipt NAME.receipt.json next to its content NAME, then the tampered ones.
  for (const [i, p] of portfolio.entries()) {
    const doc = JSON.parse(p.text);
    let text = p.text;
    let content = p.content;
    if (i === 1) doc.anchors[0].proof.path[0] = flipHex(doc.anchors[0].proof.path[0]); // flipped sibling
    if (i === 2) doc.anchors[0].blockTime = "2020-01-01T00:00:00Z"; // stated time not the header's
    if (i === 3) doc.anchors[0].inclusion.header = flipHex(doc.anchors[0].inclusion.header); // header not the block's
    if (i === 4) content = new Uint8Array([...content.slice(1), 0]); // another file
    if (i >= 1 && i <= 3) text = JSON.stringify(doc);
    if (i === 5) text = text.slice(0, -2); // not JSON
    writeFileSync(join(dir, `draft-${i}.bin.receipt.json`), text);
    writeFileSync(join(dir, `draft-${i}.bin`), content);
    files[`p/draft-${i}.bin.receipt.json`] = new TextEncoder().encode(text);
    files[`p/draft-${i}.bin`] = content;
    items.push({ name: `draft-${i}`, text, sha256: new Uint8Array(createHash("sha256").update(content).digest()) });
  }
  writeFileSync(join(dir, "..", `${dir.split("/").pop()}.zip`), zipSync(files));
}, 300_000);

afterAll(async () => {
  await service?.stop();
  rmSync(dir, { recursive: true, force: true });
  rmSync(`${dir}.zip`, { force: true });
});

/** The verdict of each receipt verified alone, reduced the way the batch reduces it. */
async function oneByOne(): Promise<BatchResult[]> {
  const out: BatchResult[] = [];
  for (const item of items) {
    let doc: unknown;
    try {
      doc = JSON.parse(item.text);
    } catch {
      out.push({ name: item.name, outcome: "failed", codes: ["INVALID_JSON"], checks: [{ id: "json", status: "failed", code: "INVALID_JSON" }] });
      continue;
    }
    out.push(outcomeOf(item.name, await verifyReceipt(doc, { sha256: item.sha256!, checkpoints }), true));
  }
  return out;
}

describe("verifyBatch", () => {
  it("spans several batches and blocks", () => {
    const roots = new Set(portfolio.map((p) => JSON.parse(p.text).anchors[0].proof.root));
    expect(roots.size).toBeGreaterThanOrEqual(6);
    expect(checkpoints.length).toBeGreaterThanOrEqual(1);
  });

  it("gives every receipt the verdict verifyReceipt gives it alone, on two worker threads and in one thread", async () => {
    const alone = await oneByOne();
    expect(await verifyBatch(items, { checkpoints, workers: 2, checks: true })).toEqual(alone);
    expect(await verifyReceiptBatch(items, { checkpoints, checks: true })).toEqual(alone);
    expect(await verifyReceiptBatch(items, { checkpoints, checks: true, memo: false })).toEqual(alone);
    // And the tampered ones fail with their codes.
    const byName = Object.fromEntries(alone.map((r) => [r.name, r]));
    expect(byName["draft-0"]!.outcome).toBe("verified");
    expect(byName["draft-1"]!.codes).toContain("ROOT_MISMATCH");
    expect(byName["draft-2"]!.codes).toContain("HEADER_TIME_MISMATCH");
    expect(byName["draft-3"]!.codes).toContain("HEADER_HASH_MISMATCH");
    expect(byName["draft-4"]!.codes).toEqual(["DIGEST_MISMATCH"]);
    expect(byName["draft-5"]!.codes).toEqual(["INVALID_JSON"]);
    expect(summarize(alone)).toMatchObject({ total: 24, verified: 19, failed: 5, notVerified: 0 });
  }, 120_000);

  it("does not share an offline check between receipts whose anchors differ in any byte the check reads", () => {
    const a = JSON.parse(portfolio[0]!.text).anchors[0];
    const b = structuredClone(a);
    expect(memoKey(a.inclusion, a)).toBe(memoKey(b.inclusion, { ...b, proof: { ...b.proof, index: 3, path: [] } }));
    for (const change of [
      (x: typeof a) => (x.blockTime = "2020-01-01T00:00:00Z"),
      (x: typeof a) => (x.proof.treeSize += 1),
      (x: typeof a) => (x.inclusion.txIndex += 1),
      (x: typeof a) => (x.contract = flipHex(x.contract)),
    ]) {
      const c = structuredClone(a);
      change(c);
      expect(memoKey(c.inclusion, c)).not.toBe(memoKey(a.inclusion, a));
    }
    // Values JSON would print alike are never memoized.
    expect(memoKey({ ...a.inclusion, txIndex: -0 }, a)).toBeUndefined();
    expect(memoKey({ ...a.inclusion, txIndex: Number.NaN }, a)).toBeUndefined();
  });
});

describe("priorproof verify --batch", () => {
  const io = (tty = false) => {
    const o = { out: "", err: "", progress: "" };
    return {
      o,
      io: {
        out: (l: string) => void (o.out += `${l}\n`),
        err: (l: string) => void (o.err += `${l}\n`),
        progress: (t: string) => void (o.progress += t),
        isTTY: tty,
        columns: 100,
        env: {},
      },
    };
  };
  const cps = () => checkpoints.flatMap((c) => ["--checkpoint", `${c.chainId}:${c.number}:${c.hash}`]);

  it("verifies a directory and prints the summary by code (JSON)", async () => {
    const { o, io: x } = io();
    const code = await run(["verify", "--batch", dir, ...cps(), "--json", "--workers", "2"], x);
    expect(code).toBe(1);
    const doc = JSON.parse(o.out);
    expect(doc.summary).toMatchObject({ total: 24, verified: 19, failed: 5, notVerified: 0 });
    expect(doc.summary.failedByCode.DIGEST_MISMATCH).toBe(1);
    expect(doc.summary.failedByCode.INVALID_JSON).toBe(1);
    const alone = await oneByOne();
    for (const r of doc.results) expect(r.outcome).toBe(alone.find((a) => r.name.endsWith(`${a.name}.bin.receipt.json`))!.outcome);
  }, 120_000);

  it("verifies a ZIP archive the same way, with a progress bar on a terminal and a human summary", async () => {
    const { o, io: x } = io(true);
    const code = await run(["verify", "--batch", `${dir}.zip`, ...cps()], x);
    expect(code).toBe(1);
    expect(o.out).toMatch(/24 receipts in [\d.]+ s: 19 verified, 5 failed \(.*DIGEST_MISMATCH 1.*\), 0 not verified/);
    expect(o.out).toContain("FAILED  ");
    expect(o.progress).toContain("verifying [");
  }, 120_000);

  it("prints plain progress lines without a terminal and counts receipts without checkpoints as not verified", async () => {
    const { o, io: x } = io(false);
    const code = await run(["verify", "--batch", dir], x);
    expect(code).toBe(1);
    expect(o.err).toContain("checked 24 / 24 receipts");
    expect(o.out).toMatch(/19 not verified/);
  }, 120_000);

  it("rejects a path that is neither a directory nor a ZIP archive with a stable code", async () => {
    const bad = join(dir, "draft-0.bin");
    const { o, io: x } = io();
    expect(await run(["verify", "--batch", bad, "--json"], x)).toBe(2);
    expect(JSON.parse(o.out).error.code).toBe("ARCHIVE_UNREADABLE");
  });
});
