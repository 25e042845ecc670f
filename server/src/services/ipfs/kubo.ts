/**
 * The Kubo backend: stores evidence files in an operator's Kubo daemon through its RPC API
 * (https://docs.ipfs.tech/reference/kubo/rpc/). The upload is tapped before it is sent, so the
 * file's SHA-256 and size come from the same single read as the CID Kubo computes.
 *
 * Import parameters are sent explicitly on every `add` (they override the daemon's `Import.*`
 * config), so the CID matches the embedded backend's whatever the daemon's defaults are:
 * `cid-version`, `raw-leaves`, `chunker=size-N`, `trickle=false` (balanced layout), `hash`, and
 * `max-file-links` (Kubo ≥ 0.35). Reads pass `offline=true` so a missing block is reported instead
 * of being searched for on the public network.
 */
import { create } from "kubo-rpc-client";
import { getBlock } from "./blocks.ts";
import { CODEC_DAG_PB, CODEC_RAW, parseCid } from "./cid.ts";
import { exportCar, hasContent } from "./content.ts";
import { ContentNotFoundError, IpfsError } from "./errors.ts";
import { getImportProfile } from "./profiles.ts";
import { createHashingTap } from "./tap.ts";
import type { IpfsBackend } from "./backend.ts";
import type { ReadableBlockstore, ReadOptions } from "./blocks.ts";
import type { ImportProfile, ImportProfileName } from "./profiles.ts";
import type { AddOptions, HTTPRPCOptions, KuboRPCClient } from "kubo-rpc-client";
import type { CID } from "multiformats/cid";

/** Options of {@link createKuboIpfs}. */
export interface KuboIpfsOptions {
  /** RPC API address, e.g. `http://127.0.0.1:5001` (the `/api/v0` prefix is added when absent). */
  url: string | URL;
  /** Import profile (default `unixfs-v1-2025`). */
  profile?: ImportProfile | ImportProfileName;
  /** Pin on add so Kubo's GC keeps the file (default true). */
  pinOnAdd?: boolean;
  /** Read only what the daemon holds locally (default true). */
  offline?: boolean;
  /** Per-request timeout in ms (default: none; uploads can be long). */
  timeout?: number;
}

/** The Kubo backend. */
export interface KuboIpfs extends IpfsBackend {
  readonly kind: "kubo";
  pin(cid: CID | string, options?: ReadOptions): Promise<void>;
}

/**
 * Connects to a Kubo daemon. No request is made until the first call.
 *
 * @example
 * const ipfs = createKuboIpfs({ url: "http://127.0.0.1:5001" });
 */
export function createKuboIpfs(options: KuboIpfsOptions): KuboIpfs {
  const profile = typeof options.profile === "object" ? options.profile : getImportProfile(options.profile);
  const client = create({ url: options.url, ...(options.timeout === undefined ? {} : { timeout: options.timeout }) });
  const pinOnAdd = options.pinOnAdd ?? true;
  const rpcRead = readRpcOptions(options.offline ?? true);
  const blocks = kuboBlockstore(client, rpcRead);

  return {
    kind: "kubo",
    profile,

    async importFile(source, importOptions = {}) {
      const tap = createHashingTap(source, importOptions);
      const addOptions: AddOptions & { maxFileLinks: number } = {
        cidVersion: profile.cidVersion,
        rawLeaves: profile.rawLeaves,
        chunker: `size-${profile.chunkSize}`,
        trickle: false,
        hashAlg: profile.hash,
        // No typed field in kubo-rpc-client; unknown options are sent kebab-cased (max-file-links).
        maxFileLinks: profile.maxChildrenPerNode,
        pin: pinOnAdd,
        wrapWithDirectory: false,
        signal: importOptions.signal,
      };
      let added: { cid: CID };
      try {
        added = await client.add({ content: tap.stream }, addOptions);
      } catch (error) {
        // kubo-rpc-client swallows errors thrown by the upload stream and only reports the aborted
        // request; the tap kept the real cause (FileTooLargeError, a failing source…).
        if (tap.failure !== undefined) throw tap.failure;
        throw rpcError("add", error);
      }
      const { sha256, size } = tap.result();
      const cid = parseCid(added.cid);
      checkProfileCid(cid, profile);
      // The daemon wrote the blocks, so their list is not known here (see listDagMultihashes).
      return { cid: cid.toString(), sha256, size };
    },

    async *cat(cid, readOptions = {}) {
      const key = parseCid(cid);
      try {
        yield* client.cat(key, rpcRead(readOptions.signal));
      } catch (error) {
        throw rpcError("cat", error, key);
      }
    },

    // Built from verified single-block reads rather than `dag/export`, whose client call accepts no
    // options (so no `offline`): same CAR as the embedded backend, verified on the way out.
    car: (cid, readOptions) => exportCar(blocks, cid, readOptions),
    block: (cid, readOptions) => getBlock(blocks, cid, readOptions),
    has: (cid, hasOptions) => hasContent(blocks, cid, hasOptions),

    async pin(cid, readOptions = {}) {
      const key = parseCid(cid);
      try {
        await client.pin.add(key, { signal: readOptions.signal });
      } catch (error) {
        throw rpcError("pin/add", error, key);
      }
    },

    async close() {
      // kubo-rpc-client holds no resources that need releasing (it uses the global fetch).
    },
  };
}

/** Kubo's block API seen as a read-only blockstore, so the generic readers in content.ts work on it. */
function kuboBlockstore(client: KuboRPCClient, rpcRead: (signal?: AbortSignal) => HTTPRPCOptions): ReadableBlockstore {
  return {
    async *get(cid, options) {
      try {
        yield await client.block.get(cid, rpcRead(options?.signal));
      } catch (error) {
        throw rpcError("block/get", error, cid);
      }
    },
    async has(cid, options) {
      try {
        await client.block.stat(cid, rpcRead(options?.signal));
        return true;
      } catch (error) {
        const mapped = rpcError("block/stat", error, cid);
        if (mapped instanceof ContentNotFoundError) return false;
        throw mapped;
      }
    },
  };
}

/**
 * Options for read calls. `offline` is Kubo's global `--offline` flag; kubo-rpc-client has no typed
 * field for it but forwards unknown options as query parameters. (Its `searchParams` option does not
 * work: the client spreads the URLSearchParams object, which copies nothing.)
 */
function readRpcOptions(offline: boolean): (signal?: AbortSignal) => HTTPRPCOptions {
  return (signal) => {
    const rpcOptions: HTTPRPCOptions & { offline?: boolean } = { signal };
    if (offline) rpcOptions.offline = true;
    return rpcOptions;
  };
}

/** Kubo answers a missing block with HTTP 500 and a message such as "block was not found locally (offline)". */
const NOT_FOUND = /not found|could not find|no link named/i;

function rpcError(call: string, error: unknown, cid?: CID): Error {
  if (error instanceof IpfsError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (cid !== undefined && NOT_FOUND.test(message)) return new ContentNotFoundError(cid.toString(), { cause: error });
  return new IpfsError("KUBO_RPC_ERROR", `kubo ${call} failed: ${message}`, { cause: error });
}

/**
 * Kubo silently ignores parameters it does not know, and a daemon config can force settings; a root
 * CID in the wrong version or hash means the file did not get the profile's CID.
 */
function checkProfileCid(cid: CID, profile: ImportProfile): void {
  // A single-chunk file under raw leaves is a raw CIDv1 leaf even in a CIDv0 profile; ours never
  // combine those, so the version must match exactly.
  const expectedCodecs = profile.rawLeaves ? [CODEC_RAW, CODEC_DAG_PB] : [CODEC_DAG_PB];
  if (cid.version !== profile.cidVersion || cid.multihash.code !== 0x12 || !expectedCodecs.includes(cid.code)) {
    throw new IpfsError("KUBO_RPC_ERROR", `kubo returned ${cid}, which is not a ${profile.name} CID (check the daemon's Import.* config)`);
  }
}
