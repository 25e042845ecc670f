/**
 * The web-capture endpoints of a PriorProof service (`/v1/captures`, `/v1/capture-schedules`): queue a
 * capture, follow it, read its history, download its manifest and parts. Verification of what was
 * downloaded is in capture.ts (no I/O there).
 */
import type { Capture as ApiCapture, CaptureSchedule as ApiCaptureSchedule } from "./api/index.ts";
import { InputError, ServiceError } from "./errors.ts";
import type { ClientOptions } from "./client.ts";

/** Options of one capture (the service applies its defaults and ceilings). */
export interface CaptureRequestOptions {
  /** Run the page's JavaScript (default true). */
  readonly javascript?: boolean;
  readonly viewport?: { readonly width: number; readonly height: number };
  readonly timeBudgetMs?: number;
  readonly sizeBudgetBytes?: number;
  /** Wait after the load event for late DOM changes (default 1000 ms). */
  readonly settleMs?: number;
}

/** queued → running → complete | timeout | truncated (stamped) or failed. */
export type CaptureStatus = Capture["status"];

/** A capture as the service reports it (api/captures.ts `CaptureSchema`). */
export type Capture = ApiCapture;

/** A daily or weekly capture of one URL (api/captures.ts `CaptureScheduleSchema`). */
export type CaptureSchedule = ApiCaptureSchedule;

/** The capture endpoints of one service. */
export interface CaptureClient {
  /**
   * POST /v1/captures: queues a capture (status `queued`), with an Idempotency-Key (a fresh UUID unless
   * given), retried once on a network error: a retry never queues a second capture.
   */
  submitCapture(url: string, options?: CaptureRequestOptions, idempotencyKey?: string): Promise<Capture>;
  /** GET /v1/captures/:id */
  getCapture(id: string): Promise<Capture>;
  /** GET /v1/captures?url=: newest first; with `url`, that URL's lineage. */
  listCaptures(query?: { url?: string; limit?: number }): Promise<Capture[]>;
  /** Polls until the capture is no longer queued or running (`timeoutMs`, default 10 minutes). */
  waitForCapture(id: string, options?: { timeoutMs?: number; intervalMs?: number; signal?: AbortSignal }): Promise<Capture>;
  /** GET /v1/captures/:id/manifest: the manifest bytes exactly as stamped. */
  getCaptureManifest(id: string): Promise<Uint8Array>;
  /** GET /v1/captures/:id/parts/:name */
  getCapturePart(id: string, name: string): Promise<Uint8Array>;
  createCaptureSchedule(url: string, every: "daily" | "weekly", options?: CaptureRequestOptions): Promise<CaptureSchedule>;
  listCaptureSchedules(): Promise<CaptureSchedule[]>;
  deleteCaptureSchedule(id: string): Promise<void>;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * A client of a service's capture endpoints.
 *
 * @example
 * const cc = createCaptureClient({ baseUrl: "https://stamp.example.com", apiKey });
 * const c = await cc.waitForCapture((await cc.submitCapture("https://shop.example/listing/42")).id);
 */
export function createCaptureClient(options: ClientOptions): CaptureClient {
  let base: string;
  try {
    const u = new URL(options.baseUrl);
    if (u.protocol !== "http:" && u.protocol !== "https:") throw new Error();
    base = u.href.replace(/\/+$/, "");
  } catch {
    throw new InputError("INVALID_ARGUMENT", `not a service URL: ${JSON.stringify(String(options.baseUrl).slice(0, 200))}`);
  }
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const auth: Record<string, string> = options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {};
  const seg = (v: string, what: string) => {
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(v)) throw new InputError("INVALID_ARGUMENT", `not a ${what}: ${JSON.stringify(v.slice(0, 80))}`);
    return v;
  };

  async function call(method: string, where: string, body?: unknown, signal?: AbortSignal, extra: Record<string, string> = {}): Promise<Response> {
    const init: RequestInit = {
      method,
      headers: { ...auth, accept: "application/json", ...(body !== undefined ? { "content-type": "application/json" } : {}), ...extra },
    };
    if (body !== undefined) init.body = JSON.stringify(body);
    if (signal) init.signal = signal;
    let res: Response;
    try {
      res = await doFetch(`${base}${where}`, init);
    } catch (cause) {
      if (signal?.aborted) throw new ServiceError("ABORTED", `${method} ${where} aborted`, { cause });
      throw new ServiceError("NETWORK_ERROR", `${method} ${base}${where}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    }
    if (!res.ok) {
      let code = `HTTP_${res.status}`;
      let message = `${method} ${where} answered ${res.status}`;
      let details: unknown;
      try {
        const e = ((await res.json()) as { error?: unknown }).error;
        if (isObject(e) && typeof e.code === "string" && /^[A-Z][A-Z0-9_]{0,63}$/.test(e.code)) {
          code = e.code;
          if (typeof e.message === "string") message = e.message.slice(0, 2_000);
          details = e.details;
        }
      } catch {
        // not the service's JSON error body
      }
      throw new ServiceError(code, message, { status: res.status, details });
    }
    return res;
  }
  async function json(method: string, where: string, body?: unknown, extra?: Record<string, string>): Promise<Record<string, unknown>> {
    const res = await call(method, where, body, undefined, extra);
    const v: unknown = await res.json().catch(() => undefined);
    if (!isObject(v)) throw new ServiceError("INVALID_RESPONSE", `${method} ${where} did not answer a JSON object`, { status: res.status });
    return v;
  }
  const asCapture = (v: unknown, where: string): Capture => {
    if (!isObject(v) || typeof v.id !== "string" || typeof v.status !== "string" || !Array.isArray(v.parts))
      throw new ServiceError("INVALID_RESPONSE", `${where} did not answer a capture`);
    return v as unknown as Capture;
  };
  const bytes = async (where: string) => new Uint8Array(await (await call("GET", where)).arrayBuffer());

  const client: CaptureClient = {
    async submitCapture(url, opts, idempotencyKey = crypto.randomUUID()) {
      // One key per capture request: a retry after a cut connection answers the capture already queued.
      const body = { url, ...(opts ? { options: opts } : {}) };
      const post = () => json("POST", "/v1/captures", body, { "idempotency-key": idempotencyKey });
      let answer: Record<string, unknown>;
      try {
        answer = await post();
      } catch (e) {
        if (!(e instanceof ServiceError) || e.code !== "NETWORK_ERROR") throw e;
        answer = await post();
      }
      return asCapture(answer.capture, "POST /v1/captures");
    },
    async getCapture(id) {
      const where = `/v1/captures/${seg(id, "capture id")}`;
      return asCapture((await json("GET", where)).capture, where);
    },
    async listCaptures(query = {}) {
      const q = new URLSearchParams();
      if (query.url !== undefined) q.set("url", query.url);
      if (query.limit !== undefined) q.set("limit", String(query.limit));
      const where = `/v1/captures${q.size > 0 ? `?${q}` : ""}`;
      const body = await json("GET", where);
      if (!Array.isArray(body.captures)) throw new ServiceError("INVALID_RESPONSE", `${where} did not answer a list of captures`);
      return body.captures.map((c) => asCapture(c, where));
    },
    async waitForCapture(id, opts = {}) {
      const deadline = Date.now() + (opts.timeoutMs ?? 600_000);
      for (;;) {
        const c = await client.getCapture(id);
        if (c.status !== "queued" && c.status !== "running") return c;
        if (Date.now() >= deadline) throw new ServiceError("TIMEOUT", `capture ${id} is still ${c.status}`);
        if (opts.signal?.aborted) throw new ServiceError("ABORTED", `waiting for capture ${id} aborted`, { cause: opts.signal.reason });
        await new Promise((ok) => setTimeout(ok, opts.intervalMs ?? 1_000));
      }
    },
    getCaptureManifest: (id) => bytes(`/v1/captures/${seg(id, "capture id")}/manifest`),
    getCapturePart: (id, name) => bytes(`/v1/captures/${seg(id, "capture id")}/parts/${seg(name, "part name")}`),
    async createCaptureSchedule(url, every, opts) {
      return (await json("POST", "/v1/capture-schedules", { url, every, ...(opts ? { options: opts } : {}) })).schedule as CaptureSchedule;
    },
    async listCaptureSchedules() {
      return ((await json("GET", "/v1/capture-schedules")).schedules ?? []) as CaptureSchedule[];
    },
    async deleteCaptureSchedule(id) {
      await call("DELETE", `/v1/capture-schedules/${seg(id, "schedule id")}`);
    },
  };
  return client;
}
