/**
 * Property tests of `verifyReceipt` against a real anvil chain: random trees are anchored through the
 * real contract; receipts for random leaves verify untampered, and tampering with any single field
 * makes verification fail with the check that names it.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Contract, JsonRpcProvider, NonceManager } from "ethers";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cachedChainReader, createChainReader, type ChainReader } from "../../client-sdk/src/anchor.ts";
import { toHex } from "../../client-sdk/src/bytes.ts";
import { claimSha256, getLeafHash, type Claim } from "../../client-sdk/src/leaf.ts";
import { MerkleTree } from "../../client-sdk/src/merkle.ts";
import type { EvmAnchor, Hex, Receipt } from "../../client-sdk/src/receipt.ts";
import { verifyReceipt } from "../../client-sdk/src/verify.ts";
import { evidenceAnchorArtifact } from "../../server/src/chain/artifact.ts";
import { ensureDeployment } from "../../server/src/chain/deploy.ts";
import { startDevChain, type DevChain } from "../../server/src/chain/devchain.ts";
import { devWallet } from "../helpers/service.ts";

interface Tree {
  digests: Uint8Array[];
  salts: Uint8Array[];
  claims: (Claim | undefined)[];
  tree: MerkleTree;
  anchor: Omit<EvmAnchor, "proof">;
}

const dir = mkdtempSync(join(tmpdir(), "pp-verify-prop-"));
let chain: DevChain;
let rpc: ReturnType<typeof createChainReader>;
let reader: ChainReader;
const trees: Tree[] = [];

beforeAll(async () => {
  chain = await startDevChain({ dataDir: dir });
  const provider = new JsonRpcProvider(chain.rpcUrl, chain.chainId, { staticNetwork: true });
  const d = await ensureDeployment({
    deployer: new NonceManager(devWallet(0).connect(provider)),
    anchorers: [devWallet(1).address],
    deploymentsDir: join(dir, "deployments"),
  });
  const registry = new Contract(d.address, evidenceAnchorArtifact().abi, new NonceManager(devWallet(1).connect(provider)));
  for (const size of [1, 2, 3, 5, 8, 13, 64, 100, 257]) {
    const digests = Array.from({ length: size }, () => new Uint8Array(randomBytes(32)));
    const claims = digests.map((_, i) => (i % 3 === 0 ? { title: `draft ${i}`, kind: "design" as const } : undefined));
    const salts = digests.map(() => new Uint8Array(randomBytes(16)));
    const tree = MerkleTree.fromLeafHashes(digests.map((dg, i) => getLeafHash(dg, claims[i], salts[i]!)));
    const receipt = await (await registry.getFunction("anchor")(toHex(tree.root), size)).wait(1);
    const block = await provider.getBlock(receipt.blockNumber);
    trees.push({
      digests,
      salts,
      claims,
      tree,
      anchor: {
        type: "evm",
        chainId: chain.chainId,
        chainName: "anvil",
        development: true,
        contract: d.address.toLowerCase() as Hex,
        txHash: receipt.hash,
        blockNumber: receipt.blockNumber,
        blockHash: block!.hash as Hex,
        blockTime: new Date(block!.timestamp * 1000).toISOString().replace(".000Z", "Z"),
        confirmations: 1,
        requiredConfirmations: 1,
      },
    });
  }
  provider.destroy();
  rpc = createChainReader(chain.rpcUrl);
  reader = cachedChainReader(rpc);
}, 120_000);
afterAll(async () => {
  rpc?.destroy();
  await chain?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function receiptFor(t: Tree, index: number): Receipt {
  const claim = t.claims[index];
  const c = claimSha256(claim);
  const p = t.tree.proof(BigInt(index));
  return {
    version: "priorproof-receipt/1",
    id: `entry-${index}`,
    subject: { sha256: toHex(t.digests[index]!) },
    ...(claim ? { claim } : {}),
    leaf: {
      encoding: "priorproof-leaf/1",
      claimSha256: c ? toHex(c) : null,
      salt: toHex(t.salts[index]!),
      hash: toHex(getLeafHash(t.digests[index]!, claim, t.salts[index]!)),
    },
    service: { operator: "test", receivedAt: "2026-11-25T00:00:00Z", software: "test" },
    anchors: [{ ...t.anchor, proof: { root: toHex(t.tree.root), treeSize: Number(t.tree.size), index, path: p.path.map(toHex) } }],
    issuedAt: "2026-11-25T00:00:00Z",
  };
}

const flipHex = (h: string, at: number) => {
  const i = 2 + (at % (h.length - 2));
  return (h.slice(0, i) + (h[i] === "0" ? "1" : "0") + h.slice(i + 1)) as Hex;
};

type Tamper = (r: any, n: number) => void;
/** Each field a verifier must bind, how to change it, and the codes that may name the failure. */
const TAMPERS: Record<string, { change: Tamper; codes: string[] }> = {
  digest: { change: (r, n) => (r.subject.sha256 = flipHex(r.subject.sha256, n)), codes: ["DIGEST_MISMATCH"] },
  index: {
    change: (r, n) => {
      const size = r.anchors[0].proof.treeSize;
      r.anchors[0].proof.index = (r.anchors[0].proof.index + 1 + (n % size)) % (size + 1);
    },
    codes: ["ROOT_MISMATCH", "PATH_TOO_SHORT", "PATH_TOO_LONG", "INDEX_OUT_OF_RANGE"],
  },
  treeSize: {
    change: (r, n) => (r.anchors[0].proof.treeSize += 1 + (n % 7)),
    codes: ["ROOT_MISMATCH", "PATH_TOO_SHORT", "PATH_TOO_LONG", "TREE_SIZE_MISMATCH"],
  },
  pathNode: {
    change: (r, n) => {
      const p = r.anchors[0].proof.path;
      if (p.length === 0) p.push(toHex(new Uint8Array(32)));
      else p[n % p.length] = flipHex(p[n % p.length], n);
    },
    codes: ["ROOT_MISMATCH", "PATH_TOO_LONG"],
  },
  root: { change: (r, n) => (r.anchors[0].proof.root = flipHex(r.anchors[0].proof.root, n)), codes: ["ROOT_MISMATCH", "ROOT_NOT_ANCHORED"] },
  chainId: { change: (r, n) => (r.anchors[0].chainId = 1 + (n % 1000) * 7 + (n % 1000 === 0 ? 1 : 0)), codes: ["CHAIN_ID_MISMATCH"] },
  contract: { change: (r) => (r.anchors[0].contract = toHex(new Uint8Array(randomBytes(20)))), codes: ["CONTRACT_MISSING"] },
  blockNumber: { change: (r, n) => (r.anchors[0].blockNumber += 1 + (n % 3)), codes: ["BLOCK_NUMBER_MISMATCH"] },
  blockTime: {
    change: (r, n) => (r.anchors[0].blockTime = new Date(Date.parse(r.anchors[0].blockTime) + 1000 * (1 + (n % 100))).toISOString().replace(".000Z", "Z")),
    codes: ["BLOCK_TIME_MISMATCH"],
  },
  blockHash: { change: (r, n) => (r.anchors[0].blockHash = flipHex(r.anchors[0].blockHash, n)), codes: ["BLOCK_HASH_MISMATCH"] },
  claim: { change: (r) => (r.claim = { ...(r.claim ?? {}), title: `${r.claim?.title ?? ""} (edited)` }), codes: ["CLAIM_MISMATCH"] },
  leafHash: { change: (r, n) => (r.leaf.hash = flipHex(r.leaf.hash, n)), codes: ["LEAF_MISMATCH"] },
  salt: { change: (r, n) => (r.leaf.salt = flipHex(r.leaf.salt, n)), codes: ["LEAF_MISMATCH"] },
};

/** Readers for any chain id the receipt names: the user gave the RPC for whatever chain it claims. */
const anyChain = () => new Proxy({} as Record<string, ChainReader>, { get: () => reader });

describe("verifyReceipt (property, against real anvil)", () => {
  it("verifies every untampered receipt", async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.nat(), async (ti, li) => {
        const t = trees[ti % trees.length]!;
        const i = li % t.digests.length;
        const v = await verifyReceipt(receiptFor(t, i), { sha256: t.digests[i]!, chains: { [String(chain.chainId)]: reader } });
        expect(v.verified, JSON.stringify(v.checks.filter((c) => c.status !== "passed"))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  for (const [field, { change, codes }] of Object.entries(TAMPERS)) {
    it(`fails and names the check when ${field} is tampered with`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.nat(), fc.nat(), fc.nat(), async (ti, li, n) => {
          const t = trees[ti % trees.length]!;
          const i = li % t.digests.length;
          const r = structuredClone(receiptFor(t, i)) as any;
          change(r, n);
          const v = await verifyReceipt(r, { sha256: t.digests[i]!, chains: anyChain() });
          expect(v.verified).toBe(false);
          const failed = v.checks.filter((c) => c.status === "failed").map((c) => c.code);
          expect(
            failed.some((c) => codes.includes(c!)),
            `${field}: failed ${JSON.stringify(failed)}`,
          ).toBe(true);
        }),
        { numRuns: field === "contract" || field === "chainId" ? 50 : 200 },
      );
    }, 120_000);
  }
});
