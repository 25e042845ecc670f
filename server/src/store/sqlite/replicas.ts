/** SQLite: replicas of stored content at remote pinners. */
import { OUTBOX_SQL as O, replicaTargetHost } from "../outbox-sql.ts";
import { toReplica } from "../sql.ts";
import type { ReplicaRecord, ReplicaStore } from "../types.ts";
import { entryEvents, type SqliteDb, type Row } from "./db.ts";

export function sqliteReplicas(c: SqliteDb): ReplicaStore {
  const { q, tx, appendEvents, checkFence } = c;
  const upsertReplica = (r: ReplicaRecord): void => {
    q(`INSERT INTO replicas (cid, target, kind, request_id, status, attempts, last_error, next_attempt_at, updated_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (cid, target) DO UPDATE SET kind = excluded.kind, request_id = excluded.request_id, status = excluded.status,
        attempts = excluded.attempts, last_error = excluded.last_error, next_attempt_at = excluded.next_attempt_at, updated_at = excluded.updated_at`).run(
      r.cid,
      r.target,
      r.kind,
      r.requestId,
      r.status,
      r.attempts,
      r.lastError,
      r.nextAttemptAt,
      r.updatedAt,
    );
  };

  return {
    async listUnreplicatedCids(target, limit, options = {}) {
      return (
        q(`SELECT cid FROM entries e WHERE cid IS NOT NULL AND pin_status = 'pinned'${options.publicOnly ? " AND public = 1" : ""}
        AND NOT EXISTS (SELECT 1 FROM replicas r WHERE r.cid = e.cid AND r.target = ?)
        GROUP BY cid ORDER BY MIN(seq) LIMIT ?`).all(target, limit) as Row[]
      ).map((r) => String(r.cid));
    },
    async putReplica(r, fence) {
      tx(() => {
        if (fence) checkFence(fence);
        const before = q(O.replicaStatus).get(r.cid, r.target) as Row | undefined;
        upsertReplica(r);
        if (before?.status !== r.status) {
          appendEvents(
            entryEvents(q(O.entriesOfCid).all(r.cid) as Row[], () => ({
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
      return (q("SELECT * FROM replicas WHERE status <> 'pinned' AND next_attempt_at <= ? ORDER BY next_attempt_at LIMIT ?").all(nowMs, limit) as Row[]).map(
        toReplica,
      );
    },
    async listReplicas(cid) {
      return (q("SELECT * FROM replicas WHERE cid = ? ORDER BY target").all(cid) as Row[]).map(toReplica);
    },
  };
}
