/**
 * The storage interface of the service. The embedded SQLite backend (sqlite.ts) and the PostgreSQL
 * backend implement it with the same migrations and the same behaviour; services depend only on this.
 *
 * Every method that writes resolves only after the write is durable (committed and synced), because
 * the service acknowledges only what is durable.
 */
import { InternalError } from "../errors.ts";
import type { CaptureStore } from "./captures.ts";
import type { ConsoleStore } from "./console.ts";

export type EntryStatus = "pending" | "batched" | "anchored" | "confirmed";
export type BatchStatus = "built" | "sending" | "sent" | "anchored" | "confirmed";

export interface Tenant {
  readonly id: string;
  readonly name: string;
  readonly createdAt: string;
  /** Legal text of the tenant's certificates when a request names none (`cn`, `us`, `eu`); null: the instance default. */
  readonly certificateJurisdiction?: string | null;
}

export interface ApiKeyRecord {
  readonly id: string;
  readonly tenantId: string;
  readonly label: string | null;
  readonly createdAt: string;
  readonly revokedAt: string | null;
}

/** What ingest hands the store for one new entry. */
export interface NewEntry {
  readonly id: string;
  readonly tenantId: string;
  readonly sha256: string;
  readonly sha3_256: string | null;
  readonly size: number | null;
  readonly name: string | null;
  readonly mediaType: string | null;
  readonly cid: string | null;
  readonly cidProfile: string | null;
  /**
   * none (hash-only) | pinned | pending (IPFS was unavailable: the bytes are spooled under the data
   * dir, awaiting the pin retry worker) | failed (no IPFS configured, or the content could not be kept).
   */
  readonly pinStatus: string;
  /** Pin attempts made so far (the upload's own import counts as the first). */
  readonly pinAttempts?: number;
  /** Stable code of the last pin failure (e.g. IPFS_UNAVAILABLE), or null. */
  readonly pinError?: string | null;
  /** File name of the spooled content under the spool directory, while `pinStatus` is pending. */
  readonly pinSpool?: string | null;
  /** Canonical JSON (RFC 8785) of the claim, or null. */
  readonly claim: string | null;
  readonly claimSha256: string | null;
  readonly previous: string | null;
  /** The entry's random leaf salt (16 bytes, 0x hex). */
  readonly leafSalt: string;
  readonly leafHash: string;
  readonly receivedAt: string;
  readonly requestId: string | null;
  /** Leaf encoding version: 2 (priorproof-leaf/2, what ingest writes) or 1 (rows written before it; the default). */
  readonly leafVersion?: 1 | 2;
  /** The content is published: the embedded IPFS node serves its blocks to the network (migration 13; default false). */
  readonly public?: boolean;
  /** Canonical JSON (RFC 8785) of the claimant signature object committed in a leaf/2, or null. */
  readonly signature?: string | null;
  /**
   * Client-side encryption scheme of the stored content (`priorproof-aead/1`), or null. When set, `sha256`,
   * `sha3_256` and `size` are the plaintext's as the client stated them, and `cid` names the ciphertext.
   */
  readonly encryption?: string | null;
  /** SHA-256 of the stored bytes when they differ from the evidence (the ciphertext of an encrypted upload), else null. */
  readonly contentSha256?: string | null;
}

export interface EntryRecord extends NewEntry {
  readonly seq: number;
  readonly status: EntryStatus;
  readonly pinAttempts: number;
  readonly pinError: string | null;
  readonly pinSpool: string | null;
  readonly leafVersion: 1 | 2;
  readonly signature: string | null;
  readonly encryption: string | null;
  readonly contentSha256: string | null;
}

/** Per-tenant settings (defaults when never set). */
export interface TenantSettings {
  /** Unsigned stamps and uploads are refused with 400 SIGNATURE_REQUIRED. */
  readonly requireSignedClaims: boolean;
  /** Uploads are published to the IPFS network unless the request says `public=false` (default false). */
  readonly publicContent?: boolean;
}

/** The outcome of one pin retry of a spooled upload. */
export type PinOutcome =
  | { readonly pinned: true; readonly cid: string; readonly cidProfile: string }
  | { readonly pinned: false; readonly error: string; readonly final: boolean };

export interface BatchRecord {
  readonly id: number;
  readonly chainId: number;
  readonly root: string;
  readonly treeSize: number;
  readonly status: BatchStatus;
  readonly createdAt: string;
  readonly txHash: string | null;
  readonly nonce: number | null;
  /** Signed raw transaction, kept so that it can be re-broadcast unchanged after a crash. */
  readonly rawTx: string | null;
  readonly sentAt: string | null;
  readonly blockNumber: number | null;
  readonly blockHash: string | null;
  readonly blockTime: string | null;
  readonly anchoredAt: string | null;
  readonly confirmedAt: string | null;
  readonly attempts: number;
  readonly lastError: string | null;
  /** JSON of the offline EVM inclusion proof (block header + receipt-trie proof), when captured. */
  readonly inclusion: string | null;
}

export type BatchPatch = Partial<Omit<BatchRecord, "id" | "chainId" | "root" | "treeSize" | "createdAt">>;

/** An entry's place in one batch. */
export interface EntryBatch {
  readonly batch: BatchRecord;
  readonly leafIndex: number;
}

/** An RFC 3161 token obtained for a batch root. */
export interface TimestampTokenRecord {
  readonly batchId: number;
  readonly tsaUrl: string;
  readonly token: Uint8Array;
  readonly genTime: string;
  readonly serial: string;
  readonly info: string;
  readonly createdAt: string;
}

/**
 * A fencing token of a lease, passed with a write that only the lease holder may make. The store
 * checks it inside the write's own transaction and refuses the write with {@link FencedWriteError}
 * when the lease has since been taken by another holder. In PostgreSQL the check locks nothing (a
 * takeover never waits for the holder): it is the transaction's last statement, requires the lease to
 * stay valid for a guard time on the database's clock, and an idle-in-transaction timeout shorter
 * than that guard aborts the transaction if its holder stalls before COMMIT (see postgres.ts).
 */
export interface Fence {
  /** The lease name, e.g. `anchorer:31337`. */
  readonly name: string;
  /** The token `acquireLease` resolved for this holder. */
  readonly token: number;
  /** The lease's TTL (sets the guard and the timeouts of fenced transactions; default 5,000 ms). */
  readonly ttlMs?: number;
}

/** A fenced write was refused: the writer's lease token is no longer the lease's current token. */
export class FencedWriteError extends InternalError {
  readonly lease: string;
  readonly token: number;
  readonly current: number | null;
  constructor(fence: Fence, current: number | null, options?: { cause?: unknown }) {
    super(`lease ${fence.name} is no longer held with fencing token ${fence.token} (current: ${current ?? "unknown"}); write refused`, options);
    this.lease = fence.name;
    this.token = fence.token;
    this.current = current;
  }
}

/**
 * An `Idempotency-Key` (draft-ietf-httpapi-idempotency-key-header) recorded in the same transaction as
 * the entries its request created, so that a retry finds either both or neither.
 */
export interface IdempotencyRecord {
  readonly tenantId: string;
  readonly key: string;
  /** SHA-256 (0x hex) of the canonical request: a retry must send the same request. */
  readonly fingerprint: string;
  /** HTTP status of the original response. */
  readonly status: number;
  /** Ids of the entries the request created, in response order. */
  readonly entryIds: readonly string[];
  readonly createdAt: string;
}

/** What `insertEntries` records with its entries (their ids are the entries' ids). */
export type NewIdempotencyKey = Omit<IdempotencyRecord, "entryIds" | "createdAt">;

/** `insertEntries` refused: the tenant's key was recorded meanwhile (by a concurrent request); nothing was written. */
export class IdempotencyKeyTakenError extends InternalError {
  readonly key: string;
  constructor(key: string) {
    super(`idempotency key ${JSON.stringify(key)} is already recorded`);
    this.key = key;
  }
}

export interface Store {
  readonly kind: "sqlite" | "postgres";
  /** Web captures: queue, outcomes, schedules (store/captures.ts). */
  readonly captures: CaptureStore;
  /** The web console: users, sessions, login throttling, setup token, key listing, entry search (store/console.ts). */
  readonly console: ConsoleStore;

  createTenant(name: string): Promise<Tenant>;
  getTenantByName(name: string): Promise<Tenant | undefined>;
  /** The tenant with this id (the certificate names the submitting account). */
  getTenant(id: string): Promise<Tenant | undefined>;
  /** Sets (or with null clears) the tenant's default certificate jurisdiction. */
  setCertificateJurisdiction(tenantId: string, jurisdiction: string | null): Promise<void>;
  addApiKey(tenantId: string, keyHash: string, label: string | null): Promise<ApiKeyRecord>;
  /** The key with this hash, if it exists and is not revoked. */
  findApiKey(keyHash: string): Promise<ApiKeyRecord | undefined>;
  listApiKeys(tenantId: string): Promise<ApiKeyRecord[]>;
  revokeApiKey(keyId: string): Promise<boolean>;
  /** The tenant's settings (defaults when never set). */
  getTenantSettings(tenantId: string): Promise<TenantSettings>;
  setTenantSettings(tenantId: string, settings: TenantSettings): Promise<void>;

  /**
   * Inserts entries atomically (all or none) and queues each for batching on every chain in
   * `chainIds`. Resolves once durable. With `idempotency`, the key is recorded in the same transaction
   * (a crash never keeps one without the other); rejects with {@link IdempotencyKeyTakenError} (and
   * writes nothing) when the tenant already has that key.
   */
  insertEntries(entries: readonly NewEntry[], chainIds: readonly number[], idempotency?: NewIdempotencyKey): Promise<EntryRecord[]>;
  /** The tenant's recorded idempotency key (see `insertEntries`), if any. */
  getIdempotencyKey(tenantId: string, key: string): Promise<IdempotencyRecord | undefined>;
  /** Entries by id, in the order asked (ids not found are left out). */
  getEntriesByIds(ids: readonly string[]): Promise<EntryRecord[]>;
  /** Root CIDs of stored content (entries with a CID), by entry order after `afterSeq` (recovery's block sweep). */
  listEntryCids(afterSeq: number, limit: number, options?: { publicOnly?: boolean }): Promise<{ seq: number; cid: string }[]>;
  /** Forgets idempotency keys recorded before `beforeMs` (epoch ms); resolves how many. */
  sweepIdempotencyKeys(beforeMs: number): Promise<number>;
  getEntry(id: string): Promise<EntryRecord | undefined>;
  findEntries(tenantId: string, query: { sha256?: string; previous?: string; limit: number; afterSeq?: number }): Promise<EntryRecord[]>;
  /** Whether the tenant has an entry whose stored content has this CID. */
  findEntriesByCid(tenantId: string, cid: string): Promise<boolean>;
  /** Whether any tenant has an entry whose stored content has this root CID (`publicOnly`: an entry stored public). */
  isEntryCid(cid: string, options?: { publicOnly?: boolean }): Promise<boolean>;
  /**
   * Records the block multihashes (lower-case hex of the multihash bytes) of the DAG stored under
   * `rootCid` (the root itself included). Idempotent. Resolves once durable.
   */
  recordDagBlocks(rootCid: string, multihashes: readonly string[]): Promise<void>;
  /** Whether the tenant has an entry whose stored DAG contains a block with this multihash (hex). */
  ownsBlock(tenantId: string, multihash: string): Promise<boolean>;
  /** Whether a block with this multihash (hex) belongs to the stored DAG of an entry stored public (what the IPFS network may fetch). */
  isPublicBlock(multihash: string): Promise<boolean>;
  /** Whether any entry with stored content is public (the IPFS node starts only when something is published). */
  hasPublicContent(): Promise<boolean>;
  /** Root CIDs of stored entries with no recorded DAG blocks (stored before migration 4), for backfill. */
  listCidsWithoutBlocks(limit: number): Promise<string[]>;
  /** Entries the tenant created since `since` (ISO-8601), for the daily stamp quota. */
  countEntriesSince(tenantId: string, since: string): Promise<number>;
  /** Entries of any tenant with this digest that are anchored or confirmed (public verification). */
  findAnchoredBySha256(sha256: string, limit: number): Promise<EntryRecord[]>;
  countPending(chainId: number): Promise<number>;
  /** Entries whose content is spooled and awaits a pin (`pinStatus` pending), oldest first. */
  listPinPending(limit: number, afterSeq?: number): Promise<EntryRecord[]>;
  /**
   * Records one pin retry of a pending entry: pinned (sets the CID, clears the spool) or failed
   * (counts the attempt; `final` marks the entry failed). Resolves whether the entry was still pending.
   */
  recordPinAttempt(id: string, outcome: PinOutcome): Promise<boolean>;

  /**
   * In one transaction: takes up to `maxSize` queued entries of `chainId` in arrival order, asks
   * `build` for the tree head over their leaf hashes, records the batch (status `built`) and its
   * leaves, and dequeues them. Resolves undefined when nothing is queued. Safe under concurrency:
   * concurrent calls for one chain never take the same entry. With `fence`, rejects with
   * {@link FencedWriteError} (and changes nothing) unless the fence's token is the lease's current one.
   */
  closeBatch(chainId: number, maxSize: number, build: (leafHashes: string[]) => { root: string }, fence?: Fence): Promise<BatchRecord | undefined>;
  getBatch(id: number): Promise<BatchRecord | undefined>;
  listBatches(chainId: number, statuses: readonly BatchStatus[]): Promise<BatchRecord[]>;
  /** Leaf hashes of a batch in leaf order. */
  getBatchLeaves(batchId: number): Promise<string[]>;
  /**
   * Updates a batch if it is still in `expected` status (compare-and-set), and moves its entries'
   * status with it. Resolves whether the update happened. With `fence`, rejects with
   * {@link FencedWriteError} (and changes nothing) unless the fence's token is the lease's current one.
   */
  updateBatch(id: number, expected: BatchStatus, patch: BatchPatch, fence?: Fence): Promise<boolean>;
  getEntryBatches(entrySeq: number): Promise<EntryBatch[]>;
  /** Tenants whose entries are in the batch, with those entries' ids (for status events). */
  getBatchEntryIds(batchId: number): Promise<{ tenantId: string; id: string }[]>;

  /** With `fence`, refused with {@link FencedWriteError} unless the fence's token is current (see Fence). */
  addTimestampToken(t: TimestampTokenRecord, fence?: Fence): Promise<void>;
  getTimestampTokens(batchId: number): Promise<TimestampTokenRecord[]>;
  /** Batches with no token yet, oldest first. */
  listBatchesWithoutToken(limit: number): Promise<BatchRecord[]>;

  /**
   * Leader lease with fencing: acquires or renews `name` for `holder` for `ttlMs`. Resolves the
   * fencing token (increasing each time the holder changes) when held, undefined when another holds it.
   * Another holder takes the lease over only once it has expired. `holder` must be unique per process.
   */
  acquireLease(name: string, holder: string, ttlMs: number): Promise<number | undefined>;
  /** Lets the lease expire now if `holder` holds it (a clean shutdown hands over without waiting the TTL). */
  releaseLease(name: string, holder: string): Promise<void>;

  /** Counts for /metrics. */
  stats(): Promise<{ entries: Record<EntryStatus, number>; batches: Record<BatchStatus, number> }>;
  ping(): Promise<void>;

  /**
   * Replication of stored content to remote pinners. CIDs of this node's pinned content that have no
   * replica row for `target` yet (oldest first), for the replicator to request.
   */
  listUnreplicatedCids(target: string, limit: number, options?: { publicOnly?: boolean }): Promise<string[]>;
  /** Creates or replaces the replica row of (cid, target). */
  putReplica(replica: ReplicaRecord, fence?: Fence): Promise<void>;
  /** Replica rows not yet pinned whose next attempt is due at `nowMs` (epoch ms), soonest first. */
  listDueReplicas(nowMs: number, limit: number): Promise<ReplicaRecord[]>;
  /** Every replica row of a CID. */
  listReplicas(cid: string): Promise<ReplicaRecord[]>;

  /**
   * Events outbox (see services/events.ts). The tenant's events after `afterSeq`, in order. Every
   * status change is appended in the transaction that makes it.
   */
  readEvents(tenantId: string, afterSeq: number, limit: number): Promise<OutboxEvent[]>;
  /**
   * Appends one event to its tenant's outbox in a transaction of its own, numbered after the tenant's
   * last one like every other event (outbox-sql.ts), for changes made outside this store's
   * transactions (web captures). Resolves once durable; subscribers are woken after the commit.
   */
  appendEvent(event: NewOutboxEvent): Promise<void>;
  /** The tenant's last event number (0 before its first event). */
  lastEventSeq(tenantId: string): Promise<number>;
  /** The tenant's oldest retained event number, or undefined when none is retained. */
  firstEventSeq(tenantId: string): Promise<number | undefined>;
  /**
   * Calls `listener` after events were committed (by this process, or with PostgreSQL by any node:
   * LISTEN/NOTIFY). `tenantId` undefined: notifications may have been missed (the listening connection
   * was re-established), so every reader should look again.
   */
  onEvents(listener: (tenantId: string | undefined, seq: number) => void): () => void;
  /** Deletes events created before `beforeMs` (epoch ms); resolves how many. */
  pruneEvents(beforeMs: number): Promise<number>;
  /** Of these API key ids, those that are revoked (or gone). */
  revokedApiKeys(ids: readonly string[]): Promise<string[]>;

  /** Webhook endpoints of a tenant (see services/webhooks.ts). */
  createWebhook(endpoint: NewWebhookEndpoint): Promise<WebhookEndpointRecord>;
  listWebhooks(tenantId: string): Promise<WebhookEndpointRecord[]>;
  /** Every live endpoint (the delivery worker's round). */
  listAllWebhooks(): Promise<WebhookEndpointRecord[]>;
  getWebhook(tenantId: string, id: string): Promise<WebhookEndpointRecord | undefined>;
  /** Marks the endpoint deleted and drops its pending deliveries; resolves whether it existed. */
  deleteWebhook(tenantId: string, id: string): Promise<boolean>;
  /** Replaces the secret; the old one stays valid (signatures carry both) until `previousUntilMs`. */
  rotateWebhookSecret(tenantId: string, id: string, secret: string, previousUntilMs: number): Promise<WebhookEndpointRecord | undefined>;
  /**
   * In one transaction: reads the endpoint's tenant events after its cursor (up to `limit`), records a
   * pending delivery for each that `accept` takes, and advances the cursor. Resolves how many events
   * were read. With `fence`, refused unless the fence holds.
   */
  enqueueWebhookDeliveries(endpointId: string, limit: number, accept: (event: OutboxEvent) => boolean, nowMs: number, fence?: Fence): Promise<number>;
  /** Pending deliveries due at `nowMs`, soonest first. */
  listDueDeliveries(nowMs: number, limit: number): Promise<WebhookDeliveryRecord[]>;
  /** Records one delivery attempt's outcome; with `fence`, refused unless the fence holds. */
  recordDeliveryAttempt(id: number, outcome: DeliveryOutcome, fence?: Fence): Promise<void>;
  listDeliveries(tenantId: string, endpointId: string, limit: number, beforeId?: number): Promise<WebhookDeliveryRecord[]>;
  /** Sets a delivery of the tenant pending again, due now; resolves the delivery, or undefined. */
  redeliver(tenantId: string, endpointId: string, deliveryId: number, nowMs: number): Promise<WebhookDeliveryRecord | undefined>;
  close(): Promise<void>;
}

/** One event of a tenant's outbox. `seq` orders the tenant's events (1, 2, 3…, no gaps when committed). */
export interface OutboxEvent {
  readonly tenantId: string;
  readonly seq: number;
  /** `entry.status`, `entry.pin`, `entry.replica`, `entry.timestamp`, `capture.completed`, `capture.changed`, `capture.failed`. */
  readonly type: string;
  readonly entryId: string | null;
  /** The event object (JSON). */
  readonly data: Readonly<Record<string, unknown>>;
  readonly createdAt: string;
}

/** An event to append to the outbox in a store transaction. */
export interface NewOutboxEvent {
  readonly tenantId: string;
  readonly type: string;
  readonly entryId: string | null;
  readonly data: Readonly<Record<string, unknown>>;
}

export interface NewWebhookEndpoint {
  readonly id: string;
  readonly tenantId: string;
  readonly url: string;
  readonly description: string | null;
  /** Event filters (`entry.status`, `entry.status.confirmed`, `*`). */
  readonly eventTypes: readonly string[];
  /** `whsec_<base64>`. */
  readonly secret: string;
}

export interface WebhookEndpointRecord extends NewWebhookEndpoint {
  readonly previousSecret: string | null;
  readonly previousSecretUntilMs: number | null;
  /** The last outbox event of the tenant turned into deliveries (or skipped by the filters). */
  readonly cursorSeq: number;
  readonly createdAt: string;
}

export type DeliveryStatus = "pending" | "delivered" | "failed";

export interface WebhookDeliveryRecord {
  readonly id: number;
  readonly endpointId: string;
  readonly tenantId: string;
  readonly eventSeq: number;
  readonly eventType: string;
  /** The JSON body sent (the same bytes on every attempt). */
  readonly payload: string;
  readonly status: DeliveryStatus;
  readonly attempts: number;
  readonly nextAttemptMs: number;
  readonly lastError: string | null;
  readonly lastStatus: number | null;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly deliveredAt: string | null;
}

export type DeliveryOutcome =
  | { readonly delivered: true; readonly httpStatus: number }
  | { readonly delivered: false; readonly httpStatus: number | null; readonly error: string; readonly nextAttemptMs: number | null };

/**
 * Where a copy of stored content stands at one remote pinner (an IPFS Pinning Service or IPFS
 * Cluster): `requested` until the pinner accepted the request, then the pinner's own word.
 */
export type ReplicaState = "requested" | "queued" | "pinning" | "pinned" | "failed";

export interface ReplicaRecord {
  readonly cid: string;
  /** The pinner's URL. */
  readonly target: string;
  readonly kind: "pinning-service" | "ipfs-cluster";
  /** The pinner's id of the pin request, once accepted. */
  readonly requestId: string | null;
  readonly status: ReplicaState;
  readonly attempts: number;
  readonly lastError: string | null;
  /** Epoch ms of the next request or status poll. */
  readonly nextAttemptAt: number;
  readonly updatedAt: string;
}
