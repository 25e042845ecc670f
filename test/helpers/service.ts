/**
 * Starts the real service for end-to-end tests: a real anvil chain (its own data dir, free port), the
 * contract deployed by the project's deploy code, and `node server/src/server.ts` as a child process
 * configured through the environment, exactly as an operator runs it. With `databaseUrl`, the store is
 * that PostgreSQL database, and `startNode` starts more server processes on it (scale-out).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HDNodeWallet, JsonRpcProvider, Mnemonic, NonceManager } from "ethers";
import { ensureDeployment } from "../../server/src/chain/deploy.ts";
import { DEV_MNEMONIC, freePort, startDevChain, type DevChain } from "../../server/src/chain/devchain.ts";
import { createTenantKey } from "../../server/src/services/keys.ts";
import { openStore } from "../../server/src/store/index.ts";

/**
 * The Node flags `npm run serve` runs the server with (package.json), so that tests and the bench run
 * the server as an operator does (the young generation's size, for one, moves idle and peak RSS).
 */
export const SERVER_NODE_FLAGS: readonly string[] = (() => {
  const script: string = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")).scripts.serve;
  const m = /^node ((?:--\S+ )+)server\/src\/server\.ts$/.exec(script);
  if (!m) throw new Error(`package.json's serve script is not "node <flags> server/src/server.ts": ${script}`);
  return m[1]!.trim().split(" ");
})();

export function devWallet(index: number): HDNodeWallet {
  return HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(DEV_MNEMONIC), `m/44'/60'/0'/0/${index}`);
}

export interface ServiceOptions {
  readonly env?: Record<string, string>;
  /** Seconds between anvil blocks (default 1). */
  readonly blockTime?: number;
  readonly tenants?: readonly string[];
  /** PostgreSQL store shared by every server process (default: SQLite in the data dir). */
  readonly databaseUrl?: string;
  /** The server's entry script (default server/src/server.ts; server/src/cli/start.ts is `npm start`). */
  readonly script?: string;
}

/** One more server process of a service (same chain, same store, same settings, its own port). */
export interface ServerNode {
  readonly url: string;
  readonly process: ChildProcess;
  readonly output: string[];
  /** Stops the process (SIGTERM by default; SIGKILL to simulate a crash) and waits for its exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export interface RunningService {
  readonly url: string;
  readonly rpcUrl: string;
  readonly chainId: number;
  readonly dataDir: string;
  readonly keys: Record<string, string>;
  readonly chain: DevChain;
  readonly process: ChildProcess;
  readonly output: string[];
  /** Stops the server process (SIGTERM, or SIGKILL when `kill`) and starts it again on the same data dir. */
  restart(options?: { kill?: boolean; env?: Record<string, string> }): Promise<void>;
  stopServer(signal?: NodeJS.Signals): Promise<void>;
  /**
   * Starts another server process with the same environment (chain, store, keys) on its own port and
   * data dir, plus `env` (e.g. NODE_ID). Stopped by `stop()` unless stopped before.
   */
  startNode(env?: Record<string, string>): Promise<ServerNode>;
  stop(): Promise<void>;
}

async function waitForReady(url: string, child: ChildProcess, output: string[]): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${output.join("")}`);
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server did not start:\n${output.join("")}`);
}

export async function startService(options: ServiceOptions = {}): Promise<RunningService> {
  const dataDir = mkdtempSync(join(tmpdir(), "pp-e2e-"));
  const chain = await startDevChain({ dataDir: join(dataDir, "chain"), blockTime: options.blockTime ?? 1 });
  const provider = new JsonRpcProvider(chain.rpcUrl, chain.chainId, { staticNetwork: true });
  const deploymentsDir = join(dataDir, "deployments");
  await ensureDeployment({ deployer: new NonceManager(devWallet(0).connect(provider)), anchorers: [devWallet(1).address], deploymentsDir });
  provider.destroy();

  const keys: Record<string, string> = {};
  const store = await openStore({ databaseUrl: options.databaseUrl, sqlitePath: join(dataDir, "priorproof.db") });
  for (const t of options.tenants ?? ["acme", "rival"]) keys[t] = (await createTenantKey(store, t, "e2e")).key;
  await store.close();

  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const baseEnv: Record<string, string> = {
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? "/tmp",
    HOST: "127.0.0.1",
    PORT: String(port),
    DATA_DIR: dataDir,
    RPC_URL: chain.rpcUrl,
    CHAIN_ID: String(chain.chainId),
    CHAIN_NAME: "anvil (development chain)",
    CHAIN_DEVELOPMENT: "true",
    CONFIRMATIONS: "2",
    ANCHORER_PRIVATE_KEY: devWallet(1).privateKey,
    DEPLOYMENTS_DIR: deploymentsDir,
    BATCH_INTERVAL_MS: "1000",
    ANCHOR_TICK_MS: "250",
    LOG_LEVEL: "warn",
    OPERATOR: "PriorProof e2e test operator",
    ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {}),
  };
  const output: string[] = [];
  let child: ChildProcess;
  const spawnServer = async (extra: Record<string, string> = {}) => {
    child = spawn(process.execPath, [...SERVER_NODE_FLAGS, options.script ?? "server/src/server.ts"], {
      env: { ...baseEnv, ...options.env, ...extra },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout?.on("data", (d: Buffer) => output.push(d.toString()));
    child.stderr?.on("data", (d: Buffer) => output.push(d.toString()));
    await waitForReady(url, child, output);
  };
  const stopServer = async (signal: NodeJS.Signals = "SIGTERM") => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill(signal);
    await exited;
  };
  await spawnServer();

  const nodes: ServerNode[] = [];
  const startNode = async (extra: Record<string, string> = {}): Promise<ServerNode> => {
    const nodePort = await freePort();
    const nodeUrl = `http://127.0.0.1:${nodePort}`;
    const nodeDir = mkdtempSync(join(dataDir, "node-"));
    const nodeOutput: string[] = [];
    const proc = spawn(process.execPath, [...SERVER_NODE_FLAGS, "server/src/server.ts"], {
      env: { ...baseEnv, ...options.env, PORT: String(nodePort), DATA_DIR: nodeDir, ...extra },
      stdio: ["ignore", "pipe", "pipe"],
    });
    proc.stdout?.on("data", (d: Buffer) => nodeOutput.push(d.toString()));
    proc.stderr?.on("data", (d: Buffer) => nodeOutput.push(d.toString()));
    const node: ServerNode = {
      url: nodeUrl,
      process: proc,
      output: nodeOutput,
      async stop(signal: NodeJS.Signals = "SIGTERM") {
        if (proc.exitCode !== null || proc.signalCode !== null) return;
        const exited = new Promise((r) => proc.once("exit", r));
        proc.kill(signal);
        await exited;
      },
    };
    nodes.push(node);
    try {
      await waitForReady(nodeUrl, proc, nodeOutput);
    } catch (e) {
      await node.stop("SIGKILL");
      throw e;
    }
    return node;
  };

  return {
    url,
    rpcUrl: chain.rpcUrl,
    chainId: chain.chainId,
    dataDir,
    keys,
    chain,
    get process() {
      return child;
    },
    output,
    async restart(o = {}) {
      await stopServer(o.kill ? "SIGKILL" : "SIGTERM");
      await spawnServer(o.env);
    },
    stopServer,
    startNode,
    async stop() {
      for (const n of nodes) await n.stop();
      await stopServer();
      await chain.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** JSON request helper with a tenant's key. */
export async function api(
  service: RunningService,
  tenant: string | undefined,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = {};
  if (tenant) headers.authorization = `Bearer ${service.keys[tenant]}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(`${service.url}${path}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, body: parsed };
}
