/** Replication settings: remote pinners that receive a replica of every stored file. */
import { ConfigError, int, type Env } from "./env.ts";

export interface ReplicationSettings {
  /** IPFS Pinning Service API endpoint and its bearer token (Pinata, Filebase, …). */
  readonly pinningService?: { readonly endpoint: string; readonly accessToken: string };
  /** IPFS Cluster REST API. */
  readonly cluster?: { readonly url: string; readonly basicAuth?: string; readonly replicationMin?: number; readonly replicationMax?: number };
  /** Multiaddrs of the IPFS node holding our content, passed to pinning services as `origins`. */
  readonly origins: readonly string[];
  readonly intervalMs: number;
  readonly pollMs: number;
  /** First retry delay after a failed call; doubles per attempt, up to an hour. */
  readonly retryMs: number;
}

export function parseReplication(env: Env): ReplicationSettings {
  const url = (key: string): string | undefined => {
    const raw = env[key];
    if (!raw) return undefined;
    try {
      const u = new URL(raw);
      if (u.protocol !== "http:" && u.protocol !== "https:") throw new Error();
    } catch {
      throw new ConfigError(`${key} must be an http(s) URL, got ${JSON.stringify(raw)}`);
    }
    return raw.replace(/\/$/, "");
  };
  const endpoint = url("PINNING_SERVICE_URL");
  if (endpoint && !env.PINNING_SERVICE_TOKEN) throw new ConfigError("PINNING_SERVICE_URL needs PINNING_SERVICE_TOKEN (the service's bearer token)");
  const clusterUrl = url("IPFS_CLUSTER_URL");
  const min = env.IPFS_CLUSTER_REPLICATION_MIN ? int(env, "IPFS_CLUSTER_REPLICATION_MIN", 0, 1) : undefined;
  const max = env.IPFS_CLUSTER_REPLICATION_MAX ? int(env, "IPFS_CLUSTER_REPLICATION_MAX", 0, 1) : undefined;
  if (min !== undefined && max !== undefined && max < min) throw new ConfigError("IPFS_CLUSTER_REPLICATION_MAX must be ≥ IPFS_CLUSTER_REPLICATION_MIN");
  return {
    ...(endpoint ? { pinningService: { endpoint, accessToken: env.PINNING_SERVICE_TOKEN as string } } : {}),
    ...(clusterUrl
      ? {
          cluster: {
            url: clusterUrl,
            ...(env.IPFS_CLUSTER_BASIC_AUTH ? { basicAuth: env.IPFS_CLUSTER_BASIC_AUTH } : {}),
            ...(min !== undefined ? { replicationMin: min } : {}),
            ...(max !== undefined ? { replicationMax: max } : {}),
          },
        }
      : {}),
    origins: (env.REPLICATION_ORIGINS ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
    intervalMs: int(env, "REPLICATION_INTERVAL_MS", 5_000, 50),
    pollMs: int(env, "REPLICATION_POLL_MS", 10_000, 50),
    retryMs: int(env, "REPLICATION_RETRY_MS", 5_000, 10),
  };
}
