/**
 * The embedded IPFS backend: UnixFS import and retrieval over a filesystem blockstore in-process,
 * with no daemon. Blocks are never garbage-collected, so there is nothing to pin.
 */
import { openFsBlockstore } from "./blockstore.ts";
import { catFile, exportCar, getBlock, hasContent } from "./content.ts";
import { importFile } from "./import.ts";
import { getImportProfile } from "./profiles.ts";
import type { IpfsBackend } from "./backend.ts";
import type { OpenBlockstore } from "./blockstore.ts";
import type { ImportProfile, ImportProfileName } from "./profiles.ts";

/** Options of {@link createEmbeddedIpfs}. */
export interface EmbeddedIpfsOptions {
  /** Block directory; created if missing. */
  dir: string;
  /** Import profile (default `unixfs-v1-2025`). */
  profile?: ImportProfile | ImportProfileName;
}

/** The embedded backend, which also exposes its blockstore (for the gateway and for tests). */
export interface EmbeddedIpfs extends IpfsBackend {
  readonly kind: "embedded";
  readonly blockstore: OpenBlockstore;
}

/**
 * Opens the embedded backend.
 *
 * @example
 * const ipfs = await createEmbeddedIpfs({ dir: "/var/lib/priorproof/blocks" });
 * const { cid, sha256, size } = await ipfs.importFile(request.body, { maxBytes: 1n << 30n });
 */
export async function createEmbeddedIpfs(options: EmbeddedIpfsOptions): Promise<EmbeddedIpfs> {
  const profile = typeof options.profile === "object" ? options.profile : getImportProfile(options.profile);
  const blockstore = await openFsBlockstore(options.dir);
  return {
    kind: "embedded",
    profile,
    blockstore,
    importFile: (source, importOptions = {}) => importFile(source, { ...importOptions, blockstore, profile }),
    cat: (cid, readOptions) => catFile(blockstore, cid, readOptions),
    car: (cid, readOptions) => exportCar(blockstore, cid, readOptions),
    block: (cid, readOptions) => getBlock(blockstore, cid, readOptions),
    has: (cid, hasOptions) => hasContent(blockstore, cid, hasOptions),
    close: () => blockstore.close(),
  };
}
