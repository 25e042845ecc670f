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
import type { EvmAnchor, Hex, ReceiptProof } from "./receipt.ts";
import { KNOWN_ANCHOR_CODE_HASHES } from "./trust/builds.ts";
import { parseUtcTime } from "./trust/time.ts";
import { bigintOf, decodeBlockHeader, decodeTransaction, decodeTransactionReceipt } from "./evm-inclusion/decode.ts";
import { parseEvmInclusion } from "./evm-inclusion/parse.ts";
import { EVM_INCLUSION_FORMAT, type EVM_INCLUSION_FORMAT_V2, type EvmInclusion, EvmInclusionError } from "./evm-inclusion/types.ts";

export {
  EVM_INCLUSION_FORMAT,
  EVM_INCLUSION_FORMAT_V2,
  EVM_INCLUSION_LIMITS,
  type EvmAccountProof,
  type EvmInclusion,
  EvmInclusionError,
  type EvmInclusionErrorCode,
  type EvmInclusionV1,
  type EvmInclusionV2,
} from "./evm-inclusion/types.ts";
export { decodeBlockHeader, type DecodedHeader, decodeTransaction, decodeTransactionReceipt } from "./evm-inclusion/decode.ts";
export { parseEvmInclusion } from "./evm-inclusion/parse.ts";
export { ANCHORED_EVENT_TOPIC } from "./anchor-event.ts";

/** keccak256 of empty code: the code hash of an account that has no code (an EOA). */
export const EMPTY_CODE_HASH: Hex = toHex(keccak_256(new Uint8Array()));

/**
 * The statements of an EVM anchor that the offline check holds the proof to. `txHash` is required by
 * `evm-receipt-proof/2` (which proves the transaction) and unused by /1.
 */
export type EvmInclusionClaim = Pick<EvmAnchor, "contract" | "blockNumber" | "blockHash" | "blockTime"> & {
  readonly txHash?: Hex;
  readonly proof: Pick<ReceiptProof, "root" | "treeSize">;
};

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
    throw new EvmInclusionError("INCLUSION_MALFORMED", `the inclusion or its anchor cannot be checked: ${e instanceof Error ? e.message : String(e)}`, {
      cause: e,
    });
  }
}

/** Proves `key` under `root` with `nodes`; `null` for a valid proof of absence; throws `invalid` otherwise. */
async function proveKey(key: Uint8Array, nodes: readonly Hex[], root: Uint8Array, invalid: () => EvmInclusionError): Promise<Uint8Array | null> {
  try {
    return await verifyMerkleProof(
      key,
      nodes.map((n) => fromHex(n)),
      { root },
    );
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
  const proven = await proveKey(
    key,
    inc.proof,
    header.receiptsRoot,
    () =>
      new EvmInclusionError("RECEIPT_PROOF_INVALID", `the proof does not lead from receiptsRoot ${toHex(header.receiptsRoot)} to transaction ${inc.txIndex}`),
  );
  if (proven === null)
    throw new EvmInclusionError("RECEIPT_NOT_IN_BLOCK", `the proof shows no receipt at index ${inc.txIndex} under receiptsRoot ${toHex(header.receiptsRoot)}`);
  const receiptBytes = fromHex(inc.receipt);
  if (!equalBytes(proven, receiptBytes)) {
    throw new EvmInclusionError(
      "RECEIPT_MISMATCH",
      `the proof leads to another receipt (keccak ${toHex(keccak_256(proven))}) than the one carried (keccak ${toHex(keccak_256(receiptBytes))})`,
    );
  }

  const receipt = decodeTransactionReceipt(receiptBytes);
  if (receipt.status !== 1)
    throw new EvmInclusionError("RECEIPT_FAILED", `transaction ${inc.txIndex} of block ${header.number} did not succeed (status ${receipt.status})`);
  const contractHex = anchor.contract.toLowerCase();
  const contract = fromHex(contractHex, 20);
  const root = fromHex(anchor.proof.root, 32);
  const fromContract = receipt.logs.filter((l) => equalBytes(l.address, contract));
  if (fromContract.length === 0) {
    const seen = [...new Set(receipt.logs.map((l) => toHex(l.address)))];
    throw new EvmInclusionError(
      "LOG_ADDRESS_MISMATCH",
      `no log of the receipt comes from ${contractHex} (${seen.length > 0 ? `logs from ${seen.slice(0, 5).join(", ")}` : "no logs"})`,
    );
  }
  const topic0 = fromHex(ANCHORED_EVENT_TOPIC, 32);
  const events = fromContract.filter((l) => l.topics.length === 3 && equalBytes(l.topics[0] as Uint8Array, topic0));
  if (events.length === 0) throw new EvmInclusionError("LOG_EVENT_MISMATCH", `the logs of ${contractHex} hold no Anchored(bytes32,uint64,address) event`);
  const ofRoot = events.filter((l) => equalBytes(l.topics[1] as Uint8Array, root));
  const event = ofRoot[0];
  if (!event)
    throw new EvmInclusionError(
      "LOG_ROOT_MISMATCH",
      `the Anchored events are for ${events
        .slice(0, 5)
        .map((l) => toHex(l.topics[1] as Uint8Array))
        .join(", ")}, not root ${anchor.proof.root}`,
    );
  // ABI: the one non-indexed argument, uint64 treeSize, as a 32-byte word.
  const size = event.data.length === 32 && event.data.subarray(0, 24).every((b) => b === 0) ? bigintOf(event.data) : undefined;
  if (size !== BigInt(anchor.proof.treeSize)) {
    throw new EvmInclusionError(
      "LOG_TREE_SIZE_MISMATCH",
      `the Anchored event of ${anchor.proof.root} ` +
        (size === undefined ? `has malformed data ${toHex(event.data).slice(0, 80)}` : `names ${size} leaves`) +
        `, the proof ${anchor.proof.treeSize}`,
    );
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
  const said =
    `header of block ${header.number} hashes to ${header.hash} (${header.shape}, ${header.fieldCount} fields); its receipt trie holds ` +
    `transaction ${inc.txIndex}, which succeeded and logged Anchored(${anchor.proof.root}, ${anchor.proof.treeSize}) from ${contractHex} at ${at}`;
  if (inc.format === EVM_INCLUSION_FORMAT) return { format: inc.format, detail: said, ...base };

  // evm-receipt-proof/2 — the transaction: its hash, its place in the block, its recipient.
  const txBytes = fromHex(inc.tx);
  const txHash = toHex(keccak_256(txBytes));
  if (anchor.txHash === undefined || txHash !== anchor.txHash.toLowerCase()) {
    throw new EvmInclusionError(
      "TX_HASH_MISMATCH",
      `the transaction carried hashes to ${txHash}, the anchor names ${anchor.txHash === undefined ? "no transaction" : String(anchor.txHash).slice(0, 66)}`,
    );
  }
  const provenTx = await proveKey(
    key,
    inc.txProof,
    header.transactionsRoot,
    () =>
      new EvmInclusionError(
        "TX_PROOF_INVALID",
        `the txProof does not lead from transactionsRoot ${toHex(header.transactionsRoot)} to transaction ${inc.txIndex}`,
      ),
  );
  if (provenTx === null)
    throw new EvmInclusionError(
      "TX_NOT_IN_BLOCK",
      `the txProof shows no transaction at index ${inc.txIndex} under transactionsRoot ${toHex(header.transactionsRoot)}`,
    );
  if (!equalBytes(provenTx, txBytes)) {
    throw new EvmInclusionError("TX_MISMATCH", `the txProof leads to another transaction (${toHex(keccak_256(provenTx))}) than the one carried (${txHash})`);
  }
  const tx = decodeTransaction(txBytes);
  // Sent to the contract itself: its code ran from the start of the transaction, and (EIP-6780) code that
  // existed before a transaction cannot be removed later in the block, so the code hash at the end of the
  // block (the account proof below) is the code that emitted the log.
  if (tx.to === null || !equalBytes(tx.to, contract)) {
    throw new EvmInclusionError(
      "TX_TARGET_MISMATCH",
      `transaction ${txHash} was sent to ${tx.to ? toHex(tx.to) : "no address (a contract creation)"}, not to ${contractHex}`,
    );
  }

  // The contract's account in the state after the block (EIP-1186): key keccak256(address).
  const acc = inc.account;
  const first = fromHex(acc.proof[0] as Hex);
  if (!equalBytes(keccak_256(first), header.stateRoot)) {
    throw new EvmInclusionError(
      "STATE_ROOT_MISMATCH",
      `the account proof starts from state root ${toHex(keccak_256(first))}, the header's stateRoot is ${toHex(header.stateRoot)}`,
    );
  }
  const account = await proveKey(
    keccak_256(contract),
    acc.proof,
    header.stateRoot,
    () => new EvmInclusionError("ACCOUNT_PROOF_INVALID", `the account proof does not lead from stateRoot ${toHex(header.stateRoot)} to ${contractHex}`),
  );
  if (account === null) throw new EvmInclusionError("CONTRACT_MISSING", `the state of block ${header.number} holds no account at ${contractHex}`);
  const stated = RLP.encode([BigInt(acc.nonce), BigInt(acc.balance), fromHex(acc.storageRoot, 32), fromHex(acc.codeHash, 32)]);
  if (!equalBytes(account, stated)) {
    throw new EvmInclusionError(
      "ACCOUNT_MISMATCH",
      `the account proof leads to another account of ${contractHex} than the nonce, balance, storageRoot and codeHash carried`,
    );
  }
  if (acc.codeHash === EMPTY_CODE_HASH) throw new EvmInclusionError("CONTRACT_MISSING", `the account at ${contractHex} has no code in block ${header.number}`);
  return {
    format: inc.format,
    detail:
      `${said}; its transaction trie holds that transaction, ${txHash} (type ${tx.type}), sent to ${contractHex}; in the state of the ` +
      `block ${contractHex} has code hash ${acc.codeHash}`,
    ...base,
    txHash,
    codeHash: acc.codeHash,
  };
}
