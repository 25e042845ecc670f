/**
 * Service configuration: every setting, its environment variable and its default. Only the config
 * plugin (and the CLI entry points, which build the config for it) call `loadConfig(process.env)`.
 * Documented in docs/configuration.md.
 */
import { hostname } from "node:os";
import { resolve } from "node:path";
import { InternalError } from "./errors.ts";

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
  /** Anchor transactions (replacements included) sent per rolling hour at most; 0: no limit. */
  readonly maxTxPerHour?: number;
  /** Highest max fee per gas an anchor transaction may pay, in wei; 0 or absent: no ceiling. */
  readonly maxGasPriceWei?: bigint;
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

export interface EventSettings {
  /** Open `/v1/events` streams per API key on one node. */
  readonly streamsPerKey: number;
  /** Open `/v1/events` streams on one node, all keys together. */
  readonly streamsMax: number;
  /** How long outbox events are kept for `Last-Event-ID` resume. */
  readonly retentionMs: number;
  /** Webhook targets may resolve to private, loopback and link-local addresses (WEBHOOK_ALLOW_PRIVATE=true). */
  readonly webhookAllowPrivate: boolean;
  /** Time allowed for one delivery (connect, send, answer). */
  readonly webhookTimeoutMs: number;
  /** How long a delivery is retried (exponential backoff) before it is marked failed. */
  readonly webhookRetryForMs: number;
  /** First retry delay; doubles per attempt (capped at an hour). */
  readonly webhookBackoffMs: number;
  /** How often the delivery worker looks for new events and due retries. */
  readonly webhookIntervalMs: number;
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

export interface IpfsNodeSettings {
  /** libp2p listen multiaddrs (TCP and WebSocket). */
  readonly listen: readonly string[];
  /** Run the Amino DHT in server mode and announce published content on it. */
  readonly dht: boolean;
  /** Delegated Routing V1 HTTP endpoint. */
  readonly delegatedRoutingUrl?: string;
  /** Peers dialled at start (multiaddrs with /p2p/), e.g. DHT bootstrap peers. */
  readonly bootstrap: readonly string[];
}

/** Loopback only, ports chosen at start: reachable from this host, never from the network unless configured. */
const DEFAULT_IPFS_NODE_LISTEN = "/ip4/127.0.0.1/tcp/0,/ip4/127.0.0.1/tcp/0/ws";

function parseIpfsNode(env: Record<string, string | undefined>): IpfsNodeSettings | undefined {
  const enabled = env.IPFS_NODE ?? "true";
  if (enabled !== "true" && enabled !== "false") throw new ConfigError(`IPFS_NODE must be true or false, got ${JSON.stringify(enabled)}`);
  if (enabled === "false" || env.IPFS_API_URL) return undefined;
  const list = (key: string, fallback = "") => (env[key] ?? fallback).split(",").map((s) => s.trim()).filter(Boolean);
  const listen = list("IPFS_NODE_LISTEN", DEFAULT_IPFS_NODE_LISTEN);
  for (const address of [...listen, ...list("IPFS_NODE_BOOTSTRAP")]) {
    if (!/^\/(ip4|ip6|dns|dns4|dns6)\/[^/]+\/tcp\/\d+(\/(ws|wss|p2p\/\w+))*$/.test(address)) throw new ConfigError(`not a TCP or WebSocket multiaddr: ${JSON.stringify(address)} (IPFS_NODE_LISTEN, IPFS_NODE_BOOTSTRAP)`);
  }
  const dht = env.IPFS_NODE_DHT ?? "false";
  if (dht !== "true" && dht !== "false") throw new ConfigError(`IPFS_NODE_DHT must be true or false, got ${JSON.stringify(dht)}`);
  const routingUrl = env.IPFS_NODE_DELEGATED_ROUTING_URL;
  if (routingUrl) {
    let ok = false;
    try {
      ok = ["http:", "https:"].includes(new URL(routingUrl).protocol);
    } catch {
      // reported below
    }
    if (!ok) throw new ConfigError(`IPFS_NODE_DELEGATED_ROUTING_URL must be an http(s) URL, got ${JSON.stringify(routingUrl)}`);
  }
  return { listen, dht: dht === "true", ...(routingUrl ? { delegatedRoutingUrl: routingUrl } : {}), bootstrap: list("IPFS_NODE_BOOTSTRAP") };
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

/** A setting that cannot be used: the process refuses to start with it. */
export class ConfigError extends InternalError {}

function int(env: Record<string, string | undefined>, key: string, fallback: number, min = 0): number {
  const raw = env[key];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < min) throw new ConfigError(`${key} must be an integer ≥ ${min}, got ${JSON.stringify(raw)}`);
  return n;
}

function parseChains(env: Record<string, string | undefined>): ChainSettings[] {
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
        ...(typeof o.explorerUrl === "string" ? { explorerUrl: explorerUrl(o.explorerUrl, o.development === true, `CHAINS[${i}].explorerUrl`) } : {}),
        ...(typeof o.publicRpcUrl === "string" ? { publicRpcUrl: o.publicRpcUrl } : {}),
        ...(typeof o.anchorerKey === "string" ? { anchorerKey: o.anchorerKey } : {}),
        ...(typeof o.anchorerKeystore === "string" ? { anchorerKeystore: o.anchorerKeystore, anchorerKeystorePassword: String(o.anchorerKeystorePassword ?? "") } : {}),
        deploymentsDir: typeof o.deploymentsDir === "string" ? o.deploymentsDir : resolve("deployments"),
        ...anchorBudget(env, o.development === true, o.maxTxPerHour, o.maxGasPriceGwei),
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
    ...(env.EXPLORER_URL ? { explorerUrl: explorerUrl(env.EXPLORER_URL, env.CHAIN_DEVELOPMENT === "true", "EXPLORER_URL") } : {}),
    ...(env.PUBLIC_RPC_URL ? { publicRpcUrl: env.PUBLIC_RPC_URL } : {}),
    ...(env.ANCHORER_PRIVATE_KEY ? { anchorerKey: env.ANCHORER_PRIVATE_KEY } : {}),
    ...(env.ANCHORER_KEYSTORE ? { anchorerKeystore: env.ANCHORER_KEYSTORE, anchorerKeystorePassword: env.ANCHORER_KEYSTORE_PASSWORD ?? "" } : {}),
    deploymentsDir: resolve(env.DEPLOYMENTS_DIR ?? "deployments"),
    ...anchorBudget(env, env.CHAIN_DEVELOPMENT === "true"),
  }];
}

function jurisdiction(raw: string | undefined): "cn" | "us" | "eu" {
  if (raw === undefined || raw === "") return "eu";
  if (raw !== "cn" && raw !== "us" && raw !== "eu") throw new ConfigError(`CERTIFICATE_JURISDICTION must be cn, us or eu, got ${JSON.stringify(raw)}`);
  return raw;
}

/**
 * A block explorer's base URL becomes links in receipts, certificates and pages: only https: (http:
 * for a development chain), never javascript:, data: or any other scheme.
 */
function explorerUrl(raw: string, development: boolean, key: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`${key} must be an https URL, got ${JSON.stringify(raw)}`);
  }
  if (url.protocol !== "https:" && !(development && url.protocol === "http:")) {
    throw new ConfigError(`${key} must be an https URL${development ? " (or http for a development chain)" : ""}, got ${JSON.stringify(raw)}`);
  }
  return raw;
}

/**
 * A chain's anchoring budget: ANCHOR_MAX_TX_PER_HOUR (default 60) and ANCHOR_MAX_GAS_PRICE_GWEI
 * (default 500), or a CHAINS entry's `maxTxPerHour` / `maxGasPriceGwei`. Development chains cost
 * nothing, so they have no budget unless one is set explicitly.
 */
function anchorBudget(env: Record<string, string | undefined>, development: boolean, txPerHour?: unknown, gasGwei?: unknown): { maxTxPerHour: number; maxGasPriceWei: bigint } {
  const explicitTx = typeof txPerHour === "number" ? txPerHour : env.ANCHOR_MAX_TX_PER_HOUR ? int(env, "ANCHOR_MAX_TX_PER_HOUR", 60, 0) : undefined;
  const explicitGwei = typeof gasGwei === "number" ? gasGwei : env.ANCHOR_MAX_GAS_PRICE_GWEI ? Number(env.ANCHOR_MAX_GAS_PRICE_GWEI) : undefined;
  if (explicitGwei !== undefined && !(Number.isFinite(explicitGwei) && explicitGwei >= 0)) throw new ConfigError(`ANCHOR_MAX_GAS_PRICE_GWEI must be a number ≥ 0, got ${JSON.stringify(env.ANCHOR_MAX_GAS_PRICE_GWEI)}`);
  const gwei = explicitGwei ?? (development ? 0 : 500);
  return { maxTxPerHour: explicitTx ?? (development ? 0 : 60), maxGasPriceWei: BigInt(Math.round(gwei * 1e9)) };
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
    corsOrigins: (env.CORS_ORIGINS ?? "").split(",").map((s) => s.trim()).filter(Boolean),
    ...(env.TSA_URL ? { tsaUrl: env.TSA_URL } : {}),
    ...(env.TSA_CA_FILE ? { tsaCaFile: env.TSA_CA_FILE } : {}),
    ...(env.SIGNER_CA_FILE ? { signerCaFile: env.SIGNER_CA_FILE } : {}),
    ...(env.ORGANISATION_TIME_ZONE ? { organisationTimeZone: env.ORGANISATION_TIME_ZONE } : {}),
    replication: parseReplication(env),
    capture: parseCapture(env),
    events: {
      streamsPerKey: int(env, "EVENT_STREAMS_PER_KEY", 8, 1),
      streamsMax: int(env, "EVENT_STREAMS_MAX", 500, 1),
      retentionMs: int(env, "EVENTS_RETENTION_HOURS", 168, 1) * 3_600_000,
      webhookAllowPrivate: env.WEBHOOK_ALLOW_PRIVATE === "true",
      webhookTimeoutMs: int(env, "WEBHOOK_TIMEOUT_MS", 10_000, 100),
      webhookRetryForMs: int(env, "WEBHOOK_RETRY_HOURS", 72, 1) * 3_600_000,
      webhookBackoffMs: int(env, "WEBHOOK_BACKOFF_MS", 5_000, 10),
      webhookIntervalMs: int(env, "WEBHOOK_INTERVAL_MS", 1_000, 20),
    },
  };
}
