/**
 * What the service exposes, and how its files are created:
 *   - an answer to a request with credentials is `Cache-Control: private, no-store` unless its route
 *     says otherwise;
 *   - every response body (JSON, HTML, scripts) has the configuration's secrets redacted
 *     (services/redact.ts) — the log lines are redacted by the logger's own hook (app.ts);
 *   - files and directories are created owner-only (0600/0700) whatever the umask: the process umask
 *     is set to 077, and the data directory, its database, blockstore and spool, already present from
 *     an earlier run, are made owner-only at start.
 */
import { chmodSync, existsSync, mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import fp from "fastify-plugin";
import { configSecrets, createRedactor } from "../services/redact.ts";

declare module "fastify" {
  interface FastifyInstance {
    /** Replaces the configuration's secrets in a text. */
    redact: (text: string) => string;
  }
}

/** Bodies larger than this are content (files, CARs), not messages, and are not scanned. */
const SCAN_LIMIT = 4 * 1024 * 1024;
const TEXTUAL = /^(application\/(json|javascript|problem\+json)|text\/)/i;

function ownerOnly(dataDir: string): void {
  // The process's own files: 0600, directories 0700 (the umask applies to what libraries create too).
  try {
    process.umask(0o077);
  } catch {
    // In a worker thread the umask cannot be set (it is the process's); the modes below still apply.
  }
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  chmodSync(dataDir, 0o700);
  for (const name of readdirSync(dataDir)) {
    const path = join(dataDir, name);
    if (!existsSync(path)) continue;
    try {
      chmodSync(path, /\.(db|db-wal|db-shm|txt|json)$/.test(name) ? 0o600 : 0o700);
    } catch {
      // a file owned by another user (e.g. a mounted volume): left as is
    }
  }
}

export default fp(
  async (app) => {
    const { config } = app;
    ownerOnly(config.dataDir);
    const redact = createRedactor(configSecrets(config));
    app.decorate("redact", redact);
    app.addHook("onSend", async (request, reply, payload) => {
      // An answer to a request with credentials (a key or a console session) is that tenant's: never kept by a shared cache.
      if ((request.headers.authorization !== undefined || request.consoleUser) && !reply.hasHeader("cache-control"))
        reply.header("cache-control", "private, no-store");
      if (typeof payload === "string") return payload.length <= SCAN_LIMIT ? redact(payload) : payload;
      if (Buffer.isBuffer(payload) && payload.length <= SCAN_LIMIT && TEXTUAL.test(String(reply.getHeader("content-type") ?? ""))) {
        const text = payload.toString("utf8");
        const clean = redact(text);
        return clean === text ? payload : Buffer.from(clean, "utf8");
      }
      return payload;
    });
  },
  { name: "exposure", dependencies: ["config"] },
);
