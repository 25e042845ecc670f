/**
 * Web captures (`priorproof-capture/1`): the manifest format and its verification.
 *
 * A capture is what one headless Chromium received from one address at one time: a full-page
 * screenshot, an MHTML snapshot of the DOM, the serialized DOM, a HAR-like network log and the TLS
 * chain of the main document. Each of these "parts" is hashed (SHA-256); the manifest lists them with
 * the request, the outcome and the environment, and is encoded as RFC 8785 canonical JSON (UTF-8, no
 * trailing newline). The manifest's SHA-256 is what the service stamps, so a receipt for the manifest
 * covers every part. docs/capture.md is the normative description.
 *
 * The verification core does no I/O: the caller injects `readPart` (a directory, a ZIP, an HTTP fetch)
 * and, for the receipt, the chain readers of {@link verifyReceipt}.
 */
import { sha3_256 } from "@noble/hashes/sha3.js";
import { equalBytes, fromHex, toHex } from "./bytes.ts";
import { InputError, PriorProofError } from "./errors.ts";
import { canonicalJson } from "./leaf.ts";
import type { Hex } from "./receipt.ts";
import { sha256 } from "./sha256.ts";
import { type Check, type CheckStatus, type Verdict, type VerifyOptions, verifyReceipt } from "./verify.ts";

/** The manifest format this module reads and the service writes. */
export const CAPTURE_MANIFEST_VERSION = "priorproof-capture/1";
/** The network log format (part `network.json`). */
export const CAPTURE_NETWORK_LOG_VERSION = "priorproof-network/1";
/** Largest manifest a verifier reads (bytes). */
export const MAX_MANIFEST_BYTES = 1024 * 1024;
/** Most parts a manifest may list. */
export const MAX_CAPTURE_PARTS = 32;
/** Largest part a verifier hashes (bytes); a capture's size budget is far below it. */
export const MAX_CAPTURE_PART_BYTES = 512 * 1024 * 1024;
/** A part name: a plain file name, safe as a path component on every system. */
export const CAPTURE_PART_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/** How a capture ended: `complete`, or cut short by its budgets (whatever was received is kept). */
export type CaptureOutcome = "complete" | "timeout" | "truncated";

/** One hashed file of a capture. */
export interface CapturePart {
  /** File name, e.g. `screenshot.png` (see {@link CAPTURE_PART_NAME}). */
  readonly name: string;
  readonly mediaType: string;
  readonly size: number;
  /** SHA-256 of the part's bytes, lower-case 0x hex. */
  readonly sha256: Hex;
}

/** A redirect the main document went through. */
export interface CaptureRedirect {
  readonly url: string;
  readonly status: number;
  readonly location: string;
}

/** The main document's TLS connection, as the browser reported it. */
export interface CaptureTls {
  readonly protocol: string;
  readonly subjectName: string;
  readonly issuer: string;
  readonly validFrom: string;
  readonly validTo: string;
  /** SHA-256 of each DER certificate, leaf first, as the browser received the chain (part `tls-chain.pem`). */
  readonly chainSha256: readonly Hex[];
}

/** `priorproof-capture/1` */
export interface CaptureManifest {
  readonly version: typeof CAPTURE_MANIFEST_VERSION;
  /** The capture's id at the service that made it. */
  readonly id: string;
  readonly request: {
    readonly url: string;
    readonly javascript: boolean;
    readonly viewport: { readonly width: number; readonly height: number };
    readonly timeBudgetMs: number;
    readonly sizeBudgetBytes: number;
  };
  readonly outcome: {
    readonly status: CaptureOutcome;
    /** Why a budget ended the capture, which requests were refused, and similar plain remarks. */
    readonly notes: readonly string[];
  };
  readonly page: {
    readonly finalUrl: string;
    /** HTTP status of the final main document, null when none arrived (timeout). */
    readonly httpStatus: number | null;
    readonly title: string;
    readonly redirects: readonly CaptureRedirect[];
  };
  readonly connection: {
    /** The target's host name and what the capturing host's resolver answered before loading. */
    readonly dns: { readonly host: string; readonly addresses: readonly string[] };
    /** The address the browser connected to for the main document. */
    readonly remoteAddress: { readonly ip: string; readonly port: number } | null;
    readonly tls: CaptureTls | null;
  };
  readonly environment: {
    /** e.g. `Chromium 156.0.8078.108`. */
    readonly browser: string;
    readonly userAgent: string;
    readonly viewport: { readonly width: number; readonly height: number };
    /** UTC ISO-8601 times of the capturing host's clock: NOT the evidence of time (the anchors are). */
    readonly startedAt: string;
    readonly finishedAt: string;
    readonly clock: string;
    /** The `Date` header of the main document, as the site sent it (its own clock), when present. */
    readonly serverDate: string | null;
    readonly software: string;
  };
  /** SHA-256 of the previous capture's manifest of the same URL (scheduled lineage), else null. */
  readonly previous: Hex | null;
  readonly parts: readonly CapturePart[];
}

/**
 * Encodes a manifest as stored and stamped: RFC 8785 canonical JSON in UTF-8.
 *
 * @example
 * const bytes = encodeCaptureManifest(manifest);
 * const digest = sha256(bytes); // what the service stamps
 */
export function encodeCaptureManifest(manifest: CaptureManifest): Uint8Array {
  return new TextEncoder().encode(canonicalJson(manifest));
}

type Problems = string[];
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;
const HEX32 = /^0x[0-9a-f]{64}$/;

function obj(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
function only(p: Problems, o: Record<string, unknown>, at: string, keys: readonly string[]): void {
  for (const k of Object.keys(o)) if (!keys.includes(k)) p.push(`${at}.${k}: unknown field`);
}
function str(p: Problems, o: Record<string, unknown>, key: string, at: string, max = 8_192): void {
  if (typeof o[key] !== "string" || (o[key] as string).length > max) p.push(`${at}.${key}: expected a string of at most ${max} characters`);
}
function int(p: Problems, o: Record<string, unknown>, key: string, at: string, nullable = false): void {
  const v = o[key];
  if (nullable && v === null) return;
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) p.push(`${at}.${key}: expected an integer ≥ 0`);
}
function iso(p: Problems, o: Record<string, unknown>, key: string, at: string, nullable = false): void {
  const v = o[key];
  if (nullable && v === null) return;
  if (typeof v !== "string" || !ISO.test(v) || Number.isNaN(Date.parse(v))) p.push(`${at}.${key}: expected a UTC ISO-8601 time`);
}
function hex32(p: Problems, o: Record<string, unknown>, key: string, at: string, nullable = false): void {
  const v = o[key];
  if (nullable && v === null) return;
  if (typeof v !== "string" || !HEX32.test(v)) p.push(`${at}.${key}: expected 32 bytes of lower-case 0x hex`);
}
function viewport(p: Problems, v: unknown, at: string): void {
  if (!obj(v)) return void p.push(`${at}: expected an object`);
  int(p, v, "width", at);
  int(p, v, "height", at);
  only(p, v, at, ["width", "height"]);
}

/**
 * Lists every problem of an untrusted manifest document (empty when it follows priorproof-capture/1).
 *
 * @example
 * captureManifestProblems({ version: "x" }) // ['version: expected "priorproof-capture/1", got "x"']
 */
export function captureManifestProblems(doc: unknown): string[] {
  const p: Problems = [];
  if (!obj(doc)) return ["manifest: expected a JSON object"];
  if (doc.version !== CAPTURE_MANIFEST_VERSION) return [`version: expected "${CAPTURE_MANIFEST_VERSION}", got ${JSON.stringify(doc.version)?.slice(0, 80)}`];
  only(p, doc, "manifest", ["version", "id", "request", "outcome", "page", "connection", "environment", "previous", "parts"]);
  str(p, doc, "id", "manifest", 200);
  if (!obj(doc.request)) p.push("request: expected an object");
  else {
    const r = doc.request;
    str(p, r, "url", "request");
    if (typeof r.javascript !== "boolean") p.push("request.javascript: expected a boolean");
    viewport(p, r.viewport, "request.viewport");
    int(p, r, "timeBudgetMs", "request");
    int(p, r, "sizeBudgetBytes", "request");
    only(p, r, "request", ["url", "javascript", "viewport", "timeBudgetMs", "sizeBudgetBytes"]);
  }
  if (!obj(doc.outcome)) p.push("outcome: expected an object");
  else {
    const o = doc.outcome;
    if (!["complete", "timeout", "truncated"].includes(o.status as string)) p.push("outcome.status: expected complete, timeout or truncated");
    if (!Array.isArray(o.notes) || o.notes.length > 256 || o.notes.some((n) => typeof n !== "string" || n.length > 2_000))
      p.push("outcome.notes: expected at most 256 strings");
    only(p, o, "outcome", ["status", "notes"]);
  }
  if (!obj(doc.page)) p.push("page: expected an object");
  else {
    const g = doc.page;
    str(p, g, "finalUrl", "page");
    int(p, g, "httpStatus", "page", true);
    str(p, g, "title", "page", 2_000);
    if (!Array.isArray(g.redirects) || g.redirects.length > 32) p.push("page.redirects: expected at most 32 redirects");
    else
      g.redirects.forEach((r, i) => {
        if (!obj(r)) {
          p.push(`page.redirects[${i}]: expected an object`);
          return;
        }
        str(p, r, "url", `page.redirects[${i}]`);
        int(p, r, "status", `page.redirects[${i}]`);
        str(p, r, "location", `page.redirects[${i}]`);
        only(p, r, `page.redirects[${i}]`, ["url", "status", "location"]);
      });
    only(p, g, "page", ["finalUrl", "httpStatus", "title", "redirects"]);
  }
  if (!obj(doc.connection)) p.push("connection: expected an object");
  else {
    const c = doc.connection;
    if (!obj(c.dns)) p.push("connection.dns: expected an object");
    else {
      str(p, c.dns, "host", "connection.dns", 255);
      if (!Array.isArray(c.dns.addresses) || c.dns.addresses.length > 64 || c.dns.addresses.some((a) => typeof a !== "string" || a.length > 64))
        p.push("connection.dns.addresses: expected at most 64 addresses");
      only(p, c.dns, "connection.dns", ["host", "addresses"]);
    }
    if (c.remoteAddress !== null) {
      if (!obj(c.remoteAddress)) p.push("connection.remoteAddress: expected an object or null");
      else {
        str(p, c.remoteAddress, "ip", "connection.remoteAddress", 64);
        int(p, c.remoteAddress, "port", "connection.remoteAddress");
        only(p, c.remoteAddress, "connection.remoteAddress", ["ip", "port"]);
      }
    }
    if (c.tls !== null) {
      if (!obj(c.tls)) p.push("connection.tls: expected an object or null");
      else {
        for (const k of ["protocol", "subjectName", "issuer"]) str(p, c.tls, k, "connection.tls", 2_000);
        iso(p, c.tls, "validFrom", "connection.tls");
        iso(p, c.tls, "validTo", "connection.tls");
        const chain = c.tls.chainSha256;
        if (!Array.isArray(chain) || chain.length > 16 || chain.some((h) => typeof h !== "string" || !HEX32.test(h)))
          p.push("connection.tls.chainSha256: expected at most 16 digests");
        only(p, c.tls, "connection.tls", ["protocol", "subjectName", "issuer", "validFrom", "validTo", "chainSha256"]);
      }
    }
    only(p, c, "connection", ["dns", "remoteAddress", "tls"]);
  }
  if (!obj(doc.environment)) p.push("environment: expected an object");
  else {
    const e = doc.environment;
    for (const k of ["browser", "userAgent", "clock", "software"]) str(p, e, k, "environment", 2_000);
    viewport(p, e.viewport, "environment.viewport");
    iso(p, e, "startedAt", "environment");
    iso(p, e, "finishedAt", "environment");
    if (e.serverDate !== null) str(p, e, "serverDate", "environment", 200);
    only(p, e, "environment", ["browser", "userAgent", "viewport", "startedAt", "finishedAt", "clock", "serverDate", "software"]);
  }
  hex32(p, doc, "previous", "manifest", true);
  if (!Array.isArray(doc.parts) || doc.parts.length === 0 || doc.parts.length > MAX_CAPTURE_PARTS) p.push(`parts: expected 1 to ${MAX_CAPTURE_PARTS} parts`);
  else {
    const seen = new Set<string>();
    doc.parts.forEach((part, i) => {
      const at = `parts[${i}]`;
      if (!obj(part)) {
        p.push(`${at}: expected an object`);
        return;
      }
      if (typeof part.name !== "string" || !CAPTURE_PART_NAME.test(part.name)) p.push(`${at}.name: expected a plain file name (${CAPTURE_PART_NAME.source})`);
      else if (seen.has(part.name)) p.push(`${at}.name: duplicate part ${part.name}`);
      else seen.add(part.name);
      str(p, part, "mediaType", at, 255);
      int(p, part, "size", at);
      hex32(p, part, "sha256", at);
      only(p, part, at, ["name", "mediaType", "size", "sha256"]);
    });
  }
  return p;
}

/**
 * Parses manifest bytes (as stored: canonical JSON, UTF-8) into a manifest, or throws
 * `INVALID_MANIFEST` listing the bad fields. Bytes that parse but are not the canonical encoding are
 * refused too (`MANIFEST_NOT_CANONICAL`): the stamped digest is over exactly one encoding.
 *
 * @example
 * const manifest = parseCaptureManifest(await readFile("capture/manifest.json"));
 */
export function parseCaptureManifest(bytes: Uint8Array): CaptureManifest {
  if (bytes.length > MAX_MANIFEST_BYTES)
    throw new InputError("INVALID_MANIFEST", `manifest is ${bytes.length} bytes, more than the ${MAX_MANIFEST_BYTES}-byte limit`);
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (e) {
    throw new InputError("INVALID_MANIFEST", `manifest is not UTF-8 JSON: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  const problems = captureManifestProblems(doc);
  if (problems.length > 0) {
    throw new InputError(
      "INVALID_MANIFEST",
      `manifest is not ${CAPTURE_MANIFEST_VERSION}: ${problems.slice(0, 5).join("; ")}${problems.length > 5 ? ` (+${problems.length - 5} more)` : ""}`,
      { cause: problems },
    );
  }
  const manifest = doc as CaptureManifest;
  if (!equalBytes(encodeCaptureManifest(manifest), bytes))
    throw new InputError("MANIFEST_NOT_CANONICAL", "manifest bytes are not its RFC 8785 canonical encoding");
  return manifest;
}

/** Reads one part by name; resolves undefined when there is no such part. */
export type CapturePartReader = (name: string, limits: { maxBytes: number }) => Promise<Uint8Array | undefined>;

/**
 * Throws `PART_MISSING`, `PART_TOO_LARGE`, `PART_SIZE_MISMATCH` or `PART_DIGEST_MISMATCH` (the part named
 * in the message) unless `bytes` are the part the manifest lists.
 *
 * @example
 * verifyCapturePart(manifest.parts[0], await readFile("capture/screenshot.png"));
 */
export function verifyCapturePart(part: CapturePart, bytes: Uint8Array | undefined): void {
  if (bytes === undefined) throw new CaptureError("PART_MISSING", `part ${part.name} is missing`);
  if (bytes.length !== part.size) throw new CaptureError("PART_SIZE_MISMATCH", `part ${part.name} is ${bytes.length} bytes, the manifest says ${part.size}`);
  const digest = sha256(bytes);
  if (!equalBytes(digest, fromHex(part.sha256, 32)))
    throw new CaptureError("PART_DIGEST_MISMATCH", `part ${part.name} has sha-256 ${toHex(digest)}, the manifest says ${part.sha256}`);
}

/**
 * Codes of the capture family: a part of a web capture does not match its manifest.
 * - `PART_MISSING`: a part the manifest lists was not given.
 * - `PART_SIZE_MISMATCH`: a part has another size than the manifest says.
 * - `PART_DIGEST_MISMATCH`: a part has another SHA-256 than the manifest says.
 */
export type CaptureErrorCode = "PART_MISSING" | "PART_SIZE_MISMATCH" | "PART_DIGEST_MISMATCH";

/** A capture whose parts or manifest do not match. */
export class CaptureError extends PriorProofError {
  declare readonly code: CaptureErrorCode;
  constructor(code: CaptureErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** The outcome of {@link verifyCapture}. */
export interface CaptureVerdict {
  /** True when the manifest parsed, every part matched, and the receipt verified for the manifest's digest. */
  readonly verified: boolean;
  /** `manifest`, `parts.<name>` for each part, then `receipt`. */
  readonly checks: readonly Check[];
  readonly manifest?: CaptureManifest;
  /** SHA-256 of the manifest bytes (what the receipt must stamp). */
  readonly manifestSha256?: Hex;
  /** Parts whose check failed, by name. */
  readonly failedParts: readonly string[];
  /** The receipt's own verdict, when a receipt was given. */
  readonly receipt?: Verdict;
}

/** Input of {@link verifyCapture}. */
export interface VerifyCaptureInput {
  /** The manifest bytes exactly as stored (`manifest.json`). */
  readonly manifest: Uint8Array;
  readonly readPart: CapturePartReader;
  /** The receipt of the manifest's entry (parsed JSON); absent: the receipt check is not-checked. */
  readonly receipt?: unknown;
  /** Chain readers, checkpoints, TSA verifier, code hashes, deployments, finality… for the receipt (the digests are supplied here). */
  readonly receiptOptions?: Omit<VerifyOptions, "sha256" | "sha3_256">;
}

function failureOf(e: unknown): { code: string; detail: string } {
  if (e instanceof PriorProofError) return { code: e.code, detail: e.message };
  return { code: "UNEXPECTED", detail: e instanceof Error ? e.message : String(e) };
}

/**
 * Checks a capture: the manifest (format and canonical encoding), every part against the manifest
 * (size and SHA-256; a changed byte fails with the part named), and the manifest against its receipt
 * (the receipt's subject digest must be the manifest's SHA-256, then the receipt's own proofs, via
 * {@link verifyReceipt}). Bounded: one manifest ≤ 1 MiB, ≤ 32 parts, each ≤ 512 MiB.
 *
 * @example
 * const verdict = await verifyCapture({
 *   manifest: await readFile("cap/manifest.json"),
 *   readPart: async (name) => readFile(join("cap", name)),
 *   receipt: JSON.parse(await readFile("cap/receipt.json", "utf8")),
 *   receiptOptions: { chains: { "11155111": createChainReader(rpcUrl) } },
 * });
 * if (!verdict.verified) console.log(verdict.failedParts);
 */
export async function verifyCapture(input: VerifyCaptureInput): Promise<CaptureVerdict> {
  const checks: Check[] = [];
  const add = (id: string, title: string, status: CheckStatus, detail: string, code?: string) =>
    checks.push(code ? { id, title, status, detail, code } : { id, title, status, detail });
  let manifest: CaptureManifest;
  try {
    manifest = parseCaptureManifest(input.manifest);
  } catch (e) {
    const f = failureOf(e);
    add("manifest", `Manifest follows ${CAPTURE_MANIFEST_VERSION}`, "failed", f.detail, f.code);
    return { verified: false, checks, failedParts: [] };
  }
  const manifestSha256 = toHex(sha256(input.manifest));
  add("manifest", `Manifest follows ${CAPTURE_MANIFEST_VERSION}`, "passed", `capture ${manifest.id} of ${manifest.request.url}, sha-256 ${manifestSha256}`);

  const failedParts: string[] = [];
  for (const part of manifest.parts) {
    const title = `Part ${part.name} is the one listed`;
    try {
      verifyCapturePart(part, await input.readPart(part.name, { maxBytes: Math.min(part.size, MAX_CAPTURE_PART_BYTES) + 1 }));
      add(`parts.${part.name}`, title, "passed", `${part.size} bytes, sha-256 ${part.sha256}`);
    } catch (e) {
      const f = failureOf(e);
      failedParts.push(part.name);
      add(`parts.${part.name}`, title, "failed", f.detail, f.code);
    }
  }

  let receipt: Verdict | undefined;
  if (input.receipt === undefined) {
    add("receipt", "The manifest is stamped", "not-checked", "no receipt was given");
  } else {
    // Both digests of the manifest: a receipt/2 commits to its SHA3-256 too (a second hash family).
    receipt = await verifyReceipt(input.receipt, { ...input.receiptOptions, sha256: sha256(input.manifest), sha3_256: sha3_256(input.manifest) });
    const failed = receipt.checks.find((c) => c.status === "failed");
    if (receipt.verified)
      add(
        "receipt",
        "The manifest is stamped",
        "passed",
        `receipt ${receipt.receipt?.id ?? "?"}${receipt.existedNoLaterThan ? `, existed no later than ${receipt.existedNoLaterThan}` : ""}`,
      );
    else if (failed) add("receipt", "The manifest is stamped", "failed", `${failed.title}: ${failed.detail}`, failed.code ?? "RECEIPT_FAILED");
    else
      add(
        "receipt",
        "The manifest is stamped",
        "not-checked",
        receipt.checks
          .filter((c) => c.status === "not-checked")
          .map((c) => `${c.title}: ${c.detail}`)
          .join("; "),
      );
  }
  const verified = failedParts.length === 0 && receipt?.verified === true && !checks.some((c) => c.status === "failed");
  return { verified, checks, manifest, manifestSha256, failedParts, ...(receipt ? { receipt } : {}) };
}

/** Whether `v` is a 0x SHA-256 digest in the manifest's spelling. */
export function isCaptureDigest(v: unknown): v is Hex {
  return typeof v === "string" && HEX32.test(v);
}
