/**
 * The verifier's view of a chain (`ChainReader`) and what needs no JSON-RPC encoding: the default
 * timeout and the caching wrapper. Kept apart from anchor.ts (which builds readers over JSON-RPC with
 * ethers' ABI coder) so that the verification core imports no ethers: the browser core stays small and
 * loads the readers on demand.
 */
import type { Hex } from "./receipt.ts";

/** Default timeout of one JSON-RPC call (SDK, CLI `--rpc-timeout`). */
export const DEFAULT_RPC_TIMEOUT_MS = 15_000;

/** What a chain says about an anchored root (all zero when it never saw it). */
export interface OnChainAnchor {
  readonly timestamp: bigint;
  readonly blockNumber: bigint;
  readonly treeSize: bigint;
}

/** A block as the node reports it. */
export interface ChainBlock {
  readonly hash: Hex;
  readonly number: bigint;
  readonly timestamp: bigint;
}

/** A log as the node reports it (lower-case hex). */
export interface ChainLog {
  readonly address: Hex;
  readonly topics: readonly Hex[];
  readonly data: Hex;
}

/** A transaction receipt as the node reports it. */
export interface ChainTransactionReceipt {
  readonly transactionHash: Hex;
  /** 1 success, 0 reverted. */
  readonly status: number;
  readonly blockHash: Hex;
  readonly blockNumber: bigint;
  readonly logs: readonly ChainLog[];
}

/** A block number, or a tag the node resolves. */
export type BlockTag = bigint | "latest" | "finalized";

/** Read-only access to one EVM chain, as the verifier needs it. Every method may throw `AnchorError`. */
export interface ChainReader {
  getChainId(): Promise<bigint>;
  /** The head as the node sees it now. */
  getBlockNumber(): Promise<bigint>;
  /** A canonical block by number or tag; undefined when the node has none (or no `finalized` tag). */
  getBlock(tag: BlockTag): Promise<ChainBlock | undefined>;
  getBlockByHash(hash: string): Promise<ChainBlock | undefined>;
  getTransactionReceipt(txHash: string): Promise<ChainTransactionReceipt | undefined>;
  /**
   * The runtime code at `address` at a block (or latest); `0x` when there is none. Throws
   * `STATE_UNAVAILABLE` when the node keeps no state for that block (not an archive node).
   */
  getCode(address: string, at: bigint | "latest"): Promise<Hex>;
  /** The contract's `getAnchor` view (a cross-check only). */
  getAnchor(contract: string, root: string): Promise<OnChainAnchor>;
  /** The contract's own verify view, so the chain itself re-checks the inclusion path (a cross-check). */
  verifyInclusionOnChain(
    contract: string,
    args: { leafHash: string; index: bigint; treeSize: bigint; path: readonly string[]; root: string },
  ): Promise<{ included: boolean; anchoredAt: bigint }>;
}

/**
 * Wraps a reader so that facts that cannot change are asked once: the chain id, a transaction receipt
 * and a block by hash (content-addressed), code at a given block; a block by number for `blockTtlMs`
 * (a reorganisation can still replace a recent block), code at latest and the head for `headTtlMs`.
 * Verifying many receipts of one batch then costs a few calls per root.
 *
 * @example
 * const reader = cachedChainReader(createChainReader(url));
 */
export function cachedChainReader(reader: ChainReader, options: { blockTtlMs?: number; headTtlMs?: number } = {}): ChainReader {
  const blockTtl = options.blockTtlMs ?? 10_000;
  const headTtl = options.headTtlMs ?? 1_000;
  const cache = new Map<string, { at: number; ttl: number; value: Promise<unknown> }>();
  const once = <T>(key: string, ttl: number, f: () => Promise<T>): Promise<T> => {
    const hit = cache.get(key);
    if (hit && Date.now() - hit.at <= hit.ttl) return hit.value as Promise<T>;
    const value = f();
    cache.set(key, { at: Date.now(), ttl, value });
    value.catch(() => cache.delete(key));
    if (cache.size > 4_096) cache.delete(cache.keys().next().value as string);
    return value;
  };
  const forever = Number.POSITIVE_INFINITY;
  return {
    getChainId: () => once("id", forever, () => reader.getChainId()),
    getBlockNumber: () => once("head", headTtl, () => reader.getBlockNumber()),
    getBlock: (tag) => once(`block:${tag}`, typeof tag === "bigint" ? blockTtl : headTtl, () => reader.getBlock(tag)),
    getBlockByHash: (hash) => once(`hash:${hash.toLowerCase()}`, forever, () => reader.getBlockByHash(hash)),
    // A receipt that is not there yet may appear: only a found one is kept.
    getTransactionReceipt: (tx) =>
      once(`tx:${tx.toLowerCase()}`, forever, () => reader.getTransactionReceipt(tx)).then((r) => {
        if (!r) cache.delete(`tx:${tx.toLowerCase()}`);
        return r;
      }),
    getCode: (address, at) => once(`code:${address.toLowerCase()}:${at}`, at === "latest" ? headTtl : forever, () => reader.getCode(address, at)),
    getAnchor: (contract, root) => reader.getAnchor(contract, root),
    verifyInclusionOnChain: (contract, args) => reader.verifyInclusionOnChain(contract, args),
  };
}
