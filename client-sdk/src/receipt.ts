/**
 * The PriorProof receipt: a self-contained, versioned JSON document that proves a file digest (and its
 * claim) was included in a batch whose Merkle root was witnessed by one or more anchors (an EVM chain,
 * an RFC 3161 time-stamping authority). Specified in docs/receipt.md with a JSON Schema
 * (docs/receipt.schema.json) and vectors.
 *
 * `parseReceipt` validates an untrusted document, collecting every bad field path before failing.
 *
 * The shapes are in receipt/types.ts; the rules: receipt/fields.ts (shared by both versions),
 * receipt/v1.ts (priorproof-receipt/1) and receipt/v2.ts (priorproof-receipt/2, claimant signatures).
 */
import { fromHex } from "./bytes.ts";
import { InputError } from "./errors.ts";
import { parseStrictJson } from "./trust/ijson.ts";
import { checkClaim, obj, type Problems } from "./receipt/fields.ts";
import { RECEIPT_VERSION, RECEIPT_VERSION_2, type Receipt, type ReceiptProof } from "./receipt/types.ts";
import { receiptV1Problems } from "./receipt/v1.ts";
import { receiptV2Problems } from "./receipt/v2.ts";

export {
  type Anchor,
  type ClaimSignature,
  type CmsClaimSignature,
  type Eip712ClaimSignature,
  type EvmAnchor,
  type Hex,
  type LeafV2,
  MAX_ANCHORS,
  MAX_CMS_SIGNATURE_BASE64,
  type Receipt,
  RECEIPT_VERSION,
  RECEIPT_VERSION_2,
  type ReceiptProof,
  type ReceiptSubject,
  type ReceiptV1,
  type ReceiptV2,
  type Rfc3161Anchor,
} from "./receipt/types.ts";
export { signatureProblems } from "./receipt/v2.ts";

/**
 * Lists every problem of an untrusted claim (empty when it is a valid claim).
 *
 * @example
 * claimProblems({ kind: "painting" }) // ["claim.kind: expected one of design, trademark, ai-image, source, other"]
 */
export function claimProblems(claim: unknown): string[] {
  const p: Problems = [];
  checkClaim(p, claim);
  return p;
}

/**
 * Lists every problem of an untrusted receipt document (empty when it follows priorproof-receipt/1).
 *
 * @example
 * receiptProblems(JSON.parse(text)) // ["anchors[0].blockHash: expected 32 bytes of lower-case 0x hex"]
 */
export function receiptProblems(doc: unknown): string[] {
  if (!obj(doc)) return ["receipt: expected a JSON object"];
  if (doc.version === RECEIPT_VERSION_2) return receiptV2Problems(doc);
  if (doc.version !== RECEIPT_VERSION) return [`version: expected "${RECEIPT_VERSION}" or "${RECEIPT_VERSION_2}", got ${JSON.stringify(doc.version)}`];
  return receiptV1Problems(doc);
}

/**
 * Narrows an untrusted document to a receipt or throws `INVALID_RECEIPT` listing every bad field.
 *
 * @example
 * const receipt = parseReceipt(JSON.parse(await readFile("receipt.json", "utf8")));
 */
export function parseReceipt(doc: unknown): Receipt {
  const problems = receiptProblems(doc);
  if (problems.length > 0) {
    const version = obj(doc) && doc.version === RECEIPT_VERSION_2 ? RECEIPT_VERSION_2 : RECEIPT_VERSION;
    throw new InputError(
      "INVALID_RECEIPT",
      `receipt is not ${version}: ${problems.slice(0, 5).join("; ")}${problems.length > 5 ? ` (+${problems.length - 5} more)` : ""}`,
      { cause: problems },
    );
  }
  return doc as unknown as Receipt;
}

/**
 * Reads a receipt from its JSON text strictly (I-JSON: a duplicate member name is `DUPLICATE_KEY`, see
 * trust/ijson.ts) and narrows it with {@link parseReceipt}. Every reader of receipt files should use it:
 * `JSON.parse` keeps the last of two equal names, so a person and a verifier could read different titles.
 *
 * @example
 * const receipt = parseReceiptJson(await readFile("receipt.json", "utf8"));
 */
export function parseReceiptJson(text: string): Receipt {
  return parseReceipt(parseStrictJson(text));
}

/** The proof of a receipt anchor in the Merkle module's terms. */
export function getInclusionProof(proof: ReceiptProof): { index: bigint; treeSize: bigint; path: Uint8Array[] } {
  return { index: BigInt(proof.index), treeSize: BigInt(proof.treeSize), path: proof.path.map((n) => fromHex(n, 32)) };
}
