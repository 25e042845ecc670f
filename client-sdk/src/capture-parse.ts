/** Checks a web-capture manifest field by field and parses its stored bytes (`priorproof-capture/1`). */
import { equalBytes } from "./bytes.ts";
import { InputError } from "./errors.ts";
import type { Hex } from "./receipt.ts";
import {
  CAPTURE_MANIFEST_VERSION,
  CAPTURE_PART_NAME,
  type CaptureManifest,
  encodeCaptureManifest,
  MAX_CAPTURE_PARTS,
  MAX_MANIFEST_BYTES,
} from "./capture-manifest.ts";

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

/** Whether `v` is a 0x SHA-256 digest in the manifest's spelling. */
export function isCaptureDigest(v: unknown): v is Hex {
  return typeof v === "string" && HEX32.test(v);
}
