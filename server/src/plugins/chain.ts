import { readFileSync } from "node:fs";
import { Wallet, type HDNodeWallet } from "ethers";
import fp from "fastify-plugin";
import { connectChain, type ChainClient } from "../chain/client.ts";
import { readDeployment } from "../chain/deploy.ts";
import type { ChainSettings } from "../config.ts";

declare module "fastify" {
  interface FastifyInstance {
    chains: Map<number, ChainClient>;
  }
}

async function anchorerWallet(c: ChainSettings): Promise<Wallet | HDNodeWallet> {
  if (c.anchorerKey) return new Wallet(c.anchorerKey);
  if (c.anchorerKeystore) return Wallet.fromEncryptedJson(readFileSync(c.anchorerKeystore, "utf8"), c.anchorerKeystorePassword ?? "");
  throw new Error(`chain ${c.chainId}: set an anchorer key (ANCHORER_PRIVATE_KEY or ANCHORER_KEYSTORE)`);
}

/** Connects every configured chain, with its recorded contract deployment and the anchorer's key. */
export default fp(
  async (app) => {
    const chains = new Map<number, ChainClient>();
    for (const c of app.config.chains) {
      const deployment = readDeployment(c.deploymentsDir, c.chainId);
      if (!deployment) throw new Error(`chain ${c.chainId}: no deployment recorded in ${c.deploymentsDir} (run npm run deploy)`);
      chains.set(c.chainId, await connectChain({ config: c, deployment, signer: await anchorerWallet(c) }));
    }
    app.decorate("chains", chains);
    app.addHook("onClose", async () => {
      for (const chain of chains.values()) chain.close();
    });
  },
  { name: "chain", dependencies: ["config"] },
);
