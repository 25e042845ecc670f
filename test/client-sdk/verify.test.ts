/**
 * Property tests of the verifier's logic. Receipts are built with the real leaf and Merkle modules over
 * random trees; the chain is an in-memory chain reader that knows which roots its contracts anchored,
 * in which block, with which hash and time (test/client-sdk/verify-property.test.ts runs the same
 * kind of properties against a real anvil chain and the real contract).
 */
import { sha256 } from "@noble/hashes/sha2.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import type { ChainBlock, ChainReader, ChainTransactionReceipt, OnChainAnchor } from "../../client-sdk/src/anchor.ts";
import { ANCHORED_EVENT_TOPIC } from "../../client-sdk/src/evm-inclusion.ts";
import { DEFAULT_CHAIN_REGISTRY } from "../../client-sdk/src/trust/chains.ts";
import { timeBound } from "../../client-sdk/src/trust/time.ts";
import { fromHex, toHex } from "../../client-sdk/src/bytes.ts";
import { AnchorError, InputError } from "../../client-sdk/src/errors.ts";
import { ASSET_KINDS, type Claim, claimSha256, getLeafHash } from "../../client-sdk/src/leaf.ts";
import { isIncluded, MerkleTree } from "../../client-sdk/src/merkle.ts";
import { type EvmAnchor, type Hex, parseReceipt, type Receipt, receiptProblems } from "../../client-sdk/src/receipt.ts";
import { type Verdict, verifyReceipt } from "../../client-sdk/src/verify.ts";

type DeepMutable<T> = T extends readonly (infer U)[] ? DeepMutable<U>[] : T extends object ? { -readonly [K in keyof T]: DeepMutable<T[K]> } : T;
type MutableReceipt = DeepMutable<Receipt>;
type MutableEvmAnchor = DeepMutable<EvmAnchor>;

const RUNS = 200;
const enc = new TextEncoder();
const bytesOf = (label: string, length = 32) => sha256(enc.encode(label)).slice(0, length);
const hexOf = (label: string, length = 32) => toHex(bytesOf(label, length));

// ---------------------------------------------------------------------------------------------------
// The in-memory chain: what an EVM node and the EvidenceAnchor contract would answer.

interface MemoryChain {
  readonly chainId: bigint;
  readonly head: bigint;
  /** The node's finalized block number, when the chain has the tag. */
  readonly finalized?: bigint;
  readonly blocks: Map<bigint, { hash: string; timestamp: bigint }>;
  /** Accounts with code, by lower-case address: their runtime code and the roots each anchored. */
  readonly contracts: Map<string, { code: Hex; anchors: Map<string, OnChainAnchor> }>;
  /** Transaction receipts by lower-case hash. */
  readonly txs: Map<string, ChainTransactionReceipt>;
}

/** The genuine EvidenceAnchor runtime code (its keccak-256 is a released build's). */
const GENUINE_CODE = (JSON.parse(readFileSync(new URL("../../contracts/build/EvidenceAnchor.json", import.meta.url), "utf8")) as { deployedBytecode: Hex })
  .deployedBytecode;
const word = (n: bigint | number) => `0x${BigInt(n).toString(16).padStart(64, "0")}` as Hex;

/** An in-memory chain reader: the ChainReader interface answered from a MemoryChain, no I/O. */
function inMemoryChainReader(chain: MemoryChain): ChainReader {
  const anchorOf = (contract: string, root: string) => chain.contracts.get(contract.toLowerCase())?.anchors.get(root);
  const blockAt = (n: bigint): ChainBlock | undefined => {
    const b = chain.blocks.get(n);
    return b ? { hash: b.hash as Hex, number: n, timestamp: b.timestamp } : undefined;
  };
  return {
    getChainId: async () => chain.chainId,
    getBlockNumber: async () => chain.head,
    getBlock: async (tag) =>
      tag === "latest" ? blockAt(chain.head) : tag === "finalized" ? (chain.finalized === undefined ? undefined : blockAt(chain.finalized)) : blockAt(tag),
    getBlockByHash: async (hash) => {
      for (const [n, b] of chain.blocks) if (b.hash === hash.toLowerCase()) return blockAt(n);
      return undefined;
    },
    getTransactionReceipt: async (tx) => chain.txs.get(tx.toLowerCase()),
    getCode: async (address) => chain.contracts.get(address.toLowerCase())?.code ?? "0x",
    getAnchor: async (contract, root) => anchorOf(contract, root) ?? { timestamp: 0n, blockNumber: 0n, treeSize: 0n },
    // The contract's verifyInclusion view folds the path itself (RFC6962.sol); the SDK's fold stands in.
    verifyInclusionOnChain: async (contract, a) => {
      const anchored = anchorOf(contract, a.root);
      let included = false;
      try {
        included =
          anchored !== undefined &&
          anchored.treeSize === a.treeSize &&
          isIncluded(fromHex(a.leafHash, 32), { index: a.index, treeSize: a.treeSize, path: a.path.map((p) => fromHex(p, 32)) }, fromHex(a.root, 32));
      } catch {
        included = false;
      }
      return { included, anchoredAt: included && anchored ? anchored.timestamp : 0n };
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// Random worlds: a batch tree, anchored on one or two chains; one leaf's receipt.

interface World {
  readonly digests: Uint8Array[];
  readonly salts: Uint8Array[];
  readonly claim: Claim | undefined;
  readonly index: number;
  readonly tree: MerkleTree;
  readonly anchors: Omit<EvmAnchor, "proof">[];
  readonly chains: Record<string, ChainReader>;
  /** A contract with code on every chain that anchored nothing. */
  readonly decoy: Hex;
  readonly seed: number;
}

const CHAIN_IDS = [31337, 11155111] as const;

const claimArb: fc.Arbitrary<Claim> = fc.record(
  {
    title: fc.string({ unit: "grapheme", maxLength: 40 }),
    kind: fc.constantFrom(...ASSET_KINDS),
    author: fc.string({ maxLength: 20 }),
    previous: fc.uint8Array({ minLength: 32, maxLength: 32 }).map(toHex),
    aiProcess: fc.record({ model: fc.string({ maxLength: 10 }), seed: fc.nat(), steps: fc.array(fc.string({ maxLength: 8 }), { maxLength: 3 }) }),
  },
  { requiredKeys: ["title"] },
);

const worldArb: fc.Arbitrary<World> = fc
  .record({
    seed: fc.integer(),
    size: fc.integer({ min: 1, max: 300 }),
    pick: fc.nat(),
    claim: fc.option(claimArb, { nil: undefined }),
    chainCount: fc.integer({ min: 1, max: 2 }),
    blockNumber: fc.integer({ min: 10, max: 20_000_000 }),
    time: fc.integer({ min: 1_600_000_000, max: 2_000_000_000 }),
  })
  .map(({ seed, size, pick, claim, chainCount, blockNumber, time }) => {
    const index = pick % size;
    const digests = Array.from({ length: size }, (_, i) => bytesOf(`${seed}/digest/${i}`));
    const salts = Array.from({ length: size }, (_, i) => bytesOf(`${seed}/salt/${i}`, 16));
    const tree = MerkleTree.fromLeafHashes(digests.map((d, i) => getLeafHash(d, i === index ? claim : undefined, salts[i] as Uint8Array)));
    const root = toHex(tree.root);
    const decoy = hexOf(`${seed}/decoy`, 20);
    const anchors: Omit<EvmAnchor, "proof">[] = [];
    const chains: Record<string, ChainReader> = {};
    for (const [c, chainId] of CHAIN_IDS.slice(0, chainCount).entries()) {
      const contract = hexOf(`${seed}/contract/${chainId}`, 20);
      const n = blockNumber + c * 1_000;
      const timestamp = time + c * 13;
      const blockHash = hexOf(`${seed}/block/${chainId}/${n}`);
      const blocks = new Map<bigint, { hash: string; timestamp: bigint }>();
      // The anchor's block and its neighbours (so a wrong block number finds a block, with another hash).
      for (let b = n - 3; b <= n + 3; b++)
        blocks.set(
          BigInt(b),
          b === n
            ? { hash: blockHash, timestamp: BigInt(timestamp) }
            : { hash: hexOf(`${seed}/block/${chainId}/${b}`), timestamp: BigInt(timestamp + (b - n) * 12) },
        );
      // The contract, and a copy of the same code deployed by someone else that anchored nothing.
      const contracts = new Map([
        [contract, { code: GENUINE_CODE, anchors: new Map([[root, { timestamp: BigInt(timestamp), blockNumber: BigInt(n), treeSize: tree.size }]]) }],
        [decoy, { code: GENUINE_CODE, anchors: new Map<string, OnChainAnchor>() }],
      ]);
      const txHash = hexOf(`${seed}/tx/${chainId}`);
      const txs = new Map<string, ChainTransactionReceipt>([
        [
          txHash,
          {
            transactionHash: txHash,
            status: 1,
            blockHash: blockHash as Hex,
            blockNumber: BigInt(n),
            logs: [{ address: contract, topics: [ANCHORED_EVENT_TOPIC, root, word(7)], data: word(tree.size) }],
          },
        ],
      ]);
      // Sepolia has a finalized tag (two blocks past the anchor here); anvil is judged by confirmations.
      chains[String(chainId)] = inMemoryChainReader({
        chainId: BigInt(chainId),
        head: BigInt(n + 20),
        ...(chainId === 31337 ? {} : { finalized: BigInt(n + 2) }),
        blocks,
        contracts,
        txs,
      });
      anchors.push({
        type: "evm",
        chainId,
        chainName: `chain ${chainId}`,
        development: chainId === 31337,
        contract,
        txHash,
        blockNumber: n,
        blockHash,
        blockTime: new Date(timestamp * 1000).toISOString(),
        confirmations: 12,
        requiredConfirmations: 12,
      });
    }
    const shown = `world(seed ${seed}, ${size} leaves, leaf ${index}, chains ${CHAIN_IDS.slice(0, chainCount).join("+")}, claim ${JSON.stringify(claim)})`;
    return { digests, salts, claim, index, tree, anchors, chains, decoy, seed, [fc.toStringMethod]: () => shown };
  });

function receiptOf(w: World): MutableReceipt {
  const proof = w.tree.proof(BigInt(w.index));
  const c = claimSha256(w.claim);
  const receipt: Receipt = {
    version: "priorproof-receipt/1",
    id: `entry-${w.seed}-${w.index}`,
    subject: { sha256: toHex(w.digests[w.index] as Uint8Array) },
    ...(w.claim ? { claim: w.claim } : {}),
    leaf: {
      encoding: "priorproof-leaf/1",
      claimSha256: c ? toHex(c) : null,
      salt: toHex(w.salts[w.index] as Uint8Array),
      hash: toHex(getLeafHash(w.digests[w.index] as Uint8Array, w.claim, w.salts[w.index] as Uint8Array)),
    },
    service: { operator: "test operator", receivedAt: "2026-11-25T08:00:00Z", software: "priorproof-test" },
    anchors: w.anchors.map((a) => ({ ...a, proof: { root: toHex(w.tree.root), treeSize: Number(w.tree.size), index: w.index, path: proof.path.map(toHex) } })),
    issuedAt: "2026-11-25T08:00:00Z",
  };
  // As a verifier meets it: a JSON file.
  return JSON.parse(JSON.stringify(receipt)) as MutableReceipt;
}

const flipHex = (h: string, at: number): Hex => {
  const i = 2 + (at % (h.length - 2));
  return `${h.slice(0, i)}${h[i] === "0" ? "1" : "0"}${h.slice(i + 1)}` as Hex;
};
const failedCodes = (v: Verdict) => v.checks.filter((c) => c.status === "failed").map((c) => c.code as string);

// ---------------------------------------------------------------------------------------------------

interface Tamper {
  /** Changes exactly one thing; may return the file digest the forger presents instead of the real one. */
  // biome-ignore lint/suspicious/noConfusingVoidType: a mutator edits the receipt in place (returns nothing) or returns new bytes.
  readonly change: (r: MutableReceipt, n: number, w: World, a: number) => Uint8Array | void;
  /** At least one failed check must carry one of these codes: they name the tampered thing. */
  readonly names: readonly string[];
  /** Codes of the checks that may fail as a consequence (defaults to `names`). */
  readonly alsoAllowed?: readonly string[];
  /** What the user's chain readers are: the honest ones by default. */
  readonly chains?: (w: World, r: MutableReceipt, a: number) => Record<string, ChainReader>;
  /** The change is to one anchor (`a`), so no other anchor may fail. */
  readonly perAnchor?: boolean;
}

const anchor = (r: MutableReceipt, a: number) => r.anchors[a] as MutableEvmAnchor;
const PROOF_CODES = ["ROOT_MISMATCH", "PATH_TOO_SHORT", "PATH_TOO_LONG", "INDEX_OUT_OF_RANGE"];

const TAMPERS: Record<string, Tamper> = {
  "the file digest": { change: (r, n) => void (r.subject.sha256 = flipHex(r.subject.sha256, n)), names: ["DIGEST_MISMATCH"], alsoAllowed: ["LEAF_MISMATCH"] },
  "the file, with a leaf rebuilt for the other file": {
    change: (r, n, w) => {
      const other = bytesOf(`${w.seed}/forged/${n}`);
      r.subject.sha256 = toHex(other);
      r.leaf.hash = toHex(getLeafHash(other, w.claim, w.salts[w.index] as Uint8Array));
      return other;
    },
    names: ["ROOT_MISMATCH"],
    alsoAllowed: ["CONTRACT_REJECTS_PROOF"],
  },
  "the leaf index": {
    change: (r, n, w, a) => {
      const size = Number(w.tree.size);
      anchor(r, a).proof.index = (w.index + 1 + (n % size)) % (size + 1);
    },
    perAnchor: true,
    names: PROOF_CODES,
    alsoAllowed: ["CONTRACT_REJECTS_PROOF"],
  },
  "the tree size": {
    change: (r, n, _w, a) => void (anchor(r, a).proof.treeSize += 1 + (n % 7)),
    perAnchor: true,
    names: [...PROOF_CODES, "TREE_SIZE_MISMATCH"],
    alsoAllowed: ["CONTRACT_REJECTS_PROOF"],
  },
  "a path node": {
    change: (r, n, _w, a) => {
      const path = anchor(r, a).proof.path;
      if (path.length === 0) path.push(hexOf(`node ${n}`));
      else path[n % path.length] = flipHex(path[n % path.length] as string, n);
    },
    perAnchor: true,
    names: ["ROOT_MISMATCH", "PATH_TOO_LONG"],
    alsoAllowed: ["CONTRACT_REJECTS_PROOF"],
  },
  "the path length": {
    change: (r, n, _w, a) => {
      const path = anchor(r, a).proof.path;
      if (path.length > 0 && n % 2 === 0) path.pop();
      else path.push(hexOf(`extra ${n}`));
    },
    perAnchor: true,
    names: ["PATH_TOO_SHORT", "PATH_TOO_LONG"],
    alsoAllowed: ["CONTRACT_REJECTS_PROOF"],
  },
  "the root": {
    change: (r, n, _w, a) => void (anchor(r, a).proof.root = flipHex(anchor(r, a).proof.root, n)),
    perAnchor: true,
    names: ["ROOT_MISMATCH", "TX_NOT_ANCHOR"],
  },
  "the transaction hash": { change: (r, n, _w, a) => void (anchor(r, a).txHash = flipHex(anchor(r, a).txHash, n)), perAnchor: true, names: ["TX_NOT_FOUND"] },
  "the chain id": {
    change: (r, n, _w, a) => void (anchor(r, a).chainId = 1 + (n % 1_000_000) * 2), // odd, never 31337's nor Sepolia's
    perAnchor: true,
    names: ["CHAIN_ID_MISMATCH"],
    alsoAllowed: ["CHAIN_RELABELLED"], // 1337 is odd, and a development chain the receipt does not call one
    // The user pointed the chain the receipt names at a node of the real one.
    chains: (w, r, a) => ({ ...w.chains, [String(anchor(r, a).chainId)]: w.chains[String(w.anchors[a]?.chainId)] as ChainReader }),
  },
  "the contract": {
    change: (r, n, w, a) => void (anchor(r, a).contract = n % 2 === 0 ? w.decoy : hexOf(`${w.seed}/nothing/${n}`, 20)),
    perAnchor: true,
    names: ["CONTRACT_MISSING", "TX_NOT_ANCHOR"],
  },
  "the block number": {
    change: (r, n, _w, a) => void (anchor(r, a).blockNumber += n % 2 === 0 ? 1 + (n % 3) : -(1 + (n % 3))),
    perAnchor: true,
    names: ["BLOCK_NUMBER_MISMATCH"],
  },
  "the block time": {
    change: (r, n, _w, a) =>
      void (anchor(r, a).blockTime = new Date(Date.parse(anchor(r, a).blockTime) + (n % 2 === 0 ? 1 : -1) * 1000 * (1 + (n % 86_400))).toISOString()),
    perAnchor: true,
    names: ["BLOCK_TIME_MISMATCH"],
  },
  "the block hash": {
    change: (r, n, _w, a) => void (anchor(r, a).blockHash = flipHex(anchor(r, a).blockHash, n)),
    perAnchor: true,
    names: ["BLOCK_HASH_MISMATCH"],
  },
  "the claim": {
    change: (r, n) => {
      if (r.claim && n % 2 === 0) delete r.claim;
      else r.claim = { ...(r.claim ?? {}), title: `${r.claim?.title ?? "untitled"} (edited ${n})` };
    },
    names: ["CLAIM_MISMATCH"],
  },
  "the claim digest": {
    change: (r, n) => void (r.leaf.claimSha256 = r.leaf.claimSha256 === null ? hexOf(`claim ${n}`) : flipHex(r.leaf.claimSha256, n)),
    names: ["CLAIM_MISMATCH"],
  },
  "the claim, with its digest and leaf rebuilt": {
    change: (r, n, w) => {
      const claim: Claim = { ...(w.claim ?? {}), title: `forged ${n}` };
      r.claim = claim as DeepMutable<Claim>;
      r.leaf.claimSha256 = toHex(claimSha256(claim) as Uint8Array);
      r.leaf.hash = toHex(getLeafHash(w.digests[w.index] as Uint8Array, claim, w.salts[w.index] as Uint8Array));
    },
    names: ["ROOT_MISMATCH"],
    alsoAllowed: ["CONTRACT_REJECTS_PROOF"],
  },
  "the leaf hash": { change: (r, n) => void (r.leaf.hash = flipHex(r.leaf.hash, n)), names: ["LEAF_MISMATCH"] },
  "the leaf salt": { change: (r, n) => void (r.leaf.salt = flipHex(r.leaf.salt, n)), names: ["LEAF_MISMATCH"] },
};

describe("verifyReceipt", () => {
  describe("when the receipt is untampered", () => {
    it("verifies it, every check passing, with the earliest anchor time", async () => {
      await fc.assert(
        fc.asyncProperty(worldArb, async (w) => {
          const v = await verifyReceipt(receiptOf(w), { sha256: w.digests[w.index], chains: w.chains });
          expect(v.verified, JSON.stringify(v.checks.filter((c) => c.status !== "passed"))).toBe(true);
          // Every check passed, except the lines that show what the receipt asserts unchecked.
          expect(v.checks.every((c) => c.status === "passed" || (c.status === "not-checked" && c.id.endsWith(".asserted")))).toBe(true);
          const receivedAt = "2026-11-25T08:00:00Z";
          expect(v.existedNoLaterThan).toBe(
            w.anchors.map((a) => timeBound(a.blockTime, DEFAULT_CHAIN_REGISTRY.get(a.chainId).blockTimeToleranceSeconds, [receivedAt])).sort()[0],
          );
          expect(v.witnesses.map((x) => x.time)).toEqual(w.anchors.map((a) => a.blockTime.replace(".000Z", "Z")));
          for (const x of v.witnesses) expect(x).toMatchObject({ deployment: "other", final: true, codeCheckedAt: "anchor-block" });
        }),
        { numRuns: RUNS },
      );
    });

    it("verifies it with a witness for any one of its chains, and not with none", async () => {
      await fc.assert(
        fc.asyncProperty(worldArb, fc.nat(), async (w, k) => {
          const only = String(w.anchors[k % w.anchors.length]?.chainId);
          const one = await verifyReceipt(receiptOf(w), { sha256: w.digests[w.index], chains: { [only]: w.chains[only] as ChainReader } });
          expect(one.verified).toBe(true);
          const none = await verifyReceipt(receiptOf(w), { sha256: w.digests[w.index] });
          expect(none.verified).toBe(false);
          expect(failedCodes(none)).toEqual([]);
          expect(none.checks.filter((c) => c.id.endsWith(".chain")).map((c) => c.status)).toEqual(w.anchors.map(() => "not-checked"));
        }),
        { numRuns: RUNS },
      );
    });

    it("is not verified without the file (the digest check is not-checked, nothing fails)", async () => {
      await fc.assert(
        fc.asyncProperty(worldArb, async (w) => {
          const v = await verifyReceipt(receiptOf(w), { chains: w.chains });
          expect(v.verified).toBe(false);
          expect(failedCodes(v)).toEqual([]);
          expect(v.checks.find((c) => c.id === "digest")?.status).toBe("not-checked");
        }),
        { numRuns: RUNS },
      );
    });
  });

  describe("when exactly one field is tampered with", () => {
    for (const [field, t] of Object.entries(TAMPERS)) {
      it(`fails, naming ${field}`, async () => {
        await fc.assert(
          fc.asyncProperty(worldArb, fc.nat(), fc.nat(), async (w, n, k) => {
            const r = receiptOf(w);
            const a = k % r.anchors.length;
            const presented = t.change(r, n, w, a) ?? w.digests[w.index];
            const v = await verifyReceipt(r, { sha256: presented, chains: t.chains ? t.chains(w, r, a) : w.chains });
            const failed = v.checks.filter((c) => c.status === "failed");
            const codes = failed.map((c) => c.code as string);
            expect(v.verified).toBe(false);
            expect(
              codes.some((c) => t.names.includes(c)),
              `${field}: failed ${JSON.stringify(codes)}`,
            ).toBe(true);
            expect(
              codes.every((c) => t.names.includes(c) || (t.alsoAllowed ?? []).includes(c)),
              `${field}: failed ${JSON.stringify(codes)}`,
            ).toBe(true);
            // A failure about an anchor is about the anchor that was changed.
            if (t.perAnchor)
              for (const c of failed)
                if (c.id.startsWith("anchors[")) expect(c.id.startsWith(`anchors[${a}]`), `${field}: ${c.id} failed, anchors[${a}] was changed`).toBe(true);
          }),
          { numRuns: RUNS },
        );
      }, 60_000);
    }
  });

  describe("when a proof is at its bounds", () => {
    const one = fc.sample(worldArb, { numRuns: 1, seed: 7 })[0] as World;

    it("verifies a one-leaf tree, whose path is empty", async () => {
      const w = fc.sample(
        worldArb.filter((x) => x.tree.size === 1n),
        { numRuns: 1, seed: 1 },
      )[0] as World;
      const r = receiptOf(w);
      expect(r.anchors[0]?.proof.path).toEqual([]);
      expect((await verifyReceipt(r, { sha256: w.digests[0], chains: w.chains })).verified).toBe(true);
    });

    it("rejects index −1 as a schema error and index = tree size as INDEX_OUT_OF_RANGE", async () => {
      const r = receiptOf(one);
      anchor(r, 0).proof.index = -1;
      const v = await verifyReceipt(r, { sha256: one.digests[one.index], chains: one.chains });
      expect(v.checks).toMatchObject([{ id: "schema", status: "failed", code: "INVALID_RECEIPT" }]);
      const s = receiptOf(one);
      anchor(s, 0).proof.index = anchor(s, 0).proof.treeSize;
      expect(failedCodes(await verifyReceipt(s, { sha256: one.digests[one.index] }))).toEqual(["INDEX_OUT_OF_RANGE"]);
    });

    it("catches a tree size the path cannot tell apart by the size the chain recorded", async () => {
      // Leaf 0 of 5 and of 6 have paths of the same length and shape: only the anchor's record differs.
      const w = fc.sample(
        worldArb.filter((x) => x.tree.size === 5n && x.index === 0),
        { numRuns: 1, seed: 3 },
      )[0] as World;
      const r = receiptOf(w);
      anchor(r, 0).proof.treeSize = 6;
      const v = await verifyReceipt(r, { sha256: w.digests[0], chains: w.chains });
      expect(v.checks.find((c) => c.id === "anchors[0].proof")?.status).toBe("passed");
      expect(failedCodes(v)).toEqual(["TREE_SIZE_MISMATCH"]);
    });

    it("fails a receipt that names a later re-anchoring of its root (first write wins) with BLOCK_NUMBER_MISMATCH", async () => {
      const r = receiptOf(one);
      anchor(r, 0).blockNumber += 1;
      expect(failedCodes(await verifyReceipt(r, { sha256: one.digests[one.index], chains: one.chains }))).toEqual(["BLOCK_NUMBER_MISMATCH"]);
    });

    it("leaves the chain not-checked, not failed, when the user's RPC serves another chain", async () => {
      const r = receiptOf(one);
      anchor(r, 0).chainId = 5;
      const v = await verifyReceipt(r, { sha256: one.digests[one.index], chains: one.chains });
      expect(v.checks.find((c) => c.id === "anchors[0].chain")).toMatchObject({ status: "not-checked" });
      expect(v.checks.find((c) => c.id === "anchors[0].chain")?.detail).toMatch(/no RPC for chain 5 and no offline proof/);
    });
  });
});

// ---------------------------------------------------------------------------------------------------
// Schema validation: every bad field is reported, by its path.

/** Breakages that each make exactly one field invalid, by the path the problem names. */
const BREAKAGES: readonly (readonly [string, (r: MutableReceipt) => void])[] = [
  ["receipt.id", (r) => void ((r as { id: unknown }).id = 42)],
  ["subject.sha256", (r) => void (r.subject.sha256 = r.subject.sha256.toUpperCase().replace("0X", "0x") as Hex)],
  ["subject.size", (r) => void (r.subject.size = -1)],
  ["subject.mediaType", (r) => void ((r.subject as { mediaType: unknown }).mediaType = 7)],
  ["claim.kind", (r) => void ((r.claim as { kind: unknown }).kind = "painting")],
  ["claim.colour", (r) => void ((r.claim as Record<string, unknown>).colour = "red")],
  ["claim.previous", (r) => void ((r.claim as { previous: unknown }).previous = "0x1234")],
  ["leaf.encoding", (r) => void ((r.leaf as { encoding: unknown }).encoding = "priorproof-leaf/0")],
  ["leaf.salt", (r) => void (r.leaf.salt = "0x00")],
  ["leaf.hash", (r) => void delete (r.leaf as { hash?: unknown }).hash],
  ["leaf.claimSha256", (r) => void (r.leaf.claimSha256 = "0xzz")],
  ["service.receivedAt", (r) => void (r.service.receivedAt = "2026-11-25 08:00")],
  ["service.software", (r) => void delete (r.service as { software?: unknown }).software],
  ["anchors[0].proof.root", (r) => void (anchor(r, 0).proof.root = `0x${"0".repeat(63)}`)],
  ["anchors[0].proof.treeSize", (r) => void (anchor(r, 0).proof.treeSize = 0)],
  ["anchors[0].proof.index", (r) => void (anchor(r, 0).proof.index = -1)],
  ["anchors[0].proof.path[0]", (r) => void ((anchor(r, 0).proof.path as unknown[])[0] = "not hex")],
  ["anchors[0].chainId", (r) => void ((anchor(r, 0) as { chainId: unknown }).chainId = "31337")],
  ["anchors[0].contract", (r) => void (anchor(r, 0).contract = "0x1234")],
  ["anchors[0].blockNumber", (r) => void (anchor(r, 0).blockNumber = 1.5)],
  ["anchors[0].blockHash", (r) => void ((anchor(r, 0) as { blockHash: unknown }).blockHash = null)],
  ["anchors[0].blockTime", (r) => void (anchor(r, 0).blockTime = "yesterday")],
  ["anchors[0].development", (r) => void ((anchor(r, 0) as { development: unknown }).development = "no")],
  ["anchors[0].txHash", (r) => void (anchor(r, 0).txHash = anchor(r, 0).txHash.toUpperCase().replace("0X", "0x") as Hex)],
  ["anchors[1].type", (r) => void ((anchor(r, 1) as { type: unknown }).type = "bitcoin")],
  ["receipt.issuedAt", (r) => void (r.issuedAt = "2026-13-45T00:00:00Z")],
];

/** A valid receipt with a claim, two anchors and a non-empty path, to break. */
const fullWorld = worldArb.filter((w) => w.claim !== undefined && w.anchors.length === 2 && w.tree.size >= 2n);
const pathOf = (problem: string) => problem.slice(0, problem.indexOf(":"));

describe("receiptProblems", () => {
  it("reports every broken field by its path, and nothing else", () => {
    fc.assert(
      fc.property(fullWorld, fc.subarray(BREAKAGES as (readonly [string, (r: MutableReceipt) => void])[], { minLength: 1 }), (w, broken) => {
        const r = receiptOf(w);
        expect(receiptProblems(r)).toEqual([]);
        for (const [, breakIt] of broken) breakIt(r);
        expect(new Set(receiptProblems(r).map(pathOf))).toEqual(new Set(broken.map(([path]) => path)));
        expect(receiptProblems(r)).toHaveLength(broken.length);
      }),
      { numRuns: RUNS },
    );
  });

  it("keys validation on the version: another version is one problem, whatever else is wrong", () => {
    fc.assert(
      fc.property(fullWorld, fc.subarray(BREAKAGES as (readonly [string, (r: MutableReceipt) => void])[]), fc.string(), (w, broken, version) => {
        fc.pre(version !== "priorproof-receipt/1" && version !== "priorproof-receipt/2");
        const r = receiptOf(w);
        for (const [, breakIt] of broken) breakIt(r);
        (r as { version: unknown }).version = version;
        expect(receiptProblems(r).map(pathOf)).toEqual(["version"]);
      }),
      { numRuns: RUNS },
    );
  });
});

describe("parseReceipt", () => {
  it("throws INVALID_RECEIPT carrying every problem, and verifyReceipt stops at the schema check", async () => {
    const w = fc.sample(fullWorld, { numRuns: 1, seed: 11 })[0] as World;
    const r = receiptOf(w);
    for (const [, breakIt] of BREAKAGES) breakIt(r);
    let error: unknown;
    try {
      parseReceipt(r);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).code).toBe("INVALID_RECEIPT");
    expect(((error as InputError).cause as string[]).map(pathOf)).toEqual(expect.arrayContaining(BREAKAGES.map(([path]) => path)));
    const v = await verifyReceipt(r, { sha256: w.digests[w.index], chains: w.chains });
    expect(v.verified).toBe(false);
    expect(v.checks).toHaveLength(1);
    expect(v.checks[0]).toMatchObject({ id: "schema", status: "failed", code: "INVALID_RECEIPT" });
    expect(v.checks[0]?.detail).toMatch(new RegExp(`\\(\\+${BREAKAGES.length - 5} more\\)`));
  });
});

// ---------------------------------------------------------------------------------------------------
// What the verifier derives and how it bounds its work (issue 14), on the in-memory chain.

describe("verifyReceipt trust rules", () => {
  const w = fc.sample(
    worldArb.filter((x) => x.anchors.length === 1 && x.anchors[0]!.chainId === 31337),
    { numRuns: 1, seed: 11 },
  )[0] as World;
  const chainOf = (x: World) => x.chains["31337"] as ChainReader;
  const run = (r: unknown, chains: Record<string, ChainReader>, extra: Parameters<typeof verifyReceipt>[1] = {}) =>
    verifyReceipt(r, { sha256: w.digests[w.index], chains, ...extra });

  it("refuses code that is no released build (CONTRACT_CODE_UNKNOWN) unless the user names its hash", async () => {
    const other = `0x6080${"00".repeat(40)}` as Hex;
    const reader: ChainReader = { ...chainOf(w), getCode: async () => other };
    expect(failedCodes(await run(receiptOf(w), { "31337": reader }))).toEqual(["CONTRACT_CODE_UNKNOWN"]);
    const { keccak_256 } = await import("@noble/hashes/sha3.js");
    const v = await run(receiptOf(w), { "31337": reader }, { trustedCodeHashes: [toHex(keccak_256(fromHex(other)))] });
    expect(v.verified).toBe(true);
    expect(v.warnings.map((x) => x.code)).toContain("CODE_TRUSTED_BY_USER");
  });

  it("reads the code at the head when the node keeps no history, and says so (CODE_CHECKED_AT_LATEST)", async () => {
    const base = chainOf(w);
    const reader: ChainReader = {
      ...base,
      getCode: async (a, at) => {
        if (at !== "latest") throw new AnchorError("STATE_UNAVAILABLE", "pruned");
        return base.getCode(a, at);
      },
    };
    const v = await run(receiptOf(w), { "31337": reader });
    expect(v.verified).toBe(true);
    expect(v.witnesses[0]?.codeCheckedAt).toBe("latest");
    expect(v.warnings.map((x) => x.code)).toContain("CODE_CHECKED_AT_LATEST");
  });

  it("is verified but NOT_FINAL below the policy, and final at it", async () => {
    const a = w.anchors[0]!;
    const shallow: ChainReader = { ...chainOf(w), getBlockNumber: async () => BigInt(a.blockNumber) };
    const v = await run(receiptOf(w), { "31337": shallow });
    expect(v.verified).toBe(true);
    expect(v.warnings).toContainEqual(expect.objectContaining({ code: "NOT_FINAL", anchor: 0 }));
    expect(v.witnesses[0]).toMatchObject({ confirmations: 1, final: false });
    const deep: ChainReader = { ...chainOf(w), getBlockNumber: async () => BigInt(a.blockNumber + 1) };
    expect((await run(receiptOf(w), { "31337": deep })).warnings.map((x) => x.code)).not.toContain("NOT_FINAL");
  });

  it("refuses a block that is not the canonical one at its number (BLOCK_NOT_CANONICAL)", async () => {
    const base = chainOf(w);
    const reader: ChainReader = {
      ...base,
      getBlock: async (t) => {
        const b = await base.getBlock(t);
        return b && { ...b, hash: hexOf("fork") };
      },
    };
    expect(failedCodes(await run(receiptOf(w), { "31337": reader }))).toEqual(["BLOCK_NOT_CANONICAL"]);
  });

  it("refuses a reverted anchoring transaction (TX_FAILED)", async () => {
    const base = chainOf(w);
    const reader: ChainReader = {
      ...base,
      getTransactionReceipt: async (h) => {
        const r = await base.getTransactionReceipt(h);
        return r && { ...r, status: 0 };
      },
    };
    expect(failedCodes(await run(receiptOf(w), { "31337": reader }))).toEqual(["TX_FAILED"]);
  });

  it("refuses views that disagree with the chain (CONTRACT_VIEW_MISMATCH)", async () => {
    const reader: ChainReader = { ...chainOf(w), getAnchor: async () => ({ timestamp: 1n, blockNumber: 1n, treeSize: 1n }) };
    expect(failedCodes(await run(receiptOf(w), { "31337": reader }))).toEqual(["CONTRACT_VIEW_MISMATCH"]);
  });

  it("stops at its RPC budget (RPC_BUDGET_EXCEEDED) and at 16 anchors (TOO_MANY_ANCHORS)", async () => {
    expect(failedCodes(await run(receiptOf(w), w.chains, { rpcBudget: 3 }))).toEqual(["RPC_BUDGET_EXCEEDED"]);
    const r = receiptOf(w);
    (r as { anchors: unknown[] }).anchors = Array.from({ length: 17 }, () => r.anchors[0]);
    const v = await run(r, w.chains);
    expect(v.checks).toEqual([expect.objectContaining({ id: "schema", status: "failed", code: "TOO_MANY_ANCHORS" })]);
  });

  it(
    "names its chain from the registry, shows the receipt's labels as asserted, " + "and fails a development chain called otherwise (CHAIN_RELABELLED)",
    async () => {
      const r = receiptOf(w);
      Object.assign(anchor(r, 0), { chainName: "Ethereum", development: false });
      const v = await run(r, w.chains);
      expect(failedCodes(v)).toEqual(["CHAIN_RELABELLED"]);
      expect(v.checks.find((c) => c.id === "anchors[0].asserted")).toMatchObject({
        status: "not-checked",
        detail: expect.stringMatching(/^asserted by the receipt, not checked: chainName "Ethereum", development false/),
      });
      expect(v.checks.find((c) => c.id === "anchors[0].chain")?.title).toBe("Root is anchored on anvil / Hardhat (development chain) (chain 31337)");
      expect(v.warnings.map((x) => x.code)).toContain("DEVELOPMENT_CHAIN");
    },
  );
});
