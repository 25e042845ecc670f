/**
 * The embedded store: SQLite through `node:sqlite`, in WAL mode with `synchronous=FULL`, so that a
 * committed transaction survives a crash or power loss. Inserts from concurrent requests are group-
 * committed: the calls that arrive in the same turn of the event loop share one transaction (and one
 * fsync), each inside its own savepoint so that one bad call fails alone. Writes are serialised
 * (BEGIN IMMEDIATE), so a fenced write checks the lease's token in the same transaction it writes in.
 */
import { randomUUID } from "node:crypto";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { DatabaseSync, type SQLInputValue, type StatementSync } from "node:sqlite";
import { createConsoleStore } from "./console.ts";
import { createCaptureStore, sqliteRunner } from "./captures.ts";
import { MIGRATIONS, migrationSql } from "./migrations.ts";
import { ADD_DAY_COUNT, ENTRIES_SINCE_DAY, dayCounts, dayStartOf } from "./day-counts.ts";
import { BATCH_COLUMNS, ENTRY_STATUS_FROM_BATCHES, OWNS_BLOCK, IS_PUBLIC_BLOCK, changesEntryStatus, toBatch, toEntry, tenantOf, toIdempotency, toKey, toReplica, type QueuedInsert } from "./sql.ts";
import {
  INSERT_EVENT, MAX_DELIVERY_ID, OUTBOX_SQL as O, RESERVE_EVENT_SEQ, STATUS_CHANGES_OF_BATCH, byTenant, replicaTargetHost, statusEvents,
  toDelivery, toOutboxEvent, toWebhook, webhookPayload as webhookBody,
} from "./outbox-sql.ts";
import {
  FencedWriteError, IdempotencyKeyTakenError,
  type ApiKeyRecord, type BatchPatch, type BatchStatus, type EntryBatch, type EntryRecord, type EntryStatus,
  type Fence, type NewEntry, type NewOutboxEvent, type ReplicaRecord, type Store, type Tenant,
} from "./types.ts";

type Row = { [column: string]: SQLInputValue };

export { ENTRY_STATUS_FROM_BATCHES };


/**
 * Opens (creating and migrating) the SQLite store at `path`.
 *
 * @example
 * const store = openSqliteStore("./data/priorproof.db");
 */
export function openSqliteStore(path: string): Store {
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const db = new DatabaseSync(path);
  db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000; PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY;");
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
  /** Inside a write transaction: appends events to their tenants' outboxes (numbers reserved per tenant). */
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
  const entryEvents = (rows: readonly Row[], data: (r: Row) => Record<string, unknown>): NewOutboxEvent[] =>
    rows.map((r) => ({ tenantId: String(r.tenant_id), type: String(data(r).type), entryId: String(r.id), data: { ...data(r), entryId: String(r.id) } }));

  /** Inside a write transaction: refuses the write unless `fence` holds the lease's current token. */
  const checkFence = (fence: Fence | undefined) => {
    if (!fence) return;
    const r = q("SELECT fencing_token FROM leases WHERE name = ?").get(fence.name) as Row | undefined;
    const current = r ? Number(r.fencing_token) : null;
    if (current !== fence.token) throw new FencedWriteError(fence, current);
  };

  const upsertReplica = (r: ReplicaRecord): void => {
    q(`INSERT INTO replicas (cid, target, kind, request_id, status, attempts, last_error, next_attempt_at, updated_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (cid, target) DO UPDATE SET kind = excluded.kind, request_id = excluded.request_id, status = excluded.status,
        attempts = excluded.attempts, last_error = excluded.last_error, next_attempt_at = excluded.next_attempt_at, updated_at = excluded.updated_at`)
      .run(r.cid, r.target, r.kind, r.requestId, r.status, r.attempts, r.lastError, r.nextAttemptAt, r.updatedAt);
  };

  // Group commit of inserts.
  let queue: QueuedInsert[] = [];
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    const calls = queue;
    queue = [];
    const results: { call: QueuedInsert; records?: EntryRecord[]; error?: unknown }[] = [];
    try {
      tx(() => {
        for (const call of calls) {
          db.exec("SAVEPOINT call");
          try {
            if (call.idempotency) insertKey(call);
            const records = call.entries.map((e) => insertOne(e, call.chainIds));
            for (const [tenantId, day, n] of dayCounts(call.entries)) q(ADD_DAY_COUNT).run(tenantId, day, n);
            appendEvents(records.map((r) => ({ tenantId: r.tenantId, type: "entry.status", entryId: r.id, data: { type: "entry.status", entryId: r.id, status: "pending", at: r.receivedAt } })));
            db.exec("RELEASE call");
            results.push({ call, records });
          } catch (error) {
            db.exec("ROLLBACK TO call");
            db.exec("RELEASE call");
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
  const insertKey = (call: QueuedInsert) => {
    const k = call.idempotency!;
    const now = Date.now();
    const done = q(`INSERT INTO idempotency_keys (tenant_id, idem_key, fingerprint, status, entry_ids, created_at, created_ms)
      VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (tenant_id, idem_key) DO NOTHING`)
      .run(k.tenantId, k.key, k.fingerprint, k.status, JSON.stringify(call.entries.map((e) => e.id)), new Date(now).toISOString(), now);
    if (done.changes === 0) throw new IdempotencyKeyTakenError(k.key);
  };
  const insertOne = (e: NewEntry, chainIds: readonly number[]): EntryRecord => {
    const status: EntryStatus = "pending";
    const info = q(
      `INSERT INTO entries (id, tenant_id, sha256, sha3_256, size, name, media_type, cid, cid_profile, pin_status, claim,
         claim_sha256, previous, leaf_salt, leaf_hash, status, received_at, request_id, pin_attempts, pin_error, pin_spool,
         leaf_version, signature, encryption, content_sha256)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(e.id, e.tenantId, e.sha256, e.sha3_256, e.size, e.name, e.mediaType, e.cid, e.cidProfile, e.pinStatus, e.claim,
      e.claimSha256, e.previous, e.leafSalt, e.leafHash, status, e.receivedAt, e.requestId, e.pinAttempts ?? 0, e.pinError ?? null, e.pinSpool ?? null,
      e.leafVersion ?? 1, e.signature ?? null, e.encryption ?? null, e.contentSha256 ?? null);
    const seq = Number(info.lastInsertRowid);
    if (e.public) q("UPDATE entries SET public = 1 WHERE seq = ?").run(seq); // migration 13, same transaction
    for (const chainId of chainIds) q("INSERT INTO pending_entries (chain_id, entry_seq) VALUES (?, ?)").run(chainId, seq);
    return { ...e, seq, status, pinAttempts: e.pinAttempts ?? 0, pinError: e.pinError ?? null, pinSpool: e.pinSpool ?? null, leafVersion: e.leafVersion ?? 1, signature: e.signature ?? null,
      encryption: e.encryption ?? null, contentSha256: e.contentSha256 ?? null };
  };

  const store: Store = {
    kind: "sqlite",
    captures: createCaptureStore(sqliteRunner(db)),
    console: createConsoleStore(sqliteRunner(db)),

    async createTenant(name) {
      const t: Tenant = { id: randomUUID(), name, createdAt: new Date().toISOString() };
      q("INSERT INTO tenants (id, name, created_at) VALUES (?, ?, ?)").run(t.id, t.name, t.createdAt);
      return t;
    },
    async getTenantByName(name) {
      const r = q("SELECT * FROM tenants WHERE name = ?").get(name) as Row | undefined;
      return r ? tenantOf(r) : undefined;
    },
    async getTenant(id) {
      const r = q("SELECT * FROM tenants WHERE id = ?").get(id) as Row | undefined;
      return r ? tenantOf(r) : undefined;
    },
    async setCertificateJurisdiction(tenantId, jurisdiction) {
      q("UPDATE tenants SET certificate_jurisdiction = ? WHERE id = ?").run(jurisdiction, tenantId);
    },
    async addApiKey(tenantId, keyHash, label) {
      const k: ApiKeyRecord = { id: randomUUID(), tenantId, label, createdAt: new Date().toISOString(), revokedAt: null };
      q("INSERT INTO api_keys (id, tenant_id, key_hash, label, created_at) VALUES (?, ?, ?, ?, ?)").run(k.id, tenantId, keyHash, label, k.createdAt);
      return k;
    },
    async findApiKey(keyHash) {
      const r = q("SELECT * FROM api_keys WHERE key_hash = ? AND revoked_at IS NULL").get(keyHash) as Row | undefined;
      return r ? toKey(r) : undefined;
    },
    async listApiKeys(tenantId) {
      return (q("SELECT * FROM api_keys WHERE tenant_id = ? ORDER BY created_at").all(tenantId) as Row[]).map(toKey);
    },
    async revokeApiKey(keyId) {
      return q("UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL").run(new Date().toISOString(), keyId).changes > 0;
    },
    async getTenantSettings(tenantId) {
      const r = q("SELECT require_signed_claims, public_content FROM tenant_settings WHERE tenant_id = ?").get(tenantId) as Row | undefined;
      return { requireSignedClaims: Number(r?.require_signed_claims ?? 0) === 1, publicContent: Number(r?.public_content ?? 0) === 1 };
    },
    async setTenantSettings(tenantId, settings) {
      q(`INSERT INTO tenant_settings (tenant_id, require_signed_claims, public_content, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (tenant_id) DO UPDATE SET require_signed_claims = excluded.require_signed_claims, public_content = excluded.public_content, updated_at = excluded.updated_at`)
        .run(tenantId, settings.requireSignedClaims ? 1 : 0, settings.publicContent ? 1 : 0, new Date().toISOString());
    },

    insertEntries(entries, chainIds, idempotency) {
      return new Promise((resolve, reject) => {
        queue.push({ entries, chainIds, ...(idempotency ? { idempotency } : {}), resolve, reject });
        if (!scheduled) {
          scheduled = true;
          setImmediate(flush);
        }
      });
    },
    async getEntry(id) {
      const r = q("SELECT * FROM entries WHERE id = ?").get(id) as Row | undefined;
      return r ? toEntry(r) : undefined;
    },
    async getIdempotencyKey(tenantId, key) {
      const r = q("SELECT * FROM idempotency_keys WHERE tenant_id = ? AND idem_key = ?").get(tenantId, key) as Row | undefined;
      return r ? toIdempotency(r) : undefined;
    },
    async getEntriesByIds(ids) {
      const get = q("SELECT * FROM entries WHERE id = ?");
      return ids.flatMap((id) => {
        const r = get.get(id) as Row | undefined;
        return r ? [toEntry(r)] : [];
      });
    },
    async listEntryCids(afterSeq, limit, options = {}) {
      return (q(`SELECT seq, cid FROM entries WHERE cid IS NOT NULL${options.publicOnly ? " AND public = 1" : ""} AND seq > ? ORDER BY seq LIMIT ?`).all(afterSeq, limit) as Row[]).map((r) => ({ seq: Number(r.seq), cid: String(r.cid) }));
    },
    async sweepIdempotencyKeys(beforeMs) {
      return Number(q("DELETE FROM idempotency_keys WHERE created_ms < ?").run(beforeMs).changes);
    },
    async findEntries(tenantId, query) {
      const where = ["tenant_id = ?", "seq > ?"];
      const args: SQLInputValue[] = [tenantId, query.afterSeq ?? 0];
      if (query.sha256) {
        where.push("sha256 = ?");
        args.push(query.sha256);
      }
      if (query.previous) {
        where.push("previous = ?");
        args.push(query.previous);
      }
      return (q(`SELECT * FROM entries WHERE ${where.join(" AND ")} ORDER BY seq LIMIT ?`).all(...args, query.limit) as Row[]).map(toEntry);
    },
    async findEntriesByCid(tenantId, cid) {
      return q("SELECT 1 AS found FROM entries WHERE tenant_id = ? AND cid = ? LIMIT 1").get(tenantId, cid) !== undefined;
    },
    async isEntryCid(cid, options) {
      return q(`SELECT 1 AS found FROM entries WHERE cid = ?${options?.publicOnly ? " AND public = 1" : ""} LIMIT 1`).get(cid) !== undefined;
    },
    async recordDagBlocks(rootCid, multihashes) {
      tx(() => {
        const st = q("INSERT INTO dag_blocks (root_cid, multihash) VALUES (?, ?) ON CONFLICT DO NOTHING");
        for (const mh of multihashes) st.run(rootCid, mh);
      });
    },
    async ownsBlock(tenantId, multihash) {
      return q(OWNS_BLOCK).get(multihash, tenantId, tenantId) !== undefined;
    },
    async isPublicBlock(multihash) {
      return q(IS_PUBLIC_BLOCK).get(multihash) !== undefined;
    },
    async hasPublicContent() {
      return q("SELECT 1 AS found FROM entries WHERE public = 1 AND cid IS NOT NULL LIMIT 1").get() !== undefined;
    },
    async listCidsWithoutBlocks(limit) {
      return (q("SELECT DISTINCT e.cid AS cid FROM entries e WHERE e.cid IS NOT NULL AND NOT EXISTS (SELECT 1 FROM dag_blocks b WHERE b.root_cid = e.cid) LIMIT ?").all(limit) as Row[]).map((r) => String(r.cid));
    },
    async countEntriesSince(tenantId, since) {
      const day = dayStartOf(since);
      const r = (day ? q(ENTRIES_SINCE_DAY).get(tenantId, day) : q("SELECT COUNT(*) AS n FROM entries WHERE tenant_id = ? AND received_at >= ?").get(tenantId, since)) as Row;
      return Number(r.n);
    },
    async findAnchoredBySha256(sha256, limit) {
      return (q("SELECT * FROM entries WHERE sha256 = ? AND status IN ('anchored', 'confirmed') ORDER BY seq LIMIT ?").all(sha256, limit) as Row[]).map(toEntry);
    },
    async listPinPending(limit, afterSeq = 0) {
      return (q("SELECT * FROM entries WHERE pin_status = 'pending' AND seq > ? ORDER BY seq LIMIT ?").all(afterSeq, limit) as Row[]).map(toEntry);
    },
    async recordPinAttempt(id, outcome) {
      return tx(() => {
        const changed = outcome.pinned
          ? q("UPDATE entries SET pin_status = 'pinned', cid = ?, cid_profile = ?, pin_error = NULL, pin_spool = NULL, pin_attempts = pin_attempts + 1 WHERE id = ? AND pin_status = 'pending'").run(outcome.cid, outcome.cidProfile, id)
          : q("UPDATE entries SET pin_status = ?, pin_error = ?, pin_attempts = pin_attempts + 1 WHERE id = ? AND pin_status = 'pending'").run(outcome.final ? "failed" : "pending", outcome.error, id);
        if (changed.changes > 0 && (outcome.pinned || outcome.final)) {
          const at = new Date().toISOString();
          appendEvents(entryEvents([q(O.pinState).get(id) as Row], (r) => ({ type: "entry.pin", pinStatus: String(r.pin_status), cid: r.cid ?? null, error: r.pin_error ?? null, attempts: Number(r.pin_attempts), at })));
        }
        return changed.changes > 0;
      });
    },
    async countPending(chainId) {
      return Number((q("SELECT COUNT(*) AS n FROM pending_entries WHERE chain_id = ?").get(chainId) as Row).n);
    },

    async closeBatch(chainId, maxSize, build, fence) {
      // One writer at a time (BEGIN IMMEDIATE): concurrent closes are serialised and never share an entry.
      return tx(() => {
        checkFence(fence);
        const rows = q(
          `SELECT p.entry_seq AS seq, e.leaf_hash AS leaf FROM pending_entries p JOIN entries e ON e.seq = p.entry_seq
           WHERE p.chain_id = ? ORDER BY p.entry_seq LIMIT ?`,
        ).all(chainId, maxSize) as Row[];
        if (rows.length === 0) return undefined;
        const { root } = build(rows.map((r) => String(r.leaf)));
        const createdAt = new Date().toISOString();
        const info = q("INSERT INTO batches (chain_id, root, tree_size, status, created_at) VALUES (?, ?, ?, 'built', ?)").run(chainId, root, rows.length, createdAt);
        const batchId = Number(info.lastInsertRowid);
        const insert = q("INSERT INTO batch_entries (batch_id, leaf_index, entry_seq) VALUES (?, ?, ?)");
        const dequeue = q("DELETE FROM pending_entries WHERE chain_id = ? AND entry_seq = ?");
        rows.forEach((r, i) => {
          insert.run(batchId, i, r.seq as number);
          dequeue.run(chainId, r.seq as number);
        });
        const changes = q(STATUS_CHANGES_OF_BATCH).all(batchId) as Row[];
        q(ENTRY_STATUS_FROM_BATCHES).run(batchId);
        const batch = toBatch(q("SELECT * FROM batches WHERE id = ?").get(batchId) as Row);
        appendEvents(statusEvents(changes, batch, createdAt));
        return batch;
      });
    },
    async getBatch(id) {
      const r = q("SELECT * FROM batches WHERE id = ?").get(id) as Row | undefined;
      return r ? toBatch(r) : undefined;
    },
    async listBatches(chainId, statuses) {
      if (statuses.length === 0) return [];
      const marks = statuses.map(() => "?").join(", ");
      return (q(`SELECT * FROM batches WHERE chain_id = ? AND status IN (${marks}) ORDER BY id`).all(chainId, ...statuses) as Row[]).map(toBatch);
    },
    async getBatchLeaves(batchId) {
      return (q("SELECT e.leaf_hash AS leaf FROM batch_entries be JOIN entries e ON e.seq = be.entry_seq WHERE be.batch_id = ? ORDER BY be.leaf_index").all(batchId) as Row[]).map((r) => String(r.leaf));
    },
    async updateBatch(id, expected, patch, fence) {
      const keys = Object.keys(patch) as (keyof BatchPatch)[];
      return tx(() => {
        checkFence(fence);
        const sets = keys.map((k) => `${BATCH_COLUMNS[k]} = ?`);
        const values = keys.map((k) => (patch[k] ?? null) as SQLInputValue);
        const changed = q(`UPDATE batches SET ${sets.join(", ")} WHERE id = ? AND status = ?`).run(...values, id, expected).changes > 0;
        if (changed && changesEntryStatus(expected, patch.status)) {
          const changes = q(STATUS_CHANGES_OF_BATCH).all(id) as Row[];
          q(ENTRY_STATUS_FROM_BATCHES).run(id);
          appendEvents(statusEvents(changes, toBatch(q("SELECT * FROM batches WHERE id = ?").get(id) as Row), new Date().toISOString()));
        }
        return changed;
      });
    },
    async getEntryBatches(entrySeq) {
      const rows = q("SELECT b.*, be.leaf_index AS leaf_index FROM batch_entries be JOIN batches b ON b.id = be.batch_id WHERE be.entry_seq = ? ORDER BY b.chain_id, b.id").all(entrySeq) as Row[];
      return rows.map((r): EntryBatch => ({ batch: toBatch(r), leafIndex: Number(r.leaf_index) }));
    },
    async getBatchEntryIds(batchId) {
      return (q("SELECT e.tenant_id AS tenant_id, e.id AS id FROM batch_entries be JOIN entries e ON e.seq = be.entry_seq WHERE be.batch_id = ?").all(batchId) as Row[]).map((r) => ({ tenantId: String(r.tenant_id), id: String(r.id) }));
    },

    async addTimestampToken(t, fence) {
      tx(() => {
        if (fence) checkFence(fence);
        const added = q("INSERT OR IGNORE INTO timestamp_tokens (batch_id, tsa_url, token, gen_time, serial, info, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)").run(t.batchId, t.tsaUrl, t.token, t.genTime, t.serial, t.info, t.createdAt);
        if (added.changes > 0) {
          appendEvents(entryEvents(q(O.entriesOfBatch).all(t.batchId) as Row[], () => ({ type: "entry.timestamp", batchId: t.batchId, genTime: t.genTime, serial: t.serial, at: t.createdAt })));
        }
      });
    },
    async getTimestampTokens(batchId) {
      return (q("SELECT * FROM timestamp_tokens WHERE batch_id = ? ORDER BY created_at").all(batchId) as Row[]).map((r) => ({
        batchId: Number(r.batch_id), tsaUrl: String(r.tsa_url), token: new Uint8Array(r.token as Uint8Array), genTime: String(r.gen_time),
        serial: String(r.serial), info: String(r.info), createdAt: String(r.created_at),
      }));
    },
    async listBatchesWithoutToken(limit) {
      return (q("SELECT b.* FROM batches b WHERE NOT EXISTS (SELECT 1 FROM timestamp_tokens t WHERE t.batch_id = b.id) ORDER BY b.id LIMIT ?").all(limit) as Row[]).map(toBatch);
    },

    async acquireLease(name, holder, ttlMs) {
      const now = Date.now();
      return tx(() => {
        const r = q("SELECT * FROM leases WHERE name = ?").get(name) as Row | undefined;
        if (!r) {
          q("INSERT INTO leases (name, holder, expires_at, fencing_token) VALUES (?, ?, ?, 1)").run(name, holder, now + ttlMs);
          return 1;
        }
        if (r.holder === holder) {
          q("UPDATE leases SET expires_at = ? WHERE name = ?").run(now + ttlMs, name);
          return Number(r.fencing_token);
        }
        if (Number(r.expires_at) > now) return undefined;
        const token = Number(r.fencing_token) + 1;
        q("UPDATE leases SET holder = ?, expires_at = ?, fencing_token = ? WHERE name = ?").run(holder, now + ttlMs, token, name);
        return token;
      });
    },
    async releaseLease(name, holder) {
      q("UPDATE leases SET expires_at = 0 WHERE name = ? AND holder = ?").run(name, holder);
    },

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

    async listUnreplicatedCids(target, limit, options = {}) {
      return (q(`SELECT cid FROM entries e WHERE cid IS NOT NULL AND pin_status = 'pinned'${options.publicOnly ? " AND public = 1" : ""}
        AND NOT EXISTS (SELECT 1 FROM replicas r WHERE r.cid = e.cid AND r.target = ?)
        GROUP BY cid ORDER BY MIN(seq) LIMIT ?`).all(target, limit) as Row[]).map((r) => String(r.cid));
    },
    async putReplica(r, fence) {
      tx(() => {
        if (fence) checkFence(fence);
        const before = q(O.replicaStatus).get(r.cid, r.target) as Row | undefined;
        upsertReplica(r);
        if (before?.status !== r.status) {
          appendEvents(entryEvents(q(O.entriesOfCid).all(r.cid) as Row[], () => ({ type: "entry.replica", cid: r.cid, target: replicaTargetHost(r.target), kind: r.kind, status: r.status, at: r.updatedAt })));
        }
      });
    },
    async listDueReplicas(nowMs, limit) {
      return (q("SELECT * FROM replicas WHERE status <> 'pinned' AND next_attempt_at <= ? ORDER BY next_attempt_at LIMIT ?").all(nowMs, limit) as Row[]).map(toReplica);
    },
    async listReplicas(cid) {
      return (q("SELECT * FROM replicas WHERE cid = ? ORDER BY target").all(cid) as Row[]).map(toReplica);
    },

    async readEvents(tenantId, afterSeq, limit) {
      return (q(O.readEvents).all(tenantId, afterSeq, limit) as Row[]).map(toOutboxEvent);
    },
    async appendEvent(event) {
      tx(() => appendEvents([event]));
    },
    async lastEventSeq(tenantId) {
      const r = q(O.lastEventSeq).get(tenantId) as Row | undefined;
      return r ? Number(r.last_seq) : 0;
    },
    async firstEventSeq(tenantId) {
      const r = q(O.firstEventSeq).get(tenantId) as Row | undefined;
      return r?.seq === null || r?.seq === undefined ? undefined : Number(r.seq);
    },
    onEvents(listener) {
      eventListeners.add(listener);
      return () => eventListeners.delete(listener);
    },
    async pruneEvents(beforeMs) {
      return Number(q(O.pruneEvents).run(beforeMs).changes);
    },
    async revokedApiKeys(ids) {
      if (ids.length === 0) return [];
      const live = new Set((q(`SELECT id FROM api_keys WHERE revoked_at IS NULL AND id IN (${ids.map(() => "?").join(", ")})`).all(...ids) as Row[]).map((r) => String(r.id)));
      return ids.filter((id) => !live.has(id));
    },

    async createWebhook(e) {
      const createdAt = new Date().toISOString();
      q(O.insertWebhook).run(e.id, e.tenantId, e.url, e.description, JSON.stringify(e.eventTypes), e.secret, e.tenantId, createdAt);
      return toWebhook(q(O.webhookById).get(e.id) as Row);
    },
    async listWebhooks(tenantId) {
      return (q(O.webhooks).all(tenantId) as Row[]).map(toWebhook);
    },
    async listAllWebhooks() {
      return (q(O.allWebhooks).all() as Row[]).map(toWebhook);
    },
    async getWebhook(tenantId, id) {
      const r = q(O.webhook).get(tenantId, id) as Row | undefined;
      return r ? toWebhook(r) : undefined;
    },
    async deleteWebhook(tenantId, id) {
      return tx(() => {
        const now = new Date().toISOString();
        const deleted = q(O.deleteWebhook).run(now, tenantId, id).changes > 0;
        if (deleted) q(O.dropDeliveries).run(now, id);
        return deleted;
      });
    },
    async rotateWebhookSecret(tenantId, id, secret, previousUntilMs) {
      q(O.rotate).run(previousUntilMs, secret, tenantId, id);
      const r = q(O.webhook).get(tenantId, id) as Row | undefined;
      return r ? toWebhook(r) : undefined;
    },
    async enqueueWebhookDeliveries(endpointId, limit, accept, nowMs, fence) {
      return tx(() => {
        checkFence(fence);
        const w = q(O.webhookById).get(endpointId) as Row | undefined;
        if (!w) return 0;
        const endpoint = toWebhook(w);
        const events = (q(O.readEvents).all(endpoint.tenantId, endpoint.cursorSeq, limit) as Row[]).map(toOutboxEvent);
        if (events.length === 0) return 0;
        const at = new Date(nowMs).toISOString();
        for (const e of events) if (accept(e)) q(O.insertDelivery).run(endpointId, e.tenantId, e.seq, e.type, webhookBody(e), nowMs, at, at);
        q(O.advanceCursor).run(events.at(-1)!.seq, endpointId, events.at(-1)!.seq);
        return events.length;
      });
    },
    async listDueDeliveries(nowMs, limit) {
      return (q(O.dueDeliveries).all(nowMs, limit) as Row[]).map(toDelivery);
    },
    async recordDeliveryAttempt(id, outcome, fence) {
      tx(() => {
        checkFence(fence);
        const at = new Date().toISOString();
        if (outcome.delivered) q(O.delivered).run(outcome.httpStatus, at, at, id);
        else q(O.failedAttempt).run(outcome.nextAttemptMs === null ? "failed" : "pending", outcome.httpStatus, outcome.error.slice(0, 500), outcome.nextAttemptMs ?? 0, at, id);
      });
    },
    async listDeliveries(tenantId, endpointId, limit, beforeId) {
      return (q(O.deliveries).all(tenantId, endpointId, beforeId ?? MAX_DELIVERY_ID, limit) as Row[]).map(toDelivery);
    },
    async redeliver(tenantId, endpointId, deliveryId, nowMs) {
      if (q(O.redeliver).run(nowMs, new Date(nowMs).toISOString(), tenantId, endpointId, deliveryId).changes === 0) return undefined;
      return toDelivery(q(O.delivery).get(deliveryId) as Row);
    },
    async close() {
      if (queue.length > 0) flush();
      eventListeners.clear();
      db.close();
    },
  };
  return store;
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
