/**
 * Client-side encryption of uploads, as the service sees it: the client encrypts a file (the envelope
 * `priorproof-aead/1`, client-sdk/src/encrypt.ts) and uploads the ciphertext with multipart fields that
 * state the plaintext's digests — the evidence that is stamped. The service never holds the key: it
 * hashes and imports the ciphertext (whose CID is pinned) and records both; it cannot check the
 * plaintext digest, which is the client's statement, exactly as for a hash-only stamp.
 */
import { AppError } from "../errors.ts";
import { ENCRYPTION_SCHEMES, normalizeDigest, type ClientEncryption } from "./ingest.ts";

/** Multipart fields of an encrypted upload; they may follow the file part (the client knows the plaintext digest only at its end). */
export const ENCRYPTION_FIELDS: ReadonlySet<string> = new Set(["encryption", "plaintextSha256", "plaintextSha3_256", "plaintextSize"]);

/**
 * The client's encryption statement from an upload's fields, or undefined when it sent none.
 *
 * @throws AppError `INVALID_ENCRYPTION` (unknown scheme, missing plaintext digest, more than one file), `INVALID_DIGEST`
 */
export function clientEncryption(fields: Readonly<Record<string, string>>, fileCount: number): ClientEncryption | undefined {
  const given = [...ENCRYPTION_FIELDS].filter((name) => fields[name] !== undefined);
  if (given.length === 0) return undefined;
  const scheme = fields.encryption;
  if (scheme === undefined || !ENCRYPTION_SCHEMES.includes(scheme)) {
    throw new AppError("INVALID_ENCRYPTION", `encryption must be one of ${ENCRYPTION_SCHEMES.join(", ")}, got ${JSON.stringify((scheme ?? "").slice(0, 50))}`);
  }
  if (fields.plaintextSha256 === undefined) throw new AppError("INVALID_ENCRYPTION", "an encrypted upload states plaintextSha256, the digest of the evidence");
  if (fileCount !== 1) throw new AppError("INVALID_ENCRYPTION", `an encrypted upload carries exactly one file, got ${fileCount}`);
  let size: number | null = null;
  if (fields.plaintextSize !== undefined) {
    if (!/^(0|[1-9][0-9]{0,15})$/.test(fields.plaintextSize) || !Number.isSafeInteger(Number(fields.plaintextSize))) {
      throw new AppError("INVALID_ENCRYPTION", `plaintextSize must be a byte count, got ${JSON.stringify(fields.plaintextSize.slice(0, 30))}`);
    }
    size = Number(fields.plaintextSize);
  }
  return {
    scheme,
    sha256: normalizeDigest(fields.plaintextSha256),
    sha3_256: fields.plaintextSha3_256 === undefined ? null : normalizeDigest(fields.plaintextSha3_256),
    size,
  };
}
