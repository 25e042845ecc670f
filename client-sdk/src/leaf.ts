/**
 * What a Merkle leaf commits to: the file's SHA-256 and, optionally, a claim about it (title, kind,
 * author, previous version, AI process record). The encoding is versioned and byte-exact so that any
 * implementation can rebuild the leaf from the receipt.
 *
 * priorproof-leaf/1:
 *   leaf data  = 0x01 ‖ SHA-256(file) [32] ‖ claimSha256 [32, all zero when there is no claim] ‖ salt [16]
 *   claimSha256 = SHA-256(UTF-8 of the RFC 8785 (JCS) canonical JSON of the claim)
 *   leaf hash  = SHA-256(0x00 ‖ leaf data)  (RFC 9162 §2.1.1, see merkle.ts)
 * priorproof-leaf/2 (docs/design/format-v2.md, docs/receipt.md):
 *   leaf data  = 0x02 ‖ SHA-256(file) [32] ‖ SHA3-256(file) [32, zero when unknown] ‖ claimSha256 [32, zero
 *                without a claim] ‖ signatureSha256 [32, zero without a signature] ‖ salt [16]   (145 bytes)
 *   signatureSha256 = SHA-256(UTF-8 of the JCS canonical JSON of the signature object)
 * The salt is random per entry: the same file stamped twice gives two different leaves (so every batch
 * root is new, and a published leaf or root says nothing about which files are in the batch).
 */
import { sha256 } from "./sha256.ts";
import { concatBytes } from "./bytes.ts";
import { InputError } from "./errors.ts";
import { hashLeaf } from "./merkle.ts";

export const LEAF_ENCODING = "priorproof-leaf/1";
/** First byte of priorproof-leaf/1 leaf data. */
export const LEAF_VERSION_BYTE = 0x01;
export const LEAF_ENCODING_V2 = "priorproof-leaf/2";
/** First byte of priorproof-leaf/2 leaf data. */
export const LEAF_V2_VERSION_BYTE = 0x02;
/** Bytes of priorproof-leaf/2 leaf data. */
export const LEAF_V2_LENGTH = 145;
/** Bytes of the per-entry random salt. */
export const LEAF_SALT_LENGTH = 16;

/** Kinds of asset a claim may name. */
export const ASSET_KINDS = ["design", "trademark", "ai-image", "source", "other"] as const;
export type AssetKind = (typeof ASSET_KINDS)[number];

/** A JSON value as JCS canonicalizes it (finite numbers only). */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/**
 * A claim about the file, committed in the leaf. Everything in it is declared by the user; the
 * timestamp proves only that this claim existed, with the file, no later than the anchor.
 */
export interface Claim {
  readonly title?: string;
  readonly kind?: AssetKind;
  readonly author?: string;
  readonly claimant?: string;
  /** SHA-256 of an earlier version of the same work (lineage draft → final), lower-case 0x hex. */
  readonly previous?: string;
  /** For AI-generated images: the process record (model, prompt, seed, parameters, iterations). */
  readonly aiProcess?: { readonly [key: string]: JsonValue };
  /** Free-form notes. */
  readonly note?: string;
}

/**
 * RFC 8785 JSON Canonicalization Scheme: object members sorted by UTF-16 code units, no whitespace,
 * ECMAScript number and string serialization (which is what JSON.stringify does for those).
 *
 * @example
 * canonicalJson({ b: 1, a: "x" }) // '{"a":"x","b":1}'
 */
export function canonicalJson(value: unknown): string {
  if (value === null) return "null";
  switch (typeof value) {
    case "boolean":
      return value ? "true" : "false";
    case "number":
      if (!Number.isFinite(value)) throw new InputError("INVALID_CLAIM", `claim holds a non-finite number: ${value}`);
      return JSON.stringify(value);
    case "string":
      return JSON.stringify(value);
    case "object": {
      if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
      const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
      // Default string sort compares UTF-16 code units, as RFC 8785 §3.2.3 requires.
      entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
    }
    default:
      throw new InputError("INVALID_CLAIM", `claim holds a ${typeof value}, which JSON cannot carry`);
  }
}

/**
 * SHA-256 of the claim's canonical JSON, or undefined when there is no claim (or it is empty).
 *
 * @example
 * claimSha256({ title: "Power bank, rev. 3", kind: "design" }) // 32 bytes
 */
export function claimSha256(claim: Claim | undefined | null): Uint8Array | undefined {
  if (!claim || Object.values(claim).every((v) => v === undefined)) return undefined;
  return sha256(new TextEncoder().encode(canonicalJson(claim)));
}

/**
 * Encodes priorproof-leaf/1 leaf data.
 *
 * @example
 * encodeLeaf(fileDigest, claimSha256(claim), salt) // 81 bytes
 */
export function encodeLeaf(sha256OfFile: Uint8Array, claimDigest: Uint8Array | undefined, salt: Uint8Array): Uint8Array {
  if (sha256OfFile.length !== 32) throw new InputError("INVALID_LENGTH", `file digest has ${sha256OfFile.length} bytes, not 32`);
  if (claimDigest && claimDigest.length !== 32) throw new InputError("INVALID_LENGTH", `claim digest has ${claimDigest.length} bytes, not 32`);
  if (salt.length !== LEAF_SALT_LENGTH) throw new InputError("INVALID_LENGTH", `leaf salt has ${salt.length} bytes, not ${LEAF_SALT_LENGTH}`);
  return concatBytes(Uint8Array.of(LEAF_VERSION_BYTE), sha256OfFile, claimDigest ?? new Uint8Array(32), salt);
}

/**
 * The leaf hash of a file digest, its optional claim and the entry's salt: what the batch tree is
 * built over.
 *
 * @example
 * getLeafHash(fileDigest, { title: "Logo", kind: "trademark" }, salt)
 */
export function getLeafHash(sha256OfFile: Uint8Array, claim: Claim | null | undefined, salt: Uint8Array): Uint8Array {
  return hashLeaf(encodeLeaf(sha256OfFile, claimSha256(claim), salt));
}

/** The parts of a priorproof-leaf/2 leaf; absent digests are encoded as 32 zero bytes. */
export interface LeafV2Parts {
  readonly sha256: Uint8Array;
  readonly sha3_256?: Uint8Array | undefined;
  readonly claimSha256?: Uint8Array | undefined;
  readonly signatureSha256?: Uint8Array | undefined;
  readonly salt: Uint8Array;
}

/**
 * SHA-256 of the signature object's canonical JSON (RFC 8785), as priorproof-leaf/2 commits it.
 *
 * @example
 * signatureSha256({ format: "eip712/1", signedAt: "2026-11-30T08:00:00Z", signer: "0x…", chainId: 1, value: "0x…" })
 */
export function signatureSha256(signature: { readonly format: string } | undefined | null): Uint8Array | undefined {
  if (!signature) return undefined;
  return sha256(new TextEncoder().encode(canonicalJson(signature)));
}

/**
 * Encodes priorproof-leaf/2 leaf data (145 bytes).
 *
 * @example
 * encodeLeafV2({ sha256: fileDigest, sha3_256: fileSha3, claimSha256: claimSha256(claim), salt }) // 145 bytes
 */
export function encodeLeafV2(parts: LeafV2Parts): Uint8Array {
  const word = (v: Uint8Array | undefined, what: string): Uint8Array => {
    if (v === undefined) return new Uint8Array(32);
    if (v.length !== 32) throw new InputError("INVALID_LENGTH", `${what} has ${v.length} bytes, not 32`);
    return v;
  };
  if (parts.sha256?.length !== 32) throw new InputError("INVALID_LENGTH", `file digest has ${parts.sha256?.length} bytes, not 32`);
  if (parts.salt?.length !== LEAF_SALT_LENGTH) throw new InputError("INVALID_LENGTH", `leaf salt has ${parts.salt?.length} bytes, not ${LEAF_SALT_LENGTH}`);
  return concatBytes(
    Uint8Array.of(LEAF_V2_VERSION_BYTE),
    parts.sha256,
    word(parts.sha3_256, "sha3-256 digest"),
    word(parts.claimSha256, "claim digest"),
    word(parts.signatureSha256, "signature digest"),
    parts.salt,
  );
}
