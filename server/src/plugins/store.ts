import fp from "fastify-plugin";
import { openSqliteStore } from "../store/sqlite.ts";
import type { Store } from "../store/types.ts";

declare module "fastify" {
  interface FastifyInstance {
    store: Store;
  }
}

/** Opens the store: PostgreSQL when DATABASE_URL is set, else the embedded SQLite file. */
export default fp(
  async (app) => {
    let store: Store;
    if (app.config.databaseUrl) {
      throw new Error("DATABASE_URL is set, but this build has no PostgreSQL backend yet (issue: scale-out)");
    } else {
      store = openSqliteStore(app.config.sqlitePath);
    }
    app.decorate("store", store);
    app.addHook("onClose", async () => {
      await store.close();
    });
  },
  { name: "store", dependencies: ["config"] },
);
