/**
 * A second, independent IPFS node for tests: Helia over libp2p (TCP, Noise, Yamux, Bitswap) with its
 * own in-memory blockstore and datastore, built with Helia's public API and sharing nothing with the
 * service. It dials the multiaddrs it is given and fetches content over Bitswap.
 */
import { withBitswap } from "@helia/bitswap";
import { withLibp2pLight } from "@helia/libp2p";
import { unixfs } from "@helia/unixfs";
import { identify } from "@libp2p/identify";
import { kadDHT, passthroughMapper } from "@libp2p/kad-dht";
import { ping } from "@libp2p/ping";
import { noise } from "@libp2p/noise";
import { tcp } from "@libp2p/tcp";
import { webSockets } from "@libp2p/websockets";
import { yamux } from "@libp2p/yamux";
import { multiaddr } from "@multiformats/multiaddr";
import { MemoryBlockstore } from "blockstore-core";
import { MemoryDatastore } from "datastore-core";
import { createHeliaLight } from "helia";
import { CID } from "multiformats/cid";

export interface HeliaPeer {
  readonly peerId: string;
  /** Dials one multiaddr (with /p2p/). */
  dial(address: string): Promise<void>;
  /** The bytes of the UnixFS file at `cid`, fetched over Bitswap from connected peers (fails after `timeoutMs`). */
  cat(cid: string, timeoutMs: number): Promise<Buffer>;
  /** Whether this node's own blockstore holds the block (it fetched it). */
  hasLocally(cid: string): Promise<boolean>;
  /** Peer ids the DHT names as providers of `cid` (needs `dht`). */
  findProviders(cid: string, timeoutMs: number): Promise<string[]>;
  stop(): Promise<void>;
}

/** With `dht`, the node also runs the Amino DHT (server mode) and can look up providers. */
export async function startHeliaPeer(options: { dht?: boolean } = {}): Promise<HeliaPeer> {
  const blockstore = new MemoryBlockstore();
  const dhtServices = options.dht ? { ping: ping(), dht: kadDHT({ clientMode: false, peerInfoMapper: passthroughMapper }) } : {};
  const helia = withBitswap(
    withLibp2pLight(createHeliaLight({ blockstore, datastore: new MemoryDatastore() }), {
      addresses: { listen: [] },
      transports: [tcp(), webSockets()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      // The DHT's components include the ping service beside it, which the service map's type cannot say.
      services: { identify: identify(), ...dhtServices } as { identify: ReturnType<typeof identify> },
    }),
  );
  await helia.start();
  const fs = unixfs(helia);
  return {
    peerId: helia.libp2p.peerId.toString(),
    async dial(address) {
      await helia.libp2p.dial(multiaddr(address), { signal: AbortSignal.timeout(10_000) });
    },
    async cat(cid, timeoutMs) {
      const chunks: Uint8Array[] = [];
      for await (const chunk of fs.cat(CID.parse(cid), { signal: AbortSignal.timeout(timeoutMs) })) chunks.push(chunk);
      return Buffer.concat(chunks);
    },
    async hasLocally(cid) {
      return await blockstore.has(CID.parse(cid));
    },
    async findProviders(cid, timeoutMs) {
      const found: string[] = [];
      try {
        for await (const p of helia.libp2p.contentRouting.findProviders(CID.parse(cid), { signal: AbortSignal.timeout(timeoutMs) }))
          found.push(p.id.toString());
      } catch (error) {
        if (found.length === 0 && !(error instanceof Error && /abort/i.test(error.name + error.message))) throw error;
      }
      return found;
    },
    async stop() {
      await helia.stop();
    },
  };
}
