/**
 * Leader election through the store: a process holds a named lease (e.g. `anchorer:<chainId>`) while it
 * renews it every third of its TTL. Holding it locally is only a hint (the process may be paused past
 * the TTL); the guarantee is the fencing token, which the holder passes with every write that only the
 * leader may make and which the store checks inside that write's transaction.
 */
import type { Fence, Store } from "../store/types.ts";

export interface LeaseDeps {
  readonly store: Store;
  /** The lease, e.g. `anchorer:31337`. */
  readonly name: string;
  /** This process (unique per process: config.nodeId). */
  readonly holder: string;
  readonly ttlMs: number;
  readonly log?: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
  /** Called when this process acquires the lease (a new token), e.g. to start work at once. */
  readonly onAcquired?: (token: number) => void;
}

export interface Lease {
  readonly name: string;
  /**
   * The fence to pass with leader-only writes while the lease is held, or undefined when it is not
   * (or may have expired: no renewal succeeded within the TTL, less a margin).
   */
  fence(): Fence | undefined;
  /** One acquire-or-renew round; resolves whether the lease is held. */
  renew(): Promise<boolean>;
  /** Renews every ttl/3 while held; while another holds it, tries every ttl/10 (the first round at once). */
  start(): void;
  /** Stops renewing and, if held, releases the lease so that another process takes over at once. */
  stop(): Promise<void>;
}

/**
 * Creates the renewal loop of one lease.
 *
 * @example
 * const lease = createLease({ store, name: "anchorer:31337", holder: config.nodeId, ttlMs: 5000 });
 * lease.start();
 * await store.updateBatch(id, "built", patch, lease.fence());
 */
export function createLease(deps: LeaseDeps): Lease {
  const { store, name, holder, ttlMs } = deps;
  // Local validity ends a little before the database's expiry, which starts no earlier than our request.
  const validFor = ttlMs - Math.min(ttlMs / 10, 500);
  let token: number | undefined;
  let validUntil = 0;
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let current: Promise<boolean> | undefined;

  const held = () => token !== undefined && performance.now() < validUntil;

  const renewOnce = async (): Promise<boolean> => {
    const sentAt = performance.now();
    const wasHeld = held();
    let next: number | undefined;
    try {
      next = await store.acquireLease(name, holder, ttlMs);
    } catch (e) {
      // The database is unreachable: keep what we have until it expires locally.
      deps.log?.warn({ lease: name, err: e instanceof Error ? e.message : String(e) }, "lease renewal failed");
      return held();
    }
    if (next === undefined) {
      if (wasHeld) deps.log?.warn({ lease: name, holder }, "lease lost to another node");
      token = undefined;
      validUntil = 0;
      return false;
    }
    const acquired = !wasHeld || next !== token;
    if (acquired) deps.log?.info({ lease: name, holder, token: next }, "lease acquired");
    token = next;
    validUntil = sentAt + validFor;
    if (acquired) deps.onAcquired?.(next);
    return true;
  };

  const renew = (): Promise<boolean> => {
    current = (current ?? Promise.resolve(false)).catch(() => false).then(renewOnce);
    return current;
  };

  const loop = () => {
    if (!running) return;
    renew().finally(() => {
      if (running) {
        // A follower asks more often, so that it takes an expired lease soon after the expiry (failover
        // time), not up to a renewal period later; one cheap statement per try.
        timer = setTimeout(loop, Math.max(50, Math.floor(held() ? ttlMs / 3 : ttlMs / 10)));
        timer.unref?.();
      }
    });
  };

  return {
    name,
    fence() {
      return held() ? { name, token: token!, ttlMs } : undefined;
    },
    renew,
    start() {
      if (running) return;
      running = true;
      loop();
    },
    async stop() {
      running = false;
      if (timer) clearTimeout(timer);
      timer = undefined;
      await current?.catch(() => false);
      if (token !== undefined) {
        token = undefined;
        validUntil = 0;
        await store.releaseLease(name, holder).catch((e: unknown) => {
          deps.log?.warn({ lease: name, err: e instanceof Error ? e.message : String(e) }, "lease release failed");
        });
      }
    },
  };
}
