/**
 * Builds the Fastify app in-process (for `inject` tests) over a real anvil chain, a temporary store
 * (a SQLite file, or a fresh PostgreSQL database dropped on close) and a temporary IPFS blockstore,
 * with two tenants.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { JsonRpcProvider, NonceManager } from "ethers";
import type { FastifyInstance } from "fastify";
import { type BuildOptions, buildApp } from "../../server/src/app.ts";
import { ensureDeployment } from "../../server/src/chain/deploy.ts";
import { startDevChain, type DevChain } from "../../server/src/chain/devchain.ts";
import { loadConfig, type Config } from "../../server/src/config.ts";
import { createTenantKey } from "../../server/src/services/keys.ts";
import { createTestDatabase, type TestDatabase } from "./postgres.ts";
import { devWallet } from "./service.ts";

/** The store backends the service suite runs against. */
export type TestBackend = "sqlite" | "postgres";
export const TEST_BACKENDS: readonly TestBackend[] = ["sqlite", "postgres"];

export interface TestApp {
  readonly app: FastifyInstance;
  readonly config: Config;
  readonly chain: DevChain;
  readonly keys: Record<string, string>;
  readonly backend: TestBackend;
  close(): Promise<void>;
}

/** Builds the app with `env` over the `backend` store (default SQLite); `build` adds app options (an onRoute listener). */
export async function buildTestApp(
  env: Record<string, string> = {},
  backend: TestBackend = "sqlite",
  build: Pick<BuildOptions, "onRoute"> = {},
): Promise<TestApp> {
  const dataDir = mkdtempSync(join(tmpdir(), "pp-app-"));
  const database: TestDatabase | undefined = backend === "postgres" ? await createTestDatabase() : undefined;
  const chain = await startDevChain({ dataDir: join(dataDir, "chain") });
  const provider = new JsonRpcProvider(chain.rpcUrl, chain.chainId, { staticNetwork: true });
  const deploymentsDir = join(dataDir, "deployments");
  await ensureDeployment({ deployer: new NonceManager(devWallet(0).connect(provider)), anchorers: [devWallet(1).address], deploymentsDir });
  provider.destroy();
  const config = loadConfig({
    DATA_DIR: dataDir,
    RPC_URL: chain.rpcUrl,
    CHAIN_ID: String(chain.chainId),
    CHAIN_DEVELOPMENT: "true",
    CONFIRMATIONS: "1",
    ANCHORER_PRIVATE_KEY: devWallet(1).privateKey,
    DEPLOYMENTS_DIR: deploymentsDir,
    WORKERS: "false",
    LOG_LEVEL: "silent",
    ...(database ? { DATABASE_URL: database.url } : {}),
    ...env,
  });
  const app = await buildApp(config, { ...build, logger: false });
  await app.ready();
  const keys: Record<string, string> = {};
  for (const t of ["acme", "rival"]) keys[t] = (await createTenantKey(app.store, t, "test")).key;
  return {
    app,
    config,
    chain,
    keys,
    backend,
    async close() {
      await app.close();
      await chain.stop();
      await database?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Runs the batcher and the chain's anchorer until nothing is left to do (anvil automines). */
export async function anchorAll(t: TestApp): Promise<void> {
  await t.app.batcher.closeBatches();
  for (let i = 0; i < 10; i++) {
    for (const a of t.app.anchorers.values()) await a.tick();
    const s = await t.app.store.stats();
    if (s.batches.built + s.batches.sending + s.batches.sent + s.batches.anchored === 0) return;
  }
  const stuck = [];
  for (const chainId of t.app.chains.keys()) stuck.push(...(await t.app.store.listBatches(chainId, ["built", "sending", "sent", "anchored"])));
  throw new Error(`batches did not settle: ${JSON.stringify(stuck.map((b) => ({ id: b.id, status: b.status, lastError: b.lastError })))}`);
}
