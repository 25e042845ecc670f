/** Webhook endpoints (Standard Webhooks) and their delivery log: /v1/webhooks. */
import type { Infer } from "./infer.ts";

/** An endpoint; `secret` only in the answers that create it or rotate it (shown once). */
export const WebhookEndpointSchema = {
  type: "object",
  required: ["id", "url", "description", "events", "createdAt"],
  properties: {
    id: { type: "string" },
    url: { type: "string" },
    description: { type: ["string", "null"] },
    events: { type: "array", items: { type: "string" } },
    createdAt: { type: "string" },
    previousSecretValidUntil: { type: "string", description: "While a rotated-out secret still signs alongside the new one" },
    secret: { type: "string" },
  },
} as const;
export type WebhookEndpoint = Infer<typeof WebhookEndpointSchema>;

/** One delivery of one event to one endpoint. */
export const WebhookDeliverySchema = {
  type: "object",
  required: ["id", "eventSeq", "eventType", "status", "attempts", "nextAttemptAt", "lastStatus", "lastError", "createdAt", "updatedAt", "deliveredAt"],
  properties: {
    id: { type: "integer" },
    eventSeq: { type: "integer" },
    eventType: { type: "string" },
    status: { type: "string", enum: ["pending", "delivered", "failed"] },
    attempts: { type: "integer" },
    nextAttemptAt: { type: ["string", "null"] },
    lastStatus: { type: ["integer", "null"] },
    lastError: { type: ["string", "null"] },
    createdAt: { type: "string" },
    updatedAt: { type: "string" },
    deliveredAt: { type: ["string", "null"] },
  },
} as const;
export type WebhookDelivery = Infer<typeof WebhookDeliverySchema>;

export const WebhookListSchema = { type: "object", required: ["webhooks"], properties: { webhooks: { type: "array", items: WebhookEndpointSchema } } } as const;
export const DeliveryListSchema = {
  type: "object",
  required: ["deliveries"],
  properties: { deliveries: { type: "array", items: WebhookDeliverySchema } },
} as const;
