/**
 * HTTP to one service: the base URL and key, one request with its errors typed (`NETWORK_ERROR`,
 * `ABORTED`, the service's own code or `HTTP_<status>`), strict-JSON answers (`INVALID_RESPONSE`), and
 * the retries of stamps and uploads under an Idempotency-Key.
 */
import { toHex } from "../bytes.ts";
import { InputError, PriorProofError, ServiceError } from "../errors.ts";
import { parseStrictJson } from "../trust/ijson.ts";
import type { ClientOptions, DigestInput } from "./types.ts";

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** An error's message with its cause's code or message (what fetch hides behind "fetch failed"). */
export function describeCause(cause: unknown): string {
  if (!(cause instanceof Error)) return String(cause);
  const inner = (cause as { cause?: unknown }).cause;
  const detail = inner instanceof Error ? ((inner as { code?: string }).code ?? inner.message) : undefined;
  return detail ? `${cause.message} (${detail})` : cause.message;
}

/** A digest argument as the hex the API takes; `INVALID_ARGUMENT` for bytes that are not 32 or a non-string. */
export function digestHex(d: DigestInput, what: string): string {
  if (d instanceof Uint8Array) {
    if (d.length !== 32) throw new InputError("INVALID_ARGUMENT", `${what} has ${d.length} bytes, not 32`);
    return toHex(d);
  }
  if (typeof d !== "string") throw new InputError("INVALID_ARGUMENT", `${what} is a ${typeof d}, not a digest`);
  return d;
}

/** A path segment from an id; `INVALID_ARGUMENT` when it is empty or not a string. */
export function path(id: string, what: string): string {
  if (typeof id !== "string" || id === "") throw new InputError("INVALID_ARGUMENT", `${what} must be a non-empty string`);
  return encodeURIComponent(id);
}

/** One request's body, headers and signal. */
export interface Call {
  json?: unknown;
  body?: BodyInit;
  headers?: Record<string, string>;
  accept?: string;
  signal?: AbortSignal | undefined;
}

/** The HTTP side of one client, shared by every call it makes. */
export interface Transport {
  /** The service's base URL, without a trailing slash. */
  readonly base: string;
  /** Sends one request; throws a `ServiceError` unless the answer is 2xx. */
  request(method: string, where: string, call?: Call): Promise<Response>;
  /** Sends one request and reads its answer as a strict-JSON object. */
  json(method: string, where: string, call?: Call): Promise<Record<string, unknown>>;
  /** Runs `send` until it succeeds, fails for good, or the retries are spent (exponential backoff, full jitter). */
  withRetries<T>(send: () => Promise<T>, signal: AbortSignal | undefined, canRetry?: boolean): Promise<T>;
  /** The Idempotency-Key header of one stamp or upload call (an RFC 8941 sf-string). */
  idempotencyHeader(key: string | undefined): Record<string, string>;
  /** The error of a request that got no (complete) answer: `ABORTED` when the caller's signal fired, else `NETWORK_ERROR`. */
  transportError(cause: unknown, signal: AbortSignal | undefined, what: string): ServiceError;
}

/**
 * The transport of a client of `options.baseUrl`; `INVALID_ARGUMENT` unless it is an http(s) URL.
 *
 * @example
 * const t = createTransport({ baseUrl: "http://127.0.0.1:8080", apiKey });
 * const body = await t.json("GET", "/v1/entries/01JD…");
 */
export function createTransport(options: ClientOptions): Transport {
  let url: URL;
  try {
    url = new URL(options.baseUrl);
  } catch {
    throw new InputError("INVALID_ARGUMENT", `not a service URL: ${JSON.stringify(String(options.baseUrl).slice(0, 200))}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new InputError("INVALID_ARGUMENT", `not an http(s) URL: ${options.baseUrl}`);
  const base = url.href.replace(/\/+$/, "");
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const auth: Record<string, string> = options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {};
  const retry = options.retry === false ? { retries: 0, baseDelayMs: 0, maxDelayMs: 0 } : { retries: 4, baseDelayMs: 250, maxDelayMs: 5_000, ...options.retry };

  /** Whether a failed stamp or upload may be sent again with its key (it may or may not have been stored). */
  const retryable = (e: unknown): boolean =>
    e instanceof ServiceError &&
    (e.code === "NETWORK_ERROR" || e.code === "IDEMPOTENCY_KEY_IN_USE" || e.status === 502 || e.status === 503 || e.status === 504);

  async function withRetries<T>(send: () => Promise<T>, signal: AbortSignal | undefined, canRetry = true): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await send();
      } catch (e) {
        if (!canRetry || attempt >= retry.retries || !retryable(e) || signal?.aborted) throw e;
        const delay = Math.random() * Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** attempt);
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(resolve, delay);
          signal?.addEventListener(
            "abort",
            () => {
              clearTimeout(timer);
              reject(new ServiceError("ABORTED", "request aborted", { cause: signal.reason }));
            },
            { once: true },
          );
        });
      }
    }
  }

  function idempotencyHeader(key: string | undefined): Record<string, string> {
    const k = key ?? crypto.randomUUID();
    if (!/^[\x20-\x7e]{1,255}$/.test(k)) throw new InputError("INVALID_ARGUMENT", "an idempotency key is 1 to 255 printable ASCII characters");
    return { "idempotency-key": `"${k.replace(/(["\\])/g, "\\$1")}"` };
  }

  function transportError(cause: unknown, signal: AbortSignal | undefined, what: string): ServiceError {
    if (signal?.aborted) return new ServiceError("ABORTED", `${what} aborted`, { cause: signal.reason });
    return new ServiceError("NETWORK_ERROR", `${what}: ${describeCause(cause)}`, { cause });
  }

  async function errorFrom(res: Response, method: string, where: string): Promise<ServiceError> {
    let code = `HTTP_${res.status}`;
    let message = `${method} ${where} answered ${res.status}${res.statusText ? ` ${res.statusText}` : ""}`;
    let details: unknown;
    try {
      const body: unknown = await res.json();
      const e = isObject(body) ? body.error : undefined;
      if (isObject(e) && typeof e.code === "string" && /^[A-Z][A-Z0-9_]{0,63}$/.test(e.code)) {
        code = e.code;
        if (typeof e.message === "string") message = e.message.slice(0, 2_000);
        details = e.details;
      }
    } catch {
      // Not the service's JSON error body (a proxy's page): keep HTTP_<status>.
    }
    return new ServiceError(code, message, { status: res.status, details });
  }

  async function request(method: string, where: string, call: Call = {}): Promise<Response> {
    const headers: Record<string, string> = { ...auth, accept: call.accept ?? "application/json", ...call.headers };
    let body = call.body;
    if (call.json !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(call.json);
    }
    const init: RequestInit & { duplex?: "half" } = { method, headers };
    if (body !== undefined) init.body = body;
    if (call.signal) init.signal = call.signal;
    // Node's fetch (and the Fetch standard) require duplex "half" for a streamed request body.
    if (body instanceof ReadableStream) init.duplex = "half";
    let res: Response;
    try {
      res = await doFetch(`${base}${where}`, init);
    } catch (cause) {
      throw transportError(cause, call.signal, `${method} ${base}${where}`);
    }
    if (!res.ok) throw await errorFrom(res, method, where);
    return res;
  }

  async function json(method: string, where: string, call?: Call): Promise<Record<string, unknown>> {
    const res = await request(method, where, call);
    let text: string;
    try {
      text = await res.text();
    } catch (cause) {
      throw transportError(cause, call?.signal, `${method} ${where}`);
    }
    // Strict I-JSON: a receipt (or any answer) with a member name twice is refused, never read "last wins".
    let body: unknown;
    try {
      body = parseStrictJson(text);
    } catch (cause) {
      const dup = cause instanceof PriorProofError && cause.code === "DUPLICATE_KEY";
      throw new ServiceError("INVALID_RESPONSE", `${method} ${where} did not answer ${dup ? "I-JSON (a member name twice)" : "JSON"}`, {
        status: res.status,
        cause,
      });
    }
    if (!isObject(body))
      throw new ServiceError("INVALID_RESPONSE", `${method} ${where} answered ${Array.isArray(body) ? "an array" : typeof body}, not an object`, {
        status: res.status,
      });
    return body;
  }

  return { base, request, json, withRetries, idempotencyHeader, transportError };
}
