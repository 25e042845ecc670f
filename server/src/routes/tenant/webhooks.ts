import type { FastifyPluginAsync } from "fastify";
import {
  DeliveryListSchema,
  type WebhookDelivery,
  WebhookDeliverySchema,
  type WebhookEndpoint,
  WebhookEndpointSchema,
  WebhookListSchema,
} from "@priorproof/client-sdk/api";
import { AppError } from "../../errors.ts";
import type { WebhookDeliveryRecord, WebhookEndpointRecord } from "../../store/types.ts";
import { createEndpoint, generateWebhookSecret } from "../../services/webhooks.ts";

/** How long a rotated-out secret still signs (alongside the new one), so that receivers can switch over. */
const ROTATION_GRACE_MS = 24 * 3_600_000;

const endpointView = (e: WebhookEndpointRecord): WebhookEndpoint => ({
  id: e.id,
  url: e.url,
  description: e.description,
  events: e.eventTypes,
  createdAt: e.createdAt,
  ...(e.previousSecretUntilMs && e.previousSecretUntilMs > Date.now() ? { previousSecretValidUntil: new Date(e.previousSecretUntilMs).toISOString() } : {}),
});

const deliveryView = (d: WebhookDeliveryRecord): WebhookDelivery => ({
  id: d.id,
  eventSeq: d.eventSeq,
  eventType: d.eventType,
  status: d.status,
  attempts: d.attempts,
  nextAttemptAt: d.status === "pending" ? new Date(d.nextAttemptMs).toISOString() : null,
  lastStatus: d.lastStatus,
  lastError: d.lastError,
  createdAt: d.createdAt,
  updatedAt: d.updatedAt,
  deliveredAt: d.deliveredAt,
});

const IdParams = { type: "object", required: ["id"], properties: { id: { type: "string", pattern: "^wh_[0-9a-f]{32}$" } } } as const;

/**
 * Webhook endpoints of the tenant (Standard Webhooks; see services/webhooks.ts): create (the secret is
 * shown once, here and on rotation), list, delete, rotate the secret, the delivery log, redelivery.
 */
const webhooks: FastifyPluginAsync = async (app) => {
  // Console sessions need the admin role for every webhook route (the log shows payloads; a target receives events).
  app.addHook("onRoute", (route) => {
    route.config = { ...route.config, minRole: "admin" };
  });
  const { webhookAllowPrivate } = app.config.events;
  const found = async (tenantId: string, id: string) => {
    const e = await app.store.getWebhook(tenantId, id);
    if (!e) throw new AppError("WEBHOOK_NOT_FOUND", `no webhook endpoint ${id}`);
    return e;
  };

  app.post<{ Body: { url: string; events?: string[]; description?: string } }>(
    "/webhooks",
    {
      schema: {
        summary: "Add a webhook endpoint (Standard Webhooks); the response carries its secret, shown once",
        tags: ["webhooks"],
        security: [{ bearer: [] }],
        body: {
          type: "object",
          required: ["url"],
          additionalProperties: false,
          properties: {
            url: { type: "string", minLength: 8, maxLength: 2048 },
            events: { type: "array", minItems: 1, maxItems: 20, items: { type: "string", maxLength: 64 } },
            description: { type: "string", maxLength: 200 },
          },
        },
        response: { 201: WebhookEndpointSchema },
      },
    },
    async (request, reply) => {
      const e = await createEndpoint(app.store, request.tenantId, request.body, { allowPrivate: webhookAllowPrivate });
      return reply.code(201).send({ ...endpointView(e), secret: e.secret });
    },
  );

  app.get(
    "/webhooks",
    {
      schema: { summary: "The tenant's webhook endpoints", tags: ["webhooks"], security: [{ bearer: [] }], response: { 200: WebhookListSchema } },
    },
    async (request) => ({ webhooks: (await app.store.listWebhooks(request.tenantId)).map(endpointView) }),
  );

  app.get<{ Params: { id: string } }>(
    "/webhooks/:id",
    {
      schema: { summary: "One webhook endpoint", tags: ["webhooks"], security: [{ bearer: [] }], params: IdParams, response: { 200: WebhookEndpointSchema } },
    },
    async (request) => endpointView(await found(request.tenantId, request.params.id)),
  );

  app.delete<{ Params: { id: string } }>(
    "/webhooks/:id",
    {
      schema: { summary: "Delete a webhook endpoint (its pending deliveries are dropped)", tags: ["webhooks"], security: [{ bearer: [] }], params: IdParams },
    },
    async (request, reply) => {
      if (!(await app.store.deleteWebhook(request.tenantId, request.params.id)))
        throw new AppError("WEBHOOK_NOT_FOUND", `no webhook endpoint ${request.params.id}`);
      return reply.code(204).send();
    },
  );

  app.post<{ Params: { id: string } }>(
    "/webhooks/:id/rotate",
    {
      schema: {
        summary: "Rotate the endpoint's secret; the old one keeps signing alongside for 24 hours",
        tags: ["webhooks"],
        security: [{ bearer: [] }],
        params: IdParams,
        response: { 200: WebhookEndpointSchema },
      },
    },
    async (request) => {
      await found(request.tenantId, request.params.id);
      const e = await app.store.rotateWebhookSecret(request.tenantId, request.params.id, generateWebhookSecret(), Date.now() + ROTATION_GRACE_MS);
      if (!e) throw new AppError("WEBHOOK_NOT_FOUND", `no webhook endpoint ${request.params.id}`);
      return { ...endpointView(e), secret: e.secret };
    },
  );

  app.get<{ Params: { id: string }; Querystring: { limit?: number; before?: number } }>(
    "/webhooks/:id/deliveries",
    {
      schema: {
        summary: "The endpoint's delivery log, newest first (status, attempts, last error)",
        tags: ["webhooks"],
        security: [{ bearer: [] }],
        params: IdParams,
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: { limit: { type: "integer", minimum: 1, maximum: 500 }, before: { type: "integer", minimum: 1 } },
        },
        response: { 200: DeliveryListSchema },
      },
    },
    async (request) => {
      await found(request.tenantId, request.params.id);
      const list = await app.store.listDeliveries(request.tenantId, request.params.id, request.query.limit ?? 100, request.query.before);
      return { deliveries: list.map(deliveryView) };
    },
  );

  app.post<{ Params: { id: string; deliveryId: number } }>(
    "/webhooks/:id/deliveries/:deliveryId/redeliver",
    {
      schema: {
        summary: "Send a delivery again (now, same webhook-id)",
        tags: ["webhooks"],
        security: [{ bearer: [] }],
        params: { type: "object", required: ["id", "deliveryId"], properties: { id: IdParams.properties.id, deliveryId: { type: "integer", minimum: 1 } } },
        response: { 202: WebhookDeliverySchema },
      },
    },
    async (request, reply) => {
      await found(request.tenantId, request.params.id);
      const d = await app.store.redeliver(request.tenantId, request.params.id, request.params.deliveryId, Date.now());
      if (!d) throw new AppError("DELIVERY_NOT_FOUND", `no delivery ${request.params.deliveryId} of endpoint ${request.params.id}`);
      return reply.code(202).send(deliveryView(d));
    },
  );
};

export default webhooks;
