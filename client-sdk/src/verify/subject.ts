/**
 * The steps about the receipt itself and the file: bounds and schema, the file's digests, and the leaf
 * rebuilt from digest, claim (and, for priorproof-leaf/2, SHA3-256 and signature).
 */
import { equalBytes, fromHex, toHex } from "../bytes.ts";
import { InputError, ProofError } from "../errors.ts";
import { claimSha256, encodeLeaf, encodeLeafV2, signatureSha256 } from "../leaf.ts";
import { hashLeaf } from "../merkle.ts";
import { RECEIPT_VERSION_2, type Receipt, parseReceipt } from "../receipt.ts";
import type { Recorder } from "./record.ts";

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
    leafHash = hashLeaf(
      encodeLeafV2({
        sha256: fromHex(receipt.subject.sha256, 32),
        sha3_256: sha3 ? fromHex(sha3, 32) : undefined,
        claimSha256: claimDigest,
        signatureSha256: sigDigest,
        salt: fromHex(leaf.salt, 16),
      }),
    );
  } else {
    leafHash = hashLeaf(encodeLeaf(fromHex(receipt.subject.sha256, 32), claimDigest, fromHex(receipt.leaf.salt, 16)));
  }
  if (toHex(leafHash) !== receipt.leaf.hash) {
    throw new ProofError("LEAF_MISMATCH", `leaf hashes to ${toHex(leafHash)}, the receipt says ${receipt.leaf.hash}`);
  }
  return leafHash;
}

function schemaTitle(doc: unknown): string {
  const v = typeof doc === "object" && doc !== null ? (doc as { version?: unknown }).version : undefined;
  return `Receipt follows ${typeof v === "string" && /^priorproof-receipt\/\d+$/.test(v) ? v : "priorproof-receipt/1"}`;
}

/**
 * A schema failure's code, as specific as its problems allow: `UNKNOWN_FIELD` when every problem is a
 * member the version does not define, `INVALID_TIME` when every problem is an impossible or malformed
 * time, else the parser's code (`INVALID_RECEIPT`).
 */
function schemaCode(e: unknown, code: string): string {
  const problems = e instanceof InputError && Array.isArray(e.cause) ? (e.cause as string[]) : [];
  if (problems.length === 0) return code;
  if (problems.every((p) => p.endsWith(": unknown field"))) return "UNKNOWN_FIELD";
  if (problems.every((p) => p.includes("UTC ISO-8601 time"))) return "INVALID_TIME";
  return code;
}

/**
 * The `schema` step: refuses a receipt with more than `maxAnchors` anchors (`TOO_MANY_ANCHORS`), then
 * parses it. Returns the receipt, or undefined when the verification cannot go on.
 */
export async function checkSchema(rec: Recorder, doc: unknown, maxAnchors: number): Promise<Receipt | undefined> {
  const anchorsOf = typeof doc === "object" && doc !== null ? (doc as { anchors?: unknown }).anchors : undefined;
  if (Array.isArray(anchorsOf) && anchorsOf.length > maxAnchors) {
    rec.add(
      "schema",
      schemaTitle(doc),
      "failed",
      `the receipt has ${anchorsOf.length} anchors; this verifier checks at most ${maxAnchors}`,
      "TOO_MANY_ANCHORS",
    );
    return undefined;
  }
  // A receipt that parses has the version the title names.
  const parsed = await rec.runCheck(
    "schema",
    schemaTitle(doc),
    () => parseReceipt(doc),
    (r) => `receipt ${r.id}`,
    schemaCode,
  );
  return parsed.ok ? parsed.value : undefined;
}

/**
 * The `digest` and `digest.sha3` steps: the file (or the digests the caller computed) against the
 * subject. Returns whether the file's SHA-256 was compared and matched.
 */
export async function checkFile(rec: Recorder, receipt: Receipt, sha256: Uint8Array | undefined, sha3_256: Uint8Array | undefined): Promise<boolean> {
  const digestTitle = "The file is the one stamped";
  let fileMatched = false;
  if (sha256) {
    fileMatched = (
      await rec.runCheck(
        "digest",
        digestTitle,
        () => verifyDigest(receipt, sha256),
        () => `sha-256 ${receipt.subject.sha256}`,
      )
    ).ok;
  } else {
    rec.add("digest", digestTitle, "not-checked", "no file or digest was given to compare");
  }
  const stated = receipt.subject.sha3_256;
  if (stated !== undefined) {
    const title = "The file's SHA3-256 is the receipt's";
    if (sha3_256) {
      await rec.runCheck(
        "digest.sha3",
        title,
        () => {
          if (!equalBytes(sha3_256, fromHex(stated, 32)))
            throw new ProofError("SHA3_MISMATCH", `file sha3-256 is ${toHex(sha3_256)}, the receipt's is ${stated}`);
        },
        () => `sha3-256 ${stated}`,
      );
    } else {
      const committed = receipt.leaf.encoding === "priorproof-leaf/2";
      rec.add(
        "digest.sha3",
        title,
        "not-checked",
        committed
          ? `subject.sha3_256 ${stated} is committed by priorproof-leaf/2 (see the leaf check); no file was hashed with SHA3-256 here`
          : `subject.sha3_256 ${stated} is asserted by the receipt, not committed by ${receipt.leaf.encoding}, and no file was hashed with SHA3-256`,
      );
    }
  }
  return fileMatched;
}

/** The `leaf` step: returns the rebuilt leaf hash, or undefined when it could not be rebuilt. */
export async function checkLeaf(rec: Recorder, receipt: Receipt): Promise<Uint8Array | undefined> {
  const leaf = await rec.runCheck(
    "leaf",
    "Digest and claim make the leaf",
    () => verifyLeaf(receipt),
    () => `leaf ${receipt.leaf.hash} (${receipt.leaf.encoding})`,
  );
  return leaf.ok ? leaf.value : undefined;
}
