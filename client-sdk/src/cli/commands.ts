/**
 * The CLI's commands. Each parses its arguments, makes the SDK calls, prints one result (or one JSON
 * document with --json) and returns its exit code; failures are thrown as typed errors for main.ts to
 * turn into an exit code.
 */
import { createHash, type Hash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readFile, stat, writeFile } from "node:fs/promises";
import { basename } from "node:path";
import { parseArgs } from "node:util";
import { cachedChainReader, createChainReader, type ChainReader } from "../anchor.ts";
import { isHex32, toHex } from "../bytes.ts";
import { createClient, type Entry, type PriorProofClient, type UploadFile } from "../client.ts";
import { InputError, PriorProofError, ServiceError } from "../errors.ts";
import { parseDigest } from "../hash.ts";
import { sha256File } from "../hash-node.ts";
import { ASSET_KINDS, type AssetKind, type Claim } from "../leaf.ts";
import { certificatesFromPem, createTimestampVerifier } from "../tsa.ts";
import { type VerifyOptions, verifyReceipt } from "../verify.ts";
import { capture, verifyCaptureCommand } from "./capture.ts";
import { EXIT } from "./help.ts";
import { describeEntry, describeLookupAnchor, type Io, printVerdict, progressBar, verdictHints } from "./render.ts";

/**
 * A command line that cannot be run as given (exit code 2).
 *
 * @example
 * throw new UsageError("stamp needs at least one file");
 */
export class UsageError extends PriorProofError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("USAGE", message, options);
  }
}

/**
 * A command: arguments after its name in, exit code out.
 *
 * @example
 * const code = await COMMANDS.status!(["01JD…", "--json"], io);
 */
export type Command = (args: string[], io: Io) => Promise<number>;

const SERVICE_OPTIONS = {
  server: { type: "string" },
  key: { type: "string" },
  json: { type: "boolean" },
} as const;

function clientFor(values: { server?: string | undefined; key?: string | undefined }, io: Io): PriorProofClient {
  const baseUrl = values.server ?? io.env.PRIORPROOF_URL;
  if (!baseUrl) throw new UsageError("no service: give --server URL or set PRIORPROOF_URL");
  const apiKey = values.key ?? io.env.PRIORPROOF_API_KEY;
  return createClient({ baseUrl, ...(apiKey ? { apiKey } : {}), ...(io.fetch ? { fetch: io.fetch } : {}) });
}

function oneId(positionals: string[], command: string): string {
  if (positionals.length !== 1) throw new UsageError(`${command} needs one entry id`);
  return positionals[0] as string;
}

function timeoutMs(value: string | undefined): number {
  if (value === undefined) return 600_000;
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new UsageError(`--timeout must be a number of seconds, not ${JSON.stringify(value)}`);
  return seconds * 1000;
}

/** Stat first: a missing file, a directory or a FIFO is an input error, not a hang or a crash. */
async function regularFile(path: string): Promise<number> {
  let s;
  try {
    s = await stat(path);
  } catch (e) {
    throw new InputError("FILE_UNREADABLE", `cannot read ${path}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  if (!s.isFile()) throw new InputError("NOT_A_FILE", `not a regular file: ${path}`);
  return s.size;
}

async function hashFile(io: Io, path: string): Promise<Uint8Array> {
  const bar = progressBar(io, `hashing ${basename(path)}`);
  try {
    return (await sha256File(path, bar ? { onProgress: bar.update } : {})).sha256;
  } finally {
    bar?.done();
  }
}

/** A file's bytes as they are read for upload, hashed on the way so that what was sent is known. */
async function* readHashing(path: string, hash: Hash): AsyncGenerator<Uint8Array> {
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    hash.update(chunk as Buffer);
    yield chunk as Buffer;
  }
}

/** A digest given as hex, or a file to hash. */
async function digestOf(io: Io, target: string, what: string): Promise<`0x${string}`> {
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

async function stamp(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      ...SERVICE_OPTIONS,
      upload: { type: "boolean" },
      title: { type: "string" },
      kind: { type: "string" },
      author: { type: "string" },
      claimant: { type: "string" },
      previous: { type: "string" },
      note: { type: "string" },
      wait: { type: "boolean" },
      timeout: { type: "string" },
    },
  });
  if (positionals.length === 0) throw new UsageError("stamp needs at least one file");
  if (values.kind !== undefined && !(ASSET_KINDS as readonly string[]).includes(values.kind)) throw new UsageError(`--kind must be one of ${ASSET_KINDS.join(", ")}`);
  const wait = timeoutMs(values.timeout);
  const pp = clientFor(values, io);
  const claim: Claim = {
    ...(values.title !== undefined ? { title: values.title } : {}),
    ...(values.kind !== undefined ? { kind: values.kind as AssetKind } : {}),
    ...(values.author !== undefined ? { author: values.author } : {}),
    ...(values.claimant !== undefined ? { claimant: values.claimant } : {}),
    ...(values.previous !== undefined ? { previous: await digestOf(io, values.previous, "--previous") } : {}),
    ...(values.note !== undefined ? { note: values.note } : {}),
  };
  const withClaim = Object.keys(claim).length > 0 ? { claim } : {};

  let entries: Entry[];
  if (values.upload) {
    const hashes: Hash[] = [];
    const files: UploadFile[] = [];
    for (const p of positionals) {
      const size = await regularFile(p);
      const hash = createHash("sha256");
      hashes.push(hash);
      files.push({ name: basename(p), size, data: readHashing(p, hash) });
    }
    const bar = progressBar(io, positionals.length === 1 ? `uploading ${basename(positionals[0] as string)}` : `uploading ${positionals.length} files`);
    try {
      entries = await pp.submitFiles(files, { ...withClaim, ...(bar ? { onProgress: bar.update } : {}) });
    } finally {
      bar?.done();
    }
    // The service hashed what it received; the same bytes were hashed here as they were sent.
    for (const [i, e] of entries.entries()) {
      const sent = `0x${(hashes[i] as Hash).digest("hex")}`;
      if (e.sha256 !== sent) throw new ServiceError("DIGEST_MISMATCH", `the service recorded sha-256 ${e.sha256} for ${positionals[i]}, but the bytes sent hash to ${sent}`);
    }
  } else {
    const items = [];
    for (const p of positionals) items.push({ sha256: await hashFile(io, p), ...withClaim });
    entries = await pp.submitStamps(items);
  }

  if (values.wait) {
    // One after the other: entries of one request share a batch, so the later waits end at once.
    for (const [i, e] of entries.entries()) {
      entries[i] = await pp.waitForAnchor(e.id, {
        status: "anchored",
        timeoutMs: wait,
        onStatus: (s) => {
          if (io.isTTY) io.err(`${e.id}: ${s}`);
        },
      });
    }
  }
  if (values.json) io.out(JSON.stringify({ entries }, null, 2));
  else for (const [i, e] of entries.entries()) io.out(`${positionals[i]}: ${describeEntry(e)}`);
  return EXIT.OK;
}

async function status(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: SERVICE_OPTIONS });
  const entry = await clientFor(values, io).getEntry(oneId(positionals, "status"));
  io.out(values.json ? JSON.stringify(entry, null, 2) : describeEntry(entry));
  return EXIT.OK;
}

async function receipt(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { ...SERVICE_OPTIONS, output: { type: "string", short: "o" }, wait: { type: "boolean" }, timeout: { type: "string" } },
  });
  const id = oneId(positionals, "receipt");
  const wait = timeoutMs(values.timeout);
  const pp = clientFor(values, io);
  if (values.wait) await pp.waitForAnchor(id, { status: "anchored", timeoutMs: wait });
  const r = await pp.getReceipt(id);
  const text = `${JSON.stringify(r, null, 2)}\n`;
  if (values.output === undefined) {
    io.out(text.trimEnd());
    return EXIT.OK;
  }
  await writeFile(values.output, text);
  const evm = r.anchors.find((a) => a.type === "evm");
  if (values.json) io.out(JSON.stringify({ id, written: values.output, bytes: Buffer.byteLength(text) }));
  else io.out(`receipt of ${id} written to ${values.output}${evm?.type === "evm" ? ` (anchored on ${evm.chainName}, chain ${evm.chainId}, block ${evm.blockNumber} at ${evm.blockTime})` : ""}`);
  return EXIT.OK;
}

/** A checkpoints file: one block hash per line; `#` starts a comment (e.g. where the hash was read). */
async function readCheckpoints(path: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    throw new InputError("FILE_UNREADABLE", `cannot read --checkpoints ${path}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  return text.split("\n").map((l) => l.replace(/#.*/, "").trim()).filter((l) => l !== "");
}

async function verify(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      ...SERVICE_OPTIONS,
      rpc: { type: "string", multiple: true },
      "tsa-ca": { type: "string" },
      offline: { type: "boolean" },
      checkpoint: { type: "string", multiple: true },
      checkpoints: { type: "string" },
    },
  });
  if (positionals.length !== 2) throw new UsageError("verify needs a file and its receipt");
  const [file, receiptPath] = positionals as [string, string];
  const rpcUrls = values.rpc ?? [];
  const offline = values.offline ?? false;
  if (offline && rpcUrls.length > 0) throw new UsageError("--offline uses no network at all: drop --rpc, or drop --offline");

  let text: string;
  try {
    text = await readFile(receiptPath, "utf8");
  } catch (e) {
    throw new InputError("FILE_UNREADABLE", `cannot read the receipt ${receiptPath}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new InputError("INVALID_JSON", `the receipt ${receiptPath} is not JSON: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  const checkpoints = [...(values.checkpoint ?? [])];
  if (values.checkpoints !== undefined) checkpoints.push(...(await readCheckpoints(values.checkpoints)));
  for (const h of checkpoints) if (!isHex32(h.toLowerCase())) throw new UsageError(`--checkpoint must be a block hash (0x and 64 hex digits), not ${JSON.stringify(h)}`);
  const options: { -readonly [K in keyof VerifyOptions]: VerifyOptions[K] } = { sha256: await hashFile(io, file), checkpoints };
  const tsaCa = values["tsa-ca"];
  if (tsaCa !== undefined) {
    let pem: string;
    try {
      pem = await readFile(tsaCa, "utf8");
    } catch (e) {
      throw new InputError("FILE_UNREADABLE", `cannot read --tsa-ca ${tsaCa}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    options.timestamp = createTimestampVerifier({ trustAnchors: certificatesFromPem(pem) });
  }

  const chains: Record<string, ChainReader> = {};
  const owned: { destroy(): void }[] = [];
  try {
    for (const url of rpcUrls) {
      const reader = createChainReader(url);
      owned.push(reader);
      let chainId: bigint;
      try {
        chainId = await reader.getChainId();
      } catch (e) {
        throw new InputError("RPC_UNREACHABLE", `cannot reach --rpc ${url}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
      }
      chains[String(chainId)] = cachedChainReader(reader);
    }
    options.chains = chains;
    const verdict = await verifyReceipt(doc, options);
    const hints = verdictHints(verdict, { offline, rpcChains: Object.keys(chains) });
    if (values.json) {
      const { receipt: _receipt, ...rest } = verdict;
      io.out(JSON.stringify({ file, receiptFile: receiptPath, sha256: toHex(options.sha256 as Uint8Array), offline, ...rest, hints }, null, 2));
    } else {
      printVerdict(io, file, verdict, hints);
    }
    if (verdict.verified) return EXIT.OK;
    // An RPC that failed mid-way says nothing about the receipt: an I/O error, not a verdict.
    const failed = verdict.checks.filter((c) => c.status === "failed");
    if (failed.length > 0 && failed.every((c) => c.code === "CHAIN_UNREACHABLE")) return EXIT.USAGE;
    return EXIT.NOT_VERIFIED;
  } finally {
    for (const r of owned) r.destroy();
  }
}

async function certificate(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { ...SERVICE_OPTIONS, output: { type: "string", short: "o" }, lang: { type: "string" } } });
  const id = oneId(positionals, "certificate");
  if (values.output === undefined) throw new UsageError("certificate needs -o FILE");
  if (values.lang !== undefined && values.lang !== "en" && values.lang !== "zh-CN") throw new UsageError("--lang is en or zh-CN");
  const pdf = await clientFor(values, io).getCertificate(id, values.lang ? { lang: values.lang } : {});
  await writeFile(values.output, pdf);
  if (values.json) io.out(JSON.stringify({ id, written: values.output, bytes: pdf.length }));
  else io.out(`certificate of ${id} written to ${values.output} (${pdf.length} bytes)`);
  return EXIT.OK;
}

async function lookup(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: SERVICE_OPTIONS });
  if (positionals.length !== 1) throw new UsageError("lookup needs a file or a digest");
  const pp = clientFor(values, io);
  const digest = await digestOf(io, positionals[0] as string, "lookup's argument");
  const r = await pp.lookupDigest(digest);
  if (values.json) io.out(JSON.stringify(r, null, 2));
  else if (!r.anchored) io.out(`${digest}: not anchored at this service`);
  else for (const a of r.anchors) io.out(describeLookupAnchor(digest, a));
  return r.anchored ? EXIT.OK : EXIT.NOT_VERIFIED;
}

/**
 * The commands by name.
 *
 * @example
 * await COMMANDS.lookup!(["draft.psd"], io) // 0 when anchored
 */
export const COMMANDS: Readonly<Record<string, Command>> = { stamp, status, receipt, verify, certificate, lookup, capture, "verify-capture": verifyCaptureCommand };
