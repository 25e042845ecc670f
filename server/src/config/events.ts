/** Event settings (GET /v1/events streams, outbox retention, webhook delivery). */
import { int, type Env } from "./env.ts";

export interface EventSettings {
  /** Open `/v1/events` streams per API key on one node. */
  readonly streamsPerKey: number;
  /** Open `/v1/events` streams on one node, all keys together. */
  readonly streamsMax: number;
  /** How long outbox events are kept for `Last-Event-ID` resume. */
  readonly retentionMs: number;
  /** Webhook targets may resolve to private, loopback and link-local addresses (WEBHOOK_ALLOW_PRIVATE=true). */
  readonly webhookAllowPrivate: boolean;
  /** Time allowed for one delivery (connect, send, answer). */
  readonly webhookTimeoutMs: number;
  /** How long a delivery is retried (exponential backoff) before it is marked failed. */
  readonly webhookRetryForMs: number;
  /** First retry delay; doubles per attempt (capped at an hour). */
  readonly webhookBackoffMs: number;
  /** How often the delivery worker looks for new events and due retries. */
  readonly webhookIntervalMs: number;
}

export function parseEvents(env: Env): EventSettings {
  return {
    streamsPerKey: int(env, "EVENT_STREAMS_PER_KEY", 8, 1),
    streamsMax: int(env, "EVENT_STREAMS_MAX", 500, 1),
    retentionMs: int(env, "EVENTS_RETENTION_HOURS", 168, 1) * 3_600_000,
    webhookAllowPrivate: env.WEBHOOK_ALLOW_PRIVATE === "true",
    webhookTimeoutMs: int(env, "WEBHOOK_TIMEOUT_MS", 10_000, 100),
    webhookRetryForMs: int(env, "WEBHOOK_RETRY_HOURS", 72, 1) * 3_600_000,
    webhookBackoffMs: int(env, "WEBHOOK_BACKOFF_MS", 5_000, 10),
    webhookIntervalMs: int(env, "WEBHOOK_INTERVAL_MS", 1_000, 20),
  };
}
