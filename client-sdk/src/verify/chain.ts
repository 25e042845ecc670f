/**
 * An EVM anchor checked against the chain: every fact (transaction, log, block, time, the contract's
 * code) is read from the chain through a reader whose calls are bounded, and the receipt's statements
 * are compared with what was read.
 */
import { keccak_256 } from "@noble/hashes/sha3.js";
import { ANCHORED_EVENT_TOPIC } from "../anchor-event.ts";
import { fromHex, toHex } from "../bytes.ts";
import type { ChainReader, ChainTransactionReceipt } from "../chain-reader.ts";
import { AnchorError } from "../errors.ts";
import type { EvmAnchor, Hex } from "../receipt.ts";
import { KNOWN_ANCHOR_BUILDS } from "../trust/builds.ts";
import type { ChainInfo } from "../trust/chains.ts";
import { parseUtcTime } from "../trust/time.ts";

/** The code hashes of the released builds, by hash. */
const BUILD_BY_HASH = new Map(KNOWN_ANCHOR_BUILDS.map((b) => [b.codeHash.toLowerCase(), `${b.name} (solc ${b.solc})`]));

/** What the verifier knows about a contract's code: which build it is, or that the user trusts it. */
export function buildOf(codeHash: string, trusted: ReadonlySet<string>): { build: string; byUser: boolean } | undefined {
  const known = BUILD_BY_HASH.get(codeHash);
  if (known) return { build: known, byUser: false };
  if (trusted.has(codeHash)) return { build: "trusted by the user (--trust-code-hash)", byUser: true };
  return undefined;
}

function codeIdentity(
  code: Hex,
  contract: string,
  chainId: number,
  where: string,
  trusted: ReadonlySet<string>,
): { codeHash: Hex; build: string; byUser: boolean } {
  if (code === "0x")
    throw new AnchorError(
      "CONTRACT_MISSING",
      `no contract at ${contract} on chain ${chainId} (${where}): an account without code cannot have anchored anything`,
    );
  const codeHash = toHex(keccak_256(fromHex(code))) as Hex;
  const b = buildOf(codeHash, trusted);
  if (!b)
    throw new AnchorError(
      "CONTRACT_CODE_UNKNOWN",
      `the code at ${contract} on chain ${chainId} (${where}) hashes to ${codeHash}, which is no released EvidenceAnchor build: it can answer anything`,
    );
  return { codeHash, ...b };
}

/** The `Anchored(root, treeSize, anchorer)` log that `contract` emitted in the transaction, or a typed error. */
function anchoredLog(tx: ChainTransactionReceipt, contract: string, root: string, treeSize: number): void {
  const c = contract.toLowerCase();
  const own = tx.logs.filter((l) => l.address === c && l.topics[0] === ANCHORED_EVENT_TOPIC);
  if (own.length === 0) throw new AnchorError("TX_NOT_ANCHOR", `transaction ${tx.transactionHash} emitted no Anchored event from ${c}`);
  const ofRoot = own.filter((l) => l.topics[1] === root);
  if (ofRoot.length === 0)
    throw new AnchorError("TX_NOT_ANCHOR", `transaction ${tx.transactionHash} anchored ${own.map((l) => l.topics[1]).join(", ")}, not root ${root}`);
  const sizes = ofRoot.map((l) => (l.data.length === 66 ? BigInt(l.data) : -1n));
  if (!sizes.includes(BigInt(treeSize)))
    throw new AnchorError("TREE_SIZE_MISMATCH", `root was anchored with ${sizes.join(", ")} leaves, the proof names ${treeSize}`);
}

/** Seconds of a strict RFC 3339 time (already validated by the parser). */
export const secondsOf = (iso: string) => BigInt(Math.floor(parseUtcTime(iso) / 1000));
/** Whole-second ISO-8601 UTC of a block timestamp. */
export const isoOf = (seconds: bigint) => new Date(Number(seconds) * 1000).toISOString().replace(/\.000Z$/, "Z");

/** What the online check derived for an EVM anchor. */
export interface EvmChainFacts {
  readonly blockNumber: bigint;
  readonly blockHash: Hex;
  readonly blockTimestamp: bigint;
  readonly codeHash: Hex;
  readonly codeCheckedAt: "anchor-block" | "latest";
  readonly build: string;
  readonly codeTrustedByUser: boolean;
  readonly confirmations: bigint;
  readonly final: boolean;
  readonly finality: string;
  readonly detail: string;
}

/** Context of {@link verifyEvmAnchorOnChain}. */
export interface OnChainContext {
  readonly chain?: ChainInfo;
  readonly trustedCodeHashes?: ReadonlySet<string>;
  readonly contractView?: boolean;
  readonly minConfirmations?: number;
}

/**
 * Checks an EVM anchor against the chain, taking every fact from the chain: the transaction
 * `txHash` succeeded and holds the `Anchored(root, treeSize)` log of `contract`; its block (by hash)
 * gives number and time and is the canonical block at that number; the contract's code, at that block
 * (or at the head when the node keeps no history), hashes to a released build or one the user trusts.
 * The receipt's block number, hash and time must equal what was derived. The contract's views are asked
 * only as a cross-check. Throws `AnchorError` with the first failing step's code.
 *
 * @example
 * const facts = await verifyEvmAnchorOnChain(anchor, leafHash, reader);
 * facts.blockTimestamp // from the chain, never from the receipt
 */
export async function verifyEvmAnchorOnChain(anchor: EvmAnchor, leafHash: Uint8Array, reader: ChainReader, ctx: OnChainContext = {}): Promise<EvmChainFacts> {
  const trusted = ctx.trustedCodeHashes ?? new Set<string>();
  const chainId = await reader.getChainId();
  if (chainId !== BigInt(anchor.chainId)) throw new AnchorError("CHAIN_ID_MISMATCH", `rpc serves chain ${chainId}, the anchor names ${anchor.chainId}`);
  const { root, treeSize, index, path } = anchor.proof;
  // Identity first: an account that is no released build can answer anything, so nothing it says counts.
  const latestCode = await reader.getCode(anchor.contract, "latest");
  codeIdentity(latestCode, anchor.contract, anchor.chainId, "at the head", trusted);

  const tx = await reader.getTransactionReceipt(anchor.txHash);
  if (!tx) throw new AnchorError("TX_NOT_FOUND", `transaction ${anchor.txHash} is not on chain ${chainId}`);
  if (tx.transactionHash !== anchor.txHash.toLowerCase())
    throw new AnchorError("RPC_BAD_ANSWER", `asked for transaction ${anchor.txHash}, the node answered ${tx.transactionHash}`);
  if (tx.status !== 1) throw new AnchorError("TX_FAILED", `transaction ${anchor.txHash} reverted`);
  anchoredLog(tx, anchor.contract, root, treeSize);

  const block = await reader.getBlockByHash(tx.blockHash);
  if (!block || block.hash !== tx.blockHash || block.number !== tx.blockNumber)
    throw new AnchorError("BLOCK_MISSING", `block ${tx.blockHash} of the transaction is not on chain ${chainId}`);
  const canonical = await reader.getBlock(block.number);
  if (!canonical || canonical.hash !== block.hash)
    throw new AnchorError(
      "BLOCK_NOT_CANONICAL",
      `block ${block.number} on chain ${chainId} is ${canonical?.hash ?? "missing"}, not the transaction's block ${block.hash} (reorganised?)`,
    );

  let code: Hex;
  let codeCheckedAt: "anchor-block" | "latest" = "anchor-block";
  try {
    code = await reader.getCode(anchor.contract, block.number);
  } catch (e) {
    if (!(e instanceof AnchorError && e.code === "STATE_UNAVAILABLE")) throw e;
    code = latestCode;
    codeCheckedAt = "latest";
  }
  const identity = codeIdentity(code, anchor.contract, anchor.chainId, codeCheckedAt === "anchor-block" ? `at block ${block.number}` : "at the head", trusted);

  // The receipt's statements against what was derived.
  if (block.number !== BigInt(anchor.blockNumber))
    throw new AnchorError("BLOCK_NUMBER_MISMATCH", `transaction ${anchor.txHash} is in block ${block.number}, the receipt says ${anchor.blockNumber}`);
  if (block.hash !== anchor.blockHash.toLowerCase())
    throw new AnchorError("BLOCK_HASH_MISMATCH", `transaction ${anchor.txHash} is in block ${block.hash}, the receipt says ${anchor.blockHash}`);
  if (block.timestamp !== secondsOf(anchor.blockTime))
    throw new AnchorError("BLOCK_TIME_MISMATCH", `block ${block.number} was mined at ${isoOf(block.timestamp)}, the receipt says ${anchor.blockTime}`);

  // Cross-checks by the contract's views (a released build answers them truthfully).
  const onChain = await reader.getAnchor(anchor.contract, root);
  if (onChain.timestamp !== block.timestamp || onChain.blockNumber !== block.number || onChain.treeSize !== BigInt(treeSize)) {
    throw new AnchorError(
      "CONTRACT_VIEW_MISMATCH",
      `getAnchor(${root}) answers block ${onChain.blockNumber} at ${onChain.timestamp} with ${onChain.treeSize} leaves, the chain shows ` +
        `block ${block.number} at ${block.timestamp} with ${treeSize}`,
    );
  }
  if (ctx.contractView ?? true) {
    const view = await reader.verifyInclusionOnChain(anchor.contract, {
      leafHash: toHex(leafHash),
      index: BigInt(index),
      treeSize: BigInt(treeSize),
      path,
      root,
    });
    if (!view.included) throw new AnchorError("CONTRACT_REJECTS_PROOF", `the contract's verifyInclusion view rejects the path to ${root}`);
  }

  // Finality, by the verifier's policy.
  const head = await reader.getBlockNumber();
  const confirmations = head - block.number + 1n;
  let final: boolean;
  let finality: string;
  const rule =
    ctx.minConfirmations !== undefined
      ? ({ kind: "confirmations", confirmations: ctx.minConfirmations } as const)
      : (ctx.chain?.finality ?? { kind: "confirmations" as const, confirmations: 64 });
  if (rule.kind === "finalized-tag") {
    const finalized = await reader.getBlock("finalized");
    if (finalized) {
      final = finalized.number >= block.number;
      finality = final ? `final (the node's finalized block is ${finalized.number})` : `not final yet (the node's finalized block is ${finalized.number})`;
    } else {
      final = confirmations >= 64n;
      finality = `${final ? "final" : "not final yet"} (the node has no finalized tag; policy 64 confirmations)`;
    }
  } else {
    final = confirmations >= BigInt(rule.confirmations);
    finality = `${final ? "final" : "not final yet"} (policy ${rule.confirmations} confirmations)`;
  }
  const where = codeCheckedAt === "anchor-block" ? `at block ${block.number}` : "at the head (the node keeps no history)";
  const detail =
    `transaction ${tx.transactionHash} anchored root ${root} (${treeSize} leaves) at ${anchor.contract.toLowerCase()} in block ${block.number} ` +
    `(${block.hash}) mined at ${isoOf(block.timestamp)}; code ${where} is ${identity.build} (${identity.codeHash}); ${confirmations} ` +
    `confirmations, ${finality}`;
  return {
    blockNumber: block.number,
    blockHash: block.hash,
    blockTimestamp: block.timestamp,
    codeHash: identity.codeHash,
    codeCheckedAt,
    build: identity.build,
    codeTrustedByUser: identity.byUser,
    confirmations,
    final,
    finality,
    detail,
  };
}

/**
 * A reader whose calls share one budget and each time out (a hostile or silent node cannot make a
 * verification unbounded, whatever reader was injected).
 */
export function boundedReader(reader: ChainReader, budget: { left: number }, timeoutMs: number): ChainReader {
  const bound = <T>(what: string, f: () => Promise<T>): Promise<T> => {
    if (budget.left <= 0) return Promise.reject(new AnchorError("RPC_BUDGET_EXCEEDED", `this verification used up its budget of chain calls (at ${what})`));
    budget.left--;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new AnchorError("RPC_TIMEOUT", `the node did not answer ${what} within ${timeoutMs / 1000} s`)), timeoutMs);
    });
    return Promise.race([f(), timeout]).finally(() => clearTimeout(timer));
  };
  return {
    getChainId: () => bound("eth_chainId", () => reader.getChainId()),
    getBlockNumber: () => bound("eth_blockNumber", () => reader.getBlockNumber()),
    getBlock: (t) => bound("eth_getBlockByNumber", () => reader.getBlock(t)),
    getBlockByHash: (h) => bound("eth_getBlockByHash", () => reader.getBlockByHash(h)),
    getTransactionReceipt: (h) => bound("eth_getTransactionReceipt", () => reader.getTransactionReceipt(h)),
    getCode: (a, at) => bound("eth_getCode", () => reader.getCode(a, at)),
    getAnchor: (c, r) => bound("getAnchor", () => reader.getAnchor(c, r)),
    verifyInclusionOnChain: (c, a) => bound("verifyInclusion", () => reader.verifyInclusionOnChain(c, a)),
  };
}
