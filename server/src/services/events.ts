/**
 * Events of a tenant's entries, from the store's outbox. Every status change (`pending`, `batched`,
 * `anchored`, `confirmed`, back to `batched` after a reorganisation), pin and replica change and RFC 3161
 * token is appended to the tenant's outbox in the same transaction as the change itself, numbered
 * 1, 2, 3… per tenant (the SSE `id`). Nothing is published from memory: a subscriber reads the outbox
 * after the last number it has, so a client reconnecting with `Last-Event-ID` misses nothing, and a
 * client on any node sees every change, whichever node made it.
 *
 * The hub only wakes subscribers: the store tells it that a tenant's outbox grew — in-process with
 * SQLite (one node), through PostgreSQL LISTEN/NOTIFY on a dedicated connection with PostgreSQL (every
 * node; the notification carries only `<tenant>:<seq>`) — and each subscriber then reads the outbox.
 */
import type { EntryStatus, OutboxEvent, Store } from "../store/types.ts";

/** `data` of an `entry.status` event. */
export interface EntryStatusEvent {
  readonly type: "entry.status";
  readonly entryId: string;
  readonly status: EntryStatus;
  readonly batchId?: number;
  readonly chainId?: number;
  readonly txHash?: string | null;
  readonly blockNumber?: number | null;
  readonly at: string;
  /** True when an earlier anchor of the entry was undone by a reorganisation (receipts issued then are superseded). */
  readonly superseded?: boolean;
}

/**
 * `data` of a capture event: a web capture ended (services/capture). `capture.completed` (stamped),
 * `capture.changed` (stamped, and the page differs from the previous capture of the URL), `capture.failed`
 * (nothing stamped). Appended to the tenant's outbox by the capture service (store.appendEvent).
 */
export interface CaptureEvent {
  readonly type: (typeof CAPTURE_EVENT_TYPES)[number];
  readonly captureId: string;
  readonly url: string;
  /** The entry stamping the manifest, null when the capture failed. */
  readonly entryId: string | null;
  readonly scheduleId: string | null;
  /** complete | timeout | truncated | failed */
  readonly status: string;
  readonly manifestSha256: string | null;
  readonly previousSha256: string | null;
  /** What changed against the previous capture (`dom`, `screenshot`). */
  readonly changed?: readonly string[];
  readonly errorCode?: string;
  readonly at: string;
}

/** The event types of a capture's outcome. */
export const CAPTURE_EVENT_TYPES = ["capture.completed", "capture.changed", "capture.failed"] as const;

/** The event types of the outbox (webhook filters name these, or `<type>.<status>` for `entry.status`). */
export const EVENT_TYPES = ["entry.status", "entry.pin", "entry.replica", "entry.timestamp", ...CAPTURE_EVENT_TYPES] as const;

export interface EventHub {
  /** Calls `wake` whenever the tenant's outbox may have grown. */
  subscribe(tenantId: string, wake: () => void): () => void;
  /**
   * The tenant's events after `afterSeq` (or, without it, from the next one), in order, then each new
   * one as it is committed, until `signal` aborts.
   */
  follow(tenantId: string, afterSeq: number | undefined, signal: AbortSignal): AsyncGenerator<OutboxEvent>;
  /** Deletes events older than the retention (see createEventHub), except those a webhook endpoint still has to read. */
  prune(nowMs?: number): Promise<number>;
  close(): void;
}

export interface EventHubDeps {
  readonly store: Store;
  /** How long events are kept for `Last-Event-ID` resume (EVENTS_RETENTION_HOURS). */
  readonly retentionMs: number;
  /** Events read from the store per query. */
  readonly pageSize?: number;
}

/**
 * Creates the hub over the store's outbox notifications.
 *
 * @example
 * const hub = createEventHub({ store, retentionMs: 7 * 86_400_000 });
 * for await (const e of hub.follow(tenantId, lastEventId, signal)) send(e);
 */
export function createEventHub(deps: EventHubDeps): EventHub {
  const { store } = deps;
  const pageSize = deps.pageSize ?? 200;
  const wakers = new Map<string, Set<() => void>>();
  let unlisten: (() => void) | undefined;

  const onEvents = (tenantId: string | undefined) => {
    if (tenantId === undefined) {
      for (const set of wakers.values()) for (const w of set) w();
      return;
    }
    for (const w of wakers.get(tenantId) ?? []) w();
  };

  const hub: EventHub = {
    subscribe(tenantId, wake) {
      unlisten ??= store.onEvents(onEvents);
      let set = wakers.get(tenantId);
      if (!set) wakers.set(tenantId, (set = new Set()));
      set.add(wake);
      return () => {
        set.delete(wake);
        if (set.size === 0) wakers.delete(tenantId);
      };
    },
    async *follow(tenantId, afterSeq, signal) {
      let dirty = true;
      let resume: (() => void) | undefined;
      const wake = () => {
        dirty = true;
        resume?.();
      };
      // Subscribed before the first read: a commit between the read and the wait still wakes us.
      const unsubscribe = hub.subscribe(tenantId, wake);
      signal.addEventListener("abort", wake, { once: true });
      try {
        let cursor = afterSeq ?? (await store.lastEventSeq(tenantId));
        while (!signal.aborted) {
          if (!dirty) {
            await new Promise<void>((r) => (resume = r));
            resume = undefined;
            continue;
          }
          dirty = false;
          for (;;) {
            const page = await store.readEvents(tenantId, cursor, pageSize);
            for (const e of page) {
              if (signal.aborted) return;
              cursor = e.seq;
              yield e;
            }
            if (page.length < pageSize) break;
          }
        }
      } finally {
        signal.removeEventListener("abort", wake);
        unsubscribe();
      }
    },
    prune(nowMs = Date.now()) {
      return store.pruneEvents(nowMs - deps.retentionMs);
    },
    close() {
      unlisten?.();
      unlisten = undefined;
      wakers.clear();
    },
  };
  return hub;
}
