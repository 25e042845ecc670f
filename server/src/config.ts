/**
 * Service configuration: every setting, its environment variable and its default. Only the config
 * plugin (and the CLI entry points, which build the config for it) call `loadConfig(process.env)`.
 * Documented in docs/configuration.md.
 */
import { hostname } from "node:os";
import { resolve } from "node:path";

export interface ChainSettings {
  readonly name: string;
  readonly rpcUrl: string;
  /** RPC URL suggested to the public on the verify page (default: rpcUrl). */
  readonly publicRpcUrl?: string;
  /** Expected chain id; checked against the RPC at start. */
  readonly chainId: number;
  readonly development: boolean;
  readonly confirmations: number;
  readonly explorerUrl?: string;
  /** 0x private key of the anchorer account (or use a keystore). */
  readonly anchorerKey?: string;
  readonly anchorerKeystore?: string;
  readonly anchorerKeystorePassword?: string;
  /** Directory of deployment records (`<chainId>.json`). */
  readonly deploymentsDir: string;
}

export interface Config {
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  readonly databaseUrl?: string;
  readonly sqlitePath: string;
  /** Chains to anchor on. Empty: `npm start` starts the embedded development chain. */
  readonly chains: readonly ChainSettings[];
  readonly batchIntervalMs: number;
  readonly batchMaxSize: number;
  readonly anchorTickMs: number;
  /** A sent anchor transaction still unmined after this long is replaced (same nonce, higher fees). */
  readonly anchorReplaceAfterMs: number;
  readonly maxFileBytes: number;
  readonly maxFilesPerRequest: number;
  readonly ipfsApiUrl?: string;
  readonly ipfsProfile: "unixfs-v1-2025" | "kubo-legacy";
  /** Where uploads are spooled while they are imported, and kept while IPFS is unavailable (`<dataDir>/spool`). */
  readonly spoolDir: string;
  /** How often the pin retry worker imports spooled uploads into IPFS. */
  readonly pinRetryIntervalMs: number;
  readonly operator: string;
  readonly publicUrl?: string;
  readonly logLevel: string;
  /** Run the batcher and the anchorer in this process (the one holding each chain's lease, when several do). */
  readonly workers: boolean;
  /** This process's name in leases: unique per process (default `<hostname>:<pid>`). */
  readonly nodeId: string;
  /** How long a lease (e.g. `anchorer:<chainId>`) lasts unless renewed; renewed every third of it. */
  readonly leaseTtlMs: number;
  readonly rateLimitPerMinute: number;
  /** A connection silent this long (no byte either way) is closed; 0 disables. */
  readonly socketIdleTimeoutMs: number;
  /** The request line and headers must arrive within this long (slow-loris headers), else 408. */
  readonly headersTimeoutMs: number;
  readonly corsOrigins: readonly string[];
  readonly tsaUrl?: string;
  readonly tsaCaFile?: string;
  readonly organisationTimeZone?: string;
  /** Remote pinners that receive a replica of every stored file (empty: no replication). */
  readonly replication: ReplicationSettings;
  /** Web captures (docs/capture.md). */
  readonly capture: CaptureSettings;
}

export interface CaptureSettings {
  /** The Chromium the capture worker runs (CAPTURE_CHROMIUM_PATH, default /usr/bin/chromium). */
  readonly chromiumPath: string;
  /** Allow loopback, private and link-local targets (CAPTURE_ALLOW_PRIVATE=true); refused by default. */
  readonly allowPrivate: boolean;
  /**
   * base64 SHA-256 SPKI hashes of certificates Chromium accepts although no public CA issued them
   * (CAPTURE_TRUST_SPKI, comma-separated): a corporate CA, or a test CA.
   */
  readonly trustSpki: readonly string[];
  readonly defaultTimeBudgetMs: number;
  readonly maxTimeBudgetMs: number;
  readonly defaultSizeBudgetBytes: number;
  readonly maxSizeBudgetBytes: number;
  /** How often an idle capture worker looks for queued captures and due schedules. */
  readonly pollMs: number;
  /** Run a capture worker in this process (CAPTURE_WORKER; default: WORKERS). */
  readonly worker: boolean;
  /** How the host keeps its clock, as the operator states it (CAPTURE_CLOCK_SOURCE), recorded in each manifest. */
  readonly clockSource: string;
}

function parseCapture(env: Record<string, string | undefined>): CaptureSettings {
  const trustSpki = (env.CAPTURE_TRUST_SPKI ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  for (const h of trustSpki) if (!/^[A-Za-z0-9+/]{43}=$/.test(h)) throw new ConfigError(`CAPTURE_TRUST_SPKI must list base64 SHA-256 hashes, got ${JSON.stringify(h)}`);
  for (const key of ["CAPTURE_ALLOW_PRIVATE", "CAPTURE_WORKER"]) {
    if (env[key] !== undefined && !["true", "false", ""].includes(env[key])) throw new ConfigError(`${key} must be true or false`);
  }
  const settings = {
    chromiumPath: env.CAPTURE_CHROMIUM_PATH || "/usr/bin/chromium",
    allowPrivate: env.CAPTURE_ALLOW_PRIVATE === "true",
    trustSpki,
    defaultTimeBudgetMs: int(env, "CAPTURE_TIME_BUDGET_MS", 60_000, 1_000),
    maxTimeBudgetMs: int(env, "CAPTURE_MAX_TIME_BUDGET_MS", 300_000, 1_000),
    defaultSizeBudgetBytes: int(env, "CAPTURE_SIZE_BUDGET_BYTES", 50 * 1024 * 1024, 1_024),
    maxSizeBudgetBytes: int(env, "CAPTURE_MAX_SIZE_BUDGET_BYTES", 200 * 1024 * 1024, 1_024),
    pollMs: int(env, "CAPTURE_POLL_MS", 2_000, 10),
    worker: env.CAPTURE_WORKER === undefined || env.CAPTURE_WORKER === "" ? env.WORKERS !== "false" : env.CAPTURE_WORKER === "true",
    clockSource: (env.CAPTURE_CLOCK_SOURCE ?? "").trim().slice(0, 500) || "not stated by the operator (CAPTURE_CLOCK_SOURCE)",
  };
  if (settings.defaultTimeBudgetMs > settings.maxTimeBudgetMs) throw new ConfigError("CAPTURE_TIME_BUDGET_MS must be ≤ CAPTURE_MAX_TIME_BUDGET_MS");
  if (settings.defaultSizeBudgetBytes > settings.maxSizeBudgetBytes) throw new ConfigError("CAPTURE_SIZE_BUDGET_BYTES must be ≤ CAPTURE_MAX_SIZE_BUDGET_BYTES");
  return settings;
}

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

function parseReplication(env: Record<string, string | undefined>): ReplicationSettings {
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
    ...(clusterUrl ? {
      cluster: {
        url: clusterUrl,
        ...(env.IPFS_CLUSTER_BASIC_AUTH ? { basicAuth: env.IPFS_CLUSTER_BASIC_AUTH } : {}),
        ...(min !== undefined ? { replicationMin: min } : {}),
        ...(max !== undefined ? { replicationMax: max } : {}),
      },
    } : {}),
    origins: (env.REPLICATION_ORIGINS ?? "").split(",").map((s) => s.trim()).filter(Boolean),
    intervalMs: int(env, "REPLICATION_INTERVAL_MS", 5_000, 50),
    pollMs: int(env, "REPLICATION_POLL_MS", 10_000, 50),
    retryMs: int(env, "REPLICATION_RETRY_MS", 5_000, 10),
  };
}

export class ConfigError extends Error {}

function int(env: Record<string, string | undefined>, key: string, fallback: number, min = 0): number {
  const raw = env[key];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < min) throw new ConfigError(`${key} must be an integer ≥ ${min}, got ${JSON.stringify(raw)}`);
  return n;
}

function parseChains(env: Record<string, string | undefined>, dataDir: string): ChainSettings[] {
  if (env.CHAINS) {
    let list: unknown;
    try {
      list = JSON.parse(env.CHAINS);
    } catch {
      throw new ConfigError("CHAINS must be a JSON array of chain objects");
    }
    if (!Array.isArray(list)) throw new ConfigError("CHAINS must be a JSON array of chain objects");
    return list.map((c, i) => {
      const o = c as Record<string, unknown>;
      if (typeof o.rpcUrl !== "string" || typeof o.chainId !== "number") throw new ConfigError(`CHAINS[${i}] needs rpcUrl and chainId`);
      return {
        name: typeof o.name === "string" ? o.name : `chain ${o.chainId}`,
        rpcUrl: o.rpcUrl,
        chainId: o.chainId,
        development: o.development === true,
        confirmations: typeof o.confirmations === "number" ? o.confirmations : 12,
        ...(typeof o.explorerUrl === "string" ? { explorerUrl: o.explorerUrl } : {}),
        ...(typeof o.publicRpcUrl === "string" ? { publicRpcUrl: o.publicRpcUrl } : {}),
        ...(typeof o.anchorerKey === "string" ? { anchorerKey: o.anchorerKey } : {}),
        ...(typeof o.anchorerKeystore === "string" ? { anchorerKeystore: o.anchorerKeystore, anchorerKeystorePassword: String(o.anchorerKeystorePassword ?? "") } : {}),
        deploymentsDir: typeof o.deploymentsDir === "string" ? o.deploymentsDir : resolve("deployments"),
      };
    });
  }
  if (!env.RPC_URL) return [];
  const chainId = int(env, "CHAIN_ID", 0, 1);
  if (!chainId) throw new ConfigError("CHAIN_ID is required with RPC_URL");
  return [{
    name: env.CHAIN_NAME ?? `chain ${chainId}`,
    rpcUrl: env.RPC_URL,
    chainId,
    development: env.CHAIN_DEVELOPMENT === "true",
    confirmations: int(env, "CONFIRMATIONS", 12, 1),
    ...(env.EXPLORER_URL ? { explorerUrl: env.EXPLORER_URL } : {}),
    ...(env.PUBLIC_RPC_URL ? { publicRpcUrl: env.PUBLIC_RPC_URL } : {}),
    ...(env.ANCHORER_PRIVATE_KEY ? { anchorerKey: env.ANCHORER_PRIVATE_KEY } : {}),
    ...(env.ANCHORER_KEYSTORE ? { anchorerKeystore: env.ANCHORER_KEYSTORE, anchorerKeystorePassword: env.ANCHORER_KEYSTORE_PASSWORD ?? "" } : {}),
    deploymentsDir: resolve(env.DEPLOYMENTS_DIR ?? "deployments"),
  }];
}

/**
 * Reads and validates the configuration from an environment.
 *
 * @example
 * const config = loadConfig({ ...process.env, DATA_DIR: "/var/lib/priorproof" });
 */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const dataDir = resolve(env.DATA_DIR ?? "data");
  const profile = env.IPFS_PROFILE ?? "unixfs-v1-2025";
  if (profile !== "unixfs-v1-2025" && profile !== "kubo-legacy") throw new ConfigError(`IPFS_PROFILE must be unixfs-v1-2025 or kubo-legacy, got ${profile}`);
  return {
    host: env.HOST ?? "127.0.0.1",
    port: int(env, "PORT", 8080),
    dataDir,
    ...(env.DATABASE_URL ? { databaseUrl: env.DATABASE_URL } : {}),
    sqlitePath: resolve(dataDir, "priorproof.db"),
    chains: parseChains(env, dataDir),
    batchIntervalMs: int(env, "BATCH_INTERVAL_MS", 5_000, 50),
    batchMaxSize: int(env, "BATCH_MAX_SIZE", 4_096, 1),
    anchorTickMs: int(env, "ANCHOR_TICK_MS", 1_000, 50),
    anchorReplaceAfterMs: int(env, "ANCHOR_REPLACE_AFTER_MS", 60_000, 100),
    maxFileBytes: int(env, "MAX_FILE_BYTES", 2 * 1024 ** 3, 1),
    maxFilesPerRequest: int(env, "MAX_FILES_PER_REQUEST", 20, 1),
    ...(env.IPFS_API_URL ? { ipfsApiUrl: env.IPFS_API_URL } : {}),
    ipfsProfile: profile,
    spoolDir: resolve(dataDir, "spool"),
    pinRetryIntervalMs: int(env, "PIN_RETRY_INTERVAL_MS", 30_000, 100),
    operator: env.OPERATOR ?? "PriorProof self-hosted instance (operator not configured: set OPERATOR)",
    ...(env.PUBLIC_URL ? { publicUrl: env.PUBLIC_URL.replace(/\/$/, "") } : {}),
    logLevel: env.LOG_LEVEL ?? "info",
    workers: env.WORKERS !== "false",
    nodeId: env.NODE_ID || `${hostname()}:${process.pid}`,
    leaseTtlMs: int(env, "LEASE_TTL_MS", 5_000, 300),
    rateLimitPerMinute: int(env, "RATE_LIMIT_PER_MINUTE", 6_000_000, 1),
    socketIdleTimeoutMs: int(env, "SOCKET_IDLE_TIMEOUT_MS", 60_000, 0),
    headersTimeoutMs: int(env, "HEADERS_TIMEOUT_MS", 30_000, 100),
    corsOrigins: (env.CORS_ORIGINS ?? "").split(",").map((s) => s.trim()).filter(Boolean),
    ...(env.TSA_URL ? { tsaUrl: env.TSA_URL } : {}),
    ...(env.TSA_CA_FILE ? { tsaCaFile: env.TSA_CA_FILE } : {}),
    ...(env.ORGANISATION_TIME_ZONE ? { organisationTimeZone: env.ORGANISATION_TIME_ZONE } : {}),
    replication: parseReplication(env),
    capture: parseCapture(env),
  };
}
