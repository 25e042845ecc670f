/**
 * Chain lookups for EVM anchors. The verification core takes a `ChainReader` (injected, like viem's
 * actions take a client) so it does no I/O itself; `createChainReader` builds one over ethers v6 for
 * any JSON-RPC URL or provider.
 */
import { Contract, JsonRpcProvider, type Provider } from "ethers";
import { AnchorError } from "./errors.ts";

/** The ABI fragments the verifier needs from EvidenceAnchor (see contracts/IEvidenceAnchor.sol). */
export const EVIDENCE_ANCHOR_ABI = [
  "function getAnchor(bytes32 root) view returns (tuple(uint64 timestamp, uint64 blockNumber, uint64 treeSize))",
  "function verifyInclusion(bytes32 leafHash, uint256 index, uint256 treeSize, bytes32[] path, bytes32 root) view returns (bool included, uint64 anchoredAt)",
  "event Anchored(bytes32 indexed root, uint64 treeSize, address indexed anchorer)",
] as const;

/** What a chain says about an anchored root (all zero when it never saw it). */
export interface OnChainAnchor {
  readonly timestamp: bigint;
  readonly blockNumber: bigint;
  readonly treeSize: bigint;
}

/** Read-only access to one EVM chain, as the verifier needs it. */
export interface ChainReader {
  getChainId(): Promise<bigint>;
  getBlockNumber(): Promise<bigint>;
  getBlock(blockNumber: bigint): Promise<{ hash: string; timestamp: bigint } | undefined>;
  /** Whether any code is deployed at `address`. */
  hasCode(address: string): Promise<boolean>;
  getAnchor(contract: string, root: string): Promise<OnChainAnchor>;
  /** The contract's own verify view, so the chain itself re-checks the inclusion path. */
  verifyInclusionOnChain(
    contract: string,
    args: { leafHash: string; index: bigint; treeSize: bigint; path: readonly string[]; root: string },
  ): Promise<{ included: boolean; anchoredAt: bigint }>;
}

/**
 * A `ChainReader` over ethers v6.
 *
 * @example
 * const reader = createChainReader("https://rpc.example.org");
 * const verdict = await verifyReceipt(receipt, { sha256, chains: { [receipt.anchors[0].chainId]: reader } });
 */
export function createChainReader(providerOrUrl: Provider | string): ChainReader & { destroy(): void } {
  const owned = typeof providerOrUrl === "string";
  const provider = owned ? new JsonRpcProvider(providerOrUrl, undefined, { staticNetwork: false }) : providerOrUrl;
  const wrap = async <T>(what: string, f: () => Promise<T>): Promise<T> => {
    try {
      return await f();
    } catch (cause) {
      throw new AnchorError("CHAIN_UNREACHABLE", `chain lookup failed (${what}): ${cause instanceof Error ? cause.message.slice(0, 200) : String(cause)}`, { cause });
    }
  };
  return {
    getChainId: () => wrap("chain id", async () => (await provider.getNetwork()).chainId),
    // Asked of the node each time (ethers caches getBlockNumber() for a polling interval).
    getBlockNumber: () => wrap("block number", async () => BigInt(provider instanceof JsonRpcProvider ? ((await provider.send("eth_blockNumber", [])) as string) : await provider.getBlockNumber())),
    getBlock: (n) =>
      wrap(`block ${n}`, async () => {
        const b = await provider.getBlock(n);
        return b?.hash ? { hash: b.hash, timestamp: BigInt(b.timestamp) } : undefined;
      }),
    hasCode: (address) => wrap(`code at ${address}`, async () => (await provider.getCode(address)) !== "0x"),
    getAnchor: (contract, root) =>
      wrap(`anchor ${root}`, async () => {
        const c = new Contract(contract, EVIDENCE_ANCHOR_ABI, provider);
        const a = (await c.getFunction("getAnchor")(root)) as { timestamp: bigint; blockNumber: bigint; treeSize: bigint };
        return { timestamp: BigInt(a.timestamp), blockNumber: BigInt(a.blockNumber), treeSize: BigInt(a.treeSize) };
      }),
    verifyInclusionOnChain: (contract, a) =>
      wrap(`verifyInclusion ${a.root}`, async () => {
        const c = new Contract(contract, EVIDENCE_ANCHOR_ABI, provider);
        const [included, anchoredAt] = (await c.getFunction("verifyInclusion")(a.leafHash, a.index, a.treeSize, a.path, a.root)) as [boolean, bigint];
        return { included, anchoredAt: BigInt(anchoredAt) };
      }),
    destroy() {
      if (owned) (provider as JsonRpcProvider).destroy();
    },
  };
}

/**
 * Wraps a reader so that facts that cannot change are asked once: the chain id, whether code exists at
 * an address, a root's anchor once it is non-zero (the contract never rewrites it), and a block's hash
 * and time for `blockTtlMs` (a reorganisation can still replace a recent block). The head block number
 * is cached for `headTtlMs`. Verifying many receipts of one batch then costs one round per root.
 *
 * @example
 * const reader = cachedChainReader(createChainReader(url));
 */
export function cachedChainReader(reader: ChainReader, options: { blockTtlMs?: number; headTtlMs?: number } = {}): ChainReader {
  const blockTtl = options.blockTtlMs ?? 10_000;
  const headTtl = options.headTtlMs ?? 1_000;
  let chainId: Promise<bigint> | undefined;
  let head: { at: number; value: Promise<bigint> } | undefined;
  const code = new Map<string, Promise<boolean>>();
  const anchors = new Map<string, Promise<OnChainAnchor>>();
  const blocks = new Map<bigint, { at: number; value: Promise<{ hash: string; timestamp: bigint } | undefined> }>();
  const forget = <K, V>(map: Map<K, V>, key: K) => (e: unknown) => {
    map.delete(key);
    throw e;
  };
  return {
    getChainId() {
      chainId ??= reader.getChainId().catch((e: unknown) => {
        chainId = undefined;
        throw e;
      });
      return chainId;
    },
    getBlockNumber() {
      if (!head || Date.now() - head.at > headTtl) head = { at: Date.now(), value: reader.getBlockNumber() };
      const value = head.value;
      value.catch(() => {
        head = undefined;
      });
      return value;
    },
    getBlock(n) {
      const hit = blocks.get(n);
      if (hit && Date.now() - hit.at <= blockTtl) return hit.value;
      const value = reader.getBlock(n).catch(forget(blocks, n));
      blocks.set(n, { at: Date.now(), value });
      return value;
    },
    hasCode(address) {
      const key = address.toLowerCase();
      let hit = code.get(key);
      if (!hit) {
        hit = reader.hasCode(address).catch(forget(code, key));
        code.set(key, hit);
      }
      return hit;
    },
    getAnchor(contract, root) {
      const key = `${contract.toLowerCase()}:${root}`;
      let hit = anchors.get(key);
      if (!hit) {
        hit = reader.getAnchor(contract, root).then((a) => {
          if (a.timestamp === 0n) anchors.delete(key); // not anchored (yet): ask again next time
          return a;
        }, forget(anchors, key));
        anchors.set(key, hit);
      }
      return hit;
    },
    verifyInclusionOnChain: (contract, args) => reader.verifyInclusionOnChain(contract, args),
  };
}
