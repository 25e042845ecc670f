/**
 * Sealed synthetic blocks for the offline inclusion tests: receipts (as a node would return them) are
 * encoded with the server's `encodeReceipt`, put in a real receipt trie (@ethereumjs/mpt), and a real
 * header of the chosen fork (@ethereumjs/block) commits to its root. For `evm-receipt-proof/2` the block
 * also gets a real transactions trie (typed and legacy transaction envelopes) and a real state trie
 * holding the contract's account among others, whose roots the header commits to. Every layer is then
 * consistent, so a test can tamper with exactly one layer (a log, a status, a transaction, an account)
 * and re-seal the rest, and see that the verifier names that layer.
 */
import { createBlockHeader } from "@ethereumjs/block";
import { Mainnet, createCustomCommon } from "@ethereumjs/common";
import { MerklePatriciaTrie, createMerkleProof } from "@ethereumjs/mpt";
import { RLP } from "@ethereumjs/rlp";
import { bytesToHex, hexToBytes } from "@ethereumjs/util";
import { keccak_256 } from "@noble/hashes/sha3.js";
import type { Hex } from "../../client-sdk/src/index.ts";
import { ANCHORED_EVENT_TOPIC } from "../../client-sdk/src/anchor-event.ts";
import {
  EVM_INCLUSION_FORMAT,
  EVM_INCLUSION_FORMAT_V2,
  type EvmInclusionClaim,
  type EvmInclusionV1,
  type EvmInclusionV2,
} from "../../client-sdk/src/evm-inclusion.ts";
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
  readonly inclusion: EvmInclusionV1;
  readonly claim: EvmInclusionClaim;
  readonly receiptsRoot: Hex;
}

/** A transaction of a synthetic block (signature bytes are arbitrary: the offline check reads no signature). */
export interface SyntheticTx {
  /** 0 legacy, 1 EIP-2930, 2 EIP-1559, 3 EIP-4844, 4 EIP-7702. */
  type: 0 | 1 | 2 | 3 | 4;
  /** The recipient; null for a contract creation (types 0–2 only). */
  to: Hex | null;
  data: Hex;
}

/** An account of a synthetic state. */
export interface SyntheticAccount {
  address: Hex;
  nonce: bigint;
  balance: bigint;
  storageRoot: Hex;
  codeHash: Hex;
}

export interface SyntheticBlockV2 {
  readonly inclusion: EvmInclusionV2;
  readonly claim: EvmInclusionClaim & { readonly txHash: Hex };
  readonly stateRoot: Hex;
  readonly transactionsRoot: Hex;
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
  const b = await seal(receipts, txIndex, o, undefined);
  return { inclusion: b.v1, claim: b.claim, receiptsRoot: b.receiptsRoot };
}

/** keccak256 of the empty string: the code hash of an account without code. */
export const EMPTY_CODE: Hex = bytesToHex(keccak_256(new Uint8Array())) as Hex;

/** A transaction's trie encoding: `type ‖ RLP(fields)` (EIP-2718) or the RLP list for legacy. */
export function encodeSyntheticTx(t: SyntheticTx, i: number): Uint8Array {
  const to = t.to ? hexToBytes(t.to) : new Uint8Array();
  const data = hexToBytes(t.data);
  const r = keccak_256(Uint8Array.of(1, i & 0xff, i >> 8)),
    s = keccak_256(Uint8Array.of(2, i & 0xff, i >> 8));
  const [chainId, nonce, gas, fee] = [31337n, BigInt(i), 100_000n, 1_000_000_000n];
  switch (t.type) {
    case 0:
      return RLP.encode([nonce, fee, gas, to, 0n, data, 62709n, r, s]); // EIP-155 v for chain 31337
    case 1:
      return Uint8Array.of(1, ...RLP.encode([chainId, nonce, fee, gas, to, 0n, data, [], 1n, r, s]));
    case 2:
      return Uint8Array.of(2, ...RLP.encode([chainId, nonce, fee, fee, gas, to, 0n, data, [], 1n, r, s]));
    case 3:
      return Uint8Array.of(3, ...RLP.encode([chainId, nonce, fee, fee, gas, to, 0n, data, [], 1n, [keccak_256(r)], 0n, r, s]));
    case 4:
      return Uint8Array.of(4, ...RLP.encode([chainId, nonce, fee, fee, gas, to, 0n, data, [], [[chainId, to, 0n, 1n, r, s]], 1n, r, s]));
  }
}

/** An account's state-trie value: RLP([nonce, balance, storageRoot, codeHash]). */
export const encodeAccount = (a: SyntheticAccount): Uint8Array => RLP.encode([a.nonce, a.balance, hexToBytes(a.storageRoot), hexToBytes(a.codeHash)]);

const quantity = (n: bigint): Hex => `0x${n.toString(16)}`;

/**
 * Seals a block for `evm-receipt-proof/2`: receipts, transactions (transaction `txIndex` is the anchor's)
 * and a state of `accounts` (key keccak256(address)); proves receipt and transaction `txIndex` and the
 * account of `contract` (a proof of absence when `accounts` lacks it: the section then carries
 * `absentAccount`'s fields).
 *
 * @example
 * const b = await sealBlockV2(receipts, txs, accounts, 0, { contract, root, treeSize: 5 });
 */
export async function sealBlockV2(
  receipts: readonly SyntheticReceipt[],
  txs: readonly SyntheticTx[],
  accounts: readonly SyntheticAccount[],
  txIndex: number,
  o: { contract: Hex; root: Hex; treeSize: number; number?: number; timestamp?: number; fork?: SyntheticFork },
): Promise<SyntheticBlockV2> {
  const encodedTxs = txs.map(encodeSyntheticTx);
  const txTrie = new MerklePatriciaTrie();
  for (const [i, t] of encodedTxs.entries()) await txTrie.put(RLP.encode(i), t);
  const state = new MerklePatriciaTrie();
  for (const a of accounts) await state.put(keccak_256(hexToBytes(a.address)), encodeAccount(a));
  const b = await seal(receipts, txIndex, o, { transactionsTrie: txTrie.root(), stateRoot: state.root() });
  const mine = accounts.find((a) => a.address === o.contract) ?? {
    address: o.contract,
    nonce: 1n,
    balance: 0n,
    storageRoot: `0x${"00".repeat(32)}` as Hex,
    codeHash: EMPTY_CODE,
  };
  const tx = encodedTxs[txIndex] ?? encodeSyntheticTx({ type: 2, to: o.contract, data: "0x" }, txIndex);
  return {
    inclusion: {
      ...b.v1,
      format: EVM_INCLUSION_FORMAT_V2,
      tx: bytesToHex(tx) as Hex,
      txProof: (await createMerkleProof(txTrie, RLP.encode(txIndex))).map((n) => bytesToHex(n) as Hex),
      account: {
        nonce: quantity(mine.nonce),
        balance: quantity(mine.balance),
        storageRoot: mine.storageRoot,
        codeHash: mine.codeHash,
        proof: (await createMerkleProof(state, keccak_256(hexToBytes(o.contract)))).map((n) => bytesToHex(n) as Hex),
      },
    },
    claim: { ...b.claim, txHash: bytesToHex(keccak_256(tx)) as Hex },
    stateRoot: bytesToHex(state.root()) as Hex,
    transactionsRoot: bytesToHex(txTrie.root()) as Hex,
  };
}

async function seal(
  receipts: readonly SyntheticReceipt[],
  txIndex: number,
  o: { contract: Hex; root: Hex; treeSize: number; number?: number; timestamp?: number; fork?: SyntheticFork; parentHash?: Hex },
  roots: { transactionsTrie: Uint8Array; stateRoot: Uint8Array } | undefined,
): Promise<{ v1: EvmInclusionV1; claim: EvmInclusionClaim; receiptsRoot: Hex }> {
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
      ...(roots ?? {}),
      gasLimit: 30_000_000n,
      gasUsed: BigInt(21_000 * receipts.length),
      ...(o.parentHash ? { parentHash: o.parentHash } : {}),
      ...(fork === "london" ? { difficulty: 1n } : {}),
    },
    { common: createCustomCommon({ chainId: 31337 }, Mainnet, { hardfork: fork }), skipConsensusFormatValidation: true },
  );
  return {
    v1: {
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
