/** Batches of entries, their anchoring state and their RFC 3161 tokens (one concern of the {@link Store}). */
import type { Fence } from "./leases.ts";

export type BatchStatus = "built" | "sending" | "sent" | "anchored" | "confirmed";

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

/** Batches: closing, anchoring state (compare-and-set), timestamp tokens. */
export interface BatchStore {
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
}
