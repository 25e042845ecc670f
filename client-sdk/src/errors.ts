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
