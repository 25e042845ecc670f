/**
 * The capture service: accepts capture requests into the durable queue, runs them one at a time per
 * worker (claim → capture → store the parts in IPFS → stamp the manifest through ingest → record →
 * append an event to the tenant's outbox), links each capture to the previous one of the same URL
 * (lineage: the manifest's `previous` and the claim's `previous` are the previous manifest's SHA-256), and queues scheduled
 * captures when they are due. Never imports Fastify: routes, tests and the CLI call it directly.
 */
import type { Claim } from "@priorproof/client-sdk";
import { AppError } from "../../errors.ts";
import { fingerprintOf } from "../idempotency.ts";
import type { CaptureOptions, CaptureRecord, CaptureScheduleRecord, ScheduleEvery, StoredPart } from "../../store/captures.ts";
import type { Store } from "../../store/types.ts";
import type { CaptureEvent } from "../events.ts";
import type { FileImporter, Ingest } from "../ingest.ts";
import type { CaptureEngineOptions, CaptureResult } from "./browser.ts";
import type { CaptureFacts } from "./facts.ts";
import { checkHost, systemResolver, TargetRefusedError, type Resolver } from "./net-guard.ts";

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

const DAY_MS = 86_400_000;
const EVERY_MS: Record<ScheduleEvery, number> = { daily: DAY_MS, weekly: 7 * DAY_MS };
/** Grace beyond the time budget before a running capture's claim expires (snapshot, IPFS, stamping). */
const LEASE_GRACE_MS = 120_000;
/** Captures one tenant may have waiting at once: a flood of requests cannot starve the others. */
export const MAX_QUEUED_PER_TENANT = 100;
/** Claims of one capture before it is given up (each claim after the first means a worker died running it). */
const MAX_ATTEMPTS = 3;

/** Bytes as the stream the IPFS importer and ingest read (1 MiB chunks). */
async function* chunksOf(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += 1 << 20) yield bytes.subarray(i, i + (1 << 20));
}

/** The claim of a capture's manifest entry: "web capture of URL", kind other, the lineage. */
export function captureClaim(url: string, previous: string | null): Claim {
  const title = `web capture of ${url}`;
  return { title: title.length > 2_000 ? `${title.slice(0, 1_999)}…` : title, kind: "other", ...(previous ? { previous } : {}) };
}

export function createCaptureService(deps: CaptureServiceDeps): CaptureService {
  const store = deps.store.captures;
  const now = deps.now ?? Date.now;
  const resolve = deps.resolve ?? deps.engine.resolve ?? systemResolver;
  let running = false;
  let loop: Promise<void> | undefined;
  let wake: (() => void) | undefined;

  const normalize = (o: CaptureOptionsInput = {}): CaptureOptions => {
    const within = (v: number | undefined, fallback: number, max: number, what: string) => {
      if (v === undefined) return fallback;
      if (v > max) throw new AppError("VALIDATION_FAILED", `${what} ${v} exceeds the service's maximum ${max}`);
      return v;
    };
    return {
      javascript: o.javascript ?? true,
      viewport: o.viewport ?? { width: 1280, height: 800 },
      timeBudgetMs: within(o.timeBudgetMs, deps.limits.defaultTimeBudgetMs, deps.limits.maxTimeBudgetMs, "timeBudgetMs"),
      sizeBudgetBytes: within(o.sizeBudgetBytes, deps.limits.defaultSizeBudgetBytes, deps.limits.maxSizeBudgetBytes, "sizeBudgetBytes"),
      settleMs: o.settleMs ?? 1_000,
    };
  };

  /** Checks the URL and its host now (the worker checks again, and the proxy at every connection). */
  const checkTarget = async (raw: string): Promise<string> => {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new AppError("VALIDATION_FAILED", `not a URL: ${JSON.stringify(raw.slice(0, 200))}`);
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new AppError("VALIDATION_FAILED", `only http and https URLs can be captured, not ${url.protocol}`);
    if (url.username || url.password) throw new AppError("VALIDATION_FAILED", "a URL with credentials cannot be captured");
    url.hash = "";
    try {
      await checkHost(url.hostname.replace(/^\[|\]$/g, ""), { allowPrivate: deps.engine.allowPrivate, resolve, ...(deps.engine.isBlocked ? { isBlocked: deps.engine.isBlocked } : {}) });
    } catch (e) {
      if (e instanceof TargetRefusedError) throw new AppError(e.code, e.message);
      throw e;
    }
    return url.href;
  };

  /** Appends the capture's outcome to the tenant's outbox (GET /v1/events, webhooks); durable when it resolves. */
  const event = async (c: CaptureRecord, type: CaptureEvent["type"]) => {
    const data: CaptureEvent = {
      type, captureId: c.id, url: c.url, entryId: c.entryId, scheduleId: c.scheduleId, status: c.status, manifestSha256: c.manifestSha256,
      previousSha256: c.previousSha256, ...(type === "capture.changed" ? { changed: c.changed } : {}), ...(c.errorCode ? { errorCode: c.errorCode } : {}),
      at: c.finishedAt ?? new Date().toISOString(),
    };
    await deps.store.appendEvent({ tenantId: c.tenantId, type, entryId: c.entryId, data: { ...data } });
  };

  const storeParts = async (result: CaptureResult): Promise<StoredPart[]> => {
    const stored: StoredPart[] = [];
    for (const p of result.parts) {
      let cid: string | null = null;
      if (deps.importFile) {
        try {
          const imported = await deps.importFile(chunksOf(p.bytes), { maxBytes: p.bytes.length + 1 });
          cid = imported.cid;
        } catch (error) {
          deps.log?.warn({ err: error, part: p.name }, "storing a capture part in IPFS failed; its digest is still in the stamped manifest");
        }
      }
      stored.push({ name: p.name, mediaType: p.mediaType, size: p.size, sha256: p.sha256, cid });
    }
    return stored;
  };

  const run = async (c: CaptureRecord): Promise<CaptureRecord> => {
    const previous = await store.latestStamped(c.tenantId, c.url, c.id);
    const previousSha256 = previous?.manifestSha256 ?? null;
    const base = {
      change: null, changed: [], manifest: null, manifestSha256: null, manifestCid: null, entryId: null, previousId: previous?.id ?? null, previousSha256,
      parts: [], domSha256: null, screenshotSha256: null, finalUrl: null,
    } as const;
    let result: CaptureResult;
    // The engine (playwright-core, ~80 MB once loaded) and the facts' PNG code load at the first capture,
    // not on every API node at start.
    const { captureWebPage, CaptureFailedError } = await import("./browser.ts");
    try {
      result = await captureWebPage({ id: c.id, url: c.url, ...c.options, previous: previousSha256 as `0x${string}` | null }, { ...deps.engine, resolve });
    } catch (e) {
      const code = e instanceof CaptureFailedError ? e.code : "CAPTURE_BROWSER_FAILED";
      const message = e instanceof Error ? e.message : String(e);
      deps.log?.warn({ capture: c.id, url: c.url, code, err: e }, "capture failed");
      const held = await store.finish(c.id, deps.nodeId, { ...base, status: "failed", errorCode: code, errorMessage: message.slice(0, 2_000), finishedAt: new Date().toISOString() });
      const failed = (await store.get(c.id))!;
      // A worker that lost its claim records nothing: the capture's outcome (and event) is the new holder's.
      if (held) await event(failed, "capture.failed");
      return failed;
    }
    const parts = await storeParts(result);
    // The manifest is stamped like an upload: hashed, imported into IPFS, recorded as one entry.
    const manifestName = `capture-${c.id}.manifest.json`;
    const upload = await deps.ingest.importUpload(chunksOf(result.manifestBytes), { name: manifestName, mediaType: "application/json" });
    let entryId: string;
    try {
      const [entry] = await deps.ingest.recordUploads(c.tenantId, [upload], captureClaim(c.url, previousSha256), `capture:${c.id}`);
      entryId = entry!.id;
    } catch (e) {
      await deps.ingest.discardUploads([upload]);
      throw e;
    }
    const changed: string[] = [];
    if (previous) {
      if (previous.domSha256 !== result.domSha256) changed.push("dom");
      if (previous.screenshotSha256 !== result.screenshotSha256) changed.push("screenshot");
    }
    const held = await store.finish(c.id, deps.nodeId, {
      ...base, status: result.manifest.outcome.status, change: previous ? (changed.length > 0 ? "changed" : "unchanged") : "first", changed,
      errorCode: null, errorMessage: null, manifest: new TextDecoder().decode(result.manifestBytes), manifestSha256: result.manifestSha256,
      manifestCid: upload.cid, entryId, parts, domSha256: result.domSha256, screenshotSha256: result.screenshotSha256, finalUrl: result.manifest.page.finalUrl,
      finishedAt: result.manifest.environment.finishedAt,
    });
    const done = (await store.get(c.id))!;
    deps.log?.info({ capture: c.id, url: c.url, status: done.status, change: done.change, entry: entryId }, "capture stamped");
    if (held) {
      await event(done, "capture.completed");
      if (done.change === "changed") await event(done, "capture.changed");
    }
    return done;
  };

  const service: CaptureService = {
    async submit(tenantId, url, options, idempotencyKey) {
      const opts = normalize(options);
      // The request as sent (URL as given, options after defaults): what a retry must repeat.
      const fingerprint = idempotencyKey === undefined ? undefined : fingerprintOf({ url, options: opts });
      const replay = async () => {
        const earlier = idempotencyKey === undefined ? undefined : await store.getByIdempotencyKey(tenantId, idempotencyKey);
        if (!earlier) return undefined;
        if (earlier.fingerprint !== fingerprint) throw new AppError("IDEMPOTENCY_KEY_REUSED", "this Idempotency-Key was used for another capture request");
        return { ...earlier.capture, replayed: true };
      };
      const before = await replay();
      if (before) return before;
      const target = await checkTarget(url);
      if ((await store.countQueued(tenantId)) >= MAX_QUEUED_PER_TENANT) throw new AppError("CAPTURE_QUEUE_FULL", `${MAX_QUEUED_PER_TENANT} captures of this tenant are already waiting`);
      const c = await store.enqueue({ tenantId, url: target, options: opts, ...(idempotencyKey !== undefined && fingerprint !== undefined ? { idempotency: { key: idempotencyKey, fingerprint } } : {}) });
      if (idempotencyKey !== undefined) {
        // Another request with this key may have queued first (the unique index chose it): judge ours against it.
        const stored = await store.getByIdempotencyKey(tenantId, idempotencyKey);
        if (stored && stored.fingerprint !== fingerprint) throw new AppError("IDEMPOTENCY_KEY_REUSED", "this Idempotency-Key was used for another capture request");
        if (stored && stored.capture.id !== c.id) return { ...stored.capture, replayed: true };
      }
      wake?.();
      return c;
    },
    async get(tenantId, id) {
      const c = await store.get(id);
      if (!c || c.tenantId !== tenantId) throw new AppError("CAPTURE_NOT_FOUND", `no capture ${id}`);
      return c;
    },
    list: (tenantId, query) => store.list(tenantId, query),
    async getFacts(tenantId, ref) {
      let c: CaptureRecord | undefined;
      if ("captureId" in ref) c = await service.get(tenantId, ref.captureId);
      else {
        c = await store.getByEntry(ref.entryId);
        if (!c || c.tenantId !== tenantId) return undefined;
      }
      let screenshot: Uint8Array | null = null;
      if (c.parts.some((p) => p.name === "screenshot.png" && p.cid) && deps.catFile) {
        const chunks: Uint8Array[] = [];
        try {
          for await (const chunk of deps.catFile(c.parts.find((p) => p.name === "screenshot.png")!.cid!)) chunks.push(chunk);
          screenshot = Buffer.concat(chunks);
        } catch (error) {
          deps.log?.warn({ err: error, capture: c.id }, "the capture's screenshot could not be read from IPFS; facts without it");
        }
      }
      return (await import("./facts.ts")).getCaptureFacts(c, screenshot);
    },
    async readPart(tenantId, id, name) {
      const c = await service.get(tenantId, id);
      const part = c.parts.find((p) => p.name === name);
      if (!part) throw new AppError("CAPTURE_PART_NOT_FOUND", `capture ${id} has no part ${JSON.stringify(name.slice(0, 64))}`);
      if (!part.cid || !deps.catFile) throw new AppError("CONTENT_NOT_FOUND", `part ${name} of capture ${id} is not stored (IPFS failed when it was captured)`);
      return { part, body: deps.catFile(part.cid) };
    },
    async runOnce() {
      const c = await store.claim(deps.nodeId, deps.limits.maxTimeBudgetMs + LEASE_GRACE_MS, now());
      if (!c) return undefined;
      if (c.attempts > MAX_ATTEMPTS) {
        // Claimed again and again: its workers died while running it (a page that crashes the host?).
        const held = await store.finish(c.id, deps.nodeId, {
          change: null, changed: [], manifest: null, manifestSha256: null, manifestCid: null, entryId: null, previousId: null, previousSha256: null,
          parts: [], domSha256: null, screenshotSha256: null, finalUrl: null, status: "failed", errorCode: "CAPTURE_ABANDONED",
          errorMessage: `the capture was started ${MAX_ATTEMPTS} times and never finished`, finishedAt: new Date().toISOString(),
        });
        const failed = (await store.get(c.id))!;
        if (held) await event(failed, "capture.failed");
        return failed;
      }
      return run(c);
    },
    async runDueSchedules(at = now()) {
      let queued = 0;
      for (const s of await store.dueSchedules(at, 100)) {
        // The next run after `at` on the schedule's grid (a node down for days queues one run, not many).
        let next = s.nextRunAt + EVERY_MS[s.every];
        if (next <= at) next = at + EVERY_MS[s.every];
        if (await store.runSchedule(s, next)) queued++;
      }
      if (queued > 0) wake?.();
      return queued;
    },
    async addSchedule(tenantId, url, every, options) {
      const opts = normalize(options);
      const target = await checkTarget(url);
      if ((await store.listSchedules(tenantId)).some((s) => s.url === target)) throw new AppError("CAPTURE_SCHEDULE_EXISTS", `a schedule for ${target} exists`);
      return store.addSchedule({ tenantId, url: target, options: opts, every, nextRunAt: now() });
    },
    listSchedules: (tenantId) => store.listSchedules(tenantId),
    async deleteSchedule(tenantId, id) {
      if (!(await store.deleteSchedule(tenantId, id))) throw new AppError("CAPTURE_SCHEDULE_NOT_FOUND", `no schedule ${id}`);
    },
    start() {
      if (running) return;
      running = true;
      loop = (async () => {
        while (running) {
          try {
            await service.runDueSchedules();
            const ran = await service.runOnce();
            if (ran) continue;
          } catch (error) {
            deps.log?.error({ err: error }, "capture worker step failed");
          }
          await new Promise<void>((ok) => {
            const t = setTimeout(ok, deps.pollMs);
            wake = () => {
              clearTimeout(t);
              ok();
            };
          });
          wake = undefined;
        }
      })();
    },
    async stop() {
      running = false;
      wake?.();
      await loop;
    },
  };
  return service;
}

