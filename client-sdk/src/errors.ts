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
