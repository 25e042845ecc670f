/**
 * The anchor steps: for every anchor, the Merkle inclusion of the leaf in its batch, then the witness
 * of the batch root: an EVM chain (over RPC, or offline by a header proof and a checkpoint) or an
 * RFC 3161 token. What each witness proves is collected as a {@link Witness}; what is left to confirm
 * outside the verification as an {@link OutsideFact}.
 */
import { fromHex } from "../bytes.ts";
import { cachedChainReader, type ChainReader, DEFAULT_RPC_TIMEOUT_MS } from "../chain-reader.ts";
import { verifyInclusion } from "../merkle.ts";
import { type Anchor, getInclusionProof, type Receipt } from "../receipt.ts";
import { type ChainInfo, DEFAULT_CHAIN_REGISTRY } from "../trust/chains.ts";
import type { OperatorDeployment } from "../trust/deployments.ts";
import { boundedReader } from "./chain.ts";
import { checkEvmAnchor } from "./evm-anchor.ts";
import type { Recorder } from "./record.ts";
import { checkTsaAnchor } from "./tsa-anchor.ts";
import { type EvmInclusionVerifier, type OutsideFact, VERIFY_LIMITS, type VerifyOptions, type Witness } from "./types.ts";

/** A checkpoint as the anchor steps compare it: number as a bigint, hash in lower case. */
export interface PinnedBlock {
  readonly chainId: number;
  readonly number: bigint;
  readonly hash: string;
}

/** What every anchor step of one verification shares. */
export interface AnchorContext {
  readonly rec: Recorder;
  readonly options: VerifyOptions;
  /** The rebuilt leaf hash; undefined when the leaf step failed. */
  readonly leafHash: Uint8Array | undefined;
  /** Code hashes the user trusts besides the released builds, lower case. */
  readonly trusted: ReadonlySet<string>;
  readonly deployments: readonly OperatorDeployment[];
  readonly checkpoints: readonly PinnedBlock[];
  readonly evmInclusion: EvmInclusionVerifier;
  /** The bounded, cached reader of one chain for this verification. */
  readonly boundedFor: (chainId: number, reader: ChainReader) => ChainReader;
  /** Every time the service recorded for the entry (bounds are never earlier). */
  readonly serviceTimes: readonly string[];
  readonly witnesses: Witness[];
  readonly remaining: OutsideFact[];
}

/** The witnesses and outside facts the anchor steps found. */
export interface AnchorFindings {
  readonly witnesses: readonly Witness[];
  readonly remaining: readonly OutsideFact[];
}

/**
 * Checks every anchor of the receipt in order: its `proof` (Merkle inclusion), then its witness.
 * `evmInclusion` is the offline EVM proof checker to use when the options name none.
 */
export async function checkAnchors(
  rec: Recorder,
  receipt: Receipt,
  leafHash: Uint8Array | undefined,
  options: VerifyOptions,
  evmInclusion: EvmInclusionVerifier,
): Promise<AnchorFindings> {
  const registry = options.chainRegistry ?? DEFAULT_CHAIN_REGISTRY;
  const ctx = anchorContext(rec, receipt, leafHash, options, evmInclusion);
  for (const [i, anchor] of receipt.anchors.entries()) {
    const chain = anchor.type === "evm" ? registry.get(anchor.chainId) : undefined;
    const label = anchor.type === "evm" ? `${chain?.name} (chain ${anchor.chainId})` : "an RFC 3161 time-stamp token";
    const proofOk = await checkInclusion(ctx, i, anchor, label);
    if (anchor.type === "evm") await checkEvmAnchor(ctx, i, anchor, chain as ChainInfo, label, proofOk);
    else await checkTsaAnchor(ctx, i, anchor, proofOk);
  }
  return { witnesses: ctx.witnesses, remaining: ctx.remaining };
}

function anchorContext(
  rec: Recorder,
  receipt: Receipt,
  leafHash: Uint8Array | undefined,
  options: VerifyOptions,
  evmInclusion: EvmInclusionVerifier,
): AnchorContext {
  const trusted = new Set([...(options.trustedCodeHashes ?? [])].map((h) => h.toLowerCase()));
  const deployments = options.deployments ?? [];
  const checkpoints = [...(options.checkpoints ?? [])].map((c) => ({ chainId: c.chainId, number: BigInt(c.number), hash: c.hash.toLowerCase() }));
  const budget = { left: options.rpcBudget ?? VERIFY_LIMITS.rpcBudget };
  const timeoutMs = options.rpcTimeoutMs ?? DEFAULT_RPC_TIMEOUT_MS;

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
  return {
    rec,
    options,
    leafHash,
    trusted,
    deployments,
    checkpoints,
    evmInclusion: options.evmInclusion ?? evmInclusion,
    boundedFor,
    serviceTimes: [receipt.service.receivedAt],
    witnesses: [],
    remaining: [],
  };
}

/** The `anchors[i].proof` step: the leaf folds up its path to the anchor's root. Returns whether it did. */
async function checkInclusion(ctx: AnchorContext, i: number, anchor: Anchor, label: string): Promise<boolean> {
  const id = `anchors[${i}].proof`;
  const title = `Leaf is in the batch anchored on ${label}`;
  const leafHash = ctx.leafHash;
  if (!leafHash) {
    ctx.rec.add(id, title, "not-checked", "the leaf could not be rebuilt");
    return false;
  }
  const run = await ctx.rec.runCheck(
    id,
    title,
    () => verifyInclusion(leafHash, getInclusionProof(anchor.proof), fromHex(anchor.proof.root, 32)),
    () => `index ${anchor.proof.index} of ${anchor.proof.treeSize}, root ${anchor.proof.root}`,
  );
  return run.ok;
}
