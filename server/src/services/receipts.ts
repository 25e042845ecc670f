/**
 * Receipts: the self-contained receipt document of an entry — priorproof-receipt/2 for entries with a
 * priorproof-leaf/2 leaf (everything ingested now), priorproof-receipt/1 for older leaf/1 rows — assembled from the entry,
 * the batches that anchored it (one per chain) with the inclusion proof rebuilt from the batch leaves,
 * and the RFC 3161 tokens of those batches.
 */
import {
  LEAF_ENCODING,
  LEAF_ENCODING_V2,
  MerkleTree,
  RECEIPT_VERSION,
  RECEIPT_VERSION_2,
  fromHex,
  signatureSha256,
  toHex,
  type Anchor,
  type Claim,
  type ClaimSignature,
  type EvmAnchor,
  type EvmInclusion,
  type Hex,
  type Receipt,
  type Rfc3161Anchor,
} from "@priorproof/client-sdk/core";
import type { ChainClient } from "../chain/client.ts";
import { AppError } from "../errors.ts";
import type { BatchRecord, EntryRecord, Store } from "../store/types.ts";

export interface ReceiptsDeps {
  readonly store: Store;
  readonly chains: ReadonlyMap<number, ChainClient>;
  readonly operator: string;
  readonly publicUrl?: string;
  readonly software: string;
}

export interface Receipts {
  /** The receipt of an anchored entry, or RECEIPT_PENDING (409) with the status while it is not. */
  getReceipt(entry: EntryRecord): Promise<Receipt>;
  /** Anchors of an entry as far as they go (for the entry view and the public lookup). */
  getAnchors(entry: EntryRecord): Promise<{ batch: BatchRecord; leafIndex: number }[]>;
}

const TREE_CACHE_SIZE = 64;

export function createReceipts(deps: ReceiptsDeps): Receipts {
  const trees = new Map<number, MerkleTree>();
  const treeOf = async (batch: BatchRecord): Promise<MerkleTree> => {
    let tree = trees.get(batch.id);
    if (!tree) {
      const leaves = await deps.store.getBatchLeaves(batch.id);
      tree = MerkleTree.fromLeafHashes(leaves.map((h) => fromHex(h, 32)));
      if (toHex(tree.root) !== batch.root) throw new Error(`batch ${batch.id} leaves do not rebuild its root`);
      if (trees.size >= TREE_CACHE_SIZE) trees.delete(trees.keys().next().value as number);
      trees.set(batch.id, tree);
    }
    return tree;
  };

  const proofOf = async (batch: BatchRecord, leafIndex: number) => {
    const tree = await treeOf(batch);
    const p = tree.proof(BigInt(leafIndex));
    return { root: batch.root as Hex, treeSize: batch.treeSize, index: leafIndex, path: p.path.map(toHex) };
  };

  return {
    async getAnchors(entry) {
      return (await deps.store.getEntryBatches(entry.seq)).map((b) => ({ batch: b.batch, leafIndex: b.leafIndex }));
    },

    async getReceipt(entry) {
      const batches = await deps.store.getEntryBatches(entry.seq);
      const anchored = batches.filter((b) => b.batch.status === "anchored" || b.batch.status === "confirmed");
      if (anchored.length === 0) {
        throw new AppError("RECEIPT_PENDING", `entry ${entry.id} is ${entry.status}: no anchor yet`, { status: entry.status });
      }
      const anchors: Anchor[] = [];
      for (const { batch, leafIndex } of anchored) {
        const chain = deps.chains.get(batch.chainId);
        if (!chain || batch.blockNumber === null || !batch.blockHash || !batch.txHash || !batch.blockTime) continue;
        const proof = await proofOf(batch, leafIndex);
        const head = await chain.getBlockNumber().catch(() => batch.blockNumber as number);
        const evm: EvmAnchor = {
          type: "evm",
          proof,
          chainId: batch.chainId,
          chainName: chain.config.name,
          development: chain.config.development,
          contract: chain.deployment.address.toLowerCase() as Hex,
          deployTxHash: chain.deployment.txHash as Hex,
          deployBlock: chain.deployment.deployBlock,
          txHash: batch.txHash as Hex,
          blockNumber: batch.blockNumber,
          blockHash: batch.blockHash.toLowerCase() as Hex,
          blockTime: batch.blockTime.replace(/\.000Z$/, "Z"),
          confirmations: Math.max(0, head - batch.blockNumber + 1),
          requiredConfirmations: chain.config.confirmations,
          ...(chain.config.explorerUrl ? { explorerUrl: chain.config.explorerUrl } : {}),
          ...(batch.inclusion ? { inclusion: JSON.parse(batch.inclusion) as EvmInclusion } : {}),
        };
        anchors.push(evm);
        for (const t of await deps.store.getTimestampTokens(batch.id)) {
          const info = JSON.parse(t.info) as Omit<Rfc3161Anchor, "type" | "proof" | "token">;
          anchors.push({ ...info, type: "rfc3161", proof, token: Buffer.from(t.token).toString("base64") });
        }
      }
      if (anchors.length === 0) throw new AppError("RECEIPT_PENDING", `entry ${entry.id} has no usable anchor yet`, { status: entry.status });

      const subject = {
        sha256: entry.sha256 as Hex,
        ...(entry.sha3_256 ? { sha3_256: entry.sha3_256 as Hex } : {}),
        ...(entry.size !== null ? { size: entry.size } : {}),
        ...(entry.name ? { name: entry.name } : {}),
        ...(entry.mediaType ? { mediaType: entry.mediaType } : {}),
        ...(entry.cid ? { cid: entry.cid, cidProfile: entry.cidProfile ?? "unixfs-v1-2025" } : {}),
        // The stored content is a client-side encrypted envelope: `cid` names the ciphertext, the digests the plaintext.
        ...(entry.encryption ? { encrypted: true } : {}),
      };
      const claim = entry.claim ? { claim: JSON.parse(entry.claim) as Claim } : {};
      const service = {
        operator: deps.operator,
        ...(deps.publicUrl ? { url: deps.publicUrl } : {}),
        receivedAt: entry.receivedAt,
        ...(entry.requestId ? { requestId: entry.requestId } : {}),
        software: deps.software,
      };
      const issuedAt = new Date().toISOString();
      const claimDigest = (entry.claimSha256 as Hex | null) ?? null;
      let receipt: Receipt;
      if (entry.leafVersion === 2) {
        const signature = entry.signature ? (JSON.parse(entry.signature) as ClaimSignature) : undefined;
        receipt = {
          version: RECEIPT_VERSION_2,
          id: entry.id,
          subject,
          ...claim,
          leaf: {
            encoding: LEAF_ENCODING_V2,
            sha3_256: (entry.sha3_256 as Hex | null) ?? null,
            claimSha256: claimDigest,
            signatureSha256: signature ? toHex(signatureSha256(signature) as Uint8Array) : null,
            salt: entry.leafSalt as Hex,
            hash: entry.leafHash as Hex,
          },
          ...(signature ? { signature } : {}),
          service,
          anchors,
          issuedAt,
        };
      } else {
        receipt = {
          version: RECEIPT_VERSION,
          id: entry.id,
          subject,
          ...claim,
          leaf: { encoding: LEAF_ENCODING, claimSha256: claimDigest, salt: entry.leafSalt as Hex, hash: entry.leafHash as Hex },
          service,
          anchors,
          issuedAt,
        };
      }
      return receipt;
    },
  };
}
