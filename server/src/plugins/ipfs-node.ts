import { join } from "node:path";
import fp from "fastify-plugin";
import { publicBlocksOnly } from "../services/ipfs/public-blockstore.ts";
import type { EmbeddedIpfs } from "../services/ipfs/embedded.ts";
import type { IpfsNode } from "../services/ipfs/node.ts";

/** The embedded store's IPFS node, as the rest of the app sees it (it starts in the background). */
export interface IpfsNodeHandle {
  /** Settles once the node listens (rejects when it could not start: the service runs on without it). */
  readonly started: Promise<IpfsNode>;
  /** Listen addresses with /p2p/<peer id>; empty until the node has started. */
  multiaddrs(): string[];
  readonly peerId: string | undefined;
  /** Announces a published root to the configured routing; failures are logged, never thrown. */
  announce(cid: string): void;
}

declare module "fastify" {
  interface FastifyInstance {
    /** Present when the embedded store runs as an IPFS node (IPFS_NODE, not with a Kubo backend). */
    ipfsNode: IpfsNodeHandle | undefined;
  }
}

/**
 * Starts the IPFS node when the app is ready, without holding the start up: Bitswap serves the
 * network view of the embedded blockstore (blocks of published content only, decided by the store),
 * the peer key lives in `<DATA_DIR>/ipfs/peer.key`.
 */
export default fp(
  async (app) => {
    const settings = app.config.ipfsNode;
    if (!settings || app.ipfs.kind !== "embedded") {
      app.decorate("ipfsNode", undefined);
      return;
    }
    const blockstore = (app.ipfs as EmbeddedIpfs).blockstore;
    const networkView = publicBlocksOnly(blockstore, (multihash) => app.store.isPublicBlock(multihash));
    let node: IpfsNode | undefined;
    let resolveStarted!: (node: IpfsNode) => void;
    let rejectStarted!: (error: unknown) => void;
    const started = new Promise<IpfsNode>((resolve, reject) => {
      resolveStarted = resolve;
      rejectStarted = reject;
    });
    started.catch(() => undefined); // reported in the log; readers that await it see the rejection
    const handle: IpfsNodeHandle = {
      started,
      multiaddrs: () => node?.multiaddrs() ?? [],
      get peerId() {
        return node?.peerId;
      },
      announce(cid) {
        void started.then((n) => n.provide(cid)).catch((error: unknown) => {
          app.log.warn({ cid, err: error instanceof Error ? error.message : String(error) }, "ipfs node: announcing published content failed");
        });
      },
    };
    app.decorate("ipfsNode", handle);
    let starting: Promise<unknown> | undefined;
    app.addHook("onReady", async () => {
      // Not awaited: the HTTP service does not wait for libp2p (its modules load on first start).
      starting = (async () => {
        const { startIpfsNode } = await import("../services/ipfs/node.ts");
        return startIpfsNode({
          blockstore: networkView, keyFile: join(app.config.dataDir, "ipfs", "peer.key"), listen: settings.listen, dht: settings.dht,
          bootstrap: settings.bootstrap, ...(settings.delegatedRoutingUrl ? { delegatedRoutingUrl: settings.delegatedRoutingUrl } : {}),
        });
      })().then(
        (n) => {
          node = n;
          app.log.info({ peerId: n.peerId, multiaddrs: n.multiaddrs(), routing: n.routing }, "ipfs node listening");
          resolveStarted(n);
        },
        (error: unknown) => {
          app.log.error({ err: error }, "ipfs node failed to start: stored content is not served to the IPFS network");
          rejectStarted(error);
        },
      );
    });
    app.addHook("onClose", async () => {
      await starting;
      await node?.stop();
    });
  },
  { name: "ipfs-node", dependencies: ["config", "store", "ipfs"] },
);
