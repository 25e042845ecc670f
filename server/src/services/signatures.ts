/**
 * Claimant signatures on arrival (issue 16). A stamp item's `signature` is checked before the entry is
 * recorded: the structure, the signature math and its binding to the stamped digest, SHA3-256 and
 * claim (the statement rebuilt from the item), and — when the operator configured SIGNER_CA_FILE — a
 * path to those CAs with the certificates valid now. A failure is 400 INVALID_SIGNATURE carrying the
 * SDK's code. This is the service's opinion only: the receipt commits the signature itself, and every
 * verifier decides with its own trust anchors at the anchor's time.
 */
import type { Claim, ClaimSignature, StatementFacts } from "@priorproof/client-sdk";
import { PriorProofError, statementBytes } from "@priorproof/client-sdk/core";
import { AppError } from "../errors.ts";

/** Signed items one request may carry: each signature costs a chain search (bounded, but not free). */
export const MAX_SIGNED_ITEMS_PER_REQUEST = 100;
/** Certificate signature checks per arriving signature: a legitimate chain needs one per certificate. */
const ARRIVAL_PATH_LIMITS = { maxSignatureChecks: 24 } as const;

export interface SignatureCheckDeps {
  /** DER CA certificates signer chains must reach (SIGNER_CA_FILE); empty: math and binding only. */
  readonly trustAnchors: readonly Uint8Array[];
  readonly now?: () => Date;
}

/** Checks one item's signature; resolves when acceptable, rejects with AppError INVALID_SIGNATURE. */
export type SignatureCheck = (signature: ClaimSignature, item: { sha256: string; sha3_256: string | null; claim: Claim | undefined }) => Promise<void>;

export function createSignatureCheck(deps: SignatureCheckDeps): SignatureCheck {
  const now = deps.now ?? (() => new Date());
  return async (signature, item) => {
    const facts: StatementFacts = { sha256: item.sha256, sha3_256: item.sha3_256 ?? undefined, claim: item.claim, signedAt: signature.signedAt };
    // The CMS, X.509 and EIP-712 code (pkijs, ethers) loads at the first signed item, not at start.
    const { checkCmsSignatureMath, verifyCmsSignature } = await import("@priorproof/client-sdk/internal/signature/cms");
    const { verifyEip712Statement } = await import("@priorproof/client-sdk/internal/signature/eip712");
    try {
      if (signature.format === "eip712/1") {
        verifyEip712Statement(signature, facts);
      } else if (deps.trustAnchors.length > 0) {
        await verifyCmsSignature(signature.cms, statementBytes(facts), { trustAnchors: deps.trustAnchors, at: now(), limits: ARRIVAL_PATH_LIMITS });
      } else {
        await checkCmsSignatureMath(signature.cms, statementBytes(facts));
      }
    } catch (e) {
      if (!(e instanceof PriorProofError)) throw e;
      throw new AppError("INVALID_SIGNATURE", `invalid signature: ${e.message}`, { code: e.code });
    }
  };
}
