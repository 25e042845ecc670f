/**
 * Offline check of an EVM anchor (`anchors[i].inclusion`), with no node and no RPC.
 *
 * `evm-receipt-proof/1`: the block header (RLP) hashes to the anchor's `blockHash`; its `receiptsRoot`
 * leads, through a Merkle-Patricia proof, to the receipt of the anchoring transaction; that receipt
 * succeeded and carries the contract's `Anchored(root, treeSize, anchorer)` log for exactly this root
 * from exactly this address; the header's number and timestamp are the anchor's.
 *
 * `evm-receipt-proof/2` adds what /1 leaves open: the transaction itself (`tx`, proven under the header's
 * `transactionsRoot` at the same index, hashing to the anchor's `txHash` and sent to the contract), and
 * WHICH code emitted the log: an EIP-1186 account proof of the contract under the header's `stateRoot`
 * yields its `codeHash`, which the caller holds against the builds it trusts (`isKnownAnchorCode`).
 *
 * What this cannot establish is that `blockHash` is a canonical block of the named chain: anyone can
 * build a self-consistent header. That one outside fact is left to an RPC call, an explorer, or a
 * pinned list of trusted block hashes (checkpoints); `verifyReceipt` reports it.
 *
 * Every input is bounded (`EVM_INCLUSION_LIMITS`) before any hashing or decoding, so one check costs a
 * few milliseconds at most. RLP and the trie are read with the maintained @ethereumjs libraries (rlp,
 * mpt); keccak-256 is @noble/hashes. Nothing here does I/O.
 */
import { RLP } from "@ethereumjs/rlp";
import { verifyMerkleProof } from "@ethereumjs/mpt";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { ANCHORED_EVENT_TOPIC } from "./anchor-event.ts";
import { equalBytes, fromHex, toHex } from "./bytes.ts";
import { PriorProofError } from "./errors.ts";
import type { EvmAnchor, Hex, ReceiptProof } from "./receipt.ts";
import { KNOWN_ANCHOR_CODE_HASHES } from "./trust/builds.ts";
import { parseUtcTime } from "./trust/time.ts";

/** The format tag of the first inclusion section: header + receipt-trie proof. */
export const EVM_INCLUSION_FORMAT = "evm-receipt-proof/1";
/** The format tag of the second: /1 + the transaction and its transactions-trie proof + an EIP-1186 account proof. */
export const EVM_INCLUSION_FORMAT_V2 = "evm-receipt-proof/2";

/**
 * Size bounds of an inclusion section, in bytes (after hex decoding) and nodes. Keccak-256 in JavaScript
 * is the cost that matters (a few MB/s to a few tens of MB/s), so the bounds are those of a real anchor
 * with room to spare, and every byte accepted is hashed about twice at most. The receipt schema states
 * the per-field bounds too; the per-proof totals are the verifier's own (`INCLUSION_TOO_LARGE`).
 * - header: 8 KiB (mainnet and L2 headers are ~600 bytes; room for chains with long `extraData`);
 * - receipt and transaction: 4 KiB each (the anchor transaction is `anchor(bytes32,uint64)` sent to the
 *   contract, ~150 bytes; its receipt, one log and the bloom, ~550 bytes);
 * - receipt and transaction trie proofs: 1–64 nodes of at most 5 KiB (the leaf holds the value), 16 KiB in all;
 * - account proof: 1–64 nodes of at most 1 KiB (a branch node is at most 532 bytes), 16 KiB in all.
 */
export const EVM_INCLUSION_LIMITS = {
  headerBytes: 8_192,
  receiptBytes: 4_096,
  txBytes: 4_096,
  proofNodes: 64,
  trieNodeBytes: 5_120,
  trieProofBytes: 16_384,
  accountNodeBytes: 1_024,
  accountProofBytes: 16_384,
} as const;

/** `anchors[i].inclusion` of format `evm-receipt-proof/1`: what makes the anchor checkable with no node. */
export interface EvmInclusionV1 {
  readonly format: typeof EVM_INCLUSION_FORMAT;
  /** The block header, RLP-encoded with every field of the fork in force: keccak256(header) = blockHash. */
  readonly header: Hex;
  /** Position of the anchor transaction in the block (the trie key is RLP(txIndex)). */
  readonly txIndex: number;
  /** The receipt as the trie holds it (EIP-2718: type byte ‖ RLP, or RLP alone for legacy). */
  readonly receipt: Hex;
  /** Trie nodes from the root (hash = header.receiptsRoot) to the receipt's leaf. */
  readonly proof: readonly Hex[];
}

/** The contract's account at the anchoring block, as `eth_getProof(contract, [], block)` returns it (EIP-1186). */
export interface EvmAccountProof {
  /** Quantities as JSON-RPC writes them: lower-case 0x hex, no leading zeros (`0x0`, `0x1`). */
  readonly nonce: Hex;
  readonly balance: Hex;
  /** The account's storage trie root (`storageHash` in eth_getProof). */
  readonly storageRoot: Hex;
  /** keccak256 of the account's runtime code. */
  readonly codeHash: Hex;
  /** State-trie nodes from the root (hash = header.stateRoot) to the account's leaf, key keccak256(address). */
  readonly proof: readonly Hex[];
}

/** `anchors[i].inclusion` of format `evm-receipt-proof/2`. */
export interface EvmInclusionV2 extends Omit<EvmInclusionV1, "format"> {
  readonly format: typeof EVM_INCLUSION_FORMAT_V2;
  /** The signed transaction as the transactions trie holds it (EIP-2718 type ‖ payload, or RLP for legacy): keccak256(tx) = txHash. */
  readonly tx: Hex;
  /** Trie nodes from the root (hash = header.transactionsRoot) to the transaction's leaf, key RLP(txIndex). */
  readonly txProof: readonly Hex[];
  /** EIP-1186 proof of the contract's account under the header's stateRoot. */
  readonly account: EvmAccountProof;
}

/** Either format of the offline inclusion section. */
export type EvmInclusion = EvmInclusionV1 | EvmInclusionV2;

/**
 * Codes of the offline EVM inclusion check:
 * - `INCLUSION_MALFORMED`: the section is not the documented shape (format, hex fields, txIndex, account).
 * - `INCLUSION_TOO_LARGE`: a field, a proof or a node is larger than `EVM_INCLUSION_LIMITS` allows.
 * - `HEADER_MALFORMED`: the header is not an RLP list of 15 to 32 fields of the right sizes.
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
 * - `TX_HASH_MISMATCH` (/2): keccak256(tx) is not the anchor's `txHash`.
 * - `TX_PROOF_INVALID` (/2): the txProof nodes do not lead from the header's transactionsRoot to a value.
 * - `TX_NOT_IN_BLOCK` (/2): the txProof shows no transaction at txIndex in this block.
 * - `TX_MISMATCH` (/2): the txProof leads to other bytes than the transaction carried.
 * - `TX_MALFORMED` (/2): the transaction is not a legacy or type 1–4 transaction.
 * - `TX_TARGET_MISMATCH` (/2): the transaction was not sent to the anchor's contract.
 * - `STATE_ROOT_MISMATCH` (/2): the account proof starts from another state root than the header's.
 * - `ACCOUNT_PROOF_INVALID` (/2): the account proof nodes do not lead from the stateRoot to a value.
 * - `ACCOUNT_MISMATCH` (/2): the proof leads to another account than the nonce, balance, storageRoot, codeHash carried.
 * - `CONTRACT_MISSING` (/2): the state holds no account, or an account without code, at the contract's address.
 */
export type EvmInclusionErrorCode =
  | "INCLUSION_MALFORMED"
  | "INCLUSION_TOO_LARGE"
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
  | "LOG_TREE_SIZE_MISMATCH"
  | "TX_HASH_MISMATCH"
  | "TX_PROOF_INVALID"
  | "TX_NOT_IN_BLOCK"
  | "TX_MISMATCH"
  | "TX_MALFORMED"
  | "TX_TARGET_MISMATCH"
  | "STATE_ROOT_MISMATCH"
  | "ACCOUNT_PROOF_INVALID"
  | "ACCOUNT_MISMATCH"
  | "CONTRACT_MISSING";

/** An offline EVM inclusion proof that does not establish its anchor. */
export class EvmInclusionError extends PriorProofError {
  declare readonly code: EvmInclusionErrorCode;
  constructor(code: EvmInclusionErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

export { ANCHORED_EVENT_TOPIC } from "./anchor-event.ts";

/** keccak256 of empty code: the code hash of an account that has no code (an EOA). */
export const EMPTY_CODE_HASH: Hex = toHex(keccak_256(new Uint8Array()));

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

/**
 * The statements of an EVM anchor that the offline check holds the proof to. `txHash` is required by
 * `evm-receipt-proof/2` (which proves the transaction) and unused by /1.
 */
export type EvmInclusionClaim = Pick<EvmAnchor, "contract" | "blockNumber" | "blockHash" | "blockTime">
  & { readonly txHash?: Hex; readonly proof: Pick<ReceiptProof, "root" | "treeSize"> };

/**
 * What the offline check read from the header and the proofs: every value here comes from the proven
 * bytes, never from the claim (which only has to agree with them).
 */
export interface EvmInclusionResult {
  readonly format: typeof EVM_INCLUSION_FORMAT | typeof EVM_INCLUSION_FORMAT_V2;
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
  /** keccak256 of the proven transaction (/2 only). */
  readonly txHash?: Hex;
  /** The code hash of the contract's account in the state of the block (/2 only): hold it against the trusted builds. */
  readonly codeHash?: Hex;
}

/**
 * Whether `codeHash` is the runtime code of a released EvidenceAnchor build (`KNOWN_ANCHOR_CODE_HASHES`,
 * trust/builds.ts) or one the user trusts explicitly (`--trust-code-hash`). Case-insensitive.
 *
 * @example
 * const r = await verifyEvmInclusion(anchor.inclusion, anchor);
 * if (r.codeHash && !isKnownAnchorCode(r.codeHash)) throw new Error("unknown contract code");
 */
export function isKnownAnchorCode(codeHash: string, extraTrusted: Iterable<string> = []): boolean {
  const h = codeHash.toLowerCase();
  if (KNOWN_ANCHOR_CODE_HASHES.has(h)) return true;
  for (const t of extraTrusted) if (t.toLowerCase() === h) return true;
  return false;
}

/** A block header's fields that the check reads. */
export interface DecodedHeader {
  readonly hash: Hex;
  readonly fieldCount: number;
  readonly shape: string;
  readonly stateRoot: Uint8Array;
  readonly transactionsRoot: Uint8Array;
  readonly receiptsRoot: Uint8Array;
  readonly number: bigint;
  readonly timestamp: bigint;
}

function bigintOf(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt(toHex(bytes));
}

function tooLarge(what: string, size: number, max: number, unit = "bytes"): EvmInclusionError {
  return new EvmInclusionError("INCLUSION_TOO_LARGE", `${what} has ${size} ${unit}, more than the ${max} allowed`);
}

/**
 * Decodes an RLP block header and hashes it; throws `HEADER_MALFORMED` unless it is a list of 15 to 32
 * byte strings whose fixed-size fields have their sizes (`INCLUSION_TOO_LARGE` past 8 KiB).
 *
 * @example
 * decodeBlockHeader(fromHex(inclusion.header)).receiptsRoot // Uint8Array(32)
 */
export function decodeBlockHeader(header: Uint8Array): DecodedHeader {
  if (header.length > EVM_INCLUSION_LIMITS.headerBytes) throw tooLarge("header", header.length, EVM_INCLUSION_LIMITS.headerBytes);
  let values: unknown;
  try {
    values = RLP.decode(header);
  } catch (cause) {
    throw new EvmInclusionError("HEADER_MALFORMED", `header is not RLP: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
  if (!Array.isArray(values) || values.length < 15 || values.length > 32) {
    throw new EvmInclusionError("HEADER_MALFORMED", `header is not a list of 15 to 32 fields${Array.isArray(values) ? ` (${values.length})` : ""}`);
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
    stateRoot: f[3] as Uint8Array,
    transactionsRoot: f[4] as Uint8Array,
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

const BYTES_HEX = /^0x(?:[0-9a-f]{2})+$/;
const QUANTITY = (maxBytes: number) => new RegExp(`^0x(?:0|[1-9a-f][0-9a-f]{0,${maxBytes * 2 - 1}})$`);
const NONCE = QUANTITY(8);
const BALANCE = QUANTITY(32);

function malformed(at: string, why: string): EvmInclusionError {
  return new EvmInclusionError("INCLUSION_MALFORMED", `${at}: ${why}`);
}

/** A non-empty lower-case hex string of at most `max` bytes: the length is checked before the pattern. */
function bytesValue(v: unknown, at: string, max: number): void {
  if (typeof v !== "string") throw malformed(at, "expected lower-case 0x hex");
  if (v.length > 2 + 2 * max) throw tooLarge(at, Math.floor((v.length - 2) / 2), max);
  if (!BYTES_HEX.test(v)) throw malformed(at, "expected lower-case 0x hex");
}

function bytesField(o: Record<string, unknown>, key: string, at: string, max: number): void {
  bytesValue(o[key], `${at}.${key}`, max);
}

/** A list of 1 to 64 trie nodes, each at most `nodeMax` bytes, `totalMax` bytes in all. */
function nodesField(o: Record<string, unknown>, key: string, at: string, nodeMax: number, totalMax: number): void {
  const v = o[key];
  if (!Array.isArray(v) || v.length === 0) throw malformed(`${at}.${key}`, `expected 1 to ${EVM_INCLUSION_LIMITS.proofNodes} trie nodes`);
  if (v.length > EVM_INCLUSION_LIMITS.proofNodes) throw tooLarge(`${at}.${key}`, v.length, EVM_INCLUSION_LIMITS.proofNodes, "nodes");
  let total = 0;
  for (let i = 0; i < v.length; i++) {
    bytesValue(v[i], `${at}.${key}[${i}]`, nodeMax);
    total += ((v[i] as string).length - 2) / 2;
  }
  if (total > totalMax) throw tooLarge(`${at}.${key}`, total, totalMax);
}

function onlyKeys(o: Record<string, unknown>, at: string, keys: readonly string[]): void {
  for (const k of Object.keys(o)) if (!keys.includes(k)) throw malformed(`${at}.${k}`, "unknown field");
}

const V1_KEYS = ["format", "header", "txIndex", "receipt", "proof"] as const;
const V2_KEYS = [...V1_KEYS, "tx", "txProof", "account"] as const;
const ACCOUNT_KEYS = ["nonce", "balance", "storageRoot", "codeHash", "proof"] as const;

/**
 * Narrows an untrusted inclusion section of either format; throws `INCLUSION_MALFORMED` naming the first
 * bad field, or `INCLUSION_TOO_LARGE` naming the first field past `EVM_INCLUSION_LIMITS`.
 *
 * @example
 * const inc = parseEvmInclusion(anchor.inclusion);
 * inc.format // "evm-receipt-proof/2"
 */
export function parseEvmInclusion(doc: unknown): EvmInclusion {
  const L = EVM_INCLUSION_LIMITS;
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) throw malformed("inclusion", "expected an object");
  const o = doc as Record<string, unknown>;
  if (o.format !== EVM_INCLUSION_FORMAT && o.format !== EVM_INCLUSION_FORMAT_V2) {
    throw malformed("inclusion.format", `expected "${EVM_INCLUSION_FORMAT}" or "${EVM_INCLUSION_FORMAT_V2}", got ${JSON.stringify(o.format)?.slice(0, 40)}`);
  }
  const v2 = o.format === EVM_INCLUSION_FORMAT_V2;
  onlyKeys(o, "inclusion", v2 ? V2_KEYS : V1_KEYS);
  bytesField(o, "header", "inclusion", L.headerBytes);
  if (typeof o.txIndex !== "number" || !Number.isSafeInteger(o.txIndex) || o.txIndex < 0) throw malformed("inclusion.txIndex", "expected an integer ≥ 0");
  bytesField(o, "receipt", "inclusion", L.receiptBytes);
  nodesField(o, "proof", "inclusion", L.trieNodeBytes, L.trieProofBytes);
  if (v2) {
    bytesField(o, "tx", "inclusion", L.txBytes);
    nodesField(o, "txProof", "inclusion", L.trieNodeBytes, L.trieProofBytes);
    const a = o.account;
    if (typeof a !== "object" || a === null || Array.isArray(a)) throw malformed("inclusion.account", "expected an object");
    const acc = a as Record<string, unknown>;
    onlyKeys(acc, "inclusion.account", ACCOUNT_KEYS);
    if (typeof acc.nonce !== "string" || !NONCE.test(acc.nonce)) throw malformed("inclusion.account.nonce", "expected a 0x hex quantity of at most 8 bytes");
    if (typeof acc.balance !== "string" || !BALANCE.test(acc.balance)) throw malformed("inclusion.account.balance", "expected a 0x hex quantity of at most 32 bytes");
    for (const k of ["storageRoot", "codeHash"]) {
      const h = acc[k];
      if (typeof h !== "string" || h.length !== 66 || !BYTES_HEX.test(h)) throw malformed(`inclusion.account.${k}`, "expected 32 bytes of lower-case 0x hex");
    }
    nodesField(acc, "proof", "inclusion.account", L.accountNodeBytes, L.accountProofBytes);
  }
  return doc as EvmInclusion;
}

/**
 * Decodes a signed transaction as the transactions trie holds it and returns its type and recipient:
 * legacy `RLP([nonce, gasPrice, gas, to, value, data, v, r, s])`, or `type ‖ RLP([...])` for EIP-2930
 * (1), EIP-1559 (2), EIP-4844 (3) and EIP-7702 (4). Throws `TX_MALFORMED` for anything else.
 *
 * @example
 * decodeTransaction(fromHex(inclusion.tx)).to // Uint8Array(20), the contract called
 */
export function decodeTransaction(bytes: Uint8Array): { type: number; to: Uint8Array | null } {
  // Field count and position of `to` per type (EIP-155 legacy, EIP-2930, EIP-1559, EIP-4844, EIP-7702).
  const SHAPE: Readonly<Record<number, readonly [fields: number, to: number]>> = { 0: [9, 3], 1: [11, 4], 2: [12, 5], 3: [14, 5], 4: [13, 5] };
  const first = bytes[0];
  if (first === undefined) throw new EvmInclusionError("TX_MALFORMED", "transaction is empty");
  const type = first >= 0xc0 ? 0 : first;
  const shape = SHAPE[type];
  if (!shape || (type !== 0 && first >= 0x80)) throw new EvmInclusionError("TX_MALFORMED", `transaction type 0x${first.toString(16)} is not legacy or 1–4`);
  let values: unknown;
  try {
    values = RLP.decode(type === 0 ? bytes : bytes.subarray(1));
  } catch (cause) {
    throw new EvmInclusionError("TX_MALFORMED", `transaction is not RLP: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
  if (!Array.isArray(values) || values.length !== shape[0]) {
    throw new EvmInclusionError("TX_MALFORMED", `type ${type} transaction is not a list of ${shape[0]} fields`);
  }
  const to = values[shape[1]] as unknown;
  if (!(to instanceof Uint8Array) || (to.length !== 20 && !(to.length === 0 && type <= 2))) {
    throw new EvmInclusionError("TX_MALFORMED", `type ${type} transaction has no 20-byte recipient`);
  }
  return { type, to: to.length === 0 ? null : to };
}

/**
 * Verifies an EVM anchor's inclusion section with no node: header hash, number and time; the receipt
 * proof from `receiptsRoot`; the receipt's success and its `Anchored(root, treeSize, anchorer)` log from
 * the anchor's contract; for `evm-receipt-proof/2` also the transaction (hash, proof from
 * `transactionsRoot`, recipient) and the contract's account from `stateRoot`, whose `codeHash` it
 * returns. Throws `EvmInclusionError` with the first failing step's code, and nothing else.
 *
 * It does not judge the code hash (see `isKnownAnchorCode`), and it does not (cannot) establish that
 * `anchor.blockHash` is canonical on chain `anchor.chainId`: that is the one outside fact left (see
 * `verifyReceipt`'s `checkpoints` and `remaining`).
 *
 * @example
 * const r = await verifyEvmInclusion(anchor.inclusion, anchor);
 * r.blockTimestamp // 1795939201n
 * r.codeHash && isKnownAnchorCode(r.codeHash) // true for a released EvidenceAnchor build
 */
export async function verifyEvmInclusion(inclusion: unknown, anchor: EvmInclusionClaim): Promise<EvmInclusionResult> {
  try {
    return await checkEvmInclusion(parseEvmInclusion(inclusion), anchor);
  } catch (e) {
    if (e instanceof EvmInclusionError) throw e;
    // A section or claim the caller did not validate (no receipt schema in front, values no JSON can
    // hold): still one of this module's codes, never another exception.
    throw new EvmInclusionError("INCLUSION_MALFORMED", `the inclusion or its anchor cannot be checked: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}

/** Proves `key` under `root` with `nodes`; `null` for a valid proof of absence; throws `invalid` otherwise. */
async function proveKey(key: Uint8Array, nodes: readonly Hex[], root: Uint8Array, invalid: () => EvmInclusionError): Promise<Uint8Array | null> {
  try {
    return await verifyMerkleProof(key, nodes.map((n) => fromHex(n)), { root });
  } catch (cause) {
    const e = invalid();
    throw new EvmInclusionError(e.code, e.message, { cause });
  }
}

function isoOf(seconds: bigint): string {
  // Header timestamps beyond what a Date holds are not a time at all: reported, never thrown as RangeError.
  const ms = Number(seconds) * 1000;
  return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : `${seconds} s`;
}

async function checkEvmInclusion(inc: EvmInclusion, anchor: EvmInclusionClaim): Promise<EvmInclusionResult> {
  const headerBytes = fromHex(inc.header);
  const header = decodeBlockHeader(headerBytes);
  if (header.hash !== anchor.blockHash.toLowerCase()) {
    throw new EvmInclusionError("HEADER_HASH_MISMATCH", `header hashes to ${header.hash}, the anchor names block ${anchor.blockHash}`);
  }
  if (header.number !== BigInt(anchor.blockNumber)) {
    throw new EvmInclusionError("HEADER_NUMBER_MISMATCH", `header is block ${header.number}, the anchor says ${anchor.blockNumber}`);
  }
  const headerTime = isoOf(header.timestamp);
  // Strict RFC 3339: a rolled-over date (2026-11-31) is no time, so it can never equal the header's.
  let statedMs: number | undefined;
  try {
    statedMs = parseUtcTime(anchor.blockTime);
  } catch {
    statedMs = undefined;
  }
  if (statedMs === undefined || BigInt(statedMs) !== header.timestamp * 1000n) {
    throw new EvmInclusionError("HEADER_TIME_MISMATCH", `header time is ${headerTime}, the anchor says ${String(anchor.blockTime).slice(0, 40)}`);
  }

  // The receipt and transaction tries' key is RLP(transaction index), unhashed (Yellow Paper §4.3.1).
  const key = RLP.encode(inc.txIndex);
  const proven = await proveKey(key, inc.proof, header.receiptsRoot, () => new EvmInclusionError("RECEIPT_PROOF_INVALID", `the proof does not lead from receiptsRoot ${toHex(header.receiptsRoot)} to transaction ${inc.txIndex}`));
  if (proven === null) throw new EvmInclusionError("RECEIPT_NOT_IN_BLOCK", `the proof shows no receipt at index ${inc.txIndex} under receiptsRoot ${toHex(header.receiptsRoot)}`);
  const receiptBytes = fromHex(inc.receipt);
  if (!equalBytes(proven, receiptBytes)) {
    throw new EvmInclusionError("RECEIPT_MISMATCH", `the proof leads to another receipt (keccak ${toHex(keccak_256(proven))}) than the one carried (keccak ${toHex(keccak_256(receiptBytes))})`);
  }

  const receipt = decodeTransactionReceipt(receiptBytes);
  if (receipt.status !== 1) throw new EvmInclusionError("RECEIPT_FAILED", `transaction ${inc.txIndex} of block ${header.number} did not succeed (status ${receipt.status})`);
  const contractHex = anchor.contract.toLowerCase();
  const contract = fromHex(contractHex, 20);
  const root = fromHex(anchor.proof.root, 32);
  const fromContract = receipt.logs.filter((l) => equalBytes(l.address, contract));
  if (fromContract.length === 0) {
    const seen = [...new Set(receipt.logs.map((l) => toHex(l.address)))];
    throw new EvmInclusionError("LOG_ADDRESS_MISMATCH", `no log of the receipt comes from ${contractHex} (${seen.length > 0 ? `logs from ${seen.slice(0, 5).join(", ")}` : "no logs"})`);
  }
  const topic0 = fromHex(ANCHORED_EVENT_TOPIC, 32);
  const events = fromContract.filter((l) => l.topics.length === 3 && equalBytes(l.topics[0] as Uint8Array, topic0));
  if (events.length === 0) throw new EvmInclusionError("LOG_EVENT_MISMATCH", `the logs of ${contractHex} hold no Anchored(bytes32,uint64,address) event`);
  const ofRoot = events.filter((l) => equalBytes(l.topics[1] as Uint8Array, root));
  const event = ofRoot[0];
  if (!event) throw new EvmInclusionError("LOG_ROOT_MISMATCH", `the Anchored events are for ${events.slice(0, 5).map((l) => toHex(l.topics[1] as Uint8Array)).join(", ")}, not root ${anchor.proof.root}`);
  // ABI: the one non-indexed argument, uint64 treeSize, as a 32-byte word.
  const size = event.data.length === 32 && event.data.subarray(0, 24).every((b) => b === 0) ? bigintOf(event.data) : undefined;
  if (size !== BigInt(anchor.proof.treeSize)) {
    throw new EvmInclusionError("LOG_TREE_SIZE_MISMATCH", `the Anchored event of ${anchor.proof.root} ${size === undefined ? `has malformed data ${toHex(event.data).slice(0, 80)}` : `names ${size} leaves`}, the proof ${anchor.proof.treeSize}`);
  }
  const anchorer = toHex((event.topics[2] as Uint8Array).subarray(12));
  const at = headerTime.replace(/\.000Z$/, "Z");
  const base = {
    blockNumber: header.number,
    blockHash: header.hash,
    blockTimestamp: header.timestamp,
    blockTime: headerTime,
    headerShape: header.shape,
    anchorer,
  };
  const said = `header of block ${header.number} hashes to ${header.hash} (${header.shape}, ${header.fieldCount} fields); its receipt trie holds transaction ${inc.txIndex}, which succeeded and logged Anchored(${anchor.proof.root}, ${anchor.proof.treeSize}) from ${contractHex} at ${at}`;
  if (inc.format === EVM_INCLUSION_FORMAT) return { format: inc.format, detail: said, ...base };

  // evm-receipt-proof/2 — the transaction: its hash, its place in the block, its recipient.
  const txBytes = fromHex(inc.tx);
  const txHash = toHex(keccak_256(txBytes));
  if (anchor.txHash === undefined || txHash !== anchor.txHash.toLowerCase()) {
    throw new EvmInclusionError("TX_HASH_MISMATCH", `the transaction carried hashes to ${txHash}, the anchor names ${anchor.txHash === undefined ? "no transaction" : String(anchor.txHash).slice(0, 66)}`);
  }
  const provenTx = await proveKey(key, inc.txProof, header.transactionsRoot, () => new EvmInclusionError("TX_PROOF_INVALID", `the txProof does not lead from transactionsRoot ${toHex(header.transactionsRoot)} to transaction ${inc.txIndex}`));
  if (provenTx === null) throw new EvmInclusionError("TX_NOT_IN_BLOCK", `the txProof shows no transaction at index ${inc.txIndex} under transactionsRoot ${toHex(header.transactionsRoot)}`);
  if (!equalBytes(provenTx, txBytes)) {
    throw new EvmInclusionError("TX_MISMATCH", `the txProof leads to another transaction (${toHex(keccak_256(provenTx))}) than the one carried (${txHash})`);
  }
  const tx = decodeTransaction(txBytes);
  // Sent to the contract itself: its code ran from the start of the transaction, and (EIP-6780) code that
  // existed before a transaction cannot be removed later in the block, so the code hash at the end of the
  // block (the account proof below) is the code that emitted the log.
  if (tx.to === null || !equalBytes(tx.to, contract)) {
    throw new EvmInclusionError("TX_TARGET_MISMATCH", `transaction ${txHash} was sent to ${tx.to ? toHex(tx.to) : "no address (a contract creation)"}, not to ${contractHex}`);
  }

  // The contract's account in the state after the block (EIP-1186): key keccak256(address).
  const acc = inc.account;
  const first = fromHex(acc.proof[0] as Hex);
  if (!equalBytes(keccak_256(first), header.stateRoot)) {
    throw new EvmInclusionError("STATE_ROOT_MISMATCH", `the account proof starts from state root ${toHex(keccak_256(first))}, the header's stateRoot is ${toHex(header.stateRoot)}`);
  }
  const account = await proveKey(keccak_256(contract), acc.proof, header.stateRoot, () => new EvmInclusionError("ACCOUNT_PROOF_INVALID", `the account proof does not lead from stateRoot ${toHex(header.stateRoot)} to ${contractHex}`));
  if (account === null) throw new EvmInclusionError("CONTRACT_MISSING", `the state of block ${header.number} holds no account at ${contractHex}`);
  const stated = RLP.encode([BigInt(acc.nonce), BigInt(acc.balance), fromHex(acc.storageRoot, 32), fromHex(acc.codeHash, 32)]);
  if (!equalBytes(account, stated)) {
    throw new EvmInclusionError("ACCOUNT_MISMATCH", `the account proof leads to another account of ${contractHex} than the nonce, balance, storageRoot and codeHash carried`);
  }
  if (acc.codeHash === EMPTY_CODE_HASH) throw new EvmInclusionError("CONTRACT_MISSING", `the account at ${contractHex} has no code in block ${header.number}`);
  return {
    format: inc.format,
    detail: `${said}; its transaction trie holds that transaction, ${txHash} (type ${tx.type}), sent to ${contractHex}; in the state of the block ${contractHex} has code hash ${acc.codeHash}`,
    ...base,
    txHash,
    codeHash: acc.codeHash,
  };
}
