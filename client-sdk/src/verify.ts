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
import { verifyEvmInclusion } from "./evm-inclusion.ts";
import { claimSha256, encodeLeaf, encodeLeafV2, signatureSha256 } from "./leaf.ts";
import { hashLeaf, verifyInclusion } from "./merkle.ts";
import type { ClaimSignatureVerifier, SignedIdentity } from "./signature/index.ts";
import { type EvmAnchor, type Hex, RECEIPT_VERSION_2, type Receipt, getInclusionProof, parseReceipt } from "./receipt.ts";

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
   * consistent, and at least one anchor was confirmed by an independent witness (the chain over RPC;
   * an offline block-header proof whose block hash is a pinned checkpoint; or a TSA token). An offline
   * proof alone leaves one outside fact (the block hash is canonical): see `remaining`.
   */
  readonly verified: boolean;
  readonly checks: readonly Check[];
  /** Earliest witnessed time (UTC ISO-8601) among anchors whose witness check passed. */
  readonly existedNoLaterThan?: string;
  /** What weakens the evidence without failing a check (a development chain, an anchor not yet final). */
  readonly warnings: readonly string[];
  /**
   * Facts outside the receipt that this verification could not establish, one per EVM anchor that no
   * node and no checkpoint confirmed, with the ways to settle each. Empty when nothing is left.
   */
  readonly remaining: readonly OutsideFact[];
  readonly receipt?: Receipt;
  /** The claimant's identity when the `signature` check passed (plain data to print). */
  readonly signedIdentity?: SignedIdentity;
}

/**
 * A fact about a chain that the receipt alone cannot prove, and how to confirm it.
 *
 * `scope: "block-hash"`: the offline proof (header + receipt trie) passed, so the only thing left is
 * that block `blockNumber` of chain `chainId` has hash `blockHash` (is canonical). `scope: "anchor"`:
 * the receipt carries no offline proof (or it failed), so the anchor itself is left: the block's hash
 * and that transaction `txHash` in it anchored `root` at `contract`.
 */
export interface OutsideFact {
  /** Index of the anchor in `receipt.anchors`. */
  readonly anchor: number;
  readonly scope: "block-hash" | "anchor";
  readonly chainId: number;
  readonly chainName: string;
  readonly blockNumber: number;
  readonly blockHash: Hex;
  /** One sentence: what must be true. */
  readonly statement: string;
  /** The JSON-RPC call that settles the block hash on any node of the chain: `result.hash` must be `blockHash`. */
  readonly rpc: { readonly method: "eth_getBlockByNumber"; readonly params: readonly [string, false] };
  /** The block's page in the chain's explorer, when the receipt names one. */
  readonly explorerUrl?: string;
}

/** Verifies the offline part of an EVM anchor (`inclusion`: block header + receipt-trie proof). */
export type EvmInclusionVerifier = (inclusion: unknown, anchor: EvmAnchor) => Promise<{ detail: string }> | { detail: string };
/** Verifies an RFC 3161 token over the batch root; returns its genTime (ISO) and a detail line. */
export type TimestampVerifier = (tokenBase64: string, root: Uint8Array) => Promise<{ genTime: string; detail: string }>;

export interface VerifyOptions {
  /** SHA-256 of the file as the verifier computed it; absent: the digest check is not-checked. */
  readonly sha256?: Uint8Array;
  /** SHA3-256 of the file as the verifier computed it; compared with `subject.sha3_256` when both exist. */
  readonly sha3_256?: Uint8Array;
  /** Chain readers by chain id; an EVM anchor on a chain without one is not-checked online. */
  readonly chains?: Readonly<Record<string, ChainReader>>;
  /** The offline EVM proof checker; default `verifyEvmInclusion` (evm-inclusion.ts). */
  readonly evmInclusion?: EvmInclusionVerifier;
  /**
   * Block hashes you already trust to be canonical on the chain the anchor names (a pinned list, e.g.
   * copied from two explorers or your own node). An EVM anchor whose offline proof passes and whose
   * block hash is listed is confirmed with no network at all.
   */
  readonly checkpoints?: Iterable<string>;
  /**
   * Also ask the contract's own `verifyInclusion` view to fold the path (default true): an independent
   * re-check by the chain, at one call per receipt. Bulk verification may turn it off; the local fold
   * and the anchored root and tree size are still checked.
   */
  readonly contractView?: boolean;
  readonly timestamp?: TimestampVerifier;
  /**
   * Verifies a v2 receipt's claimant signature against trust the verifier chose (see
   * `createClaimSignatureVerifier`); without it a signed receipt's `signature` check is not-checked.
   */
  readonly signature?: ClaimSignatureVerifier;
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

/**
 * The outside fact an EVM anchor leaves when no node or checkpoint confirmed it.
 *
 * @example
 * outsideFactOf(anchor, 0, "block-hash").statement // "block 12 of chain 31337 (anvil) has hash 0x…"
 */
export function outsideFactOf(anchor: EvmAnchor, index: number, scope: OutsideFact["scope"]): OutsideFact {
  const block = `block ${anchor.blockNumber} of chain ${anchor.chainId} (${anchor.chainName}) has hash ${anchor.blockHash}`;
  const statement = scope === "block-hash" ? block : `${block}, and transaction ${anchor.txHash} in it anchored root ${anchor.proof.root} at ${anchor.contract}`;
  const base = anchor.explorerUrl?.replace(/\/+$/, "");
  return {
    anchor: index,
    scope,
    chainId: anchor.chainId,
    chainName: anchor.chainName,
    blockNumber: anchor.blockNumber,
    blockHash: anchor.blockHash,
    statement,
    rpc: { method: "eth_getBlockByNumber", params: [`0x${anchor.blockNumber.toString(16)}`, false] },
    ...(base ? { explorerUrl: `${base}/block/${anchor.blockNumber}` } : {}),
  };
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
    add("schema", `Receipt follows ${receipt.version}`, "passed", `receipt ${receipt.id}`);
  } catch (e) {
    const f = failure(e);
    const version = typeof doc === "object" && doc !== null && (doc as { version?: unknown }).version === RECEIPT_VERSION_2 ? RECEIPT_VERSION_2 : "priorproof-receipt/1";
    add("schema", `Receipt follows ${version}`, "failed", f.detail, f.code);
    return { verified: false, checks, warnings: [], remaining: [] };
  }

  let fileMatched = false;
  if (options.sha256) {
    try {
      verifyDigest(receipt, options.sha256, options.sha3_256);
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
  const remaining: OutsideFact[] = [];
  const checkpoints = new Set([...(options.checkpoints ?? [])].map((h) => h.toLowerCase()));
  const evmInclusion = options.evmInclusion ?? verifyEvmInclusion;
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
      let offlineOk = false;
      if (anchor.inclusion !== undefined) {
        try {
          const r = await evmInclusion(anchor.inclusion, anchor);
          offlineOk = true;
          add(`${at}.inclusion`, "Block header and receipt proof (offline)", "passed", r.detail);
        } catch (e) {
          const f = failure(e);
          add(`${at}.inclusion`, "Block header and receipt proof (offline)", "failed", f.detail, f.code);
        }
      }
      const reader = options.chains?.[String(anchor.chainId)];
      const pinned = checkpoints.has(anchor.blockHash.toLowerCase());
      if (!reader) {
        if (offlineOk && pinned) {
          // The header binds the receipt and its log to the block hash; the checkpoint makes that hash canonical.
          add(`${at}.chain`, `Root is anchored on ${label}`, "passed", `block hash ${anchor.blockHash} is a pinned checkpoint, and the offline proof shows root ${anchor.proof.root} anchored in that block at ${anchor.blockTime}`);
          if (proofOk && leafHash) witnessed.push(anchor.blockTime);
        } else if (offlineOk) {
          const fact = outsideFactOf(anchor, i, "block-hash");
          remaining.push(fact);
          add(`${at}.chain`, `Root is anchored on ${label}`, "not-checked", `one outside fact remains: ${fact.statement} (confirm with ${fact.rpc.method} on any node of the chain${fact.explorerUrl ? `, at ${fact.explorerUrl}` : ""}, or pin it as a checkpoint)`);
        } else {
          remaining.push(outsideFactOf(anchor, i, "anchor"));
          add(`${at}.chain`, `Root is anchored on ${label}`, "not-checked", `no RPC for chain ${anchor.chainId}: confirm block ${anchor.blockNumber} has hash ${anchor.blockHash}`);
        }
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

  const signed = await checkClaimSignature(receipt, leafHash !== undefined, witnessed, options.signature);
  if (signed) add("signature", "The claimant signed the digest and claim", signed.status, signed.detail, signed.code);

  const anyFailed = checks.some((c) => c.status === "failed");
  const verified = !anyFailed && fileMatched && leafHash !== undefined && witnessed.length > 0;
  const existedNoLaterThan = witnessed.sort()[0];
  const identity = signed?.identity ? { signedIdentity: signed.identity } : {};
  return existedNoLaterThan ? { verified, checks, existedNoLaterThan, warnings, remaining, receipt, ...identity } : { verified, checks, warnings, remaining, receipt, ...identity };
}

/**
 * The `signature` step (issue 16): a v2 receipt's claimant signature, verified by the caller's
 * verifier with the certificates judged at the earliest proven anchor time. Undefined for a receipt
 * without a signature.
 */
async function checkClaimSignature(
  receipt: Receipt, leafOk: boolean, witnessed: readonly string[], verifier: ClaimSignatureVerifier | undefined,
): Promise<{ status: CheckStatus; detail: string; code?: string; identity?: SignedIdentity } | undefined> {
  if (receipt.version !== RECEIPT_VERSION_2 || !receipt.signature) return undefined;
  if (!leafOk) return { status: "not-checked", detail: "the leaf could not be rebuilt, so the signature is not bound to the anchored entry" };
  if (!verifier) return { status: "not-checked", detail: `a ${receipt.signature.format} signature is present; no signer trust was configured for this verifier (--signer-ca)` };
  const at = [...witnessed].sort()[0];
  if (!at) return { status: "not-checked", detail: "no anchor time was proven, so the signer's certificates cannot be judged at it" };
  try {
    const r = await verifier(receipt, new Date(at));
    return { status: "passed", detail: r.detail, identity: r.identity };
  } catch (e) {
    const f = failure(e);
    return { status: "failed", detail: f.detail, code: f.code };
  }
}
