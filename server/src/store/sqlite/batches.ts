/** SQLite: closing batches, their anchoring state (compare-and-set, fenced) and their RFC 3161 tokens. */
import type { SQLInputValue } from "node:sqlite";
import { OUTBOX_SQL as O, STATUS_CHANGES_OF_BATCH, statusEvents } from "../outbox-sql.ts";
import { BATCH_COLUMNS, ENTRY_STATUS_FROM_BATCHES, changesEntryStatus, toBatch } from "../sql.ts";
import type { BatchPatch, EntryBatch, BatchStore } from "../types.ts";
import { entryEvents, type SqliteDb, type Row } from "./db.ts";

export function sqliteBatches(c: SqliteDb): BatchStore {
  const { q, tx, appendEvents, checkFence } = c;
  return {
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
        const info = q("INSERT INTO batches (chain_id, root, tree_size, status, created_at) VALUES (?, ?, ?, 'built', ?)").run(
          chainId,
          root,
          rows.length,
          createdAt,
        );
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
      return (
        q("SELECT e.leaf_hash AS leaf FROM batch_entries be JOIN entries e ON e.seq = be.entry_seq WHERE be.batch_id = ? ORDER BY be.leaf_index").all(
          batchId,
        ) as Row[]
      ).map((r) => String(r.leaf));
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
      const rows = q(
        "SELECT b.*, be.leaf_index AS leaf_index FROM batch_entries be JOIN batches b ON b.id = be.batch_id WHERE be.entry_seq = ? ORDER BY b.chain_id, b.id",
      ).all(entrySeq) as Row[];
      return rows.map((r): EntryBatch => ({ batch: toBatch(r), leafIndex: Number(r.leaf_index) }));
    },
    async getBatchEntryIds(batchId) {
      return (
        q("SELECT e.tenant_id AS tenant_id, e.id AS id FROM batch_entries be JOIN entries e ON e.seq = be.entry_seq WHERE be.batch_id = ?").all(
          batchId,
        ) as Row[]
      ).map((r) => ({ tenantId: String(r.tenant_id), id: String(r.id) }));
    },
    async addTimestampToken(t, fence) {
      tx(() => {
        if (fence) checkFence(fence);
        const added = q(
          "INSERT OR IGNORE INTO timestamp_tokens (batch_id, tsa_url, token, gen_time, serial, info, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        ).run(t.batchId, t.tsaUrl, t.token, t.genTime, t.serial, t.info, t.createdAt);
        if (added.changes > 0) {
          appendEvents(
            entryEvents(q(O.entriesOfBatch).all(t.batchId) as Row[], () => ({
              type: "entry.timestamp",
              batchId: t.batchId,
              genTime: t.genTime,
              serial: t.serial,
              at: t.createdAt,
            })),
          );
        }
      });
    },
    async getTimestampTokens(batchId) {
      return (q("SELECT * FROM timestamp_tokens WHERE batch_id = ? ORDER BY created_at").all(batchId) as Row[]).map((r) => ({
        batchId: Number(r.batch_id),
        tsaUrl: String(r.tsa_url),
        token: new Uint8Array(r.token as Uint8Array),
        genTime: String(r.gen_time),
        serial: String(r.serial),
        info: String(r.info),
        createdAt: String(r.created_at),
      }));
    },
    async listBatchesWithoutToken(limit) {
      return (
        q("SELECT b.* FROM batches b WHERE NOT EXISTS (SELECT 1 FROM timestamp_tokens t WHERE t.batch_id = b.id) ORDER BY b.id LIMIT ?").all(limit) as Row[]
      ).map(toBatch);
    },
  };
}
