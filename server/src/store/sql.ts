/**
 * SQL shared by the SQLite and PostgreSQL stores (both dialects accept it as written; positional
 * parameters are `?` here and are renumbered for PostgreSQL).
 */
import type { BatchPatch, BatchStatus, ReplicaRecord } from "./types.ts";

/** Batch fields that `updateBatch` may change, and their columns. */
export const BATCH_COLUMNS: Readonly<Record<keyof BatchPatch, string>> = {
  status: "status", txHash: "tx_hash", nonce: "nonce", rawTx: "raw_tx", sentAt: "sent_at", blockNumber: "block_number",
  blockHash: "block_hash", blockTime: "block_time", anchoredAt: "anchored_at", confirmedAt: "confirmed_at",
  attempts: "attempts", lastError: "last_error", inclusion: "inclusion",
};

/**
 * Recomputes the status of the entries of one batch: pending while queued on any chain, otherwise the
 * least advanced of their batches (built/sending/sent count as batched). One parameter: the batch id.
 */
export const ENTRY_STATUS_FROM_BATCHES = `
UPDATE entries SET status = CASE
  WHEN EXISTS (SELECT 1 FROM pending_entries p WHERE p.entry_seq = entries.seq) THEN 'pending'
  ELSE (SELECT CASE MIN(CASE b.status WHEN 'confirmed' THEN 3 WHEN 'anchored' THEN 2 ELSE 1 END)
          WHEN 3 THEN 'confirmed' WHEN 2 THEN 'anchored' ELSE 'batched' END
        FROM batch_entries be JOIN batches b ON b.id = be.batch_id WHERE be.entry_seq = entries.seq)
END
WHERE seq IN (SELECT entry_seq FROM batch_entries WHERE batch_id = ?)`;

/**
 * Whether a batch moving from `from` to `to` can change its entries' status: built, sending and sent
 * all mean `batched` to an entry, so only moves into or out of anchored/confirmed need
 * {@link ENTRY_STATUS_FROM_BATCHES} (which rewrites every entry row of the batch).
 */
export function changesEntryStatus(from: BatchStatus, to: BatchStatus | undefined): boolean {
  if (to === undefined || to === from) return false;
  const category = (s: BatchStatus) => (s === "anchored" || s === "confirmed" ? s : "batched");
  return category(from) !== category(to);
}

/** A `replicas` row as a record (either driver's row object). */
export function toReplica(r: Readonly<Record<string, unknown>>): ReplicaRecord {
  return {
    cid: String(r.cid), target: String(r.target), kind: r.kind as ReplicaRecord["kind"],
    requestId: r.request_id === null || r.request_id === undefined ? null : String(r.request_id),
    status: r.status as ReplicaRecord["status"], attempts: Number(r.attempts),
    lastError: r.last_error === null || r.last_error === undefined ? null : String(r.last_error),
    nextAttemptAt: Number(r.next_attempt_at), updatedAt: String(r.updated_at),
  };
}
