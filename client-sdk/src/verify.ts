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
 *
 * The steps live in verify/: subject.ts (schema, digests, leaf); anchors.ts (Merkle inclusion, then
 * each anchor's witness: evm-anchor.ts, over RPC through chain.ts or offline by a header proof and a
 * checkpoint; tsa-anchor.ts for RFC 3161); signature.ts; verdict.ts (the outcome, the verdict as JSON).
 * Every step records its checks through one `Recorder.runCheck` (record.ts). This module is the entry.
 */
import { verifyEvmInclusion } from "./evm-inclusion.ts";
import { checkAnchors } from "./verify/anchors.ts";
import { Recorder } from "./verify/record.ts";
import { checkClaimSignature } from "./verify/signature.ts";
import { checkFile, checkLeaf, checkSchema } from "./verify/subject.ts";
import { type Verdict, VERIFY_LIMITS, type VerifyOptions } from "./verify/types.ts";
import { verdictOf } from "./verify/verdict.ts";

export type {
  Check,
  CheckStatus,
  Checkpoint,
  EvmInclusionFacts,
  EvmInclusionVerifier,
  OutsideFact,
  TimestampVerifier,
  Verdict,
  VerdictWarning,
  VerifyOptions,
  Witness,
} from "./verify/types.ts";
export { VERIFY_LIMITS } from "./verify/types.ts";
export { verifyDigest, verifyLeaf } from "./verify/subject.ts";
export { type EvmChainFacts, type OnChainContext, verifyEvmAnchorOnChain } from "./verify/chain.ts";
export { outsideFactOf } from "./verify/evm-anchor.ts";
export { parseVerdict, VERDICT_JSON_SCHEMA } from "./verify/verdict.ts";

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
  const rec = new Recorder();
  // Bounds and schema: a receipt that does not parse ends the verification.
  const receipt = await checkSchema(rec, doc, options.maxAnchors ?? VERIFY_LIMITS.maxAnchors);
  if (!receipt) return { verified: false, checks: rec.checks, witnesses: [], warnings: rec.warnings, remaining: [] };
  // The file, then the leaf rebuilt from digest and claim.
  const fileMatched = await checkFile(rec, receipt, options.sha256, options.sha3_256);
  const leafHash = await checkLeaf(rec, receipt);
  // Every anchor: Merkle inclusion, then on chain (RPC) / offline EVM proof and checkpoint, or RFC 3161.
  const { witnesses, remaining } = await checkAnchors(rec, receipt, leafHash, options, verifyEvmInclusion);
  // The signed claim, whose certificates are judged at the earliest proven time.
  const signedIdentity = await checkClaimSignature(rec, receipt, leafHash !== undefined, witnesses, options.signature);
  // The time bound and the outcome.
  return verdictOf(rec, receipt, { fileMatched, leafOk: leafHash !== undefined, witnesses, remaining, signedIdentity });
}
