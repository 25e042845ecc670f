/**
 * Chain lookups for EVM anchors. The verification core takes a `ChainReader` (injected, like viem's
 * actions take a client) so it does no I/O itself; `createChainReader` builds one for any JSON-RPC URL
 * (plain `fetch`, every call with a timeout) or for a provider that has `send(method, params)` (an
 * ethers `JsonRpcProvider`).
 *
 * The reader answers raw chain data — transaction receipts, blocks, code — because the verifier takes
 * time and inclusion only from those (docs/design/format-v2.md, "EVM anchor trust"); the contract's views
 * (`getAnchor`, `verifyInclusion`) are asked only as a cross-check.
 */
import { Interface } from "ethers";
import { AnchorError } from "./errors.ts";
import type { Hex } from "./receipt.ts";
import { type BlockTag, type ChainBlock, type ChainReader, type ChainTransactionReceipt, DEFAULT_RPC_TIMEOUT_MS } from "./chain-reader.ts";

export * from "./chain-reader.ts";

/** The ABI fragments the verifier needs from EvidenceAnchor (see contracts/IEvidenceAnchor.sol). */
export const EVIDENCE_ANCHOR_ABI = [
  "function getAnchor(bytes32 root) view returns (tuple(uint64 timestamp, uint64 blockNumber, uint64 treeSize))",
  "function verifyInclusion(bytes32 leafHash, uint256 index, uint256 treeSize, bytes32[] path, bytes32 root) view returns (bool included, uint64 anchoredAt)",
  "event Anchored(bytes32 indexed root, uint64 treeSize, address indexed anchorer)",
] as const;

/** Anything that answers JSON-RPC calls: an ethers `JsonRpcProvider`, a viem transport wrapper. */
export interface JsonRpcSender {
  send(method: string, params: unknown[]): Promise<unknown>;
}

const anchorAbi = new Interface(EVIDENCE_ANCHOR_ABI as unknown as string[]);

/** An error message with URLs removed: an RPC URL can carry an API key and must never be echoed. */
export function redactUrls(message: string): string {
  return message.replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>)]+/gi, "<rpc>").slice(0, 200);
}

const HEX = /^0x[0-9a-fA-F]*$/;
const bad = (what: string): never => {
  throw new AnchorError("RPC_BAD_ANSWER", `the node answered ${what} with something that is not one`);
};
function quantity(v: unknown, what: string): bigint {
  if (typeof v !== "string" || !/^0x[0-9a-fA-F]{1,64}$/.test(v)) return bad(what);
  return BigInt(v);
}
function data(v: unknown, what: string): Hex {
  if (typeof v !== "string" || !HEX.test(v) || v.length % 2 !== 0) return bad(what);
  return v.toLowerCase() as Hex;
}
function word(v: unknown, what: string, bytes = 32): Hex {
  const h = data(v, what);
  if (h.length !== 2 + bytes * 2) bad(what);
  return h;
}
function blockOf(v: unknown): ChainBlock | undefined {
  if (v === null || v === undefined) return undefined;
  if (typeof v !== "object") return bad("a block");
  const b = v as Record<string, unknown>;
  return { hash: word(b.hash, "a block hash"), number: quantity(b.number, "a block number"), timestamp: quantity(b.timestamp, "a block timestamp") };
}
function receiptOf(v: unknown): ChainTransactionReceipt | undefined {
  if (v === null || v === undefined) return undefined;
  if (typeof v !== "object") return bad("a transaction receipt");
  const r = v as Record<string, unknown>;
  if (!Array.isArray(r.logs) || r.logs.length > 10_000) return bad("a transaction receipt's logs");
  return {
    transactionHash: word(r.transactionHash, "a transaction hash"),
    status: Number(quantity(r.status, "a receipt status")),
    blockHash: word(r.blockHash, "a block hash"),
    blockNumber: quantity(r.blockNumber, "a block number"),
    logs: r.logs.map((l: unknown) => {
      if (typeof l !== "object" || l === null) return bad("a log");
      const o = l as Record<string, unknown>;
      if (!Array.isArray(o.topics) || o.topics.length > 4) return bad("a log's topics");
      return { address: word(o.address, "a log address", 20), topics: o.topics.map((t: unknown) => word(t, "a log topic")), data: data(o.data, "log data") };
    }),
  };
}
const tagOf = (t: BlockTag) => (typeof t === "bigint" ? `0x${t.toString(16)}` : t);

/** A JSON-RPC sender over `fetch` to `url`, each call aborted after `timeoutMs` (`RPC_TIMEOUT`). */
function fetchSender(url: string, timeoutMs: number, fetchImpl: typeof fetch): JsonRpcSender {
  let id = 0;
  return {
    async send(method, params) {
      let res: Response;
      let text: string;
      const signal = AbortSignal.timeout(timeoutMs);
      try {
        res = await fetchImpl(url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ jsonrpc: "2.0", id: ++id, method, params }),
          signal,
        });
        text = await res.text();
      } catch (cause) {
        if (signal.aborted) throw new AnchorError("RPC_TIMEOUT", `the node did not answer ${method} within ${timeoutMs / 1000} s`, { cause });
        // Only the error's code (ECONNREFUSED, ENOTFOUND …): its message names the host, and the URL may carry a key.
        const code = (cause as { cause?: { code?: unknown } } | undefined)?.cause?.code;
        throw new AnchorError("CHAIN_UNREACHABLE", `chain lookup failed (${method}): ${typeof code === "string" ? code : "network error"}`, { cause });
      }
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        throw new AnchorError("CHAIN_UNREACHABLE", `chain lookup failed (${method}): HTTP ${res.status}, not a JSON-RPC answer`);
      }
      const o = (typeof body === "object" && body !== null ? body : {}) as { result?: unknown; error?: { code?: unknown; message?: unknown } };
      if (o.error) throw new AnchorError("RPC_ERROR", `${method} failed on the node: ${redactUrls(String(o.error.message ?? o.error.code))}`);
      if (!res.ok) throw new AnchorError("CHAIN_UNREACHABLE", `chain lookup failed (${method}): HTTP ${res.status}`);
      return o.result;
    },
  };
}

/** Wraps a sender so that each call fails with `RPC_TIMEOUT` after `timeoutMs` and errors carry no URL. */
function guardedSender(inner: JsonRpcSender, timeoutMs: number): JsonRpcSender {
  return {
    async send(method, params) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new AnchorError("RPC_TIMEOUT", `the node did not answer ${method} within ${timeoutMs / 1000} s`)), timeoutMs);
      });
      try {
        return await Promise.race([inner.send(method, params), timeout]);
      } catch (cause) {
        if (cause instanceof AnchorError) throw cause;
        const info = (cause as { info?: { error?: { message?: string } }; error?: { message?: string } }) ?? {};
        const rpcMessage = info.error?.message ?? info.info?.error?.message;
        if (rpcMessage) throw new AnchorError("RPC_ERROR", `${method} failed on the node: ${redactUrls(rpcMessage)}`, { cause });
        // Only error codes (ECONNREFUSED, NETWORK_ERROR …): messages name the host, and the URL may carry a key.
        const c = cause as { code?: unknown; cause?: { code?: unknown }; error?: { code?: unknown } } | undefined;
        const codes = [c?.cause?.code, c?.error?.code, c?.code].filter((x): x is string => typeof x === "string");
        throw new AnchorError("CHAIN_UNREACHABLE", `chain lookup failed (${method}): ${codes.join(", ") || "network error"}`, { cause });
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** Options of {@link createChainReader}. */
export interface ChainReaderOptions {
  /** Timeout of every call in milliseconds (default 15 000). */
  readonly timeoutMs?: number;
  /** The fetch used for a URL (default the global one). */
  readonly fetch?: typeof fetch;
}

/**
 * A `ChainReader` over a JSON-RPC URL (plain fetch) or a provider with `send` (ethers v6). Every call
 * times out after `timeoutMs` with `RPC_TIMEOUT`; transport failures are `CHAIN_UNREACHABLE`, node
 * errors `RPC_ERROR`, malformed answers `RPC_BAD_ANSWER`; no message ever contains the URL.
 *
 * @example
 * const reader = createChainReader("https://rpc.example.org", { timeoutMs: 10_000 });
 * const verdict = await verifyReceipt(receipt, { sha256, chains: { [receipt.anchors[0].chainId]: reader } });
 */
export function createChainReader(providerOrUrl: JsonRpcSender | string, options: ChainReaderOptions = {}): ChainReader & { destroy(): void } {
  const timeoutMs = options.timeoutMs ?? DEFAULT_RPC_TIMEOUT_MS;
  const sender = guardedSender(typeof providerOrUrl === "string" ? fetchSender(providerOrUrl, timeoutMs, options.fetch ?? fetch) : providerOrUrl, timeoutMs);
  const call = async (contract: string, fn: string, args: unknown[], at: BlockTag = "latest") => {
    const out = data(await sender.send("eth_call", [{ to: contract, data: anchorAbi.encodeFunctionData(fn, args) }, tagOf(at)]), "an eth_call result");
    try {
      return anchorAbi.decodeFunctionResult(fn, out);
    } catch (cause) {
      throw new AnchorError("RPC_BAD_ANSWER", `${fn} at ${contract} answered data that is not its ABI result`, { cause });
    }
  };
  return {
    getChainId: async () => quantity(await sender.send("eth_chainId", []), "a chain id"),
    getBlockNumber: async () => quantity(await sender.send("eth_blockNumber", []), "a block number"),
    getBlock: async (tag) => {
      try {
        return blockOf(await sender.send("eth_getBlockByNumber", [tagOf(tag), false]));
      } catch (e) {
        // Nodes without a finalized tag answer an error for it: the rule falls back to confirmations.
        if (tag === "finalized" && e instanceof AnchorError && e.code === "RPC_ERROR") return undefined;
        throw e;
      }
    },
    getBlockByHash: async (hash) => blockOf(await sender.send("eth_getBlockByHash", [hash, false])),
    getTransactionReceipt: async (txHash) => receiptOf(await sender.send("eth_getTransactionReceipt", [txHash])),
    getCode: async (address, at) => {
      try {
        return data(await sender.send("eth_getCode", [address, tagOf(at)]), "code");
      } catch (e) {
        if (at !== "latest" && e instanceof AnchorError && e.code === "RPC_ERROR") {
          throw new AnchorError("STATE_UNAVAILABLE", `the node keeps no state of block ${at} (${e.message})`, { cause: e });
        }
        throw e;
      }
    },
    getAnchor: async (contract, root) => {
      const [a] = (await call(contract, "getAnchor", [root])) as unknown as [{ timestamp: bigint; blockNumber: bigint; treeSize: bigint }];
      return { timestamp: BigInt(a.timestamp), blockNumber: BigInt(a.blockNumber), treeSize: BigInt(a.treeSize) };
    },
    verifyInclusionOnChain: async (contract, a) => {
      const [included, anchoredAt] = (await call(contract, "verifyInclusion", [a.leafHash, a.index, a.treeSize, a.path, a.root])) as unknown as [
        boolean,
        bigint,
      ];
      return { included, anchoredAt: BigInt(anchoredAt) };
    },
    destroy() {
      // fetch holds nothing open; a provider passed in belongs to its owner.
    },
  };
}
