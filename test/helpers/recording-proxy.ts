/**
 * A recording HTTP reverse proxy for the console e2e tests: the browser talks to it as to the service,
 * and every request body is kept whole as it went on the wire (the browser's own APIs give no body for a
 * File in a multipart upload). Responses are piped through as they arrive, so Server-Sent Events flow.
 *
 * When the browser side of an exchange closes before the response ended (a tab closed, a page navigated
 * away from an open GET /v1/events), the upstream request is destroyed too, as nginx does; before, such
 * an event stream stayed open at the service, counted against the user's 8 streams (EVENT_STREAMS_PER_KEY).
 * `openEventStreams` counts the upstream event streams still open, so that tests can check none is left
 * behind and none is cut short.
 */
import { createServer, request as httpRequest, type Server } from "node:http";

export interface RecordingProxy {
  url: string;
  server: Server;
  log: { method: string; url: string; body: Buffer }[];
  /** Upstream GET /v1/events responses not yet ended or destroyed. */
  openEventStreams: () => number;
  close: () => void;
}

export async function startRecordingProxy(targetUrl: string): Promise<RecordingProxy> {
  const target = new URL(targetUrl);
  const log: RecordingProxy["log"] = [];
  let streams = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    const up = httpRequest({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (down) => {
      if (req.url?.startsWith("/v1/events")) {
        streams++;
        down.once("close", () => streams--);
      }
      res.writeHead(down.statusCode ?? 502, down.headers);
      down.pipe(res);
    });
    up.on("error", () => res.destroy());
    // The browser went away before the answer ended: end the upstream exchange too.
    res.on("close", () => {
      if (!res.writableFinished) up.destroy();
    });
    req.on("data", (c: Buffer) => {
      chunks.push(c);
      up.write(c);
    });
    req.on("end", () => {
      log.push({ method: req.method ?? "", url: req.url ?? "", body: Buffer.concat(chunks) });
      up.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const address = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${address.port}`,
    server,
    log,
    openEventStreams: () => streams,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}
