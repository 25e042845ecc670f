/** Webhook endpoints and their deliveries (one concern of the {@link Store}; services/webhooks.ts). */
import type { OutboxEvent } from "./events.ts";
import type { Fence } from "./leases.ts";

export interface NewWebhookEndpoint {
  readonly id: string;
  readonly tenantId: string;
  readonly url: string;
  readonly description: string | null;
  /** Event filters (`entry.status`, `entry.status.confirmed`, `*`). */
  readonly eventTypes: readonly string[];
  /** `whsec_<base64>`. */
  readonly secret: string;
}

export interface WebhookEndpointRecord extends NewWebhookEndpoint {
  readonly previousSecret: string | null;
  readonly previousSecretUntilMs: number | null;
  /** The last outbox event of the tenant turned into deliveries (or skipped by the filters). */
  readonly cursorSeq: number;
  readonly createdAt: string;
}

export type DeliveryStatus = "pending" | "delivered" | "failed";

export interface WebhookDeliveryRecord {
  readonly id: number;
  readonly endpointId: string;
  readonly tenantId: string;
  readonly eventSeq: number;
  readonly eventType: string;
  /** The JSON body sent (the same bytes on every attempt). */
  readonly payload: string;
  readonly status: DeliveryStatus;
  readonly attempts: number;
  readonly nextAttemptMs: number;
  readonly lastError: string | null;
  readonly lastStatus: number | null;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly deliveredAt: string | null;
}

export type DeliveryOutcome =
  | { readonly delivered: true; readonly httpStatus: number }
  | { readonly delivered: false; readonly httpStatus: number | null; readonly error: string; readonly nextAttemptMs: number | null };

/** Webhook endpoints and deliveries. */
export interface WebhookStore {
  /** Webhook endpoints of a tenant (see services/webhooks.ts). */
  createWebhook(endpoint: NewWebhookEndpoint): Promise<WebhookEndpointRecord>;
  listWebhooks(tenantId: string): Promise<WebhookEndpointRecord[]>;
  /** Every live endpoint (the delivery worker's round). */
  listAllWebhooks(): Promise<WebhookEndpointRecord[]>;
  getWebhook(tenantId: string, id: string): Promise<WebhookEndpointRecord | undefined>;
  /** Marks the endpoint deleted and drops its pending deliveries; resolves whether it existed. */
  deleteWebhook(tenantId: string, id: string): Promise<boolean>;
  /** Replaces the secret; the old one stays valid (signatures carry both) until `previousUntilMs`. */
  rotateWebhookSecret(tenantId: string, id: string, secret: string, previousUntilMs: number): Promise<WebhookEndpointRecord | undefined>;
  /**
   * In one transaction: reads the endpoint's tenant events after its cursor (up to `limit`), records a
   * pending delivery for each that `accept` takes, and advances the cursor. Resolves how many events
   * were read. With `fence`, refused unless the fence holds.
   */
  enqueueWebhookDeliveries(endpointId: string, limit: number, accept: (event: OutboxEvent) => boolean, nowMs: number, fence?: Fence): Promise<number>;
  /** Pending deliveries due at `nowMs`, soonest first. */
  listDueDeliveries(nowMs: number, limit: number): Promise<WebhookDeliveryRecord[]>;
  /** Records one delivery attempt's outcome; with `fence`, refused unless the fence holds. */
  recordDeliveryAttempt(id: number, outcome: DeliveryOutcome, fence?: Fence): Promise<void>;
  listDeliveries(tenantId: string, endpointId: string, limit: number, beforeId?: number): Promise<WebhookDeliveryRecord[]>;
  /** Sets a delivery of the tenant pending again, due now; resolves the delivery, or undefined. */
  redeliver(tenantId: string, endpointId: string, deliveryId: number, nowMs: number): Promise<WebhookDeliveryRecord | undefined>;
}
