/**
 * The client's shapes: entries and their statuses, stamp items and uploads, the options of each call,
 * events, digest lookups, and the `PriorProofClient` interface itself.
 */
import type { DigestAnchor as ApiDigestAnchor, DigestLookup as ApiDigestLookup, EntryAnchor as ApiEntryAnchor, EntryView } from "../api/index.ts";
import type { Claim } from "../leaf.ts";
import type { ClaimSignature, Receipt } from "../receipt.ts";
import type { Verdict } from "../verify.ts";

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
