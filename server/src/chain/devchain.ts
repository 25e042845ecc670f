/**
 * The embedded development chain: an anvil child process (npm `@foundry-rs/anvil`) on 127.0.0.1 with a
 * fixed mnemonic and its state persisted to a file, so that stopping and starting keeps every anchor,
 * block and transaction. Used by `npm start` and by the integration tests (each on a free port).
 *
 * A development chain has no evidential value; receipts anchored on it say so.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { dirname, join } from "node:path";

/** Anvil's well-known test mnemonic: its keys are public, which is right for a chain with no value. */
export const DEV_MNEMONIC = "test test test test test test test test test test test junk";
export const DEV_CHAIN_ID = 31337;

export interface DevChainOptions {
  /** Directory holding `anvil-state.json`; created if missing. */
  readonly dataDir: string;
  /** 0 or absent: pick a free port. */
  readonly port?: number;
  readonly chainId?: number;
  /** Seconds between blocks; absent: a block per transaction (automine). */
  readonly blockTime?: number;
  /** Seconds between state dumps, so a killed chain loses at most this much (default 1). */
  readonly stateInterval?: number;
  readonly hardfork?: string;
  /** Unix seconds of the genesis block (anvil --timestamp), e.g. to have blocks of an old date in tests. */
  readonly genesisTimestamp?: number;
  readonly mnemonic?: string;
  /** Receives anvil's output lines (absent: discarded). */
  readonly log?: (line: string) => void;
}

export interface DevChain {
  readonly rpcUrl: string;
  readonly port: number;
  readonly chainId: number;
  readonly statePath: string;
  readonly process: ChildProcess;
  /** Stops anvil gracefully (it dumps its state on SIGTERM) and waits for it to exit. */
  stop(): Promise<void>;
}

const PLATFORM_PACKAGES: Record<string, string> = {
  "linux-x64": "@foundry-rs/anvil-linux-amd64",
  "linux-arm64": "@foundry-rs/anvil-linux-arm64",
  "darwin-x64": "@foundry-rs/anvil-darwin-amd64",
  "darwin-arm64": "@foundry-rs/anvil-darwin-arm64",
  "win32-x64": "@foundry-rs/anvil-win32-amd64",
};

/** Path of the anvil binary shipped in the platform package that `@foundry-rs/anvil` installed. */
export function anvilBinary(): string {
  const pkg = PLATFORM_PACKAGES[`${process.platform}-${process.arch}`];
  if (!pkg) throw new Error(`anvil has no build for ${process.platform}-${process.arch}`);
  const require = createRequire(import.meta.url);
  const bin = join(dirname(require.resolve(`${pkg}/package.json`)), "bin", process.platform === "win32" ? "anvil.exe" : "anvil");
  if (!existsSync(bin)) throw new Error(`anvil binary missing at ${bin}: run npm install`);
  return bin;
}

/** Asks the kernel for a free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const address = srv.address();
      const port = typeof address === "object" && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function rpc(url: string, method: string, params: unknown[] = []): Promise<unknown> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  const body = (await res.json()) as { result?: unknown; error?: { message: string } };
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result;
}

/**
 * Starts anvil and resolves once it answers JSON-RPC.
 *
 * @example
 * const chain = await startDevChain({ dataDir: "./data/chain" });
 * // ... chain.rpcUrl ...
 * await chain.stop();
 */
export async function startDevChain(options: DevChainOptions): Promise<DevChain> {
  mkdirSync(options.dataDir, { recursive: true });
  const port = options.port || (await freePort());
  const chainId = options.chainId ?? DEV_CHAIN_ID;
  const statePath = join(options.dataDir, "anvil-state.json");
  const args = [
    "--host",
    "127.0.0.1",
    "--port",
    String(port),
    "--chain-id",
    String(chainId),
    "--mnemonic",
    options.mnemonic ?? DEV_MNEMONIC,
    "--state",
    statePath,
    "--state-interval",
    String(options.stateInterval ?? 1),
    "--preserve-historical-states",
  ];
  if (options.blockTime) args.push("--block-time", String(options.blockTime));
  if (options.hardfork) args.push("--hardfork", options.hardfork);
  if (options.genesisTimestamp !== undefined) args.push("--timestamp", String(options.genesisTimestamp));

  const child = spawn(anvilBinary(), args, { stdio: ["ignore", "pipe", "pipe"] });
  const output: string[] = [];
  const onData = (chunk: Buffer) => {
    for (const line of chunk.toString("utf8").split("\n")) {
      if (!line) continue;
      if (output.length < 50) output.push(line);
      options.log?.(line);
    }
  };
  child.stdout?.on("data", onData);
  child.stderr?.on("data", onData);

  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const rpcUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    const early = await Promise.race([exited, new Promise<"running">((r) => setTimeout(() => r("running"), 100))]);
    if (early !== "running") throw new Error(`anvil exited with code ${early}:\n${output.join("\n")}`);
    try {
      const id = await rpc(rpcUrl, "eth_chainId");
      if (Number(id) === chainId) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`anvil did not answer on ${rpcUrl} within 30 s:\n${output.join("\n")}`);
    }
  }

  return {
    rpcUrl,
    port,
    chainId,
    statePath,
    process: child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
