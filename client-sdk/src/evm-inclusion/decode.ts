/**
 * Decoders of the bytes an offline EVM inclusion proof carries: the block header, the transaction
 * receipt and the signed transaction, each bounded and checked for shape before it is read (RLP with
 * @ethereumjs/rlp, keccak-256 with @noble/hashes).
 */
import { RLP } from "@ethereumjs/rlp";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { toHex } from "../bytes.ts";
import type { Hex } from "../receipt.ts";
import { EVM_INCLUSION_LIMITS, EvmInclusionError, tooLarge } from "./types.ts";

/**
 * Header fields by position (Yellow Paper §4.3, then the EIPs that appended fields). Positions 0–14 are
 * every fork's; a fork only appends. Sizes are checked where they are fixed.
 */
const HEADER_FIELDS = [
  ["parentHash", 32],
  ["ommersHash", 32],
  ["coinbase", 20],
  ["stateRoot", 32],
  ["transactionsRoot", 32],
  ["receiptsRoot", 32],
  ["logsBloom", 256],
  ["difficulty"],
  ["number"],
  ["gasLimit"],
  ["gasUsed"],
  ["timestamp"],
  ["extraData"],
  ["mixHash", 32],
  ["nonce", 8],
  ["baseFeePerGas"], // EIP-1559 (London)
  ["withdrawalsRoot", 32], // EIP-4895 (Shanghai)
  ["blobGasUsed"],
  ["excessBlobGas"], // EIP-4844 (Cancun)
  ["parentBeaconBlockRoot", 32], // EIP-4788 (Cancun)
  ["requestsHash", 32], // EIP-7685 (Prague)
] as const;

/** The newest fork whose header has exactly this many fields. */
const SHAPES: Readonly<Record<number, string>> = { 15: "frontier–berlin", 16: "london–paris", 17: "shanghai", 20: "cancun", 21: "prague–osaka" };

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

/** A big-endian unsigned integer (RLP's encoding of a quantity). */
export function bigintOf(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt(toHex(bytes));
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
