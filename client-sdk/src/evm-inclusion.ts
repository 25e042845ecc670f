/**
 * Offline check of an EVM anchor (`anchors[i].inclusion`, format `evm-receipt-proof/1`): the block
 * header (RLP) hashes to the anchor's `blockHash`; its `receiptsRoot` leads, through a Merkle-Patricia
 * proof, to the receipt of the anchoring transaction; that receipt succeeded and carries the contract's
 * `Anchored(root, treeSize, anchorer)` log for exactly this root from exactly this contract; the
 * header's number and timestamp are the anchor's. No node and no RPC are involved.
 *
 * What this cannot establish is that `blockHash` is a canonical block of the named chain: anyone can
 * build a self-consistent header. That one outside fact is left to an RPC call, an explorer, or a
 * pinned list of trusted block hashes (checkpoints); `verifyReceipt` reports it.
 *
 * RLP and the trie are read with the maintained @ethereumjs libraries (rlp, mpt); keccak-256 is
 * @noble/hashes. Nothing here does I/O.
 */
import { RLP } from "@ethereumjs/rlp";
import { verifyMerkleProof } from "@ethereumjs/mpt";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { equalBytes, fromHex, toHex } from "./bytes.ts";
import { PriorProofError } from "./errors.ts";
import type { EvmAnchor, Hex, ReceiptProof } from "./receipt.ts";

/** The format tag of the inclusion section this module reads. */
export const EVM_INCLUSION_FORMAT = "evm-receipt-proof/1";

/** `anchors[i].inclusion` of an EVM anchor: what makes the anchor checkable with no node. */
export interface EvmInclusion {
  readonly format: typeof EVM_INCLUSION_FORMAT;
  /** The block header, RLP-encoded with every field of the fork in force: keccak256(header) = blockHash. */
  readonly header: Hex;
  /** Position of the anchor transaction in the block (the receipt-trie key is RLP(txIndex)). */
  readonly txIndex: number;
  /** The receipt as the trie holds it (EIP-2718: type byte ‖ RLP, or RLP alone for legacy). */
  readonly receipt: Hex;
  /** Trie nodes from the root (hash = header.receiptsRoot) to the receipt's leaf. */
  readonly proof: readonly Hex[];
}

/**
 * Codes of the offline EVM inclusion check:
 * - `INCLUSION_MALFORMED`: the section is not the documented shape (format, hex fields, txIndex).
 * - `HEADER_MALFORMED`: the header is not an RLP list of at least 15 fields of the right sizes.
 * - `HEADER_HASH_MISMATCH`: keccak256(header) is not the anchor's `blockHash`.
 * - `HEADER_NUMBER_MISMATCH` / `HEADER_TIME_MISMATCH`: the header's number / timestamp differ from the anchor's.
 * - `RECEIPT_PROOF_INVALID`: the proof nodes do not lead from the header's receiptsRoot to a value.
 * - `RECEIPT_NOT_IN_BLOCK`: the proof shows no receipt at txIndex in this block.
 * - `RECEIPT_MISMATCH`: the proof leads to other bytes than the receipt carried.
 * - `RECEIPT_MALFORMED`: the receipt is not a typed or legacy transaction receipt.
 * - `RECEIPT_FAILED`: the anchor transaction reverted.
 * - `LOG_ADDRESS_MISMATCH`: no log of the receipt comes from the anchor's contract.
 * - `LOG_EVENT_MISMATCH`: the contract's logs hold no `Anchored(bytes32,uint64,address)` event.
 * - `LOG_ROOT_MISMATCH`: the contract's `Anchored` events are for other roots.
 * - `LOG_TREE_SIZE_MISMATCH`: the `Anchored` event of the root names another tree size (or bad data).
 */
export type EvmInclusionErrorCode =
  | "INCLUSION_MALFORMED"
  | "HEADER_MALFORMED"
  | "HEADER_HASH_MISMATCH"
  | "HEADER_NUMBER_MISMATCH"
  | "HEADER_TIME_MISMATCH"
  | "RECEIPT_PROOF_INVALID"
  | "RECEIPT_NOT_IN_BLOCK"
  | "RECEIPT_MISMATCH"
  | "RECEIPT_MALFORMED"
  | "RECEIPT_FAILED"
  | "LOG_ADDRESS_MISMATCH"
  | "LOG_EVENT_MISMATCH"
  | "LOG_ROOT_MISMATCH"
  | "LOG_TREE_SIZE_MISMATCH";

/** An offline EVM inclusion proof that does not establish its anchor. */
export class EvmInclusionError extends PriorProofError {
  declare readonly code: EvmInclusionErrorCode;
  constructor(code: EvmInclusionErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** keccak256("Anchored(bytes32,uint64,address)"), topic 0 of the contract's event (IEvidenceAnchor.sol). */
export const ANCHORED_EVENT_TOPIC: Hex = toHex(keccak_256(new TextEncoder().encode("Anchored(bytes32,uint64,address)")));

/**
 * Header fields by position (Yellow Paper §4.3, then the EIPs that appended fields). Positions 0–14 are
 * every fork's; a fork only appends. Sizes are checked where they are fixed.
 */
const HEADER_FIELDS = [
  ["parentHash", 32], ["ommersHash", 32], ["coinbase", 20], ["stateRoot", 32], ["transactionsRoot", 32],
  ["receiptsRoot", 32], ["logsBloom", 256], ["difficulty"], ["number"], ["gasLimit"], ["gasUsed"],
  ["timestamp"], ["extraData"], ["mixHash", 32], ["nonce", 8],
  ["baseFeePerGas"], // EIP-1559 (London)
  ["withdrawalsRoot", 32], // EIP-4895 (Shanghai)
  ["blobGasUsed"], ["excessBlobGas"], // EIP-4844 (Cancun)
  ["parentBeaconBlockRoot", 32], // EIP-4788 (Cancun)
  ["requestsHash", 32], // EIP-7685 (Prague)
] as const;

/** The newest fork whose header has exactly this many fields. */
const SHAPES: Readonly<Record<number, string>> = { 15: "frontier–berlin", 16: "london–paris", 17: "shanghai", 20: "cancun", 21: "prague–osaka" };

/** The statements of an EVM anchor that the offline check holds the proof to. */
export type EvmInclusionClaim = Pick<EvmAnchor, "contract" | "blockNumber" | "blockHash" | "blockTime"> & { readonly proof: Pick<ReceiptProof, "root" | "treeSize"> };

/** What the offline check read from the header and the receipt. */
export interface EvmInclusionResult {
  readonly detail: string;
  readonly blockNumber: bigint;
  /** keccak256 of the header. */
  readonly blockHash: Hex;
  /** The header's timestamp, Unix seconds. */
  readonly blockTimestamp: bigint;
  /** The header's timestamp, UTC ISO-8601. */
  readonly blockTime: string;
  /** The header shape by field count, e.g. `prague–osaka` (21 fields). */
  readonly headerShape: string;
  /** The address that sent the anchor (topic 2 of the `Anchored` log). */
  readonly anchorer: Hex;
}

/** A block header's fields that the check reads. */
export interface DecodedHeader {
  readonly hash: Hex;
  readonly fieldCount: number;
  readonly shape: string;
  readonly receiptsRoot: Uint8Array;
  readonly number: bigint;
  readonly timestamp: bigint;
}

function bigintOf(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt(toHex(bytes));
}

function hexField(o: Record<string, unknown>, key: string): Uint8Array {
  const v = o[key];
  if (typeof v !== "string") throw new EvmInclusionError("INCLUSION_MALFORMED", `inclusion.${key}: expected lower-case 0x hex`);
  try {
    return fromHex(v);
  } catch (cause) {
    throw new EvmInclusionError("INCLUSION_MALFORMED", `inclusion.${key}: expected lower-case 0x hex`, { cause });
  }
}

/**
 * Decodes an RLP block header and hashes it; throws `HEADER_MALFORMED` unless it is a list of at least
 * 15 byte strings whose fixed-size fields have their sizes.
 *
 * @example
 * decodeBlockHeader(fromHex(inclusion.header)).receiptsRoot // Uint8Array(32)
 */
export function decodeBlockHeader(header: Uint8Array): DecodedHeader {
  let values: unknown;
  try {
    values = RLP.decode(header);
  } catch (cause) {
    throw new EvmInclusionError("HEADER_MALFORMED", `header is not RLP: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
  if (!Array.isArray(values) || values.length < 15 || values.length > 32) {
    throw new EvmInclusionError("HEADER_MALFORMED", `header is not a list of 15 or more fields${Array.isArray(values) ? ` (${values.length})` : ""}`);
  }
  for (const [i, v] of values.entries()) {
    if (!(v instanceof Uint8Array)) throw new EvmInclusionError("HEADER_MALFORMED", `header field ${i} is a list, not bytes`);
    const spec = HEADER_FIELDS[i];
    if (spec && spec.length === 2 && v.length !== spec[1]) {
      throw new EvmInclusionError("HEADER_MALFORMED", `header field ${i} (${spec[0]}) has ${v.length} bytes, not ${spec[1]}`);
    }
  }
  const f = values as Uint8Array[];
  return {
    hash: toHex(keccak_256(header)),
    fieldCount: f.length,
    shape: SHAPES[f.length] ?? `${f.length} fields`,
    receiptsRoot: f[5] as Uint8Array,
    number: bigintOf(f[8] as Uint8Array),
    timestamp: bigintOf(f[11] as Uint8Array),
  };
}

interface DecodedLog {
  readonly address: Uint8Array;
  readonly topics: readonly Uint8Array[];
  readonly data: Uint8Array;
}

/**
 * Decodes a receipt as the receipt trie holds it: `type ‖ RLP([status, cumulativeGasUsed, logsBloom,
 * logs])` for typed transactions (EIP-2718, type 0x01–0x7f), the RLP list alone for legacy ones.
 *
 * @example
 * decodeTransactionReceipt(fromHex(inclusion.receipt)).status // 1
 */
export function decodeTransactionReceipt(bytes: Uint8Array): { type: number; status: number; logs: DecodedLog[] } {
  const malformed = (why: string, cause?: unknown) => new EvmInclusionError("RECEIPT_MALFORMED", `receipt ${why}`, cause ? { cause } : undefined);
  const first = bytes[0];
  if (first === undefined) throw malformed("is empty");
  const type = first < 0x80 ? first : 0;
  let values: unknown;
  try {
    values = RLP.decode(type === 0 ? bytes : bytes.subarray(1));
  } catch (cause) {
    throw malformed("is not RLP", cause);
  }
  if (!Array.isArray(values) || values.length !== 4) throw malformed("is not a list of 4 fields (status, cumulative gas, bloom, logs)");
  const [statusBytes, , bloom, rawLogs] = values as unknown[];
  if (!(statusBytes instanceof Uint8Array) || !(bloom instanceof Uint8Array) || bloom.length !== 256 || !Array.isArray(rawLogs)) {
    throw malformed("fields have the wrong types");
  }
  // EIP-658 status: 0x01 success, empty failure. A 32-byte pre-Byzantium state root is no status at all.
  const status = statusBytes.length === 1 && statusBytes[0] === 1 ? 1 : statusBytes.length === 0 ? 0 : -1;
  const logs = rawLogs.map((l: unknown, i) => {
    if (!Array.isArray(l) || l.length !== 3) throw malformed(`log ${i} is not [address, topics, data]`);
    const [address, topics, data] = l as unknown[];
    if (!(address instanceof Uint8Array) || address.length !== 20) throw malformed(`log ${i} address is not 20 bytes`);
    if (!Array.isArray(topics) || !topics.every((t) => t instanceof Uint8Array && t.length === 32)) throw malformed(`log ${i} topics are not 32-byte words`);
    if (!(data instanceof Uint8Array)) throw malformed(`log ${i} data is not bytes`);
    return { address, topics: topics as Uint8Array[], data };
  });
  return { type, status, logs };
}

/**
 * Narrows an untrusted inclusion section; throws `INCLUSION_MALFORMED` naming the first bad field.
 *
 * @example
 * const inc = parseEvmInclusion(anchor.inclusion);
 */
export function parseEvmInclusion(doc: unknown): EvmInclusion {
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) throw new EvmInclusionError("INCLUSION_MALFORMED", "inclusion: expected an object");
  const o = doc as Record<string, unknown>;
  if (o.format !== EVM_INCLUSION_FORMAT) throw new EvmInclusionError("INCLUSION_MALFORMED", `inclusion.format: expected "${EVM_INCLUSION_FORMAT}", got ${JSON.stringify(o.format)}`);
  hexField(o, "header");
  hexField(o, "receipt");
  if (typeof o.txIndex !== "number" || !Number.isSafeInteger(o.txIndex) || o.txIndex < 0) throw new EvmInclusionError("INCLUSION_MALFORMED", "inclusion.txIndex: expected an integer ≥ 0");
  if (!Array.isArray(o.proof) || o.proof.length === 0 || o.proof.length > 64) throw new EvmInclusionError("INCLUSION_MALFORMED", "inclusion.proof: expected 1 to 64 trie nodes");
  for (const [i, node] of o.proof.entries()) {
    if (typeof node !== "string" || !/^0x([0-9a-f]{2})+$/.test(node)) throw new EvmInclusionError("INCLUSION_MALFORMED", `inclusion.proof[${i}]: expected lower-case 0x hex`);
  }
  return doc as EvmInclusion;
}

/**
 * Verifies an EVM anchor's inclusion section with no node: header hash, number and time; the receipt
 * proof from `receiptsRoot`; the receipt's success and its `Anchored(root, treeSize, anchorer)` log from
 * the anchor's contract. Throws `EvmInclusionError` with the first failing step's code.
 *
 * It does not (cannot) establish that `anchor.blockHash` is canonical on chain `anchor.chainId`: that
 * is the one outside fact left (see `verifyReceipt`'s `checkpoints` and `remaining`).
 *
 * @example
 * const r = await verifyEvmInclusion(anchor.inclusion, anchor);
 * r.blockTime // "2026-11-25T08:00:01.000Z"
 */
export async function verifyEvmInclusion(inclusion: unknown, anchor: EvmInclusionClaim): Promise<EvmInclusionResult> {
  const inc = parseEvmInclusion(inclusion);
  // Every receipt of a batch carries the same proof: one that held is not checked again (the check is
  // a pure function of these exact inputs, all of which are in the key).
  const key = [
    anchor.contract.toLowerCase(), anchor.blockNumber, anchor.blockHash.toLowerCase(), anchor.blockTime, anchor.proof.root, anchor.proof.treeSize,
    inc.header, inc.txIndex, inc.receipt, ...inc.proof,
  ].join("|");
  const known = verifiedInclusions.get(key);
  if (known) return known;
  const result = await checkEvmInclusion(inc, anchor);
  if (verifiedInclusions.size >= 256) verifiedInclusions.delete(verifiedInclusions.keys().next().value as string);
  verifiedInclusions.set(key, result);
  return result;
}

/** Proofs that held, by their exact inputs (insertion-ordered; the oldest goes first past 256). */
const verifiedInclusions = new Map<string, EvmInclusionResult>();

async function checkEvmInclusion(inc: EvmInclusion, anchor: EvmInclusionClaim): Promise<EvmInclusionResult> {
  const headerBytes = fromHex(inc.header);
  const header = decodeBlockHeader(headerBytes);
  if (header.hash !== anchor.blockHash.toLowerCase()) {
    throw new EvmInclusionError("HEADER_HASH_MISMATCH", `header hashes to ${header.hash}, the anchor names block ${anchor.blockHash}`);
  }
  if (header.number !== BigInt(anchor.blockNumber)) {
    throw new EvmInclusionError("HEADER_NUMBER_MISMATCH", `header is block ${header.number}, the anchor says ${anchor.blockNumber}`);
  }
  const stated = BigInt(Math.floor(Date.parse(anchor.blockTime) / 1000));
  const headerTime = new Date(Number(header.timestamp) * 1000).toISOString();
  if (header.timestamp !== stated) {
    throw new EvmInclusionError("HEADER_TIME_MISMATCH", `header time is ${headerTime}, the anchor says ${anchor.blockTime}`);
  }

  // The receipt trie's key is RLP(transaction index), unhashed (Yellow Paper §4.3.1).
  const key = RLP.encode(inc.txIndex);
  let proven: Uint8Array | null;
  try {
    proven = await verifyMerkleProof(key, inc.proof.map((n) => fromHex(n)), { root: header.receiptsRoot });
  } catch (cause) {
    throw new EvmInclusionError("RECEIPT_PROOF_INVALID", `the proof does not lead from receiptsRoot ${toHex(header.receiptsRoot)} to transaction ${inc.txIndex}`, { cause });
  }
  if (proven === null) throw new EvmInclusionError("RECEIPT_NOT_IN_BLOCK", `the proof shows no receipt at index ${inc.txIndex} under receiptsRoot ${toHex(header.receiptsRoot)}`);
  const receiptBytes = fromHex(inc.receipt);
  if (!equalBytes(proven, receiptBytes)) {
    throw new EvmInclusionError("RECEIPT_MISMATCH", `the proof leads to another receipt (keccak ${toHex(keccak_256(proven))}) than the one carried (keccak ${toHex(keccak_256(receiptBytes))})`);
  }

  const receipt = decodeTransactionReceipt(receiptBytes);
  if (receipt.status !== 1) throw new EvmInclusionError("RECEIPT_FAILED", `transaction ${inc.txIndex} of block ${header.number} did not succeed (status ${receipt.status})`);
  const contract = fromHex(anchor.contract.toLowerCase(), 20);
  const root = fromHex(anchor.proof.root, 32);
  const fromContract = receipt.logs.filter((l) => equalBytes(l.address, contract));
  if (fromContract.length === 0) {
    const seen = [...new Set(receipt.logs.map((l) => toHex(l.address)))];
    throw new EvmInclusionError("LOG_ADDRESS_MISMATCH", `no log of the receipt comes from ${anchor.contract.toLowerCase()} (${seen.length > 0 ? `logs from ${seen.join(", ")}` : "no logs"})`);
  }
  const topic0 = fromHex(ANCHORED_EVENT_TOPIC, 32);
  const events = fromContract.filter((l) => l.topics.length === 3 && equalBytes(l.topics[0] as Uint8Array, topic0));
  if (events.length === 0) throw new EvmInclusionError("LOG_EVENT_MISMATCH", `the logs of ${anchor.contract.toLowerCase()} hold no Anchored(bytes32,uint64,address) event`);
  const ofRoot = events.filter((l) => equalBytes(l.topics[1] as Uint8Array, root));
  const event = ofRoot[0];
  if (!event) throw new EvmInclusionError("LOG_ROOT_MISMATCH", `the Anchored events are for ${events.map((l) => toHex(l.topics[1] as Uint8Array)).join(", ")}, not root ${anchor.proof.root}`);
  // ABI: the one non-indexed argument, uint64 treeSize, as a 32-byte word.
  const size = event.data.length === 32 && event.data.subarray(0, 24).every((b) => b === 0) ? bigintOf(event.data) : undefined;
  if (size !== BigInt(anchor.proof.treeSize)) {
    throw new EvmInclusionError("LOG_TREE_SIZE_MISMATCH", `the Anchored event of ${anchor.proof.root} ${size === undefined ? `has malformed data ${toHex(event.data).slice(0, 80)}` : `names ${size} leaves`}, the proof ${anchor.proof.treeSize}`);
  }
  const anchorer = toHex((event.topics[2] as Uint8Array).subarray(12));
  return {
    detail: `header of block ${header.number} hashes to ${header.hash} (${header.shape}, ${header.fieldCount} fields); its receipt trie holds transaction ${inc.txIndex}, which succeeded and logged Anchored(${anchor.proof.root}, ${anchor.proof.treeSize}) from ${anchor.contract.toLowerCase()} at ${headerTime.replace(/\.000Z$/, "Z")}`,
    blockNumber: header.number,
    blockHash: header.hash,
    blockTimestamp: header.timestamp,
    blockTime: headerTime,
    headerShape: header.shape,
    anchorer,
  };
}
