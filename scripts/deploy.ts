/**
 * Deploys (or reuses) EvidenceAnchor on any EVM network and records it in deployments/<chainId>.json.
 *
 *   RPC_URL=https://…  DEPLOYER_PRIVATE_KEY=0x…  ANCHORERS=0xA…,0xB…  npm run deploy
 *   RPC_URL=https://…  DEPLOYER_KEYSTORE=./deployer.json DEPLOYER_KEYSTORE_PASSWORD=…  npm run deploy
 *
 * ADMIN (optional) receives the admin role instead of the deployer; DEPLOYMENTS_DIR overrides the folder.
 */
import { readFileSync } from "node:fs";
import { JsonRpcProvider, Wallet, type Signer } from "ethers";
import { ensureDeployment } from "../server/src/chain/deploy.ts";

async function main(): Promise<void> {
  const url = process.env.RPC_URL;
  if (!url) throw new Error("RPC_URL is required");
  const provider = new JsonRpcProvider(url);
  let deployer: Signer;
  if (process.env.DEPLOYER_PRIVATE_KEY) {
    deployer = new Wallet(process.env.DEPLOYER_PRIVATE_KEY, provider);
  } else if (process.env.DEPLOYER_KEYSTORE) {
    const json = readFileSync(process.env.DEPLOYER_KEYSTORE, "utf8");
    deployer = (await Wallet.fromEncryptedJson(json, process.env.DEPLOYER_KEYSTORE_PASSWORD ?? "")).connect(provider);
  } else {
    throw new Error("set DEPLOYER_PRIVATE_KEY or DEPLOYER_KEYSTORE (+ DEPLOYER_KEYSTORE_PASSWORD)");
  }
  const anchorers = (process.env.ANCHORERS ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (anchorers.length === 0) anchorers.push(await deployer.getAddress());
  const d = await ensureDeployment({
    deployer,
    admin: process.env.ADMIN,
    anchorers,
    deploymentsDir: process.env.DEPLOYMENTS_DIR ?? "deployments",
    log: (line) => console.log(line),
  });
  console.log(JSON.stringify(d, null, 2));
  provider.destroy();
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(2);
});
