/**
 * The one error registry of the service: every error a client can see has a stable code, an HTTP
 * status and a short message. Services throw `AppError`; the error handler turns it into
 * `{ "error": { "code", "message", "details"? } }`.
 */
export const ERROR_STATUS = {
  VALIDATION_FAILED: 400,
  /** The request is not valid HTTP (Node's parser refused it). */
  MALFORMED_REQUEST: 400,
  INVALID_DIGEST: 400,
  INVALID_CLAIM: 400,
  /** A claimant signature that is malformed, does not verify, or is not bound to the stamped digest/claim. */
  INVALID_SIGNATURE: 400,
  /** The tenant requires signed claims (requireSignedClaims) and the item carries no signature. */
  SIGNATURE_REQUIRED: 400,
  INVALID_RECEIPT: 400,
  /** A JSON body that is not I-JSON (RFC 7493): a member name twice in one object. */
  DUPLICATE_KEY: 400,
  INVALID_JSON: 400,
  INVALID_MULTIPART: 400,
  /** Client-side encryption fields of an upload that are incomplete, unknown, or given with more than one file. */
  INVALID_ENCRYPTION: 400,
  NO_FILES: 400,
  TOO_MANY_FILES: 400,
  TOO_MANY_FIELDS: 400,
  INVALID_CID: 400,
  /** A capture target that is loopback, private, link-local or reserved (CAPTURE_ALLOW_PRIVATE is off). */
  CAPTURE_TARGET_PRIVATE: 400,
  /** A capture target whose host name does not resolve. */
  CAPTURE_TARGET_UNRESOLVED: 400,
  UNAUTHORIZED: 401,
  /** Console login: unknown email or wrong password (the answer does not say which). */
  LOGIN_FAILED: 401,
  /** Console login: too many failures for the account or from the address; Retry-After says when to retry. */
  LOGIN_THROTTLED: 429,
  /** A state-changing request authenticated by the session cookie without the session's X-CSRF-Token, or from another origin. */
  CSRF_REFUSED: 403,
  /** The console user's role does not allow this request. */
  FORBIDDEN: 403,
  /** The first-admin setup token is unknown, used or expired. */
  SETUP_TOKEN_INVALID: 403,
  /** A console password shorter than 10 characters (or longer than 1,024). */
  WEAK_PASSWORD: 400,
  USER_EXISTS: 409,
  USER_NOT_FOUND: 404,
  /** The change would leave the tenant without an enabled admin. */
  LAST_ADMIN: 409,
  API_KEY_NOT_FOUND: 404,
  /** An evidence pack is limited in entries (EXPORT_MAX_ENTRIES); narrow the selection. */
  EXPORT_TOO_LARGE: 413,
  NOT_FOUND: 404,
  ENTRY_NOT_FOUND: 404,
  CONTENT_NOT_FOUND: 404,
  CAPTURE_NOT_FOUND: 404,
  CAPTURE_PART_NOT_FOUND: 404,
  CAPTURE_SCHEDULE_NOT_FOUND: 404,
  CAPTURE_SCHEDULE_EXISTS: 409,
  /** The capture is not finished (queued or running), or failed: it has no manifest. */
  CAPTURE_NOT_READY: 409,
  METHOD_NOT_ALLOWED: 405,
  NOT_ACCEPTABLE: 406,
  RECEIPT_PENDING: 409,
  /** A certificate for a non-development chain needs OPERATOR set (no placeholder operator is printed). */
  CERTIFICATE_NEEDS_OPERATOR: 409,
  /** A certificate for a non-development chain needs PUBLIC_URL set (its link and QR code come only from it). */
  CERTIFICATE_NEEDS_PUBLIC_URL: 409,
  /** A portfolio report is limited in entries; narrow the filter. */
  PORTFOLIO_TOO_LARGE: 413,
  /** A request with the same Idempotency-Key is still being processed. */
  IDEMPOTENCY_KEY_IN_USE: 409,
  /** The Idempotency-Key was used before with a different request. */
  IDEMPOTENCY_KEY_REUSED: 422,
  INVALID_IDEMPOTENCY_KEY: 400,
  FILE_TOO_LARGE: 413,
  PAYLOAD_TOO_LARGE: 413,
  /** A JSON body with more arrays and objects than JSON_MAX_CONTAINERS (refused before parsing). */
  JSON_TOO_COMPLEX: 413,
  /** A claim (or one of its fields, aiProcess included) over its documented byte limit. */
  CLAIM_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  /** The tenant already has the most captures waiting that the queue accepts from one tenant. */
  CAPTURE_QUEUE_FULL: 429,
  /** An API key (or the whole node) has as many open event streams as it may. */
  TOO_MANY_STREAMS: 429,
  /** A webhook target resolves to a private, loopback, link-local, multicast or unspecified address. */
  WEBHOOK_TARGET_FORBIDDEN: 400,
  INVALID_WEBHOOK_URL: 400,
  WEBHOOK_NOT_FOUND: 404,
  DELIVERY_NOT_FOUND: 404,
  /** The API key has the most uploads (or downloads) open at once that it may. */
  TOO_MANY_UPLOADS: 429,
  TOO_MANY_DOWNLOADS: 429,
  /** The tenant's daily stamp quota (DAILY_STAMP_QUOTA) is used up. */
  QUOTA_EXCEEDED: 429,
  /** The process has the most uploads or downloads open at once that it may, across all keys. */
  SERVER_BUSY: 503,
  REQUEST_HEADER_TOO_LARGE: 431,
  INTERNAL: 500,
  IPFS_UNAVAILABLE: 503,
  NOT_READY: 503,
  REQUEST_TIMEOUT: 408,
  /** The client closed the request before it was answered (logged at info; rarely seen by anyone). */
  CLIENT_ABORTED: 400,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/**
 * A client-visible failure.
 *
 * @example
 * throw new AppError("ENTRY_NOT_FOUND", `no entry ${id}`);
 */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly statusCode: number;
  readonly details: unknown;
  constructor(code: ErrorCode, message: string, details?: unknown, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.statusCode = ERROR_STATUS[code];
    this.details = details;
    this.name = "AppError";
  }
}

/**
 * A failure inside the service that is no answer to a client as such (configuration, store signals, capture outcomes,
 * replication): each kind is a named subclass whose `name` is its class. One that escapes to a route answers 500
 * INTERNAL with its message hidden; a failure a client must see is an {@link AppError}.
 *
 * @example
 * export class ConfigError extends InternalError {}
 */
export class InternalError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}
