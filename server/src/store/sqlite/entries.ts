/**
 * SQLite: entries. Inserts from concurrent requests are group-committed: the calls that arrive in the
 * same turn of the event loop share one transaction (and one fsync), each inside its own savepoint so
 * that one bad call fails alone. Also idempotency keys, stored content blocks and pin retries.
 */
import type { SQLInputValue } from "node:sqlite";
import { ADD_DAY_COUNT, ENTRIES_SINCE_DAY, dayCounts, dayStartOf } from "../day-counts.ts";
import { OUTBOX_SQL as O } from "../outbox-sql.ts";
import { IS_PUBLIC_BLOCK, OWNS_BLOCK, toEntry, toIdempotency, type QueuedInsert } from "../sql.ts";
import { IdempotencyKeyTakenError, type EntryRecord, type EntryStatus, type NewEntry, type EntryStore } from "../types.ts";
import { entryEvents, type SqliteDb, type Row } from "./db.ts";

export function sqliteEntries(c: SqliteDb): { entries: EntryStore; drain(): void } {
  const { db, q, tx, appendEvents } = c;
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
            appendEvents(
              records.map((r) => ({
                tenantId: r.tenantId,
                type: "entry.status",
                entryId: r.id,
                data: { type: "entry.status", entryId: r.id, status: "pending", at: r.receivedAt },
              })),
            );
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
    for (const r of results) r.records ? r.call.resolve(r.records) : r.call.reject(r.error);
  };
  const insertKey = (call: QueuedInsert) => {
    const k = call.idempotency!;
    const now = Date.now();
    const done = q(`INSERT INTO idempotency_keys (tenant_id, idem_key, fingerprint, status, entry_ids, created_at, created_ms)
      VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (tenant_id, idem_key) DO NOTHING`).run(
      k.tenantId,
      k.key,
      k.fingerprint,
      k.status,
      JSON.stringify(call.entries.map((e) => e.id)),
      new Date(now).toISOString(),
      now,
    );
    if (done.changes === 0) throw new IdempotencyKeyTakenError(k.key);
  };
  const insertOne = (e: NewEntry, chainIds: readonly number[]): EntryRecord => {
    const status: EntryStatus = "pending";
    const info = q(
      `INSERT INTO entries (id, tenant_id, sha256, sha3_256, size, name, media_type, cid, cid_profile, pin_status, claim,
         claim_sha256, previous, leaf_salt, leaf_hash, status, received_at, request_id, pin_attempts, pin_error, pin_spool,
         leaf_version, signature, encryption, content_sha256)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      e.id,
      e.tenantId,
      e.sha256,
      e.sha3_256,
      e.size,
      e.name,
      e.mediaType,
      e.cid,
      e.cidProfile,
      e.pinStatus,
      e.claim,
      e.claimSha256,
      e.previous,
      e.leafSalt,
      e.leafHash,
      status,
      e.receivedAt,
      e.requestId,
      e.pinAttempts ?? 0,
      e.pinError ?? null,
      e.pinSpool ?? null,
      e.leafVersion ?? 1,
      e.signature ?? null,
      e.encryption ?? null,
      e.contentSha256 ?? null,
    );
    const seq = Number(info.lastInsertRowid);
    if (e.public) q("UPDATE entries SET public = 1 WHERE seq = ?").run(seq); // migration 13, same transaction
    for (const chainId of chainIds) q("INSERT INTO pending_entries (chain_id, entry_seq) VALUES (?, ?)").run(chainId, seq);
    return {
      ...e,
      seq,
      status,
      pinAttempts: e.pinAttempts ?? 0,
      pinError: e.pinError ?? null,
      pinSpool: e.pinSpool ?? null,
      leafVersion: e.leafVersion ?? 1,
      signature: e.signature ?? null,
      encryption: e.encryption ?? null,
      contentSha256: e.contentSha256 ?? null,
    };
  };

  const methods: EntryStore = {
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
      return (
        q(`SELECT seq, cid FROM entries WHERE cid IS NOT NULL${options.publicOnly ? " AND public = 1" : ""} AND seq > ? ORDER BY seq LIMIT ?`).all(
          afterSeq,
          limit,
        ) as Row[]
      ).map((r) => ({ seq: Number(r.seq), cid: String(r.cid) }));
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
      return (
        q(
          "SELECT DISTINCT e.cid AS cid FROM entries e WHERE e.cid IS NOT NULL AND NOT EXISTS (SELECT 1 FROM dag_blocks b WHERE b.root_cid = e.cid) LIMIT ?",
        ).all(limit) as Row[]
      ).map((r) => String(r.cid));
    },
    async countEntriesSince(tenantId, since) {
      const day = dayStartOf(since);
      const r = (
        day ? q(ENTRIES_SINCE_DAY).get(tenantId, day) : q("SELECT COUNT(*) AS n FROM entries WHERE tenant_id = ? AND received_at >= ?").get(tenantId, since)
      ) as Row;
      return Number(r.n);
    },
    async findAnchoredBySha256(sha256, limit) {
      return (q("SELECT * FROM entries WHERE sha256 = ? AND status IN ('anchored', 'confirmed') ORDER BY seq LIMIT ?").all(sha256, limit) as Row[]).map(
        toEntry,
      );
    },
    async listPinPending(limit, afterSeq = 0) {
      return (q("SELECT * FROM entries WHERE pin_status = 'pending' AND seq > ? ORDER BY seq LIMIT ?").all(afterSeq, limit) as Row[]).map(toEntry);
    },
    async recordPinAttempt(id, outcome) {
      return tx(() => {
        const changed = outcome.pinned
          ? q(
              "UPDATE entries SET pin_status = 'pinned', cid = ?, cid_profile = ?, pin_error = NULL, pin_spool = NULL, pin_attempts = pin_attempts " +
                "+ 1 WHERE id = ? AND pin_status = 'pending'",
            ).run(outcome.cid, outcome.cidProfile, id)
          : q("UPDATE entries SET pin_status = ?, pin_error = ?, pin_attempts = pin_attempts + 1 WHERE id = ? AND pin_status = 'pending'").run(
              outcome.final ? "failed" : "pending",
              outcome.error,
              id,
            );
        if (changed.changes > 0 && (outcome.pinned || outcome.final)) {
          const at = new Date().toISOString();
          appendEvents(
            entryEvents([q(O.pinState).get(id) as Row], (r) => ({
              type: "entry.pin",
              pinStatus: String(r.pin_status),
              cid: r.cid ?? null,
              error: r.pin_error ?? null,
              attempts: Number(r.pin_attempts),
              at,
            })),
          );
        }
        return changed.changes > 0;
      });
    },
    async countPending(chainId) {
      return Number((q("SELECT COUNT(*) AS n FROM pending_entries WHERE chain_id = ?").get(chainId) as Row).n);
    },
  };
  /** Commits the calls still queued (on close). */
  const drain = () => {
    if (queue.length > 0) flush();
  };
  return { entries: methods, drain };
}
