/**
 * The SQLite store's connection and what every concern shares: the prepared-statement cache, the
 * write transaction (BEGIN IMMEDIATE: one writer at a time), the events outbox append and the fence
 * check. Listeners hear of events once their transaction committed (single node, in-process).
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { DatabaseSync, type SQLInputValue, type StatementSync } from "node:sqlite";
import { MIGRATIONS, migrationSql } from "../migrations.ts";
import { INSERT_EVENT, RESERVE_EVENT_SEQ, byTenant } from "../outbox-sql.ts";
import { FencedWriteError, type Fence, type NewOutboxEvent } from "../types.ts";

export type Row = { [column: string]: SQLInputValue };

/** The open database and the helpers the per-concern modules use. */
export interface SqliteDb {
  readonly db: DatabaseSync;
  /** The prepared statement of `sql` (prepared once, then cached). */
  q(sql: string): StatementSync;
  /** Runs `f` in one write transaction; event listeners are called after COMMIT. */
  tx<T>(f: () => T): T;
  /** Inside a write transaction: appends events to their tenants' outboxes (numbers reserved per tenant). */
  appendEvents(events: readonly NewOutboxEvent[]): void;
  /** Inside a write transaction: refuses the write unless `fence` holds the lease's current token. */
  checkFence(fence: Fence | undefined): void;
  /** Listeners of committed events (see `onEvents`). */
  readonly eventListeners: Set<(tenantId: string | undefined, seq: number) => void>;
}

/** Opens (creating and migrating) the database at `path`, in WAL mode with `synchronous=FULL`. */
export function openSqliteDb(path: string): SqliteDb {
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const db = new DatabaseSync(path);
  db.exec(
    "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000; PRAGMA cache_size = -65536; " +
      "PRAGMA temp_store = MEMORY;",
  );
  migrate(db);

  const cache = new Map<string, StatementSync>();
  const q = (sql: string): StatementSync => {
    let st = cache.get(sql);
    if (!st) {
      st = db.prepare(sql);
      cache.set(sql, st);
    }
    return st;
  };
  // Events outbox: listeners hear of events once their transaction committed (single node, in-process).
  const eventListeners = new Set<(tenantId: string | undefined, seq: number) => void>();
  let committedEvents: [string, number][] = [];
  const tx = <T>(f: () => T): T => {
    db.exec("BEGIN IMMEDIATE");
    try {
      const out = f();
      db.exec("COMMIT");
      const notes = committedEvents;
      committedEvents = [];
      for (const [tenantId, seq] of notes) {
        for (const l of eventListeners) {
          try {
            l(tenantId, seq);
          } catch {
            // a listener's failure is its own; the transaction is committed
          }
        }
      }
      return out;
    } catch (e) {
      committedEvents = [];
      db.exec("ROLLBACK");
      throw e;
    }
  };
  const appendEvents = (events: readonly NewOutboxEvent[]) => {
    if (events.length === 0) return;
    const now = new Date();
    for (const [tenantId, list] of byTenant(events)) {
      const last = Number((q(RESERVE_EVENT_SEQ).get(tenantId, list.length) as Row).last_seq);
      let seq = last - list.length;
      for (const e of list) q(INSERT_EVENT).run(tenantId, ++seq, e.type, e.entryId, JSON.stringify(e.data), now.toISOString(), now.getTime());
      committedEvents.push([tenantId, last]);
    }
  };
  const checkFence = (fence: Fence | undefined) => {
    if (!fence) return;
    const r = q("SELECT fencing_token FROM leases WHERE name = ?").get(fence.name) as Row | undefined;
    const current = r ? Number(r.fencing_token) : null;
    if (current !== fence.token) throw new FencedWriteError(fence, current);
  };
  return { db, q, tx, appendEvents, checkFence, eventListeners };
}

/** Events of entry rows (`tenant_id`, `id`) with the same data. */
export function entryEvents(rows: readonly Row[], data: (r: Row) => Record<string, unknown>): NewOutboxEvent[] {
  return rows.map((r) => ({ tenantId: String(r.tenant_id), type: String(data(r).type), entryId: String(r.id), data: { ...data(r), entryId: String(r.id) } }));
}

function migrate(db: DatabaseSync): void {
  db.exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)");
  const applied = new Set((db.prepare("SELECT version FROM schema_migrations").all() as Row[]).map((r) => Number(r.version)));
  for (const m of MIGRATIONS) {
    if (applied.has(m.version)) continue;
    db.exec("BEGIN IMMEDIATE");
    try {
      db.exec(migrationSql(m, "sqlite"));
      db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)").run(m.version, m.name, new Date().toISOString());
      db.exec("COMMIT");
    } catch (e) {
      db.exec("ROLLBACK");
      throw e;
    }
  }
}
