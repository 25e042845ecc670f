/**
 * Ingest: turns stamp requests (digests) and uploads (streamed files) into durable pending entries.
 * An upload is hashed (SHA-256 and SHA3-256) and imported into IPFS in one pass over the stream; the
 * entry is inserted only after the whole request succeeded, so a failed request leaves no entry.
 *
 * When IPFS fails (the blockstore or the Kubo node is unavailable) the digest is still the evidence:
 * the upload is stamped anyway. So that its content is not lost, the same pass also writes the bytes
 * to a spool file under the data dir (upload-spool.ts); the file is deleted once the import
 * succeeded, and otherwise kept (synced before the entry is acknowledged) with the entry's pin status
 * `pending`, for the pin retry worker (services/pinner.ts) to import once IPFS is back.
 */
import { createHash, randomBytes } from "node:crypto";
import { unlink } from "node:fs/promises";
import { join } from "node:path";
import { defaultHashPool, type HashPool } from "./hash-worker.ts";
import { uuidv7 } from "./ids.ts";
import {
  canonicalJson,
  claimProblems,
  claimSha256,
  encodeLeafV2,
  fromHex,
  hashLeaf,
  signatureProblems,
  signatureSha256,
  toHex,
  type Claim,
  type ClaimSignature,
} from "@priorproof/client-sdk/core";
import { AppError } from "../errors.ts";
import { jsonDepthExceeds, MAX_JSON_DEPTH } from "../schemas/json-depth.ts";
import { MAX_SIGNED_ITEMS_PER_REQUEST, type SignatureCheck } from "./signatures.ts";
import { assertClaimWithinLimits } from "./claim-limits.ts";
import { openSpool } from "./upload-spool.ts";
import type { EntryRecord, NewEntry, NewIdempotencyKey, Store } from "../store/types.ts";

// The spool lives in upload-spool.ts; recovery at start is still reached through this module.
export { recoverSpool } from "./upload-spool.ts";

/** What the IPFS layer returns for an imported file. */
export interface ImportedFile {
  readonly cid: string;
  readonly sha256: Uint8Array;
  readonly size: bigint;
}

/** The IPFS import used by uploads (see services/ipfs). */
export type FileImporter = (source: AsyncIterable<Uint8Array>, options: { maxBytes: number; onProgress?: (bytes: number) => void }) => Promise<ImportedFile>;

export interface StampItem {
  readonly sha256: string;
  /** SHA3-256 the client computed; committed in the leaf (the service never saw the bytes). */
  readonly sha3_256?: string;
  readonly claim?: Claim;
  /** The claimant's signature over the statement (cms/1 or eip712/1), committed in the leaf. */
  readonly signature?: ClaimSignature;
}

export interface UploadedFile {
  readonly sha256: string;
  readonly sha3_256: string;
  readonly size: number;
  readonly cid: string | null;
  readonly name: string | null;
  readonly mediaType: string | null;
  readonly pinStatus: "pinned" | "pending" | "failed";
  /** Stable code of the import failure (pending/failed), else null. */
  readonly pinError: string | null;
  /** Spool file name (under `spoolDir`) holding the bytes while `pinStatus` is pending. */
  readonly spool: string | null;
  /**
   * Set when the bytes are a client-side encrypted envelope (see client-sdk/src/encrypt.ts): the
   * evidence is then the plaintext, whose digests and size the client states; `sha256`/`sha3_256`/`size`
   * above are the ciphertext's.
   */
  readonly encrypted?: ClientEncryption;
}

/** What a client states about an upload it encrypted: the scheme and the plaintext (the evidence). */
export interface ClientEncryption {
  readonly scheme: string;
  readonly sha256: string;
  readonly sha3_256: string | null;
  readonly size: number | null;
}

/** The client-side encryption schemes the service records (the envelope is opaque to it). */
export const ENCRYPTION_SCHEMES: readonly string[] = ["priorproof-aead/1"];

export interface Ingest {
  /** With `idempotency`, the key is recorded in the entries' own transaction (services/idempotency.ts). */
  stamp(tenantId: string, items: readonly StampItem[], requestId: string | null, idempotency?: NewIdempotencyKey): Promise<EntryRecord[]>;
  /** Hashes and imports one file stream; nothing is recorded until `recordUploads`. */
  importUpload(stream: AsyncIterable<Uint8Array>, meta: { name: string | null; mediaType: string | null }): Promise<UploadedFile>;
  /**
   * Records uploaded files as entries. `options.public` publishes their content to the IPFS network
   * (the embedded node serves it over Bitswap); absent, the tenant's `publicContent` setting decides.
   */
  recordUploads(
    tenantId: string,
    files: readonly UploadedFile[],
    claim: Claim | undefined,
    requestId: string | null,
    idempotency?: NewIdempotencyKey,
    options?: { public?: boolean },
  ): Promise<EntryRecord[]>;
  /** Deletes the spool files of uploads that will not be recorded (the request failed after they were read). */
  discardUploads(files: readonly UploadedFile[]): Promise<void>;
}

export interface IngestDeps {
  readonly store: Store;
  readonly chainIds: readonly number[];
  readonly importFile?: FileImporter;
  readonly cidProfile: string;
  readonly maxFileBytes: number;
  /** Called after entries are durable (the batcher closes early when enough are queued). */
  readonly onEntries?: (count: number) => void;
  /** Called with the root CID of each stored upload recorded as published (the IPFS node announces it). */
  readonly onPublished?: (cid: string) => void;
  /** Logged, not thrown: a failed IPFS import still stamps the digest. */
  readonly warn?: (message: string, error: unknown) => void;
  /**
   * Directory of spool files: each upload's bytes are written here while they are imported, and kept
   * (pin status `pending`) when the import fails. Without it, a failed import loses the content.
   */
  readonly spoolDir?: string;
  /** Checks a stamp item's claimant signature on arrival (services/signatures.ts); without it, structure only. */
  readonly checkSignature?: SignatureCheck;
  /** The fixed pool of threads hashing uploads (default: the process's two-thread pool). */
  readonly hashPool?: HashPool;
}

/** The entry's pin error after a failed import (the detail goes to the log, not to the tenant). */
const PIN_ERROR = "IPFS_UNAVAILABLE";

/** Normalizes a digest to lower-case 0x hex or throws INVALID_DIGEST. */
export function normalizeDigest(value: string): string {
  const hex = value.startsWith("0x") || value.startsWith("0X") ? value.slice(2) : value;
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw new AppError("INVALID_DIGEST", `not a SHA-256 digest (64 hex digits): ${JSON.stringify(value.slice(0, 80))}`);
  return "0x" + hex.toLowerCase();
}

/** Validates a claim, returning its canonical JSON and digest. */
export function prepareClaim(claim: unknown): { canonical: string | null; digest: string | null; previous: string | null } {
  if (claim === undefined || claim === null) return { canonical: null, digest: null, previous: null };
  // Multipart claims arrive here without the JSON body parser's nesting limit; validation recurses.
  if (jsonDepthExceeds(claim)) throw new AppError("INVALID_CLAIM", `invalid claim: nested deeper than ${MAX_JSON_DEPTH} levels`);
  assertClaimWithinLimits(claim);
  const problems = claimProblems(claim);
  if (problems.length > 0) throw new AppError("INVALID_CLAIM", `invalid claim: ${problems.join("; ")}`, { problems });
  const digest = claimSha256(claim as Claim);
  if (!digest) return { canonical: null, digest: null, previous: null };
  return { canonical: canonicalJson(claim), digest: toHex(digest), previous: (claim as Claim).previous ?? null };
}

/** Validates a claimant signature's structure, returning its canonical JSON and digest (the math is checked elsewhere). */
export function prepareSignature(signature: unknown): { canonical: string | null; digest: string | null } {
  if (signature === undefined || signature === null) return { canonical: null, digest: null };
  const problems = signatureProblems(signature);
  if (problems.length > 0) throw new AppError("INVALID_SIGNATURE", `invalid signature: ${problems.join("; ")}`, { problems });
  return { canonical: canonicalJson(signature), digest: toHex(signatureSha256(signature as ClaimSignature) as Uint8Array) };
}

/**
 * The priorproof-leaf/2 leaf of an entry: its digests (SHA3-256 committed when known), the claim and
 * signature digests, and a random salt.
 */
function leafOf(
  sha256: string,
  sha3_256: string | null,
  claimDigest: string | null,
  signatureDigest: string | null,
  salt: Uint8Array,
): { leafVersion: 2; leafSalt: string; leafHash: string } {
  const data = encodeLeafV2({
    sha256: fromHex(sha256, 32),
    sha3_256: sha3_256 ? fromHex(sha3_256, 32) : undefined,
    claimSha256: claimDigest ? fromHex(claimDigest, 32) : undefined,
    signatureSha256: signatureDigest ? fromHex(signatureDigest, 32) : undefined,
    salt,
  });
  return { leafVersion: 2, leafSalt: toHex(salt), leafHash: toHex(hashLeaf(data)) };
}

/** `count` random 16-byte salts from one call to the CSPRNG (a call per entry costs more than the hashing). */
function salts(count: number): Uint8Array[] {
  const pool = new Uint8Array(randomBytes(16 * count));
  return Array.from({ length: count }, (_, i) => pool.subarray(16 * i, 16 * i + 16));
}

export function createIngest(deps: IngestDeps): Ingest {
  const now = () => new Date().toISOString();
  const insert = async (entries: NewEntry[], idempotency?: NewIdempotencyKey) => {
    const records = await deps.store.insertEntries(entries, deps.chainIds, idempotency);
    deps.onEntries?.(records.length);
    return records;
  };

  return {
    async stamp(tenantId, items, requestId, idempotency) {
      const receivedAt = now();
      const pool = salts(items.length);
      if (items.some((item) => item.signature === undefined) && (await deps.store.getTenantSettings(tenantId)).requireSignedClaims) {
        throw new AppError("SIGNATURE_REQUIRED", "this tenant requires signed claims: every item needs a signature (see docs/receipt.md, Signed claims)");
      }
      const prepared = items.map((item) => {
        const sha256 = normalizeDigest(item.sha256);
        const sha3_256 = item.sha3_256 === undefined ? null : normalizeDigest(item.sha3_256);
        return { sha256, sha3_256, claim: prepareClaim(item.claim), signature: prepareSignature(item.signature) };
      });
      const signed = items.filter((item) => item.signature !== undefined).length;
      if (signed > MAX_SIGNED_ITEMS_PER_REQUEST) {
        throw new AppError("INVALID_SIGNATURE", `at most ${MAX_SIGNED_ITEMS_PER_REQUEST} signed items per request, got ${signed}`, {
          code: "TOO_MANY_SIGNATURES",
        });
      }
      if (deps.checkSignature) {
        for (const [i, item] of items.entries()) {
          const p = prepared[i]!;
          if (item.signature) await deps.checkSignature(item.signature, { sha256: p.sha256, sha3_256: p.sha3_256, claim: item.claim });
        }
      }
      const entries = prepared.map(({ sha256, sha3_256, claim, signature }, i): NewEntry => {
        return {
          id: uuidv7(),
          tenantId,
          sha256,
          sha3_256,
          size: null,
          name: null,
          mediaType: null,
          cid: null,
          cidProfile: null,
          pinStatus: "none",
          claim: claim.canonical,
          claimSha256: claim.digest,
          previous: claim.previous,
          signature: signature.canonical,
          ...leafOf(sha256, sha3_256, claim.digest, signature.digest, pool[i]!),
          receivedAt,
          requestId,
        };
      });
      return insert(entries, idempotency);
    },

    async importUpload(stream, meta) {
      // SHA3-256 runs on a worker thread beside this one (it is the slowest of the hashes).
      const sha3 = (deps.hashPool ?? defaultHashPool()).hash("sha3-256");
      const sha256 = createHash("sha256");
      const spool = deps.importFile && deps.spoolDir ? await openSpool(deps.spoolDir, deps.warn) : undefined;
      let size = 0;
      let tooLarge = false;
      let sourceFailed = false;
      // One pass: every chunk feeds both digests (and the spool file) on its way into the IPFS importer.
      // The stream's own iterator is read by hand so that an importer that gives up does not close the
      // upload: the rest of the file is then drained through the digests (the digest is the evidence).
      const source = stream[Symbol.asyncIterator]();
      async function* tap(): AsyncGenerator<Uint8Array> {
        for (;;) {
          let next: IteratorResult<Uint8Array>;
          try {
            next = await source.next();
          } catch (error) {
            // The client's upload failed (truncated multipart, aborted): the request fails, not IPFS.
            sourceFailed = true;
            throw error;
          }
          if (next.done) return;
          const chunk = next.value;
          size += chunk.length;
          if (size > deps.maxFileBytes) {
            tooLarge = true;
            throw new AppError("FILE_TOO_LARGE", `file exceeds the ${deps.maxFileBytes}-byte limit`);
          }
          sha256.update(chunk);
          await (spool ? Promise.all([sha3.update(chunk), spool.write(chunk)]) : sha3.update(chunk));
          yield chunk;
        }
      }
      let cid: string | null = null;
      let pinStatus: UploadedFile["pinStatus"] = "failed";
      let pinError: string | null = null;
      let kept: string | null = null;
      try {
        if (deps.importFile) {
          try {
            const imported = await deps.importFile(tap(), { maxBytes: deps.maxFileBytes });
            cid = imported.cid;
            pinStatus = "pinned";
          } catch (error) {
            if (tooLarge || (error as { code?: string }).code === "FILE_TOO_LARGE")
              throw new AppError("FILE_TOO_LARGE", `file exceeds the ${deps.maxFileBytes}-byte limit`);
            if (sourceFailed) throw error;
            // IPFS is down or failed: the digest is the evidence, so hash the rest and stamp anyway;
            // the spool keeps the bytes for the pin retry worker.
            deps.warn?.(
              spool
                ? "ipfs import failed; stamping the digest and spooling the content for a later pin"
                : "ipfs import failed; stamping the digest without content",
              error,
            );
            pinError = PIN_ERROR;
            for await (const _ of tap()) {
              // drain through the digests and the spool
            }
            if (spool && (await spool.keep())) {
              kept = spool.name;
              pinStatus = "pending";
            }
          }
        } else {
          for await (const _ of tap()) {
            // no IPFS configured: digests only
          }
        }
      } catch (e) {
        sha3.abort();
        await spool?.discard();
        await source.return?.();
        throw e;
      }
      if (!kept) await spool?.discard();
      return {
        sha256: "0x" + sha256.digest("hex"),
        sha3_256: "0x" + (await sha3.digest()),
        size,
        cid,
        name: meta.name,
        mediaType: meta.mediaType,
        pinStatus: cid ? pinStatus : kept ? "pending" : "failed",
        pinError,
        spool: kept,
      };
    },

    async recordUploads(tenantId, files, claim, requestId, idempotency, options = {}) {
      const settings = await deps.store.getTenantSettings(tenantId);
      if (settings.requireSignedClaims) {
        throw new AppError(
          "SIGNATURE_REQUIRED",
          "this tenant requires signed claims: hash the file, sign the statement and stamp the digest with its signature (uploads carry no signature)",
        );
      }
      const receivedAt = now();
      const c = prepareClaim(claim);
      const pool = salts(files.length);
      const published = options.public ?? settings.publicContent === true;
      const entries = files.map((f, i): NewEntry => {
        // An encrypted upload stamps the plaintext the client hashed; the ciphertext is only what is stored.
        const evidence = f.encrypted ?? f;
        return {
          id: uuidv7(),
          tenantId,
          sha256: evidence.sha256,
          sha3_256: evidence.sha3_256,
          size: evidence.size,
          name: f.name,
          mediaType: f.mediaType,
          cid: f.cid,
          cidProfile: f.cid ? deps.cidProfile : null,
          pinStatus: f.pinStatus,
          pinAttempts: deps.importFile ? 1 : 0,
          pinError: f.pinError,
          pinSpool: f.spool,
          claim: c.canonical,
          claimSha256: c.digest,
          previous: c.previous,
          ...leafOf(evidence.sha256, evidence.sha3_256, c.digest, null, pool[i]!),
          receivedAt,
          requestId,
          ...(f.encrypted ? { encryption: f.encrypted.scheme, contentSha256: f.sha256 } : {}),
          // A file whose import failed is served once the pin retry worker stored it (the flag stays with the entry).
          ...(published ? { public: true } : {}),
        };
      });
      const records = await insert(entries, idempotency);
      for (const r of records) if (r.public && r.cid) deps.onPublished?.(r.cid);
      return records;
    },

    async discardUploads(files) {
      for (const f of files) if (f.spool && deps.spoolDir) await unlink(join(deps.spoolDir, f.spool)).catch(() => undefined);
    },
  };
}
