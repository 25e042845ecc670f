/**
 * `priorproof` — the command line of the SDK: a shell that parses, calls the SDK, prints one result
 * (or one JSON document with --json) and exits with a code that says what happened (see help.ts).
 */
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { PriorProofError, ServiceError } from "../errors.ts";
import { COMMANDS, UsageError } from "./commands.ts";
import { EXIT, HELP, VERSION } from "./help.ts";
import type { Io } from "./render.ts";
import { VERIFY_BATCH_HELP, verifyBatchCommand } from "./verify-batch.ts";

export { EXIT, HELP, VERSION } from "./help.ts";
export type { Io } from "./render.ts";

/**
 * The exit code of a failure: 3 for the service's errors, 2 for everything else that stopped the
 * command (usage, files, RPC). "Not verified" is not a failure: the commands return 1 themselves.
 *
 * @example
 * exitCodeOf(new ServiceError("RECEIPT_PENDING", "…", { status: 409 })) // 3
 */
export function exitCodeOf(error: unknown): number {
  return error instanceof ServiceError ? EXIT.SERVICE : EXIT.USAGE;
}

function asCliError(e: unknown): PriorProofError {
  if (e instanceof PriorProofError) return e;
  // node:util parseArgs: unknown option, missing value, unexpected positional.
  if (e instanceof Error && (e as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) return new UsageError(e.message, { cause: e });
  return new PriorProofError("UNEXPECTED", e instanceof Error ? e.message : String(e), { cause: e });
}

function hintFor(e: PriorProofError): string {
  if (e.code === "RECEIPT_PENDING") return " — the entry is not anchored yet: retry later, or add --wait";
  if (e.code === "UNAUTHORIZED") return " — check --key or PRIORPROOF_API_KEY";
  if (e.code === "NETWORK_ERROR") return " — check --server or PRIORPROOF_URL";
  return "";
}

/**
 * Runs one command line (without node and the script) and resolves its exit code.
 *
 * @example
 * const code = await run(["verify", "draft.psd", "draft.receipt.json", "--offline"], io);
 */
export async function run(argv: readonly string[], io: Io): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined) {
    io.err(HELP.main as string);
    return EXIT.USAGE;
  }
  if (command === "--help" || command === "-h" || command === "help") {
    const topic = rest[0];
    io.out((topic !== undefined && HELP[topic]) || (HELP.main as string));
    return EXIT.OK;
  }
  if (command === "--version" || command === "-v") {
    io.out(VERSION);
    return EXIT.OK;
  }
  const batch = command === "verify" && rest.some((a) => a === "--batch" || a.startsWith("--batch="));
  const handler = batch ? verifyBatchCommand : COMMANDS[command];
  if (!handler) {
    io.err(`priorproof: unknown command ${JSON.stringify(command)}\n\n${HELP.main}`);
    return EXIT.USAGE;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    io.out(batch ? VERIFY_BATCH_HELP : (HELP[command] as string));
    return EXIT.OK;
  }
  try {
    return await handler(rest, io);
  } catch (raw) {
    const e = asCliError(raw);
    const status = e instanceof ServiceError && e.status !== undefined ? e.status : undefined;
    if (rest.includes("--json")) {
      io.out(JSON.stringify({ error: { code: e.code, message: e.message, ...(status !== undefined ? { status } : {}) } }, null, 2));
    }
    if (e instanceof UsageError) io.err(`priorproof ${command}: ${e.message} (see priorproof ${command} --help)`);
    else if (e instanceof ServiceError)
      io.err(`priorproof ${command}: service error ${e.code}${status !== undefined ? ` (HTTP ${status})` : ""}: ${e.message}${hintFor(e)}`);
    else io.err(`priorproof ${command}: ${e.code}: ${e.message}${hintFor(e)}`);
    return exitCodeOf(e);
  }
}

/**
 * Runs the CLI on this process's arguments, writing to its stdout and stderr, and sets its exit code.
 *
 * @example
 * await main(); // bin/priorproof.js
 */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  const code = await run(argv, {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    progress: (text) => process.stderr.write(text),
    isTTY: Boolean(process.stderr.isTTY),
    ...(process.stderr.columns ? { columns: process.stderr.columns } : {}),
    env: process.env,
  });
  process.exitCode = code;
  // Output is written; a handle left open (a keep-alive socket, an RPC poller) must not keep a finished
  // command alive. Unref'd: when nothing is left open the process ends at once.
  setTimeout(() => process.exit(code), 2_000).unref();
}

function isEntry(): boolean {
  if (import.meta.main !== undefined) return import.meta.main;
  // Node < 24.2 has no import.meta.main.
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

if (isEntry()) await main();
