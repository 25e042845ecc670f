/**
 * Receipt verification: each step is a function that throws a typed error; `verifyReceipt` runs the
 * steps in order and turns their outcomes into a `Verdict` listing every check as passed, failed (with
 * its code and reason) or not-checked (with why), so the reader sees exactly what was established.
 *
 * A receipt is hostile input (docs/receipt.md, "Trust model"). Every fact a verdict states — time,
 * block, chain name, development status, contract identity, deployment, finality, TSA name — is derived
 * from data the verifier fetched or proved, or is printed as "asserted by the receipt, not checked".
 * Trust anchors (contract code hashes, the chain registry, operator deployment lists, checkpoints, TSA
 * roots) are the verifier's, never the receipt's. Work is bounded: anchors per receipt, RPC calls per
 * verification, and a timeout on every RPC call.
 *
 * The core does no I/O: chain lookups go through injected `ChainReader`s (see anchor.ts).
 */
import { keccak_256 } from "@noble/hashes/sha3.js";
import { equalBytes, fromHex, toHex } from "./bytes.ts";
import { AnchorError, InputError, PriorProofError, ProofError } from "./errors.ts";
import { cachedChainReader, type ChainReader, type ChainTransactionReceipt, DEFAULT_RPC_TIMEOUT_MS } from "./chain-reader.ts";
import { ANCHORED_EVENT_TOPIC } from "./anchor-event.ts";
import { verifyEvmInclusion } from "./evm-inclusion.ts";
import { claimSha256, encodeLeaf, encodeLeafV2, signatureSha256 } from "./leaf.ts";
import { hashLeaf, verifyInclusion } from "./merkle.ts";
import type { ClaimSignatureVerifier, SignedIdentity } from "./signature/index.ts";
import { type EvmAnchor, type Hex, RECEIPT_VERSION_2, type Receipt, getInclusionProof, parseReceipt } from "./receipt.ts";
import { KNOWN_ANCHOR_BUILDS } from "./trust/builds.ts";
import { type ChainInfo, type ChainRegistry, DEFAULT_CHAIN_REGISTRY, explorerBlockUrl } from "./trust/chains.ts";
import { findOperatorDeployment, type OperatorDeployment } from "./trust/deployments.ts";
import { parseUtcTime, timeBound } from "./trust/time.ts";
import { VERDICT_JSON_SCHEMA } from "./verdict-schema.ts";

export type CheckStatus = "passed" | "failed" | "not-checked";

/** One line of a verdict. */
export interface Check {
  /** Stable id, e.g. `digest`, `anchors[0].chain`. */
  readonly id: string;
  readonly title: string;
  readonly status: CheckStatus;
  /** Error code when failed. */
  readonly code?: string;
  /** What was found (passed), what went wrong (failed), or why it was not checked. */
  readonly detail: string;
}

/**
 * What weakens the evidence without failing a check. Codes: `DEVELOPMENT_CHAIN` (the registry says the
 * chain is a development chain), `NOT_FINAL` (below the verifier's finality policy), `UNKNOWN_CHAIN`
 * (the chain is not in the verifier's registry), `CODE_CHECKED_AT_LATEST` (the node keeps no history:
 * the contract's code was read at the head, not at the anchoring block), `CODE_TRUSTED_BY_USER` (the
 * code hash is not a released build; the user named it).
 */
export interface VerdictWarning {
  readonly code: string;
  /** Index of the anchor it concerns, when it concerns one. */
  readonly anchor?: number;
  readonly message: string;
}

/**
 * One witness that confirmed the batch root, with the facts the verifier derived for it (never copied
 * from the receipt).
 */
export interface Witness {
  readonly anchor: number;
  readonly type: "evm" | "rfc3161";
  /** How it was confirmed: over RPC, by an offline proof whose block a checkpoint pins, by a TSA token. */
  readonly via: "rpc" | "offline-checkpoint" | "tsa-token";
  /** The proven time (block timestamp read from the chain or a checked header; TSA genTime), UTC. */
  readonly time: string;
  /** The conservative bound `timeBound(time, tolerance, [service.receivedAt])`. */
  readonly existedNoLaterThan: string;
  readonly chainId?: number;
  /** From the verifier's chain registry. */
  readonly chainName?: string;
  readonly development?: boolean;
  readonly blockNumber?: number;
  readonly blockHash?: Hex;
  readonly txHash?: Hex;
  readonly contract?: Hex;
  /** keccak256 of the contract's runtime code, and where it was read. */
  readonly codeHash?: Hex;
  readonly codeCheckedAt?: "anchor-block" | "latest" | "account-proof";
  /** The released build the code is, or "trusted by the user". */
  readonly build?: string;
  /** Whether `(chainId, contract)` is in the operator list the verifier holds. */
  readonly deployment?: "operator" | "other";
  readonly deploymentSource?: string;
  /** head − block + 1 as the verifier's node saw it (online only). */
  readonly confirmations?: number;
  /** Final by the registry's rule (online only; undefined offline). */
  readonly final?: boolean;
  /** TSA facts as the token verifier derived them from the certificate chain. */
  readonly tsaSubject?: string;
  readonly tsaIssuer?: string;
  readonly qualified?: boolean;
}

/** The outcome of verifying one receipt. */
export interface Verdict {
  /**
   * True when no check failed, the file (or digest) was compared and matched, the receipt is internally
   * consistent, and at least one anchor was confirmed by an independent witness (the chain over RPC,
   * with the contract's code a known build; an offline proof whose block a pinned checkpoint of the same
   * chain confirms and whose account proof shows known code; or a TSA token).
   */
  readonly verified: boolean;
  readonly checks: readonly Check[];
  /** The earliest `existedNoLaterThan` among the witnesses (UTC, whole seconds). */
  readonly existedNoLaterThan?: string;
  /** Every witness that confirmed the root, with its derived facts. */
  readonly witnesses: readonly Witness[];
  readonly warnings: readonly VerdictWarning[];
  /**
   * Facts outside the receipt that this verification could not establish, with the ways to settle
   * each (the verifier's own explorers and RPC calls, never the receipt's). Empty when nothing is left.
   */
  readonly remaining: readonly OutsideFact[];
  readonly receipt?: Receipt;
  /** The claimant's identity when the `signature` check passed (plain data to print). */
  readonly signedIdentity?: SignedIdentity;
}

/**
 * A fact about a chain that this verification could not establish, and how to confirm it.
 *
 * `scope: "block-hash"`: the offline proof passed; left is that block `blockNumber` of chain `chainId`
 * has hash `blockHash`. `scope: "anchor"`: no RPC and no (passing) offline proof; the whole anchor is
 * left. `scope: "contract-code"`: the offline proof carries no account proof, so the contract's code
 * (a released EvidenceAnchor build or not) is left.
 */
export interface OutsideFact {
  /** Index of the anchor in `receipt.anchors`. */
  readonly anchor: number;
  readonly scope: "block-hash" | "anchor" | "contract-code";
  readonly chainId: number;
  /** From the verifier's registry. */
  readonly chainName: string;
  readonly blockNumber: number;
  readonly blockHash: Hex;
  /** One sentence: what must be true. */
  readonly statement: string;
  /** The JSON-RPC call that settles it on any node of the chain. */
  readonly rpc: { readonly method: "eth_getBlockByNumber" | "eth_getCode"; readonly params: readonly [string, string | false] };
  /** The block's page in an explorer of the verifier's registry (never one the receipt names). */
  readonly explorerUrl?: string;
}

/** A block hash the user trusts to be canonical on one chain (copied from two explorers, or their own node). */
export interface Checkpoint {
  readonly chainId: number;
  readonly number: number | bigint;
  readonly hash: string;
}

/** What the offline EVM proof checker established from the header (and, for proof/2, the account and transaction). */
export interface EvmInclusionFacts {
  readonly detail: string;
  readonly blockNumber: bigint;
  readonly blockHash: Hex;
  readonly blockTimestamp: bigint;
  /** keccak256 of the contract's code from an EIP-1186 account proof against the header's stateRoot (proof/2). */
  readonly codeHash?: Hex;
  /** The anchoring transaction's hash, bound through the transactions trie (proof/2). */
  readonly txHash?: Hex;
}
/** Verifies the offline part of an EVM anchor (`inclusion`). */
export type EvmInclusionVerifier = (inclusion: unknown, anchor: EvmAnchor) => Promise<EvmInclusionFacts> | EvmInclusionFacts;
/**
 * Verifies an RFC 3161 token over the batch root; returns its genTime (ISO), a detail line, and the TSA
 * facts it derived from the token's certificate chain and the verifier's trust list.
 */
export type TimestampVerifier = (
  tokenBase64: string,
  root: Uint8Array,
) => Promise<{ genTime: string; detail: string; info?: { readonly tsa?: { readonly subject?: string; readonly issuer?: string }; readonly qualified?: boolean } }>;

/** The default bounds of one verification. */
export const VERIFY_LIMITS = {
  /** Anchors per receipt (a receipt with more is refused: `TOO_MANY_ANCHORS`). */
  maxAnchors: 16,
  /** RPC calls per verification (`RPC_BUDGET_EXCEEDED` past it). */
  rpcBudget: 160,
} as const;

export interface VerifyOptions {
  /** SHA-256 of the file as the verifier computed it; absent: the digest check is not-checked. */
  readonly sha256?: Uint8Array;
  /** SHA3-256 of the file as the verifier computed it; compared with `subject.sha3_256` when both exist. */
  readonly sha3_256?: Uint8Array;
  /** Chain readers by chain id; an EVM anchor on a chain without one is not-checked online. */
  readonly chains?: Readonly<Record<string, ChainReader>>;
  /** The offline EVM proof checker; default `verifyEvmInclusion` (evm-inclusion.ts). */
  readonly evmInclusion?: EvmInclusionVerifier;
  /** Block hashes you trust to be canonical, each bound to its chain and number. */
  readonly checkpoints?: Iterable<Checkpoint>;
  /**
   * Also ask the contract's own `verifyInclusion` view to fold the path (default true): a cross-check by
   * the chain, at one call per anchor. The local fold and the `Anchored` log are what establish inclusion.
   */
  readonly contractView?: boolean;
  readonly timestamp?: TimestampVerifier;
  /**
   * Verifies a v2 receipt's claimant signature against trust the verifier chose (see
   * `createClaimSignatureVerifier`); without it a signed receipt's `signature` check is not-checked.
   */
  readonly signature?: ClaimSignatureVerifier;
  /** Runtime code hashes the user trusts besides the released builds (`--trust-code-hash`). */
  readonly trustedCodeHashes?: Iterable<string>;
  /** The operator deployments the verifier holds (deployments/<chainId>.json, /.well-known, pinned). */
  readonly deployments?: readonly OperatorDeployment[];
  /** The chain registry (default: the built-in table). */
  readonly chainRegistry?: ChainRegistry;
  /** Finality policy override: this many confirmations instead of the registry's rule. */
  readonly minConfirmations?: number;
  /** Bounds: anchors per receipt (default 16), RPC calls per verification (default 160). */
  readonly maxAnchors?: number;
  readonly rpcBudget?: number;
  /** Timeout of every chain call, also for injected readers (default 15 000 ms). */
  readonly rpcTimeoutMs?: number;
}

/**
 * Throws `DIGEST_MISMATCH` unless the file's digest is the receipt's; when the caller also gives the
 * file's SHA3-256 and the receipt states one, that must match too (a second hash family).
 */
export function verifyDigest(receipt: Receipt, sha256: Uint8Array, sha3_256?: Uint8Array): void {
  if (!equalBytes(sha256, fromHex(receipt.subject.sha256, 32))) {
    throw new ProofError("DIGEST_MISMATCH", `file sha-256 is ${toHex(sha256)}, the receipt's is ${receipt.subject.sha256}`);
  }
  const stated = receipt.subject.sha3_256;
  if (sha3_256 !== undefined && stated !== undefined && !equalBytes(sha3_256, fromHex(stated, 32))) {
    throw new ProofError("DIGEST_MISMATCH", `file sha3-256 is ${toHex(sha3_256)}, the receipt's is ${stated}`);
  }
}

/**
 * Throws unless the leaf hash is rebuilt from the receipt: priorproof-leaf/1 from the digest and the
 * claim; priorproof-leaf/2 also from `subject.sha3_256` (`SHA3_MISMATCH`) and the claimant signature
 * (`SIGNATURE_STRIPPED` when the leaf commits one the receipt no longer carries, `SIGNATURE_MISMATCH`
 * when the one it carries is not the committed one). Returns the leaf hash.
 */
export function verifyLeaf(receipt: Receipt): Uint8Array {
  const claimDigest = claimSha256(receipt.claim);
  const stated = receipt.leaf.claimSha256;
  if ((claimDigest ? toHex(claimDigest) : null) !== stated) {
    throw new ProofError("CLAIM_MISMATCH", `claim hashes to ${claimDigest ? toHex(claimDigest) : "nothing"}, the receipt says ${stated}`);
  }
  let leafHash: Uint8Array;
  if (receipt.version === RECEIPT_VERSION_2) {
    const leaf = receipt.leaf;
    const sha3 = receipt.subject.sha3_256 ?? null;
    if (sha3 !== leaf.sha3_256) throw new ProofError("SHA3_MISMATCH", `subject sha3-256 is ${sha3 ?? "absent"}, the leaf commits ${leaf.sha3_256 ?? "none"}`);
    const sigDigest = signatureSha256(receipt.signature);
    if (leaf.signatureSha256 !== null && !sigDigest) {
      throw new ProofError("SIGNATURE_STRIPPED", `the leaf commits signature ${leaf.signatureSha256}, the receipt carries none`);
    }
    if (sigDigest && toHex(sigDigest) !== leaf.signatureSha256) {
      throw new ProofError("SIGNATURE_MISMATCH", `signature hashes to ${toHex(sigDigest)}, the leaf commits ${leaf.signatureSha256 ?? "none"}`);
    }
    leafHash = hashLeaf(encodeLeafV2({
      sha256: fromHex(receipt.subject.sha256, 32),
      sha3_256: sha3 ? fromHex(sha3, 32) : undefined,
      claimSha256: claimDigest,
      signatureSha256: sigDigest,
      salt: fromHex(leaf.salt, 16),
    }));
  } else {
    leafHash = hashLeaf(encodeLeaf(fromHex(receipt.subject.sha256, 32), claimDigest, fromHex(receipt.leaf.salt, 16)));
  }
  if (toHex(leafHash) !== receipt.leaf.hash) {
    throw new ProofError("LEAF_MISMATCH", `leaf hashes to ${toHex(leafHash)}, the receipt says ${receipt.leaf.hash}`);
  }
  return leafHash;
}


/** The code hashes of the released builds, by hash. */
const BUILD_BY_HASH = new Map(KNOWN_ANCHOR_BUILDS.map((b) => [b.codeHash.toLowerCase(), `${b.name} (solc ${b.solc})`]));

/** What the verifier knows about a contract's code: which build it is, or that the user trusts it. */
function buildOf(codeHash: string, trusted: ReadonlySet<string>): { build: string; byUser: boolean } | undefined {
  const known = BUILD_BY_HASH.get(codeHash);
  if (known) return { build: known, byUser: false };
  if (trusted.has(codeHash)) return { build: "trusted by the user (--trust-code-hash)", byUser: true };
  return undefined;
}

function codeIdentity(code: Hex, contract: string, chainId: number, where: string, trusted: ReadonlySet<string>): { codeHash: Hex; build: string; byUser: boolean } {
  if (code === "0x") throw new AnchorError("CONTRACT_MISSING", `no contract at ${contract} on chain ${chainId} (${where}): an account without code cannot have anchored anything`);
  const codeHash = toHex(keccak_256(fromHex(code))) as Hex;
  const b = buildOf(codeHash, trusted);
  if (!b) throw new AnchorError("CONTRACT_CODE_UNKNOWN", `the code at ${contract} on chain ${chainId} (${where}) hashes to ${codeHash}, which is no released EvidenceAnchor build: it can answer anything`);
  return { codeHash, ...b };
}

/** The `Anchored(root, treeSize, anchorer)` log that `contract` emitted in the transaction, or a typed error. */
function anchoredLog(tx: ChainTransactionReceipt, contract: string, root: string, treeSize: number): void {
  const c = contract.toLowerCase();
  const own = tx.logs.filter((l) => l.address === c && l.topics[0] === ANCHORED_EVENT_TOPIC);
  if (own.length === 0) throw new AnchorError("TX_NOT_ANCHOR", `transaction ${tx.transactionHash} emitted no Anchored event from ${c}`);
  const ofRoot = own.filter((l) => l.topics[1] === root);
  if (ofRoot.length === 0) throw new AnchorError("TX_NOT_ANCHOR", `transaction ${tx.transactionHash} anchored ${own.map((l) => l.topics[1]).join(", ")}, not root ${root}`);
  const sizes = ofRoot.map((l) => (l.data.length === 66 ? BigInt(l.data) : -1n));
  if (!sizes.includes(BigInt(treeSize))) throw new AnchorError("TREE_SIZE_MISMATCH", `root was anchored with ${sizes.join(", ")} leaves, the proof names ${treeSize}`);
}

/** Seconds of a strict RFC 3339 time (already validated by the parser). */
const secondsOf = (iso: string) => BigInt(Math.floor(parseUtcTime(iso) / 1000));
const isoOf = (seconds: bigint) => new Date(Number(seconds) * 1000).toISOString().replace(/\.000Z$/, "Z");

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
  if (tx.transactionHash !== anchor.txHash.toLowerCase()) throw new AnchorError("RPC_BAD_ANSWER", `asked for transaction ${anchor.txHash}, the node answered ${tx.transactionHash}`);
  if (tx.status !== 1) throw new AnchorError("TX_FAILED", `transaction ${anchor.txHash} reverted`);
  anchoredLog(tx, anchor.contract, root, treeSize);

  const block = await reader.getBlockByHash(tx.blockHash);
  if (!block || block.hash !== tx.blockHash || block.number !== tx.blockNumber) throw new AnchorError("BLOCK_MISSING", `block ${tx.blockHash} of the transaction is not on chain ${chainId}`);
  const canonical = await reader.getBlock(block.number);
  if (!canonical || canonical.hash !== block.hash) throw new AnchorError("BLOCK_NOT_CANONICAL", `block ${block.number} on chain ${chainId} is ${canonical?.hash ?? "missing"}, not the transaction's block ${block.hash} (reorganised?)`);

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
  if (block.number !== BigInt(anchor.blockNumber)) throw new AnchorError("BLOCK_NUMBER_MISMATCH", `transaction ${anchor.txHash} is in block ${block.number}, the receipt says ${anchor.blockNumber}`);
  if (block.hash !== anchor.blockHash.toLowerCase()) throw new AnchorError("BLOCK_HASH_MISMATCH", `transaction ${anchor.txHash} is in block ${block.hash}, the receipt says ${anchor.blockHash}`);
  if (block.timestamp !== secondsOf(anchor.blockTime)) throw new AnchorError("BLOCK_TIME_MISMATCH", `block ${block.number} was mined at ${isoOf(block.timestamp)}, the receipt says ${anchor.blockTime}`);

  // Cross-checks by the contract's views (a released build answers them truthfully).
  const onChain = await reader.getAnchor(anchor.contract, root);
  if (onChain.timestamp !== block.timestamp || onChain.blockNumber !== block.number || onChain.treeSize !== BigInt(treeSize)) {
    throw new AnchorError("CONTRACT_VIEW_MISMATCH", `getAnchor(${root}) answers block ${onChain.blockNumber} at ${onChain.timestamp} with ${onChain.treeSize} leaves, the chain shows block ${block.number} at ${block.timestamp} with ${treeSize}`);
  }
  if (ctx.contractView ?? true) {
    const view = await reader.verifyInclusionOnChain(anchor.contract, { leafHash: toHex(leafHash), index: BigInt(index), treeSize: BigInt(treeSize), path, root });
    if (!view.included) throw new AnchorError("CONTRACT_REJECTS_PROOF", `the contract's verifyInclusion view rejects the path to ${root}`);
  }

  // Finality, by the verifier's policy.
  const head = await reader.getBlockNumber();
  const confirmations = head - block.number + 1n;
  let final: boolean;
  let finality: string;
  const rule = ctx.minConfirmations !== undefined ? ({ kind: "confirmations", confirmations: ctx.minConfirmations } as const) : (ctx.chain?.finality ?? { kind: "confirmations" as const, confirmations: 64 });
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
  const detail = `transaction ${tx.transactionHash} anchored root ${root} (${treeSize} leaves) at ${anchor.contract.toLowerCase()} in block ${block.number} (${block.hash}) mined at ${isoOf(block.timestamp)}; code ${where} is ${identity.build} (${identity.codeHash}); ${confirmations} confirmations, ${finality}`;
  return { blockNumber: block.number, blockHash: block.hash, blockTimestamp: block.timestamp, codeHash: identity.codeHash, codeCheckedAt, build: identity.build, codeTrustedByUser: identity.byUser, confirmations, final, finality, detail };
}

/**
 * The outside fact an EVM anchor leaves, with ways to settle it taken from the verifier's registry.
 *
 * @example
 * outsideFactOf(anchor, 0, "block-hash", registry.get(31337)).statement // "block 12 of chain 31337 has hash 0x…"
 */
export function outsideFactOf(anchor: EvmAnchor, index: number, scope: OutsideFact["scope"], chain: ChainInfo = DEFAULT_CHAIN_REGISTRY.get(anchor.chainId)): OutsideFact {
  const block = `block ${anchor.blockNumber} of chain ${anchor.chainId} (${chain.name}) has hash ${anchor.blockHash}`;
  const statement =
    scope === "block-hash" ? block
      : scope === "contract-code" ? `the code of ${anchor.contract} on chain ${anchor.chainId} (${chain.name}) is a released EvidenceAnchor build`
        : `${block}, and transaction ${anchor.txHash} in it anchored root ${anchor.proof.root} at ${anchor.contract}`;
  const explorerUrl = explorerBlockUrl(chain, anchor.blockNumber);
  return {
    anchor: index,
    scope,
    chainId: anchor.chainId,
    chainName: chain.name,
    blockNumber: anchor.blockNumber,
    blockHash: anchor.blockHash,
    statement,
    rpc: scope === "contract-code" ? { method: "eth_getCode", params: [anchor.contract, `0x${anchor.blockNumber.toString(16)}`] } : { method: "eth_getBlockByNumber", params: [`0x${anchor.blockNumber.toString(16)}`, false] },
    ...(explorerUrl ? { explorerUrl } : {}),
  };
}

function failure(e: unknown): { code: string; detail: string } {
  if (e instanceof PriorProofError) return { code: e.code, detail: e.message };
  return { code: "UNEXPECTED", detail: e instanceof Error ? e.message : String(e) };
}

/**
 * A reader whose calls share one budget and each time out (a hostile or silent node cannot make a
 * verification unbounded, whatever reader was injected).
 */
function boundedReader(reader: ChainReader, budget: { left: number }, timeoutMs: number): ChainReader {
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

function schemaTitle(doc: unknown): string {
  const v = typeof doc === "object" && doc !== null ? (doc as { version?: unknown }).version : undefined;
  return `Receipt follows ${typeof v === "string" && /^priorproof-receipt\/\d+$/.test(v) ? v : "priorproof-receipt/1"}`;
}

/**
 * A schema failure's code, as specific as its problems allow: `UNKNOWN_FIELD` when every problem is a
 * member the version does not define, `INVALID_TIME` when every problem is an impossible or malformed
 * time, else the parser's code (`INVALID_RECEIPT`).
 */
function schemaCode(e: unknown, code: string): string {
  const problems = e instanceof InputError && Array.isArray(e.cause) ? (e.cause as string[]) : [];
  if (problems.length === 0) return code;
  if (problems.every((p) => p.endsWith(": unknown field"))) return "UNKNOWN_FIELD";
  if (problems.every((p) => p.includes("UTC ISO-8601 time"))) return "INVALID_TIME";
  return code;
}

/** The receipt's statements about a chain that the verifier does not take: shown, labelled. */
function assertedEvmFacts(a: EvmAnchor): string {
  const parts = [`chainName ${JSON.stringify(a.chainName)}`, `development ${a.development}`, `confirmations ${a.confirmations}`, `requiredConfirmations ${a.requiredConfirmations}`];
  if (a.explorerUrl !== undefined) parts.push(`explorerUrl ${JSON.stringify(a.explorerUrl)}`);
  return `asserted by the receipt, not checked: ${parts.join(", ")}`;
}

/**
 * Verifies a receipt (untrusted JSON) and, when given, the file's digest.
 *
 * @example
 * const verdict = await verifyReceipt(parseStrictJson(text), {
 *   sha256: (await sha256File("draft.psd")).sha256,
 *   chains: { "11155111": createChainReader("https://rpc.sepolia.org") },
 * });
 * for (const c of verdict.checks) console.log(c.status, c.title, c.detail);
 */
export async function verifyReceipt(doc: unknown, options: VerifyOptions = {}): Promise<Verdict> {
  const checks: Check[] = [];
  const add = (id: string, title: string, status: CheckStatus, detail: string, code?: string) =>
    checks.push(code ? { id, title, status, detail, code } : { id, title, status, detail });
  const warnings: VerdictWarning[] = [];
  const warn = (code: string, anchor: number | undefined, message: string) => {
    if (!warnings.some((w) => w.code === code && w.anchor === anchor)) warnings.push(anchor === undefined ? { code, message } : { code, anchor, message });
  };

  // Step 1: bounds and schema.
  const maxAnchors = options.maxAnchors ?? VERIFY_LIMITS.maxAnchors;
  const anchorsOf = typeof doc === "object" && doc !== null ? (doc as { anchors?: unknown }).anchors : undefined;
  if (Array.isArray(anchorsOf) && anchorsOf.length > maxAnchors) {
    add("schema", schemaTitle(doc), "failed", `the receipt has ${anchorsOf.length} anchors; this verifier checks at most ${maxAnchors}`, "TOO_MANY_ANCHORS");
    return { verified: false, checks, witnesses: [], warnings, remaining: [] };
  }
  let receipt: Receipt;
  try {
    receipt = parseReceipt(doc);
    add("schema", `Receipt follows ${receipt.version}`, "passed", `receipt ${receipt.id}`);
  } catch (e) {
    const f = failure(e);
    add("schema", schemaTitle(doc), "failed", f.detail, schemaCode(e, f.code));
    return { verified: false, checks, witnesses: [], warnings, remaining: [] };
  }

  // Step 2: the file.
  let fileMatched = false;
  if (options.sha256) {
    try {
      verifyDigest(receipt, options.sha256);
      fileMatched = true;
      add("digest", "The file is the one stamped", "passed", `sha-256 ${receipt.subject.sha256}`);
    } catch (e) {
      const f = failure(e);
      add("digest", "The file is the one stamped", "failed", f.detail, f.code);
    }
  } else {
    add("digest", "The file is the one stamped", "not-checked", "no file or digest was given to compare");
  }
  if (receipt.subject.sha3_256 !== undefined) {
    const title = "The file's SHA3-256 is the receipt's";
    if (options.sha3_256) {
      if (equalBytes(options.sha3_256, fromHex(receipt.subject.sha3_256, 32))) add("digest.sha3", title, "passed", `sha3-256 ${receipt.subject.sha3_256}`);
      else add("digest.sha3", title, "failed", `file sha3-256 is ${toHex(options.sha3_256)}, the receipt's is ${receipt.subject.sha3_256}`, "SHA3_MISMATCH");
    } else {
      const committed = receipt.leaf.encoding === "priorproof-leaf/2";
      add("digest.sha3", title, "not-checked", committed
        ? `subject.sha3_256 ${receipt.subject.sha3_256} is committed by priorproof-leaf/2 (see the leaf check); no file was hashed with SHA3-256 here`
        : `subject.sha3_256 ${receipt.subject.sha3_256} is asserted by the receipt, not committed by ${receipt.leaf.encoding}, and no file was hashed with SHA3-256`);
    }
  }

  // Step 3: the leaf.
  let leafHash: Uint8Array | undefined;
  try {
    leafHash = verifyLeaf(receipt);
    add("leaf", "Digest and claim make the leaf", "passed", `leaf ${receipt.leaf.hash} (${receipt.leaf.encoding})`);
  } catch (e) {
    const f = failure(e);
    add("leaf", "Digest and claim make the leaf", "failed", f.detail, f.code);
  }

  // Step 4 (after the anchors): the signed claim, whose certificates are judged at the proven time.

  // Step 5: every anchor.
  const registry = options.chainRegistry ?? DEFAULT_CHAIN_REGISTRY;
  const trusted = new Set([...(options.trustedCodeHashes ?? [])].map((h) => h.toLowerCase()));
  const deployments = options.deployments ?? [];
  const checkpoints = [...(options.checkpoints ?? [])].map((c) => ({ chainId: c.chainId, number: BigInt(c.number), hash: c.hash.toLowerCase() }));
  const evmInclusion: EvmInclusionVerifier = options.evmInclusion ?? verifyEvmInclusion;
  const budget = { left: options.rpcBudget ?? VERIFY_LIMITS.rpcBudget };
  const timeoutMs = options.rpcTimeoutMs ?? DEFAULT_RPC_TIMEOUT_MS;
  const witnesses: Witness[] = [];
  const remaining: OutsideFact[] = [];
  const serviceTimes = [receipt.service.receivedAt];

  // One bounded reader per chain for this verification: calls share the budget and each times out;
  // answers that cannot change are reused, so anchors repeating one root cost no more calls.
  const bounded = new Map<number, ChainReader>();
  const boundedFor = (chainId: number, reader: ChainReader): ChainReader => {
    let r = bounded.get(chainId);
    if (!r) {
      r = cachedChainReader(boundedReader(reader, budget, timeoutMs));
      bounded.set(chainId, r);
    }
    return r;
  };

  for (const [i, anchor] of receipt.anchors.entries()) {
    const at = `anchors[${i}]`;
    const chain = anchor.type === "evm" ? registry.get(anchor.chainId) : undefined;
    const label = anchor.type === "evm" ? `${chain?.name} (chain ${anchor.chainId})` : "an RFC 3161 time-stamp token";
    let proofOk = false;
    if (!leafHash) {
      add(`${at}.proof`, `Leaf is in the batch anchored on ${label}`, "not-checked", "the leaf could not be rebuilt");
    } else {
      try {
        verifyInclusion(leafHash, getInclusionProof(anchor.proof), fromHex(anchor.proof.root, 32));
        proofOk = true;
        add(`${at}.proof`, `Leaf is in the batch anchored on ${label}`, "passed", `index ${anchor.proof.index} of ${anchor.proof.treeSize}, root ${anchor.proof.root}`);
      } catch (e) {
        const f = failure(e);
        add(`${at}.proof`, `Leaf is in the batch anchored on ${label}`, "failed", f.detail, f.code);
      }
    }

    if (anchor.type === "evm") {
      const info = chain as ChainInfo;
      if (info.development) warn("DEVELOPMENT_CHAIN", i, `chain ${anchor.chainId} (${info.name}) is a development chain in the verifier's registry: anyone can mine any block on it — no evidential value`);
      if (!info.known) warn("UNKNOWN_CHAIN", i, `chain ${anchor.chainId} is not in the verifier's registry: its name, finality rule and explorers are unknown`);
      if (info.development && !anchor.development) {
        add(`${at}.labels`, "The receipt labels its chain truthfully", "failed", `the receipt calls chain ${anchor.chainId} ${JSON.stringify(anchor.chainName)} and not a development chain; the verifier's registry knows it as ${info.name}, a development chain`, "CHAIN_RELABELLED");
      }
      add(`${at}.asserted`, `What the receipt says about ${label}`, "not-checked", assertedEvmFacts(anchor));

      let offline: EvmInclusionFacts | undefined;
      if (anchor.inclusion !== undefined) {
        try {
          const r = await evmInclusion(anchor.inclusion, anchor);
          if (r.blockHash.toLowerCase() !== anchor.blockHash.toLowerCase()) throw new AnchorError("BLOCK_HASH_MISMATCH", `the header hashes to ${r.blockHash}, the receipt says ${anchor.blockHash}`);
          if (r.blockNumber !== BigInt(anchor.blockNumber)) throw new AnchorError("BLOCK_NUMBER_MISMATCH", `the header is block ${r.blockNumber}, the receipt says ${anchor.blockNumber}`);
          if (r.blockTimestamp !== secondsOf(anchor.blockTime)) throw new AnchorError("BLOCK_TIME_MISMATCH", `the header's time is ${isoOf(r.blockTimestamp)}, the receipt says ${anchor.blockTime}`);
          if (r.txHash !== undefined && r.txHash.toLowerCase() !== anchor.txHash.toLowerCase()) throw new AnchorError("TX_HASH_MISMATCH", `the proven transaction is ${r.txHash}, the receipt says ${anchor.txHash}`);
          offline = r;
          add(`${at}.inclusion`, "Block header and receipt proof (offline)", "passed", r.detail);
        } catch (e) {
          const f = failure(e);
          add(`${at}.inclusion`, "Block header and receipt proof (offline)", "failed", f.detail, f.code);
        }
      }

      const reader = options.chains?.[String(anchor.chainId)];
      const chainTitle = `Root is anchored on ${label}`;
      if (reader) {
        if (!leafHash) {
          add(`${at}.chain`, chainTitle, "not-checked", "the leaf could not be rebuilt");
          continue;
        }
        try {
          const f = await verifyEvmAnchorOnChain(anchor, leafHash, boundedFor(anchor.chainId, reader), {
            chain: info, trustedCodeHashes: trusted, contractView: options.contractView ?? true, ...(options.minConfirmations !== undefined ? { minConfirmations: options.minConfirmations } : {}),
          });
          const operator = findOperatorDeployment(deployments, anchor.chainId, anchor.contract);
          add(`${at}.chain`, chainTitle, "passed", f.detail);
          add(`${at}.deployment`, "Whose deployment the contract is", "passed", operator ? `${anchor.contract.toLowerCase()} is an operator deployment (listed in ${operator.source})` : `${anchor.contract.toLowerCase()} runs a released build but is not in the operator deployments this verifier holds (${deployments.length === 0 ? "none were given" : `${deployments.length} listed`}): deployment "other"`);
          if (f.codeCheckedAt === "latest") warn("CODE_CHECKED_AT_LATEST", i, `the node keeps no state of block ${f.blockNumber}: the contract's code was read at the head`);
          if (f.codeTrustedByUser) warn("CODE_TRUSTED_BY_USER", i, `the code at ${anchor.contract} (${f.codeHash}) is no released build; it is accepted because the user trusts that hash`);
          if (!f.final) warn("NOT_FINAL", i, `block ${f.blockNumber} of chain ${anchor.chainId} has ${f.confirmations} confirmations: ${f.finality}`);
          if (proofOk) {
            const time = isoOf(f.blockTimestamp);
            witnesses.push({
              anchor: i, type: "evm", via: "rpc", time, existedNoLaterThan: timeBound(time, info.blockTimeToleranceSeconds, serviceTimes),
              chainId: anchor.chainId, chainName: info.name, development: info.development, blockNumber: Number(f.blockNumber), blockHash: f.blockHash,
              txHash: anchor.txHash.toLowerCase() as Hex, contract: anchor.contract.toLowerCase() as Hex, codeHash: f.codeHash, codeCheckedAt: f.codeCheckedAt, build: f.build,
              deployment: operator ? "operator" : "other", ...(operator ? { deploymentSource: operator.source } : {}), confirmations: Number(f.confirmations), final: f.final,
            });
          }
        } catch (e) {
          const f = failure(e);
          add(`${at}.chain`, chainTitle, "failed", f.detail, f.code);
        }
        continue;
      }

      // No RPC for this chain: the offline proof, a checkpoint of this chain, and known code.
      if (!offline) {
        remaining.push(outsideFactOf(anchor, i, "anchor", info));
        add(`${at}.chain`, chainTitle, "not-checked", `no RPC for chain ${anchor.chainId}${anchor.inclusion !== undefined ? " and the offline proof did not hold" : " and no offline proof"}: the transaction, its block and the contract's code are left to confirm`);
        continue;
      }
      const sameBlock = checkpoints.filter((c) => c.number === offline.blockNumber && c.chainId === anchor.chainId);
      const otherChain = checkpoints.find((c) => c.hash === offline.blockHash && c.chainId !== anchor.chainId);
      if (sameBlock.some((c) => c.hash !== offline.blockHash)) {
        add(`${at}.chain`, chainTitle, "failed", `your checkpoint pins block ${offline.blockNumber} of chain ${anchor.chainId} to another hash than ${offline.blockHash}`, "CHECKPOINT_MISMATCH");
        continue;
      }
      if (otherChain && sameBlock.length === 0) {
        add(`${at}.chain`, chainTitle, "failed", `block hash ${offline.blockHash} is pinned by your checkpoint for chain ${otherChain.chainId}, but the receipt puts it on chain ${anchor.chainId}`, "CHECKPOINT_CHAIN_MISMATCH");
        continue;
      }
      if (sameBlock.length === 0) {
        remaining.push(outsideFactOf(anchor, i, "block-hash", info));
        if (offline.codeHash === undefined) remaining.push(outsideFactOf(anchor, i, "contract-code", info));
        add(`${at}.chain`, chainTitle, "not-checked", `the offline proof holds; left to confirm: block ${anchor.blockNumber} of chain ${anchor.chainId} has hash ${anchor.blockHash}${offline.codeHash === undefined ? ", and the contract's code (the proof carries no account proof)" : ""}`);
        continue;
      }
      if (offline.codeHash === undefined) {
        remaining.push(outsideFactOf(anchor, i, "contract-code", info));
        add(`${at}.chain`, chainTitle, "not-checked", `block ${offline.blockNumber} is pinned by your checkpoint and the header proves the Anchored log, but contract identity is not checked offline (${(anchor.inclusion as { format?: string }).format ?? "this proof"} carries no account proof): confirm the code of ${anchor.contract} with an RPC`);
        continue;
      }
      const b = buildOf(offline.codeHash.toLowerCase(), trusted);
      if (!b) {
        add(`${at}.chain`, chainTitle, "failed", `the account proof shows code ${offline.codeHash} at ${anchor.contract}, which is no released EvidenceAnchor build`, "CONTRACT_CODE_UNKNOWN");
        continue;
      }
      const operator = findOperatorDeployment(deployments, anchor.chainId, anchor.contract);
      add(`${at}.chain`, chainTitle, "passed", `block ${offline.blockNumber} (${offline.blockHash}) is pinned by your checkpoint for chain ${anchor.chainId}; its header proves the Anchored log at ${isoOf(offline.blockTimestamp)} and code ${b.build} (${offline.codeHash})`);
      add(`${at}.deployment`, "Whose deployment the contract is", "passed", operator ? `${anchor.contract.toLowerCase()} is an operator deployment (listed in ${operator.source})` : `${anchor.contract.toLowerCase()} is not in the operator deployments this verifier holds: deployment "other"`);
      if (b.byUser) warn("CODE_TRUSTED_BY_USER", i, `the code at ${anchor.contract} (${offline.codeHash}) is no released build; it is accepted because the user trusts that hash`);
      if (proofOk) {
        const time = isoOf(offline.blockTimestamp);
        witnesses.push({
          anchor: i, type: "evm", via: "offline-checkpoint", time, existedNoLaterThan: timeBound(time, info.blockTimeToleranceSeconds, serviceTimes),
          chainId: anchor.chainId, chainName: info.name, development: info.development, blockNumber: Number(offline.blockNumber), blockHash: offline.blockHash,
          txHash: anchor.txHash.toLowerCase() as Hex, contract: anchor.contract.toLowerCase() as Hex, codeHash: offline.codeHash, codeCheckedAt: "account-proof", build: b.build,
          deployment: operator ? "operator" : "other", ...(operator ? { deploymentSource: operator.source } : {}),
        });
      }
    } else {
      add(`${at}.asserted`, "What the receipt says about the time-stamping authority", "not-checked", `asserted by the receipt, not checked: tsa.subject ${JSON.stringify(anchor.tsa.subject)}, tsa.issuer ${JSON.stringify(anchor.tsa.issuer)}, qualified ${anchor.qualified}${anchor.tsaUrl ? `, tsaUrl ${JSON.stringify(anchor.tsaUrl)}` : ""}`);
      if (!options.timestamp) {
        add(`${at}.tsa`, "RFC 3161 time-stamp token", "not-checked", "no TSA trust anchors were configured for this verifier");
        continue;
      }
      try {
        const r = await options.timestamp(anchor.token, fromHex(anchor.proof.root, 32));
        if (parseUtcTime(r.genTime) !== parseUtcTime(anchor.genTime)) throw new AnchorError("TSA_TIME_MISMATCH", `the token says ${r.genTime}, the receipt ${anchor.genTime}`);
        const subject = r.info?.tsa?.subject;
        const issuer = r.info?.tsa?.issuer;
        const qualified = r.info?.qualified;
        if ((subject !== undefined && subject !== anchor.tsa.subject) || (issuer !== undefined && issuer !== anchor.tsa.issuer) || (qualified !== undefined && qualified !== anchor.qualified)) {
          throw new AnchorError("TSA_LABEL_MISMATCH", `the receipt's TSA labels (${JSON.stringify(anchor.tsa.subject)}, qualified ${anchor.qualified}) are not the token's (${JSON.stringify(subject)}, qualified ${qualified})`);
        }
        add(`${at}.tsa`, "RFC 3161 time-stamp token", "passed", r.detail);
        if (proofOk) {
          const time = new Date(parseUtcTime(r.genTime)).toISOString();
          witnesses.push({
            anchor: i, type: "rfc3161", via: "tsa-token", time, existedNoLaterThan: timeBound(time, 0, serviceTimes),
            ...(subject !== undefined ? { tsaSubject: subject } : {}), ...(issuer !== undefined ? { tsaIssuer: issuer } : {}), ...(qualified !== undefined ? { qualified } : {}),
          });
        }
      } catch (e) {
        const f = failure(e);
        add(`${at}.tsa`, "RFC 3161 time-stamp token", "failed", f.detail, f.code);
      }
    }
  }

  const signed = await checkClaimSignature(receipt, leafHash !== undefined, witnesses, options.signature);
  if (signed) add("signature", "The claimant signed the digest and claim", signed.status, signed.detail, signed.code);

  const anyFailed = checks.some((c) => c.status === "failed");
  const verified = !anyFailed && fileMatched && leafHash !== undefined && witnesses.length > 0;
  const existedNoLaterThan = witnesses.map((w) => w.existedNoLaterThan).sort()[0];
  const identity = signed?.identity ? { signedIdentity: signed.identity } : {};
  return { verified, checks, ...(existedNoLaterThan ? { existedNoLaterThan } : {}), witnesses, warnings, remaining, receipt, ...identity };
}

/**
 * The `signature` step (issue 16): a v2 receipt's claimant signature, verified by the caller's
 * verifier with the certificates judged at the earliest proven anchor time. Undefined for a receipt
 * without a signature.
 */
async function checkClaimSignature(
  receipt: Receipt, leafOk: boolean, witnesses: readonly Witness[], verifier: ClaimSignatureVerifier | undefined,
): Promise<{ status: CheckStatus; detail: string; code?: string; identity?: SignedIdentity } | undefined> {
  if (receipt.version !== RECEIPT_VERSION_2 || !receipt.signature) return undefined;
  if (!leafOk) return { status: "not-checked", detail: "the leaf could not be rebuilt, so the signature is not bound to the anchored entry" };
  if (!verifier) return { status: "not-checked", detail: `a ${receipt.signature.format} signature is present; no signer trust was configured for this verifier (--signer-ca)` };
  // Judged at the earliest proven witness time (not its conservative bound, not now).
  const at = witnesses.map((w) => w.time).sort()[0];
  if (!at) return { status: "not-checked", detail: "no anchor time was proven, so the signer's certificates cannot be judged at it" };
  try {
    const r = await verifier(receipt, new Date(at));
    return { status: "passed", detail: r.detail, identity: r.identity };
  } catch (e) {
    const f = failure(e);
    return { status: "failed", detail: f.detail, code: f.code };
  }
}

export { VERDICT_JSON_SCHEMA };

/**
 * Narrows an untrusted JSON verdict (a service's `POST /v1/verify` answer) against
 * {@link VERDICT_JSON_SCHEMA}'s shape; throws `INVALID_VERDICT` naming the first bad member.
 *
 * @example
 * const verdict = parseVerdict(await res.json());
 */
export function parseVerdict(doc: unknown): Verdict {
  const fail = (at: string): never => {
    throw new InputError("INVALID_VERDICT", `not a verdict: ${at}`);
  };
  const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
  const check = (v: unknown, schema: { type?: unknown; required?: readonly string[]; properties?: Record<string, unknown>; items?: unknown; enum?: readonly unknown[]; additionalProperties?: unknown }, at: string): void => {
    const types = Array.isArray(schema.type) ? (schema.type as string[]) : schema.type ? [schema.type as string] : [];
    const ok = types.length === 0 || types.some((t) =>
      t === "object" ? isObj(v) : t === "array" ? Array.isArray(v) : t === "integer" ? Number.isSafeInteger(v) : t === "string" ? typeof v === "string" : t === "boolean" ? typeof v === "boolean" : false);
    if (!ok) fail(`${at}: expected ${types.join(" or ")}`);
    if (schema.enum && !schema.enum.includes(v)) fail(`${at}: unexpected value`);
    if (Array.isArray(v) && schema.items) v.forEach((x, i) => check(x, schema.items as never, `${at}[${i}]`));
    if (isObj(v) && schema.properties) {
      for (const k of schema.required ?? []) if (!(k in v)) fail(`${at}.${k}: missing`);
      for (const [k, x] of Object.entries(v)) {
        const sub = schema.properties[k];
        if (sub) check(x, sub as never, `${at}.${k}`);
        else if (schema.additionalProperties === false) fail(`${at}.${k}: unknown member`);
      }
    }
  };
  check(doc, VERDICT_JSON_SCHEMA as never, "verdict");
  const v = doc as Verdict;
  return v.receipt === undefined ? v : { ...v, receipt: parseReceipt(v.receipt) };
}
