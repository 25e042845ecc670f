/**
 * Receipt verification: each step is a function that throws a typed error; `verifyReceipt` runs the
 * steps in order and turns their outcomes into a `Verdict` listing every check as passed, failed (with
 * its code and reason) or not-checked (with why), so the reader sees exactly what was established.
 *
 * The core does no I/O: chain lookups go through injected `ChainReader`s (see anchor.ts).
 */
import { equalBytes, fromHex, toHex } from "./bytes.ts";
import { AnchorError, PriorProofError, ProofError } from "./errors.ts";
import type { ChainReader } from "./anchor.ts";
import { claimSha256, encodeLeaf } from "./leaf.ts";
import { hashLeaf, verifyInclusion } from "./merkle.ts";
import { type EvmAnchor, type Receipt, getInclusionProof, parseReceipt } from "./receipt.ts";

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

/** The outcome of verifying one receipt. */
export interface Verdict {
  /**
   * True when no check failed, the file (or digest) was compared and matched, the receipt is internally
   * consistent, and at least one anchor was confirmed by an independent witness (the chain, an
   * offline block-header proof, or a TSA token).
   */
  readonly verified: boolean;
  readonly checks: readonly Check[];
  /** Earliest witnessed time (UTC ISO-8601) among anchors whose witness check passed. */
  readonly existedNoLaterThan?: string;
  /** What weakens the evidence without failing a check (a development chain, an anchor not yet final). */
  readonly warnings: readonly string[];
  readonly receipt?: Receipt;
}

/** Verifies the offline part of an EVM anchor (`inclusion`: block header + receipt-trie proof). */
export type EvmInclusionVerifier = (inclusion: unknown, anchor: EvmAnchor) => { detail: string };
/** Verifies an RFC 3161 token over the batch root; returns its genTime (ISO) and a detail line. */
export type TimestampVerifier = (tokenBase64: string, root: Uint8Array) => Promise<{ genTime: string; detail: string }>;

export interface VerifyOptions {
  /** SHA-256 of the file as the verifier computed it; absent: the digest check is not-checked. */
  readonly sha256?: Uint8Array;
  /** Chain readers by chain id; an EVM anchor on a chain without one is not-checked online. */
  readonly chains?: Readonly<Record<string, ChainReader>>;
  readonly evmInclusion?: EvmInclusionVerifier;
  /**
   * Also ask the contract's own `verifyInclusion` view to fold the path (default true): an independent
   * re-check by the chain, at one call per receipt. Bulk verification may turn it off; the local fold
   * and the anchored root and tree size are still checked.
   */
  readonly contractView?: boolean;
  readonly timestamp?: TimestampVerifier;
}

/** Throws `DIGEST_MISMATCH` unless the file's digest is the receipt's. */
export function verifyDigest(receipt: Receipt, sha256: Uint8Array): void {
  if (!equalBytes(sha256, fromHex(receipt.subject.sha256, 32))) {
    throw new ProofError("DIGEST_MISMATCH", `file sha-256 is ${toHex(sha256)}, the receipt's is ${receipt.subject.sha256}`);
  }
}

/** Throws unless the leaf hash is rebuilt from the digest and the claim (priorproof-leaf/1). */
export function verifyLeaf(receipt: Receipt): Uint8Array {
  const claimDigest = claimSha256(receipt.claim);
  const stated = receipt.leaf.claimSha256;
  if ((claimDigest ? toHex(claimDigest) : null) !== stated) {
    throw new ProofError("CLAIM_MISMATCH", `claim hashes to ${claimDigest ? toHex(claimDigest) : "nothing"}, the receipt says ${stated}`);
  }
  const leafHash = hashLeaf(encodeLeaf(fromHex(receipt.subject.sha256, 32), claimDigest, fromHex(receipt.leaf.salt, 16)));
  if (toHex(leafHash) !== receipt.leaf.hash) {
    throw new ProofError("LEAF_MISMATCH", `leaf hashes to ${toHex(leafHash)}, the receipt says ${receipt.leaf.hash}`);
  }
  return leafHash;
}

/**
 * Checks an EVM anchor against the chain: right chain, contract present, root anchored there with the
 * proof's tree size in the stated block, block hash and time as stated, and the contract's own verify
 * view accepting the path. Returns a detail line with the depth now.
 */
export async function verifyEvmAnchorOnChain(anchor: EvmAnchor, leafHash: Uint8Array, reader: ChainReader, contractView = true): Promise<string> {
  const chainId = await reader.getChainId();
  if (chainId !== BigInt(anchor.chainId)) throw new AnchorError("CHAIN_ID_MISMATCH", `rpc serves chain ${chainId}, the anchor names ${anchor.chainId}`);
  if (!(await reader.hasCode(anchor.contract))) throw new AnchorError("CONTRACT_MISSING", `no contract at ${anchor.contract} on chain ${chainId}`);
  const { root, treeSize, index, path } = anchor.proof;
  const onChain = await reader.getAnchor(anchor.contract, root);
  if (onChain.timestamp === 0n) throw new AnchorError("ROOT_NOT_ANCHORED", `root ${root} is not anchored at ${anchor.contract}`);
  if (onChain.treeSize !== BigInt(treeSize)) throw new AnchorError("TREE_SIZE_MISMATCH", `root was anchored with ${onChain.treeSize} leaves, the proof names ${treeSize}`);
  if (onChain.blockNumber !== BigInt(anchor.blockNumber)) throw new AnchorError("BLOCK_NUMBER_MISMATCH", `root was anchored in block ${onChain.blockNumber}, the receipt says ${anchor.blockNumber}`);
  const block = await reader.getBlock(BigInt(anchor.blockNumber));
  if (!block) throw new AnchorError("BLOCK_MISSING", `block ${anchor.blockNumber} is not on chain ${chainId}`);
  if (block.hash.toLowerCase() !== anchor.blockHash) throw new AnchorError("BLOCK_HASH_MISMATCH", `block ${anchor.blockNumber} is ${block.hash} on chain, the receipt says ${anchor.blockHash} (reorganised?)`);
  const stated = BigInt(Math.floor(Date.parse(anchor.blockTime) / 1000));
  if (block.timestamp !== stated || onChain.timestamp !== stated) {
    throw new AnchorError("BLOCK_TIME_MISMATCH", `block time on chain is ${new Date(Number(block.timestamp) * 1000).toISOString()}, the receipt says ${anchor.blockTime}`);
  }
  if (contractView) {
    const view = await reader.verifyInclusionOnChain(anchor.contract, { leafHash: toHex(leafHash), index: BigInt(index), treeSize: BigInt(treeSize), path, root });
    if (!view.included) throw new AnchorError("CONTRACT_REJECTS_PROOF", `the contract's verifyInclusion view rejects the path to ${root}`);
  }
  const depth = (await reader.getBlockNumber()) - BigInt(anchor.blockNumber) + 1n;
  const finality = depth >= BigInt(anchor.requiredConfirmations) ? "final" : `not yet final (needs ${anchor.requiredConfirmations})`;
  return `root anchored at ${anchor.contract} on chain ${chainId} in block ${anchor.blockNumber} (${anchor.blockHash}) at ${anchor.blockTime}; ${depth} confirmations now, ${finality}`;
}

function failure(e: unknown): { code: string; detail: string } {
  if (e instanceof PriorProofError) return { code: e.code, detail: e.message };
  return { code: "UNEXPECTED", detail: e instanceof Error ? e.message : String(e) };
}

/**
 * Verifies a receipt (untrusted JSON) and, when given, the file's digest.
 *
 * @example
 * const verdict = await verifyReceipt(JSON.parse(text), {
 *   sha256: (await sha256File("draft.psd")).sha256,
 *   chains: { "11155111": createChainReader("https://rpc.sepolia.org") },
 * });
 * for (const c of verdict.checks) console.log(c.status, c.title, c.detail);
 */
export async function verifyReceipt(doc: unknown, options: VerifyOptions = {}): Promise<Verdict> {
  const checks: Check[] = [];
  const add = (id: string, title: string, status: CheckStatus, detail: string, code?: string) =>
    checks.push(code ? { id, title, status, detail, code } : { id, title, status, detail });

  let receipt: Receipt;
  try {
    receipt = parseReceipt(doc);
    add("schema", "Receipt follows priorproof-receipt/1", "passed", `receipt ${receipt.id}`);
  } catch (e) {
    const f = failure(e);
    add("schema", "Receipt follows priorproof-receipt/1", "failed", f.detail, f.code);
    return { verified: false, checks, warnings: [] };
  }

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

  let leafHash: Uint8Array | undefined;
  try {
    leafHash = verifyLeaf(receipt);
    add("leaf", "Digest and claim make the leaf", "passed", `leaf ${receipt.leaf.hash} (${receipt.leaf.encoding})`);
  } catch (e) {
    const f = failure(e);
    add("leaf", "Digest and claim make the leaf", "failed", f.detail, f.code);
  }

  const witnessed: string[] = [];
  const warnings: string[] = [];
  for (const [i, anchor] of receipt.anchors.entries()) {
    const at = `anchors[${i}]`;
    const label = anchor.type === "evm" ? `${anchor.chainName} (chain ${anchor.chainId})` : `RFC 3161 TSA ${anchor.tsa.subject}`;
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
      if (anchor.development) warnings.push(`${at}: chain ${anchor.chainId} (${anchor.chainName}) is a development chain — no evidential value`);
      if (anchor.inclusion !== undefined) {
        if (!options.evmInclusion) {
          add(`${at}.inclusion`, "Block header and receipt proof (offline)", "not-checked", "this verifier build has no offline EVM proof checker");
        } else {
          try {
            const r = options.evmInclusion(anchor.inclusion, anchor);
            add(`${at}.inclusion`, "Block header and receipt proof (offline)", "passed", r.detail);
            if (proofOk) witnessed.push(anchor.blockTime);
          } catch (e) {
            const f = failure(e);
            add(`${at}.inclusion`, "Block header and receipt proof (offline)", "failed", f.detail, f.code);
          }
        }
      }
      const reader = options.chains?.[String(anchor.chainId)];
      if (!reader) {
        add(`${at}.chain`, `Root is anchored on ${label}`, "not-checked", `no RPC for chain ${anchor.chainId}: confirm block ${anchor.blockNumber} has hash ${anchor.blockHash}`);
      } else if (!leafHash) {
        add(`${at}.chain`, `Root is anchored on ${label}`, "not-checked", "the leaf could not be rebuilt");
      } else {
        try {
          const detail = await verifyEvmAnchorOnChain(anchor, leafHash, reader, options.contractView ?? true);
          add(`${at}.chain`, `Root is anchored on ${label}`, "passed", detail);
          if (proofOk) witnessed.push(anchor.blockTime);
        } catch (e) {
          const f = failure(e);
          add(`${at}.chain`, `Root is anchored on ${label}`, "failed", f.detail, f.code);
        }
      }
    } else {
      if (!options.timestamp) {
        add(`${at}.tsa`, "RFC 3161 time-stamp token", "not-checked", "no TSA trust anchors were configured for this verifier");
      } else {
        try {
          const r = await options.timestamp(anchor.token, fromHex(anchor.proof.root, 32));
          if (r.genTime !== anchor.genTime) throw new AnchorError("TSA_TIME_MISMATCH", `token says ${r.genTime}, the receipt ${anchor.genTime}`);
          add(`${at}.tsa`, "RFC 3161 time-stamp token", "passed", r.detail);
          if (proofOk) witnessed.push(anchor.genTime);
        } catch (e) {
          const f = failure(e);
          add(`${at}.tsa`, "RFC 3161 time-stamp token", "failed", f.detail, f.code);
        }
      }
    }
  }

  const anyFailed = checks.some((c) => c.status === "failed");
  const verified = !anyFailed && fileMatched && leafHash !== undefined && witnessed.length > 0;
  const existedNoLaterThan = witnessed.sort()[0];
  return existedNoLaterThan ? { verified, checks, existedNoLaterThan, warnings, receipt } : { verified, checks, warnings, receipt };
}
