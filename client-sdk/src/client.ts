/**
 * A typed REST client for a PriorProof service: stamp digests, upload files (streamed, with
 * progress), read entries and receipts, wait for anchoring (Server-Sent Events, polling as fallback),
 * verify on the service, look digests up, fetch certificates and stored content. Browser-safe: `fetch`,
 * streams and `TextDecoder` only, no Node built-ins.
 *
 * Every HTTP body is untrusted: it is checked for the shape the API promises before it is typed.
 *
 * Error codes, all `ServiceError` (`status` is the HTTP status when there was an answer):
 * - the service's own `error.code`, with its `details` (`UNAUTHORIZED` 401, `ENTRY_NOT_FOUND` 404,
 *   `RECEIPT_PENDING` 409, `FILE_TOO_LARGE` 413, `RATE_LIMITED` 429 … see server/src/errors.ts);
 * - `HTTP_<status>` when an error answer is not the service's JSON (a proxy's 502 page);
 * - `NETWORK_ERROR`: the service could not be reached, or the connection broke;
 * - `INVALID_RESPONSE`: a successful answer that is not what the API promises;
 * - `WAIT_TIMEOUT`: `waitForAnchor` ran out of time; `ABORTED`: the caller's signal fired.
 * Caller mistakes are `InputError`: `INVALID_ARGUMENT`, `NO_FILES`, `INVALID_MEDIA_TYPE`,
 * `INVALID_CHUNK`.
 */
import type { DigestAnchor as ApiDigestAnchor, DigestLookup as ApiDigestLookup, EntryAnchor as ApiEntryAnchor, EntryView } from "./api/index.ts";
import { toHex } from "./bytes.ts";
import { InputError, PriorProofError, ServiceError } from "./errors.ts";
import type { Claim } from "./leaf.ts";
import { type ClaimSignature, type Receipt, receiptProblems } from "./receipt.ts";
import { parseStrictJson } from "./trust/ijson.ts";
import { parseVerdict, type Verdict } from "./verify.ts";

/**
 * Where an entry is on its way to the chain, in order.
 *
 * @example
 * ENTRY_STATUSES.indexOf(entry.status) >= ENTRY_STATUSES.indexOf("anchored") // anchored or confirmed
 */
export const ENTRY_STATUSES = ["pending", "batched", "anchored", "confirmed"] as const;

/**
 * An entry's status: `pending` (received), `batched` (in a tree), `anchored` (root mined),
 * `confirmed` (as deep as the operator calls final).
 *
 * @example
 * const done: EntryStatus = "confirmed";
 */
export type EntryStatus = (typeof ENTRY_STATUSES)[number];

/**
 * One batch holding the entry, on one chain (api/entries.ts `EntryAnchorSchema`).
 *
 * @example
 * const mined = entry.anchors.filter((a: EntryAnchor) => a.blockNumber !== null);
 */
export type EntryAnchor = ApiEntryAnchor;

/**
 * An entry as the service describes it (GET /v1/entries/:id): the service's `EntryView`
 * (api/entries.ts, the one definition the service serializes with), its claim typed as a `Claim`.
 *
 * @example
 * const entry: Entry = await pp.getEntry("01JD…");
 * console.log(entry.status, entry.sha256, entry.cid ?? "hash-only", entry.replicas.length);
 */
export type Entry = Omit<EntryView, "claim"> & { readonly claim: Claim | null };

/**
 * A page of entries; `next` is the cursor of the following page (null on the last).
 *
 * @example
 * let page: EntryPage = await pp.findEntries({ previous: draftDigest });
 * while (page.next !== null) page = await pp.findEntries({ previous: draftDigest, after: page.next });
 */
export interface EntryPage {
  readonly entries: readonly Entry[];
  readonly next: number | null;
}

/**
 * A SHA-256 digest: lower- or upper-case hex with or without `0x`, or its 32 bytes.
 *
 * @example
 * const d: DigestInput = (await sha256Blob(file)).sha256;
 */
export type DigestInput = string | Uint8Array;

/**
 * One hash-only stamp: a file's digest and an optional claim about it.
 *
 * @example
 * const item: StampItem = { sha256: digest, claim: { title: "Logo v2", kind: "trademark" } };
 */
export interface StampItem {
  readonly sha256: DigestInput;
  /** SHA3-256 of the file, committed in the leaf when given (a second hash family). */
  readonly sha3_256?: DigestInput;
  readonly claim?: Claim;
  /** The claimant's signature over the statement (`signClaim`), committed in the leaf. */
  readonly signature?: ClaimSignature;
}

/**
 * A file to upload. `data` is read once, as a stream; a Blob (a browser File, Node's `openAsBlob`)
 * is never read whole.
 *
 * @example
 * const file: UploadFile = { name: "render.png", data: await openAsBlob("render.png"), mediaType: "image/png" };
 */
export interface UploadFile {
  readonly name: string;
  readonly data: Blob | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>;
  /** Bytes, for progress; taken from a Blob when absent. */
  readonly size?: number;
  readonly mediaType?: string;
}

/**
 * Options of `submitFiles`.
 *
 * @example
 * const options: SubmitFilesOptions = { claim: { kind: "ai-image" }, onProgress: (sent, total) => bar.update(sent / total!) };
 */
export interface SubmitFilesOptions {
  /** Applies to every file of the request. */
  readonly claim?: Claim;
  /** File bytes handed to the connection so far, and their total when every size is known. */
  readonly onProgress?: (sent: number, total: number | undefined) => void;
  readonly signal?: AbortSignal;
  /**
   * Stream the request body (default: when this runtime can, as Node and Chromium can). Chromium
   * streams uploads over HTTP/2 only: against an HTTP/1.1 service pass `false`, and the body is sent
   * as a Blob (files given as Blobs are still not read into memory; streams are, and progress is then
   * reported at the start and the end only).
   */
  readonly stream?: boolean;
  /** See {@link SubmitOptions.idempotencyKey}. */
  readonly idempotencyKey?: string;
  /**
   * Form fields sent after the files, read once every file was read (an encrypted upload states the
   * plaintext's digest there: see `submitEncryptedFile`).
   */
  readonly trailingFields?: () => Readonly<Record<string, string>>;
}

/**
 * Options of `waitForAnchor`.
 *
 * @example
 * const options: WaitOptions = { status: "confirmed", timeoutMs: 30 * 60_000, onStatus: (s) => console.log(s) };
 */
export interface WaitOptions {
  /** The status to wait for (default `anchored`); a later status also ends the wait. */
  readonly status?: "anchored" | "confirmed";
  /** Default 10 minutes; then `WAIT_TIMEOUT`. */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  /** Called with each status seen, once per change. */
  readonly onStatus?: (status: EntryStatus) => void;
  /** Listen to Server-Sent Events (default true); false polls only. */
  readonly events?: boolean;
  /** First polling interval when there are no events (default 500 ms, growing to 5 s). */
  readonly pollIntervalMs?: number;
}

/**
 * A status change pushed by GET /v1/events.
 *
 * @example
 * for await (const e of await pp.getEventStream({ signal })) console.log(e.entryId, e.status);
 */
export interface EntryEvent {
  readonly type: "entry.status";
  readonly entryId: string;
  readonly status: EntryStatus;
  readonly batchId?: number;
  readonly chainId?: number;
  readonly txHash?: string | null;
  readonly blockNumber?: number | null;
  readonly at: string;
  /** An earlier anchor of the entry was undone by a reorganisation. */
  readonly superseded?: boolean;
  /** The tenant's event number (the SSE id): pass the last one seen as `after` to resume without a gap. */
  readonly seq?: number;
}

/**
 * Where the public digest lookup says a digest is anchored (api/entries.ts `DigestAnchorSchema`).
 *
 * @example
 * const first: DigestAnchor | undefined = (await pp.lookupDigest(digest)).anchors[0];
 */
export type DigestAnchor = ApiDigestAnchor;

/**
 * The answer of GET /v1/verify?sha256= (api/entries.ts `DigestLookupSchema`).
 *
 * @example
 * const { anchored, anchors }: DigestLookup = await pp.lookupDigest(digest);
 */
export type DigestLookup = ApiDigestLookup;

/**
 * How to reach a service.
 *
 * @example
 * const options: ClientOptions = { baseUrl: "https://stamp.example.com", apiKey: "pp_…" };
 */
export interface ClientOptions {
  readonly baseUrl: string;
  /** Tenant key, sent as `Authorization: Bearer`; the public lookup and verify need none. */
  readonly apiKey?: string;
  /** A `fetch` to use instead of the global one (tests, proxies, retries). */
  readonly fetch?: typeof fetch;
  /**
   * Retries of stamps and uploads after a network error (connection refused or reset), a 502/503/504,
   * or a 409 IDEMPOTENCY_KEY_IN_USE, with exponential backoff and jitter. Safe: every stamp and upload
   * carries an Idempotency-Key, so a retry of a request the service already stored answers the same
   * entries. Uploads are retried only when every file is a Blob (a stream cannot be read twice).
   * Default `{ retries: 4, baseDelayMs: 250, maxDelayMs: 5000 }`; `false` never retries.
   */
  readonly retry?: false | { readonly retries?: number; readonly baseDelayMs?: number; readonly maxDelayMs?: number };
}

/** Options of a stamp or upload request: the Idempotency-Key (default: a random UUID per call). */
export interface SubmitOptions {
  readonly signal?: AbortSignal;
  /**
   * Sent as `Idempotency-Key` (draft-ietf-httpapi-idempotency-key-header): repeat a call with the same
   * key and the same items (even from another process, within 24 h) to get the same entries back.
   */
  readonly idempotencyKey?: string;
}

/**
 * A client of one PriorProof service; every method maps to one REST endpoint.
 *
 * @example
 * const pp: PriorProofClient = createClient({ baseUrl: "http://127.0.0.1:8080", apiKey });
 */
export interface PriorProofClient {
  /** POST /v1/stamps: stamps 1 to 1,000 digests (hash-only: the files stay where they are). */
  submitStamps(items: readonly StampItem[], options?: SubmitOptions): Promise<Entry[]>;
  /** POST /v1/evidence: uploads files as a streamed multipart body, reporting the bytes sent. */
  submitFiles(files: readonly UploadFile[], options?: SubmitFilesOptions): Promise<Entry[]>;
  /** GET /v1/entries/:id */
  getEntry(id: string, options?: { signal?: AbortSignal }): Promise<Entry>;
  /** GET /v1/entries?sha256=|previous=: the tenant's entries of a digest, or the later versions of one. */
  findEntries(query: { sha256?: DigestInput; previous?: DigestInput; limit?: number; after?: number }, options?: { signal?: AbortSignal }): Promise<EntryPage>;
  /** GET /v1/entries/:id/receipt; `RECEIPT_PENDING` (409) until the entry is anchored. */
  getReceipt(id: string, options?: { signal?: AbortSignal }): Promise<Receipt>;
  /** Resolves with the entry once it reaches `status` (Server-Sent Events, polling as fallback). */
  waitForAnchor(id: string, options?: WaitOptions): Promise<Entry>;
  /** GET /v1/events: the tenant's status changes (or one entry's) until `signal` fires or the service closes. */
  getEventStream(options?: { entry?: string; after?: number; signal?: AbortSignal }): Promise<AsyncIterable<EntryEvent>>;
  /** POST /v1/verify: the service's verdict on a receipt (the SDK's `verifyReceipt` needs no service). */
  verifyOnServer(receipt: unknown, sha256?: DigestInput, options?: { signal?: AbortSignal }): Promise<Verdict>;
  /** GET /v1/verify?sha256=: public lookup — is this digest anchored at the service, and when. */
  lookupDigest(sha256: DigestInput, options?: { signal?: AbortSignal }): Promise<DigestLookup>;
  /** GET /v1/entries/:id/certificate.pdf: the PDF certificate (receipt attached); `RECEIPT_PENDING` before anchoring. */
  getCertificate(id: string, options?: { lang?: "en" | "zh-CN"; jurisdiction?: "cn" | "us" | "eu"; signal?: AbortSignal }): Promise<Uint8Array>;
  /** GET /ipfs/:cid: the stored bytes of one of the tenant's uploads, as a stream. */
  getContent(cid: string, options?: { signal?: AbortSignal }): Promise<ReadableStream<Uint8Array>>;
}

const RANK: Record<EntryStatus, number> = { pending: 0, batched: 1, anchored: 2, confirmed: 3 };
/** While events flow, a slow poll still runs in case one is lost (a proxy that buffers, a restart). */
const SAFETY_POLL_MS = 15_000;
const MAX_POLL_MS = 5_000;
/** RFC 6838 type/subtype with optional parameters, and nothing that could end the part header. */
const MEDIA_TYPE = /^[A-Za-z0-9][\w!#$&^.+-]*\/[A-Za-z0-9][\w!#$&^.+-]*(\s*;[^\r\n]*)?$/;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isStatus(v: unknown): v is EntryStatus {
  return typeof v === "string" && (ENTRY_STATUSES as readonly string[]).includes(v);
}

function describeCause(cause: unknown): string {
  if (!(cause instanceof Error)) return String(cause);
  const inner = (cause as { cause?: unknown }).cause;
  const detail = inner instanceof Error ? ((inner as { code?: string }).code ?? inner.message) : undefined;
  return detail ? `${cause.message} (${detail})` : cause.message;
}

function digestHex(d: DigestInput, what: string): string {
  if (d instanceof Uint8Array) {
    if (d.length !== 32) throw new InputError("INVALID_ARGUMENT", `${what} has ${d.length} bytes, not 32`);
    return toHex(d);
  }
  if (typeof d !== "string") throw new InputError("INVALID_ARGUMENT", `${what} is a ${typeof d}, not a digest`);
  return d;
}

function path(id: string, what: string): string {
  if (typeof id !== "string" || id === "") throw new InputError("INVALID_ARGUMENT", `${what} must be a non-empty string`);
  return encodeURIComponent(id);
}

/** A file name as a quoted multipart parameter: UTF-8 as it is (busboy decodes it), minus what would end the quote. */
function quoteName(name: string): string {
  return name.replace(/["\\\r\n]/g, "_");
}

let requestStreams: boolean | undefined;
/** Whether `fetch` here can send a ReadableStream body (the `duplex` probe from the Fetch standard). */
function canStreamRequests(): boolean {
  if (requestStreams !== undefined) return requestStreams;
  try {
    let duplexAccessed = false;
    const init = {
      body: new ReadableStream(),
      method: "POST",
      get duplex() {
        duplexAccessed = true;
        return "half";
      },
    };
    const hasContentType = new Request("http://probe.invalid/", init as RequestInit).headers.has("content-type");
    requestStreams = duplexAccessed && !hasContentType;
  } catch {
    requestStreams = false;
  }
  return requestStreams;
}

async function* chunksOf(data: UploadFile["data"], name: string): AsyncGenerator<Uint8Array> {
  const stream = data instanceof Blob ? data.stream() : data;
  let source: AsyncIterable<unknown>;
  if (typeof (stream as ReadableStream<Uint8Array>).getReader === "function") {
    // Read through a reader: not every browser can iterate a ReadableStream with for await.
    const reader = (stream as ReadableStream<unknown>).getReader();
    source = {
      async *[Symbol.asyncIterator]() {
        let done = false;
        try {
          for (;;) {
            const r = await reader.read();
            if (r.done) {
              done = true;
              return;
            }
            yield r.value;
          }
        } finally {
          if (!done) await reader.cancel().catch(() => undefined);
          reader.releaseLock();
        }
      },
    };
  } else if (typeof (stream as AsyncIterable<unknown>)[Symbol.asyncIterator] === "function") {
    source = stream as AsyncIterable<unknown>;
  } else {
    throw new InputError("INVALID_ARGUMENT", `data of ${name} is neither a Blob, a ReadableStream nor an async iterable`);
  }
  for await (const chunk of source) {
    if (!(chunk instanceof Uint8Array)) throw new InputError("INVALID_CHUNK", `data of ${name} yielded ${chunk === null ? "null" : typeof chunk}, not a Uint8Array`);
    yield chunk;
  }
}

/** Server-Sent Events (WHATWG HTML §9.2) from a response body: `event`/`data` fields, comments skipped. */
async function* readEventStream(body: ReadableStream<Uint8Array>): AsyncGenerator<{ event: string; data: string }> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  let event = "";
  let data: string[] = [];
  try {
    for (;;) {
      const r = await reader.read();
      if (r.done) return;
      buffer += decoder.decode(r.value, { stream: true });
      let nl: number;
      while ((nl = buffer.indexOf("\n")) >= 0) {
        const line = buffer.slice(0, nl).replace(/\r$/, "");
        buffer = buffer.slice(nl + 1);
        if (line === "") {
          if (data.length > 0) yield { event: event || "message", data: data.join("\n") };
          event = "";
          data = [];
          continue;
        }
        if (line.startsWith(":")) continue;
        const colon = line.indexOf(":");
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
        if (field === "event") event = value;
        else if (field === "data") data.push(value);
      }
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

/**
 * Creates a client of the service at `baseUrl`.
 *
 * @example
 * const pp = createClient({ baseUrl: "http://127.0.0.1:8080", apiKey: process.env.PRIORPROOF_API_KEY });
 * const [entry] = await pp.submitStamps([{ sha256: digest, claim: { title: "Logo v2", kind: "trademark" } }]);
 * await pp.waitForAnchor(entry.id, { status: "confirmed" });
 * const receipt = await pp.getReceipt(entry.id);
 */
export function createClient(options: ClientOptions): PriorProofClient {
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
    e instanceof ServiceError && (e.code === "NETWORK_ERROR" || e.code === "IDEMPOTENCY_KEY_IN_USE" || e.status === 502 || e.status === 503 || e.status === 504);

  /** Runs `send` until it succeeds, fails for good, or the retries are spent (exponential backoff, full jitter). */
  async function withRetries<T>(send: () => Promise<T>, signal: AbortSignal | undefined, canRetry = true): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await send();
      } catch (e) {
        if (!canRetry || attempt >= retry.retries || !retryable(e) || signal?.aborted) throw e;
        const delay = Math.random() * Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** attempt);
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(resolve, delay);
          signal?.addEventListener("abort", () => {
            clearTimeout(timer);
            reject(new ServiceError("ABORTED", "request aborted", { cause: signal.reason }));
          }, { once: true });
        });
      }
    }
  }

  /** The Idempotency-Key header of one stamp or upload call (an RFC 8941 sf-string). */
  function idempotencyHeader(key: string | undefined): Record<string, string> {
    const k = key ?? crypto.randomUUID();
    if (!/^[\x20-\x7e]{1,255}$/.test(k)) throw new InputError("INVALID_ARGUMENT", "an idempotency key is 1 to 255 printable ASCII characters");
    return { "idempotency-key": `"${k.replace(/(["\\])/g, "\\$1")}"` };
  }

  interface Call {
    json?: unknown;
    body?: BodyInit;
    headers?: Record<string, string>;
    accept?: string;
    signal?: AbortSignal | undefined;
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
      throw new ServiceError("INVALID_RESPONSE", `${method} ${where} did not answer ${dup ? "I-JSON (a member name twice)" : "JSON"}`, { status: res.status, cause });
    }
    if (!isObject(body)) throw new ServiceError("INVALID_RESPONSE", `${method} ${where} answered ${Array.isArray(body) ? "an array" : typeof body}, not an object`, { status: res.status });
    return body;
  }

  function asEntry(v: unknown, where: string): Entry {
    if (!isObject(v) || typeof v.id !== "string" || typeof v.sha256 !== "string" || !isStatus(v.status) || !Array.isArray(v.anchors) || !Array.isArray(v.history)) {
      throw new ServiceError("INVALID_RESPONSE", `${where} did not answer an entry`);
    }
    return v as unknown as Entry;
  }

  function asEntries(body: Record<string, unknown>, where: string, expected?: number): Entry[] {
    if (!Array.isArray(body.entries)) throw new ServiceError("INVALID_RESPONSE", `${where} did not answer a list of entries`);
    const entries = body.entries.map((e) => asEntry(e, where));
    if (expected !== undefined && entries.length !== expected) {
      throw new ServiceError("INVALID_RESPONSE", `${where} answered ${entries.length} entries for ${expected} items`);
    }
    return entries;
  }

  async function getEntry(id: string, opts: { signal?: AbortSignal | undefined } = {}): Promise<Entry> {
    const where = `/v1/entries/${path(id, "entry id")}`;
    return asEntry(await json("GET", where, { signal: opts.signal }), where);
  }

  async function getEventStream(opts: { entry?: string; after?: number; signal?: AbortSignal } = {}): Promise<AsyncIterable<EntryEvent>> {
    const where = `/v1/events${opts.entry !== undefined ? `?entry=${path(opts.entry, "entry id")}` : ""}`;
    // Resume after the last event seen (the service sends every later one: nothing is missed).
    const headers: Record<string, string> = opts.after !== undefined && Number.isSafeInteger(opts.after) && opts.after >= 0 ? { "last-event-id": String(opts.after) } : {};
    const res = await request("GET", where, { accept: "text/event-stream", signal: opts.signal, headers });
    if (!res.body || !(res.headers.get("content-type") ?? "").startsWith("text/event-stream")) {
      await res.body?.cancel().catch(() => undefined);
      throw new ServiceError("INVALID_RESPONSE", `GET ${where} is not an event stream`, { status: res.status });
    }
    const body = res.body;
    return {
      async *[Symbol.asyncIterator]() {
        try {
          for await (const { event, data } of readEventStream(body)) {
            if (event !== "entry.status") continue;
            let e: unknown;
            try {
              e = JSON.parse(data);
            } catch {
              continue; // a malformed event is skipped, like a browser's EventSource would
            }
            if (isObject(e) && typeof e.entryId === "string" && isStatus(e.status)) yield e as unknown as EntryEvent;
          }
        } catch (cause) {
          // The caller's abort ends the stream quietly; a broken connection is an error.
          if (opts.signal?.aborted) return;
          throw transportError(cause, opts.signal, `GET ${where}`);
        }
      },
    };
  }

  return {
    async submitStamps(items, opts = {}) {
      if (!Array.isArray(items) || items.length === 0) throw new InputError("INVALID_ARGUMENT", "submitStamps needs at least one item");
      const body = {
        items: items.map((it, i) => ({
          sha256: digestHex(it.sha256, `items[${i}].sha256`),
          ...(it.sha3_256 !== undefined ? { sha3_256: digestHex(it.sha3_256, `items[${i}].sha3_256`) } : {}),
          ...(it.claim ? { claim: it.claim } : {}),
          ...(it.signature ? { signature: it.signature } : {}),
        })),
      };
      const headers = idempotencyHeader(opts.idempotencyKey);
      return withRetries(async () => asEntries(await json("POST", "/v1/stamps", { json: body, headers, signal: opts.signal }), "POST /v1/stamps", items.length), opts.signal);
    },

    async submitFiles(files, opts = {}) {
      if (!Array.isArray(files) || files.length === 0) throw new InputError("NO_FILES", "submitFiles needs at least one file");
      for (const f of files) {
        if (typeof f.name !== "string" || f.name === "") throw new InputError("INVALID_ARGUMENT", "every file needs a name");
        if (f.mediaType !== undefined && !MEDIA_TYPE.test(f.mediaType)) throw new InputError("INVALID_MEDIA_TYPE", `not a media type: ${JSON.stringify(f.mediaType.slice(0, 100))}`);
      }
      const random = crypto.getRandomValues(new Uint8Array(16));
      const boundary = `priorproof-${toHex(random).slice(2)}`;
      const enc = new TextEncoder();
      const claimPart = opts.claim ? enc.encode(`--${boundary}\r\nContent-Disposition: form-data; name="claim"\r\n\r\n${JSON.stringify(opts.claim)}\r\n`) : undefined;
      const head = (f: UploadFile) =>
        enc.encode(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${quoteName(f.name)}"\r\nContent-Type: ${f.mediaType ?? "application/octet-stream"}\r\n\r\n`);
      const crlf = enc.encode("\r\n");
      const trailer = () => enc.encode(Object.entries(opts.trailingFields?.() ?? {})
        .map(([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name="${quoteName(name)}"\r\n\r\n${value}\r\n`).join(""));
      const end = enc.encode(`--${boundary}--\r\n`);
      const sizes = files.map((f) => f.size ?? (f.data instanceof Blob ? f.data.size : undefined));
      const total = sizes.every((s) => s !== undefined) ? sizes.reduce<number>((a, b) => a + (b ?? 0), 0) : undefined;
      const headers = { "content-type": `multipart/form-data; boundary=${boundary}`, ...idempotencyHeader(opts.idempotencyKey) };
      // Only Blobs can be read again for a retry.
      const rereadable = files.every((f) => f.data instanceof Blob);
      return withRetries(async () => {
        opts.onProgress?.(0, total);

        const streaming = opts.stream ?? canStreamRequests();
        let body: BodyInit;
        let sourceError: unknown;
        if (streaming) {
          let sent = 0;
          async function* parts(): AsyncGenerator<Uint8Array> {
            if (claimPart) yield claimPart;
            for (const f of files) {
              yield head(f);
              for await (const chunk of chunksOf(f.data, f.name)) {
                if (chunk.length === 0) continue;
                yield chunk;
                // Counted when handed to the connection: fetch pulls the next chunk once this one is taken.
                sent += chunk.length;
                opts.onProgress?.(sent, total);
              }
              yield crlf;
            }
            const fields = trailer();
            if (fields.length > 0) yield fields;
            yield end;
          }
          const it = parts();
          body = new ReadableStream<Uint8Array>({
            async pull(controller) {
              try {
                const next = await it.next();
                if (next.done) controller.close();
                else controller.enqueue(next.value);
              } catch (e) {
                sourceError = e;
                controller.error(e);
              }
            },
            async cancel() {
              await it.return(undefined);
            },
          });
        } else {
          const blobParts: BlobPart[] = [];
          if (claimPart) blobParts.push(claimPart);
          for (const f of files) {
            blobParts.push(head(f));
            if (f.data instanceof Blob) blobParts.push(f.data);
            else {
              const chunks: Uint8Array[] = [];
              for await (const chunk of chunksOf(f.data, f.name)) chunks.push(chunk);
              blobParts.push(new Blob(chunks as BlobPart[]));
            }
            blobParts.push(crlf);
          }
          blobParts.push(trailer());
          blobParts.push(end);
          body = new Blob(blobParts);
        }
        let answer: Record<string, unknown>;
        try {
          answer = await json("POST", "/v1/evidence", { body, headers, signal: opts.signal });
        } catch (e) {
          // A file that could not be read fails the upload: report that, not the connection it broke.
          if (sourceError !== undefined) throw sourceError instanceof PriorProofError ? sourceError : new InputError("FILE_UNREADABLE", `cannot read an upload: ${describeCause(sourceError)}`, { cause: sourceError });
          throw e;
        }
        const entries = asEntries(answer, "POST /v1/evidence", files.length);
        if (total !== undefined && !streaming) opts.onProgress?.(total, total);
        return entries;
      }, opts.signal, rereadable);
    },

    getEntry,

    async findEntries(query, opts = {}) {
      const q = new URLSearchParams();
      if (query.sha256 !== undefined) q.set("sha256", digestHex(query.sha256, "sha256"));
      if (query.previous !== undefined) q.set("previous", digestHex(query.previous, "previous"));
      if (query.limit !== undefined) q.set("limit", String(query.limit));
      if (query.after !== undefined) q.set("after", String(query.after));
      const body = await json("GET", `/v1/entries?${q}`, { signal: opts.signal });
      const next = body.next === null || body.next === undefined ? null : body.next;
      if (next !== null && typeof next !== "number") throw new ServiceError("INVALID_RESPONSE", "GET /v1/entries answered a cursor that is not a number");
      return { entries: asEntries(body, "GET /v1/entries"), next };
    },

    async getReceipt(id, opts = {}) {
      const where = `/v1/entries/${path(id, "entry id")}/receipt`;
      const body = await json("GET", where, { signal: opts.signal });
      const problems = receiptProblems(body);
      if (problems.length > 0) throw new ServiceError("INVALID_RESPONSE", `GET ${where} answered a receipt that is not valid: ${problems.slice(0, 3).join("; ")}`, { details: problems });
      return body as unknown as Receipt;
    },

    async waitForAnchor(id, opts = {}) {
      const want = opts.status ?? "anchored";
      if (want !== "anchored" && want !== "confirmed") throw new InputError("INVALID_ARGUMENT", `cannot wait for status ${JSON.stringify(want)}`);
      const timeoutMs = opts.timeoutMs ?? 600_000;
      if (opts.signal?.aborted) throw new ServiceError("ABORTED", `stopped waiting for ${id}`, { cause: opts.signal.reason });
      // One controller ends everything this call started: the event stream, a request, a sleep.
      const stop = new AbortController();
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        stop.abort();
      }, timeoutMs);
      const onAbort = () => stop.abort();
      opts.signal?.addEventListener("abort", onAbort, { once: true });

      let last: EntryStatus | undefined;
      let live = false;
      let kicked = false;
      let wake: (() => void) | undefined;
      const kick = () => {
        kicked = true;
        wake?.();
      };
      try {
        if (opts.events !== false) {
          // Subscribe before the first read, so that no change between the two is missed.
          try {
            const events = await getEventStream({ entry: id, signal: stop.signal });
            live = true;
            void (async () => {
              try {
                for await (const e of events) if (e.entryId === id) kick();
              } catch {
                // the stream broke: polling takes over
              }
              live = false;
              kick();
            })();
          } catch (e) {
            if (stop.signal.aborted) throw e;
            // No event stream (an older service, a proxy that refuses it): poll.
          }
        }
        let delay = opts.pollIntervalMs ?? 500;
        for (;;) {
          kicked = false;
          const entry = await getEntry(id, { signal: stop.signal });
          if (entry.status !== last) {
            last = entry.status;
            opts.onStatus?.(entry.status);
          }
          if (RANK[entry.status] >= RANK[want]) return entry;
          await new Promise<void>((resolve) => {
            const done = () => {
              clearTimeout(t);
              stop.signal.removeEventListener("abort", done);
              wake = undefined;
              resolve();
            };
            const t = setTimeout(done, live ? SAFETY_POLL_MS : delay);
            wake = done;
            stop.signal.addEventListener("abort", done, { once: true });
            if (kicked || stop.signal.aborted) done();
          });
          if (stop.signal.aborted) throw new ServiceError("ABORTED", `stopped waiting for ${id}`);
          if (!live) delay = Math.min(delay * 1.5, MAX_POLL_MS);
        }
      } catch (e) {
        if (timedOut) throw new ServiceError("WAIT_TIMEOUT", `entry ${id} is still ${last ?? "unknown"} after ${timeoutMs} ms (waiting for ${want})`, { cause: e });
        if (opts.signal?.aborted) throw new ServiceError("ABORTED", `stopped waiting for ${id}`, { cause: opts.signal.reason });
        throw e;
      } finally {
        clearTimeout(timer);
        opts.signal?.removeEventListener("abort", onAbort);
        stop.abort();
      }
    },

    getEventStream,

    async verifyOnServer(receipt, sha256, opts = {}) {
      const body = await json("POST", "/v1/verify", { json: sha256 !== undefined ? { receipt, sha256: digestHex(sha256, "sha256") } : { receipt }, signal: opts.signal });
      try {
        return parseVerdict(body);
      } catch (cause) {
        throw new ServiceError("INVALID_RESPONSE", `POST /v1/verify did not answer a verdict (${cause instanceof Error ? cause.message : String(cause)})`, { cause });
      }
    },

    async lookupDigest(sha256, opts = {}) {
      const body = await json("GET", `/v1/verify?sha256=${encodeURIComponent(digestHex(sha256, "sha256"))}`, { signal: opts.signal });
      if (typeof body.anchored !== "boolean" || !Array.isArray(body.anchors) || !body.anchors.every((a) => isObject(a) && typeof a.chainId === "number" && typeof a.blockNumber === "number")) {
        throw new ServiceError("INVALID_RESPONSE", "GET /v1/verify did not answer a digest lookup");
      }
      return body as unknown as DigestLookup;
    },

    async getCertificate(id, opts = {}) {
      const query = new URLSearchParams({ ...(opts.lang ? { lang: opts.lang } : {}), ...(opts.jurisdiction ? { jurisdiction: opts.jurisdiction } : {}) }).toString();
      const where = `/v1/entries/${path(id, "entry id")}/certificate.pdf${query ? `?${query}` : ""}`;
      const res = await request("GET", where, { accept: "application/pdf", signal: opts.signal });
      let bytes: Uint8Array;
      try {
        bytes = new Uint8Array(await res.arrayBuffer());
      } catch (cause) {
        throw transportError(cause, opts.signal, `GET ${where}`);
      }
      // %PDF-: a certificate that is not a PDF is not one to hand to a court.
      if (bytes.length < 5 || String.fromCharCode(...bytes.subarray(0, 5)) !== "%PDF-") {
        throw new ServiceError("INVALID_RESPONSE", `GET ${where} did not answer a PDF`, { status: res.status });
      }
      return bytes;
    },

    async getContent(cid, opts = {}) {
      const where = `/ipfs/${path(cid, "cid")}`;
      const res = await request("GET", where, { accept: "application/octet-stream", signal: opts.signal });
      if (!res.body) throw new ServiceError("INVALID_RESPONSE", `GET ${where} answered no body`, { status: res.status });
      return res.body;
    },
  };
}
