/**
 * The PostgreSQL store's connections and what every concern shares: the pools (one for work, a small
 * one for lease renewals), transactions that resolve after COMMIT, fenced transactions (see the module
 * comment of postgres.ts), migrations under an advisory lock, and the events outbox append.
 */
import pg from "pg";
import type { Pool, PoolClient } from "pg";
import { MIGRATIONS, migrationSql } from "../migrations.ts";
import { EVENTS_CHANNEL, OUTBOX_SQL, RESERVE_EVENT_SEQ, byTenant, numbered } from "../outbox-sql.ts";
import { FencedWriteError, type Fence, type NewOutboxEvent } from "../types.ts";

export type Row = Record<string, unknown>;

/** Options of `openPostgresStore` (postgres.ts). */
export interface PostgresStoreOptions {
  /** Connections in the pool (default 10). */
  readonly poolSize?: number;
  /** How long to wait for a connection before failing a call (default 10,000 ms). */
  readonly connectionTimeoutMs?: number;
  /** Called with errors of idle pooled connections (e.g. the server restarted); they are replaced. */
  readonly onError?: (error: Error) => void;
  /** Statement and lock timeout of lease renewals (default 1,000 ms; keep it below the lease TTL/3). */
  readonly leaseStatementTimeoutMs?: number;
  /** Test fault point reached inside each fenced transaction, after its fence check, before COMMIT. */
  readonly faultPoint?: (point: string) => void;
  /**
   * `idle_in_transaction_session_timeout` of every pooled connection (default: none). A node frozen in
   * the middle of any transaction (SIGSTOP, a VM stall) would otherwise keep its row locks — a tenant's
   * event counter, a batch row — and stop every other node's writes for as long as it is frozen; with
   * this the server ends that transaction, and the node finds out on waking. Set it to the lease TTL.
   */
  readonly idleInTransactionTimeoutMs?: number;
}

const RESERVE_SQL = numbered(RESERVE_EVENT_SEQ);
/** The outbox and webhook statements, numbered for PostgreSQL. */
export const O = Object.fromEntries(Object.entries(OUTBOX_SQL).map(([k, v]) => [k, numbered(v)])) as { [K in keyof typeof OUTBOX_SQL]: string };

/**
 * Inside a write transaction: appends events to their tenants' outboxes. The tenant's counter row is
 * locked until the transaction ends (see outbox-sql.ts), and the NOTIFY is delivered only on commit.
 */
export async function appendEvents(c: PoolClient, events: readonly NewOutboxEvent[]): Promise<void> {
  if (events.length === 0) return;
  const now = new Date();
  for (const [tenantId, list] of byTenant(events)) {
    const last = Number(((await c.query(RESERVE_SQL, [tenantId, list.length])).rows[0] as Row).last_seq);
    const first = last - list.length + 1;
    await c.query(
      `INSERT INTO event_outbox (tenant_id, seq, type, entry_id, data, created_at, created_ms)
       SELECT $1, $2::bigint + ord - 1, type, ` +
        `entry_id, data, $3, $4 FROM unnest($5::text[], $6::text[], $7::text[]) WITH ORDINALITY AS u(type, entry_id, data, ord)`,
      [tenantId, first, now.toISOString(), now.getTime(), list.map((e) => e.type), list.map((e) => e.entryId), list.map((e) => JSON.stringify(e.data))],
    );
    await c.query("SELECT pg_notify($1, $2)", [EVENTS_CHANNEL, `${tenantId}:${last}`]);
  }
}

/** Events of entry rows (`tenant_id`, `id`) with the same data. */
export function entryEvents(rows: readonly Row[], data: (r: Row) => Record<string, unknown>): NewOutboxEvent[] {
  return rows.map((r) => {
    const d = data(r);
    return { tenantId: String(r.tenant_id), type: String(d.type), entryId: String(r.id), data: { ...d, entryId: String(r.id) } };
  });
}

/** Key of the advisory lock held while migrating (any constant shared by all nodes). */
const MIGRATION_LOCK_SQL = "SELECT pg_advisory_xact_lock(hashtext('priorproof:schema_migrations'))";
/** Milliseconds since the epoch on the database's clock. */
export const NOW_MS = "(extract(epoch FROM clock_timestamp()) * 1000)::bigint";

/**
 * Runs `f` in one transaction on a pooled connection; resolves only after COMMIT succeeded. A
 * connection whose state is unknown afterwards (a failed COMMIT or ROLLBACK) is destroyed, not reused.
 */
async function transaction<T>(pool: Pool, f: (c: PoolClient) => Promise<T>): Promise<T> {
  const c = await pool.connect();
  let reusable = false;
  // The server may end the session while no query runs (idle-in-transaction timeout): without a
  // listener that 'error' event would crash the process; the next query fails with it instead.
  const onError = () => undefined;
  c.on("error", onError);
  try {
    await c.query("BEGIN");
    let out: T;
    try {
      out = await f(c);
    } catch (e) {
      await c.query("ROLLBACK").then(
        () => {
          reusable = true;
        },
        () => undefined,
      );
      throw e;
    }
    const done = await c.query("COMMIT");
    reusable = true;
    // COMMIT of a transaction in the aborted state answers ROLLBACK instead of failing.
    if (done.command !== "COMMIT") throw new Error(`transaction was rolled back (${done.command})`);
    return out;
  } finally {
    c.removeListener("error", onError);
    c.release(!reusable);
  }
}

/** SQLSTATE of a session the server ended for idling in a transaction (the transaction rolled back). */
const IDLE_IN_TRANSACTION_TIMEOUT = "25P03";

/**
 * The guard of fenced transactions for a lease TTL: the idle timeout G and the validity required at
 * the check (2G). A fence without its TTL gets G = 1 s and only requires the lease unexpired.
 */
export function fenceGuard(ttlMs: number | undefined): { idleMs: number; validForMs: number; lockMs: number } {
  if (ttlMs === undefined) return { idleMs: 1_000, validForMs: 1, lockMs: 2_500 };
  const idleMs = Math.max(50, Math.floor(ttlMs / 5));
  return { idleMs, validForMs: 2 * idleMs, lockMs: Math.max(100, Math.floor(ttlMs / 2)) };
}

/**
 * Runs `f` in one transaction fenced by `fence` (see the module comment): short timeouts first, the
 * writes, then the fence check as the last statement before COMMIT. Without a fence, a plain transaction.
 */
async function fencedTransaction<T>(pool: Pool, fence: Fence | undefined, f: (c: PoolClient) => Promise<T>, faultPoint?: (point: string) => void): Promise<T> {
  if (!fence) return transaction(pool, f);
  const guard = fenceGuard(fence.ttlMs);
  try {
    return await transaction(pool, async (c) => {
      await c.query(`SET LOCAL idle_in_transaction_session_timeout = ${guard.idleMs}; SET LOCAL lock_timeout = ${guard.lockMs}`);
      const out = await f(c);
      const r = await c.query(`SELECT fencing_token, expires_at - ${NOW_MS} AS valid_ms FROM leases WHERE name = $1`, [fence.name]);
      const row = r.rows[0] as Row | undefined;
      const current = row ? Number(row.fencing_token) : null;
      if (current !== fence.token || Number(row!.valid_ms) < guard.validForMs) throw new FencedWriteError(fence, current);
      faultPoint?.("fenced-tx");
      return out;
    });
  } catch (e) {
    // Frozen between the check and COMMIT for longer than the idle timeout: the server rolled it back.
    if ((e as { code?: string }).code === IDLE_IN_TRANSACTION_TIMEOUT) throw new FencedWriteError(fence, null, { cause: e });
    throw e;
  }
}

async function migrate(pool: Pool): Promise<void> {
  for (const m of MIGRATIONS) {
    await transaction(pool, async (c) => {
      await c.query(MIGRATION_LOCK_SQL);
      await c.query("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)");
      const done = await c.query("SELECT 1 FROM schema_migrations WHERE version = $1", [m.version]);
      if (done.rowCount) return;
      await c.query(migrationSql(m, "postgres"));
      await c.query("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)", [m.version, m.name, new Date().toISOString()]);
    });
  }
}

/** The open pools and the helpers the per-concern modules use. */
export interface PgDb {
  readonly url: string;
  readonly options: PostgresStoreOptions;
  readonly poolSize: number;
  readonly pool: Pool;
  /** Lease statements only (own connections, statement and lock timeouts). */
  readonly leasePool: Pool;
  /** One transaction on a pooled connection; resolves after COMMIT. */
  tx<T>(f: (c: PoolClient) => Promise<T>): Promise<T>;
  /** One transaction fenced by `fence` (a plain one without). */
  fenced<T>(fence: Fence | undefined, f: (c: PoolClient) => Promise<T>): Promise<T>;
  all(sql: string, values?: unknown[]): Promise<Row[]>;
  one(sql: string, values?: unknown[]): Promise<Row | undefined>;
}

/** Opens the pools at `url` (`synchronous_commit` kept on) and migrates the schema. */
export async function openPgDb(url: string, options: PostgresStoreOptions): Promise<PgDb> {
  const poolSize = options.poolSize ?? 10;
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    connectionTimeoutMillis: options.connectionTimeoutMs ?? 10_000,
    application_name: "priorproof",
    ...(options.idleInTransactionTimeoutMs ? { idle_in_transaction_session_timeout: options.idleInTransactionTimeoutMs } : {}),
    // Runs before a new connection is handed out; if it fails, so does the connection.
    onConnect: async (client) => {
      await client.query("SELECT set_config('synchronous_commit', 'on', false) WHERE current_setting('synchronous_commit') = 'off'");
    },
  });
  pool.on("error", (e) => options.onError?.(e));
  // Lease renewals on their own connections: never behind the holder's own work for a pooled one.
  const leaseTimeoutMs = options.leaseStatementTimeoutMs ?? 1_000;
  const leasePool = new pg.Pool({
    connectionString: url,
    max: 2,
    connectionTimeoutMillis: options.connectionTimeoutMs ?? 10_000,
    application_name: "priorproof-lease",
    statement_timeout: leaseTimeoutMs,
    lock_timeout: leaseTimeoutMs,
    onConnect: async (client) => {
      await client.query("SELECT set_config('synchronous_commit', 'on', false) WHERE current_setting('synchronous_commit') = 'off'");
    },
  });
  leasePool.on("error", (e) => options.onError?.(e));
  try {
    const sync = await pool.query("SHOW synchronous_commit");
    if ((sync.rows[0] as Row | undefined)?.synchronous_commit === "off")
      throw new Error("PostgreSQL: synchronous_commit could not be turned on; refusing to acknowledge writes that are not durable");
    await migrate(pool);
  } catch (e) {
    await pool.end().catch(() => undefined);
    await leasePool.end().catch(() => undefined);
    throw e;
  }

  const fenced = <T>(fence: Fence | undefined, f: (c: PoolClient) => Promise<T>) => fencedTransaction(pool, fence, f, options.faultPoint);
  const tx = <T>(f: (c: PoolClient) => Promise<T>) => transaction(pool, f);
  const all = async (sql: string, values: unknown[] = []): Promise<Row[]> => (await pool.query(sql, values)).rows as Row[];
  const one = async (sql: string, values: unknown[] = []): Promise<Row | undefined> => (await all(sql, values))[0];
  return { url, options, poolSize, pool, leasePool, tx, fenced, all, one };
}
