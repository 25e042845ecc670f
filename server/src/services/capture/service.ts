/**
 * The capture service: accepts capture requests into the durable queue, runs them one at a time per
 * worker (claim → capture → store the parts in IPFS → stamp the manifest through ingest → record →
 * append an event to the tenant's outbox), links each capture to the previous one of the same URL
 * (lineage: the manifest's `previous` and the claim's `previous` are the previous manifest's SHA-256), and queues scheduled
 * captures when they are due. Never imports Fastify: routes, tests and the CLI call it directly.
 */
import { AppError } from "../../errors.ts";
import { fingerprintOf } from "../idempotency.ts";
import type { CaptureOptions, CaptureRecord, ScheduleEvery } from "../../store/captures.ts";
import { checkHost, systemResolver, TargetRefusedError } from "./net-guard.ts";
import { createCaptureRunner } from "./run.ts";
import type { CaptureOptionsInput, CaptureService, CaptureServiceDeps } from "./service-types.ts";

// Moved names, re-exported from their old module path.
export type { CaptureLimits, CaptureOptionsInput, CaptureService, CaptureServiceDeps } from "./service-types.ts";
export { captureClaim } from "./run.ts";

const DAY_MS = 86_400_000;
const EVERY_MS: Record<ScheduleEvery, number> = { daily: DAY_MS, weekly: 7 * DAY_MS };
/** Grace beyond the time budget before a running capture's claim expires (snapshot, IPFS, stamping). */
const LEASE_GRACE_MS = 120_000;
/** Captures one tenant may have waiting at once: a flood of requests cannot starve the others. */
export const MAX_QUEUED_PER_TENANT = 100;
/** Claims of one capture before it is given up (each claim after the first means a worker died running it). */
const MAX_ATTEMPTS = 3;

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
    if (url.protocol !== "http:" && url.protocol !== "https:")
      throw new AppError("VALIDATION_FAILED", `only http and https URLs can be captured, not ${url.protocol}`);
    if (url.username || url.password) throw new AppError("VALIDATION_FAILED", "a URL with credentials cannot be captured");
    url.hash = "";
    try {
      await checkHost(url.hostname.replace(/^\[|\]$/g, ""), {
        allowPrivate: deps.engine.allowPrivate,
        resolve,
        ...(deps.engine.isBlocked ? { isBlocked: deps.engine.isBlocked } : {}),
      });
    } catch (e) {
      if (e instanceof TargetRefusedError) throw new AppError(e.code, e.message);
      throw e;
    }
    return url.href;
  };

  const { run, event } = createCaptureRunner(deps, resolve);

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
      if ((await store.countQueued(tenantId)) >= MAX_QUEUED_PER_TENANT)
        throw new AppError("CAPTURE_QUEUE_FULL", `${MAX_QUEUED_PER_TENANT} captures of this tenant are already waiting`);
      const c = await store.enqueue({
        tenantId,
        url: target,
        options: opts,
        ...(idempotencyKey !== undefined && fingerprint !== undefined ? { idempotency: { key: idempotencyKey, fingerprint } } : {}),
      });
      if (idempotencyKey !== undefined) {
        // Another request with this key may have queued first (the unique index chose it): judge ours against it.
        const stored = await store.getByIdempotencyKey(tenantId, idempotencyKey);
        if (stored && stored.fingerprint !== fingerprint)
          throw new AppError("IDEMPOTENCY_KEY_REUSED", "this Idempotency-Key was used for another capture request");
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
          change: null,
          changed: [],
          manifest: null,
          manifestSha256: null,
          manifestCid: null,
          entryId: null,
          previousId: null,
          previousSha256: null,
          parts: [],
          domSha256: null,
          screenshotSha256: null,
          finalUrl: null,
          status: "failed",
          errorCode: "CAPTURE_ABANDONED",
          errorMessage: `the capture was started ${MAX_ATTEMPTS} times and never finished`,
          finishedAt: new Date().toISOString(),
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
