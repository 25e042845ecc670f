/**
 * The offline EVM inclusion check (client-sdk/src/evm-inclusion.ts) with no provider at all: public-chain
 * header vectors and an anvil-captured inclusion from docs/vectors/evm-inclusion.json, then properties
 * over sealed synthetic blocks (real RLP headers, real receipt tries): untampered blocks verify, and
 * tampering with any header field, any proof node, the receipt, the log's address, topic or data, the
 * status, or substituting another block's receipt each fails with the code that names it.
 */
import { readFileSync } from "node:fs";
import { RLP } from "@ethereumjs/rlp";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  ANCHORED_EVENT_TOPIC, KNOWN_ANCHOR_BUILDS, MerkleTree, decodeBlockHeader, fromHex, getLeafHash, timeBound, toHex, verifyEvmInclusion, verifyReceipt,
  type EvmAnchor, type EvmInclusion, type EvmInclusionClaim, type Hex, type Receipt,
} from "../../client-sdk/src/index.ts";
import { anchoredLog, proveAbsence, sealBlock, word, type SyntheticFork, type SyntheticLog, type SyntheticReceipt } from "../helpers/evm-block.ts";

interface HeaderVector { name: string; source: string; number: number; hash: Hex; timestamp: string; receiptsRoot: Hex; fieldCount: number; rlp: Hex }
const VECTORS = JSON.parse(readFileSync(new URL("../../docs/vectors/evm-inclusion.json", import.meta.url), "utf8")) as {
  headers: HeaderVector[];
  anvil: { claim: EvmInclusionClaim; inclusion: EvmInclusion };
};

const RUNS = 60;
const CONTRACT = "0x5fbdb2315678afecb367f032d93f642f64180aa3" as Hex;
const ANCHORER = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8" as Hex;

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
    expect(() => decodeBlockHeader(RLP.encode([...fields.slice(0, 5), new Uint8Array(31), ...fields.slice(6)]))).toThrow(expect.objectContaining({ code: "HEADER_MALFORMED" }));
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

    it("checks a proof once per exact input: the same proof again gives the same result, any changed input is checked afresh", async () => {
      const first = await verifyEvmInclusion(inclusion, claim);
      const again = await verifyEvmInclusion(structuredClone(inclusion), { ...claim });
      expect(again).toBe(first); // the remembered result, not a recomputation
      // Every field of the section and of the claim is part of the key: each change still fails.
      await expectCode(verifyEvmInclusion({ ...inclusion, proof: inclusion.proof.map((n, i) => (i === inclusion.proof.length - 1 ? flipByte(n, 3, 0x01) : n)) }, claim), "RECEIPT_PROOF_INVALID");
      await expectCode(verifyEvmInclusion(inclusion, { ...claim, blockHash: flipByte(claim.blockHash, 5, 0x01) }), "HEADER_HASH_MISMATCH");
      await expectCode(verifyEvmInclusion(inclusion, { ...claim, contract: claim.contract.toUpperCase().replace("0X", "0x") as Hex, proof: { ...claim.proof, treeSize: claim.proof.treeSize + 2 } }), "LOG_TREE_SIZE_MISMATCH");
    });

    it("names the step that fails for each tampered part", async () => {
      await expectCode(verifyEvmInclusion({ ...inclusion, header: flipByte(inclusion.header, 200, 1) }, claim), "HEADER_HASH_MISMATCH");
      await expectCode(verifyEvmInclusion(inclusion, { ...claim, blockNumber: claim.blockNumber + 1 }), "HEADER_NUMBER_MISMATCH");
      await expectCode(verifyEvmInclusion(inclusion, { ...claim, blockTime: new Date(Date.parse(claim.blockTime) + 1000).toISOString() }), "HEADER_TIME_MISMATCH");
      await expectCode(verifyEvmInclusion({ ...inclusion, proof: inclusion.proof.map((n, i) => (i === 1 ? flipByte(n, 40, 0x10) : n)) }, claim), "RECEIPT_PROOF_INVALID");
      await expectCode(verifyEvmInclusion({ ...inclusion, receipt: flipByte(inclusion.receipt, 10, 1) }, claim), "RECEIPT_MISMATCH");
      await expectCode(verifyEvmInclusion(inclusion, { ...claim, contract: `0x${"11".repeat(20)}` }), "LOG_ADDRESS_MISMATCH");
      await expectCode(verifyEvmInclusion(inclusion, { ...claim, proof: { ...claim.proof, root: `0x${"77".repeat(32)}` } }), "LOG_ROOT_MISMATCH");
      await expectCode(verifyEvmInclusion(inclusion, { ...claim, proof: { ...claim.proof, treeSize: claim.proof.treeSize + 1 } }), "LOG_TREE_SIZE_MISMATCH");
      await expectCode(verifyEvmInclusion({ ...inclusion, txIndex: inclusion.txIndex + 1 }, claim), "RECEIPT_PROOF_INVALID");
      await expectCode(verifyEvmInclusion({ ...inclusion, format: "evm-receipt-proof/2" }, claim), "INCLUSION_MALFORMED");
      await expectCode(verifyEvmInclusion({ ...inclusion, proof: [] }, claim), "INCLUSION_MALFORMED");
      await expectCode(verifyEvmInclusion({ ...inclusion, header: "0xZZ" }, claim), "INCLUSION_MALFORMED");
    });
  });

  // -------------------------------------------------------------------------------------------------
  // Random sealed blocks.

  const hex = (n: number) => fc.uint8Array({ minLength: n, maxLength: n }).map((b) => toHex(b));
  const logArb: fc.Arbitrary<SyntheticLog> = fc.record({ address: hex(20), topics: fc.array(hex(32), { maxLength: 4 }), data: fc.uint8Array({ maxLength: 80 }).map((b) => toHex(b)) });
  const otherReceiptArb: fc.Arbitrary<SyntheticReceipt> = fc.record({ type: fc.constantFrom(0, 1, 2), status: fc.constantFrom<0 | 1>(0, 1), logs: fc.array(logArb, { maxLength: 3 }) });
  interface World { receipts: SyntheticReceipt[]; txIndex: number; root: Hex; treeSize: number; fork: SyntheticFork; number: number; timestamp: number }
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
  const seal = (w: World, receipts = w.receipts) => sealBlock(receipts, w.txIndex, { contract: CONTRACT, root: w.root, treeSize: w.treeSize, number: w.number, timestamp: w.timestamp, fork: w.fork });
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
        if (b.inclusion.proof.length > 1) await expectCode(verifyEvmInclusion({ ...b.inclusion, proof: b.inclusion.proof.slice(0, -1) }, b.claim), "RECEIPT_PROOF_INVALID");
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
        const b = await seal(w, w.receipts.map((r, i) => (i === w.txIndex ? { ...r, status: 0 as const } : r)));
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
        const other = await seal({ ...v, root: w.root, treeSize: w.treeSize, receipts: v.receipts.map((r, i) => (i === v.txIndex ? { ...r, logs: [anchoredLog(CONTRACT, w.root, w.treeSize, ANCHORER)] } : r)) });
        fc.pre(other.receiptsRoot !== a.receiptsRoot);
        await expectCode(verifyEvmInclusion({ ...a.inclusion, txIndex: other.inclusion.txIndex, receipt: other.inclusion.receipt, proof: other.inclusion.proof }, a.claim), "RECEIPT_PROOF_INVALID");
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
        const wrong = await sealBlock(w.receipts, other, { contract: CONTRACT, root: w.root, treeSize: w.treeSize, number: w.number, timestamp: w.timestamp, fork: w.fork });
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

describe("verifyReceipt", () => {
  describe("when the EVM anchor carries an inclusion section and no chain reader is given", () => {
    async function world() {
      const digest = fromHex(`0x${"ab".repeat(32)}`, 32);
      const salt = fromHex(`0x${"01".repeat(16)}`, 16);
      const others = [0, 1, 2].map((i) => fromHex(`0x${String(i).repeat(64)}`, 32));
      const leaf = getLeafHash(digest, undefined, salt);
      const tree = MerkleTree.fromLeafHashes([...others, leaf]);
      const root = toHex(tree.root);
      const b = await sealBlock([{ type: 2, status: 1, logs: [] }, { type: 2, status: 1, logs: [anchoredLog(CONTRACT, root, 4, ANCHORER)] }], 1, { contract: CONTRACT, root, treeSize: 4, number: 99, timestamp: 1_760_000_000 });
      const anchor: EvmAnchor = {
        type: "evm", proof: { root, treeSize: 4, index: 3, path: tree.proof(3n).path.map(toHex) }, chainId: 11155111, chainName: "Sepolia", development: false,
        contract: CONTRACT, txHash: `0x${"cd".repeat(32)}`, blockNumber: b.claim.blockNumber, blockHash: b.claim.blockHash, blockTime: b.claim.blockTime,
        confirmations: 12, requiredConfirmations: 12, explorerUrl: "https://sepolia.etherscan.io/", inclusion: b.inclusion,
      };
      const receipt: Receipt = {
        version: "priorproof-receipt/1", id: "01TEST", subject: { sha256: toHex(digest) }, leaf: { encoding: "priorproof-leaf/1", claimSha256: null, salt: toHex(salt), hash: toHex(leaf) },
        service: { operator: "test", receivedAt: "2025-10-09T08:53:20Z", software: "test" }, anchors: [anchor], issuedAt: "2025-10-09T09:00:00Z",
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
        expect.objectContaining({ scope: "block-hash", blockHash: anchor.blockHash, blockNumber: 99, rpc: { method: "eth_getBlockByNumber", params: ["0x63", false] }, explorerUrl: "https://sepolia.etherscan.io/block/99" }),
        // evm-receipt-proof/1 carries no account proof: the contract's code is left too.
        expect.objectContaining({ scope: "contract-code", rpc: { method: "eth_getCode", params: [CONTRACT, "0x63"] } }),
      ]);
    });

    it("with the block pinned by a checkpoint of its chain, leaves only the contract's code (proof/1 has no account proof)", async () => {
      const { receipt, digest, anchor } = await world();
      const v = await verifyReceipt(receipt, { sha256: digest, checkpoints: [{ chainId: 11155111, number: 98, hash: `0x${"00".repeat(32)}` }, { chainId: 11155111, number: 99, hash: anchor.blockHash.toUpperCase().replace("0X", "0x") }] });
      expect(v.verified).toBe(false);
      expect(v.remaining).toEqual([expect.objectContaining({ scope: "contract-code" })]);
      expect(v.checks.find((c) => c.id === "anchors[0].chain")).toMatchObject({ status: "not-checked" });
      expect(v.checks.find((c) => c.id === "anchors[0].chain")?.detail).toMatch(/contract identity is not checked offline/);
    });

    it("is verified with nothing remaining when the block is pinned and the offline verifier proves a released build's code", async () => {
      const { receipt, digest, anchor } = await world();
      const withCode = async (inc: unknown, a: EvmAnchor) => ({ ...(await verifyEvmInclusion(inc, a)), codeHash: KNOWN_ANCHOR_BUILDS[0]!.codeHash });
      const v = await verifyReceipt(receipt, { sha256: digest, evmInclusion: withCode, checkpoints: [{ chainId: 11155111, number: 99, hash: anchor.blockHash }] });
      expect(v.verified).toBe(true);
      expect(v.remaining).toEqual([]);
      expect(v.existedNoLaterThan).toBe(timeBound(anchor.blockTime, 24, [receipt.service.receivedAt]));
      expect(v.witnesses).toEqual([expect.objectContaining({ via: "offline-checkpoint", time: anchor.blockTime.replace(".000Z", "Z"), codeCheckedAt: "account-proof", deployment: "other" })]);
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
      const v = await verifyReceipt({ ...receipt, anchors: [bare] }, { sha256: digest, checkpoints: [{ chainId: 11155111, number: 99, hash: anchor.blockHash }] });
      expect(v.verified).toBe(false);
      expect(v.checks.some((c) => c.id === "anchors[0].inclusion")).toBe(false);
      expect(v.remaining).toEqual([expect.objectContaining({ scope: "anchor" })]);
    });

    it("rejects a malformed inclusion section as a schema problem", async () => {
      const { receipt, digest, anchor } = await world();
      const v = await verifyReceipt({ ...receipt, anchors: [{ ...anchor, inclusion: { ...anchor.inclusion!, txIndex: -1, extra: 1 } }] }, { sha256: digest });
      expect(v.checks[0]).toMatchObject({ id: "schema", status: "failed", code: "INVALID_RECEIPT" });
      expect(v.checks[0]!.detail).toMatch(/inclusion\.txIndex/);
    });
  });
});
