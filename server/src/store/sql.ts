/**
 * SQL shared by the SQLite and PostgreSQL stores (both dialects accept it as written; positional
 * parameters are `?` here and are renumbered for PostgreSQL).
 */
import type {
  ApiKeyRecord,
  BatchPatch,
  BatchRecord,
  BatchStatus,
  EntryRecord,
  EntryStatus,
  IdempotencyRecord,
  NewEntry,
  NewIdempotencyKey,
  ReplicaRecord,
  Tenant,
} from "./types.ts";

type Row = Readonly<Record<string, unknown>>;

/** A tenants row. */
export function tenantOf(r: Row): Tenant {
  return {
    id: String(r.id),
    name: String(r.name),
    createdAt: String(r.created_at),
    certificateJurisdiction: r.certificate_jurisdiction == null ? null : String(r.certificate_jurisdiction),
  };
}

/**
 * Whether a tenant owns a stored block (parameters: multihash hex, tenant id, tenant id): a recorded
 * block (dag_blocks, migration 4) of the DAG under the root CID of one of the tenant's entries, or of
 * one of the parts of its web captures (capture_parts, migration 10).
 */
export const OWNS_BLOCK = `SELECT 1 AS found FROM dag_blocks b WHERE b.multihash = ? AND (
  EXISTS (SELECT 1 FROM entries e WHERE e.cid = b.root_cid AND e.tenant_id = ?)
  OR EXISTS (SELECT 1 FROM capture_parts p WHERE p.cid = b.root_cid AND p.tenant_id = ?)) LIMIT 1`;

/**
 * Whether a stored block may be served to the IPFS network (parameter: multihash hex): a recorded block
 * (dag_blocks) of the DAG under the root CID of an entry stored public (migration 13).
 */
export const IS_PUBLIC_BLOCK = `SELECT 1 AS found FROM dag_blocks b WHERE b.multihash = ?
  AND EXISTS (SELECT 1 FROM entries e WHERE e.cid = b.root_cid AND e.public = 1) LIMIT 1`;

/** Batch fields that `updateBatch` may change, and their columns. */
export const BATCH_COLUMNS: Readonly<Record<keyof BatchPatch, string>> = {
  status: "status",
  txHash: "tx_hash",
  nonce: "nonce",
  rawTx: "raw_tx",
  sentAt: "sent_at",
  blockNumber: "block_number",
  blockHash: "block_hash",
  blockTime: "block_time",
  anchoredAt: "anchored_at",
  confirmedAt: "confirmed_at",
  attempts: "attempts",
  lastError: "last_error",
  inclusion: "inclusion",
};

/**
 * Recomputes the status of the entries of one batch: pending while queued on any chain, otherwise the
 * least advanced of their batches (built/sending/sent count as batched). One parameter: the batch id.
 */
export const ENTRY_STATUS_FROM_BATCHES = `
UPDATE entries SET status = ${entryStatusOf("entries")}
WHERE seq IN (SELECT entry_seq FROM batch_entries WHERE batch_id = ?)`;

/** The status an entry row (`alias`) has by its queue rows and batches (see ENTRY_STATUS_FROM_BATCHES). */
export function entryStatusOf(alias: string): string {
  return `CASE
  WHEN EXISTS (SELECT 1 FROM pending_entries p WHERE p.entry_seq = ${alias}.seq) THEN 'pending'
  ELSE (SELECT CASE MIN(CASE b.status WHEN 'confirmed' THEN 3 WHEN 'anchored' THEN 2 ELSE 1 END)
          WHEN 3 THEN 'confirmed' WHEN 2 THEN 'anchored' ELSE 'batched' END
        FROM batch_entries be JOIN batches b ON b.id = be.batch_id WHERE be.entry_seq = ${alias}.seq)
END`;
}

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
    cid: String(r.cid),
    target: String(r.target),
    kind: r.kind as ReplicaRecord["kind"],
    requestId: r.request_id === null || r.request_id === undefined ? null : String(r.request_id),
    status: r.status as ReplicaRecord["status"],
    attempts: Number(r.attempts),
    lastError: r.last_error === null || r.last_error === undefined ? null : String(r.last_error),
    nextAttemptAt: Number(r.next_attempt_at),
    updatedAt: String(r.updated_at),
  };
}

const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/** An `entries` row as a record (either driver's row object). */
export function toEntry(r: Row): EntryRecord {
  return {
    seq: Number(r.seq),
    id: String(r.id),
    tenantId: String(r.tenant_id),
    sha256: String(r.sha256),
    sha3_256: str(r.sha3_256),
    size: num(r.size),
    name: str(r.name),
    mediaType: str(r.media_type),
    cid: str(r.cid),
    cidProfile: str(r.cid_profile),
    pinStatus: String(r.pin_status),
    claim: str(r.claim),
    claimSha256: str(r.claim_sha256),
    previous: str(r.previous),
    leafSalt: String(r.leaf_salt),
    leafHash: String(r.leaf_hash),
    status: String(r.status) as EntryStatus,
    receivedAt: String(r.received_at),
    requestId: str(r.request_id),
    pinAttempts: Number(r.pin_attempts ?? 0),
    pinError: str(r.pin_error),
    pinSpool: str(r.pin_spool),
    leafVersion: Number(r.leaf_version ?? 1) === 2 ? 2 : 1,
    signature: str(r.signature),
    encryption: str(r.encryption),
    contentSha256: str(r.content_sha256),
    public: Number(r.public ?? 0) === 1,
  };
}

/** A `batches` row as a record. */
export function toBatch(r: Row): BatchRecord {
  return {
    id: Number(r.id),
    chainId: Number(r.chain_id),
    root: String(r.root),
    treeSize: Number(r.tree_size),
    status: String(r.status) as BatchStatus,
    createdAt: String(r.created_at),
    txHash: str(r.tx_hash),
    nonce: num(r.nonce),
    rawTx: str(r.raw_tx),
    sentAt: str(r.sent_at),
    blockNumber: num(r.block_number),
    blockHash: str(r.block_hash),
    blockTime: str(r.block_time),
    anchoredAt: str(r.anchored_at),
    confirmedAt: str(r.confirmed_at),
    attempts: Number(r.attempts),
    lastError: str(r.last_error),
    inclusion: str(r.inclusion),
  };
}

/** An `api_keys` row as a record. */
export function toKey(r: Row): ApiKeyRecord {
  return { id: String(r.id), tenantId: String(r.tenant_id), label: str(r.label), createdAt: String(r.created_at), revokedAt: str(r.revoked_at) };
}

/** An insert call waiting for the next group commit. */
export interface QueuedInsert {
  readonly entries: readonly NewEntry[];
  readonly chainIds: readonly number[];
  /** Recorded in the same transaction (savepoint) as the entries. */
  readonly idempotency?: NewIdempotencyKey;
  readonly resolve: (records: EntryRecord[]) => void;
  readonly reject: (error: unknown) => void;
}

/** An `idempotency_keys` row as a record. */
export function toIdempotency(r: Row): IdempotencyRecord {
  return {
    tenantId: String(r.tenant_id),
    key: String(r.idem_key),
    fingerprint: String(r.fingerprint),
    status: Number(r.status),
    entryIds: JSON.parse(String(r.entry_ids)) as string[],
    createdAt: String(r.created_at),
  };
}
