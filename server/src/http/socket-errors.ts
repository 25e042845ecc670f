/**
 * Errors answered below Fastify, on the raw socket, with the service's JSON error shape (error-body.ts).
 */
import type { Socket } from "node:net";
import { ERROR_STATUS, type ErrorCode } from "../errors.ts";
import { endSocketWithError } from "./error-body.ts";

/**
 * Requests that Node's HTTP parser refuses before Fastify sees them (malformed, headers too large or
 * too slow) get the same JSON error shape, written straight to the socket, which is then closed.
 */
export function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === "ECONNRESET" || socket.destroyed) return;
  const [code, message]: [ErrorCode, string] =
    error.code === "HPE_HEADER_OVERFLOW"
      ? ["REQUEST_HEADER_TOO_LARGE", "the request headers exceed the size limit"]
      : error.code === "ERR_HTTP_REQUEST_TIMEOUT"
        ? ["REQUEST_TIMEOUT", "the request headers were not received in time"]
        : ["MALFORMED_REQUEST", "malformed HTTP request"];
  if (socket.writable) endSocketWithError(socket, ERROR_STATUS[code], code, message);
  else socket.destroy();
}

/**
 * A connection silent for SOCKET_IDLE_TIMEOUT_MS is closed. If it stalled in the middle of a request
 * (a slow-loris body), the client first gets a JSON 408 with the service's error shape; an idle
 * keep-alive connection or one whose response has started is just closed.
 */
export function idleSocketHandler(socket: Socket): void {
  const res = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (res && !res.headersSent && socket.writable) {
    endSocketWithError(socket, 408, "REQUEST_TIMEOUT", "the request body stalled: no data received in time");
    socket.setTimeout(1_000, () => socket.destroy());
  } else {
    socket.destroy();
  }
}
