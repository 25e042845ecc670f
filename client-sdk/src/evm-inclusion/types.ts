/**
 * The offline EVM inclusion section's formats, bounds and error codes (see evm-inclusion.ts).
 */
import { PriorProofError } from "../errors.ts";
import type { Hex } from "../receipt.ts";

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

/** `INCLUSION_TOO_LARGE` for `what`. */
export function tooLarge(what: string, size: number, max: number, unit = "bytes"): EvmInclusionError {
  return new EvmInclusionError("INCLUSION_TOO_LARGE", `${what} has ${size} ${unit}, more than the ${max} allowed`);
}
