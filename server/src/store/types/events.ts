/** The per-tenant events outbox (one concern of the {@link Store}; services/events.ts). */

/** One event of a tenant's outbox. `seq` orders the tenant's events (1, 2, 3…, no gaps when committed). */
export interface OutboxEvent {
  readonly tenantId: string;
  readonly seq: number;
  /** `entry.status`, `entry.pin`, `entry.replica`, `entry.timestamp`, `capture.completed`, `capture.changed`, `capture.failed`. */
  readonly type: string;
  readonly entryId: string | null;
  /** The event object (JSON). */
  readonly data: Readonly<Record<string, unknown>>;
  readonly createdAt: string;
}

/** An event to append to the outbox in a store transaction. */
export interface NewOutboxEvent {
  readonly tenantId: string;
  readonly type: string;
  readonly entryId: string | null;
  readonly data: Readonly<Record<string, unknown>>;
}

/** The events outbox. */
export interface EventStore {
  /**
   * Events outbox (see services/events.ts). The tenant's events after `afterSeq`, in order. Every
   * status change is appended in the transaction that makes it.
   */
  readEvents(tenantId: string, afterSeq: number, limit: number): Promise<OutboxEvent[]>;
  /**
   * Appends one event to its tenant's outbox in a transaction of its own, numbered after the tenant's
   * last one like every other event (outbox-sql.ts), for changes made outside this store's
   * transactions (web captures). Resolves once durable; subscribers are woken after the commit.
   */
  appendEvent(event: NewOutboxEvent): Promise<void>;
  /** The tenant's last event number (0 before its first event). */
  lastEventSeq(tenantId: string): Promise<number>;
  /** The tenant's oldest retained event number, or undefined when none is retained. */
  firstEventSeq(tenantId: string): Promise<number | undefined>;
  /**
   * Calls `listener` after events were committed (by this process, or with PostgreSQL by any node:
   * LISTEN/NOTIFY). `tenantId` undefined: notifications may have been missed (the listening connection
   * was re-established), so every reader should look again.
   */
  onEvents(listener: (tenantId: string | undefined, seq: number) => void): () => void;
  /** Deletes events created before `beforeMs` (epoch ms); resolves how many. */
  pruneEvents(beforeMs: number): Promise<number>;
}
