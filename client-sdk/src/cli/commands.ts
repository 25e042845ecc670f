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
import { toHex } from "../bytes.ts";
import { createClient, type Entry, type PriorProofClient, type UploadFile } from "../client.ts";
import { InputError, ServiceError } from "../errors.ts";
import { parseDigest } from "../hash.ts";
import { sha256File } from "../hash-node.ts";
import { ASSET_KINDS, type AssetKind, type Claim } from "../leaf.ts";
import { mediaTypeOf } from "./media-type.ts";
import { verifyReceipt } from "../verify.ts";
import { parseReceipt } from "../receipt.ts";
import { buildStatement, type ClaimSigner, signClaim, statementOfReceipt } from "../signature/index.ts";
import { pemClaimSigner, pkcs12ClaimSigner } from "../signature/node.ts";
import { parseStrictJson } from "../trust/ijson.ts";
import { watch as watchFolder, type WatchResult } from "../watch.ts";
import { capture, verifyCaptureCommand } from "./capture.ts";
import { contentKeyOf, decrypt, keygen, uploadEncrypted } from "./encryption.ts";
import { EXIT } from "./help.ts";
import { UsageError } from "./usage.ts";
import { openChains, readReceiptTrust, RECEIPT_TRUST_OPTIONS, verdictExit } from "./verify-options.ts";
import { entryLine, describeLookupAnchor, type Io, printVerdict, progressBar, verdictHints } from "./render.ts";

export { UsageError, type UsageErrorCode } from "./usage.ts";
export { parseCheckpoint } from "./verify-options.ts";

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

/** `--ai-process FILE.json`: the AI process record (tool, model, prompt, seed, licence…), a JSON object. */
async function readAiProcess(path: string): Promise<NonNullable<Claim["aiProcess"]>> {
  let doc: unknown;
  try {
    doc = JSON.parse(await readFile(path, "utf8"));
  } catch (e) {
    throw new UsageError(`--ai-process ${path}: not a readable JSON file (${e instanceof Error ? e.message : String(e)})`);
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc))
    throw new UsageError(`--ai-process ${path}: expected a JSON object such as {"tool":…,"model":…,"prompt":…,"seed":…}`);
  return doc as NonNullable<Claim["aiProcess"]>;
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
      "ai-process": { type: "string" },
      wait: { type: "boolean" },
      timeout: { type: "string" },
      "sign-key": { type: "string" },
      "sign-cert": { type: "string" },
      "sign-p12": { type: "string" },
      encrypt: { type: "boolean" },
      "key-file": { type: "string" },
    },
  });
  if (positionals.length === 0) throw new UsageError("stamp needs at least one file");
  if (values.encrypt && (values["sign-key"] !== undefined || values["sign-p12"] !== undefined))
    throw new UsageError("--encrypt uploads; --sign-key/--sign-p12 sign hash-only stamps: use one or the other");
  const contentKey = values.encrypt ? await contentKeyOf(values["key-file"], io, (m) => new UsageError(m)) : undefined;
  const signer = await claimSignerOf(values, io);
  if (signer && values.upload)
    throw new UsageError("--sign-key/--sign-p12 sign hash-only stamps: drop --upload (the signature covers the digest computed here)");
  const aiProcess = values["ai-process"] !== undefined ? await readAiProcess(values["ai-process"]) : undefined;
  if (values.kind !== undefined && !(ASSET_KINDS as readonly string[]).includes(values.kind))
    throw new UsageError(`--kind must be one of ${ASSET_KINDS.join(", ")}`);
  const wait = timeoutMs(values.timeout);
  const pp = clientFor(values, io);
  const claim: Claim = {
    ...(values.title !== undefined ? { title: values.title } : {}),
    ...(values.kind !== undefined ? { kind: values.kind as AssetKind } : {}),
    ...(values.author !== undefined ? { author: values.author } : {}),
    ...(values.claimant !== undefined ? { claimant: values.claimant } : {}),
    ...(values.previous !== undefined ? { previous: await digestOf(io, values.previous, "--previous") } : {}),
    ...(values.note !== undefined ? { note: values.note } : {}),
    ...(aiProcess ? { aiProcess } : {}),
  };
  const withClaim = Object.keys(claim).length > 0 ? { claim } : {};

  let entries: Entry[];
  if (contentKey) {
    // Encrypted here, file by file; the stamp covers the plaintext, the service stores the ciphertext.
    entries = await uploadEncrypted(pp, positionals, contentKey, withClaim, mediaTypeOf);
  } else if (values.upload) {
    const hashes: Hash[] = [];
    const files: UploadFile[] = [];
    for (const p of positionals) {
      const size = await regularFile(p);
      const hash = createHash("sha256");
      hashes.push(hash);
      files.push({ name: basename(p), size, mediaType: await mediaTypeOf(p), data: readHashing(p, hash) });
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
      if (e.sha256 !== sent)
        throw new ServiceError("SERVICE_DIGEST_MISMATCH", `the service recorded sha-256 ${e.sha256} for ${positionals[i]}, but the bytes sent hash to ${sent}`);
    }
  } else {
    const items = [];
    for (const p of positionals) {
      if (!signer) {
        items.push({ sha256: await hashFile(io, p), ...withClaim });
        continue;
      }
      // Signed: SHA3-256 as well (committed in the leaf and in the signed statement), then sign here.
      const { sha256, sha3_256 } = await sha256File(p, { alsoSha3: true });
      const signature = await signClaim({ sha256, ...(sha3_256 ? { sha3_256 } : {}), ...withClaim }, signer);
      items.push({ sha256, ...(sha3_256 ? { sha3_256 } : {}), ...withClaim, signature });
    }
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
  else for (const [i, e] of entries.entries()) io.out(`${positionals[i]}: ${entryLine(e)}`);
  return EXIT.OK;
}

async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (e) {
    throw new InputError("FILE_UNREADABLE", `cannot read ${what} ${path}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}

/** Reads a passphrase from the terminal without echo. */
async function promptHidden(question: string): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) throw new UsageError("no PKCS#12 password: set PRIORPROOF_P12_PASSWORD (stdin is not a terminal to ask on)");
  process.stderr.write(question);
  stdin.setRawMode(true);
  stdin.resume();
  let answer = "";
  try {
    for await (const chunk of stdin) {
      for (const ch of String(chunk)) {
        if (ch === "\r" || ch === "\n") return answer;
        if (ch === "\u0003") throw new UsageError("cancelled");
        if (ch === "\u007f") answer = answer.slice(0, -1);
        else answer += ch;
      }
    }
    return answer;
  } finally {
    stdin.setRawMode(false);
    stdin.pause();
    process.stderr.write("\n");
  }
}

/** The claim signer of `stamp` from --sign-key/--sign-cert or --sign-p12, or undefined. */
async function claimSignerOf(
  values: { "sign-key"?: string | undefined; "sign-cert"?: string | undefined; "sign-p12"?: string | undefined },
  io: Io,
): Promise<ClaimSigner | undefined> {
  const key = values["sign-key"];
  const cert = values["sign-cert"];
  const p12 = values["sign-p12"];
  if (p12 !== undefined && (key !== undefined || cert !== undefined)) throw new UsageError("give either --sign-p12 or --sign-key with --sign-cert, not both");
  if (p12 !== undefined) {
    let bytes: Uint8Array;
    try {
      bytes = await readFile(p12);
    } catch (e) {
      throw new InputError("FILE_UNREADABLE", `cannot read --sign-p12 ${p12}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    const password = io.env.PRIORPROOF_P12_PASSWORD ?? (await promptHidden(`password of ${basename(p12)}: `));
    return pkcs12ClaimSigner(bytes, password);
  }
  if (key === undefined && cert === undefined) return undefined;
  if (key === undefined || cert === undefined)
    throw new UsageError("--sign-key and --sign-cert go together (the key, and the PEM certificate chain of its signer)");
  return pemClaimSigner(await readText(key, "--sign-key"), await readText(cert, "--sign-cert"));
}

async function statement(args: string[], io: Io): Promise<number> {
  const { positionals, values } = parseArgs({ args, allowPositionals: true, options: { output: { type: "string", short: "o" } } });
  if (positionals.length !== 1) throw new UsageError("statement needs a receipt file");
  const receipt = parseReceipt(JSON.parse(await readText(positionals[0] as string, "the receipt")));
  const signature = receipt.version === "priorproof-receipt/2" ? receipt.signature : undefined;
  if (!signature) throw new InputError("NO_SIGNATURE", "the receipt carries no claimant signature");
  const text = buildStatement(statementOfReceipt(receipt, signature.signedAt));
  // -o writes exactly the signed bytes (no newline), for `openssl cms -verify -content`.
  if (values.output !== undefined) await writeFile(values.output, text);
  else io.out(text);
  return EXIT.OK;
}

async function status(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: SERVICE_OPTIONS });
  const entry = await clientFor(values, io).getEntry(oneId(positionals, "status"));
  io.out(values.json ? JSON.stringify(entry, null, 2) : entryLine(entry));
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
  else
    io.out(
      `receipt of ${id} written to ${values.output}${evm?.type === "evm" ? ` (anchored on ${evm.chainName}, chain ${evm.chainId}, block ${evm.blockNumber} at ${evm.blockTime})` : ""}`,
    );
  return EXIT.OK;
}

async function verify(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { ...SERVICE_OPTIONS, ...RECEIPT_TRUST_OPTIONS, "signer-ca": { type: "string" } },
  });
  if (positionals.length !== 2) throw new UsageError("verify needs a file and its receipt");
  const [file, receiptPath] = positionals as [string, string];
  const trust = await readReceiptTrust(values);

  let text: string;
  try {
    text = await readFile(receiptPath, "utf8");
  } catch (e) {
    throw new InputError("FILE_UNREADABLE", `cannot read the receipt ${receiptPath}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  // Strict I-JSON: a receipt with a member name twice is refused (DUPLICATE_KEY), never "last wins".
  const doc = parseStrictJson(text);
  const sha256 = await hashFile(io, file);
  const sha3 = await sha3File(file);

  const rpc = await openChains(trust.rpcUrls, trust.rpcTimeoutMs);
  try {
    const verdict = await verifyReceipt(doc, { ...trust.options, sha256, sha3_256: sha3, chains: rpc.chains });
    const hints = verdictHints(verdict, { offline: trust.offline, rpcChains: Object.keys(rpc.chains) });
    if (values.json) {
      const { receipt: _receipt, ...rest } = verdict;
      io.out(JSON.stringify({ file, receiptFile: receiptPath, sha256: toHex(sha256), offline: trust.offline, ...rest, hints }, null, 2));
    } else {
      printVerdict(io, file, verdict, hints);
    }
    return verdictExit(verdict);
  } finally {
    rpc.close();
  }
}

/** SHA3-256 of a file, streamed (the receipt's `subject.sha3_256` is compared with it). */
async function sha3File(path: string): Promise<Uint8Array> {
  const h = createHash("sha3-256");
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
  return new Uint8Array(h.digest());
}

async function certificate(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { ...SERVICE_OPTIONS, output: { type: "string", short: "o" }, lang: { type: "string" }, jurisdiction: { type: "string" } },
  });
  const id = oneId(positionals, "certificate");
  if (values.output === undefined) throw new UsageError("certificate needs -o FILE");
  if (values.lang !== undefined && values.lang !== "en" && values.lang !== "zh-CN") throw new UsageError("--lang is en or zh-CN");
  if (values.jurisdiction !== undefined && !["cn", "us", "eu"].includes(values.jurisdiction)) throw new UsageError("--jurisdiction is cn, us or eu");
  const pdf = await clientFor(values, io).getCertificate(id, {
    ...(values.lang ? { lang: values.lang as "en" | "zh-CN" } : {}),
    ...(values.jurisdiction ? { jurisdiction: values.jurisdiction as "cn" | "us" | "eu" } : {}),
  });
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
/** One human line of a watch result. */
function describeWatch(r: WatchResult): string | undefined {
  switch (r.type) {
    case "queued":
      return `queued    ${r.path} ${r.sha256.slice(0, 14)}…${r.previous ? ` (after ${r.previous.slice(0, 10)}…)` : ""}`;
    case "stamped":
      return `stamped   ${r.path} → ${r.entryId}${r.recovered ? " (found on the service after a restart)" : ""}`;
    case "receipt":
      return `receipt   ${r.path} → ${r.receiptPath}`;
    case "failed":
      return `failed    ${r.path}: ${r.code}: ${r.message}`;
    case "retrying":
      return `offline   ${r.code}: ${r.message} — ${r.queued} queued, retrying in ${Math.round(r.retryInMs / 1000)} s`;
    case "idle":
      return undefined;
  }
}

async function watchCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      ...SERVICE_OPTIONS,
      upload: { type: "boolean" },
      once: { type: "boolean" },
      wait: { type: "boolean" },
      kind: { type: "string" },
      author: { type: "string" },
      settle: { type: "string" },
      interval: { type: "string" },
    },
  });
  if (positionals.length !== 1) throw new UsageError("watch needs one directory");
  if (values.kind !== undefined && !(ASSET_KINDS as readonly string[]).includes(values.kind))
    throw new UsageError(`--kind must be one of ${ASSET_KINDS.join(", ")}`);
  const seconds = (v: string | undefined, name: string, fallback: number) => {
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new UsageError(`${name} must be a number of seconds, not ${JSON.stringify(v)}`);
    return n * 1000;
  };
  const baseUrl = values.server ?? io.env.PRIORPROOF_URL;
  if (!baseUrl) throw new UsageError("no service: give --server URL or set PRIORPROOF_URL");
  const apiKey = values.key ?? io.env.PRIORPROOF_API_KEY;
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  const counts = { queued: 0, stamped: 0, receipts: 0, failed: 0 };
  let offline = "";
  const status = (): string =>
    `watching ${positionals[0]} — ${counts.stamped} stamped · ${counts.receipts} receipts · ${counts.queued} queued${counts.failed ? ` · ${counts.failed} failed` : ""}${offline}`;
  let failed = false;
  let lastRetry: WatchResult | undefined;
  try {
    for await (const r of watchFolder(positionals[0]!, {
      baseUrl,
      ...(apiKey ? { apiKey } : {}),
      ...(io.fetch ? { fetch: io.fetch } : {}),
      upload: values.upload === true,
      once: values.once === true,
      waitForReceipts: values.wait === true,
      ...(values.kind ? { kind: values.kind as AssetKind } : {}),
      ...(values.author ? { author: values.author } : {}),
      settleMs: seconds(values.settle, "--settle", 2),
      scanMs: seconds(values.interval, "--interval", 1),
      signal: controller.signal,
    })) {
      if (r.type === "queued") counts.queued++;
      if (r.type === "stamped") {
        counts.queued--;
        counts.stamped++;
        offline = "";
      }
      if (r.type === "receipt") counts.receipts++;
      if (r.type === "failed") {
        counts.failed++;
        counts.queued--;
        failed = true;
      }
      if (r.type === "retrying") {
        offline = ` · offline, retrying in ${Math.round(r.retryInMs / 1000)} s`;
        lastRetry = r;
      }
      if (values.json) io.out(JSON.stringify(r));
      else if (io.isTTY) io.progress(`\r\x1b[K${status()}`);
      else {
        const line = describeWatch(r);
        if (line) io.out(line);
      }
    }
  } finally {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
    if (io.isTTY && !values.json) io.progress(`\r\x1b[K${status()}\n`);
  }
  // A one-shot run that could not reach the service kept its queue for the next run.
  if (values.once && lastRetry && counts.queued > 0) return EXIT.SERVICE;
  return failed ? EXIT.SERVICE : EXIT.OK;
}

export const COMMANDS: Readonly<Record<string, Command>> = {
  stamp,
  status,
  receipt,
  verify,
  certificate,
  lookup,
  statement,
  watch: watchCommand,
  capture,
  "verify-capture": verifyCaptureCommand,
  keygen: (args, io) => keygen(args, io, (m) => new UsageError(m)),
  decrypt: (args, io) =>
    decrypt(
      args,
      io,
      (m) => new UsageError(m),
      (values) => clientFor(values, io),
    ),
};
