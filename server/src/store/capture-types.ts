/** The records and the interface of the capture store (store/captures.ts implements it). */
/** How a capture is made (the validated request options). */
export interface CaptureOptions {
  readonly javascript: boolean;
  readonly viewport: { readonly width: number; readonly height: number };
  readonly timeBudgetMs: number;
  readonly sizeBudgetBytes: number;
  readonly settleMs: number;
}

/** queued → running → complete | timeout | truncated (stamped) or failed (nothing stamped). */
export type CaptureStatus = "queued" | "running" | "complete" | "timeout" | "truncated" | "failed";
/** Compared with the previous capture of the same URL: first, unchanged or changed (DOM or screenshot). */
export type CaptureChange = "first" | "unchanged" | "changed";

/** A stored part: its place in IPFS (cid null when IPFS failed; the bytes are then lost). */
export interface StoredPart {
  readonly name: string;
  readonly mediaType: string;
  readonly size: number;
  readonly sha256: string;
  readonly cid: string | null;
}

/** The Idempotency-Key of a `POST /v1/captures` request and the fingerprint of its body. */
export interface CaptureIdempotency {
  readonly key: string;
  readonly fingerprint: string;
}

export interface CaptureRecord {
  readonly id: string;
  readonly tenantId: string;
  readonly url: string;
  readonly options: CaptureOptions;
  readonly scheduleId: string | null;
  readonly status: CaptureStatus;
  readonly change: CaptureChange | null;
  /** What changed against the previous capture (`dom`, `screenshot`), when changed. */
  readonly changed: readonly string[];
  readonly errorCode: string | null;
  readonly errorMessage: string | null;
  /** The manifest bytes as stamped (canonical JSON), once captured. */
  readonly manifest: string | null;
  readonly manifestSha256: string | null;
  readonly manifestCid: string | null;
  /** The entry that stamps the manifest. */
  readonly entryId: string | null;
  readonly previousId: string | null;
  readonly previousSha256: string | null;
  readonly parts: readonly StoredPart[];
  readonly domSha256: string | null;
  readonly screenshotSha256: string | null;
  readonly finalUrl: string | null;
  readonly createdAt: string;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
  readonly attempts: number;
}

/** What a worker records when a capture ends. */
export type CaptureOutcomePatch = Pick<
  CaptureRecord,
  | "status"
  | "change"
  | "changed"
  | "errorCode"
  | "errorMessage"
  | "manifest"
  | "manifestSha256"
  | "manifestCid"
  | "entryId"
  | "previousId"
  | "previousSha256"
  | "parts"
  | "domSha256"
  | "screenshotSha256"
  | "finalUrl"
  | "finishedAt"
>;

export type ScheduleEvery = "daily" | "weekly";

export interface CaptureScheduleRecord {
  readonly id: string;
  readonly tenantId: string;
  readonly url: string;
  readonly options: CaptureOptions;
  readonly every: ScheduleEvery;
  /** Epoch ms of the next run. */
  readonly nextRunAt: number;
  readonly createdAt: string;
}

export interface CaptureStore {
  /** Inserts a queued capture; resolves once durable. */
  enqueue(c: { tenantId: string; url: string; options: CaptureOptions; scheduleId?: string | null; idempotency?: CaptureIdempotency }): Promise<CaptureRecord>;
  /**
   * The capture a request with this Idempotency-Key created, with the fingerprint of that request
   * (migration 11: the key is stored on the capture row, unique per tenant).
   */
  getByIdempotencyKey(tenantId: string, key: string): Promise<{ capture: CaptureRecord; fingerprint: string } | undefined>;
  get(id: string): Promise<CaptureRecord | undefined>;
  /** The capture whose manifest the entry stamps. */
  getByEntry(entryId: string): Promise<CaptureRecord | undefined>;
  /** The tenant's captures, newest first (optionally of one URL), `before` a capture id for paging. */
  list(tenantId: string, query: { url?: string; limit: number; beforeCreatedAt?: string }): Promise<CaptureRecord[]>;
  /** Claims the oldest queued capture (or one whose running lease expired) for `worker`. */
  claim(worker: string, leaseMs: number, nowMs: number): Promise<CaptureRecord | undefined>;
  /** Records the end of a capture the worker holds; resolves whether it still held it. */
  finish(id: string, worker: string, patch: CaptureOutcomePatch): Promise<boolean>;
  /** The latest stamped capture (complete, timeout or truncated) of the tenant's URL, other than `exceptId`. */
  latestStamped(tenantId: string, url: string, exceptId: string): Promise<CaptureRecord | undefined>;
  /** Whether the tenant has a capture with a stored part of this CID (the IPFS route serves it then). */
  ownsPartCid(tenantId: string, cid: string): Promise<boolean>;
  /** Stored part CIDs of every capture, after `afterCid` in CID order (live roots for the recovery block sweep). */
  listPartCids(afterCid: string, limit: number): Promise<string[]>;
  /** Queued captures, of every tenant or of one. */
  countQueued(tenantId?: string): Promise<number>;

  addSchedule(s: { tenantId: string; url: string; options: CaptureOptions; every: ScheduleEvery; nextRunAt: number }): Promise<CaptureScheduleRecord>;
  listSchedules(tenantId: string): Promise<CaptureScheduleRecord[]>;
  getSchedule(id: string): Promise<CaptureScheduleRecord | undefined>;
  deleteSchedule(tenantId: string, id: string): Promise<boolean>;
  /** Schedules due at `nowMs`, soonest first. */
  dueSchedules(nowMs: number, limit: number): Promise<CaptureScheduleRecord[]>;
  /**
   * Moves a due schedule to its next run (compare-and-set on `nextRunAt`, so two nodes never queue the
   * same run twice), then queues its capture. Resolves the capture, or undefined when another node
   * already took this run. A crash between the two statements loses that one run; the next is kept.
   */
  runSchedule(s: CaptureScheduleRecord, nextRunAt: number): Promise<CaptureRecord | undefined>;
}
