/**
 * The statement a claimant signs (docs/receipt.md, "Signed claims"):
 *
 *   statement = JCS({ "sha256": <0x hex>, "sha3_256": <0x hex, omitted when absent>,
 *                     "claim": <claim object, omitted when absent or empty>, "signedAt": <RFC 3339 UTC> })
 *
 * signed as its UTF-8 bytes (CMS) or as the EIP-712 struct of the same facts. The claim is the very
 * object the leaf commits (`claimSha256` hashes the same canonical JSON), so a signature binds digest,
 * claim and the signer's stated time together.
 */
import { isHex32 } from "../bytes.ts";
import { SignatureError } from "../errors.ts";
import { type Claim, canonicalJson, claimSha256 } from "../leaf.ts";
import type { Receipt } from "../receipt.ts";
import { parseUtcTime } from "../trust/time.ts";

/** What a statement states. */
export interface StatementFacts {
  /** SHA-256 of the file, lower-case 0x hex. */
  readonly sha256: string;
  /** SHA3-256 of the file, when known. */
  readonly sha3_256?: string | undefined;
  readonly claim?: Claim | undefined;
  /** RFC 3339 UTC time the signer states. */
  readonly signedAt: string;
}

function hasClaim(claim: Claim | undefined): claim is Claim {
  return claimSha256(claim) !== undefined;
}

/**
 * The statement's canonical JSON text (sign its UTF-8 bytes).
 *
 * @example
 * buildStatement({ sha256: "0xba78…15ad", claim: { title: "Logo" }, signedAt: "2026-11-30T08:00:00Z" })
 * // '{"claim":{"title":"Logo"},"sha256":"0xba78…15ad","signedAt":"2026-11-30T08:00:00Z"}'
 */
export function buildStatement(facts: StatementFacts): string {
  if (!isHex32(facts.sha256))
    throw new SignatureError("INVALID_ARGUMENT", `statement sha256 is not 32 bytes of lower-case 0x hex: ${String(facts.sha256).slice(0, 80)}`);
  if (facts.sha3_256 !== undefined && !isHex32(facts.sha3_256))
    throw new SignatureError("INVALID_ARGUMENT", `statement sha3_256 is not 32 bytes of lower-case 0x hex`);
  try {
    parseUtcTime(facts.signedAt);
  } catch (e) {
    throw new SignatureError("INVALID_ARGUMENT", `statement signedAt is not an RFC 3339 UTC time: ${String(facts.signedAt).slice(0, 40)}`, { cause: e });
  }
  return canonicalJson({
    sha256: facts.sha256,
    ...(facts.sha3_256 !== undefined ? { sha3_256: facts.sha3_256 } : {}),
    ...(hasClaim(facts.claim) ? { claim: facts.claim } : {}),
    signedAt: facts.signedAt,
  });
}

/** The statement's UTF-8 bytes. */
export function statementBytes(facts: StatementFacts): Uint8Array {
  return new TextEncoder().encode(buildStatement(facts));
}

/**
 * The statement a receipt's signature must cover, rebuilt from the receipt's own subject and claim
 * and the signature's `signedAt` (so a changed digest or claim breaks the signature).
 *
 * @example
 * statementOfReceipt(receipt, receipt.signature.signedAt)
 */
export function statementOfReceipt(receipt: Receipt, signedAt: string): StatementFacts {
  return { sha256: receipt.subject.sha256, sha3_256: receipt.subject.sha3_256, claim: receipt.claim, signedAt };
}
