/**
 * Entry status changes, published per tenant (Server-Sent Events subscribe here). In-process; a
 * multi-node deployment relays them through the database (see the PostgreSQL store).
 */
import { EventEmitter } from "node:events";
import type { EntryStatus } from "../store/types.ts";

export interface EntryEvent {
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
 * A web capture ended (services/capture): `capture.completed` (stamped), `capture.changed` (stamped,
 * and the page differs from the previous capture of the URL), `capture.failed` (nothing stamped).
 */
export interface CaptureEvent {
  readonly type: "capture.completed" | "capture.changed" | "capture.failed";
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

export type ServiceEvent = EntryEvent | CaptureEvent;

export interface EventBus {
  publish(tenantId: string, event: ServiceEvent): void;
  subscribe(tenantId: string, listener: (event: ServiceEvent) => void): () => void;
}

export function createEventBus(): EventBus {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  return {
    publish(tenantId, event) {
      emitter.emit(tenantId, event);
    },
    subscribe(tenantId, listener) {
      emitter.on(tenantId, listener);
      return () => emitter.off(tenantId, listener);
    },
  };
}
