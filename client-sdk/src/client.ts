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
 *
 * The calls live in client/: transport.ts (HTTP, errors, retries), stamp.ts, upload.ts, entries.ts
 * (entries, receipts, certificates, content), events.ts, wait.ts, lookup.ts (the public verify and
 * lookup); the shapes in types.ts. This module composes them.
 */
import { getCertificate, getContent, getEntry, findEntries, getReceipt } from "./client/entries.ts";
import { getEventStream } from "./client/events.ts";
import { lookupDigest, verifyOnServer } from "./client/lookup.ts";
import { submitStamps } from "./client/stamp.ts";
import { createTransport } from "./client/transport.ts";
import type { ClientOptions, PriorProofClient } from "./client/types.ts";
import { submitFiles } from "./client/upload.ts";
import { waitForAnchor } from "./client/wait.ts";

export {
  type ClientOptions,
  type DigestAnchor,
  type DigestInput,
  type DigestLookup,
  type Entry,
  type EntryAnchor,
  type EntryEvent,
  type EntryPage,
  ENTRY_STATUSES,
  type EntryStatus,
  type PriorProofClient,
  type StampItem,
  type SubmitFilesOptions,
  type SubmitOptions,
  type UploadFile,
  type WaitOptions,
} from "./client/types.ts";

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
  const t = createTransport(options);
  return {
    submitStamps: (items, opts) => submitStamps(t, items, opts),
    submitFiles: (files, opts) => submitFiles(t, files, opts),
    getEntry: (id, opts) => getEntry(t, id, opts),
    findEntries: (query, opts) => findEntries(t, query, opts),
    getReceipt: (id, opts) => getReceipt(t, id, opts),
    waitForAnchor: (id, opts) => waitForAnchor(t, id, opts),
    getEventStream: (opts) => getEventStream(t, opts),
    verifyOnServer: (receipt, sha256, opts) => verifyOnServer(t, receipt, sha256, opts),
    lookupDigest: (sha256, opts) => lookupDigest(t, sha256, opts),
    getCertificate: (id, opts) => getCertificate(t, id, opts),
    getContent: (cid, opts) => getContent(t, cid, opts),
  };
}
