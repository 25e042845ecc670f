/**
 * The `signature` step (issue 16): a v2 receipt's claimant signature, verified by the caller's
 * verifier with the certificates judged at the earliest proven anchor time.
 */
import { RECEIPT_VERSION_2, type Receipt } from "../receipt.ts";
import type { ClaimSignatureVerifier, SignedIdentity } from "../signature/index.ts";
import type { Recorder } from "./record.ts";
import type { Witness } from "./types.ts";

/**
 * Records the `signature` check of a signed receipt (none for a receipt without a signature); returns
 * the claimant's identity when it passed.
 */
export async function checkClaimSignature(
  rec: Recorder,
  receipt: Receipt,
  leafOk: boolean,
  witnesses: readonly Witness[],
  verifier: ClaimSignatureVerifier | undefined,
): Promise<SignedIdentity | undefined> {
  if (receipt.version !== RECEIPT_VERSION_2 || !receipt.signature) return undefined;
  const title = "The claimant signed the digest and claim";
  if (!leafOk) {
    rec.add("signature", title, "not-checked", "the leaf could not be rebuilt, so the signature is not bound to the anchored entry");
    return undefined;
  }
  if (!verifier) {
    rec.add(
      "signature",
      title,
      "not-checked",
      `a ${receipt.signature.format} signature is present; no signer trust was configured for this verifier (--signer-ca)`,
    );
    return undefined;
  }
  // Judged at the earliest proven witness time (not its conservative bound, not now).
  const at = witnesses.map((w) => w.time).sort()[0];
  if (!at) {
    rec.add("signature", title, "not-checked", "no anchor time was proven, so the signer's certificates cannot be judged at it");
    return undefined;
  }
  const run = await rec.runCheck(
    "signature",
    title,
    () => verifier(receipt, new Date(at)),
    (r) => r.detail,
  );
  return run.ok ? run.value.identity : undefined;
}
