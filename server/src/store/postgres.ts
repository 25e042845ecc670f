/**
 * The scale-out store: PostgreSQL through `pg` (a connection pool), for several API nodes sharing one
 * database. Same migrations and same behaviour as the SQLite store:
 *
 * - Durability: every write resolves after its COMMIT returned, with `synchronous_commit` on (a
 *   connection whose setting is `off` is switched back on as it opens; `local`, `remote_write` and
 *   `remote_apply` are kept), so an acknowledged entry is on disk (and on replicas, if so configured).
 * - Group commit: insert calls that arrive in the same turn of the event loop share one transaction,
 *   each inside its own savepoint so that one bad call fails alone. A few groups may be in flight at
 *   once; calls arriving meanwhile form the next group.
 * - Migrations: applied in order, one transaction each, under `pg_advisory_xact_lock`, so that nodes
 *   starting together apply each version once.
 * - closeBatch: takes the queued rows with `FOR UPDATE SKIP LOCKED`, so that concurrent closers (even
 *   on different nodes) take disjoint sets and never put an entry in two batches of a chain. In normal
 *   operation only the holder of the chain's `anchorer:<chainId>` lease closes batches (and its writes
 *   are fenced), so batches stay in arrival order; SKIP LOCKED is the guarantee that does not depend on
 *   the election.
 * - Fencing, without a lock that a takeover would wait for: a fenced transaction sets
 *   `idle_in_transaction_session_timeout` to G = TTL/5 and `lock_timeout` to TTL/2, does its writes,
 *   and as its LAST statement reads the lease row (no lock) and refuses the write unless the token is
 *   still the writer's and the lease stays valid for at least 2G more on the database's clock. COMMIT
 *   then reaches the server within G of that check, or the server aborts the session (a holder frozen
 *   before COMMIT: SIGSTOP, a GC pause, a VM stall); so the write commits while the lease is still the
 *   writer's, and no other node can have taken it over yet (a takeover needs the lease expired). A
 *   session aborted that way surfaces as {@link FencedWriteError}: it was rolled back.
 * - Leases: one `INSERT … ON CONFLICT DO UPDATE … WHERE` statement renews for the holder or takes over
 *   an expired lease (token + 1), on the database's clock, so node clocks need not agree. Lease
 *   statements run on their own small pool (with a statement and lock timeout), so that a renewal never
 *   queues behind the holder's own work for a pooled connection.
 *
 * One module per concern in postgres/ (db: pools, transactions, fencing, migrations, outbox append;
 * listen: LISTEN/NOTIFY; tenants, entries, batches, leases, replicas, outbox); this one composes them.
 */
import { createConsoleStore } from "./console.ts";
import { createCaptureStore, postgresRunner } from "./captures.ts";
import { pgBatches } from "./postgres/batches.ts";
import { openPgDb, type PostgresStoreOptions } from "./postgres/db.ts";
import { pgEntries } from "./postgres/entries.ts";
import { pgLeases } from "./postgres/leases.ts";
import { pgEventListener } from "./postgres/listen.ts";
import { pgOutbox } from "./postgres/outbox.ts";
import { pgReplicas } from "./postgres/replicas.ts";
import { pgTenants } from "./postgres/tenants.ts";
import type { BatchStatus, EntryStatus, Store } from "./types.ts";

export { fenceGuard, type PostgresStoreOptions } from "./postgres/db.ts";

/**
 * Opens the PostgreSQL store at `url` (creating its tables, or migrating them, as needed). The pool's
 * connections keep `synchronous_commit` on. Several processes may open the same database at once.
 *
 * @example
 * const store = await openPostgresStore("postgres://priorproof@db.internal/priorproof");
 */
export async function openPostgresStore(url: string, options: PostgresStoreOptions = {}): Promise<Store> {
  const db = await openPgDb(url, options);
  const { pool, leasePool, all } = db;
  const events = pgEventListener(url, options.onError);
  const { entries: entryStore, drain } = pgEntries(db);
  const store: Store = {
    kind: "postgres",
    captures: createCaptureStore(postgresRunner(pool)),
    console: createConsoleStore(postgresRunner(pool)),
    ...pgTenants(db),
    ...entryStore,
    ...pgBatches(db),
    ...pgLeases(db),
    ...pgReplicas(db),
    ...pgOutbox(db, events),

    async stats() {
      const entries: Record<EntryStatus, number> = { pending: 0, batched: 0, anchored: 0, confirmed: 0 };
      for (const r of await all("SELECT status, COUNT(*) AS n FROM entries GROUP BY status")) entries[String(r.status) as EntryStatus] = Number(r.n);
      const batches: Record<BatchStatus, number> = { built: 0, sending: 0, sent: 0, anchored: 0, confirmed: 0 };
      for (const r of await all("SELECT status, COUNT(*) AS n FROM batches GROUP BY status")) batches[String(r.status) as BatchStatus] = Number(r.n);
      return { entries, batches };
    },
    async ping() {
      await pool.query("SELECT 1");
    },
    async close() {
      await drain();
      await events.stopListening();
      await pool.end();
      await leasePool.end();
    },
  };
  return store;
}
