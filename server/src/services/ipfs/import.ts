/**
 * One-pass import of a byte stream into a blockstore as a UnixFS file: the same read that chunks
 * and hashes the DAG also computes the file's SHA-256 (through {@link createHashingTap}), so an
 * upload is read exactly once and never held in memory as a whole.
 */
import { importer } from "ipfs-unixfs-importer";
import { IpfsError } from "./errors.ts";
import { getImportProfile, toImporterOptions } from "./profiles.ts";
import { createHashingTap } from "./tap.ts";
import { multihashKey } from "./dag-blocks.ts";
import type { ImportProfile, ImportProfileName } from "./profiles.ts";
import type { Blockstore } from "interface-blockstore";
import type { CID } from "multiformats/cid";

/** Where imported blocks go: anything with a blockstore `put` (blockstore-fs, an in-memory store…). */
export type BlockSink = Pick<Blockstore, "put">;

/** Options of {@link importFile}. */
export interface ImportFileOptions {
  /** Receives every block of the DAG. */
  blockstore: BlockSink;
  /** A profile or its name; default `unixfs-v1-2025`. */
  profile?: ImportProfile | ImportProfileName;
  /** Largest accepted file, in bytes; enforced while streaming. */
  maxBytes?: number | bigint;
  /** Called after each source chunk with the number of bytes read so far. */
  onProgress?: (bytesRead: number) => void;
  /** Aborts the import between chunks. */
  signal?: AbortSignal;
}

/** What an import produced. */
export interface ImportedFile {
  /** Root CID of the UnixFS DAG, in the profile's CID version (CIDv0 `Qm…` or CIDv1 base32 `b…`). */
  cid: string;
  /** SHA-256 of the file's bytes (not of any block). */
  sha256: Uint8Array;
  /** File size in bytes. */
  size: bigint;
  /**
   * Multihash keys (hex, see `multihashKey`) of every block of the DAG, the root included, when the
   * importer wrote them itself (embedded); absent when a daemon did (Kubo: walk the DAG with
   * `listDagMultihashes`).
   */
  blocks?: string[];
}

/**
 * Imports a file from a byte stream. Blocks are written as they are produced; when the stream fails
 * or exceeds `maxBytes`, blocks already written stay in the store unreferenced (they are
 * content-addressed, so they are harmless and are reused by a later import of the same data).
 *
 * @throws FileTooLargeError past `maxBytes`; IpfsError `INVALID_INPUT` (bad chunk), `ABORTED`,
 * `UNKNOWN_PROFILE`; and whatever the source or the blockstore throws.
 */
export async function importFile(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, options: ImportFileOptions): Promise<ImportedFile> {
  const profile = typeof options.profile === "object" ? options.profile : getImportProfile(options.profile);
  const tap = createHashingTap(source, {
    maxBytes: options.maxBytes,
    onProgress: options.onProgress,
    signal: options.signal,
  });
  let root: CID | undefined;
  // Every block written is recorded by multihash: what the tenant who stored this file owns.
  const blocks = new Set<string>();
  const sink: BlockSink = {
    put: (cid, bytes, putOptions) => {
      blocks.add(multihashKey(cid));
      return options.blockstore.put(cid, bytes, putOptions);
    },
  };
  for await (const entry of importer([{ content: tap.stream }], sink, toImporterOptions(profile))) {
    root = entry.cid;
  }
  const { sha256, size } = tap.result();
  if (root === undefined) throw new IpfsError("INVALID_INPUT", "the importer produced no root");
  blocks.add(multihashKey(root));
  return { cid: root.toString(), sha256, size, blocks: [...blocks] };
}
