/** SQLite: the per-tenant events outbox and webhook endpoints with their deliveries (outbox-sql.ts holds the statements). */
import { OUTBOX_SQL as O, MAX_DELIVERY_ID, toDelivery, toOutboxEvent, toWebhook, webhookPayload } from "../outbox-sql.ts";
import type { EventStore, WebhookStore } from "../types.ts";
import type { SqliteDb, Row } from "./db.ts";

export function sqliteOutbox(c: SqliteDb): EventStore & WebhookStore {
  const { q, tx, appendEvents, checkFence, eventListeners } = c;
  return {
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
        for (const e of events) if (accept(e)) q(O.insertDelivery).run(endpointId, e.tenantId, e.seq, e.type, webhookPayload(e), nowMs, at, at);
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
        else
          q(O.failedAttempt).run(
            outcome.nextAttemptMs === null ? "failed" : "pending",
            outcome.httpStatus,
            outcome.error.slice(0, 500),
            outcome.nextAttemptMs ?? 0,
            at,
            id,
          );
      });
    },
    async listDeliveries(tenantId, endpointId, limit, beforeId) {
      return (q(O.deliveries).all(tenantId, endpointId, beforeId ?? MAX_DELIVERY_ID, limit) as Row[]).map(toDelivery);
    },
    async redeliver(tenantId, endpointId, deliveryId, nowMs) {
      if (q(O.redeliver).run(nowMs, new Date(nowMs).toISOString(), tenantId, endpointId, deliveryId).changes === 0) return undefined;
      return toDelivery(q(O.delivery).get(deliveryId) as Row);
    },
  };
}
