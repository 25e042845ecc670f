/**
 * The verifier's own chain registry (docs/design/format-v2.md, "EVM anchor trust"). A receipt names a
 * chain by id; everything a verdict says about that chain — its name, whether it is a development
 * chain, where to look a block up, when a block counts as final, how far a block's timestamp may lag
 * behind the moment a transaction reached it — comes from this table (plus what the user configures),
 * never from the receipt's `chainName`, `development`, `explorerUrl` or `requiredConfirmations`.
 */

/** When a block counts as final on a chain. */
export type FinalityRule =
  /** The node's `finalized` block tag (Ethereum after the Merge, and rollups that expose L1 finality). */
  | { readonly kind: "finalized-tag" }
  /** head − block + 1 ≥ confirmations, as seen by the verifier's node. */
  | { readonly kind: "confirmations"; readonly confirmations: number };

/** One chain as the verifier knows it. */
export interface ChainInfo {
  readonly chainId: number;
  readonly name: string;
  /** A development chain (anvil, a local geth --dev): anyone can mine any block; no evidential value. */
  readonly development: boolean;
  /** Block explorers, base URLs (https only; http only on development chains); `${base}/block/${n}`. */
  readonly explorers: readonly string[];
  readonly finality: FinalityRule;
  /**
   * How many seconds a block's timestamp may run behind the moment its transactions were really
   * included (the producer chooses the timestamp within the chain's rules): added to the proven time
   * by `timeBound`.
   */
  readonly blockTimeToleranceSeconds: number;
  /** False for a chain the registry does not know (a placeholder entry). */
  readonly known: boolean;
}

/**
 * The built-in table. Tolerances follow each chain's timestamp rule: Ethereum PoS blocks carry their
 * slot's start (12 s slots); OP Stack sequencers may lag L1 by up to the max sequencer drift (1 800 s);
 * Arbitrum's sequencer may set a timestamp up to 24 h in the past.
 */
export const BUILTIN_CHAINS: readonly ChainInfo[] = [
  {
    chainId: 1,
    name: "Ethereum",
    development: false,
    explorers: ["https://etherscan.io"],
    finality: { kind: "finalized-tag" },
    blockTimeToleranceSeconds: 24,
    known: true,
  },
  {
    chainId: 11155111,
    name: "Sepolia (Ethereum testnet)",
    development: false,
    explorers: ["https://sepolia.etherscan.io"],
    finality: { kind: "finalized-tag" },
    blockTimeToleranceSeconds: 24,
    known: true,
  },
  {
    chainId: 17000,
    name: "Holešky (Ethereum testnet)",
    development: false,
    explorers: ["https://holesky.etherscan.io"],
    finality: { kind: "finalized-tag" },
    blockTimeToleranceSeconds: 24,
    known: true,
  },
  {
    chainId: 560048,
    name: "Hoodi (Ethereum testnet)",
    development: false,
    explorers: ["https://hoodi.etherscan.io"],
    finality: { kind: "finalized-tag" },
    blockTimeToleranceSeconds: 24,
    known: true,
  },
  {
    chainId: 10,
    name: "OP Mainnet",
    development: false,
    explorers: ["https://optimistic.etherscan.io"],
    finality: { kind: "finalized-tag" },
    blockTimeToleranceSeconds: 1_800,
    known: true,
  },
  {
    chainId: 8453,
    name: "Base",
    development: false,
    explorers: ["https://basescan.org"],
    finality: { kind: "finalized-tag" },
    blockTimeToleranceSeconds: 1_800,
    known: true,
  },
  {
    chainId: 42161,
    name: "Arbitrum One",
    development: false,
    explorers: ["https://arbiscan.io"],
    finality: { kind: "finalized-tag" },
    blockTimeToleranceSeconds: 86_400,
    known: true,
  },
  {
    chainId: 137,
    name: "Polygon PoS",
    development: false,
    explorers: ["https://polygonscan.com"],
    finality: { kind: "finalized-tag" },
    blockTimeToleranceSeconds: 30,
    known: true,
  },
  {
    chainId: 31337,
    name: "anvil / Hardhat (development chain)",
    development: true,
    explorers: [],
    finality: { kind: "confirmations", confirmations: 2 },
    blockTimeToleranceSeconds: 15,
    known: true,
  },
  {
    chainId: 1337,
    name: "local development chain (geth --dev / Ganache)",
    development: true,
    explorers: [],
    finality: { kind: "confirmations", confirmations: 2 },
    blockTimeToleranceSeconds: 15,
    known: true,
  },
];

/** The chain ids that are development chains whatever anyone configures. */
export const DEVELOPMENT_CHAIN_IDS: ReadonlySet<number> = new Set([31337, 1337]);

/** A registry: the built-in table plus the user's own entries (which may add chains, not relabel dev chains). */
export interface ChainRegistry {
  get(chainId: number): ChainInfo;
}

/** Whether an explorer base URL may be offered for this chain: https, or http on a development chain. */
export function isAllowedExplorer(url: string, development: boolean): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (u.username || u.password || u.search || u.hash) return false;
  return u.protocol === "https:" || (development && u.protocol === "http:");
}

/**
 * A registry over the built-in table and `extra` entries (user configuration). A user entry may add a
 * chain or change a known one's explorers, finality or tolerance; 31337 and 1337 stay development
 * chains; explorers that are not https (http only on development chains) are dropped.
 *
 * @example
 * createChainRegistry().get(31337).development // true
 * createChainRegistry().get(999).known // false
 */
export function createChainRegistry(extra: readonly Partial<ChainInfo>[] = []): ChainRegistry {
  const table = new Map<number, ChainInfo>(BUILTIN_CHAINS.map((c) => [c.chainId, c]));
  for (const e of extra) {
    if (typeof e.chainId !== "number" || !Number.isSafeInteger(e.chainId) || e.chainId < 1) continue;
    const base = table.get(e.chainId) ?? unknownChain(e.chainId);
    const development = DEVELOPMENT_CHAIN_IDS.has(e.chainId) || (e.development ?? base.development);
    table.set(e.chainId, {
      ...base,
      ...e,
      chainId: e.chainId,
      development,
      explorers: (e.explorers ?? base.explorers).filter((x) => isAllowedExplorer(x, development)),
      known: true,
    } as ChainInfo);
  }
  return { get: (chainId) => table.get(chainId) ?? unknownChain(chainId) };
}

/** What the verifier says of a chain it does not know: no name, no explorer, a cautious finality rule. */
function unknownChain(chainId: number): ChainInfo {
  return {
    chainId,
    name: `chain ${chainId} (not in the verifier's registry)`,
    development: DEVELOPMENT_CHAIN_IDS.has(chainId),
    explorers: [],
    finality: { kind: "confirmations", confirmations: 64 },
    blockTimeToleranceSeconds: 3_600,
    known: false,
  };
}

/** The default registry (built-in table only). */
export const DEFAULT_CHAIN_REGISTRY: ChainRegistry = createChainRegistry();

/**
 * The registry's explorer page of a block, or undefined when the registry lists no explorer.
 *
 * @example
 * explorerBlockUrl(DEFAULT_CHAIN_REGISTRY.get(11155111), 7) // "https://sepolia.etherscan.io/block/7"
 */
export function explorerBlockUrl(chain: ChainInfo, blockNumber: number | bigint): string | undefined {
  const base = chain.explorers.find((x) => isAllowedExplorer(x, chain.development));
  return base ? `${base.replace(/\/+$/, "")}/block/${blockNumber}` : undefined;
}
