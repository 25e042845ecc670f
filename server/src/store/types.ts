/**
 * The storage interface of the service. The embedded SQLite backend (sqlite.ts) and the PostgreSQL
 * backend implement it with the same migrations and the same behaviour; services depend only on this.
 *
 * Every method that writes resolves only after the write is durable (committed and synced), because
 * the service acknowledges only what is durable.
 */
import type { CaptureStore } from "./captures.ts";
import type { ConsoleStore } from "./console.ts";
import type { BatchStatus, BatchStore } from "./types/batches.ts";
import type { EntryStatus, EntryStore } from "./types/entries.ts";
import type { EventStore } from "./types/events.ts";
import type { LeaseStore } from "./types/leases.ts";
import type { ReplicaStore } from "./types/replicas.ts";
import type { TenantStore } from "./types/tenants.ts";
import type { WebhookStore } from "./types/webhooks.ts";

// One file per concern in types/; this module composes the Store and re-exports every name.
export * from "./types/batches.ts";
export * from "./types/entries.ts";
export * from "./types/events.ts";
export * from "./types/leases.ts";
export * from "./types/replicas.ts";
export * from "./types/tenants.ts";
export * from "./types/webhooks.ts";

export interface Store extends TenantStore, EntryStore, BatchStore, LeaseStore, ReplicaStore, EventStore, WebhookStore {
  readonly kind: "sqlite" | "postgres";
  /** Web captures: queue, outcomes, schedules (store/captures.ts). */
  readonly captures: CaptureStore;
  /** The web console: users, sessions, login throttling, setup token, key listing, entry search (store/console.ts). */
  readonly console: ConsoleStore;

  /** Counts for /metrics. */
  stats(): Promise<{ entries: Record<EntryStatus, number>; batches: Record<BatchStatus, number> }>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
