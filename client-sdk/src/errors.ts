/**
 * Every failure the SDK reports is a `PriorProofError` with a stable `code`; families subclass it so
 * callers can branch on `instanceof` or on the code. Messages are short, lowercase and carry the
 * offending value.
 *
 * @example
 * try { verifyInclusion(proof) } catch (e) { if (e instanceof ProofError) console.log(e.code) }
 */
export class PriorProofError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** Malformed input: bad hex, wrong digest length, a receipt that does not follow its schema. */
export class InputError extends PriorProofError {}

/** A Merkle inclusion proof that does not lead to its root. */
export class ProofError extends PriorProofError {}

/** A chain anchor that does not match what the chain says (or could not be read). */
export class AnchorError extends PriorProofError {}

/**
 * Codes of the PKI family (client-sdk/src/pki/): certificate parsing, signature algorithms and
 * certification path building, shared by RFC 3161 token checks and claimant signatures.
 * - `CERT_MALFORMED`: a certificate is not a well-formed DER X.509 certificate.
 * - `ALGORITHM_UNSUPPORTED`: a signature or key algorithm outside ECDSA P-256/P-384/P-521, Ed25519, RSA (PKCS#1 v1.5, PSS) with SHA-2.
 * - `CERT_BAG_TOO_LARGE`: more certificates offered for path building than the limit (64).
 * - `CHAIN_LOOP`: the only issuer candidates led back into the path (certificates signing each other).
 * - `CHAIN_TOO_LONG`: the only paths found were longer than the depth limit (6), or the search budget ran out.
 * - `SIGNER_UNTRUSTED`: no path from the certificate to a trust anchor the verifier chose.
 * - `SIGNER_EXPIRED` / `SIGNER_NOT_YET_VALID`: a certificate of the path is not valid at the given time.
 * - `SIGNER_KEY_USAGE`: a key usage, extended key usage or CA constraint forbids the use made of the key.
 * - `SIGNER_REVOKED`: a CRL carried with the signature (and signed by the issuer) revoked the signer before the time judged at.
 */
export type PkiErrorCode =
  | "CERT_MALFORMED"
  | "ALGORITHM_UNSUPPORTED"
  | "CERT_BAG_TOO_LARGE"
  | "CHAIN_LOOP"
  | "CHAIN_TOO_LONG"
  | "SIGNER_UNTRUSTED"
  | "SIGNER_EXPIRED"
  | "SIGNER_NOT_YET_VALID"
  | "SIGNER_KEY_USAGE"
  | "SIGNER_REVOKED";

/** A certificate, algorithm or certification path that cannot be accepted. */
export class PkiError extends PriorProofError {
  declare readonly code: PkiErrorCode;
  constructor(code: PkiErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/**
 * Codes of claimant signatures (client-sdk/src/signature/), besides the PKI codes of the signer's chain:
 * - `SIGNATURE_INVALID`: the signature does not verify over the statement rebuilt from the receipt
 *   (tampered claim, digest or signedAt; another key), or the CMS structure is not the one specified.
 * - `EIP712_DOMAIN_MISMATCH`: an EIP-712 signature made for another domain name, version or chain id.
 * - `SIGNATURE_UNSUPPORTED`: a signature format this verifier does not know.
 */
export type SignatureErrorCode = "SIGNATURE_INVALID" | "EIP712_DOMAIN_MISMATCH" | "SIGNATURE_UNSUPPORTED" | "INVALID_ARGUMENT";

/** A claimant signature that cannot be accepted. */
export class SignatureError extends PriorProofError {}

/** A REST call to a PriorProof service that failed; `status` is the HTTP status when there is one. */
export class ServiceError extends PriorProofError {
  readonly status: number | undefined;
  readonly details: unknown;
  constructor(code: string, message: string, options?: { cause?: unknown; status?: number; details?: unknown }) {
    super(code, message, options);
    this.status = options?.status;
    this.details = options?.details;
  }
}

/**
 * Codes of the RFC 3161 time-stamp family (client-sdk/src/tsa.ts):
 * - `TSA_MALFORMED`: the token or response is not the DER structure RFC 3161 / RFC 5652 describe.
 * - `TSA_IMPRINT_MISMATCH`: the token's message imprint is not SHA-256 of the expected digest.
 * - `TSA_NONCE_MISMATCH`: the token's nonce is not the nonce we sent.
 * - `TSA_POLICY_MISMATCH`: the token's policy is not the policy we asked for.
 * - `TSA_SIGNATURE_INVALID`: CMS signature, signed attributes or ESS signing-certificate(-v2) binding fails.
 * - `TSA_EKU_MISSING`: the signer certificate lacks a critical id-kp-timeStamping EKU (or its key usage forbids signing).
 * - `TSA_UNTRUSTED`: the signer certificate does not chain to a configured trust anchor at genTime.
 * - `TSA_GENTIME_IN_FUTURE`: genTime is later than the caller's `now` plus the allowed skew.
 * - `TSA_REJECTED`: the TSA answered with a status other than granted / grantedWithMods.
 * - `TSA_INVALID_ARGUMENT`: the caller passed a bad digest, nonce, policy or certificate.
 */
export type TimestampTokenErrorCode =
  | "TSA_MALFORMED"
  | "TSA_IMPRINT_MISMATCH"
  | "TSA_NONCE_MISMATCH"
  | "TSA_POLICY_MISMATCH"
  | "TSA_SIGNATURE_INVALID"
  | "TSA_EKU_MISSING"
  | "TSA_UNTRUSTED"
  | "TSA_GENTIME_IN_FUTURE"
  | "TSA_REJECTED"
  | "TSA_INVALID_ARGUMENT";

/** An RFC 3161 time-stamp token or response that cannot be accepted. */
export class TimestampTokenError extends PriorProofError {
  declare readonly code: TimestampTokenErrorCode;
  constructor(code: TimestampTokenErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** The TSA refused the request (`TSA_REJECTED`); carries the PKIStatusInfo it sent. */
export class TimestampRejectedError extends TimestampTokenError {
  /** PKIStatus name: rejection, waiting, revocationWarning, revocationNotification (or the number). */
  readonly status: string;
  /** PKIFailureInfo bit names, e.g. ["badAlg"]. */
  readonly failInfo: readonly string[];
  readonly statusStrings: readonly string[];
  constructor(status: string, failInfo: readonly string[], statusStrings: readonly string[]) {
    const extra = [failInfo.join(","), statusStrings.join("; ")].filter((s) => s !== "").join(": ");
    super("TSA_REJECTED", `tsa status ${status}${extra ? ` (${extra})` : ""}`);
    this.status = status;
    this.failInfo = failInfo;
    this.statusStrings = statusStrings;
  }
}
