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

export interface EventBus {
  publish(tenantId: string, event: EntryEvent): void;
  subscribe(tenantId: string, listener: (event: EntryEvent) => void): () => void;
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
