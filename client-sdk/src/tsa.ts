/**
 * RFC 3161 time-stamp tokens over Merkle batch roots: request encoding, response parsing and a pure
 * verifier (no I/O; WebCrypto through pkijs's CryptoEngine, so it runs in browsers as in Node).
 *
 * What `verifyTimestampToken` establishes, each failure with its own code (errors.ts):
 * - the token is a CMS SignedData (RFC 5652) with exactly one signer over an id-ct-TSTInfo (`TSA_MALFORMED`);
 * - the message imprint is SHA-256 and equals the expected digest (`TSA_IMPRINT_MISMATCH`);
 * - the nonce (and policy) match when the caller gives them (`TSA_NONCE_MISMATCH`, `TSA_POLICY_MISMATCH`);
 * - content-type and message-digest signed attributes are right, the signature verifies over the signed
 *   attributes, and the ESS signing-certificate(-v2) attribute (RFC 2634 / RFC 5035 / RFC 5816) names the
 *   signer certificate by hash (and issuer/serial when present) (`TSA_SIGNATURE_INVALID`);
 * - the signer certificate has exactly one extended key usage, id-kp-timeStamping, marked critical, and a
 *   key usage (if any) limited to digitalSignature/nonRepudiation — RFC 3161 §2.3, as OpenSSL checks it
 *   (`TSA_EKU_MISSING`);
 * - the signer certificate chains to a caller trust anchor, every certificate valid at genTime
 *   (pkijs CertificateChainValidationEngine, checkDate = genTime) (`TSA_UNTRUSTED`).
 * Revocation is NOT checked (that needs I/O: CRL/OCSP fetches); see `opensslVerifyCommands` for the
 * independent check an expert runs.
 *
 * "Qualified": ETSI EN 319 422 V1.1.1 clause 9.1 and Annex B put the claim in the token itself — the
 * TSTInfo carries a non-critical qcStatements extension (RFC 3739, 1.3.6.1.5.5.7.1.3) containing
 * esi4-qtstStatement-1, id-etsi-tsts-EuQCompliance = 0.4.0.19422.1.1. QcCompliance (0.4.0.1862.1.1) is
 * the EN 319 412-5 statement for qualified *certificates*; EN 319 422 does not use it for tokens, so
 * `qualified` is derived from the TSTInfo only. The signer certificate's own QC statements are reported
 * separately (`tsa.qcStatements`). Both are the issuer's signed claim; whether the TSA really is a
 * qualified trust service is decided by the EU Trusted List, which this offline verifier does not read.
 */
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { equalBytes, toHex } from "./bytes.ts";
import { PriorProofError, TimestampRejectedError, TimestampTokenError, type TimestampTokenErrorCode } from "./errors.ts";

export { PriorProofError, TimestampRejectedError, TimestampTokenError, type TimestampTokenErrorCode };

// ---------------------------------------------------------------------------------------------- OIDs

export const OID_SHA256 = "2.16.840.1.101.3.4.2.1";
const OID_SHA384 = "2.16.840.1.101.3.4.2.2";
const OID_SHA512 = "2.16.840.1.101.3.4.2.3";
const OID_SHA1 = "1.3.14.3.2.26";
const OID_SIGNED_DATA = "1.2.840.113549.1.7.2";
const OID_TST_INFO = "1.2.840.113549.1.9.16.1.4";
const OID_CONTENT_TYPE = "1.2.840.113549.1.9.3";
const OID_MESSAGE_DIGEST = "1.2.840.113549.1.9.4";
const OID_SIGNING_CERTIFICATE = "1.2.840.113549.1.9.16.2.12";
const OID_SIGNING_CERTIFICATE_V2 = "1.2.840.113549.1.9.16.2.47";
const OID_RSA_ENCRYPTION = "1.2.840.113549.1.1.1";
const OID_EXT_KEY_USAGE = "2.5.29.37";
const OID_KEY_USAGE = "2.5.29.15";
const OID_SUBJECT_KEY_IDENTIFIER = "2.5.29.14";
export const OID_KP_TIME_STAMPING = "1.3.6.1.5.5.7.3.8";
export const OID_QC_STATEMENTS = "1.3.6.1.5.5.7.1.3";
/** ETSI EN 319 422 esi4-qtstStatement-1 (id-etsi-tsts-EuQCompliance): "this token is an EU qualified time-stamp". */
export const OID_ETSI_QTST_STATEMENT = "0.4.0.19422.1.1";
/** ETSI EN 319 412-5 QcCompliance: "this certificate is an EU qualified certificate" (reported, not used for `qualified`). */
export const OID_ETSI_QC_COMPLIANCE = "0.4.0.1862.1.1";

const HASH_BY_OID: Readonly<Record<string, "SHA-1" | "SHA-256" | "SHA-384" | "SHA-512">> = {
  [OID_SHA1]: "SHA-1",
  [OID_SHA256]: "SHA-256",
  [OID_SHA384]: "SHA-384",
  [OID_SHA512]: "SHA-512",
};
const STRONG_HASHES = new Set(["SHA-256", "SHA-384", "SHA-512"]);

// --------------------------------------------------------------------------------------------- types

/** Parameters of a TimeStampReq (RFC 3161 §2.4.1) over a SHA-256 digest. */
export interface TimeStampRequestParams {
  /** The 32-byte SHA-256 digest to stamp (a Merkle batch root). */
  readonly digest: Uint8Array;
  /** Non-negative nonce, at most 160 bits; echo-checked in the token. */
  readonly nonce: bigint;
  /** Ask the TSA to include its certificate (default true; the verifier needs it or `intermediates`). */
  readonly certReq?: boolean;
  /** Requested TSA policy OID. */
  readonly policy?: string;
}

export type GrantedStatus = "granted" | "grantedWithMods";

/** A TimeStampResp whose status granted a token. */
export interface ParsedTimeStampResponse {
  readonly status: GrantedStatus;
  readonly statusStrings: readonly string[];
  /** The exact DER bytes of the TimeStampToken (a CMS ContentInfo) inside the response. */
  readonly token: Uint8Array;
}

export interface VerifyTimestampOptions {
  /** The 32-byte SHA-256 digest the token must stamp. */
  readonly digest: Uint8Array;
  /** When given, the token's nonce must equal it. */
  readonly nonce?: bigint;
  /** When given, the token's policy OID must equal it. */
  readonly policy?: string;
  /** DER X.509 certificates the signer must chain to (at least one). */
  readonly trustAnchors: readonly Uint8Array[];
  /** DER certificates that may complete the chain (or supply the signer when the token has none). */
  readonly intermediates?: readonly Uint8Array[];
  /** When given, genTime may not be later than `now + maxClockSkewMs` (default 5 minutes). */
  readonly now?: Date;
  readonly maxClockSkewMs?: number;
}

export interface TimestampAccuracy {
  readonly seconds: number;
  readonly millis: number;
  readonly micros: number;
}

/** Identity of the certificate that signed a token. */
export interface TsaIdentity {
  /** RFC 4514-style distinguished name, most specific RDN first. */
  readonly subject: string;
  readonly issuer: string;
  /** Certificate serial number, lower-case hex without 0x. */
  readonly serial: string;
  /** SHA-256 of the signer certificate DER, lower-case hex without 0x. */
  readonly sha256Fingerprint: string;
}

/** What a verified token says. */
export interface TimestampTokenInfo {
  readonly genTime: Date;
  /** TSTInfo serialNumber, lower-case hex without 0x. */
  readonly serial: string;
  /** TSA policy OID. */
  readonly policy: string;
  readonly accuracy?: TimestampAccuracy;
  readonly ordering: boolean;
  readonly nonce?: bigint;
  /** Message imprint hash algorithm (always "SHA-256" once verified). */
  readonly hashAlgorithm: "SHA-256";
  /** The stamped digest, 0x hex (equal to the caller's digest once verified). */
  readonly messageImprint: `0x${string}`;
  readonly tsa: TsaIdentity & {
    /** QC statement OIDs found in the signer certificate (informative). */
    readonly qcStatements: readonly string[];
  };
  /** The TSTInfo `tsa` field when it is a directory name (RFC 4514-style). */
  readonly tsaName?: string;
  /** True when the TSTInfo carries qcStatements with esi4-qtstStatement-1 (ETSI EN 319 422 §9.1). */
  readonly qualified: boolean;
  /** SHA-256 fingerprints from the signer certificate to the trust anchor. */
  readonly chain: readonly string[];
}

/**
 * The receipt JSON for an RFC 3161 anchor. The Merkle proof from leaf to `stampedDigest` is carried
 * elsewhere in the receipt; `token` alone re-verifies (it contains the TSA certificate: we request
 * certReq = true) with `verifyTimestampToken` or `openssl ts -verify -token_in`.
 */
export interface Rfc3161AnchorReceipt {
  readonly type: "rfc3161";
  readonly tsaUrl?: string;
  /** base64 DER of the TimeStampToken (CMS ContentInfo), not of the TimeStampResp. */
  readonly token: string;
  /** genTime, ISO-8601 UTC with milliseconds (`Date.prototype.toISOString`). */
  readonly genTime: string;
  readonly serial: string;
  readonly policy: string;
  readonly tsa: TsaIdentity;
  readonly qualified: boolean;
  /** The batch root the token stamps. */
  readonly stampedDigest: `0x${string}`;
}

// ------------------------------------------------------------------------------------- small helpers

function fail(code: TimestampTokenErrorCode, message: string, cause?: unknown): never {
  throw new TimestampTokenError(code, message, cause === undefined ? undefined : { cause });
}

function hexOf(bytes: Uint8Array): string {
  return toHex(bytes).slice(2);
}

function toBytes(view: ArrayBuffer | Uint8Array): Uint8Array {
  return view instanceof Uint8Array ? new Uint8Array(view) : new Uint8Array(view.slice(0));
}

function isBytes(v: unknown): v is Uint8Array {
  return v instanceof Uint8Array;
}

const OID_RE = /^[0-2](\.(0|[1-9]\d*))+$/;

function checkOid(oid: unknown, what: string): string {
  if (typeof oid !== "string" || !OID_RE.test(oid)) fail("TSA_INVALID_ARGUMENT", `${what} is not a dotted oid: ${JSON.stringify(oid)}`);
  const [first, second] = oid.split(".").map(Number);
  if ((first ?? 0) < 2 && (second ?? 0) >= 40) fail("TSA_INVALID_ARGUMENT", `${what} is not a valid oid: ${oid}`);
  return oid;
}

function checkDigest(digest: unknown): Uint8Array {
  if (!isBytes(digest) || digest.length !== 32) {
    fail("TSA_INVALID_ARGUMENT", `digest must be 32 bytes of sha-256, got ${isBytes(digest) ? `${digest.length} bytes` : typeof digest}`);
  }
  return digest;
}

function signedBigInt(bytes: Uint8Array): bigint {
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  if (bytes.length > 0 && ((bytes[0] ?? 0) & 0x80) !== 0) v -= 1n << BigInt(bytes.length * 8);
  return v;
}

function integerHex(int: asn1js.Integer): string {
  const v = signedBigInt(int.valueBlock.valueHexView);
  return v < 0n ? `-${(-v).toString(16)}` : v.toString(16);
}

let cachedEngine: pkijs.CryptoEngine | undefined;
function cryptoEngine(): pkijs.CryptoEngine {
  if (cachedEngine) return cachedEngine;
  const c = (globalThis as { crypto?: Crypto }).crypto;
  if (!c?.subtle) throw new PriorProofError("WEBCRYPTO_UNAVAILABLE", "globalThis.crypto.subtle is not available");
  cachedEngine = new pkijs.CryptoEngine({ name: "priorproof-webcrypto", crypto: c });
  return cachedEngine;
}

async function digestBytes(name: string, data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await cryptoEngine().digest({ name }, new Uint8Array(data)));
}

/**
 * Checks that `bytes` is exactly one well-formed BER element: every definite length is exactly filled
 * by its children, indefinite lengths (constructed only) end with end-of-contents, nothing trails.
 * asn1js alone is lenient about a child overrunning its parent's length; OpenSSL is not, and a token
 * we accept must be one OpenSSL accepts.
 */
function checkBerStructure(bytes: Uint8Array): string | undefined {
  const elements = (start: number, end: number, depth: number, indefinite: boolean): number | string => {
    let pos = start;
    for (;;) {
      if (indefinite) {
        if (pos + 2 > end) return "missing end-of-contents";
        if (bytes[pos] === 0 && bytes[pos + 1] === 0) return pos + 2;
      } else if (pos === end) {
        return pos;
      }
      if (depth > 64) return "nesting too deep";
      const tag = bytes[pos++] ?? 0;
      if ((tag & 0x1f) === 0x1f) {
        let n = 0;
        while (pos < end && ((bytes[pos] ?? 0) & 0x80) !== 0 && n < 4) {
          pos++;
          n++;
        }
        if (pos >= end || n >= 4) return "bad tag";
        pos++;
      }
      if (pos >= end) return "truncated length";
      const first = bytes[pos++] ?? 0;
      const constructed = (tag & 0x20) !== 0;
      if (first === 0x80) {
        if (!constructed) return "indefinite length on a primitive";
        const r = elements(pos, end, depth + 1, true);
        if (typeof r === "string") return r;
        pos = r;
        continue;
      }
      let len = first;
      if (first > 0x80) {
        const n = first & 0x7f;
        if (n > 4 || pos + n > end) return "bad length";
        len = 0;
        for (let i = 0; i < n; i++) len = len * 256 + (bytes[pos++] ?? 0);
      }
      if (pos + len > end) return "length overruns its container";
      if (constructed) {
        const r = elements(pos, pos + len, depth + 1, false);
        if (typeof r === "string") return r;
      }
      pos += len;
      if (!indefinite && depth === 0) return pos === end ? pos : "trailing bytes";
    }
  };
  const r = elements(0, bytes.length, 0, false);
  return typeof r === "string" ? r : undefined;
}

/** Strict parse: the whole input must be exactly one well-formed BER element. */
function parseDer(bytes: Uint8Array, what: string, code: TimestampTokenErrorCode = "TSA_MALFORMED"): asn1js.AsnType {
  if (!isBytes(bytes) || bytes.length === 0) fail(code, `${what}: expected non-empty der bytes`);
  const problem = checkBerStructure(bytes);
  if (problem) fail(code, `${what}: malformed encoding (${problem})`);
  const r = asn1js.fromBER(bytes);
  if (r.offset === -1 || r.result.error) fail(code, `${what}: not der (${r.result.error || "decode error"})`);
  if (r.offset !== bytes.length) fail(code, `${what}: ${bytes.length - r.offset} trailing bytes after the der element`);
  return r.result;
}

// ------------------------------------------------------------------------------------ DER encoding

function derLength(n: number): Uint8Array {
  if (n < 0x80) return Uint8Array.of(n);
  const out: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) out.unshift(v % 256);
  return Uint8Array.of(0x80 | out.length, ...out);
}

function tlv(tag: number, ...parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const len = derLength(length);
  const out = new Uint8Array(1 + len.length + length);
  out[0] = tag;
  out.set(len, 1);
  let o = 1 + len.length;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function derUnsignedInteger(v: bigint): Uint8Array {
  const bytes: number[] = [];
  for (let x = v; x > 0n; x >>= 8n) bytes.unshift(Number(x & 0xffn));
  if (bytes.length === 0 || ((bytes[0] ?? 0) & 0x80) !== 0) bytes.unshift(0);
  return tlv(0x02, Uint8Array.from(bytes));
}

function derOid(oid: string): Uint8Array {
  const arcs = oid.split(".").map((s) => BigInt(s));
  const body: number[] = [];
  const push = (arc: bigint): void => {
    const chunk: number[] = [Number(arc & 0x7fn)];
    for (let x = arc >> 7n; x > 0n; x >>= 7n) chunk.unshift(Number(x & 0x7fn) | 0x80);
    body.push(...chunk);
  };
  push((arcs[0] ?? 0n) * 40n + (arcs[1] ?? 0n));
  for (const arc of arcs.slice(2)) push(arc);
  return tlv(0x06, Uint8Array.from(body));
}

/**
 * Encodes a DER TimeStampReq (RFC 3161 §2.4.1): version 1, SHA-256 message imprint (AlgorithmIdentifier
 * without parameters, RFC 5754), optional reqPolicy, the nonce, certReq.
 *
 * @example
 * const req = encodeTimeStampRequest({ digest: root, nonce: randomNonce(), certReq: true });
 */
export function encodeTimeStampRequest(params: TimeStampRequestParams): Uint8Array {
  const digest = checkDigest(params?.digest);
  const { nonce } = params;
  if (typeof nonce !== "bigint" || nonce < 0n || nonce >= 1n << 160n) {
    fail("TSA_INVALID_ARGUMENT", `nonce must be a bigint in [0, 2^160): ${String(nonce)}`);
  }
  const policy = params.policy === undefined ? undefined : checkOid(params.policy, "policy");
  const certReq = params.certReq ?? true;
  const imprint = tlv(0x30, tlv(0x30, derOid(OID_SHA256)), tlv(0x04, digest));
  const parts = [derUnsignedInteger(1n), imprint];
  if (policy !== undefined) parts.push(derOid(policy));
  parts.push(derUnsignedInteger(nonce));
  if (certReq) parts.push(Uint8Array.of(0x01, 0x01, 0xff)); // certReq BOOLEAN DEFAULT FALSE: omitted when false
  return tlv(0x30, ...parts);
}

/** A random 64-bit nonce (WebCrypto), as RFC 3161 §2.4.1 suggests. */
export function randomNonce(): bigint {
  const b = new Uint8Array(8);
  globalThis.crypto.getRandomValues(b);
  let v = 0n;
  for (const x of b) v = (v << 8n) | BigInt(x);
  return v;
}

// -------------------------------------------------------------------------------- response parsing

const PKI_STATUS = ["granted", "grantedWithMods", "rejection", "waiting", "revocationWarning", "revocationNotification"] as const;
const FAIL_INFO: Readonly<Record<number, string>> = {
  0: "badAlg",
  2: "badRequest",
  5: "badDataFormat",
  14: "timeNotAvailable",
  15: "unacceptedPolicy",
  16: "unacceptedExtension",
  17: "addInfoNotAvailable",
  25: "systemFailure",
};

function isUniversal(node: unknown, tagNumber: number): node is asn1js.BaseBlock {
  return node instanceof asn1js.BaseBlock && node.idBlock.tagClass === 1 && node.idBlock.tagNumber === tagNumber;
}

function children(node: asn1js.BaseBlock): asn1js.BaseBlock[] {
  const value = (node.valueBlock as { value?: unknown }).value;
  return Array.isArray(value) ? (value as asn1js.BaseBlock[]) : [];
}

/**
 * Parses a DER TimeStampResp (RFC 3161 §2.4.2). Returns the token's exact bytes when the status is
 * granted or grantedWithMods; throws `TimestampRejectedError` (`TSA_REJECTED`) for any other status and
 * `TSA_MALFORMED` when the bytes are not a TimeStampResp. It does not verify the token.
 */
export function parseTimeStampResponse(der: Uint8Array): ParsedTimeStampResponse {
  const root = parseDer(der, "timestamp response");
  const top = isUniversal(root, 16) ? children(root) : [];
  const statusInfo = top[0];
  if (!statusInfo || top.length > 2 || !isUniversal(statusInfo, 16)) fail("TSA_MALFORMED", "timestamp response: expected SEQUENCE { PKIStatusInfo, token? }");
  const [statusNode, ...rest] = children(statusInfo);
  if (!(statusNode instanceof asn1js.Integer)) fail("TSA_MALFORMED", "timestamp response: PKIStatus is not an INTEGER");
  const statusCode = signedBigInt(statusNode.valueBlock.valueHexView);
  const statusStrings: string[] = [];
  const failInfo: string[] = [];
  for (const node of rest) {
    if (node instanceof asn1js.BitString) {
      const bits = node.valueBlock.valueHexView;
      for (let i = 0; i < bits.length * 8; i++) {
        if (((bits[i >> 3] ?? 0) >> (7 - (i & 7))) & 1) failInfo.push(FAIL_INFO[i] ?? `bit${i}`);
      }
    } else if (isUniversal(node, 16)) {
      for (const s of children(node)) statusStrings.push(s instanceof asn1js.Utf8String ? s.getValue() : "?");
    } else {
      fail("TSA_MALFORMED", "timestamp response: unexpected element in PKIStatusInfo");
    }
  }
  const name = statusCode >= 0n && statusCode < 6n ? PKI_STATUS[Number(statusCode)] : undefined;
  if (name !== "granted" && name !== "grantedWithMods") {
    throw new TimestampRejectedError(name ?? String(statusCode), failInfo, statusStrings);
  }
  const tokenNode = top[1];
  if (!tokenNode || !isUniversal(tokenNode, 16)) fail("TSA_MALFORMED", `timestamp response: status ${name} without a token`);
  return { status: name, statusStrings, token: new Uint8Array(tokenNode.valueBeforeDecodeView) };
}

// ----------------------------------------------------------------------------------- names & certs

const NAME_ATTRS: Readonly<Record<string, string>> = {
  "2.5.4.3": "CN",
  "2.5.4.4": "SN",
  "2.5.4.5": "serialNumber",
  "2.5.4.6": "C",
  "2.5.4.7": "L",
  "2.5.4.8": "ST",
  "2.5.4.9": "STREET",
  "2.5.4.10": "O",
  "2.5.4.11": "OU",
  "2.5.4.12": "title",
  "2.5.4.42": "GN",
  "2.5.4.97": "organizationIdentifier",
  "0.9.2342.19200300.100.1.1": "UID",
  "0.9.2342.19200300.100.1.25": "DC",
  "1.2.840.113549.1.9.1": "emailAddress",
};

function escapeDnValue(v: string): string {
  let s = v.replace(/[\\,+"<>;=]/g, (c) => `\\${c}`);
  if (s.startsWith(" ") || s.startsWith("#")) s = `\\${s}`;
  if (s.endsWith(" ") && s.length > 1) s = `${s.slice(0, -1)}\\ `;
  return s;
}

/** RFC 4514-style rendering of an X.500 Name: the last RDN first, `+` inside multi-valued RDNs. */
function formatName(name: pkijs.RelativeDistinguishedNames): string {
  // pkijs flattens RDNs into typesAndValues; group them back through the raw RDNSequence when possible.
  const seq = name.valueBeforeDecode.byteLength > 0 ? asn1js.fromBER(name.valueBeforeDecode).result : undefined;
  const rdns: pkijs.AttributeTypeAndValue[][] = [];
  if (seq && isUniversal(seq, 16)) {
    for (const set of children(seq)) rdns.push(children(set).map((atv) => new pkijs.AttributeTypeAndValue({ schema: atv })));
  } else {
    for (const atv of name.typesAndValues) rdns.push([atv]);
  }
  return rdns
    .reverse()
    .map((rdn) =>
      rdn
        .map((atv) => {
          const key = NAME_ATTRS[atv.type] ?? atv.type;
          const value = (atv.value.valueBlock as { value?: unknown }).value;
          if (typeof value === "string" && key !== atv.type) return `${key}=${escapeDnValue(value)}`;
          return `${atv.type}=#${hexOf(new Uint8Array(atv.value.toBER()))}`;
        })
        .join("+"),
    )
    .join(",");
}

interface RawCert {
  readonly der: Uint8Array;
  readonly cert: pkijs.Certificate;
}

function parseCertificate(der: Uint8Array, what: string, code: TimestampTokenErrorCode): RawCert {
  const node = parseDer(der, what, code);
  try {
    return { der: new Uint8Array(der), cert: new pkijs.Certificate({ schema: node }) };
  } catch (e) {
    return fail(code, `${what}: not an x.509 certificate`, e);
  }
}

function extensions(cert: pkijs.Certificate, oid: string): pkijs.Extension[] {
  return (cert.extensions ?? []).filter((e) => e.extnID === oid);
}

function qcStatementIds(extnValue: Uint8Array): string[] {
  try {
    const seq = parseDer(extnValue, "qcStatements");
    if (!isUniversal(seq, 16)) return [];
    const ids: string[] = [];
    for (const st of children(seq)) {
      const id = children(st)[0];
      if (id instanceof asn1js.ObjectIdentifier) ids.push(id.valueBlock.toString());
    }
    return ids;
  } catch {
    return [];
  }
}

function checkTimestampingUsage(cert: pkijs.Certificate): void {
  const eku = extensions(cert, OID_EXT_KEY_USAGE);
  if (eku.length !== 1) fail("TSA_EKU_MISSING", `signer certificate has ${eku.length} extended key usage extensions, expected one`);
  const ext = eku[0] as pkijs.Extension;
  const purposes = ext.parsedValue instanceof pkijs.ExtKeyUsage ? ext.parsedValue.keyPurposes : [];
  if (purposes.length !== 1 || purposes[0] !== OID_KP_TIME_STAMPING) {
    fail("TSA_EKU_MISSING", `signer extended key usage must be exactly id-kp-timeStamping, got ${purposes.join(",") || "none"}`);
  }
  if (!ext.critical) fail("TSA_EKU_MISSING", "signer extended key usage id-kp-timeStamping is not critical");
  const ku = extensions(cert, OID_KEY_USAGE)[0];
  if (ku) {
    const bits = ku.parsedValue instanceof asn1js.BitString ? ku.parsedValue.valueBlock.valueHexView : new Uint8Array();
    const b0 = bits[0] ?? 0;
    const b1 = bits[1] ?? 0;
    // digitalSignature (0x80) or nonRepudiation (0x40) required; no other usage allowed (as OpenSSL).
    if ((b0 & 0xc0) === 0 || (b0 & 0x3f) !== 0 || b1 !== 0) fail("TSA_EKU_MISSING", `signer key usage does not permit time-stamping only: ${hexOf(bits)}`);
  }
}

// ------------------------------------------------------------------------------------ verification

interface EssCertId {
  readonly hashName: string;
  readonly certHash: Uint8Array;
  readonly issuerSerial?: asn1js.BaseBlock;
}

function parseEssCertId(attr: pkijs.Attribute, v2: boolean): EssCertId {
  const bad = (why: string): never => fail("TSA_SIGNATURE_INVALID", `ess signing-certificate${v2 ? "-v2" : ""} attribute: ${why}`);
  if (attr.values.length !== 1) bad("expected one value");
  const signingCertificate = attr.values[0] as unknown;
  if (!isUniversal(signingCertificate, 16)) return bad("not a SEQUENCE");
  const certs = children(signingCertificate)[0];
  if (!certs || !isUniversal(certs, 16)) return bad("no certs");
  const first = children(certs)[0];
  if (!first || !isUniversal(first, 16)) return bad("empty certs");
  const parts = children(first);
  let hashName = v2 ? "SHA-256" : "SHA-1";
  if (v2 && parts[0] && isUniversal(parts[0], 16)) {
    const algId = children(parts.shift() as asn1js.BaseBlock)[0];
    const oid = algId instanceof asn1js.ObjectIdentifier ? algId.valueBlock.toString() : "";
    const name = HASH_BY_OID[oid];
    if (!name || !STRONG_HASHES.has(name)) return bad(`unsupported hash algorithm ${oid}`);
    hashName = name;
  }
  const hash = parts[0];
  if (!(hash instanceof asn1js.OctetString)) return bad("certHash is not an OCTET STRING");
  const issuerSerial = parts[1];
  return issuerSerial ? { hashName, certHash: new Uint8Array(hash.valueBlock.valueHexView), issuerSerial } : { hashName, certHash: new Uint8Array(hash.valueBlock.valueHexView) };
}

async function checkEssBinding(attrs: pkijs.Attribute[], signer: RawCert): Promise<void> {
  const v1 = attrs.filter((a) => a.type === OID_SIGNING_CERTIFICATE);
  const v2 = attrs.filter((a) => a.type === OID_SIGNING_CERTIFICATE_V2);
  if (v1.length + v2.length === 0) fail("TSA_SIGNATURE_INVALID", "no ess signing-certificate(-v2) signed attribute");
  for (const [attr, isV2] of [...v1.map((a) => [a, false] as const), ...v2.map((a) => [a, true] as const)]) {
    const id = parseEssCertId(attr, isV2);
    const actual = await digestBytes(id.hashName, signer.der);
    if (!equalBytes(actual, id.certHash)) {
      fail("TSA_SIGNATURE_INVALID", `ess certHash ${hexOf(id.certHash)} is not the ${id.hashName} of the signer certificate ${hexOf(actual)}`);
    }
    if (id.issuerSerial) {
      const [names, serial] = isUniversal(id.issuerSerial, 16) ? children(id.issuerSerial) : [];
      let issuerOk = false;
      try {
        const generalNames = new pkijs.GeneralNames({ schema: names });
        issuerOk = generalNames.names.some((n) => n.type === 4 && n.value instanceof pkijs.RelativeDistinguishedNames && n.value.isEqual(signer.cert.issuer));
      } catch {
        issuerOk = false;
      }
      const serialOk = serial instanceof asn1js.Integer && signer.cert.serialNumber.isEqual(serial);
      if (!issuerOk || !serialOk) fail("TSA_SIGNATURE_INVALID", "ess issuerSerial does not name the signer certificate");
    }
  }
}

function findSigner(signerInfo: pkijs.SignerInfo, candidates: readonly RawCert[]): RawCert {
  const sid = signerInfo.sid as unknown;
  for (const c of candidates) {
    if (sid instanceof pkijs.IssuerAndSerialNumber) {
      if (c.cert.issuer.isEqual(sid.issuer) && c.cert.serialNumber.isEqual(sid.serialNumber)) return c;
    } else if (sid instanceof asn1js.BaseBlock) {
      // [0] SubjectKeyIdentifier (implicit OCTET STRING; pkijs may keep it constructed)
      const inner = children(sid)[0];
      const keyId = ((inner ?? sid).valueBlock as { valueHexView?: Uint8Array }).valueHexView;
      const ski = extensions(c.cert, OID_SUBJECT_KEY_IDENTIFIER)[0]?.parsedValue;
      if (keyId && ski instanceof asn1js.OctetString && equalBytes(new Uint8Array(ski.valueBlock.valueHexView), new Uint8Array(keyId))) return c;
    }
  }
  return fail("TSA_SIGNATURE_INVALID", "signer certificate not found in the token or intermediates");
}

/**
 * Finds the signer's certification paths to a trust anchor and validates them at `at`.
 * Candidate paths are built here (issuer name + signature), then each is handed alone to pkijs's
 * CertificateChainValidationEngine (validity at genTime, CA flags, key usage, policies, name
 * constraints). Handing pkijs the whole pool instead lets one useless certificate — e.g. a corrupted
 * copy of the root inside the token — abort its search for the good path.
 */
async function validateChain(signer: RawCert, anchorList: readonly RawCert[], poolList: readonly RawCert[], at: Date, engine: pkijs.CryptoEngine): Promise<string[]> {
  const fingerprint = async (c: RawCert): Promise<string> => hexOf(await digestBytes("SHA-256", c.der));
  if (anchorList.some((a) => equalBytes(a.der, signer.der))) {
    if (signer.cert.notBefore.value > at || signer.cert.notAfter.value < at) fail("TSA_UNTRUSTED", `pinned tsa certificate is not valid at genTime ${at.toISOString()}`);
    return [await fingerprint(signer)];
  }
  const unique = (list: readonly RawCert[], exclude: readonly RawCert[]): RawCert[] => {
    const out: RawCert[] = [];
    for (const c of list) if (![...exclude, ...out].some((u) => equalBytes(u.der, c.der))) out.push(c);
    return out;
  };
  const anchors = unique(anchorList, []);
  // Self-issued certificates are never intermediates; a root must come from the trust anchors.
  const pool = unique(poolList, [signer, ...anchors]).filter((c) => !c.cert.subject.isEqual(c.cert.issuer));
  const signs = async (child: RawCert, issuer: RawCert): Promise<boolean> => {
    if (!issuer.cert.subject.isEqual(child.cert.issuer)) return false;
    try {
      return await child.cert.verify(issuer.cert, engine);
    } catch {
      return false;
    }
  };
  const candidates: { path: RawCert[]; anchor: RawCert }[] = [];
  const search = async (path: RawCert[]): Promise<void> => {
    const tip = path[path.length - 1] as RawCert;
    for (const a of anchors) if (candidates.length < 8 && (await signs(tip, a))) candidates.push({ path, anchor: a });
    if (path.length > 6) return;
    for (const c of pool) if (candidates.length < 8 && !path.includes(c) && (await signs(tip, c))) await search([...path, c]);
  };
  await search([signer]);
  if (candidates.length === 0) fail("TSA_UNTRUSTED", `tsa certificate ${formatName(signer.cert.subject)} (issuer ${formatName(signer.cert.issuer)}) does not chain to a trust anchor`);
  let lastProblem = "";
  for (const { path, anchor } of candidates) {
    let result: pkijs.CertificateChainValidationEngineVerifyResult;
    try {
      // The engine treats the LAST entry of `certs` as the end entity.
      const chainEngine = new pkijs.CertificateChainValidationEngine({
        trustedCerts: [anchor.cert],
        certs: [...path.slice(1).map((c) => c.cert), signer.cert],
        checkDate: at,
      });
      result = await chainEngine.verify({}, engine);
    } catch (e) {
      lastProblem = e instanceof Error ? e.message : String(e);
      continue;
    }
    if (result.result) return Promise.all([...path, anchor].map(fingerprint));
    lastProblem = result.resultMessage;
  }
  return fail("TSA_UNTRUSTED", `tsa certificate ${formatName(signer.cert.subject)} does not chain to a trust anchor at ${at.toISOString()}: ${lastProblem}`);
}

/**
 * Verifies an RFC 3161 TimeStampToken (DER CMS ContentInfo) over `options.digest` and returns what it
 * says. Pure: no I/O, WebCrypto only. See the module comment for the checks and their error codes.
 *
 * @example
 * const info = await verifyTimestampToken(token, { digest: root, nonce, trustAnchors: [caDer] });
 * info.genTime.toISOString()
 */
export async function verifyTimestampToken(tokenDer: Uint8Array, options: VerifyTimestampOptions): Promise<TimestampTokenInfo> {
  try {
    return await verifyToken(tokenDer, options);
  } catch (e) {
    // Hostile DER can trip the ASN.1 layer anywhere: anything not already typed is a malformed token.
    if (e instanceof PriorProofError) throw e;
    return fail("TSA_MALFORMED", `timestamp token: ${e instanceof Error ? e.message : String(e)}`, e);
  }
}

async function verifyToken(tokenDer: Uint8Array, options: VerifyTimestampOptions): Promise<TimestampTokenInfo> {
  const digest = checkDigest(options?.digest);
  if (options.nonce !== undefined && typeof options.nonce !== "bigint") fail("TSA_INVALID_ARGUMENT", `nonce must be a bigint: ${String(options.nonce)}`);
  const wantPolicy = options.policy === undefined ? undefined : checkOid(options.policy, "policy");
  if (!Array.isArray(options.trustAnchors) || options.trustAnchors.length === 0) fail("TSA_INVALID_ARGUMENT", "at least one trust anchor is required");
  const anchors = options.trustAnchors.map((d, i) => parseCertificate(d, `trust anchor ${i}`, "TSA_INVALID_ARGUMENT"));
  const intermediates = (options.intermediates ?? []).map((d, i) => parseCertificate(d, `intermediate ${i}`, "TSA_INVALID_ARGUMENT"));
  const engine = cryptoEngine();

  // --- structure (TSA_MALFORMED)
  const root = parseDer(tokenDer, "timestamp token");
  let signedData: pkijs.SignedData;
  let sdNode: asn1js.BaseBlock;
  try {
    const contentInfo = new pkijs.ContentInfo({ schema: root });
    if (contentInfo.contentType !== OID_SIGNED_DATA) fail("TSA_MALFORMED", `timestamp token: content type ${contentInfo.contentType} is not signedData`);
    sdNode = contentInfo.content as asn1js.BaseBlock;
    signedData = new pkijs.SignedData({ schema: sdNode });
  } catch (e) {
    if (e instanceof TimestampTokenError) throw e;
    return fail("TSA_MALFORMED", `timestamp token: not a cms signed-data (${e instanceof Error ? e.message : String(e)})`, e);
  }
  const eci = signedData.encapContentInfo;
  if (eci.eContentType !== OID_TST_INFO) fail("TSA_MALFORMED", `timestamp token: encapsulated content type ${eci.eContentType} is not id-ct-TSTInfo`);
  if (!(eci.eContent instanceof asn1js.OctetString)) fail("TSA_MALFORMED", "timestamp token: no encapsulated TSTInfo");
  const eContent = toBytes(eci.eContent.getValue());
  let tst: pkijs.TSTInfo;
  try {
    tst = new pkijs.TSTInfo({ schema: parseDer(eContent, "TSTInfo") });
  } catch (e) {
    if (e instanceof TimestampTokenError) throw e;
    return fail("TSA_MALFORMED", `timestamp token: TSTInfo does not parse (${e instanceof Error ? e.message : String(e)})`, e);
  }
  if (tst.version !== 1) fail("TSA_MALFORMED", `timestamp token: TSTInfo version ${tst.version}, expected 1`);
  if (!(tst.genTime instanceof Date) || Number.isNaN(tst.genTime.getTime())) fail("TSA_MALFORMED", "timestamp token: genTime is not a valid time");
  if (signedData.signerInfos.length !== 1) fail("TSA_MALFORMED", `timestamp token: ${signedData.signerInfos.length} signers, expected exactly one`);
  const signerInfo = signedData.signerInfos[0] as pkijs.SignerInfo;

  // Certificates with their exact bytes (the ESS hash and the fingerprint are over the bytes as sent).
  const tokenCerts: RawCert[] = [];
  for (const node of children(sdNode)) {
    if (node.idBlock.tagClass !== 3 || node.idBlock.tagNumber !== 0) continue;
    for (const c of children(node)) if (isUniversal(c, 16)) tokenCerts.push(parseCertificate(new Uint8Array(c.valueBeforeDecodeView), "token certificate", "TSA_MALFORMED"));
  }

  // --- signature over the signed attributes, and the ESS binding (TSA_SIGNATURE_INVALID)
  const signer = findSigner(signerInfo, [...tokenCerts, ...intermediates]);
  const attrs = signerInfo.signedAttrs?.attributes ?? [];
  if (!signerInfo.signedAttrs || attrs.length === 0) fail("TSA_SIGNATURE_INVALID", "signer info has no signed attributes");
  const types = attrs.map((a) => a.type);
  const dup = types.find((t, i) => types.indexOf(t) !== i);
  if (dup) fail("TSA_SIGNATURE_INVALID", `signed attribute ${dup} appears more than once`);
  const digestName = HASH_BY_OID[signerInfo.digestAlgorithm.algorithmId];
  if (!digestName || !STRONG_HASHES.has(digestName)) fail("TSA_SIGNATURE_INVALID", `unsupported signer digest algorithm ${signerInfo.digestAlgorithm.algorithmId}`);
  const contentType = attrs.find((a) => a.type === OID_CONTENT_TYPE);
  const ct = contentType?.values.length === 1 ? (contentType.values[0] as unknown) : undefined;
  if (!(ct instanceof asn1js.ObjectIdentifier) || ct.valueBlock.toString() !== OID_TST_INFO) fail("TSA_SIGNATURE_INVALID", "content-type signed attribute is not id-ct-TSTInfo");
  const messageDigest = attrs.find((a) => a.type === OID_MESSAGE_DIGEST);
  const md = messageDigest?.values.length === 1 ? (messageDigest.values[0] as unknown) : undefined;
  if (!(md instanceof asn1js.OctetString)) fail("TSA_SIGNATURE_INVALID", "message-digest signed attribute missing");
  const eContentDigest = await digestBytes(digestName, eContent);
  if (!equalBytes(eContentDigest, new Uint8Array(md.valueBlock.valueHexView))) {
    fail("TSA_SIGNATURE_INVALID", `message-digest ${hexOf(new Uint8Array(md.valueBlock.valueHexView))} does not match the TSTInfo ${digestName} ${hexOf(eContentDigest)}`);
  }
  const sigAlg = signerInfo.signatureAlgorithm;
  if (sigAlg.algorithmId !== OID_RSA_ENCRYPTION) {
    const h = engine.getHashAlgorithm(sigAlg);
    if (!STRONG_HASHES.has(h)) fail("TSA_SIGNATURE_INVALID", `unsupported signature algorithm ${sigAlg.algorithmId}`);
  }
  let signatureOk = false;
  try {
    const signedAttrsDer = new Uint8Array(signerInfo.signedAttrs.encodedValue); // raw bytes, SET OF tag (0x31)
    signatureOk =
      sigAlg.algorithmId === OID_RSA_ENCRYPTION
        ? await engine.verifyWithPublicKey(signedAttrsDer, signerInfo.signature, signer.cert.subjectPublicKeyInfo, sigAlg, digestName)
        : await engine.verifyWithPublicKey(signedAttrsDer, signerInfo.signature, signer.cert.subjectPublicKeyInfo, sigAlg);
  } catch (e) {
    fail("TSA_SIGNATURE_INVALID", `signature could not be verified: ${e instanceof Error ? e.message : String(e)}`, e);
  }
  if (!signatureOk) fail("TSA_SIGNATURE_INVALID", `signature by ${formatName(signer.cert.subject)} does not verify`);
  await checkEssBinding(attrs, signer);
  if (tst.tsa && tst.tsa.type === 4 && tst.tsa.value instanceof pkijs.RelativeDistinguishedNames && !tst.tsa.value.isEqual(signer.cert.subject)) {
    fail("TSA_SIGNATURE_INVALID", `TSTInfo tsa name ${formatName(tst.tsa.value)} is not the signer ${formatName(signer.cert.subject)}`);
  }

  // --- signer certificate purpose (TSA_EKU_MISSING)
  checkTimestampingUsage(signer.cert);

  // --- chain to a trust anchor at genTime (TSA_UNTRUSTED)
  const genTime = tst.genTime;
  const chain = await validateChain(signer, anchors, [...tokenCerts, ...intermediates], genTime, engine);

  // --- what was stamped (TSA_IMPRINT_MISMATCH), nonce, policy, time
  const imprintAlg = tst.messageImprint.hashAlgorithm;
  const params = imprintAlg.algorithmParams as unknown;
  const paramsOk = params === undefined || params instanceof asn1js.Null || (params instanceof asn1js.BaseBlock && params.valueBeforeDecodeView.length === 0);
  if (imprintAlg.algorithmId !== OID_SHA256 || !paramsOk) fail("TSA_IMPRINT_MISMATCH", `message imprint algorithm ${imprintAlg.algorithmId} is not sha-256`);
  const imprint = new Uint8Array(tst.messageImprint.hashedMessage.valueBlock.valueHexView);
  if (!equalBytes(imprint, digest)) fail("TSA_IMPRINT_MISMATCH", `token stamps ${toHex(imprint)}, expected ${toHex(digest)}`);
  const nonce = tst.nonce ? signedBigInt(tst.nonce.valueBlock.valueHexView) : undefined;
  if (options.nonce !== undefined && nonce !== options.nonce) {
    fail("TSA_NONCE_MISMATCH", `token nonce ${nonce === undefined ? "absent" : `0x${nonce.toString(16)}`}, expected 0x${options.nonce.toString(16)}`);
  }
  if (wantPolicy !== undefined && tst.policy !== wantPolicy) fail("TSA_POLICY_MISMATCH", `token policy ${tst.policy}, expected ${wantPolicy}`);
  if (options.now !== undefined) {
    const skew = options.maxClockSkewMs ?? 300_000;
    if (genTime.getTime() > options.now.getTime() + skew) fail("TSA_GENTIME_IN_FUTURE", `genTime ${genTime.toISOString()} is after ${options.now.toISOString()} (+${skew} ms)`);
  }

  const tstQc = (tst.extensions ?? []).filter((e) => e.extnID === OID_QC_STATEMENTS).flatMap((e) => qcStatementIds(new Uint8Array(e.extnValue.valueBlock.valueHexView)));
  const certQc = extensions(signer.cert, OID_QC_STATEMENTS).flatMap((e) => qcStatementIds(new Uint8Array(e.extnValue.valueBlock.valueHexView)));
  const accuracy = tst.accuracy ? { seconds: tst.accuracy.seconds ?? 0, millis: tst.accuracy.millis ?? 0, micros: tst.accuracy.micros ?? 0 } : undefined;
  const tsaName = tst.tsa && tst.tsa.type === 4 && tst.tsa.value instanceof pkijs.RelativeDistinguishedNames ? formatName(tst.tsa.value) : undefined;
  return {
    genTime,
    serial: integerHex(tst.serialNumber),
    policy: tst.policy,
    ...(accuracy ? { accuracy } : {}),
    ordering: tst.ordering ?? false,
    ...(nonce !== undefined ? { nonce } : {}),
    hashAlgorithm: "SHA-256",
    messageImprint: toHex(imprint),
    tsa: {
      subject: formatName(signer.cert.subject),
      issuer: formatName(signer.cert.issuer),
      serial: integerHex(signer.cert.serialNumber),
      sha256Fingerprint: hexOf(await digestBytes("SHA-256", signer.der)),
      qcStatements: certQc,
    },
    ...(tsaName !== undefined ? { tsaName } : {}),
    qualified: tstQc.includes(OID_ETSI_QTST_STATEMENT),
    chain,
  };
}

// ------------------------------------------------------------------------------- receipts & base64

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** Standard base64 with padding. */
export function bytesToBase64(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i += 3) {
    const a = bytes[i] ?? 0;
    const b = bytes[i + 1];
    const c = bytes[i + 2];
    out += (B64[a >> 2] ?? "") + (B64[((a & 3) << 4) | ((b ?? 0) >> 4)] ?? "");
    out += b === undefined ? "=" : (B64[((b & 15) << 2) | ((c ?? 0) >> 6)] ?? "");
    out += c === undefined ? "=" : (B64[c & 63] ?? "");
  }
  return out;
}

/** Strict standard base64 (padding required); throws `TSA_MALFORMED`. */
export function base64ToBytes(text: string): Uint8Array {
  if (typeof text !== "string" || text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) fail("TSA_MALFORMED", `not base64: ${String(text).slice(0, 40)}`);
  const pad = text.endsWith("==") ? 2 : text.endsWith("=") ? 1 : 0;
  const out = new Uint8Array((text.length / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < text.length; i += 4) {
    const n = [0, 1, 2, 3].map((k) => {
      const ch = text[i + k] ?? "=";
      return ch === "=" ? 0 : B64.indexOf(ch);
    });
    const v = ((n[0] ?? 0) << 18) | ((n[1] ?? 0) << 12) | ((n[2] ?? 0) << 6) | (n[3] ?? 0);
    for (const byte of [(v >> 16) & 255, (v >> 8) & 255, v & 255]) if (o < out.length) out[o++] = byte;
  }
  return out;
}

/** Builds the receipt anchor JSON for a token `verifyTimestampToken` accepted. */
export function toRfc3161AnchorReceipt(token: Uint8Array, info: TimestampTokenInfo, options: { tsaUrl?: string } = {}): Rfc3161AnchorReceipt {
  const { subject, issuer, serial, sha256Fingerprint } = info.tsa;
  return {
    type: "rfc3161",
    ...(options.tsaUrl !== undefined ? { tsaUrl: options.tsaUrl } : {}),
    token: bytesToBase64(token),
    genTime: info.genTime.toISOString(),
    serial: info.serial,
    policy: info.policy,
    tsa: { subject, issuer, serial, sha256Fingerprint },
    qualified: info.qualified,
    stampedDigest: info.messageImprint,
  };
}

/**
 * A verifier for receipt anchors (the shape verify.ts's `TimestampVerifier` expects): decodes the
 * base64 token and checks it over `root` against the configured trust anchors.
 */
export function createTimestampVerifier(options: {
  readonly trustAnchors: readonly Uint8Array[];
  readonly intermediates?: readonly Uint8Array[];
}): (tokenBase64: string, root: Uint8Array) => Promise<{ genTime: string; detail: string; info: TimestampTokenInfo }> {
  return async (tokenBase64, root) => {
    const info = await verifyTimestampToken(base64ToBytes(tokenBase64), { digest: root, ...options });
    const detail = `${info.tsa.subject} stamped ${info.messageImprint} at ${info.genTime.toISOString()} (serial ${info.serial}, policy ${info.policy}${info.qualified ? ", qualified" : ""})`;
    return { genTime: info.genTime.toISOString(), detail, info };
  };
}

/** Splits PEM text into DER certificates (every `-----BEGIN CERTIFICATE-----` block, in order). */
export function certificatesFromPem(pem: string): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const m of pem.matchAll(/-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g)) {
    out.push(base64ToBytes((m[1] ?? "").replace(/\s+/g, "")));
  }
  return out;
}

// ---------------------------------------------------------------------------------------- OpenSSL

export interface OpensslVerifyCommandOptions {
  /** The stamped batch root: bytes or 0x hex. */
  readonly digest: Uint8Array | string;
  /** When given, a first line writes the token file from this base64 (the receipt's `token`). */
  readonly tokenBase64?: string;
  /** genTime (Date or ISO string): adds `-attime`, validating the chain at genTime as this verifier does. */
  readonly genTime?: Date | string;
  /** The bare TimeStampToken (DER ContentInfo); default `token.tst`. */
  readonly tokenFile?: string;
  /** PEM trust anchor(s) of the TSA; default `tsa-ca.pem`. */
  readonly caFile?: string;
  /** PEM file the certificates carried in the token are extracted to; default `tsa.pem`. */
  readonly untrustedFile?: string;
}

function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:=+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * The argv of `openssl ts -verify` for a stored token (after `openssl`). We store the bare token, so the
 * command uses `-token_in -in <token>`; plain `-in` expects a whole TimeStampResp.
 */
export function opensslVerifyArgs(options: OpensslVerifyCommandOptions): string[] {
  const digest = typeof options.digest === "string" ? options.digest.replace(/^0x/, "").toLowerCase() : hexOf(options.digest);
  if (!/^[0-9a-f]{64}$/.test(digest)) fail("TSA_INVALID_ARGUMENT", `digest must be 32 bytes of hex: ${String(options.digest).slice(0, 80)}`);
  const args = ["ts", "-verify", "-digest", digest, "-token_in", "-in", options.tokenFile ?? "token.tst", "-CAfile", options.caFile ?? "tsa-ca.pem", "-untrusted", options.untrustedFile ?? "tsa.pem"];
  if (options.genTime !== undefined) {
    const t = options.genTime instanceof Date ? options.genTime : new Date(options.genTime);
    if (Number.isNaN(t.getTime())) fail("TSA_INVALID_ARGUMENT", `genTime is not a date: ${String(options.genTime)}`);
    args.push("-attime", String(Math.floor(t.getTime() / 1000)));
  }
  return args;
}

/**
 * The shell command lines an expert runs to check a stored token with OpenSSL alone:
 * 1. (with `tokenBase64`) decode the receipt's token to `token.tst`;
 * 2. `openssl pkcs7 -inform DER -in token.tst -print_certs -out tsa.pem` — the TSA certificate(s) the
 *    token carries, passed as untrusted chain material (OpenSSL 1.1 does not use them otherwise);
 * 3. `openssl ts -reply -token_in -in token.tst -token_out -text` — print the TSTInfo (genTime, imprint, nonce);
 * 4. `openssl ts -verify -digest <root hex> -token_in -in token.tst -CAfile tsa-ca.pem -untrusted tsa.pem [-attime <genTime>]`
 *    — prints "Verification: OK". Without `-attime` OpenSSL checks the chain at the current time, which
 *    fails once the TSA certificate has expired. tsa-ca.pem is the TSA's root, obtained independently.
 */
export function opensslVerifyCommands(options: OpensslVerifyCommandOptions): string[] {
  const token = shellQuote(options.tokenFile ?? "token.tst");
  const untrusted = shellQuote(options.untrustedFile ?? "tsa.pem");
  const lines: string[] = [];
  if (options.tokenBase64 !== undefined) {
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(options.tokenBase64)) fail("TSA_INVALID_ARGUMENT", "tokenBase64 is not base64");
    lines.push(`printf '%s' '${options.tokenBase64}' | openssl base64 -d -A -out ${token}`);
  }
  lines.push(`openssl pkcs7 -inform DER -in ${token} -print_certs -out ${untrusted}`);
  lines.push(`openssl ts -reply -token_in -in ${token} -token_out -text`);
  lines.push(["openssl", ...opensslVerifyArgs(options)].map(shellQuote).join(" "));
  return lines;
}
