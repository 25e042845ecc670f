import { timingSafeEqual, createHash } from "node:crypto";
import type { FastifyPluginAsync, FastifyRequest } from "fastify";
import { CID } from "multiformats/cid";
import { AppError } from "../../errors.ts";
import { configurationWarnings } from "../../services/certificates/service.ts";

const READY_CACHE_MS = 1_000;
const EMPTY_RAW = CID.parse("bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku");

async function within<T>(ms: number, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A short, secret-free reason for a failed check (library messages can echo RPC URLs and keys). */
function reason(e: unknown): string {
  const code = (e as { code?: unknown } | null)?.code;
  if (e instanceof Error && /^no answer within \d+ ms$/.test(e.message)) return e.message;
  return typeof code === "string" && /^[A-Z0-9_]{2,40}$/.test(code) ? code : "error";
}

/** Whether the request carries `Authorization: Bearer <token>` (compared in constant time). */
function hasToken(request: FastifyRequest, token: string): boolean {
  const match = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? "");
  if (!match?.[1]) return false;
  const digest = (s: string) => createHash("sha256").update(s, "utf8").digest();
  return timingSafeEqual(digest(match[1]), digest(token));
}

/**
 * Liveness, readiness (store, every chain, IPFS reachable: no tenant data, no counts, no library
 * messages) and Prometheus metrics, which hold service-wide counts and are served only with
 * METRICS_TOKEN (not set: /metrics answers 404).
 */
const health: FastifyPluginAsync = async (app) => {
  app.get("/healthz", { schema: { hide: true } }, async () => ({ status: "ok" }));

  // One run of the checks serves every request within READY_CACHE_MS: an anonymous flood of /readyz
  // costs the RPC provider (and the store) at most one call a second.
  let last: { at: number; result: Promise<{ ok: boolean; checks: Record<string, { ok: boolean; detail: string; multiaddrs?: string[] }> }> } | undefined;
  app.get("/readyz", { schema: { summary: "Store, chains and IPFS reachable", tags: ["operations"] } }, async (_request, reply) => {
    if (!last || Date.now() - last.at >= READY_CACHE_MS) last = { at: Date.now(), result: runChecks() };
    const { ok, checks } = await last.result;
    // Missing OPERATOR / PUBLIC_URL do not make the instance unready, but its certificates are development-only.
    const warnings = configurationWarnings(app.config).map(({ code, variable, message }) => ({ code, variable, message }));
    return reply.code(ok ? 200 : 503).send({ status: ok ? "ready" : "not-ready", checks, warnings });
  });

  async function runChecks() {
    const checks: Record<string, { ok: boolean; detail: string; multiaddrs?: string[] }> = {};
    try {
      await within(2000, app.store.ping());
      checks.store = { ok: true, detail: app.store.kind };
    } catch (e) {
      checks.store = { ok: false, detail: `store unreachable: ${reason(e)}` };
    }
    for (const [id, chain] of app.chains) {
      try {
        const head = await within(2000, chain.getBlockNumber());
        const anchorer = app.anchorers.get(id);
        checks[`chain:${id}`] =
          anchorer && !anchorer.healthy ? { ok: false, detail: `head ${head}; anchorer failing (see the logs)` } : { ok: true, detail: `head ${head}` };
      } catch (e) {
        checks[`chain:${id}`] = { ok: false, detail: `rpc unreachable: ${reason(e)}` };
        app.log.warn({ err: e, chainId: id }, "readiness: chain RPC unreachable");
      }
    }
    try {
      await within(2000, app.ipfs.has(EMPTY_RAW));
      checks.ipfs = { ok: true, detail: app.ipfs.kind };
    } catch (e) {
      checks.ipfs = { ok: false, detail: `ipfs unreachable: ${reason(e)}` };
    }
    // The IPFS node's addresses (what peers and pinning services dial); a node that failed to start
    // does not make the instance unready: uploads and the /ipfs/ gateway work without it.
    if (app.ipfsNode) {
      const detail = {
        idle: "idle: nothing is published yet (the node starts with the first published upload)",
        starting: "starting",
        running: `listening; peer ${app.ipfsNode.peerId}`,
        failed: "not running: it failed to start (see the logs)",
      }[app.ipfsNode.state];
      checks["ipfs-node"] = { ok: true, detail, multiaddrs: app.ipfsNode.multiaddrs() };
    }
    return { ok: Object.values(checks).every((c) => c.ok), checks };
  }

  app.get("/metrics", { schema: { summary: "Prometheus metrics (Authorization: Bearer METRICS_TOKEN)", tags: ["operations"] } }, async (request, reply) => {
    const token = app.config.metricsToken;
    if (!token) throw new AppError("NOT_FOUND", "no route GET /metrics");
    if (!hasToken(request, token)) throw new AppError("UNAUTHORIZED", "/metrics needs Authorization: Bearer <METRICS_TOKEN>");
    const s = await app.store.stats();
    const memory = process.memoryUsage();
    const lines = [
      "# HELP priorproof_entries Entries by status.",
      "# TYPE priorproof_entries gauge",
      ...Object.entries(s.entries).map(([k, v]) => `priorproof_entries{status="${k}"} ${v}`),
      "# HELP priorproof_batches Batches by status.",
      "# TYPE priorproof_batches gauge",
      ...Object.entries(s.batches).map(([k, v]) => `priorproof_batches{status="${k}"} ${v}`),
      "# HELP priorproof_anchorer_healthy 1 when the chain's anchorer reached the chain on its last pass.",
      "# TYPE priorproof_anchorer_healthy gauge",
      ...[...app.anchorers].map(([id, a]) => `priorproof_anchorer_healthy{chain_id="${id}"} ${a.healthy ? 1 : 0}`),
      "# HELP priorproof_lease_held 1 while this process holds the lease (it runs that lease's work).",
      "# TYPE priorproof_lease_held gauge",
      ...[...app.leases].map(([name, l]) => `priorproof_lease_held{lease="${name}"} ${l.fence() ? 1 : 0}`),
      "# HELP priorproof_uploads_open Uploads being received now.",
      "# TYPE priorproof_uploads_open gauge",
      `priorproof_uploads_open ${app.budgets.uploads}`,
      "# HELP priorproof_downloads_open Downloads being sent now.",
      "# TYPE priorproof_downloads_open gauge",
      `priorproof_downloads_open ${app.budgets.downloads}`,
      "# HELP priorproof_hash_threads Threads of the upload hashing pool (fixed).",
      "# TYPE priorproof_hash_threads gauge",
      `priorproof_hash_threads ${app.hashPool.threads}`,
      "# HELP priorproof_hash_sessions Uploads being hashed on the pool now.",
      "# TYPE priorproof_hash_sessions gauge",
      `priorproof_hash_sessions ${app.hashPool.sessions}`,
      "# HELP process_resident_memory_bytes Resident memory size in bytes.",
      "# TYPE process_resident_memory_bytes gauge",
      `process_resident_memory_bytes ${memory.rss}`,
      "# HELP nodejs_heap_used_bytes V8 heap in use.",
      "# TYPE nodejs_heap_used_bytes gauge",
      `nodejs_heap_used_bytes ${memory.heapUsed}`,
      "# HELP nodejs_heap_total_bytes V8 heap reserved.",
      "# TYPE nodejs_heap_total_bytes gauge",
      `nodejs_heap_total_bytes ${memory.heapTotal}`,
      "# HELP nodejs_external_memory_bytes Memory of C++ objects bound to JavaScript objects (Buffers included).",
      "# TYPE nodejs_external_memory_bytes gauge",
      `nodejs_external_memory_bytes ${memory.external}`,
      "# HELP nodejs_array_buffers_bytes Memory of ArrayBuffers and Buffers.",
      "# TYPE nodejs_array_buffers_bytes gauge",
      `nodejs_array_buffers_bytes ${memory.arrayBuffers}`,
    ];
    return reply.type("text/plain; version=0.0.4").send(lines.join("\n") + "\n");
  });
};

export default health;
