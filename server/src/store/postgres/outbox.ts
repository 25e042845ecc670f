/** PostgreSQL: the per-tenant events outbox and webhook endpoints with their deliveries (outbox-sql.ts holds the statements). */
import { MAX_DELIVERY_ID, toDelivery, toOutboxEvent, toWebhook, webhookPayload } from "../outbox-sql.ts";
import type { EventStore, WebhookStore } from "../types.ts";
import { O, appendEvents, type PgDb, type Row } from "./db.ts";
import type { PgEventListener } from "./listen.ts";

export function pgOutbox(db: PgDb, { listen }: PgEventListener): EventStore & WebhookStore {
  const { pool, tx, fenced, all, one } = db;
  return {
    async readEvents(tenantId, afterSeq, limit) {
      return (await all(O.readEvents, [tenantId, afterSeq, limit])).map(toOutboxEvent);
    },
    async appendEvent(event) {
      await tx((c) => appendEvents(c, [event]));
    },
    async lastEventSeq(tenantId) {
      const r = await one(O.lastEventSeq, [tenantId]);
      return r ? Number(r.last_seq) : 0;
    },
    async firstEventSeq(tenantId) {
      const r = await one(O.firstEventSeq, [tenantId]);
      return r?.seq === null || r?.seq === undefined ? undefined : Number(r.seq);
    },
    onEvents(listener) {
      return listen(listener);
    },
    async pruneEvents(beforeMs) {
      return (await pool.query(O.pruneEvents, [beforeMs])).rowCount ?? 0;
    },
    async createWebhook(e) {
      await pool.query(O.insertWebhook, [e.id, e.tenantId, e.url, e.description, JSON.stringify(e.eventTypes), e.secret, e.tenantId, new Date().toISOString()]);
      return toWebhook((await one(O.webhookById, [e.id]))!);
    },
    async listWebhooks(tenantId) {
      return (await all(O.webhooks, [tenantId])).map(toWebhook);
    },
    async listAllWebhooks() {
      return (await all(O.allWebhooks)).map(toWebhook);
    },
    async getWebhook(tenantId, id) {
      const r = await one(O.webhook, [tenantId, id]);
      return r ? toWebhook(r) : undefined;
    },
    async deleteWebhook(tenantId, id) {
      return tx(async (c) => {
        const now = new Date().toISOString();
        const deleted = ((await c.query(O.deleteWebhook, [now, tenantId, id])).rowCount ?? 0) > 0;
        if (deleted) await c.query(O.dropDeliveries, [now, id]);
        return deleted;
      });
    },
    async rotateWebhookSecret(tenantId, id, secret, previousUntilMs) {
      await pool.query(O.rotate, [previousUntilMs, secret, tenantId, id]);
      const r = await one(O.webhook, [tenantId, id]);
      return r ? toWebhook(r) : undefined;
    },
    async enqueueWebhookDeliveries(endpointId, limit, accept, nowMs, fence) {
      return fenced(fence, async (c) => {
        const w = (await c.query(`${O.webhookById} FOR UPDATE`, [endpointId])).rows[0] as Row | undefined;
        if (!w) return 0;
        const endpoint = toWebhook(w);
        const events = ((await c.query(O.readEvents, [endpoint.tenantId, endpoint.cursorSeq, limit])).rows as Row[]).map(toOutboxEvent);
        if (events.length === 0) return 0;
        const at = new Date(nowMs).toISOString();
        for (const e of events) if (accept(e)) await c.query(O.insertDelivery, [endpointId, e.tenantId, e.seq, e.type, webhookPayload(e), nowMs, at, at]);
        const last = events.at(-1)!.seq;
        await c.query(O.advanceCursor, [last, endpointId, last]);
        return events.length;
      });
    },
    async listDueDeliveries(nowMs, limit) {
      return (await all(O.dueDeliveries, [nowMs, limit])).map(toDelivery);
    },
    async recordDeliveryAttempt(id, outcome, fence) {
      await fenced(fence, async (c) => {
        const at = new Date().toISOString();
        if (outcome.delivered) await c.query(O.delivered, [outcome.httpStatus, at, at, id]);
        else
          await c.query(O.failedAttempt, [
            outcome.nextAttemptMs === null ? "failed" : "pending",
            outcome.httpStatus,
            outcome.error.slice(0, 500),
            outcome.nextAttemptMs ?? 0,
            at,
            id,
          ]);
      });
    },
    async listDeliveries(tenantId, endpointId, limit, beforeId) {
      return (await all(O.deliveries, [tenantId, endpointId, beforeId ?? MAX_DELIVERY_ID, limit])).map(toDelivery);
    },
    async redeliver(tenantId, endpointId, deliveryId, nowMs) {
      const r = await pool.query(O.redeliver, [nowMs, new Date(nowMs).toISOString(), tenantId, endpointId, deliveryId]);
      if ((r.rowCount ?? 0) === 0) return undefined;
      return toDelivery((await one(O.delivery, [deliveryId]))!);
    },
  };
}
