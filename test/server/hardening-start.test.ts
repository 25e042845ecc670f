/**
 * Issue 23, point 5 — `npm start` (the real `server/src/cli/start.ts` process) next to a real chain
 * (RPC_URL set, a real anvil with the contract deployed): no development tenant, no printed key, the
 * RPC URL printed without its credentials, and the data directory owner-only.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { JsonRpcProvider, NonceManager } from "ethers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureDeployment } from "../../server/src/chain/deploy.ts";
import { freePort, startDevChain, type DevChain } from "../../server/src/chain/devchain.ts";
import { devWallet } from "../helpers/service.ts";

const SECRET = "SECRETKEYstart0123456789";
let dir = "";
let chain: DevChain;
let deploymentsDir = "";

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "pp-start-"));
  chain = await startDevChain({ dataDir: join(dir, "chain") });
  const provider = new JsonRpcProvider(chain.rpcUrl, chain.chainId, { staticNetwork: true });
  deploymentsDir = join(dir, "deployments");
  await ensureDeployment({ deployer: new NonceManager(devWallet(0).connect(provider)), anchorers: [devWallet(1).address], deploymentsDir });
  provider.destroy();
}, 120_000);
afterAll(async () => {
  await chain?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("npm start with RPC_URL set (a real chain)", () => {
  it("creates no dev tenant and prints no key, nor the RPC URL's credentials", async () => {
    const dataDir = join(dir, "data");
    const port = await freePort();
    const output: string[] = [];
    const child = spawn(process.execPath, ["--conditions=source", "server/src/cli/start.ts"], {
      env: {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? "/tmp",
        HOST: "127.0.0.1",
        PORT: String(port),
        DATA_DIR: dataDir,
        RPC_URL: `${chain.rpcUrl}/?apikey=${SECRET}`,
        CHAIN_ID: String(chain.chainId),
        ANCHORER_PRIVATE_KEY: devWallet(1).privateKey,
        DEPLOYMENTS_DIR: deploymentsDir,
        LOG_LEVEL: "info",
        CONFIRMATIONS: "1",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout.on("data", (d: Buffer) => output.push(d.toString()));
    child.stderr.on("data", (d: Buffer) => output.push(d.toString()));
    try {
      const deadline = Date.now() + 60_000;
      while (!output.join("").includes("PriorProof is running") && Date.now() < deadline && child.exitCode === null)
        await new Promise((r) => setTimeout(r, 100));
      expect(output.join(""), output.join("")).toContain("PriorProof is running");
      const text = output.join("");
      expect(text).not.toMatch(/Dev API key|Bearer pp_/);
      expect(text).not.toContain(SECRET);
      expect(text).toContain("[redacted]");
      expect(existsSync(join(dataDir, "dev-api-key.txt"))).toBe(false);
      const db = new DatabaseSync(join(dataDir, "priorproof.db"), { readOnly: true });
      const tenants = db.prepare("SELECT name FROM tenants").all();
      db.close();
      expect(tenants).toEqual([]);
      expect((statSync(dataDir).mode & 0o777).toString(8)).toBe("700");
      expect((statSync(join(dataDir, "priorproof.db")).mode & 0o777).toString(8)).toBe("600");
    } finally {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
    }
  }, 120_000);
});
