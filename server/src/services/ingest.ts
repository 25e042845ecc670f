/**
 * Ingest: turns stamp requests (digests) and uploads (streamed files) into durable pending entries.
 * An upload is hashed (SHA-256 and SHA3-256) and imported into IPFS in one pass over the stream; the
 * entry is inserted only after the whole request succeeded, so a failed request leaves no entry.
 */
import { createHash, randomBytes } from "node:crypto";
import { createThreadedHash } from "./hash-worker.ts";
import { uuidv7 } from "./ids.ts";
import { canonicalJson, claimProblems, claimSha256, encodeLeaf, fromHex, hashLeaf, toHex, type Claim } from "@priorproof/client-sdk";
import { AppError } from "../errors.ts";
import type { EntryRecord, NewEntry, Store } from "../store/types.ts";

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
  readonly claim?: Claim;
}

export interface UploadedFile {
  readonly sha256: string;
  readonly sha3_256: string;
  readonly size: number;
  readonly cid: string | null;
  readonly name: string | null;
  readonly mediaType: string | null;
  readonly pinStatus: "pinned" | "failed";
}

export interface Ingest {
  stamp(tenantId: string, items: readonly StampItem[], requestId: string | null): Promise<EntryRecord[]>;
  /** Hashes and imports one file stream; nothing is recorded until `recordUploads`. */
  importUpload(stream: AsyncIterable<Uint8Array>, meta: { name: string | null; mediaType: string | null }): Promise<UploadedFile>;
  recordUploads(tenantId: string, files: readonly UploadedFile[], claim: Claim | undefined, requestId: string | null): Promise<EntryRecord[]>;
}

export interface IngestDeps {
  readonly store: Store;
  readonly chainIds: readonly number[];
  readonly importFile?: FileImporter;
  readonly cidProfile: string;
  readonly maxFileBytes: number;
  /** Called after entries are durable (the batcher closes early when enough are queued). */
  readonly onEntries?: (count: number) => void;
  /** Logged, not thrown: a failed IPFS import still stamps the digest. */
  readonly warn?: (message: string, error: unknown) => void;
}

/** Normalizes a digest to lower-case 0x hex or throws INVALID_DIGEST. */
export function normalizeDigest(value: string): string {
  const hex = value.startsWith("0x") || value.startsWith("0X") ? value.slice(2) : value;
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw new AppError("INVALID_DIGEST", `not a SHA-256 digest (64 hex digits): ${JSON.stringify(value.slice(0, 80))}`);
  return "0x" + hex.toLowerCase();
}

/** Validates a claim, returning its canonical JSON and digest. */
export function prepareClaim(claim: unknown): { canonical: string | null; digest: string | null; previous: string | null } {
  if (claim === undefined || claim === null) return { canonical: null, digest: null, previous: null };
  const problems = claimProblems(claim);
  if (problems.length > 0) throw new AppError("INVALID_CLAIM", `invalid claim: ${problems.join("; ")}`, { problems });
  const digest = claimSha256(claim as Claim);
  if (!digest) return { canonical: null, digest: null, previous: null };
  return { canonical: canonicalJson(claim), digest: toHex(digest), previous: (claim as Claim).previous ?? null };
}

/** The leaf hash of a digest, a claim digest and a random salt (priorproof-leaf/1). */
function leafOf(sha256: string, claimDigest: string | null, salt: Uint8Array): { leafSalt: string; leafHash: string } {
  return { leafSalt: toHex(salt), leafHash: toHex(hashLeaf(encodeLeaf(fromHex(sha256, 32), claimDigest ? fromHex(claimDigest, 32) : undefined, salt))) };
}

/** `count` random 16-byte salts from one call to the CSPRNG (a call per entry costs more than the hashing). */
function salts(count: number): Uint8Array[] {
  const pool = new Uint8Array(randomBytes(16 * count));
  return Array.from({ length: count }, (_, i) => pool.subarray(16 * i, 16 * i + 16));
}

export function createIngest(deps: IngestDeps): Ingest {
  const now = () => new Date().toISOString();
  const insert = async (entries: NewEntry[]) => {
    const records = await deps.store.insertEntries(entries, deps.chainIds);
    deps.onEntries?.(records.length);
    return records;
  };

  return {
    async stamp(tenantId, items, requestId) {
      const receivedAt = now();
      const pool = salts(items.length);
      const entries = items.map((item, i): NewEntry => {
        const sha256 = normalizeDigest(item.sha256);
        const claim = prepareClaim(item.claim);
        return {
          id: uuidv7(), tenantId, sha256, sha3_256: null, size: null, name: null, mediaType: null, cid: null,
          cidProfile: null, pinStatus: "none", claim: claim.canonical, claimSha256: claim.digest, previous: claim.previous,
          ...leafOf(sha256, claim.digest, pool[i]!), receivedAt, requestId,
        };
      });
      return insert(entries);
    },

    async importUpload(stream, meta) {
      // SHA3-256 runs on a worker thread beside this one (it is the slowest of the hashes).
      const sha3 = createThreadedHash("sha3-256");
      const sha256 = createHash("sha256");
      let size = 0;
      let tooLarge = false;
      // One pass: every chunk feeds both digests on its way into the IPFS importer. The stream's own
      // iterator is read by hand so that an importer that gives up does not close the upload: the rest
      // of the file is then drained through the digests (the digest is the evidence).
      const source = stream[Symbol.asyncIterator]();
      async function* tap(): AsyncGenerator<Uint8Array> {
        for (;;) {
          const next = await source.next();
          if (next.done) return;
          const chunk = next.value;
          size += chunk.length;
          if (size > deps.maxFileBytes) {
            tooLarge = true;
            throw new AppError("FILE_TOO_LARGE", `file exceeds the ${deps.maxFileBytes}-byte limit`);
          }
          sha256.update(chunk);
          await sha3.update(chunk);
          yield chunk;
        }
      }
      let cid: string | null = null;
      let pinStatus: UploadedFile["pinStatus"] = "failed";
      try {
        if (deps.importFile) {
          try {
            const imported = await deps.importFile(tap(), { maxBytes: deps.maxFileBytes });
            cid = imported.cid;
            pinStatus = "pinned";
          } catch (error) {
            if (error instanceof AppError || tooLarge) throw error instanceof AppError ? error : new AppError("FILE_TOO_LARGE", `file exceeds the ${deps.maxFileBytes}-byte limit`);
            if ((error as { code?: string }).code === "FILE_TOO_LARGE") throw new AppError("FILE_TOO_LARGE", `file exceeds the ${deps.maxFileBytes}-byte limit`);
            // IPFS is down or failed: the digest is the evidence, so hash the rest and stamp anyway.
            deps.warn?.("ipfs import failed; stamping the digest without content", error);
            for await (const _ of tap()) {
              // drain through the digests
            }
          }
        } else {
          for await (const _ of tap()) {
            // no IPFS configured: digests only
          }
        }
      } catch (e) {
        sha3.abort();
        await source.return?.();
        throw e;
      }
      return {
        sha256: "0x" + sha256.digest("hex"), sha3_256: "0x" + (await sha3.digest()), size, cid,
        name: meta.name, mediaType: meta.mediaType, pinStatus: cid ? pinStatus : "failed",
      };
    },

    async recordUploads(tenantId, files, claim, requestId) {
      const receivedAt = now();
      const c = prepareClaim(claim);
      const pool = salts(files.length);
      const entries = files.map((f, i): NewEntry => ({
        id: uuidv7(), tenantId, sha256: f.sha256, sha3_256: f.sha3_256, size: f.size, name: f.name, mediaType: f.mediaType,
        cid: f.cid, cidProfile: f.cid ? deps.cidProfile : null, pinStatus: f.pinStatus, claim: c.canonical,
        claimSha256: c.digest, previous: c.previous, ...leafOf(f.sha256, c.digest, pool[i]!), receivedAt, requestId,
      }));
      return insert(entries);
    },
  };
}
