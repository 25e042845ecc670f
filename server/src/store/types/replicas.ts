/** Replicas of stored content at remote pinners (one concern of the {@link Store}). */
import type { Fence } from "./leases.ts";

/**
 * Where a copy of stored content stands at one remote pinner (an IPFS Pinning Service or IPFS
 * Cluster): `requested` until the pinner accepted the request, then the pinner's own word.
 */
export type ReplicaState = "requested" | "queued" | "pinning" | "pinned" | "failed";

export interface ReplicaRecord {
  readonly cid: string;
  /** The pinner's URL. */
  readonly target: string;
  readonly kind: "pinning-service" | "ipfs-cluster";
  /** The pinner's id of the pin request, once accepted. */
  readonly requestId: string | null;
  readonly status: ReplicaState;
  readonly attempts: number;
  readonly lastError: string | null;
  /** Epoch ms of the next request or status poll. */
  readonly nextAttemptAt: number;
  readonly updatedAt: string;
}

/** Replication of stored content to remote pinners. */
export interface ReplicaStore {
  /**
   * Replication of stored content to remote pinners. CIDs of this node's pinned content that have no
   * replica row for `target` yet (oldest first), for the replicator to request.
   */
  listUnreplicatedCids(target: string, limit: number, options?: { publicOnly?: boolean }): Promise<string[]>;
  /** Creates or replaces the replica row of (cid, target). */
  putReplica(replica: ReplicaRecord, fence?: Fence): Promise<void>;
  /** Replica rows not yet pinned whose next attempt is due at `nowMs` (epoch ms), soonest first. */
  listDueReplicas(nowMs: number, limit: number): Promise<ReplicaRecord[]>;
  /** Every replica row of a CID. */
  listReplicas(cid: string): Promise<ReplicaRecord[]>;
}
