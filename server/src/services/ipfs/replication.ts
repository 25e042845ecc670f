/**
 * Replication of stored content to other IPFS pinners, by CID: the IPFS Pinning Service API (the
 * standard that Pinata, Filebase and others implement) and the IPFS Cluster REST API. The replica
 * fetches the blocks over the IPFS network (from the Kubo node behind IPFS_API_URL, or from the
 * `origins` we pass), so it holds exactly the bytes behind the CID — nothing to trust.
 */
import { InternalError } from "../../errors.ts";

/** Where a pin request stands, in the Pinning Service API's words. */
export type ReplicaStatus = "queued" | "pinning" | "pinned" | "failed";

export interface PinRequest {
  /** Opaque id to ask about this request later. */
  readonly requestId: string;
  readonly status: ReplicaStatus;
}

/** One replication target. */
export interface Replicator {
  readonly kind: "pinning-service" | "ipfs-cluster";
  /** Stable name of the target (its URL), stored with each replica. */
  readonly target: string;
  requestPin(cid: string, name: string): Promise<PinRequest>;
  getPinStatus(requestId: string, cid: string): Promise<ReplicaStatus>;
}

/** A replication target that failed or answered something unusable; `status` is its HTTP status when it answered. */
export class ReplicationError extends InternalError {
  readonly status: number | undefined;
  constructor(message: string, status?: number, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ReplicationError";
    this.status = status;
  }
}

type FetchLike = typeof fetch;

/** Multiaddrs (with /p2p/) of the node holding the content: fixed, or read at each request (the embedded node's listen addresses). */
export type Origins = readonly string[] | (() => readonly string[] | Promise<readonly string[]>);
const originsOf = async (origins: Origins | undefined): Promise<readonly string[]> => (typeof origins === "function" ? await origins() : (origins ?? []));

async function call(fetchImpl: FetchLike, url: string, init: RequestInit, what: string): Promise<unknown> {
  let res: Response;
  try {
    res = await fetchImpl(url, { ...init, signal: init.signal ?? AbortSignal.timeout(30_000) });
  } catch (cause) {
    throw new ReplicationError(`${what}: ${cause instanceof Error ? cause.message : String(cause)}`, undefined, { cause });
  }
  const text = await res.text();
  if (!res.ok) throw new ReplicationError(`${what}: HTTP ${res.status} ${text.slice(0, 200)}`, res.status);
  try {
    return text ? JSON.parse(text) : {};
  } catch (cause) {
    throw new ReplicationError(`${what}: answer is not JSON`, res.status, { cause });
  }
}

const STATUSES = new Set<ReplicaStatus>(["queued", "pinning", "pinned", "failed"]);

function pinStatusOf(body: unknown, what: string): PinRequest {
  const o = body as { requestid?: unknown; status?: unknown };
  if (typeof o.requestid !== "string" || !STATUSES.has(o.status as ReplicaStatus)) throw new ReplicationError(`${what}: not a PinStatus object`);
  return { requestId: o.requestid, status: o.status as ReplicaStatus };
}

/**
 * A client of the IPFS Pinning Service API (`POST /pins`, `GET /pins/{requestid}`, bearer token).
 *
 * @example
 * const pinata = createPinningServiceReplicator({ endpoint: "https://api.pinata.cloud/psa", accessToken });
 */
export function createPinningServiceReplicator(options: { endpoint: string; accessToken: string; origins?: Origins; fetch?: FetchLike }): Replicator {
  const base = options.endpoint.replace(/\/$/, "");
  const fetchImpl = options.fetch ?? fetch;
  const headers = { authorization: `Bearer ${options.accessToken}`, "content-type": "application/json", accept: "application/json" };
  return {
    kind: "pinning-service",
    target: base,
    async requestPin(cid, name) {
      const origins = await originsOf(options.origins);
      const body = { cid, name: name.slice(0, 255), ...(origins.length ? { origins } : {}), meta: { app: "priorproof" } };
      return pinStatusOf(await call(fetchImpl, `${base}/pins`, { method: "POST", headers, body: JSON.stringify(body) }, `pin ${cid} at ${base}`), `pin ${cid}`);
    },
    async getPinStatus(requestId, cid) {
      const status = pinStatusOf(
        await call(fetchImpl, `${base}/pins/${encodeURIComponent(requestId)}`, { method: "GET", headers }, `status of ${cid} at ${base}`),
        `status of ${cid}`,
      );
      return status.status;
    },
  };
}

/** IPFS Cluster tracker statuses, folded into the Pinning Service API's four. */
function clusterStatus(peerStatuses: readonly string[]): ReplicaStatus {
  if (peerStatuses.length === 0) return "queued";
  if (peerStatuses.some((s) => s === "pinned")) return "pinned";
  if (peerStatuses.some((s) => s === "pinning")) return "pinning";
  if (peerStatuses.every((s) => s === "pin_error" || s === "error" || s === "cluster_error" || s === "unexpectedly_unpinned")) return "failed";
  return "queued";
}

/**
 * A client of the IPFS Cluster REST API (`POST /pins/{cid}`, `GET /pins/{cid}`), optional basic auth.
 * The request id is the CID itself: the cluster keeps one pin per CID.
 *
 * @example
 * const cluster = createClusterReplicator({ url: "http://cluster:9094", replicationMin: 2, replicationMax: 3 });
 */
export function createClusterReplicator(options: {
  url: string;
  replicationMin?: number;
  replicationMax?: number;
  basicAuth?: string;
  origins?: Origins;
  fetch?: FetchLike;
}): Replicator {
  const base = options.url.replace(/\/$/, "");
  const fetchImpl = options.fetch ?? fetch;
  const headers: Record<string, string> = { accept: "application/json" };
  if (options.basicAuth) headers.authorization = `Basic ${btoa(options.basicAuth)}`;
  const peerStatuses = (body: unknown): string[] => {
    const map = (body as { peer_map?: Record<string, { status?: unknown }> }).peer_map ?? {};
    return Object.values(map).map((p) => String(p.status ?? ""));
  };
  return {
    kind: "ipfs-cluster",
    target: base,
    async requestPin(cid, name) {
      const q = new URLSearchParams({ name: name.slice(0, 255) });
      if (options.replicationMin !== undefined) q.set("replication-min", String(options.replicationMin));
      if (options.replicationMax !== undefined) q.set("replication-max", String(options.replicationMax));
      // The cluster's peers connect to these before fetching (pin option `origins`, comma-separated).
      const origins = await originsOf(options.origins);
      if (origins.length) q.set("origins", origins.join(","));
      const body = await call(fetchImpl, `${base}/pins/${encodeURIComponent(cid)}?${q}`, { method: "POST", headers }, `cluster pin ${cid}`);
      const pinned = (body as { cid?: unknown }).cid;
      const echoed = typeof pinned === "string" ? pinned : (pinned as { "/"?: unknown } | undefined)?.["/"];
      if (echoed !== cid) throw new ReplicationError(`cluster pin ${cid}: the cluster answered for ${String(echoed)}`);
      return { requestId: cid, status: "queued" };
    },
    async getPinStatus(requestId) {
      return clusterStatus(
        peerStatuses(await call(fetchImpl, `${base}/pins/${encodeURIComponent(requestId)}`, { method: "GET", headers }, `cluster status ${requestId}`)),
      );
    },
  };
}
