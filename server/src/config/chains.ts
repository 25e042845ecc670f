/**
 * Chain settings: the chains to anchor on (CHAINS, or RPC_URL and its companions), their block
 * explorer links and their anchoring budgets. Documented in docs/configuration.md.
 */
import { resolve } from "node:path";
import { ConfigError, int, type Env } from "./env.ts";

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

/** The chains to anchor on: the CHAINS JSON array, else the one chain of RPC_URL, else none. */
export function parseChains(env: Env): ChainSettings[] {
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
        ...(typeof o.anchorerKeystore === "string"
          ? { anchorerKeystore: o.anchorerKeystore, anchorerKeystorePassword: String(o.anchorerKeystorePassword ?? "") }
          : {}),
        deploymentsDir: typeof o.deploymentsDir === "string" ? o.deploymentsDir : resolve("deployments"),
        ...anchorBudget(env, o.development === true, o.maxTxPerHour, o.maxGasPriceGwei),
      };
    });
  }
  if (!env.RPC_URL) return [];
  const chainId = int(env, "CHAIN_ID", 0, 1);
  if (!chainId) throw new ConfigError("CHAIN_ID is required with RPC_URL");
  return [
    {
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
    },
  ];
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
function anchorBudget(env: Env, development: boolean, txPerHour?: unknown, gasGwei?: unknown): { maxTxPerHour: number; maxGasPriceWei: bigint } {
  const explicitTx = typeof txPerHour === "number" ? txPerHour : env.ANCHOR_MAX_TX_PER_HOUR ? int(env, "ANCHOR_MAX_TX_PER_HOUR", 60, 0) : undefined;
  const explicitGwei = typeof gasGwei === "number" ? gasGwei : env.ANCHOR_MAX_GAS_PRICE_GWEI ? Number(env.ANCHOR_MAX_GAS_PRICE_GWEI) : undefined;
  if (explicitGwei !== undefined && !(Number.isFinite(explicitGwei) && explicitGwei >= 0))
    throw new ConfigError(`ANCHOR_MAX_GAS_PRICE_GWEI must be a number ≥ 0, got ${JSON.stringify(env.ANCHOR_MAX_GAS_PRICE_GWEI)}`);
  const gwei = explicitGwei ?? (development ? 0 : 500);
  return { maxTxPerHour: explicitTx ?? (development ? 0 : 60), maxGasPriceWei: BigInt(Math.round(gwei * 1e9)) };
}
