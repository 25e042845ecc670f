/** The capture service's dependencies, limits, option input and interface (service.ts implements it). */
import type { CaptureRecord, CaptureScheduleRecord, ScheduleEvery, StoredPart } from "../../store/captures.ts";
import type { Store } from "../../store/types.ts";
import type { FileImporter, Ingest } from "../ingest.ts";
import type { CaptureEngineOptions } from "./engine-types.ts";
import type { CaptureFacts } from "./facts.ts";
import type { Resolver } from "./net-guard.ts";

/** Defaults and ceilings of capture options (from the configuration). */
export interface CaptureLimits {
  readonly defaultTimeBudgetMs: number;
  readonly maxTimeBudgetMs: number;
  readonly defaultSizeBudgetBytes: number;
  readonly maxSizeBudgetBytes: number;
}

/** Options a tenant may set on a capture (all optional). */
export interface CaptureOptionsInput {
  readonly javascript?: boolean;
  readonly viewport?: { readonly width: number; readonly height: number };
  readonly timeBudgetMs?: number;
  readonly sizeBudgetBytes?: number;
  readonly settleMs?: number;
}

export interface CaptureServiceDeps {
  readonly store: Store;
  readonly ingest: Ingest;
  /** The IPFS import the upload path uses (parts are stored like uploads). */
  readonly importFile?: FileImporter;
  /** Reads stored content by CID (the IPFS backend's `cat`). */
  readonly catFile?: (cid: string) => AsyncIterable<Uint8Array>;
  readonly engine: CaptureEngineOptions;
  readonly limits: CaptureLimits;
  /** This process's name, for queue claims. */
  readonly nodeId: string;
  readonly pollMs: number;
  readonly resolve?: Resolver;
  readonly log?: { info(o: object, m: string): void; warn(o: object, m: string): void; error(o: object, m: string): void };
  /** Clock for schedules (tests move it). */
  readonly now?: () => number;
}

export interface CaptureService {
  /** Validates and queues a capture; resolves once it is durable (status queued). */
  /**
   * Queues a capture. With an Idempotency-Key, a retry of the same request (same URL and options)
   * answers the capture the first one queued (`replayed`), another request under the key is 422
   * IDEMPOTENCY_KEY_REUSED; the key is kept with the capture.
   */
  submit(tenantId: string, url: string, options?: CaptureOptionsInput, idempotencyKey?: string): Promise<CaptureRecord & { replayed?: boolean }>;
  /** The tenant's capture, or CAPTURE_NOT_FOUND. */
  get(tenantId: string, id: string): Promise<CaptureRecord>;
  list(tenantId: string, query: { url?: string; limit: number; beforeCreatedAt?: string }): Promise<CaptureRecord[]>;
  /**
   * What a certificate states about the tenant's capture (screenshot scaled): by capture id, or by the
   * id of the entry that stamps its manifest (undefined when that entry is not a capture).
   */
  getFacts(tenantId: string, ref: { captureId: string } | { entryId: string }): Promise<CaptureFacts | undefined>;
  /** The bytes of one part of the tenant's capture, from IPFS. */
  readPart(tenantId: string, id: string, name: string): Promise<{ part: StoredPart; body: AsyncIterable<Uint8Array> }>;
  /** Claims and runs one queued capture; resolves it when one ran, undefined when the queue was empty. */
  runOnce(): Promise<CaptureRecord | undefined>;
  /** Queues the captures of every schedule due at `at` (default now); resolves how many were queued. */
  runDueSchedules(at?: number): Promise<number>;
  addSchedule(tenantId: string, url: string, every: ScheduleEvery, options?: CaptureOptionsInput): Promise<CaptureScheduleRecord>;
  listSchedules(tenantId: string): Promise<CaptureScheduleRecord[]>;
  deleteSchedule(tenantId: string, id: string): Promise<void>;
  /** Starts the worker loop (one capture at a time). */
  start(): void;
  /** Stops the loop and waits for the running capture to end. */
  stop(): Promise<void>;
}
