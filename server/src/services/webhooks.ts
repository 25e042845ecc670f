/**
 * Webhooks following the Standard Webhooks specification (https://www.standardwebhooks.com): each
 * delivery is a POST of the event JSON with the headers `webhook-id` (the event's id, the same on every
 * attempt: receivers de-duplicate on it), `webhook-timestamp` (Unix seconds of this attempt) and
 * `webhook-signature` (`v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`, signed by the spec's
 * reference implementation, the `standardwebhooks` package; during a secret rotation one signature per
 * valid secret, space-separated). Secrets are `whsec_<base64 of 32 random bytes>`.
 *
 * Delivery comes from the outbox: each round, the worker turns the events after each endpoint's cursor
 * that pass its filters into pending delivery rows (cursor and rows in one transaction), then attempts
 * the deliveries that are due. A 2xx answer marks a delivery delivered; anything else (an error status,
 * a redirect — never followed —, a timeout, a refused connection) schedules the next attempt with
 * exponential backoff (WEBHOOK_BACKOFF_MS doubling, at most an hour apart) until WEBHOOK_RETRY_HOURS
 * after the event (72 h by default), then marks it failed; a failed delivery can be sent again by hand.
 *
 * At least once: an attempt is recorded only after it finished, so a worker killed mid-delivery leaves
 * the delivery pending, and the next leader sends it again with the same `webhook-id`. One process
 * delivers at a time: the holder of the `webhooks` lease, whose writes are fenced.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { Webhook } from "standardwebhooks";
import { AppError } from "../errors.ts";
import type { Fence, OutboxEvent, Store, WebhookDeliveryRecord, WebhookEndpointRecord } from "../store/types.ts";
import { EVENT_TYPES } from "./events.ts";
import { ForbiddenTargetError, checkTarget, guardedLookup, type Resolver, systemResolver } from "./ssrf.ts";

export interface WebhookWorkerDeps {
  readonly store: Store;
  readonly allowPrivate: boolean;
  readonly timeoutMs: number;
  readonly retryForMs: number;
  readonly backoffMs: number;
  readonly intervalMs: number;
  /** The fence of the `webhooks` lease while held; without it, this process always delivers. */
  readonly fence?: () => Fence | undefined;
  /** Called every round (the leader prunes the outbox, see events.ts). */
  readonly onRound?: () => Promise<unknown>;
  readonly resolver?: Resolver;
  readonly now?: () => number;
  /** Deliveries attempted at once. */
  readonly concurrency?: number;
  readonly log?: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
}

export interface WebhookRound {
  readonly enqueued: number;
  readonly delivered: number;
  readonly failed: number;
}

export interface WebhookWorker {
  tick(): Promise<WebhookRound>;
  start(): void;
  stop(): Promise<void>;
}

/** A new endpoint secret: `whsec_` + base64 of 32 random bytes. */
export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString("base64")}`;
}

/** The `webhook-id` of an event (stable across attempts and endpoints). */
export function webhookMessageId(tenantId: string, seq: number): string {
  return `msg_${tenantId.replaceAll("-", "")}_${seq}`;
}

/** Whether an endpoint's filters take an event: `*`, the type, or `<type>.<status>` (e.g. `entry.status.confirmed`). */
export function acceptsEvent(filters: readonly string[], event: Pick<OutboxEvent, "type" | "data">): boolean {
  if (filters.length === 0 || filters.includes("*")) return true;
  if (filters.includes(event.type)) return true;
  const status = event.data.status ?? event.data.pinStatus;
  return typeof status === "string" && filters.includes(`${event.type}.${status}`);
}

/**
 * The Standard Webhooks headers of one attempt. `secrets`: the current secret, then a previous one still
 * within its rotation grace period.
 */
export function signWebhook(secrets: readonly string[], msgId: string, timestamp: Date, body: string): Record<string, string> {
  const signature = secrets.map((s) => new Webhook(s).sign(msgId, timestamp, body)).join(" ");
  return { "webhook-id": msgId, "webhook-timestamp": String(Math.floor(timestamp.getTime() / 1000)), "webhook-signature": signature };
}

/** Delay before attempt `attempts + 1` (attempts made so far ≥ 1): base · 2^(attempts−1), at most an hour. */
export function backoffDelay(baseMs: number, attempts: number): number {
  return Math.min(3_600_000, baseMs * 2 ** Math.min(Math.max(attempts - 1, 0), 30));
}

interface AttemptResult {
  readonly ok: boolean;
  readonly status: number | null;
  readonly error: string | null;
}

/** One POST; never follows a redirect; the whole exchange bounded by `timeoutMs`. */
function post(
  url: URL,
  headers: Record<string, string>,
  body: string,
  deps: Pick<WebhookWorkerDeps, "allowPrivate" | "timeoutMs" | "resolver">,
): Promise<AttemptResult> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (r: AttemptResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(r);
    };
    const send = url.protocol === "https:" ? httpsRequest : httpRequest;
    const req = send(
      url,
      {
        method: "POST",
        headers: { ...headers, "content-type": "application/json", "content-length": String(Buffer.byteLength(body)), "user-agent": "priorproof-webhooks/1" },
        lookup: guardedLookup(deps.allowPrivate, deps.resolver ?? systemResolver),
        agent: false,
      },
      (res: IncomingMessage) => {
        const status = res.statusCode ?? 0;
        // The answer's body is read (up to 4 KiB) and dropped.
        let read = 0;
        res.on("data", (chunk: Buffer) => {
          read += chunk.length;
          if (read > 4096) res.destroy();
        });
        res.on("close", () => {
          if (status >= 200 && status < 300) done({ ok: true, status, error: null });
          else if (status >= 300 && status < 400) done({ ok: false, status, error: `redirect (${status}) not followed` });
          else done({ ok: false, status, error: `HTTP ${status}` });
        });
        res.on("error", () => undefined);
      },
    );
    const timer = setTimeout(() => {
      req.destroy(new Error(`timed out after ${deps.timeoutMs} ms`));
    }, deps.timeoutMs);
    req.on("error", (e: NodeJS.ErrnoException) =>
      done({ ok: false, status: null, error: e.code === "EFORBIDDENTARGET" ? e.message : `${e.code ?? "error"}: ${e.message}` }),
    );
    req.end(body);
  });
}

/**
 * Creates the delivery worker.
 *
 * @example
 * const worker = createWebhookWorker({ store, allowPrivate: false, timeoutMs: 10_000, retryForMs: 72 * 3_600_000, backoffMs: 5_000, intervalMs: 1_000 });
 * worker.start();
 */
export function createWebhookWorker(deps: WebhookWorkerDeps): WebhookWorker {
  const { store } = deps;
  const now = deps.now ?? Date.now;
  const concurrency = deps.concurrency ?? 8;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<WebhookRound> | undefined;

  const attempt = async (d: WebhookDeliveryRecord, endpoint: WebhookEndpointRecord, fence: Fence | undefined): Promise<boolean> => {
    const at = new Date(now());
    const secrets = [endpoint.secret, ...(endpoint.previousSecret && (endpoint.previousSecretUntilMs ?? 0) > at.getTime() ? [endpoint.previousSecret] : [])];
    const result = await post(new URL(endpoint.url), signWebhook(secrets, webhookMessageId(d.tenantId, d.eventSeq), at, d.payload), d.payload, deps);
    if (result.ok) {
      await store.recordDeliveryAttempt(d.id, { delivered: true, httpStatus: result.status! }, fence);
      return true;
    }
    const next = now() + backoffDelay(deps.backoffMs, d.attempts + 1);
    const giveUp = next - Date.parse(d.createdAt) > deps.retryForMs;
    await store.recordDeliveryAttempt(
      d.id,
      { delivered: false, httpStatus: result.status, error: result.error ?? "failed", nextAttemptMs: giveUp ? null : next },
      fence,
    );
    deps.log?.warn(
      { delivery: d.id, endpoint: endpoint.id, attempts: d.attempts + 1, err: result.error, retryAt: giveUp ? null : new Date(next).toISOString() },
      giveUp ? "webhook delivery failed: giving up" : "webhook delivery failed: will retry",
    );
    return false;
  };

  const round = async (): Promise<WebhookRound> => {
    const fence = deps.fence?.();
    if (deps.fence && !fence) return { enqueued: 0, delivered: 0, failed: 0 };
    let enqueued = 0;
    const endpoints = new Map((await store.listAllWebhooks()).map((e) => [e.id, e]));
    for (const e of endpoints.values()) {
      for (;;) {
        const read = await store.enqueueWebhookDeliveries(e.id, 500, (ev) => acceptsEvent(e.eventTypes, ev), now(), fence);
        enqueued += read;
        if (read < 500) break;
      }
    }
    await deps.onRound?.().catch((err: unknown) => deps.log?.warn({ err: err instanceof Error ? err.message : String(err) }, "webhook round hook failed"));
    let delivered = 0;
    let failed = 0;
    const due = await store.listDueDeliveries(now(), 200);
    let next = 0;
    const lane = async () => {
      while (next < due.length) {
        const d = due[next++]!;
        const endpoint = endpoints.get(d.endpointId);
        if (!endpoint) continue;
        if (deps.fence && !deps.fence()) return; // lease lost meanwhile
        if (await attempt(d, endpoint, fence)) delivered++;
        else failed++;
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, due.length) }, lane));
    return { enqueued, delivered, failed };
  };

  const worker: WebhookWorker = {
    tick() {
      const next = (current ?? Promise.resolve({ enqueued: 0, delivered: 0, failed: 0 })).catch(() => undefined).then(round);
      current = next;
      return next;
    },
    start() {
      if (timer) return;
      const loop = () => {
        timer = setTimeout(() => {
          worker
            .tick()
            .catch((e: unknown) => deps.log?.warn({ err: e instanceof Error ? e.message : String(e) }, "webhook round failed"))
            .finally(() => {
              if (timer) loop();
            });
        }, deps.intervalMs);
        timer.unref?.();
      };
      loop();
    },
    async stop() {
      clearTimeout(timer);
      timer = undefined;
      await current?.catch(() => undefined);
    },
  };
  return worker;
}

/** What a tenant asks for when it adds an endpoint. */
export interface EndpointRequest {
  readonly url: string;
  readonly events?: readonly string[];
  readonly description?: string;
}

/** Valid event filters: `*`, an event type, or `entry.status.<status>` / `entry.pin.<pin status>`. */
export function isEventFilter(f: string): boolean {
  if (f === "*" || (EVENT_TYPES as readonly string[]).includes(f)) return true;
  return /^entry\.status\.(pending|batched|anchored|confirmed)$/.test(f) || /^entry\.pin\.(pinned|failed)$/.test(f);
}

/**
 * Checks a target URL (http/https, no credentials, resolving only to public addresses unless private
 * targets are allowed) and records the endpoint with a new secret. Events from now on are delivered.
 */
export async function createEndpoint(
  store: Store,
  tenantId: string,
  req: EndpointRequest,
  options: { allowPrivate: boolean; resolver?: Resolver },
): Promise<WebhookEndpointRecord> {
  let url: URL;
  try {
    url = new URL(req.url);
  } catch {
    throw new AppError("INVALID_WEBHOOK_URL", `not a URL: ${JSON.stringify(req.url.slice(0, 200))}`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new AppError("INVALID_WEBHOOK_URL", `webhook URLs are http(s), got ${url.protocol}`);
  if (url.username || url.password) throw new AppError("INVALID_WEBHOOK_URL", "webhook URLs carry no credentials (the signature authenticates the sender)");
  const filters = [...new Set(req.events ?? ["*"])];
  const bad = filters.filter((f) => !isEventFilter(f));
  if (bad.length > 0)
    throw new AppError("VALIDATION_FAILED", `unknown event filters: ${bad.join(", ")}`, {
      allowed: ["*", ...EVENT_TYPES, "entry.status.<status>", "entry.pin.<pinned|failed>"],
    });
  try {
    await checkTarget(url, options.allowPrivate, options.resolver);
  } catch (e) {
    if (e instanceof ForbiddenTargetError) throw new AppError("WEBHOOK_TARGET_FORBIDDEN", e.message, { address: e.address });
    throw new AppError("INVALID_WEBHOOK_URL", `webhook target ${url.hostname} does not resolve`);
  }
  return store.createWebhook({
    id: `wh_${randomUUID().replaceAll("-", "")}`,
    tenantId,
    url: url.toString(),
    description: req.description ?? null,
    eventTypes: filters,
    secret: generateWebhookSecret(),
  });
}
