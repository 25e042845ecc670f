/**
 * A fresh, empty Store on either backend for store-level suites: SQLite in a new temp directory, or
 * PostgreSQL on a new database (test/helpers/postgres.ts); `close()` closes it and removes the
 * directory or drops the database.
 *
 * @example
 * const { store, close } = await openFreshStore("postgres");
 * try { await store.createTenant("acme"); } finally { await close(); }
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openPostgresStore } from "../../server/src/store/postgres.ts";
import { openSqliteStore } from "../../server/src/store/sqlite.ts";
import type { Store } from "../../server/src/store/types.ts";
import type { TestBackend } from "./app.ts";
import { createTestDatabase } from "./postgres.ts";

/** A store opened by `openFreshStore`, with the clean-up that goes with it. */
export interface FreshStore {
  readonly store: Store;
  close(): Promise<void>;
}

/** Opens an empty store on `backend`; `prefix` names the SQLite temp directory. */
export async function openFreshStore(backend: TestBackend, prefix = "pp-store-"): Promise<FreshStore> {
  if (backend === "sqlite") {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    const store = openSqliteStore(join(dir, "store.db"));
    return {
      store,
      close: async () => {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const db = await createTestDatabase();
  const store = await openPostgresStore(db.url);
  return {
    store,
    close: async () => {
      await store.close();
      await db.drop();
    },
  };
}
