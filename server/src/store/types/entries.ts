/** Entries (stamps and uploads), their idempotency keys, stored content and pins (one concern of the {@link Store}). */
import { InternalError } from "../../errors.ts";

export type EntryStatus = "pending" | "batched" | "anchored" | "confirmed";

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

/** The outcome of one pin retry of a spooled upload. */
export type PinOutcome =
  | { readonly pinned: true; readonly cid: string; readonly cidProfile: string }
  | { readonly pinned: false; readonly error: string; readonly final: boolean };

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

/** Entries: insertion (group-committed), lookups, stored content blocks, pins. */
export interface EntryStore {
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
}
