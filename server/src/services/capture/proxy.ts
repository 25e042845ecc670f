/**
 * The capture browser's only way out: a small HTTP proxy on loopback (Chromium runs with
 * `--proxy-server` and `--proxy-bypass-list=<-loopback>`, so even loopback goes through it). For every
 * connection — the target, each redirect hop, every subresource, WebSockets — it resolves the host
 * itself, refuses blocked addresses (see net-guard.ts) unless private targets are allowed, and then
 * connects to exactly the address it checked, so a DNS answer that changes between check and use
 * (rebinding) cannot slip through. It records what it resolved and where it connected, and it counts
 * the bytes received against the capture's size budget: past it, every connection is cut.
 *
 * HTTPS goes through CONNECT tunnels: TLS stays end to end between the browser and the site, so the
 * certificate chain the browser records is the site's.
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { connect, isIP, type Socket } from "node:net";
import { checkHost, TargetRefusedError, type Resolver } from "./net-guard.ts";

/** One connection the proxy opened or refused. */
export interface ProxyConnection {
  readonly host: string;
  readonly port: number;
  /** What the resolver answered (empty when resolution failed). */
  readonly addresses: readonly string[];
  /** The address connected to, or null when refused or failed. */
  readonly connectedTo: string | null;
  /** Why the connection was refused or failed, else null. */
  readonly refused: string | null;
  readonly at: string;
}

export interface GuardProxy {
  /** `http://127.0.0.1:<port>` for `--proxy-server`. */
  readonly url: string;
  readonly connections: readonly ProxyConnection[];
  /** Bytes received from sites so far (headers and bodies, as on the wire). */
  received(): number;
  /** Whether the size budget was exceeded (every connection was then cut). */
  exceeded(): boolean;
  close(): Promise<void>;
}

export interface GuardProxyOptions {
  readonly allowPrivate: boolean;
  readonly resolve: Resolver;
  /** Which addresses are private (default isBlockedAddress; tests narrow it to reach their loopback server). */
  readonly isBlocked?: (ip: string) => boolean;
  readonly maxBytes: number;
  readonly onExceeded?: () => void;
  /** Connect timeout per upstream connection. */
  readonly connectTimeoutMs?: number;
}

/**
 * Hosts Chromium contacts on its own (component updates, sign-in, safe-browsing, hints), whatever the
 * page: refused without a DNS query, so that a capture contacts only what the page asks for.
 */
const BROWSER_SERVICE_HOSTS = new Set([
  "update.googleapis.com",
  "accounts.google.com",
  "clients2.google.com",
  "clients2.googleusercontent.com",
  "clientservices.googleapis.com",
  "safebrowsingohttpgateway.googleapis.com",
  "optimizationguide-pa.googleapis.com",
  "content-autofill.googleapis.com",
  "edgedl.me.gvt1.com",
]);

function splitHostPort(authority: string, defaultPort: number): { host: string; port: number } | undefined {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:\s/]+)(?::(\d{1,5}))?$/.exec(authority);
  if (!m) return undefined;
  const port = m[2] === undefined ? defaultPort : Number(m[2]);
  if (port < 1 || port > 65_535) return undefined;
  return { host: m[1]!.replace(/^\[|\]$/g, ""), port };
}

/**
 * Starts the guard proxy on 127.0.0.1 (a free port). The caller closes it.
 *
 * @example
 * const proxy = await startGuardProxy({ allowPrivate: false, resolve: systemResolver, maxBytes: 50e6 });
 * chromium.launch({ args: [`--proxy-server=${proxy.url}`, "--proxy-bypass-list=<-loopback>"] });
 */
export async function startGuardProxy(options: GuardProxyOptions): Promise<GuardProxy> {
  const connections: ProxyConnection[] = [];
  const sockets = new Set<Socket>();
  let received = 0;
  let over = false;
  let closed = false;

  const track = (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
    s.on("error", () => undefined);
  };
  const count = (n: number) => {
    received += n;
    if (!over && received > options.maxBytes) {
      over = true;
      for (const s of sockets) s.destroy();
      options.onExceeded?.();
    }
  };
  /** Resolves and checks; resolves the address to connect to, or records the refusal and resolves undefined. */
  const admit = async (host: string, port: number): Promise<string | undefined> => {
    const at = new Date().toISOString();
    if (BROWSER_SERVICE_HOSTS.has(host.toLowerCase())) {
      connections.push({
        host,
        port,
        addresses: [],
        connectedTo: null,
        refused: "CAPTURE_BROWSER_SERVICE: the browser's own background service, not the page",
        at,
      });
      return undefined;
    }
    if (over || closed) {
      connections.push({ host, port, addresses: [], connectedTo: null, refused: over ? "size budget exceeded" : "capture finished", at });
      return undefined;
    }
    try {
      const r = await checkHost(host, {
        allowPrivate: options.allowPrivate,
        resolve: options.resolve,
        ...(options.isBlocked ? { isBlocked: options.isBlocked } : {}),
      });
      // Prefer IPv4 when both exist (test and most production networks route it); connect to what was checked.
      const ip = r.addresses.find((a) => isIP(a) === 4) ?? r.addresses[0]!;
      connections.push({ host, port, addresses: r.addresses, connectedTo: ip, refused: null, at });
      return ip;
    } catch (e) {
      const reason = e instanceof TargetRefusedError ? `${e.code}: ${e.message}` : String(e);
      connections.push({ host, port, addresses: [], connectedTo: null, refused: reason, at });
      return undefined;
    }
  };

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      let target: URL;
      try {
        target = new URL(req.url ?? "");
      } catch {
        res.writeHead(400).end();
        return;
      }
      if (target.protocol !== "http:") {
        res.writeHead(403).end();
        return;
      }
      const port = target.port ? Number(target.port) : 80;
      const host = target.hostname.replace(/^\[|\]$/g, "");
      const ip = await admit(host, port);
      if (ip === undefined) {
        res.writeHead(403, { "content-type": "text/plain" }).end("refused by the capture proxy");
        return;
      }
      const headers = { ...req.headers };
      delete headers["proxy-connection"];
      delete headers["proxy-authorization"];
      const upstream = httpRequest({
        host: ip,
        port,
        method: req.method,
        path: `${target.pathname}${target.search}`,
        headers,
        timeout: options.connectTimeoutMs ?? 15_000,
      });
      upstream.on("socket", track);
      upstream.on("timeout", () => upstream.destroy(new Error("upstream timeout")));
      upstream.on("response", (up) => {
        count(Buffer.byteLength(JSON.stringify(up.rawHeaders)));
        res.writeHead(up.statusCode ?? 502, up.rawHeaders);
        up.on("data", (chunk: Buffer) => count(chunk.length));
        up.pipe(res);
      });
      upstream.on("error", () => {
        if (!res.headersSent) res.writeHead(502).end();
        else res.destroy();
      });
      req.pipe(upstream);
    })();
  });
  server.on("connection", track);
  server.on("connect", (req: IncomingMessage, client: Socket, head: Buffer) => {
    track(client);
    void (async () => {
      const hp = splitHostPort(req.url ?? "", 443);
      if (!hp) {
        client.end("HTTP/1.1 400 Bad Request\r\n\r\n");
        return;
      }
      const ip = await admit(hp.host, hp.port);
      if (ip === undefined) {
        client.end("HTTP/1.1 403 Forbidden\r\n\r\n");
        return;
      }
      const upstream = connect({ host: ip, port: hp.port, timeout: options.connectTimeoutMs ?? 15_000 });
      track(upstream);
      upstream.once("timeout", () => upstream.destroy());
      upstream.once("connect", () => {
        upstream.setTimeout(0);
        client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
        if (head.length > 0) upstream.write(head);
        upstream.on("data", (chunk: Buffer) => count(chunk.length));
        upstream.pipe(client);
        client.pipe(upstream);
      });
      upstream.once("error", () => client.destroy());
      upstream.once("close", () => client.destroy());
      client.once("close", () => upstream.destroy());
    })();
  });
  await new Promise<void>((ok, fail) => {
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => ok());
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("the capture proxy has no TCP address");
  return {
    url: `http://127.0.0.1:${address.port}`,
    connections,
    received: () => received,
    exceeded: () => over,
    close: () =>
      new Promise<void>((ok) => {
        closed = true;
        for (const s of sockets) s.destroy();
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}
