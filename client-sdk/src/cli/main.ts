/**
 * `priorproof` — the command line of the SDK: a shell that parses, calls the SDK, prints one human
 * line per fact (or one JSON document with --json), and exits with a code that says what happened.
 */
import { readFile, writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { cachedChainReader, createChainReader, type ChainReader } from "../anchor.ts";
import { fromHex, toHex } from "../bytes.ts";
import { createClient, type Entry } from "../client.ts";
import { PriorProofError, ServiceError } from "../errors.ts";
import { parseDigest } from "../hash.ts";
import { sha256File } from "../hash-node.ts";
import { ASSET_KINDS, type AssetKind, type Claim } from "../leaf.ts";
import { certificatesFromPem, createTimestampVerifier } from "../tsa.ts";
import { verifyReceipt, type Verdict } from "../verify.ts";

export const VERSION = "0.1.0";

/** Exit codes, documented in --help. */
export const EXIT = { OK: 0, NOT_VERIFIED: 1, USAGE: 2, SERVICE: 3 } as const;

const HELP: Record<string, string> = {
  main: `priorproof ${VERSION} — timestamp evidence and verify PriorProof receipts

usage: priorproof <command> [options]

commands:
  stamp <files…>            hash files locally and stamp their digests (--upload sends the files)
  status <id>               an entry's status and anchors
  receipt <id> [-o FILE]    fetch an entry's receipt (JSON)
  verify <file> <receipt>   verify a file against its receipt, with or without the service
  certificate <id> -o PDF   download the court certificate
  lookup <file|digest>      is this file (or digest) anchored at the service?

service:  --server URL (or PRIORPROOF_URL), --key KEY (or PRIORPROOF_API_KEY)
output:   --json prints one JSON document on stdout
exit codes: 0 done / verified, 1 not verified, 2 usage or file error, 3 service error
Run priorproof <command> --help for a command's options.`,
  stamp: `usage: priorproof stamp <files…> [--upload] [--title T] [--kind K] [--author A] [--claimant C]
                        [--previous DIGEST] [--note N] [--wait] [--json]
  Hashes each file on this machine (SHA-256) and stamps the digest: the file never leaves it unless
  --upload is given (then the files are streamed to the service, which also stores them in IPFS).
  --kind is one of ${ASSET_KINDS.join(", ")}. --wait waits until every entry is anchored.`,
  status: "usage: priorproof status <id> [--json]",
  receipt: "usage: priorproof receipt <id> [-o receipt.json] [--wait]\n  Without -o the receipt is printed on stdout.",
  verify: `usage: priorproof verify <file> <receipt.json> [--rpc URL]… [--tsa-ca PEM] [--offline] [--json]
  Verifies without the PriorProof service. Offline (no --rpc, or --offline) it checks the digest, the
  claim, the leaf and the Merkle proof, and says what remains to confirm on the chain. With --rpc (any
  node of the receipt's chain; repeat for several chains) it also confirms the anchor on chain.
  Exit 0 only when the file matches and an independent witness (the chain or a TSA) confirmed it.`,
  certificate: "usage: priorproof certificate <id> -o certificate.pdf [--lang en|zh-CN]",
  lookup: "usage: priorproof lookup <file|digest> [--json]",
};

interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
  isTTY: boolean;
  env: Record<string, string | undefined>;
}

class UsageError extends Error {}

function progress(io: Io, label: string): ((done: number, total?: number) => void) | undefined {
  if (!io.isTTY) return undefined;
  let last = 0;
  return (done, total) => {
    const now = Date.now();
    if (now - last < 100 && done !== total) return;
    last = now;
    const pct = total ? ` ${Math.floor((done / total) * 100)}%` : "";
    process.stderr.write(`\r${label}${pct} (${(done / 1e6).toFixed(1)} MB)   `);
    if (total && done >= total) process.stderr.write("\n");
  };
}

function client(values: { server?: string; key?: string }, io: Io) {
  const baseUrl = values.server ?? io.env.PRIORPROOF_URL;
  if (!baseUrl) throw new UsageError("no service: give --server URL or set PRIORPROOF_URL");
  const apiKey = values.key ?? io.env.PRIORPROOF_API_KEY;
  return createClient({ baseUrl, ...(apiKey ? { apiKey } : {}) });
}

function describeEntry(e: Entry): string {
  const anchor = e.anchors.find((a) => a.blockNumber !== null);
  return `${e.id}  ${e.status}  sha256 ${e.sha256}${e.name ? `  ${e.name}` : ""}${anchor ? `  block ${anchor.blockNumber} (${anchor.blockTime}) tx ${anchor.txHash}` : ""}`;
}

function printVerdict(io: Io, v: Verdict): void {
  for (const c of v.checks) {
    const mark = c.status === "passed" ? "PASS" : c.status === "failed" ? "FAIL" : "SKIP";
    io.out(`${mark}  ${c.title}: ${c.code ? `${c.code}: ` : ""}${c.detail}`);
  }
  for (const w of v.warnings) io.out(`WARN  ${w}`);
  io.out(v.verified ? `VERIFIED: the file existed no later than ${v.existedNoLaterThan}` : "NOT VERIFIED" + (v.checks.some((c) => c.status === "failed") ? "" : ": no independent witness was checked (give --rpc URL of the receipt's chain)"));
}

async function commandStamp(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args, allowPositionals: true,
    options: { upload: { type: "boolean" }, title: { type: "string" }, kind: { type: "string" }, author: { type: "string" }, claimant: { type: "string" }, previous: { type: "string" }, note: { type: "string" }, wait: { type: "boolean" }, json: { type: "boolean" }, server: { type: "string" }, key: { type: "string" } },
  });
  if (positionals.length === 0) throw new UsageError("stamp needs at least one file");
  if (values.kind && !(ASSET_KINDS as readonly string[]).includes(values.kind)) throw new UsageError(`--kind must be one of ${ASSET_KINDS.join(", ")}`);
  const claim: Claim = {
    ...(values.title ? { title: values.title } : {}),
    ...(values.kind ? { kind: values.kind as AssetKind } : {}),
    ...(values.author ? { author: values.author } : {}),
    ...(values.claimant ? { claimant: values.claimant } : {}),
    ...(values.previous ? { previous: parseDigest(values.previous) } : {}),
    ...(values.note ? { note: values.note } : {}),
  };
  const hasClaim = Object.keys(claim).length > 0;
  const pp = client(values, io);
  let entries: Entry[];
  if (values.upload) {
    const { openAsBlob } = await import("node:fs");
    const files = await Promise.all(positionals.map(async (p) => ({ name: p.split(/[\\/]/).pop() ?? p, data: await openAsBlob(p) })));
    entries = await pp.submitFiles(files, { ...(hasClaim ? { claim } : {}), ...(progress(io, "uploading") ? { onProgress: progress(io, "uploading")! } : {}) });
  } else {
    const items = [];
    for (const p of positionals) {
      const onProgress = progress(io, `hashing ${p}`);
      const { sha256 } = await sha256File(p, onProgress ? { onProgress } : {});
      items.push({ sha256: toHex(sha256), ...(hasClaim ? { claim } : {}) });
    }
    entries = await pp.submitStamps(items);
  }
  if (values.wait) {
    entries = await Promise.all(entries.map((e) => pp.waitForAnchor(e.id, { status: "anchored", onStatus: (s) => io.isTTY && io.err(`${e.id}: ${s}`) })));
  }
  if (values.json) io.out(JSON.stringify({ entries }, null, 2));
  else for (const [i, e] of entries.entries()) io.out(`${positionals[i]}: ${describeEntry(e)}`);
  return EXIT.OK;
}

async function commandStatus(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { json: { type: "boolean" }, server: { type: "string" }, key: { type: "string" } } });
  if (positionals.length !== 1) throw new UsageError("status needs one entry id");
  const e = await client(values, io).getEntry(positionals[0]!);
  io.out(values.json ? JSON.stringify(e, null, 2) : describeEntry(e));
  return EXIT.OK;
}

async function commandReceipt(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { output: { type: "string", short: "o" }, wait: { type: "boolean" }, server: { type: "string" }, key: { type: "string" } } });
  if (positionals.length !== 1) throw new UsageError("receipt needs one entry id");
  const pp = client(values, io);
  if (values.wait) await pp.waitForAnchor(positionals[0]!);
  const text = JSON.stringify(await pp.getReceipt(positionals[0]!), null, 2) + "\n";
  if (values.output) {
    await writeFile(values.output, text);
    io.out(`receipt written to ${values.output}`);
  } else io.out(text.trimEnd());
  return EXIT.OK;
}

async function commandVerify(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { rpc: { type: "string", multiple: true }, "tsa-ca": { type: "string" }, offline: { type: "boolean" }, json: { type: "boolean" } } });
  if (positionals.length !== 2) throw new UsageError("verify needs a file and a receipt");
  const [file, receiptPath] = positionals as [string, string];
  let receipt: unknown;
  try {
    receipt = JSON.parse(await readFile(receiptPath, "utf8"));
  } catch (e) {
    throw new UsageError(`cannot read the receipt ${receiptPath}: ${(e as Error).message}`);
  }
  const onProgress = values.json ? undefined : progress(io, `hashing ${file}`);
  const { sha256 } = await sha256File(file, onProgress ? { onProgress } : {});
  const chains: Record<string, ChainReader> = {};
  const owned: { destroy(): void }[] = [];
  if (!values.offline) {
    for (const url of values.rpc ?? []) {
      const reader = createChainReader(url);
      owned.push(reader);
      chains[String(await reader.getChainId())] = cachedChainReader(reader);
    }
  }
  const tsaCa = values["tsa-ca"];
  try {
    const verdict = await verifyReceipt(receipt, {
      sha256,
      chains,
      ...(tsaCa ? { timestamp: createTimestampVerifier({ trustAnchors: certificatesFromPem(await readFile(tsaCa, "utf8")) }) } : {}),
    });
    if (values.json) io.out(JSON.stringify({ file, sha256: toHex(sha256), ...verdict, receipt: undefined }, null, 2));
    else printVerdict(io, verdict);
    return verdict.verified ? EXIT.OK : EXIT.NOT_VERIFIED;
  } finally {
    for (const r of owned) r.destroy();
  }
}

async function commandCertificate(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { output: { type: "string", short: "o" }, lang: { type: "string" }, server: { type: "string" }, key: { type: "string" } } });
  if (positionals.length !== 1 || !values.output) throw new UsageError("certificate needs an entry id and -o FILE");
  if (values.lang && values.lang !== "en" && values.lang !== "zh-CN") throw new UsageError("--lang is en or zh-CN");
  const pdf = await client(values, io).getCertificate(positionals[0]!, values.lang ? { lang: values.lang as "en" | "zh-CN" } : {});
  await writeFile(values.output, pdf);
  io.out(`certificate written to ${values.output} (${pdf.length} bytes)`);
  return EXIT.OK;
}

async function commandLookup(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { json: { type: "boolean" }, server: { type: "string" }, key: { type: "string" } } });
  if (positionals.length !== 1) throw new UsageError("lookup needs a file or a digest");
  const target = positionals[0]!;
  let digest: string;
  try {
    digest = parseDigest(target);
  } catch {
    digest = toHex((await sha256File(target)).sha256);
  }
  const r = await client(values, io).lookupDigest(digest);
  if (values.json) io.out(JSON.stringify(r, null, 2));
  else if (!r.anchored) io.out(`${digest}: not anchored at this service`);
  else for (const a of r.anchors) io.out(`${digest}: anchored on ${a.chainName} (chain ${a.chainId}) in block ${a.blockNumber} at ${a.blockTime}, tx ${a.txHash}${a.development ? " — development chain, no evidential value" : ""}`);
  return r.anchored ? EXIT.OK : EXIT.NOT_VERIFIED;
}

const COMMANDS: Record<string, (args: string[], io: Io) => Promise<number>> = {
  stamp: commandStamp, status: commandStatus, receipt: commandReceipt, verify: commandVerify, certificate: commandCertificate, lookup: commandLookup,
};

/** Runs the CLI with `argv` (without node and script) and resolves the exit code. */
export async function run(argv: readonly string[], io: Io): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === "--help" || command === "-h" || command === "help") {
    io.out(HELP.main!);
    return command ? EXIT.OK : EXIT.USAGE;
  }
  if (command === "--version") {
    io.out(VERSION);
    return EXIT.OK;
  }
  const handler = COMMANDS[command];
  if (!handler) {
    io.err(`unknown command ${JSON.stringify(command)}\n\n${HELP.main}`);
    return EXIT.USAGE;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    io.out(HELP[command]!);
    return EXIT.OK;
  }
  try {
    return await handler(rest, io);
  } catch (e) {
    if (e instanceof UsageError || (e as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      io.err(`priorproof ${command}: ${(e as Error).message}\n${HELP[command]}`);
      return EXIT.USAGE;
    }
    if (e instanceof ServiceError) {
      io.err(`priorproof ${command}: service error ${e.code}${e.status ? ` (HTTP ${e.status})` : ""}: ${e.message}`);
      return EXIT.SERVICE;
    }
    if (e instanceof PriorProofError) {
      io.err(`priorproof ${command}: ${e.code}: ${e.message}`);
      return EXIT.USAGE;
    }
    io.err(`priorproof ${command}: ${(e as Error).message ?? String(e)}`);
    return EXIT.USAGE;
  }
}

/** Runs the CLI on this process's arguments and sets its exit code. */
export async function main(): Promise<void> {
  process.exitCode = await run(process.argv.slice(2), {
    out: (line) => process.stdout.write(line + "\n"),
    err: (line) => process.stderr.write(line + "\n"),
    isTTY: Boolean(process.stderr.isTTY),
    env: process.env,
  });
}

if (import.meta.main) await main();
