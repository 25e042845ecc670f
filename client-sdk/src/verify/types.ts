/**
 * The shapes of verification: a verdict and its checks, warnings, witnesses and outside facts; the
 * options and injected verifiers of `verifyReceipt`; its default bounds.
 */
import type { ChainReader } from "../chain-reader.ts";
import type { EvmAnchor, Hex, Receipt } from "../receipt.ts";
import type { ClaimSignatureVerifier, SignedIdentity } from "../signature/index.ts";
import type { ChainRegistry } from "../trust/chains.ts";
import type { OperatorDeployment } from "../trust/deployments.ts";

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
) => Promise<{
  genTime: string;
  detail: string;
  info?: { readonly tsa?: { readonly subject?: string; readonly issuer?: string }; readonly qualified?: boolean };
}>;

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
