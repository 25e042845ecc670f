/**
 * Reading stored content back by CID: the file's bytes, the whole DAG as a CAR, single blocks, and
 * presence checks. Everything read is verified against its CID (see `blocks.ts`).
 */
import { CarWriter } from "@ipld/car/writer";
import { getBlock, hasBlock, linksOf } from "./blocks.ts";
import { CODEC_RAW, parseCid } from "./cid.ts";
import { ContentNotFoundError } from "./errors.ts";
import { readUnixFsFile } from "./unixfs-file.ts";
import type { ReadableBlockstore, ReadOptions } from "./blocks.ts";
import type { ReadFileOptions } from "./unixfs-file.ts";
import type { CID } from "multiformats/cid";

export { getBlock } from "./blocks.ts";
export type { ReadableBlockstore, ReadOptions } from "./blocks.ts";
export type { ReadFileOptions } from "./unixfs-file.ts";

/** Media type of {@link exportCar}'s output (IPIP-412 parameters: blocks in DFS order, no duplicates). */
export const CAR_CONTENT_TYPE = "application/vnd.ipld.car; version=1; order=dfs; dups=n";

/**
 * The bytes of the UnixFS file at `cid`, streamed with backpressure.
 *
 * @throws (from the stream) ContentNotFoundError, IpfsError `NOT_A_FILE`, `INVALID_DAG`,
 * `BLOCK_HASH_MISMATCH`, `UNSUPPORTED_CID`, `INVALID_CID`.
 */
export function catFile(blockstore: ReadableBlockstore, cid: CID | string, options: ReadFileOptions = {}): AsyncGenerator<Uint8Array, void, undefined> {
  return readUnixFsFile(blockstore, cid, options);
}

/**
 * The DAG rooted at `cid` as a CARv1 stream (https://ipld.io/specs/transport/car/carv1/): a header
 * naming `cid` as the only root, then every block of the DAG once, in depth-first link order —
 * what `ipfs dag export` and a trustless gateway's `?format=car` return. The root block is read
 * before the first byte is produced, so a missing root fails the first `next()` rather than
 * yielding a header for nothing.
 *
 * @throws (from the stream) ContentNotFoundError, IpfsError `BLOCK_HASH_MISMATCH`, `INVALID_DAG`,
 * `UNSUPPORTED_CID`, `INVALID_CID`.
 */
export async function* exportCar(blockstore: ReadableBlockstore, cid: CID | string, options: ReadOptions = {}): AsyncGenerator<Uint8Array, void, undefined> {
  const root = parseCid(cid);
  const rootBytes = await getBlock(blockstore, root, options);
  const { writer, out } = CarWriter.create([root]);
  let stopped = false;
  let failure: unknown;

  // CarWriter is a channel: put() resolves once the reader has taken the bytes, which gives the
  // producer backpressure from whoever consumes this generator.
  const producer = (async () => {
    try {
      const seen = new Set<string>();
      const stack: { cid: CID; bytes?: Uint8Array }[] = [{ cid: root, bytes: rootBytes }];
      while (!stopped) {
        const item = stack.pop();
        if (item === undefined) break;
        const key = item.cid.toString();
        if (seen.has(key)) continue;
        seen.add(key);
        const bytes = item.bytes ?? (await getBlock(blockstore, item.cid, options));
        await writer.put({ cid: item.cid, bytes });
        const children = linksOf(item.cid, bytes);
        for (let i = children.length - 1; i >= 0; i--) stack.push({ cid: children[i] as CID });
      }
    } catch (error) {
      failure = error;
    } finally {
      await writer.close();
    }
  })();

  const chunks = out[Symbol.asyncIterator]();
  let done = false;
  try {
    while (true) {
      const next = await chunks.next();
      if (next.done === true) break;
      yield next.value;
    }
    done = true;
  } finally {
    if (!done) {
      // The consumer stopped early: let the producer finish its pending put() and exit.
      stopped = true;
      void (async () => {
        while ((await chunks.next()).done !== true);
      })();
    }
  }
  await producer;
  if (failure !== undefined) throw failure;
}

/**
 * True when every block of the DAG rooted at `cid` is stored (`shallow: true`: only the root).
 * dag-pb nodes are read and verified to find their links; raw leaves are only checked for presence.
 *
 * @throws IpfsError `BLOCK_HASH_MISMATCH` when a stored node is corrupt (that is not "absent"),
 * `INVALID_DAG`, `UNSUPPORTED_CID`, `INVALID_CID`.
 */
export async function hasContent(blockstore: ReadableBlockstore, cid: CID | string, options: ReadOptions & { shallow?: boolean } = {}): Promise<boolean> {
  const root = parseCid(cid);
  if (options.shallow === true) return await hasBlock(blockstore, root, options);
  const seen = new Set<string>();
  const stack: CID[] = [root];
  while (true) {
    const next = stack.pop();
    if (next === undefined) return true;
    const key = next.toString();
    if (seen.has(key)) continue;
    seen.add(key);
    if (next.code === CODEC_RAW) {
      if (!(await hasBlock(blockstore, next, options))) return false;
      continue;
    }
    let bytes: Uint8Array;
    try {
      bytes = await getBlock(blockstore, next, options);
    } catch (error) {
      if (error instanceof ContentNotFoundError) return false;
      throw error;
    }
    stack.push(...linksOf(next, bytes));
  }
}
