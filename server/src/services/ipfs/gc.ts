/**
 * Recovery's block sweep for the embedded blockstore: an upload cut off by a crash leaves the blocks it
 * had imported, with no entry to reach them. At start (before this process imports anything), every
 * block reachable from the root CID of a stored entry is marked — a block may be shared by several
 * files, so reachability from ANY live root keeps it — and every other block file is deleted.
 *
 * Blocks are matched by multihash (the file name of blockstore-fs's layout), so a block stored under
 * one CID version or codec and reached under another is still kept. Only dag-pb nodes are read (their
 * links); raw leaves are marked from their parents' links without reading them.
 */
import { readdir, stat, unlink } from "node:fs/promises";
import { join } from "node:path";
import { base32upper } from "multiformats/bases/base32";
import type { CID } from "multiformats/cid";
import { getBlock, linksOf } from "./blocks.ts";
import { CODEC_DAG_PB, parseCid } from "./cid.ts";
import type { OpenBlockstore } from "./blockstore.ts";

const IDENTITY = 0x00;
const EXTENSION = ".data";

export interface BlockSweep {
  readonly kept: number;
  readonly removed: number;
  readonly bytesRemoved: number;
  /** Blocks of live DAGs that are not in the store (reported, never created). */
  readonly missing: number;
}

const keyOf = (cid: CID) => base32upper.encoder.encode(cid.multihash.bytes);

/**
 * Deletes the blocks no live root reaches. `roots` yields the root CIDs of every stored entry; it
 * must be complete, or reachable blocks of the roots it leaves out are deleted.
 *
 * @example
 * await sweepUnreachableBlocks({ blockstore, roots: liveRoots(store) });
 */
export async function sweepUnreachableBlocks(options: { blockstore: OpenBlockstore; roots: AsyncIterable<string> }): Promise<BlockSweep> {
  const { blockstore } = options;
  const marked = new Set<string>();
  let missing = 0;
  for await (const root of options.roots) {
    const stack: CID[] = [parseCid(root)];
    while (stack.length > 0) {
      const cid = stack.pop()!;
      if (cid.multihash.code === IDENTITY) continue;
      const key = keyOf(cid);
      if (marked.has(key)) continue; // shared subtree (or a file stored twice): walked already
      marked.add(key);
      if (cid.code !== CODEC_DAG_PB) continue;
      let bytes: Uint8Array;
      try {
        bytes = await getBlock(blockstore, cid);
      } catch {
        missing++;
        continue;
      }
      stack.push(...linksOf(cid, bytes));
    }
  }
  let kept = 0;
  let removed = 0;
  let bytesRemoved = 0;
  for (const shard of await readdir(blockstore.path, { withFileTypes: true })) {
    if (!shard.isDirectory()) continue;
    const dir = join(blockstore.path, shard.name);
    for (const file of await readdir(dir)) {
      if (!file.endsWith(EXTENSION)) continue;
      if (marked.has(file.slice(0, -EXTENSION.length))) {
        kept++;
        continue;
      }
      const path = join(dir, file);
      const size = (await stat(path).catch(() => undefined))?.size ?? 0;
      await unlink(path).catch(() => undefined);
      removed++;
      bytesRemoved += size;
    }
  }
  return { kept, removed, bytesRemoved, missing };
}
