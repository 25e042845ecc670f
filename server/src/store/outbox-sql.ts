/**
 * SQL and row mappers of the events outbox and the webhooks tables (migration 5), shared by the SQLite
 * and PostgreSQL stores (positional `?` parameters, renumbered for PostgreSQL).
 *
 * Ordering: a transaction that appends events reserves the tenant's next numbers by upserting the
 * tenant's `event_counters` row; the row stays locked until that transaction ends, so the next writer
 * of the same tenant gets its numbers only after the earlier ones are committed (or rolled back and
 * reused). A reader that has seen event n of a tenant has therefore seen every committed event below n.
 */
import { entryStatusOf } from "./sql.ts";
import type { BatchRecord, EntryStatus, NewOutboxEvent, OutboxEvent, WebhookDeliveryRecord, WebhookEndpointRecord } from "./types.ts";

type Row = Readonly<Record<string, unknown>>;

/** The PostgreSQL NOTIFY channel of committed events (payload `<tenantId>:<seq>`). */
export const EVENTS_CHANNEL = "priorproof_events";

/** Reserves `?2` numbers for tenant `?1`; returns the last one reserved. */
export const RESERVE_EVENT_SEQ = `INSERT INTO event_counters (tenant_id, last_seq) VALUES (?, ?)
ON CONFLICT (tenant_id) DO UPDATE SET last_seq = event_counters.last_seq + excluded.last_seq RETURNING last_seq`;

export const INSERT_EVENT = "INSERT INTO event_outbox (tenant_id, seq, type, entry_id, data, created_at, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?)";

/**
 * The entries of one batch with their stored status and the status their queue rows and batches give
 * them now: run before ENTRY_STATUS_FROM_BATCHES to learn which entries it changes. One parameter: the batch id.
 */
export const STATUS_CHANGES_OF_BATCH = `SELECT e.id AS id, e.tenant_id AS tenant_id, e.status AS old_status, ${entryStatusOf("e")} AS new_status
FROM entries e WHERE e.seq IN (SELECT entry_seq FROM batch_entries WHERE batch_id = ?)`;

/** Events of the entries whose status a batch change moved (rows of STATUS_CHANGES_OF_BATCH). */
export function statusEvents(rows: readonly Row[], batch: BatchRecord, at: string): NewOutboxEvent[] {
  const events: NewOutboxEvent[] = [];
  for (const r of rows) {
    const from = String(r.old_status) as EntryStatus;
    const to = String(r.new_status) as EntryStatus;
    if (from === to) continue;
    // Back from anchored/confirmed: the anchor was reorganised away and receipts issued since are superseded.
    const superseded = (from === "anchored" || from === "confirmed") && (to === "batched" || to === "pending");
    events.push({
      tenantId: String(r.tenant_id),
      type: "entry.status",
      entryId: String(r.id),
      data: {
        type: "entry.status",
        entryId: String(r.id),
        status: to,
        batchId: batch.id,
        chainId: batch.chainId,
        txHash: to === "batched" || to === "pending" ? null : batch.txHash,
        blockNumber: to === "batched" || to === "pending" ? null : batch.blockNumber,
        at,
        ...(superseded ? { superseded: true } : {}),
      },
    });
  }
  return events;
}

/** Appended events of each tenant in one order (tenants sorted: writers lock counter rows in one order, no deadlock). */
export function byTenant(events: readonly NewOutboxEvent[]): [string, NewOutboxEvent[]][] {
  const groups = new Map<string, NewOutboxEvent[]>();
  for (const e of events) {
    const g = groups.get(e.tenantId);
    if (g) g.push(e);
    else groups.set(e.tenantId, [e]);
  }
  return [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

export function toOutboxEvent(r: Row): OutboxEvent {
  return {
    tenantId: String(r.tenant_id),
    seq: Number(r.seq),
    type: String(r.type),
    entryId: str(r.entry_id),
    data: JSON.parse(String(r.data)) as Record<string, unknown>,
    createdAt: String(r.created_at),
  };
}

export function toWebhook(r: Row): WebhookEndpointRecord {
  return {
    id: String(r.id),
    tenantId: String(r.tenant_id),
    url: String(r.url),
    description: str(r.description),
    eventTypes: JSON.parse(String(r.event_types)) as string[],
    secret: String(r.secret),
    previousSecret: str(r.previous_secret),
    previousSecretUntilMs: r.previous_secret_until_ms === null || r.previous_secret_until_ms === undefined ? null : Number(r.previous_secret_until_ms),
    cursorSeq: Number(r.cursor_seq),
    createdAt: String(r.created_at),
  };
}

export function toDelivery(r: Row): WebhookDeliveryRecord {
  return {
    id: Number(r.id),
    endpointId: String(r.endpoint_id),
    tenantId: String(r.tenant_id),
    eventSeq: Number(r.event_seq),
    eventType: String(r.event_type),
    payload: String(r.payload),
    status: String(r.status) as WebhookDeliveryRecord["status"],
    attempts: Number(r.attempts),
    nextAttemptMs: Number(r.next_attempt_ms),
    lastError: str(r.last_error),
    lastStatus: r.last_status === null || r.last_status === undefined ? null : Number(r.last_status),
    createdAt: String(r.created_at),
    updatedAt: String(r.updated_at),
    deliveredAt: str(r.delivered_at),
  };
}

/**
 * The body of a webhook delivery (Standard Webhooks payload structure: type, timestamp, data), fixed
 * when the delivery is created so that every attempt sends the same bytes.
 */
export function webhookPayload(event: OutboxEvent): string {
  return JSON.stringify({ type: event.type, timestamp: event.createdAt, data: { ...event.data, seq: event.seq } });
}

/** Statements of the outbox and webhooks shared by both stores (`?` parameters; see {@link numbered}). */
export const OUTBOX_SQL = {
  readEvents: "SELECT * FROM event_outbox WHERE tenant_id = ? AND seq > ? ORDER BY seq LIMIT ?",
  lastEventSeq: "SELECT last_seq FROM event_counters WHERE tenant_id = ?",
  firstEventSeq: "SELECT MIN(seq) AS seq FROM event_outbox WHERE tenant_id = ?",
  // Kept while a live webhook endpoint of the tenant has not read it yet (its cursor is below it).
  pruneEvents: `DELETE FROM event_outbox WHERE created_ms < ? AND NOT EXISTS (SELECT 1 FROM webhook_endpoints w
    WHERE w.tenant_id = event_outbox.tenant_id AND w.deleted_at IS NULL AND w.cursor_seq < event_outbox.seq)`,
  entriesOfCid: "SELECT tenant_id, id FROM entries WHERE cid = ? ORDER BY seq LIMIT 1000",
  entriesOfBatch: "SELECT e.tenant_id AS tenant_id, e.id AS id FROM batch_entries be JOIN entries e ON e.seq = be.entry_seq WHERE be.batch_id = ?",
  pinState: "SELECT tenant_id, id, pin_status, cid, pin_error, pin_attempts FROM entries WHERE id = ?",
  replicaStatus: "SELECT status FROM replicas WHERE cid = ? AND target = ?",
  insertWebhook: `INSERT INTO webhook_endpoints (id, tenant_id, url, description, event_types, secret, cursor_seq, created_at)
    VALUES (?, ?, ?, ?, ?, ?, COALESCE((SELECT last_seq FROM event_counters WHERE tenant_id = ?), 0), ?)`,
  webhook: "SELECT * FROM webhook_endpoints WHERE tenant_id = ? AND id = ? AND deleted_at IS NULL",
  webhookById: "SELECT * FROM webhook_endpoints WHERE id = ? AND deleted_at IS NULL",
  webhooks: "SELECT * FROM webhook_endpoints WHERE tenant_id = ? AND deleted_at IS NULL ORDER BY created_at, id",
  allWebhooks: "SELECT * FROM webhook_endpoints WHERE deleted_at IS NULL ORDER BY created_at, id",
  deleteWebhook: "UPDATE webhook_endpoints SET deleted_at = ? WHERE tenant_id = ? AND id = ? AND deleted_at IS NULL",
  dropDeliveries:
    "UPDATE webhook_deliveries SET status = 'failed', last_error = 'endpoint deleted', updated_at = ? WHERE endpoint_id = ? AND status = 'pending'",
  rotate: `UPDATE webhook_endpoints SET previous_secret = secret, previous_secret_until_ms = ?, secret = ?
    WHERE tenant_id = ? AND id = ? AND deleted_at IS NULL`,
  insertDelivery:
    `INSERT INTO webhook_deliveries (endpoint_id, tenant_id, event_seq, event_type, payload, status, attempts, next_attempt_ms, created_at, ` +
    `updated_at)
    VALUES (?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?) ON CONFLICT (endpoint_id, event_seq) DO NOTHING`,
  advanceCursor: "UPDATE webhook_endpoints SET cursor_seq = ? WHERE id = ? AND cursor_seq < ?",
  dueDeliveries: "SELECT * FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_ms <= ? ORDER BY next_attempt_ms, id LIMIT ?",
  delivered: `UPDATE webhook_deliveries SET status = 'delivered', attempts = attempts + 1, last_status = ?, last_error = NULL, delivered_at = ?, updated_at = ?
    WHERE id = ? AND status = 'pending'`,
  failedAttempt: `UPDATE webhook_deliveries SET status = ?, attempts = attempts + 1, last_status = ?, last_error = ?, next_attempt_ms = ?, updated_at = ?
    WHERE id = ? AND status = 'pending'`,
  deliveries: "SELECT * FROM webhook_deliveries WHERE tenant_id = ? AND endpoint_id = ? AND id < ? ORDER BY id DESC LIMIT ?",
  redeliver: "UPDATE webhook_deliveries SET status = 'pending', next_attempt_ms = ?, updated_at = ? WHERE tenant_id = ? AND endpoint_id = ? AND id = ?",
  delivery: "SELECT * FROM webhook_deliveries WHERE id = ?",
} as const;

/** `?` parameters renumbered `$1, $2…` (PostgreSQL). */
export function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

/** The largest id a delivery list starts below when no cursor is given. */
export const MAX_DELIVERY_ID = Number.MAX_SAFE_INTEGER;

/** A replica target shown to tenants: its host only (a pinner URL may carry credentials in its path or query). */
export function replicaTargetHost(target: string): string {
  try {
    return new URL(target).host;
  } catch {
    return "unknown";
  }
}
