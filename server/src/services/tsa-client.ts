/**
 * RFC 3161 client: one time-stamp token per Merkle batch root (issue "Dual evidence").
 *
 * `requestToken(root)` sends a TimeStampReq (SHA-256 imprint of the root, random 64-bit nonce,
 * certReq = true, optional policy) as `POST application/timestamp-query` (RFC 3161 §3.4), expects
 * `application/timestamp-reply`, and accepts the answer only after the SDK verifier checked it against
 * the configured trust anchors, our root and our nonce (and our policy when we asked for one) — the
 * same checks a receipt reader runs later.
 *
 * Retries with exponential back-off (equal jitter) on network errors, timeouts, HTTP 5xx/429 and TSA
 * rejections whose failInfo says the condition is transient (timeNotAvailable, systemFailure). Never
 * retried: other HTTP statuses, a wrong media type, a malformed or unverifiable token — those mean a
 * misconfiguration or a misbehaving TSA, and repeating the request would not change the answer.
 */
import {
  PriorProofError,
  TimestampRejectedError,
  type Rfc3161AnchorReceipt,
  type TimestampTokenInfo,
  encodeTimeStampRequest,
  parseTimeStampResponse,
  randomNonce,
  toRfc3161AnchorReceipt,
  verifyTimestampToken,
} from "@priorproof/client-sdk/tsa";

/**
 * Codes of the server's TSA client (transport; token problems are the SDK's TimestampTokenError codes):
 * - `TSA_TIMEOUT`: the TSA did not answer within the timeout (retried).
 * - `TSA_NETWORK`: the TSA cannot be reached (retried).
 * - `TSA_HTTP_STATUS`: the TSA answered an HTTP error status (5xx and 429 retried).
 * - `TSA_CONTENT_TYPE`: the answer is not `application/timestamp-reply`.
 * - `TSA_RESPONSE_TOO_LARGE`: the answer is larger than the response limit.
 * - `TSA_CONFIG`: the TSA settings cannot be used (URL, timeout, retry, no trust anchor).
 */
export type TsaClientErrorCode = "TSA_TIMEOUT" | "TSA_NETWORK" | "TSA_HTTP_STATUS" | "TSA_CONTENT_TYPE" | "TSA_RESPONSE_TOO_LARGE" | "TSA_CONFIG";

/**
 * Transport-level failure talking to the TSA. Token problems surface as the SDK's
 * `TimestampTokenError` (codes `TSA_MALFORMED`, `TSA_REJECTED`, `TSA_UNTRUSTED`, ...), unchanged.
 */
export class TsaClientError extends PriorProofError {
  declare readonly code: TsaClientErrorCode;
  /** HTTP status, when the TSA answered. */
  readonly status: number | undefined;
  /** Attempts made before giving up. */
  readonly attempts: number;
  constructor(code: TsaClientErrorCode, message: string, options: { cause?: unknown; status?: number; attempts?: number } = {}) {
    super(code, message, options.cause === undefined ? undefined : { cause: options.cause });
    this.status = options.status;
    this.attempts = options.attempts ?? 0;
  }
}

export type FetchLike = (url: string, init: { method: string; headers: Record<string, string>; body: Uint8Array; signal: AbortSignal }) => Promise<Response>;

export interface TsaClientOptions {
  readonly url: string;
  /** Per-attempt limit for the whole exchange (connect, send, read the body). */
  readonly timeoutMs: number;
  readonly fetch?: FetchLike;
  /** `attempts` counts the first try (1 = no retry); delay before retry n is ~ baseDelayMs * 2^(n-1). */
  readonly retry: { readonly attempts: number; readonly baseDelayMs: number };
  /** DER certificates the TSA must chain to. */
  readonly trustAnchors: readonly Uint8Array[];
  readonly intermediates?: readonly Uint8Array[];
  /** Policy OID to request; the token must then carry it. */
  readonly policy?: string;
  /** Extra request headers (e.g. authorization for a commercial TSA). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Default 1 MiB. */
  readonly maxResponseBytes?: number;
  /** Clock for the genTime sanity check (default: system clock). */
  readonly now?: () => Date;
}

export interface TsaTokenResult {
  /** DER TimeStampToken (CMS ContentInfo): what receipts store. */
  readonly token: Uint8Array;
  /** DER TimeStampResp as received (for the audit log). */
  readonly response: Uint8Array;
  readonly info: TimestampTokenInfo;
  readonly nonce: bigint;
  readonly attempts: number;
  /** The receipt anchor JSON for this token (without the Merkle proof). */
  readonly receipt: Rfc3161AnchorReceipt;
}

export interface TsaClient {
  readonly url: string;
  requestToken(root: Uint8Array): Promise<TsaTokenResult>;
}

const REPLY_TYPES = new Set(["application/timestamp-reply", "application/timestamp-response"]);

class Retryable extends Error {
  readonly error: unknown;
  constructor(error: unknown) {
    super("retryable");
    this.error = error;
  }
}

async function readLimited(res: Response, max: number): Promise<Uint8Array> {
  const declared = Number(res.headers.get("content-length") ?? "NaN");
  if (Number.isFinite(declared) && declared > max) throw new TsaClientError("TSA_RESPONSE_TOO_LARGE", `tsa response of ${declared} bytes exceeds ${max}`);
  if (!res.body) return new Uint8Array(await res.arrayBuffer());
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > max) {
      await reader.cancel();
      throw new TsaClientError("TSA_RESPONSE_TOO_LARGE", `tsa response exceeds ${max} bytes`);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Creates an RFC 3161 client. No Fastify here: the batcher calls `requestToken` for each sealed root.
 *
 * @example
 * const tsa = createTsaClient({ url, timeoutMs: 10_000, retry: { attempts: 3, baseDelayMs: 500 }, trustAnchors: [caDer] });
 * const { token, info, receipt } = await tsa.requestToken(root);
 */
export function createTsaClient(options: TsaClientOptions): TsaClient {
  let parsedUrl: URL;
  try {
    parsedUrl = new URL(options.url);
  } catch (e) {
    throw new TsaClientError("TSA_CONFIG", `tsa url is not a url: ${String(options.url)}`, { cause: e });
  }
  if (parsedUrl.protocol !== "http:" && parsedUrl.protocol !== "https:") throw new TsaClientError("TSA_CONFIG", `tsa url must be http(s): ${options.url}`);
  if (!Number.isFinite(options.timeoutMs) || options.timeoutMs <= 0) throw new TsaClientError("TSA_CONFIG", `timeoutMs must be positive: ${options.timeoutMs}`);
  const attempts = Math.floor(options.retry?.attempts ?? 1);
  const baseDelayMs = options.retry?.baseDelayMs ?? 0;
  if (!(attempts >= 1) || !(baseDelayMs >= 0))
    throw new TsaClientError("TSA_CONFIG", `retry needs attempts >= 1 and baseDelayMs >= 0: ${JSON.stringify(options.retry)}`);
  if (!options.trustAnchors?.length) throw new TsaClientError("TSA_CONFIG", "at least one tsa trust anchor is required");
  const doFetch: FetchLike = options.fetch ?? ((url, init) => fetch(url, { ...init, body: new Uint8Array(init.body) }));
  const maxBytes = options.maxResponseBytes ?? 1 << 20;
  const now = options.now ?? (() => new Date());

  async function attempt(request: Uint8Array, root: Uint8Array, nonce: bigint, n: number): Promise<Omit<TsaTokenResult, "attempts" | "nonce" | "receipt">> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), options.timeoutMs);
    let response: Uint8Array;
    try {
      let res: Response;
      try {
        res = await doFetch(options.url, {
          method: "POST",
          headers: { ...options.headers, "content-type": "application/timestamp-query", accept: "application/timestamp-reply" },
          body: request,
          signal: controller.signal,
        });
      } catch (e) {
        throw new Retryable(
          controller.signal.aborted
            ? new TsaClientError("TSA_TIMEOUT", `tsa did not answer within ${options.timeoutMs} ms`, { cause: e, attempts: n })
            : new TsaClientError("TSA_NETWORK", `tsa request failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e, attempts: n }),
        );
      }
      if (res.status !== 200) {
        await res.body?.cancel().catch(() => undefined);
        const err = new TsaClientError("TSA_HTTP_STATUS", `tsa answered http ${res.status}`, { status: res.status, attempts: n });
        throw res.status >= 500 || res.status === 429 ? new Retryable(err) : err;
      }
      const type = (res.headers.get("content-type") ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
      if (!REPLY_TYPES.has(type)) {
        await res.body?.cancel().catch(() => undefined);
        throw new TsaClientError("TSA_CONTENT_TYPE", `tsa answered ${JSON.stringify(type)}, expected application/timestamp-reply`, {
          status: res.status,
          attempts: n,
        });
      }
      try {
        response = await readLimited(res, maxBytes);
      } catch (e) {
        if (e instanceof TsaClientError) throw e;
        throw new Retryable(
          controller.signal.aborted
            ? new TsaClientError("TSA_TIMEOUT", `tsa response not read within ${options.timeoutMs} ms`, { cause: e, attempts: n })
            : new TsaClientError("TSA_NETWORK", `tsa response broke off: ${e instanceof Error ? e.message : String(e)}`, { cause: e, attempts: n }),
        );
      }
    } finally {
      clearTimeout(timer);
    }
    let token: Uint8Array;
    try {
      token = parseTimeStampResponse(response).token;
    } catch (e) {
      if (e instanceof TimestampRejectedError && e.failInfo.some((f) => f === "timeNotAvailable" || f === "systemFailure")) throw new Retryable(e);
      throw e;
    }
    const info = await verifyTimestampToken(token, {
      digest: root,
      nonce,
      trustAnchors: options.trustAnchors,
      ...(options.intermediates ? { intermediates: options.intermediates } : {}),
      ...(options.policy !== undefined ? { policy: options.policy } : {}),
      now: now(),
    });
    return { token, response, info };
  }

  return {
    url: options.url,
    async requestToken(root: Uint8Array): Promise<TsaTokenResult> {
      const nonce = randomNonce();
      const request = encodeTimeStampRequest({ digest: root, nonce, certReq: true, ...(options.policy !== undefined ? { policy: options.policy } : {}) });
      for (let n = 1; ; n++) {
        try {
          const r = await attempt(request, root, nonce, n);
          return { ...r, nonce, attempts: n, receipt: toRfc3161AnchorReceipt(r.token, r.info, { tsaUrl: options.url }) };
        } catch (e) {
          if (!(e instanceof Retryable)) throw e;
          if (n >= attempts) throw e.error;
          const delay = baseDelayMs * 2 ** (n - 1);
          await sleep(delay / 2 + Math.random() * (delay / 2));
        }
      }
    },
  };
}
