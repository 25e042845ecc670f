/**
 * The one place that chooses the store: PostgreSQL when DATABASE_URL is set (several nodes may share
 * it), else the embedded SQLite file under the data dir. The store plugin and the CLIs call it.
 */
import type { Config } from "../config.ts";
import type { PostgresStoreOptions } from "./postgres.ts";
import type { Store } from "./types.ts";

export type { Store } from "./types.ts";

/**
 * Opens (creating and migrating) the store the configuration names.
 *
 * @example
 * const store = await openStore(loadConfig(process.env));
 * try { … } finally { await store.close(); }
 */
export async function openStore(config: Pick<Config, "databaseUrl" | "sqlitePath">, options: PostgresStoreOptions = {}): Promise<Store> {
  // Loaded at first use: a SQLite node never loads the PostgreSQL driver (pg, 16 modules), nor the reverse.
  if (config.databaseUrl) return (await import("./postgres.ts")).openPostgresStore(config.databaseUrl, options);
  return (await import("./sqlite.ts")).openSqliteStore(config.sqlitePath);
}
