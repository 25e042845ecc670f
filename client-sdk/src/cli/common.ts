/**
 * What the CLI's commands share: the service options and the client they make, ids, timeouts, files read
 * safely (a missing file, a directory or a FIFO is an input error) and hashed; the usage error (usage.ts).
 */
import type { Hash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { basename } from "node:path";
import { toHex } from "../bytes.ts";
import { createClient, type PriorProofClient } from "../client.ts";
import { InputError } from "../errors.ts";
import { parseDigest } from "../hash.ts";
import { sha256File } from "../hash-node.ts";
import { type Io, progressBar } from "./render.ts";
import { UsageError } from "./usage.ts";

export { UsageError, type UsageErrorCode } from "./usage.ts";

/**
 * A command: arguments after its name in, exit code out.
 *
 * @example
 * const code = await COMMANDS.status!(["01JD…", "--json"], io);
 */
export type Command = (args: string[], io: Io) => Promise<number>;

/** The options every command that talks to a service takes. */
export const SERVICE_OPTIONS = {
  server: { type: "string" },
  key: { type: "string" },
  json: { type: "boolean" },
} as const;

/** The client of --server/--key (or PRIORPROOF_URL/PRIORPROOF_API_KEY). */
export function clientFor(values: { server?: string | undefined; key?: string | undefined }, io: Io): PriorProofClient {
  const baseUrl = values.server ?? io.env.PRIORPROOF_URL;
  if (!baseUrl) throw new UsageError("no service: give --server URL or set PRIORPROOF_URL");
  const apiKey = values.key ?? io.env.PRIORPROOF_API_KEY;
  return createClient({ baseUrl, ...(apiKey ? { apiKey } : {}), ...(io.fetch ? { fetch: io.fetch } : {}) });
}

export function oneId(positionals: string[], command: string): string {
  if (positionals.length !== 1) throw new UsageError(`${command} needs one entry id`);
  return positionals[0] as string;
}

/** --timeout in seconds (default 10 minutes), as milliseconds. */
export function timeoutMs(value: string | undefined): number {
  if (value === undefined) return 600_000;
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new UsageError(`--timeout must be a number of seconds, not ${JSON.stringify(value)}`);
  return seconds * 1000;
}

/** Stat first: a missing file, a directory or a FIFO is an input error, not a hang or a crash. */
export async function regularFile(path: string): Promise<number> {
  let s;
  try {
    s = await stat(path);
  } catch (e) {
    throw new InputError("FILE_UNREADABLE", `cannot read ${path}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  if (!s.isFile()) throw new InputError("NOT_A_FILE", `not a regular file: ${path}`);
  return s.size;
}

/** SHA-256 of a file, with a progress bar on a terminal. */
export async function hashFile(io: Io, path: string): Promise<Uint8Array> {
  const bar = progressBar(io, `hashing ${basename(path)}`);
  try {
    return (await sha256File(path, bar ? { onProgress: bar.update } : {})).sha256;
  } finally {
    bar?.done();
  }
}

/** A file's bytes as they are read for upload, hashed on the way so that what was sent is known. */
export async function* readHashing(path: string, hash: Hash): AsyncGenerator<Uint8Array> {
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    hash.update(chunk as Buffer);
    yield chunk as Buffer;
  }
}

/** A digest given as hex, or a file to hash. */
export async function digestOf(io: Io, target: string, what: string): Promise<`0x${string}`> {
  try {
    await regularFile(target);
  } catch {
    try {
      return parseDigest(target);
    } catch {
      throw new UsageError(`${what} is neither a readable file nor a SHA-256 digest (64 hex digits): ${target}`);
    }
  }
  return toHex(await hashFile(io, target));
}

/** A text file's contents; `FILE_UNREADABLE` names the option it came from. */
export async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (e) {
    throw new InputError("FILE_UNREADABLE", `cannot read ${what} ${path}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}
