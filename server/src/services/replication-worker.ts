/**
 * Replication of stored content to remote pinners (IPFS Pinning Service API, IPFS Cluster): every
 * CID this service holds pinned gets a replica row per configured target, which this worker drives
 * from `requested` to the pinner's `pinned`, polling the pinner and retrying with exponential backoff
 * (a `failed` pin is requested again). The rows are the state a user sees (`replicas` on an entry) and
 * survive restarts: nothing is remembered only in memory.
 *
 * The remote pinner fetches the blocks by CID over the IPFS network, so what it holds is exactly the
 * content behind the CID. With several processes on one database only the holder of the
 * `replicator` lease runs the worker (`active`).
 */
import { FencedWriteError, type Fence, type ReplicaRecord, type Store } from "../store/types.ts";
import type { Replicator } from "./ipfs/replication.ts";

export interface ReplicationWorkerDeps {
  readonly store: Store;
  readonly replicators: readonly Replicator[];
  /** Time between rounds (default 5 s). */
  readonly intervalMs?: number;
  /** Delay before asking a pinner again about a pin it is still working on (default 10 s). */
  readonly pollMs?: number;
  /** First retry delay after an error; doubles per attempt up to `maxBackoffMs` (defaults 5 s, 1 h). */
  readonly backoffMs?: number;
  readonly maxBackoffMs?: number;
  /**
   * Replicate only published content (entries stored public): the pinners fetch from the embedded IPFS
   * node, which serves nothing else, and the CID of unpublished content is not sent to a third party.
   */
  readonly publicOnly?: boolean;
  /** Rows handled per round (default 100). */
  readonly batchSize?: number;
  /** Whether this process may run rounds now (the `replicator` lease); always, without it. */
  readonly active?: () => boolean;
  /** The `replicator` lease's fence: when given, a round runs only while it returns one, and every replica write carries it. */
  readonly fence?: () => Fence | undefined;
  readonly now?: () => number;
  readonly log?: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
}

export interface ReplicationRound {
  /** New replica rows (CIDs seen for the first time per target). */
  readonly queued: number;
  /** Pin requests sent. */
  readonly requested: number;
  /** Status polls answered. */
  readonly polled: number;
  /** Calls that failed (and are retried later). */
  readonly errors: number;
}

export interface ReplicationWorker {
  /** One round: queue new CIDs, then request or poll every due replica. */
  tick(): Promise<ReplicationRound>;
  start(): void;
  stop(): Promise<void>;
  /** The last round's error, if any call failed (for /readyz details and metrics). */
  health(): { readonly lastError: string | undefined; readonly targets: readonly string[] };
}

/**
 * Creates the worker.
 *
 * @example
 * const worker = createReplicationWorker({ store, replicators: [createPinningServiceReplicator({ endpoint, accessToken })] });
 * worker.start();
 */
export function createReplicationWorker(deps: ReplicationWorkerDeps): ReplicationWorker {
  const { store } = deps;
  const intervalMs = deps.intervalMs ?? 5_000;
  const pollMs = deps.pollMs ?? 10_000;
  const backoffMs = deps.backoffMs ?? 5_000;
  const maxBackoffMs = deps.maxBackoffMs ?? 3_600_000;
  const batchSize = deps.batchSize ?? 100;
  const now = deps.now ?? Date.now;
  const byTarget = new Map(deps.replicators.map((r) => [r.target, r]));
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<unknown> | undefined;
  let lastError: string | undefined;

  /** The fence of the running round (see deps.fence). */
  let fence: Fence | undefined;
  const save = (r: ReplicaRecord, patch: Partial<ReplicaRecord>) => store.putReplica({ ...r, ...patch, updatedAt: new Date(now()).toISOString() }, fence);

  const round = async (): Promise<ReplicationRound> => {
    if (deps.fence) {
      fence = deps.fence();
      if (!fence) return { queued: 0, requested: 0, polled: 0, errors: 0 };
    }
    let queued = 0;
    let requested = 0;
    let polled = 0;
    let errors = 0;
    const errorsSeen: string[] = [];
    for (const replicator of deps.replicators) {
      for (const cid of await store.listUnreplicatedCids(replicator.target, batchSize, { publicOnly: deps.publicOnly === true })) {
        await store.putReplica(
          {
            cid,
            target: replicator.target,
            kind: replicator.kind,
            requestId: null,
            status: "requested",
            attempts: 0,
            lastError: null,
            nextAttemptAt: now(),
            updatedAt: new Date(now()).toISOString(),
          },
          fence,
        );
        queued++;
      }
    }
    for (const replica of await store.listDueReplicas(now(), batchSize)) {
      const replicator = byTarget.get(replica.target);
      if (!replicator) continue; // a target no longer configured: its rows stay as they were
      try {
        if (replica.requestId === null) {
          const pin = await replicator.requestPin(replica.cid, `priorproof ${replica.cid}`);
          requested++;
          await save(replica, { requestId: pin.requestId, status: pin.status, attempts: replica.attempts + 1, lastError: null, nextAttemptAt: now() + pollMs });
          deps.log?.info({ cid: replica.cid, target: replica.target, status: pin.status }, "replica requested");
        } else {
          const status = await replicator.getPinStatus(replica.requestId, replica.cid);
          polled++;
          if (status === "failed") {
            // The pinner gave up (e.g. it could not find the blocks): ask again, later and later.
            const delay = Math.min(maxBackoffMs, backoffMs * 2 ** Math.min(replica.attempts, 20));
            await save(replica, { requestId: null, status: "failed", lastError: "the pinner reported the pin failed", nextAttemptAt: now() + delay });
            deps.log?.warn({ cid: replica.cid, target: replica.target, retryInMs: delay }, "replica failed at the pinner: requesting again later");
          } else {
            await save(replica, { status, lastError: null, nextAttemptAt: now() + pollMs });
            if (status === "pinned") deps.log?.info({ cid: replica.cid, target: replica.target }, "replica pinned");
          }
        }
      } catch (e) {
        if (e instanceof FencedWriteError) {
          deps.log?.warn({ lease: e.lease, token: e.token, current: e.current }, "replicator lease lost: write refused, standing down");
          break;
        }
        errors++;
        const message = (e instanceof Error ? e.message : String(e)).slice(0, 500);
        errorsSeen.push(message);
        const delay = Math.min(maxBackoffMs, backoffMs * 2 ** Math.min(replica.attempts, 20));
        await save(replica, { attempts: replica.attempts + 1, lastError: message, nextAttemptAt: now() + delay }).catch((err: unknown) => {
          if (!(err instanceof FencedWriteError)) throw err;
        });
        deps.log?.warn({ cid: replica.cid, target: replica.target, err: message, retryInMs: delay }, "replication call failed: retrying later");
      }
    }
    lastError = errorsSeen[0];
    return { queued, requested, polled, errors };
  };

  const worker: ReplicationWorker = {
    async tick() {
      if (deps.active && !deps.active()) return { queued: 0, requested: 0, polled: 0, errors: 0 };
      while (current) await current.catch(() => undefined);
      const p = round();
      current = p;
      try {
        return await p;
      } finally {
        current = undefined;
      }
    },
    start() {
      if (timer || deps.replicators.length === 0) return;
      const loop = () => {
        timer = setTimeout(() => {
          worker
            .tick()
            .catch((e: unknown) => {
              lastError = e instanceof Error ? e.message : String(e);
              deps.log?.warn({ err: lastError }, "replication round failed");
            })
            .finally(() => {
              if (timer) loop();
            });
        }, intervalMs);
      };
      loop();
    },
    async stop() {
      clearTimeout(timer);
      timer = undefined;
      await current?.catch(() => undefined);
    },
    health: () => ({ lastError, targets: [...byTarget.keys()] }),
  };
  return worker;
}
