/**
 * Who may read stored content. Blocks are stored by multihash, so the bytes of a block answer to any
 * CID that carries its multihash — another codec (raw, dag-pb, dag-cbor, dag-json, libp2p-key…),
 * another CID version, another base. Ownership is therefore decided on the multihash: every import
 * records the multihashes of its DAG's blocks (`store.recordDagBlocks`), and
 *   - a single block (`?format=raw`) is served to a tenant owning an entry (or a web capture part,
 *     recorded in capture_parts) whose DAG holds a block with that multihash (the bytes are then the
 *     tenant's own, whatever codec the CID names);
 *   - a whole DAG (the file, or a CAR) only from the exact root (codec and multihash) of one of the
 *     tenant's entries or capture parts: walking links from the same bytes read under another codec (a crafted leaf
 *     read as dag-pb) would reach blocks the tenant does not own.
 * Anything else is "not found", with one answer whether another tenant has it or nobody does.
 *
 * Published content (an entry uploaded `public=true`, migration 13) is readable by anyone, with or
 * without a key, by the same two rules: a block whose multihash belongs to a published entry's DAG
 * (what the IPFS node serves over Bitswap, `store.isPublicBlock`), and a DAG only from the exact root of
 * a published entry — so a public file's bytes read as dag-pb never lead to unpublished blocks.
 */
import type { CID } from "multiformats/cid";
import { listDagMultihashes, multihashKey, parseCid, type IpfsBackend } from "./ipfs/index.ts";
import type { Store } from "../store/types.ts";

const MULTIHASH_IDENTITY = 0x00;

export interface ContentAccess {
  /** Whether `tenantId` may read `cid` as one block (`raw`) or as a DAG (`dag`: the file, a CAR). */
  canRead(tenantId: string, cid: CID, mode: "raw" | "dag"): Promise<boolean>;
  /** Whether anyone (no key needed) may read `cid` as one block (`raw`) or as a DAG (`dag`): its tenant published it. */
  isPublic(cid: CID, mode: "raw" | "dag"): Promise<boolean>;
  /** Records the DAG blocks of roots stored before they were recorded (up to `limit` roots); resolves how many. */
  backfill(limit?: number): Promise<number>;
}

/** The spellings of a CID that entries may be stored under: CIDv1 base32 and, for dag-pb sha2-256, CIDv0. */
export function rootForms(cid: CID): string[] {
  const v1 = cid.toV1();
  return [...new Set([v1.toString(), ...(v1.code === 0x70 && v1.multihash.code === 0x12 ? [v1.toV0().toString()] : [])])];
}

export function createContentAccess(deps: { store: Store; ipfs: Pick<IpfsBackend, "block">; warn?: (message: string, error: unknown) => void }): ContentAccess {
  const { store } = deps;
  // A root of the tenant's: the content of one of its entries, or a part of one of its web captures.
  const ownsRoot = async (tenantId: string, cid: CID) =>
    (
      await Promise.all(
        rootForms(cid).map(async (form) => (await store.findEntriesByCid(tenantId, form)) || (await store.captures.ownsPartCid(tenantId, form))),
      )
    ).some(Boolean);
  // The root of a published entry (web captures are never published).
  const publicRoot = async (cid: CID) => (await Promise.all(rootForms(cid).map((form) => store.isEntryCid(form, { publicOnly: true })))).some(Boolean);
  return {
    async canRead(tenantId, cid, mode) {
      // Identity CIDs carry their bytes: no stored block is behind them, and none of ours are imported so.
      if (cid.multihash.code === MULTIHASH_IDENTITY) return false;
      if (mode === "dag") return await ownsRoot(tenantId, cid);
      return (await store.ownsBlock(tenantId, multihashKey(cid))) || (await ownsRoot(tenantId, cid.toV1()));
    },
    async isPublic(cid, mode) {
      // Of identity CIDs only the empty block (bafkqaaa), as one block: it holds nothing, and it is what
      // HTTP retrieval clients probe a gateway with (boxo's httpnet in Kubo: HEAD, then GET, /ipfs/bafkqaaa?format=raw).
      if (cid.multihash.code === MULTIHASH_IDENTITY) return mode === "raw" && cid.multihash.digest.length === 0;
      if (mode === "dag") return await publicRoot(cid);
      return (await store.isPublicBlock(multihashKey(cid))) || (await publicRoot(cid.toV1()));
    },
    async backfill(limit = 1_000) {
      let done = 0;
      while (done < limit) {
        const roots = await store.listCidsWithoutBlocks(Math.min(100, limit - done));
        if (roots.length === 0) break;
        for (const root of roots) {
          let blocks: string[];
          try {
            blocks = await listDagMultihashes((c) => deps.ipfs.block(c), root);
          } catch (error) {
            // Content missing or unreadable: record the root alone (its owner can still read the root block).
            deps.warn?.(`cannot walk the stored DAG ${root}; recording its root only`, error);
            blocks = [multihashKey(parseCid(root))];
          }
          await store.recordDagBlocks(root, blocks);
          done++;
        }
      }
      return done;
    },
  };
}
