/**
 * Minimum request-body rate. The idle timeout closes a connection that goes silent, but a body that
 * trickles one byte just under every idle timeout would hold a connection (and an upload slot) forever.
 * Every request whose body has not fully arrived is checked once a second: after a grace period, its
 * average rate since the request began must stay at or above `minBytesPerSecond`, else the client gets a
 * JSON 408 REQUEST_TIMEOUT and the connection is closed.
 */
import type { IncomingMessage, Server } from "node:http";
import type { Socket } from "node:net";

export interface BodyRateOptions {
  readonly minBytesPerSecond: number;
  readonly graceMs: number;
  /** How often requests are checked (default 1,000 ms). */
  readonly checkEveryMs?: number;
}

interface Watched {
  readonly socket: Socket;
  readonly startedAt: number;
  readonly bytesAtStart: number;
}

/** Watches every request of `server`; a no-op when the minimum is 0. Returns a function that stops watching. */
export function enforceMinBodyRate(server: Server, options: BodyRateOptions): () => void {
  if (options.minBytesPerSecond <= 0) return () => undefined;
  const watched = new Map<IncomingMessage, Watched>();
  const onRequest = (req: IncomingMessage) => {
    if (req.complete) return;
    watched.set(req, { socket: req.socket, startedAt: performance.now(), bytesAtStart: req.socket.bytesRead });
    const forget = () => watched.delete(req);
    req.once("end", forget);
    req.once("close", forget);
  };
  server.on("request", onRequest);
  const timer = setInterval(() => {
    const now = performance.now();
    for (const [req, w] of watched) {
      if (req.complete || w.socket.destroyed) {
        watched.delete(req);
        continue;
      }
      const elapsedMs = now - w.startedAt;
      if (elapsedMs < options.graceMs) continue;
      const rate = (w.socket.bytesRead - w.bytesAtStart) / (elapsedMs / 1000);
      if (rate >= options.minBytesPerSecond) continue;
      watched.delete(req);
      tooSlow(w.socket, options.minBytesPerSecond);
    }
  }, options.checkEveryMs ?? 1_000);
  timer.unref();
  return () => {
    clearInterval(timer);
    server.off("request", onRequest);
  };
}

/** Answers 408 (unless a response has started) and closes the connection. */
function tooSlow(socket: Socket, minBytesPerSecond: number): void {
  const res = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (res && !res.headersSent && socket.writable) {
    const body = JSON.stringify({ error: { code: "REQUEST_TIMEOUT", message: `the request body arrived slower than ${minBytesPerSecond} bytes a second` } });
    socket.end(
      `HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Type: application/json; ` +
        `charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
    socket.setTimeout(1_000, () => socket.destroy());
  } else {
    socket.destroy();
  }
}
