/**
 * A typed REST client for a PriorProof service: stamp digests, upload files (streamed, with
 * progress), read entries and receipts, wait for anchoring, verify, fetch certificates and content.
 * Browser-safe. Every failure is a `ServiceError` carrying the server's stable error code.
 */
import { ServiceError } from "./errors.ts";
import type { Claim } from "./leaf.ts";
import type { Receipt } from "./receipt.ts";
import type { Verdict } from "./verify.ts";

export type EntryStatus = "pending" | "batched" | "anchored" | "confirmed";

/** An entry as the service describes it. */
export interface Entry {
  readonly id: string;
  readonly sha256: string;
  readonly sha3_256: string | null;
  readonly size: number | null;
  readonly name: string | null;
  readonly mediaType: string | null;
  readonly cid: string | null;
  readonly pinStatus: string;
  readonly claim: Claim | null;
  readonly leafHash: string;
  readonly status: EntryStatus;
  readonly receivedAt: string;
  readonly anchors: readonly { chainId: number; status: string; txHash: string | null; blockNumber: number | null; blockTime: string | null }[];
  readonly history: readonly { status: string; at: string; chainId?: number }[];
}

export interface UploadFile {
  readonly name: string;
  readonly data: Blob | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>;
  /** Bytes, for progress; taken from a Blob when absent. */
  readonly size?: number;
  readonly mediaType?: string;
}

export interface ClientOptions {
  readonly baseUrl: string;
  readonly apiKey?: string;
  readonly fetch?: typeof fetch;
}

const RANK: Record<EntryStatus, number> = { pending: 0, batched: 1, anchored: 2, confirmed: 3 };

async function* chunksOf(data: UploadFile["data"]): AsyncGenerator<Uint8Array> {
  if (data instanceof Blob) {
    yield* chunksOf(data.stream());
    return;
  }
  if (Symbol.asyncIterator in data) {
    yield* data as AsyncIterable<Uint8Array>;
    return;
  }
  const reader = (data as ReadableStream<Uint8Array>).getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    yield value;
  }
}

function quote(value: string): string {
  return value.replace(/["\r\n\\]/g, "_");
}

/**
 * Creates a client.
 *
 * @example
 * const pp = createClient({ baseUrl: "http://127.0.0.1:8080", apiKey: process.env.PRIORPROOF_API_KEY });
 * const [entry] = await pp.submitStamps([{ sha256: digest, claim: { title: "Logo v2", kind: "trademark" } }]);
 * await pp.waitForAnchor(entry.id, { status: "confirmed" });
 * const receipt = await pp.getReceipt(entry.id);
 */
export function createClient(options: ClientOptions) {
  const base = options.baseUrl.replace(/\/$/, "");
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const auth: Record<string, string> = options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {};

  async function request(method: string, path: string, init: { json?: unknown; body?: BodyInit; headers?: Record<string, string>; raw?: boolean; signal?: AbortSignal } = {}): Promise<Response> {
    const headers: Record<string, string> = { ...auth, ...init.headers };
    let body = init.body;
    if (init.json !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(init.json);
    }
    let res: Response;
    try {
      res = await doFetch(`${base}${path}`, { method, headers, ...(body !== undefined ? { body } : {}), ...(init.signal ? { signal: init.signal } : {}), ...(body instanceof ReadableStream ? { duplex: "half" } : {}) } as RequestInit);
    } catch (cause) {
      throw new ServiceError("NETWORK_ERROR", `cannot reach ${base}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    }
    if (!res.ok) {
      let code = `HTTP_${res.status}`;
      let message = `${method} ${path} answered ${res.status}`;
      let details: unknown;
      try {
        const e = ((await res.json()) as { error?: { code?: string; message?: string; details?: unknown } }).error;
        if (e?.code) code = e.code;
        if (e?.message) message = e.message;
        details = e?.details;
      } catch {
        // not a JSON error body
      }
      throw new ServiceError(code, message, { status: res.status, details });
    }
    return res;
  }
  const json = async <T>(method: string, path: string, init?: Parameters<typeof request>[2]): Promise<T> => (await (await request(method, path, init)).json()) as T;

  return {
    /** Stamps 1 to 1,000 digests (hash-only: the files stay where they are). */
    async submitStamps(items: readonly { sha256: string; claim?: Claim }[]): Promise<Entry[]> {
      return (await json<{ entries: Entry[] }>("POST", "/v1/stamps", { json: { items } })).entries;
    },

    /** Uploads files as evidence, streamed (never held whole in memory), reporting bytes sent. */
    async submitFiles(files: readonly UploadFile[], opts: { claim?: Claim; onProgress?: (sent: number, total: number | undefined) => void; signal?: AbortSignal } = {}): Promise<Entry[]> {
      const boundary = `----priorproof${Math.random().toString(16).slice(2)}${Date.now().toString(16)}`;
      const enc = new TextEncoder();
      const sizes = files.map((f) => f.size ?? (f.data instanceof Blob ? f.data.size : undefined));
      const total = sizes.every((s) => s !== undefined) ? sizes.reduce((a, b) => (a ?? 0) + (b ?? 0), 0) : undefined;
      let sent = 0;
      async function* parts(): AsyncGenerator<Uint8Array> {
        if (opts.claim) yield enc.encode(`--${boundary}\r\nContent-Disposition: form-data; name="claim"\r\n\r\n${JSON.stringify(opts.claim)}\r\n`);
        for (const f of files) {
          yield enc.encode(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${quote(f.name)}"\r\nContent-Type: ${f.mediaType ?? "application/octet-stream"}\r\n\r\n`);
          for await (const chunk of chunksOf(f.data)) {
            sent += chunk.length;
            opts.onProgress?.(sent, total);
            yield chunk;
          }
          yield enc.encode("\r\n");
        }
        yield enc.encode(`--${boundary}--\r\n`);
      }
      const it = parts();
      const body = new ReadableStream<Uint8Array>({
        async pull(controller) {
          const next = await it.next();
          if (next.done) controller.close();
          else controller.enqueue(next.value);
        },
      });
      return (await json<{ entries: Entry[] }>("POST", "/v1/evidence", { body, headers: { "content-type": `multipart/form-data; boundary=${boundary}` }, ...(opts.signal ? { signal: opts.signal } : {}) })).entries;
    },

    getEntry: (id: string): Promise<Entry> => json<Entry>("GET", `/v1/entries/${encodeURIComponent(id)}`),

    /** The tenant's entries with a digest, or those whose claim names it as `previous`. */
    async findEntries(query: { sha256?: string; previous?: string; limit?: number }): Promise<Entry[]> {
      const q = new URLSearchParams();
      if (query.sha256) q.set("sha256", query.sha256);
      if (query.previous) q.set("previous", query.previous);
      if (query.limit) q.set("limit", String(query.limit));
      return (await json<{ entries: Entry[] }>("GET", `/v1/entries?${q}`)).entries;
    },

    /** The receipt; `ServiceError` RECEIPT_PENDING (409) while the entry is not anchored. */
    getReceipt: (id: string): Promise<Receipt> => json<Receipt>("GET", `/v1/entries/${encodeURIComponent(id)}/receipt`),

    /**
     * Polls until the entry reaches `status` (default `anchored`); throws `WAIT_TIMEOUT` after
     * `timeoutMs` (default 10 minutes).
     */
    async waitForAnchor(id: string, opts: { status?: "anchored" | "confirmed"; timeoutMs?: number; intervalMs?: number; signal?: AbortSignal; onStatus?: (status: EntryStatus) => void } = {}): Promise<Entry> {
      const want = opts.status ?? "anchored";
      const deadline = Date.now() + (opts.timeoutMs ?? 600_000);
      let last: EntryStatus | undefined;
      let delay = opts.intervalMs ?? 500;
      for (;;) {
        const entry = await json<Entry>("GET", `/v1/entries/${encodeURIComponent(id)}`);
        if (entry.status !== last) {
          last = entry.status;
          opts.onStatus?.(entry.status);
        }
        if (RANK[entry.status] >= RANK[want]) return entry;
        if (opts.signal?.aborted) throw new ServiceError("ABORTED", `stopped waiting for ${id}`);
        if (Date.now() + delay > deadline) throw new ServiceError("WAIT_TIMEOUT", `entry ${id} still ${entry.status} after ${opts.timeoutMs ?? 600_000} ms`);
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 1.5, 5_000);
      }
    },

    /** Has the service verify a receipt against its chains (the SDK's `verifyReceipt` does it locally). */
    verifyOnServer: (receipt: unknown, sha256?: string): Promise<Verdict> => json<Verdict>("POST", "/v1/verify", { json: sha256 ? { receipt, sha256 } : { receipt } }),

    /** Public lookup: is this digest anchored at the service, and when. */
    lookupDigest: (sha256: string): Promise<{ sha256: string; anchored: boolean; anchors: { chainId: number; chainName: string; development: boolean; txHash: string; blockNumber: number; blockTime: string }[] }> =>
      json("GET", `/v1/verify?sha256=${encodeURIComponent(sha256)}`),

    /** The PDF certificate of an anchored entry. */
    async getCertificate(id: string, opts: { lang?: "en" | "zh-CN" } = {}): Promise<Uint8Array> {
      const res = await request("GET", `/v1/entries/${encodeURIComponent(id)}/certificate.pdf${opts.lang ? `?lang=${opts.lang}` : ""}`);
      return new Uint8Array(await res.arrayBuffer());
    },

    /** The stored bytes behind a CID (the tenant's own content). */
    async getContent(cid: string): Promise<ReadableStream<Uint8Array>> {
      const res = await request("GET", `/ipfs/${encodeURIComponent(cid)}`);
      if (!res.body) throw new ServiceError("EMPTY_BODY", `no content for ${cid}`);
      return res.body;
    },
  };
}

export type PriorProofClient = ReturnType<typeof createClient>;
