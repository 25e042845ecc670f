/**
 * The IPFS backend the service talks to: either the embedded node (blocks on local disk, see
 * `embedded.ts`) or an operator's Kubo daemon through its RPC API (see `kubo.ts`). Both import with
 * the same profile parameters and both compute the file's SHA-256 in the same pass as its CID, so
 * switching backends does not change any CID or digest the service reports.
 */
import type { ReadOptions } from "./blocks.ts";
import type { ReadFileOptions } from "./unixfs-file.ts";
import type { ImportedFile } from "./import.ts";
import type { ImportProfile } from "./profiles.ts";
import type { CID } from "multiformats/cid";

/** Options of {@link IpfsBackend.importFile}. */
export interface BackendImportOptions {
  /** Largest accepted file, in bytes; enforced while streaming (FileTooLargeError). */
  maxBytes?: number | bigint;
  /** Called after each source chunk with the number of bytes read so far. */
  onProgress?: (bytesRead: number) => void;
  signal?: AbortSignal;
}

/** Options of {@link IpfsBackend.has}. */
export interface HasOptions extends ReadOptions {
  /** Only check the root block instead of the whole DAG. */
  shallow?: boolean;
}

/** An IPFS node the service stores evidence files in and serves them from. */
export interface IpfsBackend {
  /** Which implementation this is (for logs and health output). */
  readonly kind: "embedded" | "kubo";
  /** The import profile every `importFile` uses. */
  readonly profile: ImportProfile;
  /** Imports a file in one pass: CID, SHA-256 and size from a single read of `source`. */
  importFile(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, options?: BackendImportOptions): Promise<ImportedFile>;
  /** The bytes of the UnixFS file at `cid`. Errors surface on the first `next()` at the latest. */
  cat(cid: CID | string, options?: ReadFileOptions): AsyncIterable<Uint8Array>;
  /** The DAG at `cid` as a CARv1 stream; a missing root fails the first `next()`. */
  car(cid: CID | string, options?: ReadOptions): AsyncIterable<Uint8Array>;
  /** One raw block, verified against `cid`. */
  block(cid: CID | string, options?: ReadOptions): Promise<Uint8Array>;
  /** Whether the node holds the whole DAG at `cid` (or its root, with `shallow`) without fetching it from the network. */
  has(cid: CID | string, options?: HasOptions): Promise<boolean>;
  /** Protects the DAG from garbage collection, for backends that collect garbage. */
  pin?(cid: CID | string, options?: ReadOptions): Promise<void>;
  /** Releases the backend's resources. */
  close(): Promise<void>;
}
