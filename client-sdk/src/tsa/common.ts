/**
 * Shared parts of the RFC 3161 modules: OIDs, the public types, argument checks, the error helper and
 * the WebCrypto engine. (The module overview is in tsa/index.ts.)
 */
import type * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { PriorProofError, TimestampTokenError, type TimestampTokenErrorCode } from "../errors.ts";
import { decodeBer, isBytes } from "../pki/der.ts";

export const OID_SHA256 = "2.16.840.1.101.3.4.2.1";
export const OID_SIGNED_DATA = "1.2.840.113549.1.7.2";
export const OID_TST_INFO = "1.2.840.113549.1.9.16.1.4";
export const OID_CONTENT_TYPE = "1.2.840.113549.1.9.3";
export const OID_MESSAGE_DIGEST = "1.2.840.113549.1.9.4";
export const OID_SIGNING_CERTIFICATE = "1.2.840.113549.1.9.16.2.12";
export const OID_SIGNING_CERTIFICATE_V2 = "1.2.840.113549.1.9.16.2.47";
export const OID_KP_TIME_STAMPING = "1.3.6.1.5.5.7.3.8";
export const OID_QC_STATEMENTS = "1.3.6.1.5.5.7.1.3";
/** ETSI EN 319 422 esi4-qtstStatement-1 (id-etsi-tsts-EuQCompliance): "this token is an EU qualified time-stamp". */
export const OID_ETSI_QTST_STATEMENT = "0.4.0.19422.1.1";
/** ETSI EN 319 412-5 QcCompliance: "this certificate is an EU qualified certificate" (reported, not used for `qualified`). */
export const OID_ETSI_QC_COMPLIANCE = "0.4.0.1862.1.1";

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

export function fail(code: TimestampTokenErrorCode, message: string, cause?: unknown): never {
  throw new TimestampTokenError(code, message, cause === undefined ? undefined : { cause });
}

const OID_RE = /^[0-2](\.(0|[1-9]\d*))+$/;

export function checkOid(oid: unknown, what: string): string {
  if (typeof oid !== "string" || !OID_RE.test(oid)) fail("TSA_INVALID_ARGUMENT", `${what} is not a dotted oid: ${JSON.stringify(oid)}`);
  const [first, second] = oid.split(".").map(Number);
  if ((first ?? 0) < 2 && (second ?? 0) >= 40) fail("TSA_INVALID_ARGUMENT", `${what} is not a valid oid: ${oid}`);
  return oid;
}

export function checkDigest(digest: unknown): Uint8Array {
  if (!isBytes(digest) || digest.length !== 32) {
    fail("TSA_INVALID_ARGUMENT", `digest must be 32 bytes of sha-256, got ${isBytes(digest) ? `${digest.length} bytes` : typeof digest}`);
  }
  return digest;
}

let cachedEngine: pkijs.CryptoEngine | undefined;
export function cryptoEngine(): pkijs.CryptoEngine {
  if (cachedEngine) return cachedEngine;
  const c = (globalThis as { crypto?: Crypto }).crypto;
  if (!c?.subtle) throw new PriorProofError("WEBCRYPTO_UNAVAILABLE", "globalThis.crypto.subtle is not available");
  cachedEngine = new pkijs.CryptoEngine({ name: "priorproof-webcrypto", crypto: c });
  return cachedEngine;
}

/** Strict parse: the whole input must be exactly one well-formed BER element. */
export function parseDer(bytes: Uint8Array, what: string, code: TimestampTokenErrorCode = "TSA_MALFORMED"): asn1js.AsnType {
  const r = decodeBer(bytes);
  if ("problem" in r) return fail(code, `${what}: ${r.problem}`);
  return r.node;
}
