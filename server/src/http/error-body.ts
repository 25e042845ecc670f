/**
 * The one writer of the service's JSON error answer `{ error: { code, message, details? } }`
 * (api/common.ts `ErrorBodySchema`): the error handler, the not-found and router-error handlers, and
 * the raw-socket writers for requests Fastify never sees all build it here.
 */
import { STATUS_CODES } from "node:http";
import type { Socket } from "node:net";
import type { ErrorBody } from "@priorproof/client-sdk/api";
import type { ErrorCode } from "../errors.ts";

/** The error body of a code and message (and details, when there are any). */
export function errorBody(code: ErrorCode, message: string, details?: unknown): ErrorBody {
  return { error: details === undefined ? { code, message } : { code, message, details } };
}

/**
 * Writes a complete HTTP/1.1 error answer with the JSON error body straight to a socket and ends it
 * (`Connection: close`): for requests Node's parser refused or that stalled before Fastify had them.
 */
export function endSocketWithError(socket: Socket, status: number, code: ErrorCode, message: string): void {
  const body = JSON.stringify(errorBody(code, message));
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
