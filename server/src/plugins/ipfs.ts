import { join } from "node:path";
import fp from "fastify-plugin";
import { createEmbeddedIpfs, type IpfsBackend } from "../services/ipfs/index.ts";

declare module "fastify" {
  interface FastifyInstance {
    ipfs: IpfsBackend;
  }
}

/** The IPFS backend: a Kubo node when IPFS_API_URL is set, else the embedded blockstore under the data dir. */
export default fp(
  async (app) => {
    const { ipfsApiUrl, ipfsProfile, dataDir } = app.config;
    const ipfs: IpfsBackend = ipfsApiUrl
      ? // loaded only when configured (kubo-rpc-client: 160 modules)
        (await import("../services/ipfs/kubo.ts")).createKuboIpfs({ url: ipfsApiUrl, profile: ipfsProfile })
      : await createEmbeddedIpfs({ dir: join(dataDir, "ipfs", "blocks"), profile: ipfsProfile });
    app.decorate("ipfs", ipfs);
    app.addHook("onClose", async () => {
      await ipfs.close();
    });
  },
  { name: "ipfs", dependencies: ["config"] },
);
