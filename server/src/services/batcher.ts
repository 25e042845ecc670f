/**
 * The batcher closes a batch every `intervalMs`, or as soon as `maxSize` entries are queued, for each
 * chain: it builds the RFC 6962 tree over the queued leaves (the SDK's one implementation) and records
 * the batch durably (status `built`) before any transaction is sent for it.
 *
 * With `fence` (several processes share the store), it closes a chain's batches only while this process
 * holds that chain's anchorer lease, and the store refuses the close once another process has taken
 * the lease over. Other processes only queue entries; the leader closes them on its interval.
 */
import { MerkleTree, fromHex, toHex } from "@priorproof/client-sdk/core";
import { FencedWriteError, type BatchRecord, type Fence, type Store } from "../store/types.ts";

export interface BatcherDeps {
  readonly store: Store;
  readonly chainIds: readonly number[];
  readonly maxSize: number;
  readonly intervalMs: number;
  /** Called with each batch once it is durable. */
  readonly onBatch?: (batch: BatchRecord) => void;
  readonly onError?: (error: unknown) => void;
  /**
   * The fence of a chain's lease (`anchorer:<chainId>`) while this process holds it. When given, only
   * chains with a fence are closed, each close carrying it. Without it, every chain is closed.
   */
  readonly fence?: (chainId: number) => Fence | undefined;
  /** Test fault points (services/faults.ts): `after-batch-close`. */
  readonly faultPoint?: (point: string) => void;
  readonly log?: { warn(obj: object, msg: string): void };
}

export interface Batcher {
  /** Closes every batch that can be closed now (full ones first, then the remainder). */
  closeBatches(): Promise<BatchRecord[]>;
  /** Tells the batcher that `count` entries were queued (closes early at `maxSize`). */
  notify(count: number): void;
  start(): void;
  stop(): Promise<void>;
}

/** The tree head over hex leaf hashes. */
export function treeHead(leafHashes: readonly string[]): string {
  return toHex(MerkleTree.fromLeafHashes(leafHashes.map((h) => fromHex(h, 32))).root);
}

export function createBatcher(deps: BatcherDeps): Batcher {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<BatchRecord[]> | undefined;
  let queuedSinceClose = 0;

  const closeAll = async (): Promise<BatchRecord[]> => {
    const closed: BatchRecord[] = [];
    for (const chainId of deps.chainIds) {
      for (;;) {
        const fence = deps.fence?.(chainId);
        if (deps.fence && !fence) break;
        let batch: BatchRecord | undefined;
        try {
          batch = await deps.store.closeBatch(chainId, deps.maxSize, (leaves) => ({ root: treeHead(leaves) }), fence);
        } catch (e) {
          if (e instanceof FencedWriteError) {
            // Another process leads this chain now.
            deps.log?.warn({ chainId, lease: e.lease, token: e.token, current: e.current }, "batcher lease lost: batch close refused, standing down");
            break;
          }
          throw e;
        }
        if (!batch) break;
        deps.faultPoint?.("after-batch-close");
        closed.push(batch);
        deps.onBatch?.(batch);
        if (batch.treeSize < deps.maxSize) break;
      }
    }
    return closed;
  };

  const run = (): Promise<BatchRecord[]> => {
    // One close at a time; a caller arriving meanwhile waits for the running one and then runs again.
    const next = (running ?? Promise.resolve([]))
      .catch(() => [])
      .then(() => {
        queuedSinceClose = 0;
        return closeAll();
      });
    running = next;
    return next;
  };

  return {
    closeBatches: run,
    notify(count) {
      queuedSinceClose += count;
      if (timer && queuedSinceClose >= deps.maxSize) {
        queuedSinceClose = 0;
        run().catch((e) => deps.onError?.(e));
      }
    },
    start() {
      if (timer) return;
      timer = setInterval(() => {
        run().catch((e) => deps.onError?.(e));
      }, deps.intervalMs);
      timer.unref?.();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await running?.catch(() => undefined);
    },
  };
}
