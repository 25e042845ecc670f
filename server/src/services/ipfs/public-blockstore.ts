/**
 * The view of the blockstore that the IPFS network gets: a block is visible (`has`, `get`) only when it
 * belongs to content its tenant published (an entry stored with `public`). A CID is printed on every
 * certificate, so serving every stored block would let anyone holding a certificate fetch an
 * unreleased design. The service's own reads (the tenant's `/ipfs/` downloads, certificates, recovery)
 * use the underlying store directly and keep full access.
 *
 * Blocks are matched by multihash, as ownership is (services/content-access.ts): the same bytes under
 * another codec or CID version are the same published bytes. The network cannot write through this
 * view and cannot list it.
 */
import { NotFoundError } from "interface-store";
import { multihashKey } from "./dag-blocks.ts";
import type { Blockstore, InputPair, Pair } from "interface-blockstore";
import type { CID } from "multiformats/cid";

/** Decides whether the block with this multihash (lower-case hex, see `multihashKey`) is public. */
export type IsPublicBlock = (multihash: string) => Promise<boolean>;

const MULTIHASH_IDENTITY = 0x00;

/** Refused writes: the network view is read-only (imports go to the underlying store). */
export class ReadOnlyBlockstoreError extends Error {
  constructor() {
    super("the network view of the blockstore is read-only");
    this.name = "ReadOnlyBlockstoreError";
  }
}

/**
 * Wraps `store` so that only public blocks are seen.
 *
 * @example
 * const networkView = publicBlocksOnly(blockstore, (mh) => store.isPublicBlock(mh));
 */
export function publicBlocksOnly(store: Pick<Blockstore, "has" | "get">, isPublic: IsPublicBlock): Blockstore {
  const visible = async (cid: CID): Promise<boolean> => {
    // Identity CIDs carry their bytes; nothing stored is behind them, and nothing is served for them.
    if (cid.multihash.code === MULTIHASH_IDENTITY) return false;
    return await isPublic(multihashKey(cid));
  };
  async function* get(cid: CID, options?: Parameters<Blockstore["get"]>[1]): AsyncGenerator<Uint8Array> {
    if (!(await visible(cid))) throw new NotFoundError(`block ${cid} not found`);
    yield* store.get(cid, options);
  }
  return {
    async has(cid, options) {
      return (await visible(cid)) && (await store.has(cid, options));
    },
    get,
    async *getMany(source, options) {
      for await (const cid of source) yield { cid, bytes: get(cid, options) } satisfies Pair;
    },
    async *getAll() {
      // Listing would disclose which content is stored: the network asks by CID or not at all.
    },
    put(): never {
      throw new ReadOnlyBlockstoreError();
    },
    // biome-ignore lint/correctness/useYield: a read-only view refuses every write before yielding anything
    async *putMany(_source: Iterable<InputPair> | AsyncIterable<InputPair>) {
      throw new ReadOnlyBlockstoreError();
    },
    delete(): never {
      throw new ReadOnlyBlockstoreError();
    },
    // biome-ignore lint/correctness/useYield: a read-only view refuses every write before yielding anything
    async *deleteMany(_source: Iterable<CID> | AsyncIterable<CID>) {
      throw new ReadOnlyBlockstoreError();
    },
  };
}
