/**
 * `npm start`: the service on embedded defaults, nothing else to install. Under DATA_DIR (./data):
 * a persistent anvil chain (chain/), the contract deployed once and reused (deployments/), SQLite
 * (priorproof.db), the IPFS blockstore (ipfs/), and a development API key (dev-api-key.txt).
 * With RPC_URL/CHAINS set, it serves those chains instead of starting anvil, and creates no development
 * tenant and prints no key (create keys with `npm run keys`). Files are created owner-only (umask 077),
 * and the chains' RPC URLs are printed without their credentials. While no console user exists, it
 * prints a one-time link to create the first admin (of the `dev` tenant with the development chain,
 * else of a tenant named `default`).
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { HDNodeWallet, JsonRpcProvider, Mnemonic, NonceManager } from "ethers";
import { ensureDeployment } from "../chain/deploy.ts";
import { DEV_MNEMONIC, startDevChain, type DevChain } from "../chain/devchain.ts";
import { loadConfig, type ChainSettings, type Config } from "../config.ts";
import { startServer, closeOnSignals } from "../server.ts";
import { openStore } from "../store/index.ts";
import { createTenantKey } from "../services/keys.ts";
import { configSecrets, createRedactor } from "../services/redact.ts";

function devWallet(index: number): HDNodeWallet {
  return HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(DEV_MNEMONIC), `m/44'/60'/0'/0/${index}`);
}

/** Starts anvil under the data dir, deploys (or reuses) the contract, and describes the chain. */
export async function startEmbeddedChain(dataDir: string, log: (line: string) => void): Promise<{ chain: DevChain; settings: ChainSettings }> {
  const chain = await startDevChain({ dataDir: join(dataDir, "chain"), blockTime: 1 });
  const provider = new JsonRpcProvider(chain.rpcUrl, chain.chainId, { staticNetwork: true });
  const admin = new NonceManager(devWallet(0).connect(provider));
  const anchorer = devWallet(1);
  const deploymentsDir = join(dataDir, "deployments");
  await ensureDeployment({ deployer: admin, anchorers: [anchorer.address], deploymentsDir, log });
  provider.destroy();
  return {
    chain,
    settings: {
      name: "anvil (development chain)",
      rpcUrl: chain.rpcUrl,
      chainId: chain.chainId,
      development: true,
      confirmations: 2,
      anchorerKey: anchorer.privateKey,
      deploymentsDir,
    },
  };
}

/** The development tenant's API key, created once and kept in the data dir. */
export async function devApiKey(config: Config): Promise<string> {
  const path = join(config.dataDir, "dev-api-key.txt");
  if (existsSync(path)) return readFileSync(path, "utf8").trim();
  const store = await openStore(config);
  try {
    const { key } = await createTenantKey(store, "dev", "created by npm start");
    writeFileSync(path, key + "\n", { mode: 0o600 });
    return key;
  } finally {
    await store.close();
  }
}

async function main(): Promise<void> {
  process.umask(0o077);
  let config = loadConfig(process.env);
  let devChain: DevChain | undefined;
  if (config.chains.length === 0) {
    const started = await startEmbeddedChain(config.dataDir, (line) => console.log(line));
    devChain = started.chain;
    config = { ...config, chains: [started.settings] };
  }
  // A development tenant and key only on the embedded development chain: never next to a real chain.
  const key = config.databaseUrl || !devChain ? undefined : await devApiKey(config);
  const redact = createRedactor(configSecrets(config));
  const { app, url } = await startServer(config);
  // A fresh data directory (no console user yet): a one-time link to create the first admin.
  const setupToken = (await app.consoleAuth.setupNeeded()) ? await app.consoleAuth.createSetupToken(key ? "dev" : "default") : undefined;
  const lines = [
    "",
    `PriorProof is running at ${url}`,
    `  API docs:        ${url}/docs`,
    `  Verify page:     ${url}/verify`,
    `  Data directory:  ${config.dataDir}`,
    ...config.chains.map(
      (c) => `  Chain:           ${c.name} (id ${c.chainId}) at ${redact(c.rpcUrl)}${c.development ? " — development chain, no evidential value" : ""}`,
    ),
    ...(setupToken
      ? [
          `  Create the first admin: ${config.publicUrl ?? url}/app/setup#token=${setupToken}`,
          "                   (one-time link, valid 24 hours; a new one is printed at each start until an admin exists)",
        ]
      : []),
    ...(key
      ? [
          `  Dev API key:     ${key}`,
          `  Try:             curl -H "authorization: Bearer ${key}" -H "content-type: application/json" -d ` +
            `'{"items":[{"sha256":"${"ab".repeat(32)}"}]}' ${url}/v1/stamps`,
        ]
      : []),
    "",
  ];
  console.log(lines.join("\n"));
  closeOnSignals(async () => {
    await app.close();
    await devChain?.stop();
  });
}

if (import.meta.main) {
  main().catch((e: unknown) => {
    let redact = (text: string) => text;
    try {
      redact = createRedactor(configSecrets(loadConfig(process.env)));
    } catch {
      // the configuration itself is what failed: its message names no secret
    }
    console.error(redact(e instanceof Error ? e.message : String(e)));
    process.exit(1);
  });
}
