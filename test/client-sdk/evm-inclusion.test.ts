/**
 * The offline EVM inclusion check (client-sdk/src/evm-inclusion.ts) with no provider at all: public-chain
 * header vectors and an anvil-captured inclusion from docs/vectors/evm-inclusion.json, then properties
 * over sealed synthetic blocks (real RLP headers, real receipt tries): untampered blocks verify, and
 * tampering with any header field, any proof node, the receipt, the log's address, topic or data, the
 * status, or substituting another block's receipt each fails with the code that names it.
 */
import { readFileSync } from "node:fs";
import { MerklePatriciaTrie, createMerkleProof } from "@ethereumjs/mpt";
import { RLP } from "@ethereumjs/rlp";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { Ajv2020 } from "ajv/dist/2020.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  EVM_INCLUSION_LIMITS,
  EvmInclusionError,
  KNOWN_ANCHOR_CODE_HASHES,
  MerkleTree,
  decodeBlockHeader,
  fromHex,
  getLeafHash,
  isKnownAnchorCode,
  timeBound,
  toHex,
  verifyEvmInclusion,
  verifyReceipt,
  receiptProblems,
  type EvmAnchor,
  type EvmInclusion,
  type Hex,
  type Receipt,
} from "../../client-sdk/src/index.ts";
import { ANCHORED_EVENT_TOPIC } from "../../client-sdk/src/anchor-event.ts";
import { EVM_INCLUSION_FORMAT, EVM_INCLUSION_FORMAT_V2, type EvmInclusionClaim, type EvmInclusionV2 } from "../../client-sdk/src/evm-inclusion.ts";
import { KNOWN_ANCHOR_BUILDS } from "../../client-sdk/src/trust/builds.ts";
import {
  EMPTY_CODE,
  anchoredLog,
  encodeSyntheticTx,
  proveAbsence,
  sealBlock,
  sealBlockV2,
  word,
  type SyntheticAccount,
  type SyntheticFork,
  type SyntheticLog,
  type SyntheticReceipt,
  type SyntheticTx,
} from "../helpers/evm-block.ts";

interface HeaderVector {
  name: string;
  source: string;
  number: number;
  hash: Hex;
  timestamp: string;
  receiptsRoot: Hex;
  fieldCount: number;
  rlp: Hex;
}
const VECTORS = JSON.parse(readFileSync(new URL("../../docs/vectors/evm-inclusion.json", import.meta.url), "utf8")) as {
  headers: HeaderVector[];
  anvil: { claim: EvmInclusionClaim; inclusion: EvmInclusion };
  anvilV2: { codeHash: Hex; claim: EvmInclusionClaim & { txHash: Hex }; inclusion: EvmInclusionV2 };
};

const RUNS = 60;
const CONTRACT = "0x5fbdb2315678afecb367f032d93f642f64180aa3" as Hex;
const ANCHORER = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8" as Hex;

/** CPU milliseconds (user + system) this process spent since `start`: unlike wall time, not inflated by a loaded machine. */
const cpuMsSince = (start: NodeJS.CpuUsage): number => {
  const d = process.cpuUsage(start);
  return (d.user + d.system) / 1000;
};

/** Rejects with the given code (and only that code). */
async function expectCode(p: Promise<unknown>, code: string): Promise<void> {
  await expect(p).rejects.toMatchObject({ code });
}

const flipByte = (hex: Hex, at: number, mask: number): Hex => {
  const b = fromHex(hex);
  const i = at % b.length;
  b[i] = (b[i] as number) ^ (mask || 1);
  return toHex(b);
};

describe("decodeBlockHeader", () => {
  describe("when given headers of public chains (docs/vectors/evm-inclusion.json)", () => {
    it.each(VECTORS.headers.map((v) => [v.name, v] as const))("reads %s: its hash, number, time and receiptsRoot", (_, v) => {
      const h = decodeBlockHeader(fromHex(v.rlp));
      expect(h.hash).toBe(v.hash);
      expect(h.number).toBe(BigInt(v.number));
      expect(new Date(Number(h.timestamp) * 1000).toISOString().replace(/\.000Z$/, "Z")).toBe(v.timestamp);
      expect(toHex(h.receiptsRoot)).toBe(v.receiptsRoot);
      expect(h.fieldCount).toBe(v.fieldCount);
    });
  });

  it("rejects a header that is not a list of at least 15 fields, or whose fixed-size fields have other sizes", () => {
    const v = VECTORS.headers[0]!;
    const fields = RLP.decode(fromHex(v.rlp)) as Uint8Array[];
    expect(() => decodeBlockHeader(RLP.encode(fields.slice(0, 14)))).toThrow(expect.objectContaining({ code: "HEADER_MALFORMED" }));
    expect(() => decodeBlockHeader(RLP.encode([...fields.slice(0, 5), new Uint8Array(31), ...fields.slice(6)]))).toThrow(
      expect.objectContaining({ code: "HEADER_MALFORMED" }),
    );
    expect(() => decodeBlockHeader(fromHex("0x01"))).toThrow(expect.objectContaining({ code: "HEADER_MALFORMED" }));
    expect(() => decodeBlockHeader(fromHex(v.rlp).subarray(0, 100))).toThrow(expect.objectContaining({ code: "HEADER_MALFORMED" }));
  });
});

describe("verifyEvmInclusion", () => {
  describe("when given the inclusion captured from anvil (docs/vectors/evm-inclusion.json)", () => {
    const { claim, inclusion } = VECTORS.anvil;

    it("verifies with no provider and reads block number, time and anchorer", async () => {
      const r = await verifyEvmInclusion(inclusion, claim);
      expect(r.blockNumber).toBe(BigInt(claim.blockNumber));
      expect(r.blockTime).toBe(new Date(claim.blockTime).toISOString());
      expect(r.anchorer).toBe(ANCHORER);
      expect(r.headerShape).toBe("prague–osaka");
    });

    it("checks every call afresh: no result is remembered, so the same proof gives an equal result and any changed input fails", async () => {
      const first = await verifyEvmInclusion(inclusion, claim);
      const again = await verifyEvmInclusion(structuredClone(inclusion), { ...claim });
      expect(again).toEqual(first);
      expect(again).not.toBe(first);
      await expectCode(
        verifyEvmInclusion({ ...inclusion, proof: inclusion.proof.map((n, i) => (i === inclusion.proof.length - 1 ? flipByte(n, 3, 0x01) : n)) }, claim),
        "RECEIPT_PROOF_INVALID",
      );
      await expectCode(verifyEvmInclusion(inclusion, { ...claim, blockHash: flipByte(claim.blockHash, 5, 0x01) }), "HEADER_HASH_MISMATCH");
      await expectCode(
        verifyEvmInclusion(inclusion, {
          ...claim,
          contract: claim.contract.toUpperCase().replace("0X", "0x") as Hex,
          proof: { ...claim.proof, treeSize: claim.proof.treeSize + 2 },
        }),
        "LOG_TREE_SIZE_MISMATCH",
      );
      // And the untampered proof still holds after those failures.
      expect(await verifyEvmInclusion(inclusion, claim)).toEqual(first);
    });

    it("names the step that fails for each tampered part", async () => {
      await expectCode(verifyEvmInclusion({ ...inclusion, header: flipByte(inclusion.header, 200, 1) }, claim), "HEADER_HASH_MISMATCH");
      await expectCode(verifyEvmInclusion(inclusion, { ...claim, blockNumber: claim.blockNumber + 1 }), "HEADER_NUMBER_MISMATCH");
      await expectCode(
        verifyEvmInclusion(inclusion, { ...claim, blockTime: new Date(Date.parse(claim.blockTime) + 1000).toISOString() }),
        "HEADER_TIME_MISMATCH",
      );
      await expectCode(
        verifyEvmInclusion({ ...inclusion, proof: inclusion.proof.map((n, i) => (i === 1 ? flipByte(n, 40, 0x10) : n)) }, claim),
        "RECEIPT_PROOF_INVALID",
      );
      await expectCode(verifyEvmInclusion({ ...inclusion, receipt: flipByte(inclusion.receipt, 10, 1) }, claim), "RECEIPT_MISMATCH");
      await expectCode(verifyEvmInclusion(inclusion, { ...claim, contract: `0x${"11".repeat(20)}` }), "LOG_ADDRESS_MISMATCH");
      await expectCode(verifyEvmInclusion(inclusion, { ...claim, proof: { ...claim.proof, root: `0x${"77".repeat(32)}` } }), "LOG_ROOT_MISMATCH");
      await expectCode(verifyEvmInclusion(inclusion, { ...claim, proof: { ...claim.proof, treeSize: claim.proof.treeSize + 1 } }), "LOG_TREE_SIZE_MISMATCH");
      await expectCode(verifyEvmInclusion({ ...inclusion, txIndex: inclusion.txIndex + 1 }, claim), "RECEIPT_PROOF_INVALID");
      await expectCode(verifyEvmInclusion({ ...inclusion, format: "evm-receipt-proof/2" }, claim), "INCLUSION_MALFORMED"); // /2 without tx, txProof, account
      await expectCode(verifyEvmInclusion({ ...inclusion, format: "evm-receipt-proof/3" }, claim), "INCLUSION_MALFORMED");
      await expectCode(verifyEvmInclusion({ ...inclusion, extra: 1 }, claim), "INCLUSION_MALFORMED");
      await expectCode(verifyEvmInclusion({ ...inclusion, proof: [] }, claim), "INCLUSION_MALFORMED");
      await expectCode(verifyEvmInclusion({ ...inclusion, header: "0xZZ" }, claim), "INCLUSION_MALFORMED");
    });
  });

  describe("when given the evm-receipt-proof/2 captured from anvil (docs/vectors/evm-inclusion.json)", () => {
    const { claim, inclusion, codeHash } = VECTORS.anvilV2;

    it("verifies with no provider and proves the transaction hash and the EvidenceAnchor build's code hash", async () => {
      const r = await verifyEvmInclusion(inclusion, claim);
      expect(r.format).toBe(EVM_INCLUSION_FORMAT_V2);
      expect(r.blockHash).toBe(claim.blockHash);
      expect(r.blockTimestamp * 1000n).toBe(BigInt(Date.parse(claim.blockTime)));
      expect(r.txHash).toBe(claim.txHash);
      expect(r.codeHash).toBe(codeHash);
      expect(isKnownAnchorCode(codeHash)).toBe(true);
      expect(r.anchorer).toBe(ANCHORER);
    });

    it("names the layer that fails for each tampered part", async () => {
      await expectCode(verifyEvmInclusion({ ...inclusion, tx: flipByte(inclusion.tx, 30, 1) }, claim), "TX_HASH_MISMATCH");
      await expectCode(verifyEvmInclusion(inclusion, { ...claim, txHash: VECTORS.anvil.inclusion.proof[0]!.slice(0, 66) as Hex }), "TX_HASH_MISMATCH");
      await expectCode(
        verifyEvmInclusion({ ...inclusion, txProof: inclusion.txProof.map((n, i) => (i === 1 ? flipByte(n, 40, 0x10) : n)) }, claim),
        "TX_PROOF_INVALID",
      );
      await expectCode(verifyEvmInclusion({ ...inclusion, account: { ...inclusion.account, codeHash: `0x${"5a".repeat(32)}` } }, claim), "ACCOUNT_MISMATCH");
      await expectCode(
        verifyEvmInclusion(
          { ...inclusion, account: { ...inclusion.account, proof: inclusion.account.proof.map((n, i) => (i === 0 ? flipByte(n, 50, 1) : n)) } },
          claim,
        ),
        "STATE_ROOT_MISMATCH",
      );
      await expectCode(
        verifyEvmInclusion({ ...inclusion, account: { ...inclusion.account, proof: inclusion.account.proof.slice(0, -1) } }, claim),
        "ACCOUNT_PROOF_INVALID",
      );
      // The account proof of the /1 vector's block (another state) does not fit this header.
      await expectCode(verifyEvmInclusion({ ...inclusion, proof: VECTORS.anvil.inclusion.proof }, claim), "RECEIPT_PROOF_INVALID");
      // The /1 fields alone still verify as /1 (no transaction, no code hash).
      const { tx: _t, txProof: _p, account: _a, ...v1 } = inclusion;
      const r1 = await verifyEvmInclusion({ ...v1, format: EVM_INCLUSION_FORMAT }, claim);
      expect(r1.codeHash).toBeUndefined();
      expect(r1.txHash).toBeUndefined();
    });

    it("checks a /2 proof in a few milliseconds, with no result remembered between calls", async () => {
      await verifyEvmInclusion(inclusion, claim); // warm the JIT
      const n = 200;
      const t0 = process.cpuUsage();
      for (let i = 0; i < n; i++) await verifyEvmInclusion(inclusion, claim);
      expect(cpuMsSince(t0) / n).toBeLessThan(20);
    });
  });

  describe("docs/receipt.schema.json and the receipt parser", () => {
    const schema = JSON.parse(readFileSync(new URL("../../docs/receipt.schema.json", import.meta.url), "utf8")) as object;
    const validate = new Ajv2020({ allErrors: true, strict: false }).compile(schema);
    const v2 = VECTORS.anvilV2.inclusion;
    const { tx: _t, txProof: _p, account: _a, ...v1fields } = v2;
    const receiptWith = (inclusion: unknown) => ({
      version: "priorproof-receipt/1",
      id: "01TEST",
      subject: { sha256: `0x${"ab".repeat(32)}` },
      leaf: { encoding: "priorproof-leaf/1", claimSha256: null, salt: `0x${"01".repeat(16)}`, hash: `0x${"cd".repeat(32)}` },
      service: { operator: "test", receivedAt: "2026-11-30T07:57:03Z", software: "test" },
      anchors: [
        {
          type: "evm",
          proof: { root: VECTORS.anvilV2.claim.proof.root, treeSize: 6, index: 0, path: [] },
          chainId: 31337,
          chainName: "anvil",
          development: true,
          contract: VECTORS.anvilV2.claim.contract,
          txHash: VECTORS.anvilV2.claim.txHash,
          blockNumber: VECTORS.anvilV2.claim.blockNumber,
          blockHash: VECTORS.anvilV2.claim.blockHash,
          blockTime: VECTORS.anvilV2.claim.blockTime,
          confirmations: 1,
          requiredConfirmations: 1,
          inclusion,
        },
      ],
      issuedAt: "2026-11-30T07:57:05Z",
    });
    const big = (bytes: number) => `0x${"11".repeat(bytes)}`;
    const corpus: [string, unknown, boolean][] = [
      ["the /2 vector", v2, true],
      ["the /1 vector", VECTORS.anvil.inclusion, true],
      ["/1 fields tagged /1", { ...v1fields, format: EVM_INCLUSION_FORMAT }, true],
      ["/2 at its size bounds", { ...v2, header: big(8_192), tx: big(4_096), txProof: [big(5_120)], account: { ...v2.account, proof: [big(1_024)] } }, true],
      ["/2 with a zero nonce and balance", { ...v2, account: { ...v2.account, nonce: "0x0", balance: "0x0" } }, true],
      ["/1 with /2's fields", { ...v2, format: EVM_INCLUSION_FORMAT }, false],
      ["/2 without an account", { ...v1fields, format: EVM_INCLUSION_FORMAT_V2, tx: v2.tx, txProof: v2.txProof }, false],
      ["/2 without tx", { ...v2, tx: undefined }, false],
      ["/2 with an unknown field", { ...v2, note: "x" }, false],
      ["/2 with an unknown account field", { ...v2, account: { ...v2.account, address: VECTORS.anvilV2.claim.contract } }, false],
      ["an unknown format", { ...v2, format: "evm-receipt-proof/3" }, false],
      ["a nonce with a leading zero", { ...v2, account: { ...v2.account, nonce: "0x01" } }, false],
      ["a nonce past 64 bits", { ...v2, account: { ...v2.account, nonce: `0x1${"0".repeat(16)}` } }, false],
      ["an upper-case balance", { ...v2, account: { ...v2.account, balance: "0xAB" } }, false],
      ["a short codeHash", { ...v2, account: { ...v2.account, codeHash: "0x00" } }, false],
      ["an empty account proof", { ...v2, account: { ...v2.account, proof: [] } }, false],
      ["65 account proof nodes", { ...v2, account: { ...v2.account, proof: Array(65).fill("0x00") } }, false],
      ["an account node past 1 KiB", { ...v2, account: { ...v2.account, proof: [big(1_025)] } }, false],
      ["a header past 8 KiB", { ...v2, header: big(8_193) }, false],
      ["a tx past 4 KiB", { ...v2, tx: big(4_097) }, false],
      ["a receipt past 4 KiB", { ...v2, receipt: big(4_097) }, false],
      ["a trie node past 5 KiB", { ...v2, txProof: [big(5_121)] }, false],
      ["an empty tx", { ...v2, tx: "0x" }, false],
      ["an empty txProof", { ...v2, txProof: [] }, false],
      ["a negative txIndex", { ...v2, txIndex: -1 }, false],
    ];

    it.each(corpus)("agree on %s", (_, inclusion, valid) => {
      const doc = receiptWith(inclusion);
      expect(validate(doc), JSON.stringify(validate.errors)?.slice(0, 300)).toBe(valid);
      expect(receiptProblems(doc).length === 0, receiptProblems(doc).join("; ")).toBe(valid);
    });
  });

  // -------------------------------------------------------------------------------------------------
  // Random sealed blocks.

  const hex = (n: number) => fc.uint8Array({ minLength: n, maxLength: n }).map((b) => toHex(b));
  const logArb: fc.Arbitrary<SyntheticLog> = fc.record({
    address: hex(20),
    topics: fc.array(hex(32), { maxLength: 4 }),
    data: fc.uint8Array({ maxLength: 80 }).map((b) => toHex(b)),
  });
  const otherReceiptArb: fc.Arbitrary<SyntheticReceipt> = fc.record({
    type: fc.constantFrom(0, 1, 2),
    status: fc.constantFrom<0 | 1>(0, 1),
    logs: fc.array(logArb, { maxLength: 3 }),
  });
  interface World {
    receipts: SyntheticReceipt[];
    txIndex: number;
    root: Hex;
    treeSize: number;
    fork: SyntheticFork;
    number: number;
    timestamp: number;
  }
  const worldArb: fc.Arbitrary<World> = fc
    .record({
      others: fc.array(otherReceiptArb, { maxLength: 40 }),
      at: fc.nat(),
      root: hex(32),
      treeSize: fc.integer({ min: 1, max: 2 ** 40 }),
      type: fc.constantFrom(0, 2),
      fork: fc.constantFrom<SyntheticFork>("london", "shanghai", "cancun", "prague"),
      number: fc.integer({ min: 1, max: 2 ** 40 }),
      timestamp: fc.integer({ min: 1_438_269_973, max: 4_000_000_000 }),
      before: fc.array(logArb, { maxLength: 2 }),
    })
    .map(({ others, at, root, treeSize, type, fork, number, timestamp, before }) => {
      const txIndex = at % (others.length + 1);
      const anchor: SyntheticReceipt = { type, status: 1, logs: [...before, anchoredLog(CONTRACT, root, treeSize, ANCHORER)] };
      return { receipts: [...others.slice(0, txIndex), anchor, ...others.slice(txIndex)], txIndex, root, treeSize, fork, number, timestamp };
    });
  const seal = (w: World, receipts = w.receipts) =>
    sealBlock(receipts, w.txIndex, { contract: CONTRACT, root: w.root, treeSize: w.treeSize, number: w.number, timestamp: w.timestamp, fork: w.fork });
  /** The world with the anchor's Anchored log replaced. */
  const withAnchorLog = (w: World, change: (l: SyntheticLog) => SyntheticLog): SyntheticReceipt[] =>
    w.receipts.map((r, i) => (i === w.txIndex ? { ...r, logs: r.logs.map((l, j) => (j === r.logs.length - 1 ? change(l) : l)) } : r));

  it("verifies every sealed block, of every header shape, with no provider", async () => {
    await fc.assert(
      fc.asyncProperty(worldArb, async (w) => {
        const b = await seal(w);
        const r = await verifyEvmInclusion(b.inclusion, b.claim);
        expect(r.blockNumber).toBe(BigInt(w.number));
        expect(r.anchorer).toBe(ANCHORER);
      }),
      { numRuns: RUNS },
    );
  });

  it("rejects any header field changed (HEADER_HASH_MISMATCH)", async () => {
    await fc.assert(
      fc.asyncProperty(worldArb, fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 32 }), async (w, pick, noise) => {
        const b = await seal(w);
        const fields = RLP.decode(fromHex(b.inclusion.header)) as Uint8Array[];
        const k = pick % fields.length;
        const old = fields[k] as Uint8Array;
        // Same length where the field has a fixed size; otherwise any other value.
        const next = old.length > 0 ? old.map((x, i) => x ^ (noise[i % noise.length] || 1)) : Uint8Array.of(noise[0] || 1);
        const header = toHex(RLP.encode(fields.map((f, i) => (i === k ? next : f))));
        await expectCode(verifyEvmInclusion({ ...b.inclusion, header }, b.claim), "HEADER_HASH_MISMATCH");
      }),
      { numRuns: RUNS },
    );
  });

  it("rejects any proof node changed (RECEIPT_PROOF_INVALID)", async () => {
    await fc.assert(
      fc.asyncProperty(worldArb, fc.nat(), fc.nat(), fc.integer({ min: 1, max: 255 }), async (w, node, at, mask) => {
        const b = await seal(w);
        const j = node % b.inclusion.proof.length;
        const proof = b.inclusion.proof.map((n, i) => (i === j ? flipByte(n, at, mask) : n));
        await expectCode(verifyEvmInclusion({ ...b.inclusion, proof }, b.claim), "RECEIPT_PROOF_INVALID");
      }),
      { numRuns: RUNS },
    );
  });

  it("rejects a proof node dropped or the receipt bytes changed", async () => {
    await fc.assert(
      fc.asyncProperty(worldArb, fc.nat(), fc.integer({ min: 1, max: 255 }), async (w, at, mask) => {
        const b = await seal(w);
        await expectCode(verifyEvmInclusion({ ...b.inclusion, receipt: flipByte(b.inclusion.receipt, at, mask) }, b.claim), "RECEIPT_MISMATCH");
        if (b.inclusion.proof.length > 1)
          await expectCode(verifyEvmInclusion({ ...b.inclusion, proof: b.inclusion.proof.slice(0, -1) }, b.claim), "RECEIPT_PROOF_INVALID");
      }),
      { numRuns: RUNS },
    );
  });

  it("rejects the log's address, event topic, root topic or data changed, in place and re-sealed", async () => {
    await fc.assert(
      fc.asyncProperty(worldArb, hex(20), hex(32), hex(32), fc.uint8Array({ maxLength: 64 }), async (w, address, topic0, root, data) => {
        fc.pre(address !== CONTRACT && topic0 !== ANCHORED_EVENT_TOPIC && root !== w.root && toHex(data) !== word(w.treeSize));
        const b = await seal(w);
        const cases: [(l: SyntheticLog) => SyntheticLog, string][] = [
          [(l) => ({ ...l, address }), "LOG_ADDRESS_MISMATCH"],
          [(l) => ({ ...l, topics: [topic0, ...l.topics.slice(1)] }), "LOG_EVENT_MISMATCH"],
          [(l) => ({ ...l, topics: l.topics.slice(0, 2) }), "LOG_EVENT_MISMATCH"],
          [(l) => ({ ...l, topics: [l.topics[0]!, root, l.topics[2]!] }), "LOG_ROOT_MISMATCH"],
          [(l) => ({ ...l, data: toHex(data) }), "LOG_TREE_SIZE_MISMATCH"],
        ];
        for (const [change, code] of cases) {
          const receipts = withAnchorLog(w, change);
          // Another contract at that address may have logged too: keep the world's other logs out of it.
          if (code === "LOG_ADDRESS_MISMATCH" && receipts[w.txIndex]!.logs.some((l) => l.address === CONTRACT)) continue;
          const resealed = await seal(w, receipts);
          // In place: the receipt no longer matches the proof.
          await expectCode(verifyEvmInclusion({ ...b.inclusion, receipt: resealed.inclusion.receipt }, b.claim), "RECEIPT_MISMATCH");
          // Re-sealed (new trie, new header, the claim names the new block hash): the log check names it.
          await expectCode(verifyEvmInclusion(resealed.inclusion, resealed.claim), code);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it("rejects a reverted anchor transaction (RECEIPT_FAILED)", async () => {
    await fc.assert(
      fc.asyncProperty(worldArb, async (w) => {
        const b = await seal(
          w,
          w.receipts.map((r, i) => (i === w.txIndex ? { ...r, status: 0 as const } : r)),
        );
        await expectCode(verifyEvmInclusion(b.inclusion, b.claim), "RECEIPT_FAILED");
      }),
      { numRuns: 20 },
    );
  });

  it("rejects a receipt and proof substituted from another block, and another block's whole section", async () => {
    await fc.assert(
      fc.asyncProperty(worldArb, worldArb, async (w, v) => {
        const a = await seal(w);
        // The other block anchors the same root from the same contract: only the block differs.
        const other = await seal({
          ...v,
          root: w.root,
          treeSize: w.treeSize,
          receipts: v.receipts.map((r, i) => (i === v.txIndex ? { ...r, logs: [anchoredLog(CONTRACT, w.root, w.treeSize, ANCHORER)] } : r)),
        });
        fc.pre(other.receiptsRoot !== a.receiptsRoot);
        await expectCode(
          verifyEvmInclusion({ ...a.inclusion, txIndex: other.inclusion.txIndex, receipt: other.inclusion.receipt, proof: other.inclusion.proof }, a.claim),
          "RECEIPT_PROOF_INVALID",
        );
        await expectCode(verifyEvmInclusion(other.inclusion, a.claim), "HEADER_HASH_MISMATCH");
      }),
      { numRuns: RUNS },
    );
  });

  it("rejects another transaction of the same block, proven correctly, that did not anchor the root", async () => {
    await fc.assert(
      fc.asyncProperty(worldArb, fc.nat(), async (w, pick) => {
        fc.pre(w.receipts.length > 1);
        const other = (w.txIndex + 1 + (pick % (w.receipts.length - 1))) % w.receipts.length;
        const b = await seal(w);
        const wrong = await sealBlock(w.receipts, other, {
          contract: CONTRACT,
          root: w.root,
          treeSize: w.treeSize,
          number: w.number,
          timestamp: w.timestamp,
          fork: w.fork,
        });
        expect(wrong.claim.blockHash).toBe(b.claim.blockHash);
        const codes = ["LOG_ADDRESS_MISMATCH", "LOG_EVENT_MISMATCH", "LOG_ROOT_MISMATCH", "LOG_TREE_SIZE_MISMATCH", "RECEIPT_FAILED"];
        await expect(verifyEvmInclusion(wrong.inclusion, b.claim)).rejects.toSatisfy((e: { code: string }) => codes.includes(e.code));
      }),
      { numRuns: RUNS },
    );
  });

  it("rejects a valid proof that the index holds no receipt (RECEIPT_NOT_IN_BLOCK)", async () => {
    await fc.assert(
      fc.asyncProperty(worldArb, fc.integer({ min: 1, max: 1000 }), async (w, beyond) => {
        const b = await seal(w);
        const absent = w.receipts.length - 1 + beyond;
        const proof = await proveAbsence(w.receipts, absent);
        await expectCode(verifyEvmInclusion({ ...b.inclusion, txIndex: absent, proof }, b.claim), "RECEIPT_NOT_IN_BLOCK");
      }),
      { numRuns: 20 },
    );
  });
});

// ---------------------------------------------------------------------------------------------------
// evm-receipt-proof/2: the transaction and the contract's account, each layer tampered on its own.

describe("verifyEvmInclusion (evm-receipt-proof/2)", () => {
  const GENUINE = [...KNOWN_ANCHOR_CODE_HASHES][0] as Hex;
  const hex = (n: number) => fc.uint8Array({ minLength: n, maxLength: n }).map((b) => toHex(b));
  const accountArb = (address: fc.Arbitrary<Hex>): fc.Arbitrary<SyntheticAccount> =>
    fc.record({
      address,
      nonce: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
      balance: fc.bigInt({ min: 0n, max: 2n ** 200n }),
      storageRoot: hex(32),
      codeHash: hex(32),
    });
  const txArb: fc.Arbitrary<SyntheticTx> = fc.record({
    type: fc.constantFrom<SyntheticTx["type"]>(0, 1, 2, 3, 4),
    to: hex(20),
    data: fc.uint8Array({ maxLength: 100 }).map((b) => toHex(b)),
  });
  interface World2 {
    receipts: SyntheticReceipt[];
    txs: SyntheticTx[];
    accounts: SyntheticAccount[];
    txIndex: number;
    root: Hex;
    treeSize: number;
    fork: SyntheticFork;
    number: number;
    timestamp: number;
  }
  const worldArb: fc.Arbitrary<World2> = fc
    .record({
      others: fc.array(fc.tuple(txArb, fc.constantFrom(0, 1, 2)), { maxLength: 30 }),
      at: fc.nat(),
      anchorType: fc.constantFrom<SyntheticTx["type"]>(0, 1, 2, 3, 4),
      accounts: fc.array(accountArb(hex(20)), { maxLength: 40 }),
      contract: accountArb(fc.constant(CONTRACT)),
      root: hex(32),
      treeSize: fc.integer({ min: 1, max: 2 ** 40 }),
      fork: fc.constantFrom<SyntheticFork>("london", "shanghai", "cancun", "prague"),
      number: fc.integer({ min: 1, max: 2 ** 40 }),
      timestamp: fc.integer({ min: 1_438_269_973, max: 4_000_000_000 }),
    })
    .map(({ others, at, anchorType, accounts, contract, root, treeSize, fork, number, timestamp }) => {
      const txIndex = at % (others.length + 1);
      const anchorTx: SyntheticTx = { type: anchorType, to: CONTRACT, data: `0x${"ab".repeat(68)}` };
      const anchorReceipt: SyntheticReceipt = { type: anchorType, status: 1, logs: [anchoredLog(CONTRACT, root, treeSize, ANCHORER)] };
      const otherReceipts = others.map(([t]) => ({ type: t.type, status: 1 as const, logs: [] }));
      return {
        receipts: [...otherReceipts.slice(0, txIndex), anchorReceipt, ...otherReceipts.slice(txIndex)],
        txs: [...others.slice(0, txIndex).map(([t]) => t), anchorTx, ...others.slice(txIndex).map(([t]) => t)],
        accounts: [...accounts.filter((a) => a.address !== CONTRACT), { ...contract, codeHash: GENUINE }],
        txIndex,
        root,
        treeSize,
        fork,
        number,
        timestamp,
      };
    });
  const seal2 = (w: World2, change: Partial<Pick<World2, "receipts" | "txs" | "accounts">> = {}) =>
    sealBlockV2(change.receipts ?? w.receipts, change.txs ?? w.txs, change.accounts ?? w.accounts, w.txIndex, {
      contract: CONTRACT,
      root: w.root,
      treeSize: w.treeSize,
      number: w.number,
      timestamp: w.timestamp,
      fork: w.fork,
    });

  it("verifies every sealed block, of every header shape and transaction type, and returns the proven transaction hash and code hash", async () => {
    await fc.assert(
      fc.asyncProperty(worldArb, async (w) => {
        const b = await seal2(w);
        const r = await verifyEvmInclusion(JSON.parse(JSON.stringify(b.inclusion)), b.claim);
        expect(r.format).toBe(EVM_INCLUSION_FORMAT_V2);
        expect(r.txHash).toBe(b.claim.txHash);
        expect(r.codeHash).toBe(GENUINE);
        expect(isKnownAnchorCode(r.codeHash!)).toBe(true);
        expect(r.blockHash).toBe(b.claim.blockHash);
        expect(r.blockNumber).toBe(BigInt(w.number));
        expect(r.blockTimestamp).toBe(BigInt(w.timestamp));
        expect(r.anchorer).toBe(ANCHORER);
      }),
      { numRuns: RUNS },
    );
  });

  it("returns facts read from the proofs, not from the claim: a claim in another letter case gives the header's lower-case hash", async () => {
    const w = fc.sample(worldArb, { numRuns: 1, seed: 7 })[0]!;
    const b = await seal2(w);
    const upper = (h: Hex) => `0x${h.slice(2).toUpperCase()}` as Hex;
    const r = await verifyEvmInclusion(b.inclusion, {
      ...b.claim,
      blockHash: upper(b.claim.blockHash),
      txHash: upper(b.claim.txHash),
      contract: upper(b.claim.contract),
    });
    expect(r.blockHash).toBe(b.claim.blockHash);
    expect(r.txHash).toBe(b.claim.txHash);
  });

  it("rejects the transaction bytes changed (TX_HASH_MISMATCH), and changed with a claim that follows them (TX_MISMATCH)", async () => {
    await fc.assert(
      fc.asyncProperty(worldArb, fc.nat(), fc.integer({ min: 1, max: 255 }), async (w, at, mask) => {
        const b = await seal2(w);
        const tx = flipByte(b.inclusion.tx, at, mask);
        await expectCode(verifyEvmInclusion({ ...b.inclusion, tx }, b.claim), "TX_HASH_MISMATCH");
        await expectCode(verifyEvmInclusion({ ...b.inclusion, tx }, { ...b.claim, txHash: toHex(keccak_256(fromHex(tx))) }), "TX_MISMATCH");
      }),
      { numRuns: RUNS },
    );
  });

  it("rejects a claim naming another transaction, or none (TX_HASH_MISMATCH)", async () => {
    const w = fc.sample(worldArb, { numRuns: 1, seed: 3 })[0]!;
    const b = await seal2(w);
    await expectCode(verifyEvmInclusion(b.inclusion, { ...b.claim, txHash: flipByte(b.claim.txHash, 0, 1) }), "TX_HASH_MISMATCH");
    const { txHash: _, ...noTx } = b.claim;
    await expectCode(verifyEvmInclusion(b.inclusion, noTx), "TX_HASH_MISMATCH");
  });

  it("rejects any transactions-trie proof node changed or dropped (TX_PROOF_INVALID)", async () => {
    await fc.assert(
      fc.asyncProperty(worldArb, fc.nat(), fc.nat(), fc.integer({ min: 1, max: 255 }), async (w, node, at, mask) => {
        const b = await seal2(w);
        const j = node % b.inclusion.txProof.length;
        await expectCode(
          verifyEvmInclusion({ ...b.inclusion, txProof: b.inclusion.txProof.map((n, i) => (i === j ? flipByte(n, at, mask) : n)) }, b.claim),
          "TX_PROOF_INVALID",
        );
        if (b.inclusion.txProof.length > 1)
          await expectCode(verifyEvmInclusion({ ...b.inclusion, txProof: b.inclusion.txProof.slice(0, -1) }, b.claim), "TX_PROOF_INVALID");
      }),
      { numRuns: RUNS },
    );
  });

  it(
    "rejects a transaction and proof taken from another block (TX_PROOF_INVALID), and a block whose transactions trie has no entry at the index " +
      "(TX_NOT_IN_BLOCK)",
    async () => {
      await fc.assert(
        fc.asyncProperty(worldArb, worldArb, async (w, v) => {
          const a = await seal2(w);
          const other = await seal2(v);
          fc.pre(other.transactionsRoot !== a.transactionsRoot);
          await expectCode(
            verifyEvmInclusion({ ...a.inclusion, tx: other.inclusion.tx, txProof: other.inclusion.txProof }, { ...a.claim, txHash: other.claim.txHash }),
            "TX_PROOF_INVALID",
          );
          // The receipt is at txIndex, the transactions trie stops before it (a block no node would seal;
          // with no transaction at all the trie is empty and has no proof nodes to carry).
          if (w.txIndex > 0) {
            const short = await seal2(w, { txs: w.txs.slice(0, w.txIndex) });
            await expectCode(verifyEvmInclusion(short.inclusion, short.claim), "TX_NOT_IN_BLOCK");
          }
        }),
        { numRuns: 20 },
      );
    },
  );

  it("rejects an anchor transaction sent to another address or creating a contract, re-sealed (TX_TARGET_MISMATCH)", async () => {
    await fc.assert(
      fc.asyncProperty(worldArb, hex(20), async (w, to) => {
        fc.pre(to !== CONTRACT);
        const at = (t: SyntheticTx) => w.txs.map((x, i) => (i === w.txIndex ? t : x));
        const elsewhere = await seal2(w, { txs: at({ ...w.txs[w.txIndex]!, to }) });
        await expectCode(verifyEvmInclusion(elsewhere.inclusion, elsewhere.claim), "TX_TARGET_MISMATCH");
        const creation = await seal2(w, { txs: at({ type: 2, to: null, data: "0x6000" }) });
        await expectCode(verifyEvmInclusion(creation.inclusion, creation.claim), "TX_TARGET_MISMATCH");
      }),
      { numRuns: 20 },
    );
  });

  it("rejects transaction bytes that are no transaction, re-sealed (TX_MALFORMED)", async () => {
    const w = fc.sample(worldArb, { numRuns: 1, seed: 11 })[0]!;
    for (const garbage of ["0x05c0", "0x02c0", "0xc0", "0x80", "0x7e01", `0x02${toHex(RLP.encode([1, 2, 3])).slice(2)}`, `0x02f8${"00".repeat(3)}`]) {
      const encodedTxs = w.txs.map((t, i) => toHex(encodeSyntheticTx(t, i)));
      const b = await seal2(w);
      // Same block but with `garbage` as the anchor's transaction: build its trie by hand.
      const trie = new MerklePatriciaTrie();
      for (const [i, t] of encodedTxs.entries()) await trie.put(RLP.encode(i), fromHex(i === w.txIndex ? garbage : t));
      const header = RLP.decode(fromHex(b.inclusion.header)) as Uint8Array[];
      header[4] = trie.root();
      const headerHex = toHex(RLP.encode(header));
      const proof = (await createMerkleProof(trie, RLP.encode(w.txIndex))).map((n) => toHex(n));
      const claim = { ...b.claim, blockHash: toHex(keccak_256(fromHex(headerHex))), txHash: toHex(keccak_256(fromHex(garbage))) };
      await expectCode(verifyEvmInclusion({ ...b.inclusion, header: headerHex, tx: garbage, txProof: proof }, claim), "TX_MALFORMED");
    }
  });

  it("rejects the account proof's root node changed, or a proof from another block's state (STATE_ROOT_MISMATCH)", async () => {
    await fc.assert(
      fc.asyncProperty(worldArb, worldArb, fc.nat(), fc.integer({ min: 1, max: 255 }), async (w, v, at, mask) => {
        const a = await seal2(w);
        const proof = a.inclusion.account.proof.map((n, i) => (i === 0 ? flipByte(n, at, mask) : n));
        await expectCode(verifyEvmInclusion({ ...a.inclusion, account: { ...a.inclusion.account, proof } }, a.claim), "STATE_ROOT_MISMATCH");
        const other = await seal2(v);
        fc.pre(other.stateRoot !== a.stateRoot);
        await expectCode(verifyEvmInclusion({ ...a.inclusion, account: other.inclusion.account }, a.claim), "STATE_ROOT_MISMATCH");
      }),
      { numRuns: RUNS },
    );
  });

  it("rejects any other account proof node changed or dropped (ACCOUNT_PROOF_INVALID)", async () => {
    await fc.assert(
      fc.asyncProperty(worldArb, fc.nat(), fc.nat(), fc.integer({ min: 1, max: 255 }), async (w, node, at, mask) => {
        const b = await seal2(w);
        const nodes = b.inclusion.account.proof;
        fc.pre(nodes.length > 1);
        const j = 1 + (node % (nodes.length - 1));
        await expectCode(
          verifyEvmInclusion(
            { ...b.inclusion, account: { ...b.inclusion.account, proof: nodes.map((n, i) => (i === j ? flipByte(n, at, mask) : n)) } },
            b.claim,
          ),
          "ACCOUNT_PROOF_INVALID",
        );
        await expectCode(
          verifyEvmInclusion({ ...b.inclusion, account: { ...b.inclusion.account, proof: nodes.slice(0, -1) } }, b.claim),
          "ACCOUNT_PROOF_INVALID",
        );
      }),
      { numRuns: RUNS },
    );
  });

  it(
    "rejects a codeHash (or nonce, balance, storageRoot) other than the proven account's: a look-alike cannot claim the genuine build " + "(ACCOUNT_MISMATCH)",
    async () => {
      await fc.assert(
        fc.asyncProperty(worldArb, hex(32), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), async (w, other, n) => {
          const lookalike = `0x${"5a".repeat(32)}` as Hex;
          const b = await seal2(w, { accounts: w.accounts.map((a) => (a.address === CONTRACT ? { ...a, codeHash: lookalike } : a)) });
          const acc = b.inclusion.account;
          expect((await verifyEvmInclusion(b.inclusion, b.claim)).codeHash).toBe(lookalike);
          await expectCode(verifyEvmInclusion({ ...b.inclusion, account: { ...acc, codeHash: GENUINE } }, b.claim), "ACCOUNT_MISMATCH");
          fc.pre(other !== acc.storageRoot && `0x${n.toString(16)}` !== acc.nonce);
          await expectCode(verifyEvmInclusion({ ...b.inclusion, account: { ...acc, storageRoot: other } }, b.claim), "ACCOUNT_MISMATCH");
          await expectCode(verifyEvmInclusion({ ...b.inclusion, account: { ...acc, nonce: `0x${n.toString(16)}` as Hex } }, b.claim), "ACCOUNT_MISMATCH");
          await expectCode(
            verifyEvmInclusion({ ...b.inclusion, account: { ...acc, balance: `0x${(BigInt(acc.balance) + 1n).toString(16)}` as Hex } }, b.claim),
            "ACCOUNT_MISMATCH",
          );
        }),
        { numRuns: RUNS },
      );
    },
  );

  it("rejects a contract address with no account in the state, or an account without code (CONTRACT_MISSING)", async () => {
    await fc.assert(
      fc.asyncProperty(worldArb, async (w) => {
        const absent = await seal2(w, { accounts: w.accounts.filter((a) => a.address !== CONTRACT) });
        fc.pre(absent.inclusion.account.proof.length > 0);
        await expectCode(verifyEvmInclusion(absent.inclusion, absent.claim), "CONTRACT_MISSING");
        const eoa = await seal2(w, { accounts: w.accounts.map((a) => (a.address === CONTRACT ? { ...a, codeHash: EMPTY_CODE } : a)) });
        await expectCode(verifyEvmInclusion(eoa.inclusion, eoa.claim), "CONTRACT_MISSING");
      }),
      { numRuns: 20 },
    );
  });

  it("rejects a claimed block time that is an impossible date, even one that rolls over to the header's (HEADER_TIME_MISMATCH)", async () => {
    const w = { ...fc.sample(worldArb, { numRuns: 1, seed: 5 })[0]!, timestamp: Date.UTC(2026, 11, 1, 0, 0, 5) / 1000 };
    const b = await seal2(w);
    expect(b.claim.blockTime).toBe("2026-12-01T00:00:05Z");
    await expectCode(verifyEvmInclusion(b.inclusion, { ...b.claim, blockTime: "2026-11-31T00:00:05Z" }), "HEADER_TIME_MISMATCH");
    await expectCode(verifyEvmInclusion(b.inclusion, { ...b.claim, blockTime: "2026-12-01T00:00:05.400Z" }), "HEADER_TIME_MISMATCH");
    expect((await verifyEvmInclusion(b.inclusion, { ...b.claim, blockTime: "2026-12-01T00:00:05.000Z" })).blockTimestamp).toBe(BigInt(w.timestamp));
  });

  describe("when a section is malformed or too large", () => {
    const w = fc.sample(worldArb, { numRuns: 1, seed: 1 })[0]!;
    const L = EVM_INCLUSION_LIMITS;
    const big = (bytes: number) => `0x${"11".repeat(bytes)}` as Hex;

    it("names each malformed field (INCLUSION_MALFORMED)", async () => {
      const b = await seal2(w);
      const inc = b.inclusion;
      const cases: unknown[] = [
        { ...inc, account: undefined },
        { ...inc, account: { ...inc.account, extra: 1 } },
        { ...inc, account: { ...inc.account, nonce: "0x01" } },
        { ...inc, account: { ...inc.account, nonce: 1 } },
        { ...inc, account: { ...inc.account, nonce: `0x1${"0".repeat(16)}` } },
        { ...inc, account: { ...inc.account, balance: "0xAB" } },
        { ...inc, account: { ...inc.account, codeHash: GENUINE.slice(0, 64) } },
        { ...inc, account: { ...inc.account, proof: [] } },
        { ...inc, account: [] },
        { ...inc, tx: "0x" },
        { ...inc, tx: inc.tx.toUpperCase() },
        { ...inc, txProof: "0x00" },
        { ...inc, txProof: [] },
        { ...inc, txProof: [1] },
        { ...inc, extra: true },
        { ...inc, format: EVM_INCLUSION_FORMAT }, // /1 with /2's fields
        { ...inc, txIndex: 1.5 },
        null,
        [],
        "evm-receipt-proof/2",
      ];
      for (const c of cases) await expectCode(verifyEvmInclusion(c, b.claim), "INCLUSION_MALFORMED");
    });

    it("refuses every input past its bound before hashing it (INCLUSION_TOO_LARGE), each in a few milliseconds of CPU time", async () => {
      const b = await seal2(w);
      const inc = b.inclusion;
      const nodes = (n: number, bytes: number) => Array.from({ length: n }, () => big(bytes));
      const cases: [string, unknown][] = [
        ["header", { ...inc, header: big(L.headerBytes + 1) }],
        ["receipt", { ...inc, receipt: big(L.receiptBytes + 1) }],
        ["tx", { ...inc, tx: big(L.txBytes + 1) }],
        ["proof nodes", { ...inc, proof: nodes(L.proofNodes + 1, 40) }],
        ["proof node", { ...inc, proof: [big(L.trieNodeBytes + 1)] }],
        ["proof total", { ...inc, proof: nodes(4, L.trieNodeBytes) }],
        ["txProof nodes", { ...inc, txProof: nodes(L.proofNodes + 1, 40) }],
        ["txProof node", { ...inc, txProof: [big(L.trieNodeBytes + 1)] }],
        ["txProof total", { ...inc, txProof: nodes(4, L.trieNodeBytes) }],
        ["account proof nodes", { ...inc, account: { ...inc.account, proof: nodes(L.proofNodes + 1, 40) } }],
        ["account proof node", { ...inc, account: { ...inc.account, proof: [big(L.accountNodeBytes + 1)] } }],
        ["account proof total", { ...inc, account: { ...inc.account, proof: nodes(L.proofNodes, L.accountNodeBytes) } }],
        ["10 MB header", { ...inc, header: big(10_000_000) }],
      ];
      for (const [what, c] of cases) {
        const t0 = process.cpuUsage();
        await expect(verifyEvmInclusion(c, b.claim), what).rejects.toMatchObject({ code: "INCLUSION_TOO_LARGE" });
        expect(cpuMsSince(t0), what).toBeLessThan(50);
      }
    });

    it("accepts inputs at their bounds and checks them on (a 4 KiB transaction, an 8 KiB header)", async () => {
      const b = await seal2(w);
      // At the bound the size check passes and the next check names what is wrong with the bytes.
      await expectCode(verifyEvmInclusion({ ...b.inclusion, tx: big(L.txBytes) }, b.claim), "TX_HASH_MISMATCH");
      await expectCode(verifyEvmInclusion({ ...b.inclusion, header: big(L.headerBytes) }, b.claim), "HEADER_MALFORMED");
    });
  });

  it(
    "answers any mutation of a valid section or its claim, or any value at all, with one of its own codes and never another exception, within 100 ms " +
      "of CPU time",
    async () => {
      const codes = new Set<string>([
        "INCLUSION_MALFORMED",
        "INCLUSION_TOO_LARGE",
        "HEADER_MALFORMED",
        "HEADER_HASH_MISMATCH",
        "HEADER_NUMBER_MISMATCH",
        "HEADER_TIME_MISMATCH",
        "RECEIPT_PROOF_INVALID",
        "RECEIPT_NOT_IN_BLOCK",
        "RECEIPT_MISMATCH",
        "RECEIPT_MALFORMED",
        "RECEIPT_FAILED",
        "LOG_ADDRESS_MISMATCH",
        "LOG_EVENT_MISMATCH",
        "LOG_ROOT_MISMATCH",
        "LOG_TREE_SIZE_MISMATCH",
        "TX_HASH_MISMATCH",
        "TX_PROOF_INVALID",
        "TX_NOT_IN_BLOCK",
        "TX_MISMATCH",
        "TX_MALFORMED",
        "TX_TARGET_MISMATCH",
        "STATE_ROOT_MISMATCH",
        "ACCOUNT_PROOF_INVALID",
        "ACCOUNT_MISMATCH",
        "CONTRACT_MISSING",
      ]);
      const w = fc.sample(worldArb, { numRuns: 1, seed: 9 })[0]!;
      const b = await seal2(w);
      const paths = ["header", "receipt", "tx", "proof", "txProof", "account.proof", "account.codeHash", "account.nonce", "txIndex"] as const;
      const mutate = (path: (typeof paths)[number], value: unknown) => {
        const c = structuredClone(b.inclusion) as unknown as Record<string, unknown>;
        if (path.startsWith("account.")) (c.account as Record<string, unknown>)[path.slice(8)] = value;
        else c[path] = value;
        return c;
      };
      const valueArb = fc.oneof(
        fc.jsonValue(),
        fc.uint8Array({ maxLength: 600 }).map((x) => toHex(x)),
        fc.array(
          fc.uint8Array({ minLength: 1, maxLength: 600 }).map((x) => toHex(x)),
          { maxLength: 70 },
        ),
      );
      const claimArb = fc.oneof(
        fc.constant(b.claim),
        fc
          .tuple(fc.constantFrom("contract", "txHash", "blockNumber", "blockHash", "blockTime", "proof"), fc.anything({ withBigInt: true }))
          .map(([k, v]) => ({ ...b.claim, [k]: v })),
      );
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            fc.anything({ withBigInt: true }),
            fc.tuple(fc.constantFrom(...paths), valueArb).map(([p, v]) => mutate(p, v)),
          ),
          claimArb,
          async (input, claim) => {
            const t0 = process.cpuUsage();
            const outcome = await verifyEvmInclusion(input, claim as EvmInclusionClaim).then(
              () => "verified",
              (e: unknown) => e,
            );
            expect(cpuMsSince(t0)).toBeLessThan(100);
            if (outcome === "verified") return; // e.g. the same value put back
            expect(outcome).toBeInstanceOf(EvmInclusionError);
            expect(codes.has((outcome as EvmInclusionError).code)).toBe(true);
          },
        ),
        { numRuns: 300 },
      );
    },
  );
});

// ---------------------------------------------------------------------------------------------------

describe("verifyReceipt", () => {
  describe("when the EVM anchor carries an inclusion section and no chain reader is given", () => {
    async function world() {
      const digest = fromHex(`0x${"ab".repeat(32)}`, 32);
      const salt = fromHex(`0x${"01".repeat(16)}`, 16);
      const others = [0, 1, 2].map((i) => fromHex(`0x${String(i).repeat(64)}`, 32));
      const leaf = getLeafHash(digest, undefined, salt);
      const tree = MerkleTree.fromLeafHashes([...others, leaf]);
      const root = toHex(tree.root);
      const b = await sealBlock(
        [
          { type: 2, status: 1, logs: [] },
          { type: 2, status: 1, logs: [anchoredLog(CONTRACT, root, 4, ANCHORER)] },
        ],
        1,
        { contract: CONTRACT, root, treeSize: 4, number: 99, timestamp: 1_760_000_000 },
      );
      const anchor: EvmAnchor = {
        type: "evm",
        proof: { root, treeSize: 4, index: 3, path: tree.proof(3n).path.map(toHex) },
        chainId: 11155111,
        chainName: "Sepolia",
        development: false,
        contract: CONTRACT,
        txHash: `0x${"cd".repeat(32)}`,
        blockNumber: b.claim.blockNumber,
        blockHash: b.claim.blockHash,
        blockTime: b.claim.blockTime,
        confirmations: 12,
        requiredConfirmations: 12,
        explorerUrl: "https://sepolia.etherscan.io/",
        inclusion: b.inclusion,
      };
      const receipt: Receipt = {
        version: "priorproof-receipt/1",
        id: "01TEST",
        subject: { sha256: toHex(digest) },
        leaf: { encoding: "priorproof-leaf/1", claimSha256: null, salt: toHex(salt), hash: toHex(leaf) },
        service: { operator: "test", receivedAt: "2025-10-09T08:53:20Z", software: "test" },
        anchors: [anchor],
        issuedAt: "2025-10-09T09:00:00Z",
      };
      return { receipt, digest, anchor };
    }

    it("passes the offline proof and lists the block hash as the one fact that remains", async () => {
      const { receipt, digest, anchor } = await world();
      const v = await verifyReceipt(receipt, { sha256: digest });
      expect(v.checks.find((c) => c.id === "anchors[0].inclusion")?.status).toBe("passed");
      expect(v.checks.find((c) => c.id === "anchors[0].chain")?.status).toBe("not-checked");
      expect(v.verified).toBe(false);
      expect(v.remaining).toEqual([
        expect.objectContaining({
          scope: "block-hash",
          blockHash: anchor.blockHash,
          blockNumber: 99,
          rpc: { method: "eth_getBlockByNumber", params: ["0x63", false] },
          explorerUrl: "https://sepolia.etherscan.io/block/99",
        }),
        // evm-receipt-proof/1 carries no account proof: the contract's code is left too.
        expect.objectContaining({ scope: "contract-code", rpc: { method: "eth_getCode", params: [CONTRACT, "0x63"] } }),
      ]);
    });

    it("with the block pinned by a checkpoint of its chain, leaves only the contract's code (proof/1 has no account proof)", async () => {
      const { receipt, digest, anchor } = await world();
      const v = await verifyReceipt(receipt, {
        sha256: digest,
        checkpoints: [
          { chainId: 11155111, number: 98, hash: `0x${"00".repeat(32)}` },
          { chainId: 11155111, number: 99, hash: anchor.blockHash.toUpperCase().replace("0X", "0x") },
        ],
      });
      expect(v.verified).toBe(false);
      expect(v.remaining).toEqual([expect.objectContaining({ scope: "contract-code" })]);
      expect(v.checks.find((c) => c.id === "anchors[0].chain")).toMatchObject({ status: "not-checked" });
      expect(v.checks.find((c) => c.id === "anchors[0].chain")?.detail).toMatch(/contract identity is not checked offline/);
    });

    it("is verified with nothing remaining when the block is pinned and the offline verifier proves a released build's code", async () => {
      const { receipt, digest, anchor } = await world();
      const withCode = async (inc: unknown, a: EvmAnchor) => ({ ...(await verifyEvmInclusion(inc, a)), codeHash: KNOWN_ANCHOR_BUILDS[0]!.codeHash });
      const v = await verifyReceipt(receipt, {
        sha256: digest,
        evmInclusion: withCode,
        checkpoints: [{ chainId: 11155111, number: 99, hash: anchor.blockHash }],
      });
      expect(v.verified).toBe(true);
      expect(v.remaining).toEqual([]);
      expect(v.existedNoLaterThan).toBe(timeBound(anchor.blockTime, 24, [receipt.service.receivedAt]));
      expect(v.witnesses).toEqual([
        expect.objectContaining({
          via: "offline-checkpoint",
          time: anchor.blockTime.replace(".000Z", "Z"),
          codeCheckedAt: "account-proof",
          deployment: "other",
        }),
      ]);
    });

    it("fails CHECKPOINT_CHAIN_MISMATCH when the block hash is pinned for another chain", async () => {
      const { receipt, digest, anchor } = await world();
      const v = await verifyReceipt(receipt, { sha256: digest, checkpoints: [{ chainId: 31337, number: 99, hash: anchor.blockHash }] });
      expect(v.verified).toBe(false);
      expect(v.checks.find((c) => c.id === "anchors[0].chain")).toMatchObject({ status: "failed", code: "CHECKPOINT_CHAIN_MISMATCH" });
    });

    it("is not verified by a checkpoint when the offline proof fails, and says why", async () => {
      const { receipt, digest, anchor } = await world();
      const bad = { ...receipt, anchors: [{ ...anchor, inclusion: { ...anchor.inclusion!, receipt: flipByte(anchor.inclusion!.receipt, 3, 1) } }] };
      const v = await verifyReceipt(bad, { sha256: digest, checkpoints: [{ chainId: 11155111, number: 99, hash: anchor.blockHash }] });
      expect(v.verified).toBe(false);
      expect(v.checks.find((c) => c.id === "anchors[0].inclusion")).toMatchObject({ status: "failed", code: "RECEIPT_MISMATCH" });
      expect(v.remaining).toEqual([expect.objectContaining({ scope: "anchor" })]);
    });

    it("is not verified by a checkpoint alone when the receipt carries no inclusion section", async () => {
      const { receipt, digest, anchor } = await world();
      const { inclusion: _, ...bare } = anchor;
      const v = await verifyReceipt(
        { ...receipt, anchors: [bare] },
        { sha256: digest, checkpoints: [{ chainId: 11155111, number: 99, hash: anchor.blockHash }] },
      );
      expect(v.verified).toBe(false);
      expect(v.checks.some((c) => c.id === "anchors[0].inclusion")).toBe(false);
      expect(v.remaining).toEqual([expect.objectContaining({ scope: "anchor" })]);
    });

    it("passes an evm-receipt-proof/2 section (transaction and contract account proven) and leaves only the block hash", async () => {
      const { receipt, digest, anchor } = await world();
      const b = await sealBlockV2(
        [
          { type: 2, status: 1, logs: [] },
          { type: 2, status: 1, logs: [anchoredLog(CONTRACT, anchor.proof.root, 4, ANCHORER)] },
        ],
        [
          { type: 2, to: `0x${"22".repeat(20)}`, data: "0x" },
          { type: 2, to: CONTRACT, data: "0x1234" },
        ],
        [{ address: CONTRACT, nonce: 1n, balance: 0n, storageRoot: `0x${"33".repeat(32)}`, codeHash: [...KNOWN_ANCHOR_CODE_HASHES][0] as Hex }],
        1,
        { contract: CONTRACT, root: anchor.proof.root, treeSize: 4, number: 99, timestamp: 1_760_000_000 },
      );
      const v2: EvmAnchor = { ...anchor, txHash: b.claim.txHash, blockHash: b.claim.blockHash, inclusion: b.inclusion };
      const v = await verifyReceipt({ ...receipt, anchors: [v2] }, { sha256: digest });
      expect(v.checks.find((c) => c.id === "anchors[0].inclusion")).toMatchObject({ status: "passed" });
      expect(v.checks.find((c) => c.id === "anchors[0].inclusion")!.detail).toMatch(/code hash 0xef9bf365/);
      expect(v.remaining).toEqual([expect.objectContaining({ scope: "block-hash", blockHash: b.claim.blockHash })]);
      const wrongTx = await verifyReceipt({ ...receipt, anchors: [{ ...v2, txHash: `0x${"cd".repeat(32)}` }] }, { sha256: digest });
      expect(wrongTx.checks.find((c) => c.id === "anchors[0].inclusion")).toMatchObject({ status: "failed", code: "TX_HASH_MISMATCH" });
    });

    it("rejects a malformed inclusion section as a schema problem", async () => {
      const { receipt, digest, anchor } = await world();
      const v = await verifyReceipt({ ...receipt, anchors: [{ ...anchor, inclusion: { ...anchor.inclusion!, txIndex: -1, extra: 1 } }] }, { sha256: digest });
      expect(v.checks[0]).toMatchObject({ id: "schema", status: "failed", code: "INVALID_RECEIPT" });
      expect(v.checks[0]!.detail).toMatch(/inclusion\.txIndex/);
    });
  });
});
