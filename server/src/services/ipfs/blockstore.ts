/**
 * The embedded node's block storage: one file per block under a directory (blockstore-fs, the
 * same layout as Kubo's flatfs `next-to-last/2` sharding), so blocks survive restarts and can be
 * inspected or backed up with ordinary file tools.
 */
import { resolve } from "node:path";
import { FsBlockstore } from "blockstore-fs";
import type { Blockstore } from "interface-blockstore";
import { dedupeWrites } from "./dedupe.ts";

/** The block store interface every function of this layer reads and writes through. */
export type IpfsBlockstore = Blockstore;

/** A blockstore that must be closed when the service stops. */
export interface OpenBlockstore extends IpfsBlockstore {
  /** Absolute path of the block directory. */
  readonly path: string;
  close(): Promise<void>;
}

/**
 * Opens (and creates, with parents, if missing) a filesystem blockstore rooted at `dir`.
 *
 * @example
 * const blockstore = await openFsBlockstore("/var/lib/priorproof/blocks");
 */
export async function openFsBlockstore(dir: string): Promise<OpenBlockstore> {
  // open() creates the directory and its parents (mkdir -p) when it is missing.
  const store = new FsBlockstore(resolve(dir), { createIfMissing: true });
  await store.open();
  // Each block is written once: repeated content no longer races steno's per-file temp name (dedupe.ts).
  return dedupeWrites(store);
}
