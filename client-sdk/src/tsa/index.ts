/**
 * RFC 3161 time-stamp tokens over Merkle batch roots: request encoding (request.ts), response parsing
 * (response.ts), a pure verifier run as named steps (token.ts) and the receipt/OpenSSL helpers
 * (receipt.ts). No I/O; WebCrypto only, so it runs in browsers as in Node. Certificate paths are built
 * and checked by the shared PKI module (../pki/), with loop and depth limits.
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
 * - the signer certificate chains to a caller trust anchor, every certificate valid at genTime, every
 *   issuer a CA (pki/path.ts: at most 64 certificates, depth 6, bounded search) (`TSA_UNTRUSTED`, with
 *   the PKI code — CHAIN_LOOP, CHAIN_TOO_LONG, SIGNER_EXPIRED… — as its cause).
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
export { PriorProofError, TimestampRejectedError, TimestampTokenError, type TimestampTokenErrorCode } from "../errors.ts";
export {
  OID_ETSI_QC_COMPLIANCE,
  OID_ETSI_QTST_STATEMENT,
  OID_KP_TIME_STAMPING,
  OID_QC_STATEMENTS,
  OID_SHA256,
  type GrantedStatus,
  type ParsedTimeStampResponse,
  type Rfc3161AnchorReceipt,
  type TimeStampRequestParams,
  type TimestampAccuracy,
  type TimestampTokenInfo,
  type TsaIdentity,
  type VerifyTimestampOptions,
} from "./common.ts";
export { encodeTimeStampRequest, randomNonce } from "./request.ts";
export { parseTimeStampResponse } from "./response.ts";
export { verifyTimestampToken } from "./token.ts";
export {
  base64ToBytes,
  bytesToBase64,
  certificatesFromPem,
  createTimestampVerifier,
  opensslVerifyArgs,
  opensslVerifyCommands,
  type OpensslVerifyCommandOptions,
  toRfc3161AnchorReceipt,
} from "./receipt.ts";
