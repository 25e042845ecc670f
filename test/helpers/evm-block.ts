/**
 * Sealed synthetic blocks for the offline inclusion tests: receipts (as a node would return them) are
 * encoded with the server's `encodeReceipt`, put in a real receipt trie (@ethereumjs/mpt), and a real
 * header of the chosen fork (@ethereumjs/block) commits to its root. Every layer is then consistent, so
 * a test can tamper with exactly one layer (a log, a status) and re-seal the rest, and see that the
 * verifier names that layer.
 */
import { createBlockHeader } from "@ethereumjs/block";
import { Mainnet, createCustomCommon } from "@ethereumjs/common";
import { MerklePatriciaTrie, createMerkleProof } from "@ethereumjs/mpt";
import { RLP } from "@ethereumjs/rlp";
import { bytesToHex } from "@ethereumjs/util";
import { ANCHORED_EVENT_TOPIC, EVM_INCLUSION_FORMAT, type EvmInclusion, type EvmInclusionClaim, type Hex } from "../../client-sdk/src/index.ts";
import { encodeReceipt } from "../../server/src/chain/inclusion.ts";

export interface SyntheticLog {
  address: Hex;
  topics: Hex[];
  data: Hex;
}

export interface SyntheticReceipt {
  /** EIP-2718 type (0 legacy, 2 EIP-1559 …). */
  type: number;
  status: 0 | 1;
  logs: SyntheticLog[];
}

export interface SyntheticBlock {
  readonly inclusion: EvmInclusion;
  readonly claim: EvmInclusionClaim;
  readonly receiptsRoot: Hex;
}

export type SyntheticFork = "london" | "shanghai" | "cancun" | "prague";

/** A 32-byte word holding `n` (ABI uint). */
export const word = (n: bigint | number): Hex => `0x${BigInt(n).toString(16).padStart(64, "0")}`;

/** The `Anchored(root, treeSize, anchorer)` log of EvidenceAnchor at `contract`. */
export function anchoredLog(contract: Hex, root: Hex, treeSize: number, anchorer: Hex): SyntheticLog {
  return { address: contract, topics: [ANCHORED_EVENT_TOPIC, root, `0x${anchorer.slice(2).padStart(64, "0")}`], data: word(treeSize) };
}

/** A receipt's trie encoding (cumulative gas grows by 21,000 a transaction; the bloom is not checked). */
function encodeSynthetic(r: SyntheticReceipt, i: number): Uint8Array {
  return encodeReceipt({
    transactionHash: "0x",
    transactionIndex: `0x${i.toString(16)}`,
    blockHash: "0x",
    type: `0x${r.type.toString(16)}`,
    status: `0x${r.status}`,
    cumulativeGasUsed: `0x${(21_000 * (i + 1)).toString(16)}`,
    logsBloom: `0x${"00".repeat(256)}`,
    logs: r.logs,
  });
}

/**
 * Seals a block holding `receipts`, proves receipt `txIndex`, and returns its inclusion section with the
 * claim (contract, root, tree size, number, hash, time) a receipt would make about it.
 *
 * @example
 * const b = await sealBlock([{ type: 2, status: 1, logs: [anchoredLog(c, root, 5, a)] }], 0, { contract: c, root, treeSize: 5 });
 */
export async function sealBlock(
  receipts: readonly SyntheticReceipt[],
  txIndex: number,
  o: { contract: Hex; root: Hex; treeSize: number; number?: number; timestamp?: number; fork?: SyntheticFork; parentHash?: Hex },
): Promise<SyntheticBlock> {
  const encoded = receipts.map(encodeSynthetic);
  const trie = new MerklePatriciaTrie();
  for (const [i, r] of encoded.entries()) await trie.put(RLP.encode(i), r);
  const number = o.number ?? 1234;
  const timestamp = o.timestamp ?? 1_760_000_000;
  const fork = o.fork ?? "prague";
  const header = createBlockHeader(
    {
      number: BigInt(number),
      timestamp: BigInt(timestamp),
      receiptTrie: trie.root(),
      gasLimit: 30_000_000n,
      gasUsed: BigInt(21_000 * receipts.length),
      ...(o.parentHash ? { parentHash: o.parentHash } : {}),
      ...(fork === "london" ? { difficulty: 1n } : {}),
    },
    { common: createCustomCommon({ chainId: 31337 }, Mainnet, { hardfork: fork }), skipConsensusFormatValidation: true },
  );
  return {
    inclusion: {
      format: EVM_INCLUSION_FORMAT,
      header: bytesToHex(header.serialize()) as Hex,
      txIndex,
      receipt: bytesToHex(encoded[txIndex] as Uint8Array) as Hex,
      proof: (await createMerkleProof(trie, RLP.encode(txIndex))).map((n) => bytesToHex(n) as Hex),
    },
    claim: {
      contract: o.contract,
      blockNumber: number,
      blockHash: bytesToHex(header.hash()) as Hex,
      blockTime: new Date(timestamp * 1000).toISOString().replace(/\.000Z$/, "Z"),
      proof: { root: o.root, treeSize: o.treeSize },
    },
    receiptsRoot: bytesToHex(trie.root()) as Hex,
  };
}

/** A proof, in the same trie, of an index that holds no receipt (a valid proof of absence). */
export async function proveAbsence(receipts: readonly SyntheticReceipt[], absentIndex: number): Promise<Hex[]> {
  const trie = new MerklePatriciaTrie();
  for (const [i, r] of receipts.entries()) await trie.put(RLP.encode(i), encodeSynthetic(r, i));
  return (await createMerkleProof(trie, RLP.encode(absentIndex))).map((n) => bytesToHex(n) as Hex);
}
