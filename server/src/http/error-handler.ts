/**
 * How every failure becomes an answer: the service's stable error codes and statuses (errors.ts), in
 * the one JSON error shape (error-body.ts). Fastify's and its plugins' own codes are mapped here.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { AppError, ERROR_STATUS, type ErrorCode } from "../errors.ts";
import { errorBody } from "./error-body.ts";

/** Fastify and plugin error codes mapped to the service's stable codes. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_VALIDATION: "VALIDATION_FAILED",
  FST_ERR_CTP_INVALID_MEDIA_TYPE: "UNSUPPORTED_MEDIA_TYPE",
  FST_ERR_CTP_EMPTY_JSON_BODY: "VALIDATION_FAILED",
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: "VALIDATION_FAILED",
  FST_ERR_CTP_BODY_TOO_LARGE: "PAYLOAD_TOO_LARGE",
  FST_ERR_CTP_INVALID_JSON_BODY: "VALIDATION_FAILED",
  FST_REQ_FILE_TOO_LARGE: "FILE_TOO_LARGE",
  FST_PARTS_LIMIT: "TOO_MANY_FIELDS",
  FST_FILES_LIMIT: "TOO_MANY_FILES",
  FST_FIELDS_LIMIT: "TOO_MANY_FIELDS",
  FST_PROTO_VIOLATION: "INVALID_MULTIPART",
  FST_INVALID_MULTIPART_CONTENT_TYPE: "UNSUPPORTED_MEDIA_TYPE",
  FST_INVALID_JSON_FIELD_ERROR: "INVALID_MULTIPART",
  FST_ERR_BAD_URL: "NOT_FOUND",
  FST_ERR_ASYNC_CONSTRAINT: "VALIDATION_FAILED",
  FST_MP_PREMATURE_CLOSE: "INVALID_MULTIPART",
};

/** Errors of the multipart parser (busboy), which carry no code: a malformed body, not a server fault. */
const MULTIPART_PARSE_ERROR = new RegExp(
  String.raw`^(Multipart: Boundary not found|Unsupported Content-Type\.|Unexpected end of multipart data|\w+ terminated early due to unexpected ` +
    "end of multipart data|The needle cannot have a length bigger than 256)",
);

/** Router-level errors (a malformed percent-encoding in the path), answered in the same JSON shape. */
export function frameworkErrorHandler(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const code = FASTIFY_CODES[error.code] ?? "VALIDATION_FAILED";
  void reply.code(ERROR_STATUS[code]).send(errorBody(code, error.message));
}

/** Any request no route matches. */
export function notFoundHandler(request: FastifyRequest, reply: FastifyReply): void {
  void reply.code(404).send(errorBody("NOT_FOUND", `no route ${request.method} ${request.url.split("?")[0]}`));
}

/** The error handler of the whole app. */
export function errorHandler(error: FastifyError | AppError, request: FastifyRequest, reply: FastifyReply): void {
  let code: ErrorCode;
  let message = error.message;
  let details: unknown;
  if (error instanceof AppError) {
    code = error.code;
    details = error.details;
  } else if ((error as FastifyError).validation) {
    code = "VALIDATION_FAILED";
    details = (error as FastifyError).validation;
  } else if (error.code && FASTIFY_CODES[error.code]) {
    code = FASTIFY_CODES[error.code] as ErrorCode;
  } else if (MULTIPART_PARSE_ERROR.test(error.message)) {
    code = "INVALID_MULTIPART";
  } else if (error.statusCode === 429) {
    code = "RATE_LIMITED";
  } else if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
    code =
      error.statusCode === 413
        ? "PAYLOAD_TOO_LARGE"
        : error.statusCode === 415
          ? "UNSUPPORTED_MEDIA_TYPE"
          : error.statusCode === 404
            ? "NOT_FOUND"
            : "VALIDATION_FAILED";
  } else {
    code = "INTERNAL";
  }
  const status = code === "INTERNAL" ? 500 : ERROR_STATUS[code];
  const errno = (error as { code?: string }).code;
  if (
    (request.raw as { aborted?: boolean }).aborted === true ||
    request.raw.socket?.destroyed === true ||
    errno === "ECONNRESET" ||
    errno === "ERR_STREAM_PREMATURE_CLOSE"
  ) {
    // The client went away (aborted upload or download): nothing to answer, and not a fault of ours.
    request.log.info({ code: errno ?? code, message: error.message }, "client aborted the request");
    if (!reply.sent && !reply.raw.destroyed) void reply.code(400).send(errorBody("CLIENT_ABORTED", "the client closed the request"));
    return;
  }
  if (status >= 500) {
    request.log.error({ err: error }, "request failed");
    message = code === "INTERNAL" ? "internal error" : message;
  } else {
    request.log.info({ code, message }, "request rejected");
  }
  void reply.code(status).send(errorBody(code, message, details));
}
