/**
 * Reading the tenant's entries and what hangs off them: an entry, a page of entries of a digest, its
 * receipt, its PDF certificate, the stored bytes of an upload. Every answer is checked for the shape
 * the API promises (`INVALID_RESPONSE`).
 */
import { ServiceError } from "../errors.ts";
import { type Receipt, receiptProblems } from "../receipt.ts";
import { digestHex, isObject, path, type Transport } from "./transport.ts";
import { type DigestInput, ENTRY_STATUSES, type Entry, type EntryPage, type EntryStatus } from "./types.ts";

export function isStatus(v: unknown): v is EntryStatus {
  return typeof v === "string" && (ENTRY_STATUSES as readonly string[]).includes(v);
}

function asEntry(v: unknown, where: string): Entry {
  if (
    !isObject(v) ||
    typeof v.id !== "string" ||
    typeof v.sha256 !== "string" ||
    !isStatus(v.status) ||
    !Array.isArray(v.anchors) ||
    !Array.isArray(v.history)
  ) {
    throw new ServiceError("INVALID_RESPONSE", `${where} did not answer an entry`);
  }
  return v as unknown as Entry;
}

/** The `entries` of an answer, each checked; `expected` is how many the request asked for. */
export function asEntries(body: Record<string, unknown>, where: string, expected?: number): Entry[] {
  if (!Array.isArray(body.entries)) throw new ServiceError("INVALID_RESPONSE", `${where} did not answer a list of entries`);
  const entries = body.entries.map((e) => asEntry(e, where));
  if (expected !== undefined && entries.length !== expected) {
    throw new ServiceError("INVALID_RESPONSE", `${where} answered ${entries.length} entries for ${expected} items`);
  }
  return entries;
}

/** GET /v1/entries/:id */
export async function getEntry(t: Transport, id: string, opts: { signal?: AbortSignal | undefined } = {}): Promise<Entry> {
  const where = `/v1/entries/${path(id, "entry id")}`;
  return asEntry(await t.json("GET", where, { signal: opts.signal }), where);
}

/** GET /v1/entries?sha256=|previous= */
export async function findEntries(
  t: Transport,
  query: { sha256?: DigestInput; previous?: DigestInput; limit?: number; after?: number },
  opts: { signal?: AbortSignal } = {},
): Promise<EntryPage> {
  const q = new URLSearchParams();
  if (query.sha256 !== undefined) q.set("sha256", digestHex(query.sha256, "sha256"));
  if (query.previous !== undefined) q.set("previous", digestHex(query.previous, "previous"));
  if (query.limit !== undefined) q.set("limit", String(query.limit));
  if (query.after !== undefined) q.set("after", String(query.after));
  const body = await t.json("GET", `/v1/entries?${q}`, { signal: opts.signal });
  const next = body.next === null || body.next === undefined ? null : body.next;
  if (next !== null && typeof next !== "number") throw new ServiceError("INVALID_RESPONSE", "GET /v1/entries answered a cursor that is not a number");
  return { entries: asEntries(body, "GET /v1/entries"), next };
}

/** GET /v1/entries/:id/receipt */
export async function getReceipt(t: Transport, id: string, opts: { signal?: AbortSignal } = {}): Promise<Receipt> {
  const where = `/v1/entries/${path(id, "entry id")}/receipt`;
  const body = await t.json("GET", where, { signal: opts.signal });
  const problems = receiptProblems(body);
  if (problems.length > 0)
    throw new ServiceError("INVALID_RESPONSE", `GET ${where} answered a receipt that is not valid: ${problems.slice(0, 3).join("; ")}`, { details: problems });
  return body as unknown as Receipt;
}

/** GET /v1/entries/:id/certificate.pdf */
export async function getCertificate(
  t: Transport,
  id: string,
  opts: { lang?: "en" | "zh-CN"; jurisdiction?: "cn" | "us" | "eu"; signal?: AbortSignal } = {},
): Promise<Uint8Array> {
  const query = new URLSearchParams({
    ...(opts.lang ? { lang: opts.lang } : {}),
    ...(opts.jurisdiction ? { jurisdiction: opts.jurisdiction } : {}),
  }).toString();
  const where = `/v1/entries/${path(id, "entry id")}/certificate.pdf${query ? `?${query}` : ""}`;
  const res = await t.request("GET", where, { accept: "application/pdf", signal: opts.signal });
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await res.arrayBuffer());
  } catch (cause) {
    throw t.transportError(cause, opts.signal, `GET ${where}`);
  }
  // %PDF-: a certificate that is not a PDF is not one to hand to a court.
  if (bytes.length < 5 || String.fromCharCode(...bytes.subarray(0, 5)) !== "%PDF-") {
    throw new ServiceError("INVALID_RESPONSE", `GET ${where} did not answer a PDF`, { status: res.status });
  }
  return bytes;
}

/** GET /ipfs/:cid */
export async function getContent(t: Transport, cid: string, opts: { signal?: AbortSignal } = {}): Promise<ReadableStream<Uint8Array>> {
  const where = `/ipfs/${path(cid, "cid")}`;
  const res = await t.request("GET", where, { accept: "application/octet-stream", signal: opts.signal });
  if (!res.body) throw new ServiceError("INVALID_RESPONSE", `GET ${where} answered no body`, { status: res.status });
  return res.body;
}
