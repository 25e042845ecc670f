/**
 * The blocks of a stored DAG, named by multihash. Blocks are stored by multihash, so the same bytes
 * answer to every CID that shares it (another codec, another CID version, another base): ownership
 * of stored content is therefore decided on the multihash, and the service records the multihashes
 * of every DAG it stores (see `store.recordDagBlocks`).
 */
import { linksOf } from "./blocks.ts";
import { CODEC_RAW, parseCid } from "./cid.ts";
import { IpfsError } from "./errors.ts";
import type { CID } from "multiformats/cid";

/** Lower-case hex of a CID's multihash bytes (hash code, length and digest): the key a block is stored under. */
export function multihashKey(cid: CID | string): string {
  return Buffer.from(parseCid(cid).multihash.bytes).toString("hex");
}

/**
 * Walks the DAG at `root` and returns the multihash key of every block, the root included. Raw
 * leaves are not read (they link to nothing); dag-pb nodes are read (verified) for their links.
 *
 * @throws IpfsError `DAG_TOO_LARGE` past `maxBlocks`; whatever `read` throws (a missing block).
 */
export async function listDagMultihashes(read: (cid: CID) => Promise<Uint8Array>, root: CID | string, maxBlocks = 1_000_000): Promise<string[]> {
  const seen = new Set<string>();
  const stack: CID[] = [parseCid(root)];
  while (stack.length > 0) {
    const cid = stack.pop() as CID;
    const key = multihashKey(cid);
    if (seen.has(key)) continue;
    seen.add(key);
    if (seen.size > maxBlocks) throw new IpfsError("INVALID_DAG", `the DAG at ${root.toString()} has more than ${maxBlocks} blocks`);
    if (cid.code === CODEC_RAW) continue;
    stack.push(...linksOf(cid, await read(cid)));
  }
  return [...seen];
}
