/**
 * PostgreSQL: closing batches (rows taken FOR UPDATE SKIP LOCKED, so concurrent closers, even on other
 * nodes, take disjoint sets), their anchoring state (compare-and-set, fenced) and their RFC 3161 tokens.
 */
import { STATUS_CHANGES_OF_BATCH, statusEvents, numbered } from "../outbox-sql.ts";
import { BATCH_COLUMNS, ENTRY_STATUS_FROM_BATCHES, changesEntryStatus, toBatch } from "../sql.ts";
import type { BatchPatch, EntryBatch, TimestampTokenRecord, BatchStore } from "../types.ts";
import { O, appendEvents, entryEvents, type PgDb, type Row } from "./db.ts";

const ENTRY_STATUS_SQL = ENTRY_STATUS_FROM_BATCHES.replace("?", "$1");
const STATUS_CHANGES_SQL = numbered(STATUS_CHANGES_OF_BATCH);

export function pgBatches(db: PgDb): BatchStore {
  const { fenced, all, one } = db;
  return {
    async closeBatch(chainId, maxSize, build, fence) {
      return fenced(fence, async (c) => {
        // Rows another closer has locked are skipped, and rows it has dequeued are gone once it commits:
        // two closers never take the same entry.
        const rows = (
          await c.query(
            `SELECT p.entry_seq AS seq, e.leaf_hash AS leaf FROM pending_entries p JOIN entries e ON e.seq = p.entry_seq
           WHERE p.chain_id = $1 ORDER BY p.entry_seq LIMIT $2 FOR UPDATE OF p SKIP LOCKED`,
            [chainId, maxSize],
          )
        ).rows as Row[];
        if (rows.length === 0) return undefined;
        const { root } = build(rows.map((r) => String(r.leaf)));
        const seqs = rows.map((r) => Number(r.seq));
        const batch = (
          await c.query("INSERT INTO batches (chain_id, root, tree_size, status, created_at) VALUES ($1, $2, $3, 'built', $4) RETURNING *", [
            chainId,
            root,
            rows.length,
            new Date().toISOString(),
          ])
        ).rows[0] as Row;
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
      return (
        await all("SELECT e.leaf_hash AS leaf FROM batch_entries be JOIN entries e ON e.seq = be.entry_seq WHERE be.batch_id = $1 ORDER BY be.leaf_index", [
          batchId,
        ])
      ).map((r) => String(r.leaf));
    },
    async updateBatch(id, expected, patch, fence) {
      const keys = Object.keys(patch) as (keyof BatchPatch)[];
      const sets = keys.length > 0 ? keys.map((k, i) => `${BATCH_COLUMNS[k]} = $${i + 1}`) : ["status = status"];
      const values: unknown[] = keys.map((k) => patch[k] ?? null);
      return fenced(fence, async (c) => {
        const r = await c.query(`UPDATE batches SET ${sets.join(", ")} WHERE id = $${keys.length + 1} AND status = $${keys.length + 2}`, [
          ...values,
          id,
          expected,
        ]);
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
      const rows = await all(
        "SELECT b.*, be.leaf_index AS leaf_index FROM batch_entries be JOIN batches b ON b.id = be.batch_id WHERE be.entry_seq = $1 ORDER BY b.chain_id, b.id",
        [entrySeq],
      );
      return rows.map((r): EntryBatch => ({ batch: toBatch(r), leafIndex: Number(r.leaf_index) }));
    },
    async getBatchEntryIds(batchId) {
      return (
        await all("SELECT e.tenant_id AS tenant_id, e.id AS id FROM batch_entries be JOIN entries e ON e.seq = be.entry_seq WHERE be.batch_id = $1", [batchId])
      ).map((r) => ({ tenantId: String(r.tenant_id), id: String(r.id) }));
    },
    async addTimestampToken(t, fence) {
      await fenced(fence, async (c) => {
        const added = await c.query(
          "INSERT INTO timestamp_tokens (batch_id, tsa_url, token, gen_time, serial, info, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) ON " +
            "CONFLICT DO NOTHING",
          [t.batchId, t.tsaUrl, Buffer.from(t.token), t.genTime, t.serial, t.info, t.createdAt],
        );
        if ((added.rowCount ?? 0) > 0) {
          const rows = (await c.query(O.entriesOfBatch, [t.batchId])).rows as Row[];
          await appendEvents(
            c,
            entryEvents(rows, () => ({ type: "entry.timestamp", batchId: t.batchId, genTime: t.genTime, serial: t.serial, at: t.createdAt })),
          );
        }
      });
    },
    async getTimestampTokens(batchId) {
      return (await all("SELECT * FROM timestamp_tokens WHERE batch_id = $1 ORDER BY created_at", [batchId])).map(
        (r): TimestampTokenRecord => ({
          batchId: Number(r.batch_id),
          tsaUrl: String(r.tsa_url),
          token: new Uint8Array(r.token as Buffer),
          genTime: String(r.gen_time),
          serial: String(r.serial),
          info: String(r.info),
          createdAt: String(r.created_at),
        }),
      );
    },
    async listBatchesWithoutToken(limit) {
      return (
        await all("SELECT b.* FROM batches b WHERE NOT EXISTS (SELECT 1 FROM timestamp_tokens t WHERE t.batch_id = b.id) ORDER BY b.id LIMIT $1", [limit])
      ).map(toBatch);
    },
  };
}
