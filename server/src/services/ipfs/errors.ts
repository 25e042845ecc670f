/**
 * Failures of the IPFS layer. Each is an `AppError` of the service registry (`server/src/errors.ts`),
 * so routes need no mapping: `code`/`statusCode` are what the client sees (INVALID_CID 400,
 * CONTENT_NOT_FOUND 404, NOT_ACCEPTABLE 406, FILE_TOO_LARGE 413, IPFS_UNAVAILABLE 503, else 500),
 * and `reason` says precisely what went wrong inside the layer (for logs, tests and callers that
 * branch on it).
 */
import { AppError } from "../../errors.ts";
import type { ErrorCode } from "../../errors.ts";

/** What went wrong, precisely. Stable; part of the API. */
export type IpfsErrorReason =
  /** The stream was longer than the caller's `maxBytes`. */
  | "FILE_TOO_LARGE"
  /** A source chunk was not a `Uint8Array`, a stream was read twice, or an option was out of range. */
  | "INVALID_INPUT"
  /** A string or value that is not a CID. */
  | "INVALID_CID"
  /** An import profile name that is not defined in `profiles.ts`. */
  | "UNKNOWN_PROFILE"
  /** A block (root or child) is not in the store. */
  | "CONTENT_NOT_FOUND"
  /** A stored block whose bytes do not hash to its CID (disk corruption, tampering, a bad peer). */
  | "BLOCK_HASH_MISMATCH"
  /** A CID whose codec or multihash this layer does not handle (we only write sha2-256 dag-pb/raw). */
  | "UNSUPPORTED_CID"
  /** A CID that resolves to something other than a UnixFS file (a directory, say). */
  | "NOT_A_FILE"
  /** A dag-pb node whose UnixFS metadata contradicts its links or its children. */
  | "INVALID_DAG"
  /** A gateway request for a response type we do not serve (trustless gateway: only raw and CAR). */
  | "NOT_ACCEPTABLE"
  /** The Kubo RPC API failed or answered something we cannot use. */
  | "KUBO_RPC_ERROR"
  /** The caller aborted the operation through its `AbortSignal`. */
  | "ABORTED";

const CLIENT_CODE: Readonly<Record<IpfsErrorReason, ErrorCode>> = {
  FILE_TOO_LARGE: "FILE_TOO_LARGE",
  INVALID_CID: "INVALID_CID",
  CONTENT_NOT_FOUND: "CONTENT_NOT_FOUND",
  NOT_ACCEPTABLE: "NOT_ACCEPTABLE",
  // A CID we cannot serve, or one that names a directory, is a bad request for this service.
  UNSUPPORTED_CID: "VALIDATION_FAILED",
  NOT_A_FILE: "VALIDATION_FAILED",
  KUBO_RPC_ERROR: "IPFS_UNAVAILABLE",
  // Our own data or configuration is wrong, or the request went away: nothing the client can fix.
  BLOCK_HASH_MISMATCH: "INTERNAL",
  INVALID_DAG: "INTERNAL",
  INVALID_INPUT: "INTERNAL",
  UNKNOWN_PROFILE: "INTERNAL",
  ABORTED: "INTERNAL",
};

/** A failure of the IPFS layer: an `AppError` whose `reason` is the precise cause. */
export class IpfsError extends AppError {
  readonly reason: IpfsErrorReason;
  constructor(reason: IpfsErrorReason, message: string, options?: { cause?: unknown; details?: unknown }) {
    super(CLIENT_CODE[reason], message, options?.details, { cause: options?.cause });
    this.reason = reason;
    this.name = new.target.name;
  }
}

/** The upload exceeded the configured limit (`limit`, bytes). Thrown before the excess reaches the store. */
export class FileTooLargeError extends IpfsError {
  readonly limit: bigint;
  constructor(limit: bigint) {
    super("FILE_TOO_LARGE", `file exceeds the limit of ${limit} bytes`, { details: { limit: limit.toString() } });
    this.limit = limit;
  }
}

/** A block the operation needs is not stored; `cid` names it. */
export class ContentNotFoundError extends IpfsError {
  readonly cid: string;
  constructor(cid: string, options?: { cause?: unknown }) {
    super("CONTENT_NOT_FOUND", `block not found: ${cid}`, options);
    this.cid = cid;
  }
}

/** True when `error` is an `IpfsError`, with the given reason if one is passed. */
export function isIpfsError(error: unknown, reason?: IpfsErrorReason): error is IpfsError {
  return error instanceof IpfsError && (reason === undefined || error.reason === reason);
}
