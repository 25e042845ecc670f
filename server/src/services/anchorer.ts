/**
 * The anchorer of one chain (exactly one runs per chain; see the lease in the store). Each tick:
 *   built    → if the root is already on chain, adopt it; else sign anchor(root, size) with the next
 *              nonce, store the signed transaction (sending), then broadcast it (sent).
 *   sending/sent → mined: anchored. Dropped or unknown: re-broadcast the stored transaction; its nonce
 *              taken by another: sign anew. Pending too long: replace with higher fees, same nonce.
 *   anchored → block hash still canonical and `confirmations` deep: confirmed. Block reorganised away:
 *              back to built (receipts issued meanwhile are superseded and say so).
 * The order makes crashes harmless: a batch is written before its transaction exists, the transaction
 * before it is sent, and a root found on chain is adopted, never sent twice.
 *
 * With `fence` (several processes share the store), a tick runs only while this process holds the
 * chain's lease, and every batch write carries the lease's fencing token: once another process has
 * taken the lease over, the store refuses this one's writes, and since a transaction is broadcast only
 * after its signed form was stored, a paused old leader cannot send a new transaction either.
 */
import type { ChainClient } from "../chain/client.ts";
import { FencedWriteError, type BatchPatch, type BatchRecord, type BatchStatus, type Fence, type Store } from "../store/types.ts";
import type { AnchorBudget } from "./anchor-budget.ts";

export interface AnchorerDeps {
  readonly store: Store;
  readonly chain: ChainClient;
  readonly tickMs?: number;
  /** Replace a transaction still pending after this long with one paying higher fees. */
  readonly replaceAfterMs?: number;
  /** Captures the offline inclusion proof (block header + receipt-trie proof) of a mined anchor. */
  readonly captureInclusion?: (txHash: string, batch: BatchRecord) => Promise<unknown>;
  /**
   * How long a batch whose offline proof could not be captured yet waits before it is confirmed
   * without one (default 60 s): capture is retried every tick meanwhile, since confirmed batches are
   * not revisited.
   */
  readonly inclusionGraceMs?: number;
  readonly log?: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
  /**
   * The lease fence of this chain's anchorer (`anchorer:<chainId>`): when given, a tick does nothing
   * unless it returns a fence, and passes it with every batch write. Without it, ticks always run.
   */
  readonly fence?: () => Fence | undefined;
  /** The chain's anchoring budget (services/anchor-budget.ts): a refused transaction is not sent; its batch waits. */
  readonly budget?: AnchorBudget;
  /** Test fault points (services/faults.ts): `before-broadcast`. */
  readonly faultPoint?: (point: string) => void;
}

export interface Anchorer {
  /** One pass over every unfinished batch of the chain. */
  tick(): Promise<void>;
  start(): void;
  stop(): Promise<void>;
  /** Whether the last tick reached the chain. */
  readonly healthy: boolean;
  readonly lastError: string | undefined;
}

/** Batches in flight (or awaiting confirmations) handled at once in a tick. */
const CONCURRENT_CHECKS = 4;

export function createAnchorer(deps: AnchorerDeps): Anchorer {
  const { store, chain } = deps;
  const chainId = chain.config.chainId;
  const K = Math.max(1, chain.config.confirmations);
  const replaceAfterMs = deps.replaceAfterMs ?? 60_000;
  let nextNonce: number | undefined;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> | undefined;
  let healthy = true;
  let lastError: string | undefined;
  /** The fence of the running tick (see deps.fence). */
  let fence: Fence | undefined;
  let lastToken: number | undefined;
  const update = (id: number, expected: BatchStatus, patch: BatchPatch) => store.updateBatch(id, expected, patch, fence);
  /**
   * Where each root of this tick's unfinished batches stands on chain, looked up for all of them at once
   * when the tick starts (a new leader inherits many batches: one round trip, not one per batch).
   */
  let onChain = new Map<string, Promise<Awaited<ReturnType<ChainClient["findAnchored"]>>>>();
  const findAnchored = (root: string) => {
    const known = onChain.get(root);
    if (known) {
      onChain.delete(root); // used once: a later look in the same tick (after a send) asks the chain again
      return known;
    }
    return chain.findAnchored(root);
  };
  /** A transaction is broadcast only while the lease is held (a stored one may be re-sent by the next leader). */
  const mayBroadcast = (batch: BatchRecord): boolean => {
    if (!deps.fence || deps.fence()) return true;
    deps.log?.warn(
      { chainId, batch: batch.id, lease: fence?.name, token: fence?.token },
      "anchorer lease expired before the broadcast: broadcast refused, standing down",
    );
    return false;
  };

  // Entry status events are appended to the outbox by the store, in the transaction of each batch write.

  const takeNonce = async (): Promise<number> => {
    const pending = await chain.pendingNonce();
    const nonce = Math.max(pending, nextNonce ?? 0);
    nextNonce = nonce + 1;
    return nonce;
  };

  /** The offline proof of a mined batch as stored JSON, or undefined (no capture, or it did not check). */
  const captureFor = async (batch: BatchRecord): Promise<string | undefined> => {
    if (!deps.captureInclusion || !batch.txHash) return undefined;
    try {
      return JSON.stringify(await deps.captureInclusion(batch.txHash, batch));
    } catch (e) {
      deps.log?.warn({ batch: batch.id, err: e instanceof Error ? e.message : String(e) }, "could not capture the block-header proof");
      return undefined;
    }
  };

  /** The root is on chain (by our transaction or an earlier one): record where. */
  const adopt = async (batch: BatchRecord): Promise<boolean> => {
    const mined = await findAnchored(batch.root);
    if (!mined) return false;
    // Captured with the anchoring itself, so that the first receipt already carries it; on failure the
    // anchored state is recorded anyway and the capture is retried while the batch is anchored.
    const inclusion = await captureFor({
      ...batch,
      txHash: mined.txHash,
      blockNumber: mined.blockNumber,
      blockHash: mined.blockHash,
      blockTime: mined.blockTime,
    });
    const ok = await update(batch.id, batch.status, {
      status: "anchored",
      txHash: mined.txHash,
      blockNumber: mined.blockNumber,
      blockHash: mined.blockHash,
      blockTime: mined.blockTime,
      anchoredAt: new Date().toISOString(),
      lastError: null,
      ...(inclusion ? { inclusion } : {}),
    });
    if (ok) deps.log?.info({ batch: batch.id, chainId, txHash: mined.txHash, block: mined.blockNumber }, "batch anchored");
    return true;
  };

  const send = async (batch: BatchRecord, feeBump = 1, nonce?: number): Promise<void> => {
    const signed = await chain.signAnchor(batch.root, batch.treeSize, nonce ?? (await takeNonce()), feeBump);
    if (deps.budget && !deps.budget.allow(signed.maxFeePerGas)) {
      if (nonce === undefined) nextNonce = undefined; // the nonce taken was not used: read it again next time
      return;
    }
    const stored = await update(batch.id, batch.status, {
      status: "sending",
      txHash: signed.txHash,
      nonce: signed.nonce,
      rawTx: signed.rawTx,
      sentAt: new Date().toISOString(),
      attempts: batch.attempts + 1,
    });
    if (!stored) return;
    deps.faultPoint?.("before-broadcast");
    if (!mayBroadcast(batch)) return;
    await chain.broadcast(signed.rawTx);
    await update(batch.id, "sending", { status: "sent" });
    deps.log?.info({ batch: batch.id, chainId, txHash: signed.txHash, nonce: signed.nonce, size: batch.treeSize }, "anchor transaction sent");
  };

  const handleBuilt = async (batch: BatchRecord) => {
    if (await adopt(batch)) return;
    await send(batch);
  };

  const handleSent = async (batch: BatchRecord) => {
    if (!batch.txHash || !batch.rawTx) return send({ ...batch });
    const receipt = await chain.getReceipt(batch.txHash);
    if (receipt) {
      if (receipt.status === 1 || (await chain.getAnchor(batch.root)).timestamp !== 0n) {
        if (await adopt(batch)) return;
      }
      // Reverted and the root is not on chain: start over with a fresh transaction.
      await update(batch.id, batch.status, { status: "built", txHash: null, rawTx: null, nonce: null, lastError: `transaction ${batch.txHash} reverted` });
      return;
    }
    if (await adopt(batch)) return;
    let pricedOut = false;
    if (!mayBroadcast(batch)) return;
    try {
      await chain.broadcast(batch.rawTx);
      if (batch.status === "sending") await update(batch.id, "sending", { status: "sent" });
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      if (/nonce too low|nonce has already been used/i.test(message)) {
        // The nonce went to another transaction; this one can never be mined.
        await update(batch.id, batch.status, { status: "built", txHash: null, rawTx: null, nonce: null, lastError: message.slice(0, 500) });
        return;
      }
      // The node refuses it for its fees (a base-fee spike evicted it from the pool, where it cannot even
      // wait): waiting cannot help, so it is replaced now, with fees from the new base fee.
      pricedOut = /less than (the )?block base fee|fee cap (is )?too low/i.test(message);
      // Another version of this transaction (same nonce) is pending: wait for one of them to be mined.
      if (!pricedOut && !/underpriced/i.test(message)) throw e;
    }
    const age = Date.now() - Date.parse(batch.sentAt ?? new Date().toISOString());
    if ((pricedOut || age > replaceAfterMs) && batch.nonce !== null) {
      deps.log?.warn({ batch: batch.id, txHash: batch.txHash, ageMs: age, pricedOut }, "anchor transaction stuck: replacing with higher fees");
      await send(batch, 1.5 ** Math.min(batch.attempts, 8), batch.nonce);
    }
  };

  const handleAnchored = async (batch: BatchRecord, head: number) => {
    if (batch.blockNumber === null || !batch.blockHash) return;
    const block = await chain.getBlock(batch.blockNumber);
    if (!block || block.hash.toLowerCase() !== batch.blockHash.toLowerCase()) {
      // Reorganised: find where (if anywhere) the transaction or the root lives now.
      const mined = await chain.findAnchored(batch.root);
      if (mined) {
        await update(batch.id, "anchored", {
          txHash: mined.txHash,
          blockNumber: mined.blockNumber,
          blockHash: mined.blockHash,
          blockTime: mined.blockTime,
          inclusion: null,
        });
      } else {
        await update(batch.id, "anchored", {
          status: "built",
          txHash: null,
          rawTx: null,
          nonce: null,
          blockNumber: null,
          blockHash: null,
          blockTime: null,
          anchoredAt: null,
          inclusion: null,
          lastError: `block ${batch.blockNumber} reorganised away`,
        });
      }
      deps.log?.warn({ batch: batch.id, block: batch.blockNumber, was: batch.blockHash, now: mined?.blockHash }, "anchor block reorganised");
      return;
    }
    let proven = batch.inclusion !== null || !deps.captureInclusion;
    if (!proven) {
      const inclusion = await captureFor(batch);
      if (inclusion) proven = await update(batch.id, "anchored", { inclusion });
    }
    if (head - batch.blockNumber + 1 >= K) {
      if (!proven) {
        const waited = Date.now() - Date.parse(batch.anchoredAt ?? new Date().toISOString());
        if (waited < (deps.inclusionGraceMs ?? 60_000)) return; // try the capture again next tick
        deps.log?.warn({ batch: batch.id, chainId, waitedMs: waited }, "confirming without an offline block-header proof: it could not be captured");
      }
      if (await update(batch.id, "anchored", { status: "confirmed", confirmedAt: new Date().toISOString() })) {
        deps.log?.info({ batch: batch.id, chainId, block: batch.blockNumber, confirmations: head - batch.blockNumber + 1 }, "batch confirmed");
      }
    }
  };

  const tickOnce = async () => {
    if (deps.fence) {
      fence = deps.fence();
      if (!fence) {
        // Another process anchors this chain; nothing here is failing.
        healthy = true;
        lastError = undefined;
        return;
      }
      // New leadership: transactions may have been sent by another process meanwhile.
      if (fence.token !== lastToken) nextNonce = undefined;
      lastToken = fence.token;
    }
    const batches = await store.listBatches(chainId, ["built", "sending", "sent", "anchored"]);
    if (batches.length === 0) {
      healthy = true;
      return;
    }
    const head = await chain.getBlockNumber();
    // The node's pending nonce is the truth, and it can go down (a reorganisation returns the nonces of the
    // transactions it removed): no nonce is carried over from an earlier pass. Only signed transactions that
    // are stored but may not be broadcast yet hold nonces above it: never reuse those.
    nextNonce = undefined;
    for (const b of batches) if (b.nonce !== null && (b.status === "sending" || b.status === "sent")) nextNonce = Math.max(nextNonce ?? 0, b.nonce + 1);
    // Stored transactions first (they may only need re-broadcasting), then new ones, then confirmations.
    const order = { sending: 0, sent: 1, built: 2, anchored: 3, confirmed: 4 } as const;
    batches.sort((a, b) => order[a.status] - order[b.status] || a.id - b.id);
    // Every root not known to be mined is looked up at once; errors surface where a batch uses its answer.
    onChain = new Map();
    for (const b of batches) {
      if (b.status === "anchored") continue;
      const p = chain.findAnchored(b.root);
      p.catch(() => undefined);
      onChain.set(b.root, p);
    }
    // Handles one batch; resolves false when this process must stand down (its lease is gone).
    const handle = async (batch: BatchRecord): Promise<boolean> => {
      if (deps.fence && !deps.fence()) return false; // lease lost meanwhile (a write would be refused anyway)
      try {
        if (batch.status === "built") await handleBuilt(batch);
        else if (batch.status === "sending" || batch.status === "sent") await handleSent(batch);
        else await handleAnchored(batch, head);
        return true;
      } catch (e) {
        if (e instanceof FencedWriteError) {
          // Another process took the lease over: stand down; it reconciles from the stored state.
          nextNonce = undefined;
          lastToken = undefined;
          deps.log?.warn({ chainId, batch: batch.id, lease: e.lease, token: e.token, current: e.current }, "anchorer lease lost: write refused, standing down");
          return false;
        }
        const message = e instanceof Error ? e.message : String(e);
        await update(batch.id, batch.status, { lastError: message.slice(0, 500) }).catch(() => false);
        throw e;
      }
    };
    // Batches in flight are independent of one another (each keeps its own nonce), and so are mined ones
    // awaiting confirmations: a few of each are handled at once, so that a new leader that inherits many
    // does not look at them one by one. New transactions are signed one at a time, in batch order.
    const together = async (group: BatchRecord[]): Promise<boolean> => {
      let standDown = false;
      let failure: { error: unknown } | undefined;
      let next = 0;
      const lane = async () => {
        while (!standDown && !failure && next < group.length) {
          const batch = group[next++]!;
          try {
            if (!(await handle(batch))) standDown = true;
          } catch (error) {
            failure ??= { error };
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(CONCURRENT_CHECKS, group.length) }, lane));
      if (failure) throw failure.error;
      return !standDown;
    };
    if (!(await together(batches.filter((b) => b.status === "sending" || b.status === "sent")))) return;
    for (const batch of batches.filter((b) => b.status === "built")) if (!(await handle(batch))) return;
    if (!(await together(batches.filter((b) => b.status === "anchored")))) return;
    healthy = true;
    lastError = undefined;
  };

  const tick = (): Promise<void> => {
    const next = (current ?? Promise.resolve()).catch(() => undefined).then(tickOnce);
    current = next.catch((e) => {
      healthy = false;
      lastError = e instanceof Error ? e.message : String(e);
      throw e;
    });
    return current;
  };

  return {
    tick,
    start() {
      if (timer) return;
      timer = setInterval(() => {
        tick().catch((e) => deps.log?.warn({ chainId, err: e instanceof Error ? e.message : String(e) }, "anchorer tick failed"));
      }, deps.tickMs ?? 1000);
      timer.unref?.();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await current?.catch(() => undefined);
    },
    get healthy() {
      return healthy;
    },
    get lastError() {
      return lastError;
    },
  };
}
