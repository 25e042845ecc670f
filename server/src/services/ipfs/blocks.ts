/**
 * Verified block access: every block read through here is checked against its CID before it is
 * used or served, so a corrupted or substituted file on disk is reported instead of propagated.
 */
import * as dagPb from "@ipld/dag-pb";
import { CODEC_DAG_PB, CODEC_RAW, parseCid, verifyBlock } from "./cid.ts";
import { ContentNotFoundError, IpfsError } from "./errors.ts";
import type { Blockstore } from "interface-blockstore";
import type { CID } from "multiformats/cid";

/** What reading needs from a blockstore. */
export type ReadableBlockstore = Pick<Blockstore, "get" | "has">;

/** Options shared by the read functions. */
export interface ReadOptions {
  signal?: AbortSignal;
}

const MULTIHASH_IDENTITY = 0x00;

/**
 * Reads one block and checks that it hashes to `cid`. Identity CIDs (data inlined in the CID) are
 * answered without touching the store.
 *
 * @throws ContentNotFoundError when the store does not have it; IpfsError `BLOCK_HASH_MISMATCH`,
 * `INVALID_CID`, `UNSUPPORTED_CID`.
 */
export async function getBlock(blockstore: ReadableBlockstore, cid: CID | string, options: ReadOptions = {}): Promise<Uint8Array> {
  const key = parseCid(cid);
  if (key.multihash.code === MULTIHASH_IDENTITY) return key.multihash.digest;
  let bytes: Uint8Array;
  try {
    bytes = await collect(blockstore.get(key, { signal: options.signal }));
  } catch (error) {
    if (isNotFound(error)) throw new ContentNotFoundError(key.toString(), { cause: error });
    throw error;
  }
  verifyBlock(key, bytes);
  return bytes;
}

/** True when the store holds the block (identity CIDs are always "held"). Does not read or verify it. */
export async function hasBlock(blockstore: ReadableBlockstore, cid: CID | string, options: ReadOptions = {}): Promise<boolean> {
  const key = parseCid(cid);
  if (key.multihash.code === MULTIHASH_IDENTITY) return true;
  return await blockstore.has(key, { signal: options.signal });
}

/**
 * The CIDs a block links to, in link order: dag-pb links, none for raw blocks.
 *
 * @throws IpfsError `INVALID_DAG` for an undecodable dag-pb block, `UNSUPPORTED_CID` for other codecs.
 */
export function linksOf(cid: CID, bytes: Uint8Array): CID[] {
  if (cid.code === CODEC_RAW) return [];
  if (cid.code !== CODEC_DAG_PB) throw new IpfsError("UNSUPPORTED_CID", `unsupported codec 0x${cid.code.toString(16)} in ${cid}`);
  return decodeDagPb(cid, bytes).Links.map((link) => link.Hash);
}

/**
 * Decodes a dag-pb block.
 *
 * @throws IpfsError `INVALID_DAG` when the bytes are not dag-pb.
 */
export function decodeDagPb(cid: CID, bytes: Uint8Array): dagPb.PBNode {
  try {
    return dagPb.decode(bytes);
  } catch (cause) {
    throw new IpfsError("INVALID_DAG", `block ${cid} is not valid dag-pb`, { cause });
  }
}

/** Blockstores return a block as bytes, a promise of bytes, or (interface-blockstore 7) a stream of chunks. */
async function collect(value: unknown): Promise<Uint8Array> {
  const resolved: unknown = await value;
  if (resolved instanceof Uint8Array) return resolved;
  if (resolved !== null && typeof resolved === "object" && (Symbol.asyncIterator in resolved || Symbol.iterator in resolved)) {
    const chunks: Uint8Array[] = [];
    let length = 0;
    for await (const chunk of resolved as AsyncIterable<unknown>) {
      if (!(chunk instanceof Uint8Array)) throw new IpfsError("INVALID_INPUT", "the blockstore returned a non-byte chunk");
      chunks.push(chunk);
      length += chunk.byteLength;
    }
    if (chunks.length === 1 && chunks[0] !== undefined) return chunks[0];
    const out = new Uint8Array(length);
    let offset = 0;
    for (const chunk of chunks) {
      out.set(chunk, offset);
      offset += chunk.byteLength;
    }
    return out;
  }
  throw new IpfsError("INVALID_INPUT", "the blockstore returned something that is not a block");
}

function isNotFound(error: unknown): boolean {
  // interface-store's NotFoundError (blockstore-fs, blockstore-core) and Node's ENOENT.
  if (!(error instanceof Error)) return false;
  return error.name === "NotFoundError" || (error as { code?: unknown }).code === "ENOENT";
}
