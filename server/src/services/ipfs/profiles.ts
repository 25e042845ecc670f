/**
 * UnixFS import profiles: the parameters that decide which CID a file gets. Two nodes only agree on
 * a file's CID if they chunk, lay out and encode it identically, so each profile pins every
 * parameter explicitly instead of relying on library defaults (which have changed over time).
 *
 * Names and values follow IPIP-499 "CID profiles" (https://github.com/ipfs/specs/pull/499) and
 * Kubo's `--profile=unixfs-v1-2025` / `--profile=unixfs-v0-2015` (alias `legacy-cid-v0`), whose
 * published CIDs are checked in `test/server/ipfs/kubo-vectors.json`.
 */
import { fixedSize } from "ipfs-unixfs-importer/chunker";
import { balanced } from "ipfs-unixfs-importer/layout";
import { IpfsError } from "./errors.ts";
import type { ImporterOptions } from "ipfs-unixfs-importer";

/** Our profile names. `kubo-legacy` is IPIP-499's `unixfs-v0-2015`. */
export type ImportProfileName = "unixfs-v1-2025" | "kubo-legacy";

/** Every parameter that influences a file's CID. Directories are out of scope (we import single files). */
export interface ImportProfile {
  readonly name: ImportProfileName;
  /** The profile's name in IPIP-499 and in Kubo's `ipfs init --profile=…`. */
  readonly ipip499Name: "unixfs-v1-2025" | "unixfs-v0-2015";
  /** CID version of dag-pb nodes (raw leaves are always CIDv1). */
  readonly cidVersion: 0 | 1;
  /** Leaves are bare `raw` blocks (true) or dag-pb UnixFS `file` nodes (false). */
  readonly rawLeaves: boolean;
  /** Fixed chunk size in bytes (Kubo `--chunker=size-N`). */
  readonly chunkSize: number;
  /** Balanced DAG fan-out (Kubo `--max-file-links`, `Import.UnixFSFileMaxLinks`). */
  readonly maxChildrenPerNode: number;
  /** A one-chunk file is its own root instead of a parent with one link (Kubo behaviour in both profiles). */
  readonly reduceSingleLeafToSelf: boolean;
  /** Multihash of every block. */
  readonly hash: "sha2-256";
}

/**
 * The profiles. `unixfs-v1-2025`: CIDv1, raw leaves, 1 MiB chunks, 1024 links per node.
 * `kubo-legacy`: what `ipfs add` without flags has produced since 2015 — CIDv0, 256 KiB chunks
 * wrapped in dag-pb UnixFS file nodes, 174 links per node.
 */
export const IMPORT_PROFILES: Readonly<Record<ImportProfileName, ImportProfile>> = Object.freeze({
  "unixfs-v1-2025": Object.freeze({
    name: "unixfs-v1-2025",
    ipip499Name: "unixfs-v1-2025",
    cidVersion: 1,
    rawLeaves: true,
    chunkSize: 1_048_576,
    maxChildrenPerNode: 1024,
    reduceSingleLeafToSelf: true,
    hash: "sha2-256",
  }),
  "kubo-legacy": Object.freeze({
    name: "kubo-legacy",
    ipip499Name: "unixfs-v0-2015",
    cidVersion: 0,
    rawLeaves: false,
    chunkSize: 262_144,
    maxChildrenPerNode: 174,
    reduceSingleLeafToSelf: true,
    hash: "sha2-256",
  }),
});

/** The profile used when none is configured (IPIP-499's recommendation for new data). */
export const DEFAULT_IMPORT_PROFILE: ImportProfileName = "unixfs-v1-2025";

/**
 * Looks a profile up by our name or by its IPIP-499 name; `undefined` gives the default.
 *
 * @throws IpfsError `UNKNOWN_PROFILE` for anything else.
 */
export function getImportProfile(name: unknown = DEFAULT_IMPORT_PROFILE): ImportProfile {
  for (const profile of Object.values(IMPORT_PROFILES)) {
    if (name === profile.name || name === profile.ipip499Name) return profile;
  }
  throw new IpfsError("UNKNOWN_PROFILE", `unknown import profile: ${String(name)}`);
}

/**
 * The `ipfs-unixfs-importer` options that reproduce a profile. Every CID-relevant option is set
 * explicitly; the importer's own `profile` shortcut is not used so that a library default change
 * cannot move our CIDs.
 */
export function toImporterOptions(profile: ImportProfile): ImporterOptions {
  return {
    cidVersion: profile.cidVersion,
    rawLeaves: profile.rawLeaves,
    // Only consulted when rawLeaves is false: Kubo wraps balanced-layout leaves as UnixFS `file`
    // nodes (`raw` leaf nodes are a trickle-DAG artefact).
    leafType: "file",
    reduceSingleLeafToSelf: profile.reduceSingleLeafToSelf,
    chunker: fixedSize({ chunkSize: profile.chunkSize }),
    layout: balanced({ maxChildrenPerNode: profile.maxChildrenPerNode }),
    wrapWithDirectory: false,
    // dag-pb canonical order (Links before Data), as Kubo encodes it.
    fieldOrder: "links-first",
    // One file at a time; at most this many chunks are hashed/written concurrently, which bounds
    // the importer's memory to about blockWriteConcurrency × chunkSize.
    fileImportConcurrency: 1,
    blockWriteConcurrency: 8,
  };
}
