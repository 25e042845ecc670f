/**
 * The embedded store: SQLite through `node:sqlite`, in WAL mode with `synchronous=FULL`, so that a
 * committed transaction survives a crash or power loss. Inserts from concurrent requests are group-
 * committed: the calls that arrive in the same turn of the event loop share one transaction (and one
 * fsync), each inside its own savepoint so that one bad call fails alone. Writes are serialised
 * (BEGIN IMMEDIATE), so a fenced write checks the lease's token in the same transaction it writes in.
 *
 * One module per concern in sqlite/ (db: connection, transactions, outbox append, fence check;
 * tenants, entries, batches, leases, replicas, outbox); this one composes them into the Store.
 */
import { createConsoleStore } from "./console.ts";
import { createCaptureStore, sqliteRunner } from "./captures.ts";
import { ENTRY_STATUS_FROM_BATCHES } from "./sql.ts";
import { sqliteBatches } from "./sqlite/batches.ts";
import { openSqliteDb, type Row } from "./sqlite/db.ts";
import { sqliteEntries } from "./sqlite/entries.ts";
import { sqliteLeases } from "./sqlite/leases.ts";
import { sqliteOutbox } from "./sqlite/outbox.ts";
import { sqliteReplicas } from "./sqlite/replicas.ts";
import { sqliteTenants } from "./sqlite/tenants.ts";
import type { BatchStatus, EntryStatus, Store } from "./types.ts";

export { ENTRY_STATUS_FROM_BATCHES };

/**
 * Opens (creating and migrating) the SQLite store at `path`.
 *
 * @example
 * const store = openSqliteStore("./data/priorproof.db");
 */
export function openSqliteStore(path: string): Store {
  const c = openSqliteDb(path);
  const { db, q, eventListeners } = c;
  const { entries: entryStore, drain } = sqliteEntries(c);
  const store: Store = {
    kind: "sqlite",
    captures: createCaptureStore(sqliteRunner(db)),
    console: createConsoleStore(sqliteRunner(db)),
    ...sqliteTenants(c),
    ...entryStore,
    ...sqliteBatches(c),
    ...sqliteLeases(c),
    ...sqliteReplicas(c),
    ...sqliteOutbox(c),

    async stats() {
      const entries: Record<EntryStatus, number> = { pending: 0, batched: 0, anchored: 0, confirmed: 0 };
      for (const r of q("SELECT status, COUNT(*) AS n FROM entries GROUP BY status").all() as Row[]) entries[String(r.status) as EntryStatus] = Number(r.n);
      const batches: Record<BatchStatus, number> = { built: 0, sending: 0, sent: 0, anchored: 0, confirmed: 0 };
      for (const r of q("SELECT status, COUNT(*) AS n FROM batches GROUP BY status").all() as Row[]) batches[String(r.status) as BatchStatus] = Number(r.n);
      return { entries, batches };
    },
    async ping() {
      q("SELECT 1").get();
    },
    async close() {
      drain();
      eventListeners.clear();
      db.close();
    },
  };
  return store;
}
