/**
 * A local HTTPS site for capture tests: a throw-away test CA and a server certificate for 127.0.0.1
 * and localhost made with openssl, served by node:https on a free loopback port. Chromium is told to
 * trust the leaf through `--ignore-certificate-errors-spki-list` (the SPKI hash below); the capture
 * still records the chain exactly as the browser received it.
 *
 * @example
 * const site = await startHttpsSite({ "/": { body: "<h1>hi</h1>" } });
 * try { … site.url … site.spki … } finally { await site.close(); }
 */
import { execFileSync } from "node:child_process";
import { createHash, X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** One route of the site: a fixed answer, or a handler for anything dynamic (redirects, stalls). */
export type Route =
  | {
      readonly status?: number;
      readonly type?: string;
      readonly body: string | Uint8Array;
      readonly headers?: Record<string, string>;
      readonly delayMs?: number;
    }
  | ((req: IncomingMessage, res: ServerResponse) => void);

/** Test PKI: the CA and the leaf, PEM, plus the leaf's SPKI SHA-256 (base64) for Chromium. */
export interface TestPki {
  readonly caPem: string;
  readonly leafPem: string;
  readonly keyPem: string;
  /** base64 SHA-256 of the leaf's DER SubjectPublicKeyInfo. */
  readonly spki: string;
  readonly caSubject: string;
  readonly leafSubject: string;
}

let cached: TestPki | undefined;

/** Makes (once per process) a test CA "PriorProof Capture Test CA" and a leaf for 127.0.0.1/localhost. */
export function makeTestPki(): TestPki {
  if (cached) return cached;
  const dir = mkdtempSync(join(tmpdir(), "pp-pki-"));
  const run = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
  try {
    run(
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-nodes",
      "-keyout",
      "ca.key",
      "-out",
      "ca.pem",
      "-days",
      "30",
      "-subj",
      "/CN=PriorProof Capture Test CA/O=PriorProof Tests",
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      "keyUsage=critical,keyCertSign,cRLSign",
    );
    run(
      "req",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-nodes",
      "-keyout",
      "leaf.key",
      "-out",
      "leaf.csr",
      "-subj",
      "/CN=capture-test.localhost/O=PriorProof Tests",
    );
    writeFileSync(
      join(dir, "ext.cnf"),
      "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n",
    );
    run("x509", "-req", "-in", "leaf.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "leaf.pem", "-days", "30", "-extfile", "ext.cnf");
    const caPem = readFileSync(join(dir, "ca.pem"), "utf8");
    const leafPem = readFileSync(join(dir, "leaf.pem"), "utf8");
    const leaf = new X509Certificate(leafPem);
    const spki = createHash("sha256")
      .update(leaf.publicKey.export({ type: "spki", format: "der" }))
      .digest("base64");
    cached = {
      caPem,
      leafPem,
      keyPem: readFileSync(join(dir, "leaf.key"), "utf8"),
      spki,
      caSubject: new X509Certificate(caPem).subject,
      leafSubject: leaf.subject,
    };
    return cached;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A running HTTPS site. */
export interface HttpsSite {
  /** `https://127.0.0.1:<port>`, no trailing slash. */
  readonly url: string;
  readonly pki: TestPki;
  /** Paths requested so far, in order. */
  readonly requests: string[];
  /** Replaces (or adds) a route while the site runs. */
  set(path: string, route: Route): void;
  close(): Promise<void>;
}

/** Serves `routes` over HTTPS on 127.0.0.1 (a free port), with the chain leaf + CA. */
export async function startHttpsSite(routes: Record<string, Route>): Promise<HttpsSite> {
  const pki = makeTestPki();
  const table = new Map(Object.entries(routes));
  const requests: string[] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const server: Server = createServer({ key: pki.keyPem, cert: pki.leafPem + pki.caPem }, (req, res) => {
    const path = new URL(req.url ?? "/", "https://x").pathname;
    requests.push(path);
    const route = table.get(path);
    if (!route) {
      res.writeHead(path === "/favicon.ico" ? 204 : 404, { "content-type": "text/plain" });
      res.end(path === "/favicon.ico" ? undefined : "not found");
      return;
    }
    if (typeof route === "function") return route(req, res);
    const send = () => {
      res.writeHead(route.status ?? 200, { "content-type": route.type ?? "text/html; charset=utf-8", "cache-control": "no-store", ...route.headers });
      res.end(route.body);
    };
    if (route.delayMs) {
      const t = setTimeout(() => {
        timers.delete(t);
        send();
      }, route.delayMs);
      timers.add(t);
    } else send();
  });
  server.on("secureConnection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((ok, fail) => {
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => ok());
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("the https site has no TCP address");
  return {
    url: `https://127.0.0.1:${address.port}`,
    pki,
    requests,
    set: (path, route) => void table.set(path, route),
    close: () =>
      new Promise<void>((ok) => {
        for (const t of timers) clearTimeout(t);
        for (const s of sockets) s.destroy();
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}
