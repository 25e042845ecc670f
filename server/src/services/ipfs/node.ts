/**
 * The embedded store as a node of the IPFS network: a Helia node over libp2p (TCP and WebSocket
 * listeners, Noise, Yamux) that serves blocks over Bitswap from the network view of the blockstore
 * (public content only, see `public-blockstore.ts`) and announces published roots to the configured
 * content routing (the DHT when enabled; a delegated HTTP router when configured). Its peer identity
 * is an Ed25519 key kept in the data directory, so the node's /p2p/ address survives restarts.
 *
 * Pure JavaScript: `helia`'s package entry statically loads its default libp2p stack, WebRTC
 * included (the node-datachannel native addon, ~100 MB of resident memory), so the Helia class is
 * loaded from the module beside that entry, and libp2p is built here with only what the node needs.
 * Everything is imported when the node starts: with IPFS_NODE=false none of it is loaded.
 */
import { createRequire } from "node:module";
import { chmod, mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Blockstore } from "interface-blockstore";
import type { HeliaInit } from "helia";
import type { Helia } from "@helia/interface";
import type { Libp2p, PrivateKey } from "@libp2p/interface";
import type { ServiceFactoryMap } from "libp2p";
import { parseCid } from "./cid.ts";

/** Options of {@link startIpfsNode}. */
export interface IpfsNodeOptions {
  /** What the network may read (the public view; see `publicBlocksOnly`). */
  readonly blockstore: Blockstore;
  /** File of the node's private key (libp2p protobuf encoding); created 0600 when missing. */
  readonly keyFile: string;
  /** Listen multiaddrs (e.g. `/ip4/127.0.0.1/tcp/4001`, `/ip4/127.0.0.1/tcp/4002/ws`). */
  readonly listen: readonly string[];
  /** Run the Amino DHT (server mode): the node announces and answers provider queries. */
  readonly dht?: boolean;
  /** A Delegated Routing V1 HTTP endpoint (`https://delegated-ipfs.dev`). */
  readonly delegatedRoutingUrl?: string;
  /** Peers dialled at start (DHT bootstrap), as multiaddrs with /p2p/. */
  readonly bootstrap?: readonly string[];
  /** Most connections held at once. */
  readonly maxConnections?: number;
}

/** A running node. */
export interface IpfsNode {
  /** The node's peer id (`12D3Koo…`). */
  readonly peerId: string;
  /** Listen addresses with `/p2p/<peer id>`: what to dial, what pinning services get as `origins`. */
  multiaddrs(): string[];
  /** Whether any content routing is configured (announcing is a no-op otherwise). */
  readonly routing: readonly string[];
  /** Announces that this node provides `cid` to the configured routing. */
  provide(cid: string, options?: { signal?: AbortSignal }): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Loads the node's Ed25519 key from `file`, or creates it (owner-only) when the file is missing.
 *
 * @example
 * const key = await loadOrCreatePeerKey("/var/lib/priorproof/ipfs/peer.key");
 */
export async function loadOrCreatePeerKey(file: string): Promise<PrivateKey> {
  const keys = await import("@libp2p/crypto/keys");
  try {
    return keys.privateKeyFromProtobuf(new Uint8Array(await readFile(file)));
  } catch (error) {
    if ((error as { code?: string }).code !== "ENOENT") throw error;
  }
  const key = await keys.generateKeyPair("Ed25519");
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  // Written beside and renamed: a crash never leaves a half-written identity.
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, keys.privateKeyToProtobuf(key), { mode: 0o600 });
  await chmod(tmp, 0o600);
  await rename(tmp, file);
  return key;
}

/** Whether a listen multiaddr is on a loopback or private (RFC 1918, RFC 4193) network. */
export function isPrivateAddress(address: string): boolean {
  return /^\/ip4\/(127\.|10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.)/.test(address) || /^\/ip6\/(::1|f[cd][0-9a-f]{2}:)/i.test(address);
}

/** The Helia class, from beside the package entry (see the module comment: the entry loads WebRTC). */
async function loadHeliaClass(): Promise<new (init: HeliaInit & { name: string; version: string }) => Helia> {
  const entry = createRequire(import.meta.url).resolve("helia");
  const mod = (await import(pathToFileURL(join(dirname(entry), "helia.js")).href)) as { Helia?: unknown };
  if (typeof mod.Helia !== "function") throw new Error(`helia at ${dirname(entry)} has no Helia class in helia.js`);
  return mod.Helia as new (
    init: HeliaInit & { name: string; version: string },
  ) => Helia;
}

/**
 * Starts the node: libp2p listening on `listen`, Bitswap serving `blockstore`.
 *
 * @example
 * const node = await startIpfsNode({ blockstore: networkView, keyFile, listen: ["/ip4/127.0.0.1/tcp/0"] });
 * console.log(node.multiaddrs());
 */
export async function startIpfsNode(options: IpfsNodeOptions): Promise<IpfsNode> {
  const [{ createLibp2p }, { tcp }, { webSockets }, { noise }, { yamux }, { identify }, { withBitswap }, { MemoryDatastore }, Helia] = await Promise.all([
    import("libp2p"),
    import("@libp2p/tcp"),
    import("@libp2p/websockets"),
    import("@libp2p/noise"),
    import("@libp2p/yamux"),
    import("@libp2p/identify"),
    import("@helia/bitswap"),
    import("datastore-core"),
    loadHeliaClass(),
  ]);
  const privateKey = await loadOrCreatePeerKey(options.keyFile);
  const services: ServiceFactoryMap = { identify: identify() as ServiceFactoryMap[string] };
  const routing: string[] = [];
  if (options.dht) {
    const [{ kadDHT, passthroughMapper, removePrivateAddressesMapper }, { ping }] = await Promise.all([import("@libp2p/kad-dht"), import("@libp2p/ping")]);
    services.ping = ping() as ServiceFactoryMap[string];
    // A node listening on private addresses only belongs to a private DHT (a LAN, a cluster network):
    // it keeps private addresses in DHT records. Otherwise it is a node of the public DHT, whose
    // records must not carry private addresses.
    const mapper = options.listen.every(isPrivateAddress) ? passthroughMapper : removePrivateAddressesMapper;
    // its components include the ping service added above
    services.dht = kadDHT({ clientMode: false, peerInfoMapper: mapper }) as unknown as ServiceFactoryMap[string];
    routing.push("dht");
  }
  if (options.delegatedRoutingUrl) {
    const { delegatedRoutingV1HttpApiClientContentRouting } = await import("@helia/delegated-routing-v1-http-api-client");
    services.delegatedRouting = delegatedRoutingV1HttpApiClientContentRouting({ url: options.delegatedRoutingUrl }) as ServiceFactoryMap[string];
    routing.push(`delegated-http:${options.delegatedRoutingUrl}`);
  }
  const peerDiscovery = options.bootstrap?.length ? [(await import("@libp2p/bootstrap")).bootstrap({ list: [...options.bootstrap] })] : [];
  const datastore = new MemoryDatastore();
  const libp2p: Libp2p = await createLibp2p({
    privateKey,
    datastore,
    addresses: { listen: [...options.listen] },
    transports: [tcp(), webSockets()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    peerDiscovery,
    connectionManager: { maxConnections: options.maxConnections ?? 100 },
    services,
  });
  let helia: Helia | undefined;
  try {
    helia = new Helia({ name: "priorproof", version: "0.1.0", blockstore: options.blockstore, datastore });
    // What @helia/libp2p's mixin does, minus its default stack: Bitswap finds libp2p on the node.
    Object.defineProperty(helia, "libp2p", { value: libp2p, enumerable: true });
    await withBitswap(helia as Helia & { libp2p: Libp2p }).start();
  } catch (error) {
    await helia?.stop().catch(() => undefined);
    await libp2p.stop();
    throw error;
  }
  const started = helia;
  const peerId = libp2p.peerId.toString();
  return {
    peerId,
    routing,
    multiaddrs: () =>
      libp2p.getMultiaddrs().map((ma) => {
        const text = ma.toString();
        return text.includes("/p2p/") ? text : `${text}/p2p/${peerId}`;
      }),
    async provide(cid, provideOptions = {}) {
      if (routing.length === 0) return;
      await libp2p.contentRouting.provide(parseCid(cid), { signal: provideOptions.signal ?? AbortSignal.timeout(60_000) });
    },
    async stop() {
      await started.stop();
      await libp2p.stop();
    },
  };
}
