/**
 * The only file that listens: builds the app from a config and serves it until SIGINT/SIGTERM.
 * Run as the process's entry (`npm run serve`, i.e. the project's Node 24 with `--conditions=source`) it serves the
 * configuration in the environment, which must name its chains (RPC_URL … or CHAINS); `npm start` (cli/start.ts) adds
 * the embedded dev chain.
 */
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { FastifyInstance } from "fastify";
import { buildApp, type BuildOptions } from "./app.ts";
import { loadConfig, type Config } from "./config.ts";
import { configSecrets, createRedactor } from "./services/redact.ts";

/**
 * Builds and starts the service; resolves the listening app and its base URL.
 *
 * @example
 * const { app, url } = await startServer(loadConfig(process.env));
 */
export async function startServer(config: Config, options: BuildOptions = {}): Promise<{ app: FastifyInstance; url: string }> {
  const app = await buildApp(config, options);
  await app.listen({ host: config.host, port: config.port });
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : config.port;
  return { app, url: `http://${config.host.includes(":") ? `[${config.host}]` : config.host}:${port}` };
}

/** Closes `close` once on SIGINT/SIGTERM, then exits. */
export function closeOnSignals(close: () => Promise<void>): void {
  let closing = false;
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      if (closing) return;
      closing = true;
      close().then(
        () => process.exit(0),
        (e: unknown) => {
          console.error(e);
          process.exit(1);
        },
      );
    });
  }
}

/**
 * Whether this module is the process's entry. `import.meta.main` exists from Node 22.18 / 24.2; on an older Node it is
 * undefined, and the file would load and exit without a word, so the entry path is compared instead.
 */
function isEntry(): boolean {
  if (typeof import.meta.main === "boolean") return import.meta.main;
  const argv1 = process.argv[1];
  if (argv1 === undefined) return false;
  try {
    return realpathSync(argv1) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntry()) {
  const config = loadConfig(process.env);
  if (config.chains.length === 0) {
    console.error("no chain configured: set RPC_URL + CHAIN_ID + ANCHORER_PRIVATE_KEY (or CHAINS), or use npm start for the embedded dev chain");
    process.exit(2);
  }
  try {
    const { app, url } = await startServer(config);
    app.log.info({ url }, "PriorProof listening");
    closeOnSignals(() => app.close());
  } catch (e) {
    // A start failure (an RPC refusing, a bad keystore) may echo the configuration's secrets.
    const redact = createRedactor(configSecrets(config));
    console.error(redact(e instanceof Error ? (e.stack ?? e.message) : String(e)));
    process.exit(1);
  }
}
