/** PostgreSQL: replicas of stored content at remote pinners. */
import { replicaTargetHost } from "../outbox-sql.ts";
import { toReplica } from "../sql.ts";
import type { ReplicaStore } from "../types.ts";
import { O, appendEvents, entryEvents, type PgDb, type Row } from "./db.ts";

export function pgReplicas(db: PgDb): ReplicaStore {
  const { fenced, all } = db;
  return {
    async listUnreplicatedCids(target, limit, options = {}) {
      return (
        await all(
          `SELECT cid FROM entries e WHERE cid IS NOT NULL AND pin_status = 'pinned'${options.publicOnly ? " AND public = 1" : ""}
        AND NOT EXISTS (SELECT 1 FROM replicas r WHERE r.cid = e.cid AND r.target = $1)
        GROUP BY cid ORDER BY MIN(seq) LIMIT $2`,
          [target, limit],
        )
      ).map((r) => String(r.cid));
    },
    async putReplica(r, fence) {
      await fenced(fence, async (c) => {
        const before = (await c.query(`${O.replicaStatus} FOR UPDATE`, [r.cid, r.target])).rows[0] as Row | undefined;
        await c.query(
          `INSERT INTO replicas (cid, target, kind, request_id, status, attempts, last_error, next_attempt_at, updated_at)
          VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
          ON CONFLICT (cid, target) DO UPDATE SET kind = excluded.kind, request_id = excluded.request_id, status = excluded.status,
            attempts = excluded.attempts, last_error = excluded.last_error, next_attempt_at = excluded.next_attempt_at, updated_at = excluded.updated_at`,
          [r.cid, r.target, r.kind, r.requestId, r.status, r.attempts, r.lastError, r.nextAttemptAt, r.updatedAt],
        );
        if (before?.status !== r.status) {
          const rows = (await c.query(O.entriesOfCid, [r.cid])).rows as Row[];
          await appendEvents(
            c,
            entryEvents(rows, () => ({
              type: "entry.replica",
              cid: r.cid,
              target: replicaTargetHost(r.target),
              kind: r.kind,
              status: r.status,
              at: r.updatedAt,
            })),
          );
        }
      });
    },
    async listDueReplicas(nowMs, limit) {
      return (await all("SELECT * FROM replicas WHERE status <> 'pinned' AND next_attempt_at <= $1 ORDER BY next_attempt_at LIMIT $2", [nowMs, limit])).map(
        toReplica,
      );
    },
    async listReplicas(cid) {
      return (await all("SELECT * FROM replicas WHERE cid = $1 ORDER BY target", [cid])).map(toReplica);
    },
  };
}
