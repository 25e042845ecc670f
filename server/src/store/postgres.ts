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
 */
import { randomUUID } from "node:crypto";
import pg from "pg";
import type { Pool, PoolClient } from "pg";
import { createConsoleStore } from "./console.ts";
import { createCaptureStore, postgresRunner } from "./captures.ts";
import { MIGRATIONS, migrationSql } from "./migrations.ts";
import { ADD_DAY_COUNT, ENTRIES_SINCE_DAY, dayCounts, dayStartOf } from "./day-counts.ts";
import { BATCH_COLUMNS, ENTRY_STATUS_FROM_BATCHES, OWNS_BLOCK, IS_PUBLIC_BLOCK, changesEntryStatus, toBatch, toEntry, tenantOf, toIdempotency, toKey, toReplica, type QueuedInsert } from "./sql.ts";
import {
  EVENTS_CHANNEL, MAX_DELIVERY_ID, OUTBOX_SQL, RESERVE_EVENT_SEQ, STATUS_CHANGES_OF_BATCH, byTenant, numbered, replicaTargetHost, statusEvents,
  toDelivery, toOutboxEvent, toWebhook, webhookPayload,
} from "./outbox-sql.ts";
import {
  FencedWriteError, IdempotencyKeyTakenError,
  type ApiKeyRecord, type BatchPatch, type BatchStatus, type EntryBatch, type EntryRecord, type EntryStatus,
  type Fence, type NewEntry, type NewOutboxEvent, type Store, type Tenant, type TimestampTokenRecord,
} from "./types.ts";

type Row = Record<string, unknown>;

/** Options of {@link openPostgresStore}. */
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

const ENTRY_STATUS_SQL = ENTRY_STATUS_FROM_BATCHES.replace("?", "$1");
const STATUS_CHANGES_SQL = numbered(STATUS_CHANGES_OF_BATCH);
const ADD_DAY_COUNT_SQL = numbered(ADD_DAY_COUNT);
const ENTRIES_SINCE_DAY_SQL = numbered(ENTRIES_SINCE_DAY);
const RESERVE_SQL = numbered(RESERVE_EVENT_SEQ);
const OWNS_BLOCK_SQL = numbered(OWNS_BLOCK);
const IS_PUBLIC_BLOCK_SQL = numbered(IS_PUBLIC_BLOCK);
/** The outbox and webhook statements, numbered for PostgreSQL. */
const O = Object.fromEntries(Object.entries(OUTBOX_SQL).map(([k, v]) => [k, numbered(v)])) as { [K in keyof typeof OUTBOX_SQL]: string };

/**
 * Inside a write transaction: appends events to their tenants' outboxes. The tenant's counter row is
 * locked until the transaction ends (see outbox-sql.ts), and the NOTIFY is delivered only on commit.
 */
async function appendEvents(c: PoolClient, events: readonly NewOutboxEvent[]): Promise<void> {
  if (events.length === 0) return;
  const now = new Date();
  for (const [tenantId, list] of byTenant(events)) {
    const last = Number(((await c.query(RESERVE_SQL, [tenantId, list.length])).rows[0] as Row).last_seq);
    const first = last - list.length + 1;
    await c.query(
      `INSERT INTO event_outbox (tenant_id, seq, type, entry_id, data, created_at, created_ms)
       SELECT $1, $2::bigint + ord - 1, type, entry_id, data, $3, $4 FROM unnest($5::text[], $6::text[], $7::text[]) WITH ORDINALITY AS u(type, entry_id, data, ord)`,
      [tenantId, first, now.toISOString(), now.getTime(), list.map((e) => e.type), list.map((e) => e.entryId), list.map((e) => JSON.stringify(e.data))],
    );
    await c.query("SELECT pg_notify($1, $2)", [EVENTS_CHANNEL, `${tenantId}:${last}`]);
  }
}

/** Events of entry rows (`tenant_id`, `id`) with the same data. */
function entryEvents(rows: readonly Row[], data: (r: Row) => Record<string, unknown>): NewOutboxEvent[] {
  return rows.map((r) => {
    const d = data(r);
    return { tenantId: String(r.tenant_id), type: String(d.type), entryId: String(r.id), data: { ...d, entryId: String(r.id) } };
  });
}
/** Key of the advisory lock held while migrating (any constant shared by all nodes). */
const MIGRATION_LOCK_SQL = "SELECT pg_advisory_xact_lock(hashtext('priorproof:schema_migrations'))";
/** Milliseconds since the epoch on the database's clock. */
const NOW_MS = "(extract(epoch FROM clock_timestamp()) * 1000)::bigint";

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
      await c.query("ROLLBACK").then(() => {
        reusable = true;
      }, () => undefined);
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

/**
 * Opens the PostgreSQL store at `url` (creating its tables, or migrating them, as needed). The pool's
 * connections keep `synchronous_commit` on. Several processes may open the same database at once.
 *
 * @example
 * const store = await openPostgresStore("postgres://priorproof@db.internal/priorproof");
 */
export async function openPostgresStore(url: string, options: PostgresStoreOptions = {}): Promise<Store> {
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
    connectionString: url, max: 2, connectionTimeoutMillis: options.connectionTimeoutMs ?? 10_000, application_name: "priorproof-lease",
    statement_timeout: leaseTimeoutMs, lock_timeout: leaseTimeoutMs,
    onConnect: async (client) => {
      await client.query("SELECT set_config('synchronous_commit', 'on', false) WHERE current_setting('synchronous_commit') = 'off'");
    },
  });
  leasePool.on("error", (e) => options.onError?.(e));
  try {
    const sync = await pool.query("SHOW synchronous_commit");
    if ((sync.rows[0] as Row | undefined)?.synchronous_commit === "off") throw new Error("PostgreSQL: synchronous_commit could not be turned on; refusing to acknowledge writes that are not durable");
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

  const insertCall = async (c: PoolClient, call: QueuedInsert): Promise<EntryRecord[]> => {
    const es = call.entries;
    const k = call.idempotency;
    if (k) {
      // A concurrent insert of the same key (another node) makes this wait for its commit, then conflict.
      const now = Date.now();
      const done = await c.query(
        `INSERT INTO idempotency_keys (tenant_id, idem_key, fingerprint, status, entry_ids, created_at, created_ms)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (tenant_id, idem_key) DO NOTHING`,
        [k.tenantId, k.key, k.fingerprint, k.status, JSON.stringify(es.map((e) => e.id)), new Date(now).toISOString(), now],
      );
      if (done.rowCount === 0) throw new IdempotencyKeyTakenError(k.key);
    }
    if (es.length === 0) return [];
    const col = <T>(f: (e: NewEntry) => T) => es.map(f);
    const inserted = await c.query(
      `INSERT INTO entries (id, tenant_id, sha256, sha3_256, size, name, media_type, cid, cid_profile, pin_status, claim,
         claim_sha256, previous, leaf_salt, leaf_hash, status, received_at, request_id, pin_attempts, pin_error, pin_spool,
         leaf_version, signature, encryption, content_sha256)
       SELECT id, tenant_id, sha256, sha3_256, size, name, media_type, cid, cid_profile, pin_status, claim,
         claim_sha256, previous, leaf_salt, leaf_hash, 'pending', received_at, request_id, pin_attempts, pin_error, pin_spool,
         leaf_version, signature, encryption, content_sha256
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[], $7::text[], $8::text[], $9::text[],
         $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::text[], $16::text[], $17::text[],
         $18::integer[], $19::text[], $20::text[], $21::integer[], $22::text[], $23::text[], $24::text[])
         WITH ORDINALITY AS u(id, tenant_id, sha256, sha3_256, size, name, media_type, cid, cid_profile, pin_status, claim,
           claim_sha256, previous, leaf_salt, leaf_hash, received_at, request_id, pin_attempts, pin_error, pin_spool,
           leaf_version, signature, encryption, content_sha256, ord)
       ORDER BY ord
       RETURNING seq, id`,
      [
        col((e) => e.id), col((e) => e.tenantId), col((e) => e.sha256), col((e) => e.sha3_256), col((e) => e.size), col((e) => e.name),
        col((e) => e.mediaType), col((e) => e.cid), col((e) => e.cidProfile), col((e) => e.pinStatus), col((e) => e.claim),
        col((e) => e.claimSha256), col((e) => e.previous), col((e) => e.leafSalt), col((e) => e.leafHash), col((e) => e.receivedAt),
        col((e) => e.requestId), col((e) => e.pinAttempts ?? 0), col((e) => e.pinError ?? null), col((e) => e.pinSpool ?? null),
        col((e) => e.leafVersion ?? 1), col((e) => e.signature ?? null),
        col((e) => e.encryption ?? null), col((e) => e.contentSha256 ?? null),
      ],
    );
    const seqById = new Map((inserted.rows as Row[]).map((r) => [String(r.id), Number(r.seq)]));
    const published = es.filter((e) => e.public).map((e) => e.id);
    if (published.length > 0) await c.query("UPDATE entries SET public = 1 WHERE id = ANY($1::text[])", [published]); // migration 13, same transaction
    const records = es.map((e): EntryRecord => ({
      ...e, seq: seqById.get(e.id)!, status: "pending", pinAttempts: e.pinAttempts ?? 0, pinError: e.pinError ?? null, pinSpool: e.pinSpool ?? null,
      leafVersion: e.leafVersion ?? 1, signature: e.signature ?? null,
      encryption: e.encryption ?? null, contentSha256: e.contentSha256 ?? null,
    }));
    if (call.chainIds.length > 0) {
      await c.query(
        "INSERT INTO pending_entries (chain_id, entry_seq) SELECT c, s FROM unnest($1::bigint[]) AS s CROSS JOIN unnest($2::bigint[]) AS c",
        [records.map((r) => r.seq), [...call.chainIds]],
      );
    }
    return records;
  };

  // Group commit of inserts.
  const maxInFlight = Math.max(1, Math.floor(poolSize / 2));
  let queue: QueuedInsert[] = [];
  let scheduled = false;
  let inFlight = 0;
  const flushes = new Set<Promise<void>>();
  const flush = async (calls: QueuedInsert[]): Promise<void> => {
    const results: { call: QueuedInsert; records?: EntryRecord[]; error?: unknown }[] = [];
    try {
      await tx(async (c) => {
        // The tenants' event counters first, in one order: a closer that also appends events for these
        // tenants waits for this commit instead of deadlocking with it.
        const tenants = [...new Set(calls.flatMap((call) => call.entries.map((e) => e.tenantId)))].sort();
        await c.query(
          "INSERT INTO event_counters (tenant_id, last_seq) SELECT t, 0 FROM unnest($1::text[]) AS t ORDER BY t ON CONFLICT (tenant_id) DO UPDATE SET last_seq = event_counters.last_seq",
          [tenants],
        );
        // Then their day counters, in one order too (created at 0 and locked; each call adds its entries).
        const days = dayCounts(calls.flatMap((call) => call.entries));
        await c.query(
          "INSERT INTO tenant_day_counts (tenant_id, day, entries) SELECT t, d, 0 FROM unnest($1::text[], $2::text[]) AS u(t, d) ORDER BY t, d ON CONFLICT (tenant_id, day) DO UPDATE SET entries = tenant_day_counts.entries",
          [days.map((x) => x[0]), days.map((x) => x[1])],
        );
        for (const call of calls) {
          await c.query("SAVEPOINT call");
          try {
            const records = await insertCall(c, call);
            for (const [tenantId, day, n] of dayCounts(call.entries)) await c.query(ADD_DAY_COUNT_SQL, [tenantId, day, n]);
            await appendEvents(c, records.map((r) => ({ tenantId: r.tenantId, type: "entry.status", entryId: r.id, data: { type: "entry.status", entryId: r.id, status: "pending", at: r.receivedAt } })));
            await c.query("RELEASE SAVEPOINT call");
            results.push({ call, records });
          } catch (error) {
            await c.query("ROLLBACK TO SAVEPOINT call");
            await c.query("RELEASE SAVEPOINT call");
            results.push({ call, error });
          }
        }
      });
    } catch (error) {
      for (const call of calls) call.reject(error);
      return;
    }
    for (const r of results) (r.records ? r.call.resolve(r.records) : r.call.reject(r.error));
  };
  const startFlush = () => {
    const calls = queue;
    queue = [];
    inFlight++;
    const p: Promise<void> = flush(calls).finally(() => {
      inFlight--;
      flushes.delete(p);
      schedule();
    });
    flushes.add(p);
  };
  const schedule = () => {
    if (scheduled || queue.length === 0 || inFlight >= maxInFlight) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      if (queue.length > 0 && inFlight < maxInFlight) startFlush();
    });
  };

  // LISTEN on a dedicated connection (not a pooled one: a pooled connection is handed to other queries),
  // opened on the first subscription and re-opened after a failure. After a reconnect every listener
  // hears `undefined` (notifications may have been missed meanwhile) and reads its outbox again.
  const eventListeners = new Set<(tenantId: string | undefined, seq: number) => void>();
  let listener: pg.Client | undefined;
  let listening: Promise<void> | undefined;
  let closing = false;
  let retry: NodeJS.Timeout | undefined;
  const emit = (tenantId: string | undefined, seq: number) => {
    for (const l of eventListeners) {
      try {
        l(tenantId, seq);
      } catch {
        // a listener's failure is its own
      }
    }
  };
  const connectListener = async (reconnect: boolean): Promise<void> => {
    const client = new pg.Client({ connectionString: url, application_name: "priorproof-listen" });
    client.on("notification", (n) => {
      if (n.channel !== EVENTS_CHANNEL || !n.payload) return;
      const at = n.payload.lastIndexOf(":");
      emit(n.payload.slice(0, at), Number(n.payload.slice(at + 1)));
    });
    const lost = (e?: Error) => {
      if (listener !== client) return;
      listener = undefined;
      if (e) options.onError?.(e);
      client.end().catch(() => undefined);
      if (!closing && eventListeners.size > 0) scheduleListen();
    };
    client.on("error", lost);
    client.on("end", () => lost());
    try {
      await client.connect();
      await client.query(`LISTEN ${EVENTS_CHANNEL}`);
    } catch (e) {
      await client.end().catch(() => undefined);
      throw e;
    }
    listener = client;
    if (reconnect) emit(undefined, 0);
  };
  const scheduleListen = () => {
    if (retry || closing) return;
    retry = setTimeout(() => {
      retry = undefined;
      listening = connectListener(true).catch((e: unknown) => {
        options.onError?.(e instanceof Error ? e : new Error(String(e)));
        scheduleListen();
      }).finally(() => {
        listening = undefined;
      });
    }, 500);
    retry.unref?.();
  };
  const listen = (l: (tenantId: string | undefined, seq: number) => void): (() => void) => {
    eventListeners.add(l);
    if (!listener && !listening && !closing) {
      listening = connectListener(false).catch((e: unknown) => {
        options.onError?.(e instanceof Error ? e : new Error(String(e)));
        scheduleListen();
      }).finally(() => {
        listening = undefined;
      });
    }
    return () => eventListeners.delete(l);
  };
  const stopListening = async () => {
    closing = true;
    if (retry) clearTimeout(retry);
    await listening?.catch(() => undefined);
    const l = listener;
    listener = undefined;
    eventListeners.clear();
    await l?.end().catch(() => undefined);
  };

  const store: Store = {
    kind: "postgres",
    captures: createCaptureStore(postgresRunner(pool)),
    console: createConsoleStore(postgresRunner(pool)),

    async createTenant(name) {
      const t: Tenant = { id: randomUUID(), name, createdAt: new Date().toISOString() };
      await pool.query("INSERT INTO tenants (id, name, created_at) VALUES ($1, $2, $3)", [t.id, t.name, t.createdAt]);
      return t;
    },
    async getTenantByName(name) {
      const r = await one("SELECT * FROM tenants WHERE name = $1", [name]);
      return r ? tenantOf(r) : undefined;
    },
    async getTenant(id) {
      const r = await one("SELECT * FROM tenants WHERE id = $1", [id]);
      return r ? tenantOf(r) : undefined;
    },
    async setCertificateJurisdiction(tenantId, jurisdiction) {
      await pool.query("UPDATE tenants SET certificate_jurisdiction = $1 WHERE id = $2", [jurisdiction, tenantId]);
    },
    async addApiKey(tenantId, keyHash, label) {
      const k: ApiKeyRecord = { id: randomUUID(), tenantId, label, createdAt: new Date().toISOString(), revokedAt: null };
      await pool.query("INSERT INTO api_keys (id, tenant_id, key_hash, label, created_at) VALUES ($1, $2, $3, $4, $5)", [k.id, tenantId, keyHash, label, k.createdAt]);
      return k;
    },
    async findApiKey(keyHash) {
      const r = await one("SELECT * FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL", [keyHash]);
      return r ? toKey(r) : undefined;
    },
    async listApiKeys(tenantId) {
      return (await all("SELECT * FROM api_keys WHERE tenant_id = $1 ORDER BY created_at", [tenantId])).map(toKey);
    },
    async revokeApiKey(keyId) {
      const r = await pool.query("UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL", [new Date().toISOString(), keyId]);
      return (r.rowCount ?? 0) > 0;
    },
    async getTenantSettings(tenantId) {
      const r = await one("SELECT require_signed_claims, public_content FROM tenant_settings WHERE tenant_id = $1", [tenantId]);
      return { requireSignedClaims: Number(r?.require_signed_claims ?? 0) === 1, publicContent: Number(r?.public_content ?? 0) === 1 };
    },
    async setTenantSettings(tenantId, settings) {
      await pool.query(
        `INSERT INTO tenant_settings (tenant_id, require_signed_claims, public_content, updated_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (tenant_id) DO UPDATE SET require_signed_claims = excluded.require_signed_claims, public_content = excluded.public_content, updated_at = excluded.updated_at`,
        [tenantId, settings.requireSignedClaims ? 1 : 0, settings.publicContent ? 1 : 0, new Date().toISOString()],
      );
    },

    insertEntries(entries, chainIds, idempotency) {
      return new Promise((resolve, reject) => {
        queue.push({ entries, chainIds, ...(idempotency ? { idempotency } : {}), resolve, reject });
        schedule();
      });
    },
    async getEntry(id) {
      const r = await one("SELECT * FROM entries WHERE id = $1", [id]);
      return r ? toEntry(r) : undefined;
    },
    async getIdempotencyKey(tenantId, key) {
      const r = await one("SELECT * FROM idempotency_keys WHERE tenant_id = $1 AND idem_key = $2", [tenantId, key]);
      return r ? toIdempotency(r) : undefined;
    },
    async getEntriesByIds(ids) {
      if (ids.length === 0) return [];
      const byId = new Map((await all("SELECT * FROM entries WHERE id = ANY($1::text[])", [[...ids]])).map((r) => [String(r.id), toEntry(r)]));
      return ids.flatMap((id) => (byId.has(id) ? [byId.get(id)!] : []));
    },
    async listEntryCids(afterSeq, limit, options = {}) {
      return (await all(`SELECT seq, cid FROM entries WHERE cid IS NOT NULL${options.publicOnly ? " AND public = 1" : ""} AND seq > $1 ORDER BY seq LIMIT $2`, [afterSeq, limit])).map((r) => ({ seq: Number(r.seq), cid: String(r.cid) }));
    },
    async sweepIdempotencyKeys(beforeMs) {
      return (await pool.query("DELETE FROM idempotency_keys WHERE created_ms < $1", [beforeMs])).rowCount ?? 0;
    },
    async findEntries(tenantId, query) {
      const where = ["tenant_id = $1", "seq > $2"];
      const args: unknown[] = [tenantId, query.afterSeq ?? 0];
      if (query.sha256) {
        args.push(query.sha256);
        where.push(`sha256 = $${args.length}`);
      }
      if (query.previous) {
        args.push(query.previous);
        where.push(`previous = $${args.length}`);
      }
      args.push(query.limit);
      return (await all(`SELECT * FROM entries WHERE ${where.join(" AND ")} ORDER BY seq LIMIT $${args.length}`, args)).map(toEntry);
    },
    async findEntriesByCid(tenantId, cid) {
      return (await one("SELECT 1 AS found FROM entries WHERE tenant_id = $1 AND cid = $2 LIMIT 1", [tenantId, cid])) !== undefined;
    },
    async isEntryCid(cid, options) {
      return (await one(`SELECT 1 AS found FROM entries WHERE cid = $1${options?.publicOnly ? " AND public = 1" : ""} LIMIT 1`, [cid])) !== undefined;
    },
    async recordDagBlocks(rootCid, multihashes) {
      await all("INSERT INTO dag_blocks (root_cid, multihash) SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING", [rootCid, [...multihashes]]);
    },
    async ownsBlock(tenantId, multihash) {
      return (await one(OWNS_BLOCK_SQL, [multihash, tenantId, tenantId])) !== undefined;
    },
    async isPublicBlock(multihash) {
      return (await one(IS_PUBLIC_BLOCK_SQL, [multihash])) !== undefined;
    },
    async hasPublicContent() {
      return (await one("SELECT 1 AS found FROM entries WHERE public = 1 AND cid IS NOT NULL LIMIT 1")) !== undefined;
    },
    async listCidsWithoutBlocks(limit) {
      return (await all("SELECT DISTINCT e.cid AS cid FROM entries e WHERE e.cid IS NOT NULL AND NOT EXISTS (SELECT 1 FROM dag_blocks b WHERE b.root_cid = e.cid) LIMIT $1", [limit])).map((r) => String(r.cid));
    },
    async countEntriesSince(tenantId, since) {
      const day = dayStartOf(since);
      const r = day ? await one(ENTRIES_SINCE_DAY_SQL, [tenantId, day]) : await one("SELECT COUNT(*) AS n FROM entries WHERE tenant_id = $1 AND received_at >= $2", [tenantId, since]);
      return Number(r?.n ?? 0);
    },
    async findAnchoredBySha256(sha256, limit) {
      return (await all("SELECT * FROM entries WHERE sha256 = $1 AND status IN ('anchored', 'confirmed') ORDER BY seq LIMIT $2", [sha256, limit])).map(toEntry);
    },
    async listPinPending(limit, afterSeq = 0) {
      return (await all("SELECT * FROM entries WHERE pin_status = 'pending' AND seq > $1 ORDER BY seq LIMIT $2", [afterSeq, limit])).map(toEntry);
    },
    async recordPinAttempt(id, outcome) {
      return tx(async (c) => {
        const r = outcome.pinned
          ? await c.query("UPDATE entries SET pin_status = 'pinned', cid = $1, cid_profile = $2, pin_error = NULL, pin_spool = NULL, pin_attempts = pin_attempts + 1 WHERE id = $3 AND pin_status = 'pending'", [outcome.cid, outcome.cidProfile, id])
          : await c.query("UPDATE entries SET pin_status = $1, pin_error = $2, pin_attempts = pin_attempts + 1 WHERE id = $3 AND pin_status = 'pending'", [outcome.final ? "failed" : "pending", outcome.error, id]);
        const changed = (r.rowCount ?? 0) > 0;
        if (changed && (outcome.pinned || outcome.final)) {
          const at = new Date().toISOString();
          const rows = (await c.query(O.pinState, [id])).rows as Row[];
          await appendEvents(c, entryEvents(rows, (e) => ({ type: "entry.pin", pinStatus: String(e.pin_status), cid: e.cid ?? null, error: e.pin_error ?? null, attempts: Number(e.pin_attempts), at })));
        }
        return changed;
      });
    },
    async countPending(chainId) {
      return Number((await one("SELECT COUNT(*) AS n FROM pending_entries WHERE chain_id = $1", [chainId]))!.n);
    },

    async closeBatch(chainId, maxSize, build, fence) {
      return fenced(fence, async (c) => {
        // Rows another closer has locked are skipped, and rows it has dequeued are gone once it commits:
        // two closers never take the same entry.
        const rows = (await c.query(
          `SELECT p.entry_seq AS seq, e.leaf_hash AS leaf FROM pending_entries p JOIN entries e ON e.seq = p.entry_seq
           WHERE p.chain_id = $1 ORDER BY p.entry_seq LIMIT $2 FOR UPDATE OF p SKIP LOCKED`,
          [chainId, maxSize],
        )).rows as Row[];
        if (rows.length === 0) return undefined;
        const { root } = build(rows.map((r) => String(r.leaf)));
        const seqs = rows.map((r) => Number(r.seq));
        const batch = (await c.query(
          "INSERT INTO batches (chain_id, root, tree_size, status, created_at) VALUES ($1, $2, $3, 'built', $4) RETURNING *",
          [chainId, root, rows.length, new Date().toISOString()],
        )).rows[0] as Row;
        const batchId = Number(batch.id);
        await c.query(
          "INSERT INTO batch_entries (batch_id, leaf_index, entry_seq) SELECT $1, ord - 1, seq FROM unnest($2::bigint[]) WITH ORDINALITY AS u(seq, ord)",
          [batchId, seqs],
        );
        const dequeued = await c.query("DELETE FROM pending_entries WHERE chain_id = $1 AND entry_seq = ANY($2::bigint[])", [chainId, seqs]);
        if (dequeued.rowCount !== seqs.length) throw new Error(`closeBatch: dequeued ${dequeued.rowCount} of ${seqs.length} entries`);
        const changes = (await c.query(STATUS_CHANGES_SQL, [batchId])).rows as Row[];
        await c.query(ENTRY_STATUS_SQL, [batchId]);
        const record = toBatch(batch);
        await appendEvents(c, statusEvents(changes, record, record.createdAt));
        return record;
      });
    },
    async getBatch(id) {
      const r = await one("SELECT * FROM batches WHERE id = $1", [id]);
      return r ? toBatch(r) : undefined;
    },
    async listBatches(chainId, statuses) {
      if (statuses.length === 0) return [];
      return (await all("SELECT * FROM batches WHERE chain_id = $1 AND status = ANY($2::text[]) ORDER BY id", [chainId, [...statuses]])).map(toBatch);
    },
    async getBatchLeaves(batchId) {
      return (await all("SELECT e.leaf_hash AS leaf FROM batch_entries be JOIN entries e ON e.seq = be.entry_seq WHERE be.batch_id = $1 ORDER BY be.leaf_index", [batchId])).map((r) => String(r.leaf));
    },
    async updateBatch(id, expected, patch, fence) {
      const keys = Object.keys(patch) as (keyof BatchPatch)[];
      const sets = keys.length > 0 ? keys.map((k, i) => `${BATCH_COLUMNS[k]} = $${i + 1}`) : ["status = status"];
      const values: unknown[] = keys.map((k) => patch[k] ?? null);
      return fenced(fence, async (c) => {
        const r = await c.query(`UPDATE batches SET ${sets.join(", ")} WHERE id = $${keys.length + 1} AND status = $${keys.length + 2}`, [...values, id, expected]);
        const changed = (r.rowCount ?? 0) > 0;
        if (changed && changesEntryStatus(expected, patch.status)) {
          const changes = (await c.query(STATUS_CHANGES_SQL, [id])).rows as Row[];
          await c.query(ENTRY_STATUS_SQL, [id]);
          const batch = toBatch((await c.query("SELECT * FROM batches WHERE id = $1", [id])).rows[0] as Row);
          await appendEvents(c, statusEvents(changes, batch, new Date().toISOString()));
        }
        return changed;
      });
    },
    async getEntryBatches(entrySeq) {
      const rows = await all("SELECT b.*, be.leaf_index AS leaf_index FROM batch_entries be JOIN batches b ON b.id = be.batch_id WHERE be.entry_seq = $1 ORDER BY b.chain_id, b.id", [entrySeq]);
      return rows.map((r): EntryBatch => ({ batch: toBatch(r), leafIndex: Number(r.leaf_index) }));
    },
    async getBatchEntryIds(batchId) {
      return (await all("SELECT e.tenant_id AS tenant_id, e.id AS id FROM batch_entries be JOIN entries e ON e.seq = be.entry_seq WHERE be.batch_id = $1", [batchId])).map((r) => ({ tenantId: String(r.tenant_id), id: String(r.id) }));
    },

    async addTimestampToken(t, fence) {
      await fenced(fence, async (c) => {
        const added = await c.query(
          "INSERT INTO timestamp_tokens (batch_id, tsa_url, token, gen_time, serial, info, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
          [t.batchId, t.tsaUrl, Buffer.from(t.token), t.genTime, t.serial, t.info, t.createdAt],
        );
        if ((added.rowCount ?? 0) > 0) {
          const rows = (await c.query(O.entriesOfBatch, [t.batchId])).rows as Row[];
          await appendEvents(c, entryEvents(rows, () => ({ type: "entry.timestamp", batchId: t.batchId, genTime: t.genTime, serial: t.serial, at: t.createdAt })));
        }
      });
    },
    async getTimestampTokens(batchId) {
      return (await all("SELECT * FROM timestamp_tokens WHERE batch_id = $1 ORDER BY created_at", [batchId])).map((r): TimestampTokenRecord => ({
        batchId: Number(r.batch_id), tsaUrl: String(r.tsa_url), token: new Uint8Array(r.token as Buffer), genTime: String(r.gen_time),
        serial: String(r.serial), info: String(r.info), createdAt: String(r.created_at),
      }));
    },
    async listBatchesWithoutToken(limit) {
      return (await all("SELECT b.* FROM batches b WHERE NOT EXISTS (SELECT 1 FROM timestamp_tokens t WHERE t.batch_id = b.id) ORDER BY b.id LIMIT $1", [limit])).map(toBatch);
    },

    async acquireLease(name, holder, ttlMs) {
      // One statement: insert a new lease, renew ours, or take over an expired one (new token); the
      // conflicting row is locked while the WHERE is evaluated, so two takers cannot both win.
      const r = (await leasePool.query(
        `INSERT INTO leases (name, holder, expires_at, fencing_token) VALUES ($1, $2, ${NOW_MS} + $3::bigint, 1)
         ON CONFLICT (name) DO UPDATE SET
           holder = EXCLUDED.holder,
           expires_at = EXCLUDED.expires_at,
           fencing_token = CASE WHEN leases.holder = EXCLUDED.holder THEN leases.fencing_token ELSE leases.fencing_token + 1 END
         WHERE leases.holder = EXCLUDED.holder OR leases.expires_at <= EXCLUDED.expires_at - $3::bigint
         RETURNING fencing_token`,
        [name, holder, ttlMs],
      )).rows[0] as Row | undefined;
      return r ? Number(r.fencing_token) : undefined;
    },
    async releaseLease(name, holder) {
      await leasePool.query("UPDATE leases SET expires_at = 0 WHERE name = $1 AND holder = $2", [name, holder]);
    },

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

    async listUnreplicatedCids(target, limit, options = {}) {
      return (await all(`SELECT cid FROM entries e WHERE cid IS NOT NULL AND pin_status = 'pinned'${options.publicOnly ? " AND public = 1" : ""}
        AND NOT EXISTS (SELECT 1 FROM replicas r WHERE r.cid = e.cid AND r.target = $1)
        GROUP BY cid ORDER BY MIN(seq) LIMIT $2`, [target, limit])).map((r) => String(r.cid));
    },
    async putReplica(r, fence) {
      await fenced(fence, async (c) => {
        const before = (await c.query(`${O.replicaStatus} FOR UPDATE`, [r.cid, r.target])).rows[0] as Row | undefined;
        await c.query(`INSERT INTO replicas (cid, target, kind, request_id, status, attempts, last_error, next_attempt_at, updated_at)
          VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
          ON CONFLICT (cid, target) DO UPDATE SET kind = excluded.kind, request_id = excluded.request_id, status = excluded.status,
            attempts = excluded.attempts, last_error = excluded.last_error, next_attempt_at = excluded.next_attempt_at, updated_at = excluded.updated_at`,
          [r.cid, r.target, r.kind, r.requestId, r.status, r.attempts, r.lastError, r.nextAttemptAt, r.updatedAt]);
        if (before?.status !== r.status) {
          const rows = (await c.query(O.entriesOfCid, [r.cid])).rows as Row[];
          await appendEvents(c, entryEvents(rows, () => ({ type: "entry.replica", cid: r.cid, target: replicaTargetHost(r.target), kind: r.kind, status: r.status, at: r.updatedAt })));
        }
      });
    },
    async listDueReplicas(nowMs, limit) {
      return (await all("SELECT * FROM replicas WHERE status <> 'pinned' AND next_attempt_at <= $1 ORDER BY next_attempt_at LIMIT $2", [nowMs, limit])).map(toReplica);
    },
    async listReplicas(cid) {
      return (await all("SELECT * FROM replicas WHERE cid = $1 ORDER BY target", [cid])).map(toReplica);
    },

    async readEvents(tenantId, afterSeq, limit) {
      return (await all(O.readEvents, [tenantId, afterSeq, limit])).map(toOutboxEvent);
    },
    async appendEvent(event) {
      await tx((c) => appendEvents(c, [event]));
    },
    async lastEventSeq(tenantId) {
      const r = await one(O.lastEventSeq, [tenantId]);
      return r ? Number(r.last_seq) : 0;
    },
    async firstEventSeq(tenantId) {
      const r = await one(O.firstEventSeq, [tenantId]);
      return r?.seq === null || r?.seq === undefined ? undefined : Number(r.seq);
    },
    onEvents(listener) {
      return listen(listener);
    },
    async pruneEvents(beforeMs) {
      return (await pool.query(O.pruneEvents, [beforeMs])).rowCount ?? 0;
    },
    async revokedApiKeys(ids) {
      if (ids.length === 0) return [];
      const live = new Set((await all("SELECT id FROM api_keys WHERE revoked_at IS NULL AND id = ANY($1::text[])", [[...ids]])).map((r) => String(r.id)));
      return ids.filter((id) => !live.has(id));
    },

    async createWebhook(e) {
      await pool.query(O.insertWebhook, [e.id, e.tenantId, e.url, e.description, JSON.stringify(e.eventTypes), e.secret, e.tenantId, new Date().toISOString()]);
      return toWebhook((await one(O.webhookById, [e.id]))!);
    },
    async listWebhooks(tenantId) {
      return (await all(O.webhooks, [tenantId])).map(toWebhook);
    },
    async listAllWebhooks() {
      return (await all(O.allWebhooks)).map(toWebhook);
    },
    async getWebhook(tenantId, id) {
      const r = await one(O.webhook, [tenantId, id]);
      return r ? toWebhook(r) : undefined;
    },
    async deleteWebhook(tenantId, id) {
      return tx(async (c) => {
        const now = new Date().toISOString();
        const deleted = ((await c.query(O.deleteWebhook, [now, tenantId, id])).rowCount ?? 0) > 0;
        if (deleted) await c.query(O.dropDeliveries, [now, id]);
        return deleted;
      });
    },
    async rotateWebhookSecret(tenantId, id, secret, previousUntilMs) {
      await pool.query(O.rotate, [previousUntilMs, secret, tenantId, id]);
      const r = await one(O.webhook, [tenantId, id]);
      return r ? toWebhook(r) : undefined;
    },
    async enqueueWebhookDeliveries(endpointId, limit, accept, nowMs, fence) {
      return fenced(fence, async (c) => {
        const w = (await c.query(`${O.webhookById} FOR UPDATE`, [endpointId])).rows[0] as Row | undefined;
        if (!w) return 0;
        const endpoint = toWebhook(w);
        const events = ((await c.query(O.readEvents, [endpoint.tenantId, endpoint.cursorSeq, limit])).rows as Row[]).map(toOutboxEvent);
        if (events.length === 0) return 0;
        const at = new Date(nowMs).toISOString();
        for (const e of events) if (accept(e)) await c.query(O.insertDelivery, [endpointId, e.tenantId, e.seq, e.type, webhookPayload(e), nowMs, at, at]);
        const last = events.at(-1)!.seq;
        await c.query(O.advanceCursor, [last, endpointId, last]);
        return events.length;
      });
    },
    async listDueDeliveries(nowMs, limit) {
      return (await all(O.dueDeliveries, [nowMs, limit])).map(toDelivery);
    },
    async recordDeliveryAttempt(id, outcome, fence) {
      await fenced(fence, async (c) => {
        const at = new Date().toISOString();
        if (outcome.delivered) await c.query(O.delivered, [outcome.httpStatus, at, at, id]);
        else await c.query(O.failedAttempt, [outcome.nextAttemptMs === null ? "failed" : "pending", outcome.httpStatus, outcome.error.slice(0, 500), outcome.nextAttemptMs ?? 0, at, id]);
      });
    },
    async listDeliveries(tenantId, endpointId, limit, beforeId) {
      return (await all(O.deliveries, [tenantId, endpointId, beforeId ?? MAX_DELIVERY_ID, limit])).map(toDelivery);
    },
    async redeliver(tenantId, endpointId, deliveryId, nowMs) {
      const r = await pool.query(O.redeliver, [nowMs, new Date(nowMs).toISOString(), tenantId, endpointId, deliveryId]);
      if ((r.rowCount ?? 0) === 0) return undefined;
      return toDelivery((await one(O.delivery, [deliveryId]))!);
    },
    async close() {
      if (queue.length > 0) startFlush();
      while (flushes.size > 0) await Promise.all([...flushes]);
      await stopListening();
      await pool.end();
      await leasePool.end();
    },
  };
  return store;
}
