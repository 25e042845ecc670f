/**
 * Budgets of the expensive routes, per API key and for the whole process, so that one key (or a
 * crowd) cannot take the service's threads, memory or sockets:
 *   - uploads (POST /v1/evidence): MAX_UPLOADS_PER_KEY open at once per key (429 TOO_MANY_UPLOADS),
 *     MAX_UPLOADS_TOTAL in the process (503 SERVER_BUSY); their hashing runs on the fixed pool of
 *     HASH_THREADS threads (services/hash-worker.ts); an upload in flight whose key is revoked is
 *     answered 401 and its connection closed within REVOCATION_CHECK_MS, and nothing of it is kept;
 *   - downloads (GET /ipfs/:cid): MAX_DOWNLOADS_PER_KEY / MAX_DOWNLOADS_TOTAL, each buffering at most
 *     one block, and a reader that takes nothing for DOWNLOAD_STALL_TIMEOUT_MS is disconnected;
 *   - stamps: DAILY_STAMP_QUOTA entries per tenant per UTC day (429 QUOTA_EXCEEDED).
 * Every refusal is an error JSON with a stable code, sent before any upload byte is read.
 */
import { Readable } from "node:stream";
import type { FastifyReply, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import { AppError } from "../errors.ts";
import { createContentAccess, type ContentAccess } from "../services/content-access.ts";
import { createHashPool, type HashPool } from "../services/hash-worker.ts";

declare module "fastify" {
  interface FastifyInstance {
    budgets: Budgets;
    hashPool: HashPool;
    contentAccess: ContentAccess;
  }
}

export interface Budgets {
  /** Takes a download slot of the request's key; throws 429 TOO_MANY_DOWNLOADS / 503 SERVER_BUSY. The release is idempotent. */
  acquireDownload(request: FastifyRequest): () => void;
  /** The body of a download, released (slot) when it ends or the client goes, cut when the client stalls. */
  guardDownload(reply: FastifyReply, body: AsyncIterable<Uint8Array>, release: () => void): Readable;
  /** Open counts, for tests and metrics. */
  readonly uploads: number;
  readonly downloads: number;
}

/** Counted slots, per key and in total. */
class Slots {
  private readonly perKey = new Map<string, number>();
  total = 0;
  private readonly maxPerKey: number;
  private readonly maxTotal: number;
  constructor(maxPerKey: number, maxTotal: number) {
    this.maxPerKey = maxPerKey;
    this.maxTotal = maxTotal;
  }
  /** A release function, or which limit was reached. */
  take(key: string): (() => void) | "key" | "total" {
    const n = this.perKey.get(key) ?? 0;
    if (n >= this.maxPerKey) return "key";
    if (this.total >= this.maxTotal) return "total";
    this.perKey.set(key, n + 1);
    this.total++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total--;
      const left = (this.perKey.get(key) ?? 1) - 1;
      if (left <= 0) this.perKey.delete(key);
      else this.perKey.set(key, left);
    };
  }
}

/** Start of the current UTC day, ISO-8601 (entries' `receivedAt` compare as strings). */
function utcDayStart(now = new Date()): string {
  return `${now.toISOString().slice(0, 10)}T00:00:00.000Z`;
}

export default fp(
  async (app) => {
    const { config, store } = app;
    const hashPool = createHashPool(config.hashThreads);
    const uploads = new Slots(config.maxUploadsPerKey, config.maxUploadsTotal);
    const downloads = new Slots(config.maxDownloadsPerKey, config.maxDownloadsTotal);
    const contentAccess = createContentAccess({ store, ipfs: app.ipfs, warn: (message, error) => app.log.warn({ err: error }, message) });

    const take = (slots: Slots, request: FastifyRequest, what: "uploads" | "downloads"): (() => void) => {
      const got = slots.take(request.apiKeyId || `ip:${request.ip}`);
      if (got === "key")
        throw new AppError(
          what === "uploads" ? "TOO_MANY_UPLOADS" : "TOO_MANY_DOWNLOADS",
          `this API key already has the most ${what} open at once (${what === "uploads" ? config.maxUploadsPerKey : config.maxDownloadsPerKey}); ` +
            `retry when one has finished`,
        );
      if (got === "total") throw new AppError("SERVER_BUSY", `the service has the most ${what} open at once; retry shortly`);
      return got;
    };

    /** Upload guard: a slot for the request's lifetime, and the key re-checked while the body streams in. */
    const uploadGuard = async (request: FastifyRequest, reply: FastifyReply) => {
      const release = take(uploads, request, "uploads");
      const keyHash = request.apiKeyHash;
      let checking = false;
      const timer = setInterval(() => {
        if (checking || !keyHash) return;
        checking = true;
        void store
          .findApiKey(keyHash)
          .then(
            (key) => {
              if (key || reply.raw.writableEnded) return;
              clearInterval(timer);
              request.log.info({ keyId: request.apiKeyId }, "API key revoked during an upload: closing it");
              request.keyRevoked = true;
              // Answer now and close the connection once the answer is out: the rest of the body is not read,
              // and the handler's import fails on the closed stream, so nothing of the upload is recorded.
              // Destroying the request (not only its socket) ends the multipart parse with an error, so the
              // upload's file stream fails and its hash session and spool file are released.
              const cut = () => request.raw.destroy(new Error("the API key was revoked during the upload"));
              reply.raw.once("finish", cut);
              if (!reply.sent)
                void reply
                  .code(401)
                  .header("connection", "close")
                  .send({ error: { code: "UNAUTHORIZED", message: "the API key was revoked" } });
              else cut();
            },
            () => undefined,
          )
          .finally(() => {
            checking = false;
          });
      }, config.revocationCheckMs);
      timer.unref();
      const done = () => {
        clearInterval(timer);
        release();
      };
      reply.raw.once("close", done);
      request.raw.once("close", () => {
        if (reply.raw.writableEnded || reply.raw.destroyed) done();
      });
    };

    const quotaGuard = async (request: FastifyRequest) => {
      if (config.dailyStampQuota <= 0) return;
      const body = request.body as { items?: unknown[] } | undefined;
      const asked = Array.isArray(body?.items) ? body.items.length : 1;
      const used = await store.countEntriesSince(request.tenantId, utcDayStart());
      if (used + asked > config.dailyStampQuota) {
        throw new AppError(
          "QUOTA_EXCEEDED",
          `the daily stamp quota of ${config.dailyStampQuota} entries for this tenant is reached (${used} used today, UTC)`,
          { quota: config.dailyStampQuota, used },
        );
      }
    };

    app.addHook("onRoute", (route) => {
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      if (!methods.includes("POST")) return;
      const guards = route.url === "/v1/evidence" ? [quotaGuard, uploadGuard] : route.url === "/v1/stamps" ? [quotaGuard] : [];
      if (guards.length === 0) return;
      const existing = route.preHandler === undefined ? [] : Array.isArray(route.preHandler) ? route.preHandler : [route.preHandler];
      route.preHandler = [...existing, ...guards] as typeof route.preHandler;
    });

    app.decorate("hashPool", hashPool);
    app.decorate("contentAccess", contentAccess);
    app.decorate("budgets", {
      acquireDownload: (request) => take(downloads, request, "downloads"),
      guardDownload(reply, body, release) {
        const iterator = body[Symbol.asyncIterator]();
        let stall: NodeJS.Timeout | undefined;
        const arm = () => {
          clearTimeout(stall);
          stall = setTimeout(() => {
            reply.log.info("download stalled: the client took nothing in time; disconnecting");
            reply.raw.destroy();
          }, config.downloadStallTimeoutMs);
          stall.unref();
        };
        // Byte mode with a small high-water mark: a slow reader holds at most about one block here.
        const stream = new Readable({
          highWaterMark: 64 * 1024,
          read() {
            arm();
            iterator.next().then(
              (next) => {
                if (next.done) stream.push(null);
                else stream.push(next.value);
              },
              (error: unknown) => stream.destroy(error instanceof Error ? error : new Error(String(error))),
            );
          },
          destroy(error, callback) {
            clearTimeout(stall);
            release();
            void Promise.resolve(iterator.return?.()).catch(() => undefined);
            callback(error);
          },
        });
        stream.once("end", () => {
          clearTimeout(stall);
          release();
        });
        reply.raw.once("close", () => {
          clearTimeout(stall);
          release();
          if (!stream.destroyed) stream.destroy();
        });
        return stream;
      },
      get uploads() {
        return uploads.total;
      },
      get downloads() {
        return downloads.total;
      },
    } satisfies Budgets);

    // Roots stored before their blocks were recorded (before migration 4) are walked once, in the background.
    app.addHook("onReady", async () => {
      void contentAccess.backfill(Number.MAX_SAFE_INTEGER).then(
        (n) => n > 0 && app.log.info({ roots: n }, "recorded the DAG blocks of previously stored content"),
        (error: unknown) => app.log.warn({ err: error }, "recording the DAG blocks of previously stored content failed"),
      );
    });
    app.addHook("onClose", async () => {
      await hashPool.close();
    });
  },
  { name: "budgets", dependencies: ["config", "store", "ipfs", "auth"] },
);
