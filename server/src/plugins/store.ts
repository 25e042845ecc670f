import fp from "fastify-plugin";
import { createFaultPoints } from "../services/faults.ts";
import { openStore } from "../store/index.ts";
import type { Store } from "../store/types.ts";

declare module "fastify" {
  interface FastifyInstance {
    store: Store;
  }
}

/** Opens the store: PostgreSQL when DATABASE_URL is set, else the embedded SQLite file. */
export default fp(
  async (app) => {
    const store = await openStore(app.config, {
      onError: (e) => app.log.warn({ err: e }, "idle database connection failed (replaced)"),
      faultPoint: createFaultPoints(app.config.testFaultDir),
      // A renewal that cannot finish within a third of the lease is abandoned (the next one is due).
      leaseStatementTimeoutMs: Math.max(100, Math.min(1_000, Math.floor(app.config.leaseTtlMs / 3))),
    });
    app.decorate("store", store);
    app.addHook("onClose", async () => {
      await store.close();
    });
  },
  { name: "store", dependencies: ["config"] },
);
