/**
 * Service configuration: every setting, its environment variable and its default. Only the config
 * plugin (and the CLI entry points, which build the config for it) call `loadConfig(process.env)`.
 * Documented in docs/configuration.md.
 */
import { hostname } from "node:os";
import { resolve } from "node:path";
import { parseCapture, type CaptureSettings } from "./config/capture.ts";
import { parseChains, type ChainSettings } from "./config/chains.ts";
import { ConfigError, int, type Env } from "./config/env.ts";
import { parseEvents, type EventSettings } from "./config/events.ts";
import { parseIpfsNode, type IpfsNodeSettings } from "./config/ipfs-node.ts";
import { parseReplication, type ReplicationSettings } from "./config/replication.ts";

// Each area of the configuration lives in config/; this module composes them (and keeps its exports).
export type { CaptureSettings, ChainSettings, EventSettings, IpfsNodeSettings, ReplicationSettings };
export { ConfigError };

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
  /** The embedded store's IPFS node (libp2p, Bitswap); absent with IPFS_NODE=false or a Kubo backend. */
  readonly ipfsNode?: IpfsNodeSettings;
  /** Where uploads are spooled while they are imported, and kept while IPFS is unavailable (`<dataDir>/spool`). */
  readonly spoolDir: string;
  /** How often the pin retry worker imports spooled uploads into IPFS. */
  readonly pinRetryIntervalMs: number;
  readonly operator: string;
  /** Whether OPERATOR was set (else `operator` is a placeholder, refused on non-development certificates). */
  readonly operatorConfigured: boolean;
  readonly publicUrl?: string;
  /** Default legal text of certificates (`cn`, `us` or `eu`; CERTIFICATE_JURISDICTION). */
  readonly certificateJurisdiction: "cn" | "us" | "eu";
  readonly logLevel: string;
  /** Run the batcher and the anchorer in this process (the one holding each chain's lease, when several do). */
  readonly workers: boolean;
  /** This process's name in leases: unique per process (default `<hostname>:<pid>`). */
  readonly nodeId: string;
  /** How long a lease (e.g. `anchorer:<chainId>`) lasts unless renewed; renewed every third of it. */
  readonly leaseTtlMs: number;
  /** Requests a minute per API key. */
  readonly rateLimitPerMinute: number;
  /** Requests a minute per client IP for requests without a valid API key (public and anonymous routes). */
  readonly rateLimitAnonymousPerMinute: number;
  /** Uploads (POST /v1/evidence) open at once per API key, and in the whole process. */
  readonly maxUploadsPerKey: number;
  readonly maxUploadsTotal: number;
  /** Threads hashing uploads (one fixed pool shared by every upload). */
  readonly hashThreads: number;
  /** Downloads (GET /ipfs/:cid) open at once per API key, and in the whole process. */
  readonly maxDownloadsPerKey: number;
  readonly maxDownloadsTotal: number;
  /** A download whose client takes nothing for this long is disconnected. */
  readonly downloadStallTimeoutMs: number;
  /** How often an upload in flight re-checks that its API key is not revoked. */
  readonly revocationCheckMs: number;
  /** Entries a tenant may create per UTC day (0: no quota). */
  readonly dailyStampQuota: number;
  /** Largest JSON request body, in bytes. */
  readonly jsonBodyLimitBytes: number;
  /** Most arrays and objects in one JSON request body (refused before it is parsed). */
  readonly jsonMaxContainers: number;
  /**
   * Which proxies' X-Forwarded-For to believe for the client address (per-IP rate limits): `true`,
   * a hop count, or comma-separated addresses/CIDRs. Unset: the socket's peer address.
   */
  readonly trustProxy?: boolean | number | string;
  /** Bearer token of GET /metrics; unset: /metrics is not served. */
  readonly metricsToken?: string;
  /** A connection silent this long (no byte either way) is closed; 0 disables. */
  readonly socketIdleTimeoutMs: number;
  /** The request line and headers must arrive within this long (slow-loris headers), else 408. */
  readonly headersTimeoutMs: number;
  /**
   * A request body must arrive at no less than this many bytes a second, averaged from its first
   * byte (after a grace of `minBodyRateGraceMs`), else 408: a body trickling one byte under every idle
   * timeout cannot hold a connection forever. 0 disables.
   */
  readonly minBodyBytesPerSecond: number;
  readonly minBodyRateGraceMs: number;
  /** How long Idempotency-Keys are kept per tenant (at least 24 h). */
  readonly idempotencyKeyTtlMs: number;
  /**
   * Tests only: a directory of fault points. When a file named after a point exists there (e.g.
   * `fenced-tx`, `after-batch-close`, `before-broadcast`, `after-commit`), the first process to reach
   * the point claims the file and, by its content, stops itself (`stop`: SIGSTOP) or dies (`kill`).
   */
  readonly testFaultDir?: string;
  readonly corsOrigins: readonly string[];
  readonly tsaUrl?: string;
  readonly tsaCaFile?: string;
  /** PEM CA certificates claimant signatures must chain to on arrival (optional; without: math and binding only). */
  readonly signerCaFile?: string;
  readonly organisationTimeZone?: string;
  /** Remote pinners that receive a replica of every stored file (empty: no replication). */
  readonly replication: ReplicationSettings;
  /** Web captures (docs/capture.md). */
  readonly capture: CaptureSettings;
  /** Events (GET /v1/events, webhooks): stream budgets, outbox retention, webhook delivery. */
  readonly events: EventSettings;
}

function jurisdiction(raw: string | undefined): "cn" | "us" | "eu" {
  if (raw === undefined || raw === "") return "eu";
  if (raw !== "cn" && raw !== "us" && raw !== "eu") throw new ConfigError(`CERTIFICATE_JURISDICTION must be cn, us or eu, got ${JSON.stringify(raw)}`);
  return raw;
}

/**
 * Reads and validates the configuration from an environment.
 *
 * @example
 * const config = loadConfig({ ...process.env, DATA_DIR: "/var/lib/priorproof" });
 */
export function loadConfig(env: Env): Config {
  const dataDir = resolve(env.DATA_DIR ?? "data");
  const profile = env.IPFS_PROFILE ?? "unixfs-v1-2025";
  if (profile !== "unixfs-v1-2025" && profile !== "kubo-legacy") throw new ConfigError(`IPFS_PROFILE must be unixfs-v1-2025 or kubo-legacy, got ${profile}`);
  return {
    host: env.HOST ?? "127.0.0.1",
    port: int(env, "PORT", 8080),
    dataDir,
    ...(env.DATABASE_URL ? { databaseUrl: env.DATABASE_URL } : {}),
    sqlitePath: resolve(dataDir, "priorproof.db"),
    chains: parseChains(env),
    batchIntervalMs: int(env, "BATCH_INTERVAL_MS", 5_000, 50),
    batchMaxSize: int(env, "BATCH_MAX_SIZE", 4_096, 1),
    anchorTickMs: int(env, "ANCHOR_TICK_MS", 1_000, 50),
    anchorReplaceAfterMs: int(env, "ANCHOR_REPLACE_AFTER_MS", 60_000, 100),
    maxFileBytes: int(env, "MAX_FILE_BYTES", 2 * 1024 ** 3, 1),
    maxFilesPerRequest: int(env, "MAX_FILES_PER_REQUEST", 20, 1),
    ...(env.IPFS_API_URL ? { ipfsApiUrl: env.IPFS_API_URL } : {}),
    ipfsProfile: profile,
    ...(() => {
      const node = parseIpfsNode(env);
      return node ? { ipfsNode: node } : {};
    })(),
    spoolDir: resolve(dataDir, "spool"),
    pinRetryIntervalMs: int(env, "PIN_RETRY_INTERVAL_MS", 30_000, 100),
    operator: env.OPERATOR ?? "PriorProof self-hosted instance (operator not configured: set OPERATOR)",
    operatorConfigured: Boolean(env.OPERATOR),
    ...(env.PUBLIC_URL ? { publicUrl: env.PUBLIC_URL.replace(/\/$/, "") } : {}),
    certificateJurisdiction: jurisdiction(env.CERTIFICATE_JURISDICTION),
    logLevel: env.LOG_LEVEL ?? "info",
    workers: env.WORKERS !== "false",
    nodeId: env.NODE_ID || `${hostname()}:${process.pid}`,
    leaseTtlMs: int(env, "LEASE_TTL_MS", 5_000, 300),
    rateLimitPerMinute: int(env, "RATE_LIMIT_PER_MINUTE", 600, 1),
    // Anonymous clients never get more than a key does.
    rateLimitAnonymousPerMinute: int(env, "RATE_LIMIT_ANONYMOUS_PER_MINUTE", Math.min(120, int(env, "RATE_LIMIT_PER_MINUTE", 600, 1)), 1),
    maxUploadsPerKey: int(env, "MAX_UPLOADS_PER_KEY", 4, 1),
    maxUploadsTotal: int(env, "MAX_UPLOADS_TOTAL", 16, 1),
    hashThreads: int(env, "HASH_THREADS", 2, 1),
    maxDownloadsPerKey: int(env, "MAX_DOWNLOADS_PER_KEY", 8, 1),
    maxDownloadsTotal: int(env, "MAX_DOWNLOADS_TOTAL", 32, 1),
    downloadStallTimeoutMs: int(env, "DOWNLOAD_STALL_TIMEOUT_MS", 30_000, 100),
    revocationCheckMs: int(env, "REVOCATION_CHECK_MS", 500, 50),
    dailyStampQuota: int(env, "DAILY_STAMP_QUOTA", 10_000, 0),
    jsonBodyLimitBytes: int(env, "JSON_BODY_LIMIT_BYTES", 1024 * 1024, 1024),
    jsonMaxContainers: int(env, "JSON_MAX_CONTAINERS", 50_000, 10),
    ...(env.METRICS_TOKEN ? { metricsToken: env.METRICS_TOKEN } : {}),
    ...(env.TRUST_PROXY ? { trustProxy: env.TRUST_PROXY === "true" ? true : /^\d+$/.test(env.TRUST_PROXY) ? Number(env.TRUST_PROXY) : env.TRUST_PROXY } : {}),
    socketIdleTimeoutMs: int(env, "SOCKET_IDLE_TIMEOUT_MS", 60_000, 0),
    headersTimeoutMs: int(env, "HEADERS_TIMEOUT_MS", 30_000, 100),
    minBodyBytesPerSecond: int(env, "MIN_BODY_BYTES_PER_SECOND", 1_024, 0),
    minBodyRateGraceMs: int(env, "MIN_BODY_RATE_GRACE_MS", 10_000, 0),
    idempotencyKeyTtlMs: int(env, "IDEMPOTENCY_KEY_TTL_MS", 86_400_000, 86_400_000),
    ...(env.TEST_FAULT_DIR ? { testFaultDir: resolve(env.TEST_FAULT_DIR) } : {}),
    corsOrigins: (env.CORS_ORIGINS ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
    ...(env.TSA_URL ? { tsaUrl: env.TSA_URL } : {}),
    ...(env.TSA_CA_FILE ? { tsaCaFile: env.TSA_CA_FILE } : {}),
    ...(env.SIGNER_CA_FILE ? { signerCaFile: env.SIGNER_CA_FILE } : {}),
    ...(env.ORGANISATION_TIME_ZONE ? { organisationTimeZone: env.ORGANISATION_TIME_ZONE } : {}),
    replication: parseReplication(env),
    capture: parseCapture(env),
    events: parseEvents(env),
  };
}
