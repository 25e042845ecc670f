/**
 * The steps of one EVM anchor: the chain's labels against the verifier's registry, the offline header
 * proof (`inclusion`), then the root on the chain, over RPC when the verifier has a reader for the
 * chain, else by the offline proof, a checkpoint of that chain and known code.
 */
import { AnchorError } from "../errors.ts";
import type { ChainReader } from "../chain-reader.ts";
import type { EvmAnchor, Hex } from "../receipt.ts";
import { type ChainInfo, DEFAULT_CHAIN_REGISTRY, explorerBlockUrl } from "../trust/chains.ts";
import { findOperatorDeployment } from "../trust/deployments.ts";
import { timeBound } from "../trust/time.ts";
import type { AnchorContext } from "./anchors.ts";
import { buildOf, isoOf, secondsOf, verifyEvmAnchorOnChain } from "./chain.ts";
import type { EvmInclusionFacts, OutsideFact } from "./types.ts";

/**
 * The outside fact an EVM anchor leaves, with ways to settle it taken from the verifier's registry.
 *
 * @example
 * outsideFactOf(anchor, 0, "block-hash", registry.get(31337)).statement // "block 12 of chain 31337 has hash 0x…"
 */
export function outsideFactOf(
  anchor: EvmAnchor,
  index: number,
  scope: OutsideFact["scope"],
  chain: ChainInfo = DEFAULT_CHAIN_REGISTRY.get(anchor.chainId),
): OutsideFact {
  const block = `block ${anchor.blockNumber} of chain ${anchor.chainId} (${chain.name}) has hash ${anchor.blockHash}`;
  const statement =
    scope === "block-hash"
      ? block
      : scope === "contract-code"
        ? `the code of ${anchor.contract} on chain ${anchor.chainId} (${chain.name}) is a released EvidenceAnchor build`
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
    rpc:
      scope === "contract-code"
        ? { method: "eth_getCode", params: [anchor.contract, `0x${anchor.blockNumber.toString(16)}`] }
        : { method: "eth_getBlockByNumber", params: [`0x${anchor.blockNumber.toString(16)}`, false] },
    ...(explorerUrl ? { explorerUrl } : {}),
  };
}

/** The receipt's statements about a chain that the verifier does not take: shown, labelled. */
function assertedEvmFacts(a: EvmAnchor): string {
  const parts = [
    `chainName ${JSON.stringify(a.chainName)}`,
    `development ${a.development}`,
    `confirmations ${a.confirmations}`,
    `requiredConfirmations ${a.requiredConfirmations}`,
  ];
  if (a.explorerUrl !== undefined) parts.push(`explorerUrl ${JSON.stringify(a.explorerUrl)}`);
  return `asserted by the receipt, not checked: ${parts.join(", ")}`;
}

/**
 * Every step of the EVM anchor `i`. `info` is the verifier's registry entry of its chain, `label` how
 * the checks name the chain, `proofOk` whether the leaf is in the anchored batch (only then does a
 * confirmed root make a witness).
 */
export async function checkEvmAnchor(ctx: AnchorContext, i: number, anchor: EvmAnchor, info: ChainInfo, label: string, proofOk: boolean): Promise<void> {
  checkLabels(ctx, i, anchor, info, label);
  const offline = anchor.inclusion !== undefined ? await checkOfflineProof(ctx, i, anchor) : undefined;
  const reader = ctx.options.chains?.[String(anchor.chainId)];
  const title = `Root is anchored on ${label}`;
  if (reader) await checkOnChain(ctx, i, anchor, info, reader, title, proofOk);
  else checkByCheckpoint(ctx, i, anchor, info, offline, title, proofOk);
}

/** Warnings from the verifier's registry, the `labels` check, and the receipt's unchecked assertions. */
function checkLabels(ctx: AnchorContext, i: number, anchor: EvmAnchor, info: ChainInfo, label: string): void {
  const { rec } = ctx;
  const at = `anchors[${i}]`;
  if (info.development)
    rec.warn(
      "DEVELOPMENT_CHAIN",
      i,
      `chain ${anchor.chainId} (${info.name}) is a development chain in the verifier's registry: anyone can mine any block on it — no evidential value`,
    );
  if (!info.known) rec.warn("UNKNOWN_CHAIN", i, `chain ${anchor.chainId} is not in the verifier's registry: its name, finality rule and explorers are unknown`);
  if (info.development && !anchor.development) {
    rec.add(
      `${at}.labels`,
      "The receipt labels its chain truthfully",
      "failed",
      `the receipt calls chain ${anchor.chainId} ${JSON.stringify(anchor.chainName)} and not a development chain; the verifier's registry knows it ` +
        `as ${info.name}, a development chain`,
      "CHAIN_RELABELLED",
    );
  }
  rec.add(`${at}.asserted`, `What the receipt says about ${label}`, "not-checked", assertedEvmFacts(anchor));
}

/** The `anchors[i].inclusion` step: the offline header proof, whose facts must be the receipt's. */
async function checkOfflineProof(ctx: AnchorContext, i: number, anchor: EvmAnchor): Promise<EvmInclusionFacts | undefined> {
  const run = await ctx.rec.runCheck(
    `anchors[${i}].inclusion`,
    "Block header and receipt proof (offline)",
    async () => {
      const r = await ctx.evmInclusion(anchor.inclusion, anchor);
      if (r.blockHash.toLowerCase() !== anchor.blockHash.toLowerCase())
        throw new AnchorError("BLOCK_HASH_MISMATCH", `the header hashes to ${r.blockHash}, the receipt says ${anchor.blockHash}`);
      if (r.blockNumber !== BigInt(anchor.blockNumber))
        throw new AnchorError("BLOCK_NUMBER_MISMATCH", `the header is block ${r.blockNumber}, the receipt says ${anchor.blockNumber}`);
      if (r.blockTimestamp !== secondsOf(anchor.blockTime))
        throw new AnchorError("BLOCK_TIME_MISMATCH", `the header's time is ${isoOf(r.blockTimestamp)}, the receipt says ${anchor.blockTime}`);
      if (r.txHash !== undefined && r.txHash.toLowerCase() !== anchor.txHash.toLowerCase())
        throw new AnchorError("TX_HASH_MISMATCH", `the proven transaction is ${r.txHash}, the receipt says ${anchor.txHash}`);
      return r;
    },
    (r) => r.detail,
  );
  return run.ok ? run.value : undefined;
}

/** The `anchors[i].chain` step over RPC (every fact read from the chain), and whose deployment the contract is. */
async function checkOnChain(
  ctx: AnchorContext,
  i: number,
  anchor: EvmAnchor,
  info: ChainInfo,
  reader: ChainReader,
  title: string,
  proofOk: boolean,
): Promise<void> {
  const { rec, options, leafHash, deployments } = ctx;
  const at = `anchors[${i}]`;
  if (!leafHash) {
    rec.add(`${at}.chain`, title, "not-checked", "the leaf could not be rebuilt");
    return;
  }
  const run = await rec.runCheck(
    `${at}.chain`,
    title,
    () =>
      verifyEvmAnchorOnChain(anchor, leafHash, ctx.boundedFor(anchor.chainId, reader), {
        chain: info,
        trustedCodeHashes: ctx.trusted,
        contractView: options.contractView ?? true,
        ...(options.minConfirmations !== undefined ? { minConfirmations: options.minConfirmations } : {}),
      }),
    (f) => f.detail,
  );
  if (!run.ok) return;
  const f = run.value;
  const operator = findOperatorDeployment(deployments, anchor.chainId, anchor.contract);
  rec.add(
    `${at}.deployment`,
    "Whose deployment the contract is",
    "passed",
    operator
      ? `${anchor.contract.toLowerCase()} is an operator deployment (listed in ${operator.source})`
      : `${anchor.contract.toLowerCase()} runs a released build but is not in the operator deployments this verifier holds (` +
          (deployments.length === 0 ? "none were given" : `${deployments.length} listed`) +
          `): deployment "other"`,
  );
  if (f.codeCheckedAt === "latest")
    rec.warn("CODE_CHECKED_AT_LATEST", i, `the node keeps no state of block ${f.blockNumber}: the contract's code was read at the head`);
  if (f.codeTrustedByUser)
    rec.warn(
      "CODE_TRUSTED_BY_USER",
      i,
      `the code at ${anchor.contract} (${f.codeHash}) is no released build; it is accepted because the user trusts that hash`,
    );
  if (!f.final) rec.warn("NOT_FINAL", i, `block ${f.blockNumber} of chain ${anchor.chainId} has ${f.confirmations} confirmations: ${f.finality}`);
  if (proofOk) {
    const time = isoOf(f.blockTimestamp);
    ctx.witnesses.push({
      anchor: i,
      type: "evm",
      via: "rpc",
      time,
      existedNoLaterThan: timeBound(time, info.blockTimeToleranceSeconds, ctx.serviceTimes),
      chainId: anchor.chainId,
      chainName: info.name,
      development: info.development,
      blockNumber: Number(f.blockNumber),
      blockHash: f.blockHash,
      txHash: anchor.txHash.toLowerCase() as Hex,
      contract: anchor.contract.toLowerCase() as Hex,
      codeHash: f.codeHash,
      codeCheckedAt: f.codeCheckedAt,
      build: f.build,
      deployment: operator ? "operator" : "other",
      ...(operator ? { deploymentSource: operator.source } : {}),
      confirmations: Number(f.confirmations),
      final: f.final,
    });
  }
}

/**
 * The `anchors[i].chain` step without RPC: the offline proof, a checkpoint of this chain pinning its
 * block, and an account proof showing known code. What cannot be settled here is left as outside facts.
 */
function checkByCheckpoint(
  ctx: AnchorContext,
  i: number,
  anchor: EvmAnchor,
  info: ChainInfo,
  offline: EvmInclusionFacts | undefined,
  title: string,
  proofOk: boolean,
): void {
  const { rec, remaining } = ctx;
  const id = `anchors[${i}].chain`;
  if (!offline) {
    remaining.push(outsideFactOf(anchor, i, "anchor", info));
    rec.add(
      id,
      title,
      "not-checked",
      `no RPC for chain ${anchor.chainId}` +
        (anchor.inclusion !== undefined ? " and the offline proof did not hold" : " and no offline proof") +
        `: the transaction, its block and the contract's code are left to confirm`,
    );
    return;
  }
  const sameBlock = ctx.checkpoints.filter((c) => c.number === offline.blockNumber && c.chainId === anchor.chainId);
  const otherChain = ctx.checkpoints.find((c) => c.hash === offline.blockHash && c.chainId !== anchor.chainId);
  if (sameBlock.some((c) => c.hash !== offline.blockHash)) {
    rec.add(
      id,
      title,
      "failed",
      `your checkpoint pins block ${offline.blockNumber} of chain ${anchor.chainId} to another hash than ${offline.blockHash}`,
      "CHECKPOINT_MISMATCH",
    );
    return;
  }
  if (otherChain && sameBlock.length === 0) {
    rec.add(
      id,
      title,
      "failed",
      `block hash ${offline.blockHash} is pinned by your checkpoint for chain ${otherChain.chainId}, but the receipt puts it on chain ${anchor.chainId}`,
      "CHECKPOINT_CHAIN_MISMATCH",
    );
    return;
  }
  if (sameBlock.length === 0) {
    remaining.push(outsideFactOf(anchor, i, "block-hash", info));
    if (offline.codeHash === undefined) remaining.push(outsideFactOf(anchor, i, "contract-code", info));
    rec.add(
      id,
      title,
      "not-checked",
      `the offline proof holds; left to confirm: block ${anchor.blockNumber} of chain ${anchor.chainId} has hash ${anchor.blockHash}` +
        (offline.codeHash === undefined ? ", and the contract's code (the proof carries no account proof)" : ""),
    );
    return;
  }
  if (offline.codeHash === undefined) {
    remaining.push(outsideFactOf(anchor, i, "contract-code", info));
    rec.add(
      id,
      title,
      "not-checked",
      `block ${offline.blockNumber} is pinned by your checkpoint and the header proves the Anchored log, but contract identity is not checked ` +
        `offline (${(anchor.inclusion as { format?: string }).format ?? "this proof"} carries no account proof): confirm the code ` +
        `of ${anchor.contract} with an RPC`,
    );
    return;
  }
  const b = buildOf(offline.codeHash.toLowerCase(), ctx.trusted);
  if (!b) {
    rec.add(
      id,
      title,
      "failed",
      `the account proof shows code ${offline.codeHash} at ${anchor.contract}, which is no released EvidenceAnchor build`,
      "CONTRACT_CODE_UNKNOWN",
    );
    return;
  }
  const operator = findOperatorDeployment(ctx.deployments, anchor.chainId, anchor.contract);
  rec.add(
    id,
    title,
    "passed",
    `block ${offline.blockNumber} (${offline.blockHash}) is pinned by your checkpoint for chain ${anchor.chainId}; its header proves the Anchored ` +
      `log at ${isoOf(offline.blockTimestamp)} and code ${b.build} (${offline.codeHash})`,
  );
  rec.add(
    `anchors[${i}].deployment`,
    "Whose deployment the contract is",
    "passed",
    operator
      ? `${anchor.contract.toLowerCase()} is an operator deployment (listed in ${operator.source})`
      : `${anchor.contract.toLowerCase()} is not in the operator deployments this verifier holds: deployment "other"`,
  );
  if (b.byUser)
    rec.warn(
      "CODE_TRUSTED_BY_USER",
      i,
      `the code at ${anchor.contract} (${offline.codeHash}) is no released build; it is accepted because the user trusts that hash`,
    );
  if (proofOk) {
    const time = isoOf(offline.blockTimestamp);
    ctx.witnesses.push({
      anchor: i,
      type: "evm",
      via: "offline-checkpoint",
      time,
      existedNoLaterThan: timeBound(time, info.blockTimeToleranceSeconds, ctx.serviceTimes),
      chainId: anchor.chainId,
      chainName: info.name,
      development: info.development,
      blockNumber: Number(offline.blockNumber),
      blockHash: offline.blockHash,
      txHash: anchor.txHash.toLowerCase() as Hex,
      contract: anchor.contract.toLowerCase() as Hex,
      codeHash: offline.codeHash,
      codeCheckedAt: "account-proof",
      build: b.build,
      deployment: operator ? "operator" : "other",
      ...(operator ? { deploymentSource: operator.source } : {}),
    });
  }
}
