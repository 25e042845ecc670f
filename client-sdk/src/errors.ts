/**
 * Every failure the SDK reports is a `PriorProofError` with a stable `code`; families subclass it so
 * callers can branch on `instanceof` or on the code. Messages are short, lowercase and carry the
 * offending value.
 *
 * @example
 * try { verifyInclusion(proof) } catch (e) { if (e instanceof ProofError) console.log(e.code) }
 */
export class PriorProofError extends Error {
  /** One of the family codes (`InputErrorCode`, `ProofErrorCode`, ...), or a {@link GeneralErrorCode}. */
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/**
 * Codes a plain PriorProofError carries (no family):
 * - `UNEXPECTED`: an error that is not the SDK's own, wrapped with its message (the CLI and the watch agent report it so).
 * - `WEBCRYPTO_UNAVAILABLE`: the runtime has no WebCrypto (`globalThis.crypto.subtle`), which signature checks need.
 */
export type GeneralErrorCode = "UNEXPECTED" | "WEBCRYPTO_UNAVAILABLE";

/**
 * Codes of the input family: what the caller handed in cannot be used.
 * - `ABORTED`: the caller's AbortSignal stopped hashing (a service call stopped the same way is a ServiceError `ABORTED`).
 * - `ARCHIVE_UNREADABLE`: a batch source is neither a directory nor a ZIP archive.
 * - `BATCH_TOO_LARGE`: a batch holds more receipts than the batch limit.
 * - `DUPLICATE_KEY`: a JSON document names one member twice in an object (not I-JSON, RFC 7493).
 * - `EMPTY_TREE`: a Merkle tree was asked for with no leaf.
 * - `FILE_TOO_LARGE`: a file is larger than the 2 GiB the SDK hashes or uploads.
 * - `FILE_UNREADABLE`: a file cannot be opened or read.
 * - `FILE_UNWRITABLE`: a file cannot be created or written (an existing key file is never overwritten).
 * - `INVALID_ARGUMENT`: an option or argument is out of its documented range or shape.
 * - `INVALID_CHUNK`: a data source yielded something that is not a Uint8Array.
 * - `INVALID_CLAIM`: a claim that does not follow the claim rules (kinds, sizes, finite numbers).
 * - `INVALID_DEPLOYMENTS`: a deployments file (the operator's contract list) that does not follow its format.
 * - `INVALID_DIGEST`: not a SHA-256 digest (32 bytes of lower-case 0x hex).
 * - `INVALID_HEX`: not lower-case 0x hex.
 * - `INVALID_JSON`: not JSON (a receipt, manifest or state file).
 * - `INVALID_LENGTH`: hex or bytes of another length than the field needs.
 * - `INVALID_MANIFEST`: a capture manifest that does not follow priorproof-capture/1 or is over its size limit.
 * - `INVALID_MEDIA_TYPE`: a media type that is not `type/subtype`.
 * - `INVALID_RECEIPT`: a receipt that does not follow its schema (`cause` lists every bad field path).
 * - `INVALID_SOURCE`: a value to hash that is neither bytes, a Blob, a ReadableStream nor an async iterable.
 * - `INVALID_TIME`: not an RFC 3339 UTC time.
 * - `INVALID_VERDICT`: a verdict document (e.g. a service's answer) that does not have the Verdict shape.
 * - `MANIFEST_NOT_CANONICAL`: capture manifest bytes that are not their RFC 8785 canonical encoding.
 * - `NOT_A_DIRECTORY`: a path that must be a directory is not one.
 * - `NOT_A_FILE`: a path that must be a regular file is not one.
 * - `NO_FILES`: an upload or stamp with no file.
 * - `NO_SIGNATURE`: a signature check asked of a receipt that carries no claimant signature.
 * - `PDF_DUPLICATE_ATTACHMENT`: a PDF whose attachments name one file twice (which copy counts would be the writer's choice).
 * - `PDF_INVALID`: a certificate PDF that is too large or cannot be parsed.
 * - `PDF_NO_RECEIPT`: a certificate PDF without an embedded PriorProof receipt.
 * - `PDF_SEVERAL_RECEIPTS`: a certificate PDF with several receipts and no digest to choose one.
 * - `RECEIPT_TOO_LARGE`: a receipt file over the per-receipt byte limit of a batch.
 * - `STATE_UNREADABLE`: the watch agent's state file cannot be read.
 * - `WATCH_LOCKED`: another watch agent of this process already watches the folder.
 * - `ZIP_INVALID`: a ZIP archive that cannot be read.
 * - `ZIP_MEMBER_TOO_LARGE`: a ZIP member over the size limit.
 * - `ZIP_UNSUPPORTED`: a ZIP feature the reader does not support (ZIP64, encryption, a compression method).
 */
export type InputErrorCode =
  | "ABORTED"
  | "ARCHIVE_UNREADABLE"
  | "BATCH_TOO_LARGE"
  | "DUPLICATE_KEY"
  | "EMPTY_TREE"
  | "FILE_TOO_LARGE"
  | "FILE_UNREADABLE"
  | "FILE_UNWRITABLE"
  | "INVALID_ARGUMENT"
  | "INVALID_CHUNK"
  | "INVALID_CLAIM"
  | "INVALID_DEPLOYMENTS"
  | "INVALID_DIGEST"
  | "INVALID_HEX"
  | "INVALID_JSON"
  | "INVALID_LENGTH"
  | "INVALID_MANIFEST"
  | "INVALID_MEDIA_TYPE"
  | "INVALID_RECEIPT"
  | "INVALID_SOURCE"
  | "INVALID_TIME"
  | "INVALID_VERDICT"
  | "MANIFEST_NOT_CANONICAL"
  | "NOT_A_DIRECTORY"
  | "NOT_A_FILE"
  | "NO_FILES"
  | "NO_SIGNATURE"
  | "PDF_DUPLICATE_ATTACHMENT"
  | "PDF_INVALID"
  | "PDF_NO_RECEIPT"
  | "PDF_SEVERAL_RECEIPTS"
  | "RECEIPT_TOO_LARGE"
  | "STATE_UNREADABLE"
  | "WATCH_LOCKED"
  | "ZIP_INVALID"
  | "ZIP_MEMBER_TOO_LARGE"
  | "ZIP_UNSUPPORTED";

/** Malformed input: bad hex, wrong digest length, a receipt that does not follow its schema. */
export class InputError extends PriorProofError {
  declare readonly code: InputErrorCode;
  constructor(code: InputErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/**
 * Codes of the proof family: the file, claim, leaf and Merkle path do not lead to the anchored root.
 * - `CLAIM_MISMATCH`: the claim does not hash to the claim digest the leaf commits.
 * - `DIGEST_MISMATCH`: the file's SHA-256 (or SHA3-256) is not the receipt's.
 * - `INDEX_OUT_OF_RANGE`: a leaf index outside the tree (negative, or not below the tree size).
 * - `LEAF_MISMATCH`: the rebuilt leaf does not hash to the receipt's leaf hash.
 * - `PATH_TOO_LONG`: an inclusion path with more nodes than the tree size allows (RFC 9162 §2.1.3.2).
 * - `PATH_TOO_SHORT`: an inclusion path with fewer nodes than the tree size needs.
 * - `ROOT_MISMATCH`: the path leads to another root than the anchored one.
 * - `SHA3_MISMATCH`: the receipt's SHA3-256 is not the one the leaf commits.
 * - `SIGNATURE_MISMATCH`: the receipt's claimant signature does not hash to the digest the leaf commits.
 * - `SIGNATURE_STRIPPED`: the leaf commits a claimant signature the receipt no longer carries.
 */
export type ProofErrorCode =
  | "CLAIM_MISMATCH"
  | "DIGEST_MISMATCH"
  | "INDEX_OUT_OF_RANGE"
  | "LEAF_MISMATCH"
  | "PATH_TOO_LONG"
  | "PATH_TOO_SHORT"
  | "ROOT_MISMATCH"
  | "SHA3_MISMATCH"
  | "SIGNATURE_MISMATCH"
  | "SIGNATURE_STRIPPED";

/** A Merkle inclusion proof that does not lead to its root. */
export class ProofError extends PriorProofError {
  declare readonly code: ProofErrorCode;
  constructor(code: ProofErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/**
 * Codes of the anchor family: what the chain (or a time-stamp token) says does not match the receipt's anchor, or the
 * chain could not be asked.
 * - `BLOCK_HASH_MISMATCH`: the transaction's block hash is not the receipt's.
 * - `BLOCK_MISSING`: the transaction's block is not on the chain.
 * - `BLOCK_NOT_CANONICAL`: the chain's block at that height is another one (the anchor's block was reorganised away).
 * - `BLOCK_NUMBER_MISMATCH`: the transaction's block number is not the receipt's.
 * - `BLOCK_TIME_MISMATCH`: the block's timestamp is not the receipt's block time.
 * - `CHAIN_ID_MISMATCH`: the RPC serves another chain than the anchor names.
 * - `CHAIN_UNREACHABLE`: the chain's RPC endpoint cannot be reached (network error, non-JSON-RPC answer); the CLI's
 *   `--rpc` probe says so too (it said `RPC_UNREACHABLE` before the two were merged).
 * - `CONTRACT_CODE_UNKNOWN`: the contract's code hash is no released EvidenceAnchor build the verifier trusts.
 * - `CONTRACT_MISSING`: no code at the contract address (an EOA cannot have anchored anything).
 * - `CONTRACT_REJECTS_PROOF`: the contract's `verifyInclusion` view rejects the path.
 * - `CONTRACT_VIEW_MISMATCH`: the contract's `getAnchor` answers another block, time or tree size than the chain shows.
 * - `RPC_BAD_ANSWER`: the node answered with something of the wrong shape.
 * - `RPC_BUDGET_EXCEEDED`: the verification used up its budget of chain calls.
 * - `RPC_ERROR`: the node answered a JSON-RPC error.
 * - `RPC_TIMEOUT`: the node did not answer in time.
 * - `STATE_UNAVAILABLE`: the node keeps no state for the block asked (not an archive node).
 * - `TREE_SIZE_MISMATCH`: the root was anchored with another tree size than the proof names.
 * - `TSA_LABEL_MISMATCH`: the receipt's TSA labels (subject, qualified) are not the token's.
 * - `TSA_TIME_MISMATCH`: the token's genTime is not the receipt's.
 * - `TX_FAILED`: the anchoring transaction reverted.
 * - `TX_HASH_MISMATCH`: the proven or found transaction is not the receipt's.
 * - `TX_NOT_ANCHOR`: the transaction emitted no Anchored event from the contract.
 * - `TX_NOT_FOUND`: the transaction is not on the chain.
 */
export type AnchorErrorCode =
  | "BLOCK_HASH_MISMATCH"
  | "BLOCK_MISSING"
  | "BLOCK_NOT_CANONICAL"
  | "BLOCK_NUMBER_MISMATCH"
  | "BLOCK_TIME_MISMATCH"
  | "CHAIN_ID_MISMATCH"
  | "CHAIN_UNREACHABLE"
  | "CONTRACT_CODE_UNKNOWN"
  | "CONTRACT_MISSING"
  | "CONTRACT_REJECTS_PROOF"
  | "CONTRACT_VIEW_MISMATCH"
  | "RPC_BAD_ANSWER"
  | "RPC_BUDGET_EXCEEDED"
  | "RPC_ERROR"
  | "RPC_TIMEOUT"
  | "STATE_UNAVAILABLE"
  | "TREE_SIZE_MISMATCH"
  | "TSA_LABEL_MISMATCH"
  | "TSA_TIME_MISMATCH"
  | "TX_FAILED"
  | "TX_HASH_MISMATCH"
  | "TX_NOT_ANCHOR"
  | "TX_NOT_FOUND";

/** A chain anchor that does not match what the chain says (or could not be read). */
export class AnchorError extends PriorProofError {
  declare readonly code: AnchorErrorCode;
  constructor(code: AnchorErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

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
 * - `INVALID_ARGUMENT`: a signer or statement argument that cannot be used (a key that is not private, no certificate,
 *   a PKCS#12 file that does not open, statement fields that are not hex or RFC 3339).
 */
export type SignatureErrorCode = "SIGNATURE_INVALID" | "EIP712_DOMAIN_MISMATCH" | "SIGNATURE_UNSUPPORTED" | "INVALID_ARGUMENT";

/** A claimant signature that cannot be accepted. */
export class SignatureError extends PriorProofError {
  declare readonly code: SignatureErrorCode;
  constructor(code: SignatureErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/**
 * Codes the SDK gives a failed service call itself; a call the service refused carries the service's own code
 * (`{ "error": { "code" } }`, the server table of docs/errors.md), so `ServiceError.code` is any string.
 * - `ABORTED`: the caller's AbortSignal stopped the call or the wait.
 * - `INVALID_RESPONSE`: the service answered something that is not the documented JSON.
 * - `NETWORK_ERROR`: the service cannot be reached (connection refused, reset, DNS).
 * - `SERVICE_DIGEST_MISMATCH`: the service recorded another SHA-256 than the bytes the client sent.
 * - `TIMEOUT`: a capture was still not finished when the wait ended.
 * - `WAIT_TIMEOUT`: an entry did not reach the awaited status within the timeout.
 */
export type ServiceErrorCode = "ABORTED" | "INVALID_RESPONSE" | "NETWORK_ERROR" | "SERVICE_DIGEST_MISMATCH" | "TIMEOUT" | "WAIT_TIMEOUT";

/** A REST call to a PriorProof service that failed; `status` is the HTTP status when there is one. */
export class ServiceError extends PriorProofError {
  readonly status: number | undefined;
  readonly details: unknown;
  /** `code`: one of {@link ServiceErrorCode}, or the service's error code as it answered it. */
  constructor(code: ServiceErrorCode | (string & {}), message: string, options?: { cause?: unknown; status?: number; details?: unknown }) {
    super(code, message, options);
    this.status = options?.status;
    this.details = options?.details;
  }
}

/**
 * Codes of the RFC 3161 time-stamp family (client-sdk/src/tsa/):
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
