/**
 * PostgreSQL: entries. Group commit: insert calls that arrive in the same turn of the event loop share
 * one transaction, each inside its own savepoint so that one bad call fails alone; a few groups may be
 * in flight at once, and calls arriving meanwhile form the next group. Also idempotency keys, stored
 * content blocks and pin retries.
 */
import type { PoolClient } from "pg";
import { ADD_DAY_COUNT, ENTRIES_SINCE_DAY, dayCounts, dayStartOf } from "../day-counts.ts";
import { numbered } from "../outbox-sql.ts";
import { IS_PUBLIC_BLOCK, OWNS_BLOCK, toEntry, toIdempotency, type QueuedInsert } from "../sql.ts";
import { IdempotencyKeyTakenError, type EntryRecord, type NewEntry, type EntryStore } from "../types.ts";
import { O, appendEvents, entryEvents, type PgDb, type Row } from "./db.ts";

const OWNS_BLOCK_SQL = numbered(OWNS_BLOCK);
const ADD_DAY_COUNT_SQL = numbered(ADD_DAY_COUNT);
const ENTRIES_SINCE_DAY_SQL = numbered(ENTRIES_SINCE_DAY);
const IS_PUBLIC_BLOCK_SQL = numbered(IS_PUBLIC_BLOCK);

export function pgEntries(db: PgDb): { entries: EntryStore; drain(): Promise<void> } {
  const { pool, tx, all, one, poolSize } = db;
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
        col((e) => e.id),
        col((e) => e.tenantId),
        col((e) => e.sha256),
        col((e) => e.sha3_256),
        col((e) => e.size),
        col((e) => e.name),
        col((e) => e.mediaType),
        col((e) => e.cid),
        col((e) => e.cidProfile),
        col((e) => e.pinStatus),
        col((e) => e.claim),
        col((e) => e.claimSha256),
        col((e) => e.previous),
        col((e) => e.leafSalt),
        col((e) => e.leafHash),
        col((e) => e.receivedAt),
        col((e) => e.requestId),
        col((e) => e.pinAttempts ?? 0),
        col((e) => e.pinError ?? null),
        col((e) => e.pinSpool ?? null),
        col((e) => e.leafVersion ?? 1),
        col((e) => e.signature ?? null),
        col((e) => e.encryption ?? null),
        col((e) => e.contentSha256 ?? null),
      ],
    );
    const seqById = new Map((inserted.rows as Row[]).map((r) => [String(r.id), Number(r.seq)]));
    const published = es.filter((e) => e.public).map((e) => e.id);
    if (published.length > 0) await c.query("UPDATE entries SET public = 1 WHERE id = ANY($1::text[])", [published]); // migration 13, same transaction
    const records = es.map(
      (e): EntryRecord => ({
        ...e,
        seq: seqById.get(e.id)!,
        status: "pending",
        pinAttempts: e.pinAttempts ?? 0,
        pinError: e.pinError ?? null,
        pinSpool: e.pinSpool ?? null,
        leafVersion: e.leafVersion ?? 1,
        signature: e.signature ?? null,
        encryption: e.encryption ?? null,
        contentSha256: e.contentSha256 ?? null,
      }),
    );
    if (call.chainIds.length > 0) {
      await c.query("INSERT INTO pending_entries (chain_id, entry_seq) SELECT c, s FROM unnest($1::bigint[]) AS s CROSS JOIN unnest($2::bigint[]) AS c", [
        records.map((r) => r.seq),
        [...call.chainIds],
      ]);
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
          "INSERT INTO event_counters (tenant_id, last_seq) SELECT t, 0 FROM unnest($1::text[]) AS t ORDER BY t ON CONFLICT (tenant_id) DO UPDATE " +
            "SET last_seq = event_counters.last_seq",
          [tenants],
        );
        // Then their day counters, in one order too (created at 0 and locked; each call adds its entries).
        const days = dayCounts(calls.flatMap((call) => call.entries));
        await c.query(
          "INSERT INTO tenant_day_counts (tenant_id, day, entries) SELECT t, d, 0 FROM unnest($1::text[], $2::text[]) AS u(t, d) ORDER BY t, d ON " +
            "CONFLICT (tenant_id, day) DO UPDATE SET entries = tenant_day_counts.entries",
          [days.map((x) => x[0]), days.map((x) => x[1])],
        );
        for (const call of calls) {
          await c.query("SAVEPOINT call");
          try {
            const records = await insertCall(c, call);
            for (const [tenantId, day, n] of dayCounts(call.entries)) await c.query(ADD_DAY_COUNT_SQL, [tenantId, day, n]);
            await appendEvents(
              c,
              records.map((r) => ({
                tenantId: r.tenantId,
                type: "entry.status",
                entryId: r.id,
                data: { type: "entry.status", entryId: r.id, status: "pending", at: r.receivedAt },
              })),
            );
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
    for (const r of results) r.records ? r.call.resolve(r.records) : r.call.reject(r.error);
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

  const methods: EntryStore = {
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
      return (
        await all(`SELECT seq, cid FROM entries WHERE cid IS NOT NULL${options.publicOnly ? " AND public = 1" : ""} AND seq > $1 ORDER BY seq LIMIT $2`, [
          afterSeq,
          limit,
        ])
      ).map((r) => ({ seq: Number(r.seq), cid: String(r.cid) }));
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
      return (
        await all(
          "SELECT DISTINCT e.cid AS cid FROM entries e WHERE e.cid IS NOT NULL AND NOT EXISTS (SELECT 1 FROM dag_blocks b WHERE b.root_cid = e.cid) LIMIT $1",
          [limit],
        )
      ).map((r) => String(r.cid));
    },
    async countEntriesSince(tenantId, since) {
      const day = dayStartOf(since);
      const r = day
        ? await one(ENTRIES_SINCE_DAY_SQL, [tenantId, day])
        : await one("SELECT COUNT(*) AS n FROM entries WHERE tenant_id = $1 AND received_at >= $2", [tenantId, since]);
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
          ? await c.query(
              "UPDATE entries SET pin_status = 'pinned', cid = $1, cid_profile = $2, pin_error = NULL, pin_spool = NULL, pin_attempts = " +
                "pin_attempts + 1 WHERE id = $3 AND pin_status = 'pending'",
              [outcome.cid, outcome.cidProfile, id],
            )
          : await c.query("UPDATE entries SET pin_status = $1, pin_error = $2, pin_attempts = pin_attempts + 1 WHERE id = $3 AND pin_status = 'pending'", [
              outcome.final ? "failed" : "pending",
              outcome.error,
              id,
            ]);
        const changed = (r.rowCount ?? 0) > 0;
        if (changed && (outcome.pinned || outcome.final)) {
          const at = new Date().toISOString();
          const rows = (await c.query(O.pinState, [id])).rows as Row[];
          await appendEvents(
            c,
            entryEvents(rows, (e) => ({
              type: "entry.pin",
              pinStatus: String(e.pin_status),
              cid: e.cid ?? null,
              error: e.pin_error ?? null,
              attempts: Number(e.pin_attempts),
              at,
            })),
          );
        }
        return changed;
      });
    },
    async countPending(chainId) {
      return Number((await one("SELECT COUNT(*) AS n FROM pending_entries WHERE chain_id = $1", [chainId]))!.n);
    },
  };
  /** Commits the calls still queued and waits for every group in flight (on close). */
  const drain = async () => {
    if (queue.length > 0) startFlush();
    while (flushes.size > 0) await Promise.all([...flushes]);
  };
  return { entries: methods, drain };
}
