import type { FastifyPluginAsync } from "fastify";
import { CID } from "multiformats/cid";
import { configurationWarnings } from "../services/certificates/service.ts";

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

/** Liveness, readiness (store, every chain, IPFS reachable) and Prometheus metrics. */
const health: FastifyPluginAsync = async (app) => {
  app.get("/healthz", { schema: { hide: true } }, async () => ({ status: "ok" }));

  app.get("/readyz", { schema: { summary: "Store, chains and IPFS reachable", tags: ["operations"] } }, async (_request, reply) => {
    const checks: Record<string, { ok: boolean; detail: string }> = {};
    try {
      await within(2000, app.store.ping());
      checks.store = { ok: true, detail: app.store.kind };
    } catch (e) {
      checks.store = { ok: false, detail: e instanceof Error ? e.message : String(e) };
    }
    for (const [id, chain] of app.chains) {
      try {
        const head = await within(2000, chain.getBlockNumber());
        const anchorer = app.anchorers.get(id);
        checks[`chain:${id}`] = anchorer && !anchorer.healthy
          ? { ok: false, detail: `head ${head}; anchorer failing: ${anchorer.lastError ?? "unknown"}` }
          : { ok: true, detail: `head ${head}` };
      } catch (e) {
        checks[`chain:${id}`] = { ok: false, detail: `rpc unreachable: ${e instanceof Error ? e.message : String(e)}` };
      }
    }
    try {
      await within(2000, app.ipfs.has(EMPTY_RAW));
      checks.ipfs = { ok: true, detail: app.ipfs.kind };
    } catch (e) {
      checks.ipfs = { ok: false, detail: e instanceof Error ? e.message : String(e) };
    }
    const ok = Object.values(checks).every((c) => c.ok);
    // Missing OPERATOR / PUBLIC_URL do not make the instance unready, but its certificates are development-only.
    const warnings = configurationWarnings(app.config).map(({ code, variable, message }) => ({ code, variable, message }));
    return reply.code(ok ? 200 : 503).send({ status: ok ? "ready" : "not-ready", checks, warnings });
  });

  app.get("/metrics", { schema: { summary: "Prometheus metrics", tags: ["operations"] } }, async (_request, reply) => {
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
