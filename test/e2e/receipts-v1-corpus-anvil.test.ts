/**
 * The corpus of genuine version-1 receipts (test/fixtures/receipts-v1/, made by
 * scripts/make-receipt-corpus.ts from a real run) keeps verifying: each chain is restored from its
 * anvil state dump into a real anvil process, and every receipt is verified online — chain anchors
 * and RFC 3161 anchors (against the kept TSA root) — by the SDK and by the CLI. Offline, every
 * evm-receipt-proof/1 still holds, with a checkpoint read from the restored chain; and the schema file
 * and the strict parser give the same answer on the corpus and on its forged variants.
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import formats from "ajv-formats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createChainReader,
  createTimestampVerifier,
  parseReceiptJson,
  parseStrictJson,
  receiptProblems,
  verifyReceipt,
  type ChainReader,
  type EvmAnchor,
  type Receipt,
} from "../../client-sdk/src/index.ts";
import { certificatesFromPem } from "../../client-sdk/src/tsa/receipt.ts";
import { startDevChain, type DevChain } from "../../server/src/chain/devchain.ts";

const CORPUS = "test/fixtures/receipts-v1";
interface Entry {
  name: string;
  receipt: string;
  file: string;
  chains: Record<string, string>;
  tsaCa?: string;
}
const corpus = JSON.parse(readFileSync(join(CORPUS, "corpus.json"), "utf8")) as { entries: Entry[] };
const work = mkdtempSync(join(tmpdir(), "pp-corpus-test-"));
/** Running anvil per state dump. */
const chains = new Map<string, DevChain>();
const text = (e: Entry) => readFileSync(join(CORPUS, e.receipt), "utf8");
const fileOf = (e: Entry) => readFileSync(join(CORPUS, e.file));
const sha256 = (b: Uint8Array) => new Uint8Array(createHash("sha256").update(b).digest());
const sha3 = (b: Uint8Array) => new Uint8Array(createHash("sha3-256").update(b).digest());
const tsaTrust = (e: Entry) =>
  e.tsaCa ? { timestamp: createTimestampVerifier({ trustAnchors: certificatesFromPem(readFileSync(join(CORPUS, e.tsaCa), "utf8")) }) } : {};

function readersFor(e: Entry): Record<string, ChainReader> {
  return Object.fromEntries(Object.entries(e.chains).map(([id, state]) => [id, createChainReader(chains.get(state)!.rpcUrl)]));
}

beforeAll(async () => {
  const states = new Map<string, number>();
  for (const e of corpus.entries) for (const [id, state] of Object.entries(e.chains)) states.set(state, Number(id));
  for (const [state, chainId] of states) {
    // A copy: anvil writes its state back on exit, and the fixture must not change.
    const dataDir = join(work, state.replace(/\.json$/, ""));
    mkdirSync(dataDir, { recursive: true });
    copyFileSync(join(CORPUS, state), join(dataDir, "anvil-state.json"));
    chains.set(state, await startDevChain({ dataDir, chainId }));
  }
}, 120_000);
afterAll(async () => {
  for (const c of chains.values()) await c.stop();
  rmSync(work, { recursive: true, force: true });
});

describe("the corpus of genuine priorproof-receipt/1 receipts", () => {
  it("holds a receipt with an offline proof, one with SHA3-256, one with two chains and RFC 3161 anchors", () => {
    const receipts = corpus.entries.map((e) => parseReceiptJson(text(e)));
    expect(receipts.some((r) => r.anchors.some((a) => a.type === "evm" && a.inclusion !== undefined))).toBe(true);
    expect(receipts.some((r) => r.subject.sha3_256 !== undefined)).toBe(true);
    expect(
      receipts.some((r) => new Set(r.anchors.flatMap((a) => (a.type === "evm" ? [a.chainId] : []))).size === 2 && r.anchors.some((a) => a.type === "rfc3161")),
    ).toBe(true);
  });

  for (const e of corpus.entries) {
    it(`${e.name}: verifies online on its restored chain(s), every anchor witnessed, facts derived`, async () => {
      const receipt = parseReceiptJson(text(e));
      const file = fileOf(e);
      const t0 = performance.now();
      const v = await verifyReceipt(parseStrictJson(text(e)), { sha256: sha256(file), sha3_256: sha3(file), chains: readersFor(e), ...tsaTrust(e) });
      expect(v.verified, JSON.stringify(v.checks.filter((c) => c.status !== "passed"))).toBe(true);
      expect(v.checks.filter((c) => c.status === "failed")).toEqual([]);
      expect(v.witnesses.map((w) => w.anchor).sort()).toEqual(receipt.anchors.map((_, i) => i));
      for (const w of v.witnesses.filter((x) => x.type === "evm")) expect(w).toMatchObject({ via: "rpc", development: true, codeCheckedAt: "anchor-block" });
      if (receipt.subject.sha3_256) expect(v.checks.find((c) => c.id === "digest.sha3")?.status).toBe("passed");
      expect(performance.now() - t0).toBeLessThan(2_000 * receipt.anchors.length);
    });

    it(`${e.name}: verifies with the CLI (exit 0)`, async () => {
      const args = ["--conditions=source", "client-sdk/src/cli/main.ts", "verify", join(CORPUS, e.file), join(CORPUS, e.receipt)];
      for (const state of new Set(Object.values(e.chains))) args.push("--rpc", chains.get(state)!.rpcUrl);
      if (e.tsaCa) args.push("--tsa-ca", join(CORPUS, e.tsaCa));
      const r = await new Promise<{ code: number; out: string }>((resolve) => {
        const child = spawn(process.execPath, args, { env: { PATH: process.env.PATH ?? "" } });
        let out = "";
        child.stdout.on("data", (d: Buffer) => (out += d.toString()));
        child.stderr.on("data", (d: Buffer) => (out += d.toString()));
        child.on("close", (code) => resolve({ code: code ?? -1, out }));
      });
      expect(r.code, r.out).toBe(0);
      expect(r.out).toMatch(/^VERIFIED/m);
    }, 30_000);

    it(`${e.name}: offline, each evm-receipt-proof/1 holds; a checkpoint read from the chain leaves only the contract's code`, async () => {
      const receipt = parseReceiptJson(text(e));
      const checkpoints = [];
      for (const a of receipt.anchors) {
        if (a.type !== "evm") continue;
        const block = await createChainReader(chains.get(e.chains[String(a.chainId)]!)!.rpcUrl).getBlock(BigInt(a.blockNumber));
        checkpoints.push({ chainId: a.chainId, number: a.blockNumber, hash: block!.hash });
      }
      const v = await verifyReceipt(receipt, { sha256: sha256(fileOf(e)), checkpoints });
      const evm = receipt.anchors.flatMap((a, i) => (a.type === "evm" ? [i] : []));
      for (const i of evm) expect(v.checks.find((c) => c.id === `anchors[${i}].inclusion`)?.status).toBe("passed");
      expect(v.remaining.map((f) => f.scope)).toEqual(evm.map(() => "contract-code"));
    });
  }

  it("edited TSA labels (subject, qualified) fail TSA_LABEL_MISMATCH, and the CLI prints the token's facts, never the receipt's", async () => {
    const e = corpus.entries.find((x) => x.tsaCa)!;
    const r = JSON.parse(text(e)) as Receipt;
    const i = r.anchors.findIndex((a) => a.type === "rfc3161");
    Object.assign(r.anchors[i]!, { tsa: { ...(r.anchors[i] as { tsa: object }).tsa, subject: "CN=Qualified Trust Service of the Union" }, qualified: true });
    const v = await verifyReceipt(r, { sha256: sha256(fileOf(e)), chains: readersFor(e), ...tsaTrust(e) });
    expect(v.checks.find((c) => c.id === `anchors[${i}].tsa`)).toMatchObject({ status: "failed", code: "TSA_LABEL_MISMATCH" });
    expect(v.verified).toBe(false);
    // Untouched, the witness states the TSA as the token verifier derived it.
    const ok = await verifyReceipt(parseStrictJson(text(e)), { sha256: sha256(fileOf(e)), chains: readersFor(e), ...tsaTrust(e) });
    const w = ok.witnesses.find((x) => x.type === "rfc3161")!;
    expect(w.tsaSubject).toBe((parseReceiptJson(text(e)).anchors[i] as { tsa: { subject: string } }).tsa.subject);
    expect(w.qualified).toBe(false);
    const edited = join(work, "edited-tsa.receipt.json");
    writeFileSync(edited, JSON.stringify(r));
    const out = await new Promise<{ code: number; out: string }>((resolve) => {
      const args = ["--conditions=source", "client-sdk/src/cli/main.ts", "verify", join(CORPUS, e.file), edited, "--tsa-ca", join(CORPUS, e.tsaCa!)];
      for (const state of new Set(Object.values(e.chains))) args.push("--rpc", chains.get(state)!.rpcUrl);
      const child = spawn(process.execPath, args, { env: { PATH: process.env.PATH ?? "" } });
      let o = "";
      child.stdout.on("data", (d: Buffer) => (o += d.toString()));
      child.on("close", (code) => resolve({ code: code ?? -1, out: o }));
    });
    expect(out.code).toBe(1);
    expect(out.out).toContain("TSA_LABEL_MISMATCH");
    // The edited name appears only where the receipt's own assertions are shown, labelled as such.
    for (const line of out.out.split("\n").filter((l) => l.includes("Qualified Trust Service of the Union")))
      expect(line).toMatch(/asserted by the receipt, not checked|TSA_LABEL_MISMATCH/);
  }, 30_000);

  it("the schema file and the strict parser agree on the corpus and on its forged variants", () => {
    const schema = JSON.parse(readFileSync("docs/receipt.schema.json", "utf8")) as object;
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    (formats as unknown as { default: (a: Ajv2020) => void }).default(ajv);
    const validate = ajv.compile(schema);
    const variants: [string, unknown][] = [];
    for (const e of corpus.entries) {
      const r = JSON.parse(text(e)) as Receipt & Record<string, unknown>;
      variants.push([`${e.name}`, r]);
      variants.push([`${e.name} + unknown field`, { ...r, trustedBy: "court" }]);
      variants.push([`${e.name} + unknown subject field`, { ...r, subject: { ...r.subject, colour: "red" } }]);
      variants.push([`${e.name} + impossible date`, { ...r, issuedAt: "2026-11-31T00:00:05Z" }]);
      variants.push([`${e.name} + 17 anchors`, { ...r, anchors: Array.from({ length: 17 }, () => r.anchors[0]) }]);
      const evm = r.anchors.find((a) => a.type === "evm") as EvmAnchor;
      variants.push([`${e.name} + unknown anchor field`, { ...r, anchors: [{ ...evm, verified: true }] }]);
    }
    for (const [name, doc] of variants)
      expect(validate(doc), `${name}: schema says ${validate(doc)}, parser says ${JSON.stringify(receiptProblems(doc))}`).toBe(
        receiptProblems(doc).length === 0,
      );
  });
});
