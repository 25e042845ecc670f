/**
 * Web captures in the store (migration 10): the durable capture queue, each capture's outcome and
 * lineage, and per-tenant schedules. One implementation over a minimal SQL runner, so SQLite and
 * PostgreSQL share every statement (`?` placeholders, renumbered for PostgreSQL).
 *
 * The queue: a capture is inserted `queued` (acknowledged once durable); a worker claims the oldest
 * one by moving it to `running` with a lease (claims are atomic: one UPDATE … RETURNING, with
 * SKIP LOCKED on PostgreSQL); a capture whose worker died is claimed again once its lease expired.
 */
import { randomUUID } from "node:crypto";
import type { Row, SqlRunner } from "./capture-sql.ts";
import type {
  CaptureChange,
  CaptureOptions,
  CaptureRecord,
  CaptureScheduleRecord,
  CaptureStatus,
  CaptureStore,
  ScheduleEvery,
  StoredPart,
} from "./capture-types.ts";

// Moved names, re-exported from their old module path.
export { CAPTURE_IDEMPOTENCY_MIGRATION_SQL, CAPTURE_MIGRATION_SQL, postgresRunner, sqliteRunner } from "./capture-sql.ts";
export type { SqlRunner } from "./capture-sql.ts";
export type {
  CaptureChange,
  CaptureIdempotency,
  CaptureOptions,
  CaptureOutcomePatch,
  CaptureRecord,
  CaptureScheduleRecord,
  CaptureStatus,
  CaptureStore,
  ScheduleEvery,
  StoredPart,
} from "./capture-types.ts";

const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

function toCapture(r: Row): CaptureRecord {
  return {
    id: String(r.id),
    tenantId: String(r.tenant_id),
    url: String(r.url),
    options: JSON.parse(String(r.options)) as CaptureOptions,
    scheduleId: str(r.schedule_id),
    status: String(r.status) as CaptureStatus,
    change: str(r.change_kind) as CaptureChange | null,
    changed: r.changed_parts ? (JSON.parse(String(r.changed_parts)) as string[]) : [],
    errorCode: str(r.error_code),
    errorMessage: str(r.error_message),
    manifest: str(r.manifest),
    manifestSha256: str(r.manifest_sha256),
    manifestCid: str(r.manifest_cid),
    entryId: str(r.entry_id),
    previousId: str(r.previous_id),
    previousSha256: str(r.previous_sha256),
    parts: r.parts ? (JSON.parse(String(r.parts)) as StoredPart[]) : [],
    domSha256: str(r.dom_sha256),
    screenshotSha256: str(r.screenshot_sha256),
    finalUrl: str(r.final_url),
    createdAt: String(r.created_at),
    startedAt: str(r.started_at),
    finishedAt: str(r.finished_at),
    attempts: Number(r.attempts ?? 0),
  };
}

function toSchedule(r: Row): CaptureScheduleRecord {
  return {
    id: String(r.id),
    tenantId: String(r.tenant_id),
    url: String(r.url),
    options: JSON.parse(String(r.options)) as CaptureOptions,
    every: String(r.every) as ScheduleEvery,
    nextRunAt: Number(r.next_run_at),
    createdAt: String(r.created_at),
  };
}

/** A capture id: time-ordered (creation time in the first bits, as UUIDv7) and random. */
function newId(): string {
  const ms = Date.now().toString(16).padStart(12, "0");
  const rand = randomUUID().replace(/-/g, "");
  const variant = ((parseInt(rand[16]!, 16) & 3) | 8).toString(16); // RFC 9562 §4.1: the two high bits are 10
  return `${ms.slice(0, 8)}-${ms.slice(8, 12)}-7${rand.slice(13, 16)}-${variant}${rand.slice(17, 20)}-${rand.slice(20, 32)}`;
}

/**
 * The capture store over a SQL runner.
 *
 * @example
 * const captures = createCaptureStore(sqliteRunner(db));
 */
export function createCaptureStore(sql: SqlRunner): CaptureStore {
  const one = async (q: string, args: readonly unknown[]) => (await sql.all(q, args))[0];
  const skipLocked = sql.dialect === "postgres" ? " FOR UPDATE SKIP LOCKED" : "";
  const store: CaptureStore = {
    async enqueue(c) {
      const id = newId();
      const createdAt = new Date().toISOString();
      try {
        await sql.run(
          "INSERT INTO captures (id, tenant_id, url, options, schedule_id, status, created_at, attempts, idem_key, idem_fingerprint) VALUES (?, ?, " +
            "?, ?, ?, 'queued', ?, 0, ?, ?)",
          [id, c.tenantId, c.url, JSON.stringify(c.options), c.scheduleId ?? null, createdAt, c.idempotency?.key ?? null, c.idempotency?.fingerprint ?? null],
        );
      } catch (e) {
        // Two requests with one key raced: the unique index let one capture in; answer with it.
        const earlier = c.idempotency ? await store.getByIdempotencyKey(c.tenantId, c.idempotency.key) : undefined;
        if (earlier) return earlier.capture;
        throw e;
      }
      return (await store.get(id))!;
    },
    async getByIdempotencyKey(tenantId, key) {
      const r = await one("SELECT * FROM captures WHERE tenant_id = ? AND idem_key = ?", [tenantId, key]);
      return r ? { capture: toCapture(r), fingerprint: String(r.idem_fingerprint) } : undefined;
    },
    async get(id) {
      const r = await one("SELECT * FROM captures WHERE id = ?", [id]);
      return r ? toCapture(r) : undefined;
    },
    async getByEntry(entryId) {
      const r = await one("SELECT * FROM captures WHERE entry_id = ?", [entryId]);
      return r ? toCapture(r) : undefined;
    },
    async list(tenantId, query) {
      const where = ["tenant_id = ?"];
      const args: unknown[] = [tenantId];
      if (query.url !== undefined) {
        where.push("url = ?");
        args.push(query.url);
      }
      if (query.beforeCreatedAt !== undefined) {
        where.push("created_at < ?");
        args.push(query.beforeCreatedAt);
      }
      return (await sql.all(`SELECT * FROM captures WHERE ${where.join(" AND ")} ORDER BY created_at DESC, id DESC LIMIT ?`, [...args, query.limit])).map(
        toCapture,
      );
    },
    async claim(worker, leaseMs, nowMs) {
      const rows = await sql.all(
        `UPDATE captures SET status = 'running', worker = ?, lease_until = ?, started_at = ?, attempts = attempts + 1
         WHERE id = (SELECT id FROM captures WHERE status = 'queued' OR (status = 'running' AND lease_until < ?)
                     ORDER BY created_at, id LIMIT 1${skipLocked})
         RETURNING *`,
        [worker, nowMs + leaseMs, new Date(nowMs).toISOString(), nowMs],
      );
      return rows[0] ? toCapture(rows[0]) : undefined;
    },
    async finish(id, worker, p) {
      // Part CIDs are registered first (their DAG blocks were recorded at import): once the capture is
      // finished its tenant can read every stored part through /ipfs/:cid (services/content-access.ts).
      const owner = await one("SELECT tenant_id FROM captures WHERE id = ? AND worker = ? AND status = 'running'", [id, worker]);
      if (!owner) return false;
      for (const part of p.parts) {
        if (part.cid === null) continue;
        await sql.run("INSERT INTO capture_parts (capture_id, name, tenant_id, cid) VALUES (?, ?, ?, ?) ON CONFLICT (capture_id, name) DO NOTHING", [
          id,
          part.name,
          String(owner.tenant_id),
          part.cid,
        ]);
      }
      const changed = await sql.run(
        `UPDATE captures SET status = ?, change_kind = ?, changed_parts = ?, error_code = ?, error_message = ?, manifest = ?, manifest_sha256 = ?,
           manifest_cid = ?, entry_id = ?, previous_id = ?, previous_sha256 = ?, parts = ?, dom_sha256 = ?, screenshot_sha256 = ?, final_url = ?,
           finished_at = ?, lease_until = NULL
         WHERE id = ? AND worker = ? AND status = 'running'`,
        [
          p.status,
          p.change,
          JSON.stringify(p.changed),
          p.errorCode,
          p.errorMessage,
          p.manifest,
          p.manifestSha256,
          p.manifestCid,
          p.entryId,
          p.previousId,
          p.previousSha256,
          JSON.stringify(p.parts),
          p.domSha256,
          p.screenshotSha256,
          p.finalUrl,
          p.finishedAt,
          id,
          worker,
        ],
      );
      return changed > 0;
    },
    async latestStamped(tenantId, url, exceptId) {
      const r = await one(
        `SELECT * FROM captures WHERE tenant_id = ? AND url = ? AND id <> ? AND status IN ('complete', 'timeout', 'truncated') AND entry_id IS NOT NULL
         ORDER BY finished_at DESC, id DESC LIMIT 1`,
        [tenantId, url, exceptId],
      );
      return r ? toCapture(r) : undefined;
    },
    async ownsPartCid(tenantId, cid) {
      return (await one("SELECT 1 AS found FROM capture_parts WHERE tenant_id = ? AND cid = ? LIMIT 1", [tenantId, cid])) !== undefined;
    },
    async listPartCids(afterCid, limit) {
      return (await sql.all("SELECT DISTINCT cid FROM capture_parts WHERE cid > ? ORDER BY cid LIMIT ?", [afterCid, limit])).map((r) => String(r.cid));
    },
    async countQueued(tenantId) {
      const r =
        tenantId === undefined
          ? await one("SELECT COUNT(*) AS n FROM captures WHERE status = 'queued'", [])
          : await one("SELECT COUNT(*) AS n FROM captures WHERE status = 'queued' AND tenant_id = ?", [tenantId]);
      return Number(r?.n ?? 0);
    },

    async addSchedule(s) {
      const id = newId();
      const createdAt = new Date().toISOString();
      await sql.run("INSERT INTO capture_schedules (id, tenant_id, url, options, every, next_run_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)", [
        id,
        s.tenantId,
        s.url,
        JSON.stringify(s.options),
        s.every,
        s.nextRunAt,
        createdAt,
      ]);
      return (await store.getSchedule(id))!;
    },
    async listSchedules(tenantId) {
      return (await sql.all("SELECT * FROM capture_schedules WHERE tenant_id = ? ORDER BY created_at, id", [tenantId])).map(toSchedule);
    },
    async getSchedule(id) {
      const r = await one("SELECT * FROM capture_schedules WHERE id = ?", [id]);
      return r ? toSchedule(r) : undefined;
    },
    async deleteSchedule(tenantId, id) {
      return (await sql.run("DELETE FROM capture_schedules WHERE tenant_id = ? AND id = ?", [tenantId, id])) > 0;
    },
    async dueSchedules(nowMs, limit) {
      return (await sql.all("SELECT * FROM capture_schedules WHERE next_run_at <= ? ORDER BY next_run_at, id LIMIT ?", [nowMs, limit])).map(toSchedule);
    },
    async runSchedule(s, nextRunAt) {
      // Compare-and-set first: only the node that moves the schedule queues the run.
      const moved = await sql.run("UPDATE capture_schedules SET next_run_at = ? WHERE id = ? AND next_run_at = ?", [nextRunAt, s.id, s.nextRunAt]);
      if (moved === 0) return undefined;
      return store.enqueue({ tenantId: s.tenantId, url: s.url, options: s.options, scheduleId: s.id });
    },
  };
  return store;
}
