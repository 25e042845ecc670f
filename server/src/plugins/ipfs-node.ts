import { join } from "node:path";
import fp from "fastify-plugin";
import { publicBlocksOnly } from "../services/ipfs/public-blockstore.ts";
import type { EmbeddedIpfs } from "../services/ipfs/embedded.ts";
import type { IpfsNode } from "../services/ipfs/node.ts";

/** The embedded store's IPFS node, as the rest of the app sees it. */
export interface IpfsNodeHandle {
  /** Starts the node if it is not running (idempotent); settles once it listens. */
  start(): Promise<IpfsNode>;
  /** "idle" (nothing published yet), "starting", "running" or "failed". */
  readonly state: "idle" | "starting" | "running" | "failed";
  /** Listen addresses with /p2p/<peer id>; empty unless the node runs. */
  multiaddrs(): string[];
  /** The addresses once a start under way has finished (empty when idle or failed): for replication origins. */
  settledMultiaddrs(): Promise<string[]>;
  readonly peerId: string | undefined;
  /** Starts the node if needed and announces a published root to the configured routing; failures are logged, never thrown. */
  announce(cid: string): void;
}

declare module "fastify" {
  interface FastifyInstance {
    /** Present when the embedded store runs as an IPFS node (IPFS_NODE, not with a Kubo backend). */
    ipfsNode: IpfsNodeHandle | undefined;
  }
}

/**
 * The IPFS node of the embedded store, started lazily: at start when some stored content is published
 * (an entry stored public), else with the first published upload — an instance that publishes
 * nothing loads no libp2p module and opens no port. Bitswap serves the network view of the embedded
 * blockstore (blocks of published content only, decided by the store); the peer key lives in
 * `<DATA_DIR>/ipfs/peer.key`. A node that fails to start is logged; uploads and /ipfs/ work without it.
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
    let starting: Promise<IpfsNode> | undefined;
    let state: IpfsNodeHandle["state"] = "idle";
    let closing = false;

    const start = (): Promise<IpfsNode> => {
      if (closing) return Promise.reject(new Error("the service is stopping"));
      starting ??= (async () => {
        state = "starting";
        try {
          const { startIpfsNode } = await import("../services/ipfs/node.ts");
          const n = await startIpfsNode({
            blockstore: networkView,
            keyFile: join(app.config.dataDir, "ipfs", "peer.key"),
            listen: settings.listen,
            dht: settings.dht,
            bootstrap: settings.bootstrap,
            ...(settings.delegatedRoutingUrl ? { delegatedRoutingUrl: settings.delegatedRoutingUrl } : {}),
          });
          node = n;
          state = "running";
          app.log.info({ peerId: n.peerId, multiaddrs: n.multiaddrs(), routing: n.routing }, "ipfs node listening");
          // Provider records do not outlive this process (the DHT re-announces only what this process
          // provided): every published root is announced again, in the background.
          if (n.routing.length > 0) void reannounce(n);
          return n;
        } catch (error) {
          state = "failed";
          app.log.error({ err: error }, "ipfs node failed to start: published content is not served to the IPFS network");
          throw error;
        }
      })();
      return starting;
    };

    const reannounce = async (n: IpfsNode) => {
      const seen = new Set<string>();
      let announced = 0;
      try {
        for (let after = 0; !closing; ) {
          const page = await app.store.listEntryCids(after, 500, { publicOnly: true });
          const fresh = page.map((r) => r.cid).filter((cid) => !seen.has(cid));
          for (const cid of fresh) seen.add(cid);
          // Sixteen at a time: a DHT provide waits for its query to finish.
          for (let i = 0; i < fresh.length && !closing; i += 16) {
            await Promise.all(
              fresh.slice(i, i + 16).map((cid) =>
                n.provide(cid).then(
                  () => announced++,
                  (error: unknown) =>
                    app.log.warn({ cid, err: error instanceof Error ? error.message : String(error) }, "ipfs node: announcing a published root failed"),
                ),
              ),
            );
          }
          if (page.length < 500) break;
          after = page[page.length - 1]!.seq;
        }
        app.log.info({ announced }, "ipfs node: published roots announced");
      } catch (error) {
        app.log.warn({ err: error }, "ipfs node: announcing the published roots stopped");
      }
    };
    const handle: IpfsNodeHandle = {
      start,
      get state() {
        return state;
      },
      multiaddrs: () => node?.multiaddrs() ?? [],
      async settledMultiaddrs() {
        await starting?.catch(() => undefined);
        return node?.multiaddrs() ?? [];
      },
      get peerId() {
        return node?.peerId;
      },
      announce(cid) {
        void start()
          .then((n) => n.provide(cid))
          .catch((error: unknown) => {
            app.log.warn({ cid, err: error instanceof Error ? error.message : String(error) }, "ipfs node: announcing published content failed");
          });
      },
    };
    app.decorate("ipfsNode", handle);
    app.addHook("onReady", async () => {
      // Not awaited: the HTTP service does not wait for libp2p.
      void app.store.hasPublicContent().then(
        (published) =>
          published
            ? start().then(
                () => undefined,
                () => undefined,
              )
            : undefined,
        (error: unknown) => app.log.warn({ err: error }, "ipfs node: cannot tell whether anything is published; it starts with the next published upload"),
      );
    });
    app.addHook("onClose", async () => {
      closing = true;
      await starting?.catch(() => undefined);
      await node?.stop();
    });
  },
  { name: "ipfs-node", dependencies: ["config", "store", "ipfs"] },
);
