/**
 * The CLI's capture commands: `priorproof capture URL` (queue a web capture, wait, download the
 * bundle) and `priorproof verify-capture DIR|ZIP` (check every part against the manifest and the
 * manifest against its receipt, without the service).
 */
import { mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { cachedChainReader, createChainReader, type ChainReader } from "../anchor.ts";
import { CAPTURE_PART_NAME, MAX_MANIFEST_BYTES, verifyCapture, type CapturePartReader } from "../capture.ts";
import { createCaptureClient, type Capture } from "../capture-client.ts";
import { createClient } from "../client.ts";
import { AnchorError, InputError, ServiceError } from "../errors.ts";
// commands.ts imports this module too; UsageError is only used when a command runs, after both loaded.
import { parseCheckpoint, UsageError } from "./commands.ts";
import { EXIT } from "./help.ts";
import type { Io } from "./render.ts";
import { openZip } from "./zip.ts";

function serviceOf(values: { server?: string | undefined; key?: string | undefined }, io: Io) {
  const baseUrl = values.server ?? io.env.PRIORPROOF_URL;
  if (!baseUrl) throw new UsageError("no service: give --server URL or set PRIORPROOF_URL");
  const apiKey = values.key ?? io.env.PRIORPROOF_API_KEY;
  return { baseUrl, ...(apiKey ? { apiKey } : {}), ...(io.fetch ? { fetch: io.fetch } : {}) };
}

function describe(c: Capture): string {
  const base = `capture ${c.id} of ${c.url}: ${c.status}`;
  if (c.status === "failed") return `${base} (${c.error?.code ?? "?"}: ${c.error?.message ?? ""})`;
  if (c.status === "queued" || c.status === "running") return base;
  return `${base}${c.change ? `, ${c.change}${c.changed.length ? ` (${c.changed.join(", ")})` : ""}` : ""}; manifest ${c.manifestSha256} stamped as entry ${c.entryId}`;
}

/** `priorproof capture URL [--no-js] [--viewport WxH] [--time-budget S] [--wait] [-o DIR]` */
export async function capture(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      server: { type: "string" }, key: { type: "string" }, json: { type: "boolean" },
      "no-js": { type: "boolean" }, viewport: { type: "string" }, "time-budget": { type: "string" },
      wait: { type: "boolean" }, timeout: { type: "string" }, output: { type: "string", short: "o" },
    },
  });
  if (positionals.length !== 1) throw new UsageError("capture needs one URL");
  const url = positionals[0] as string;
  let viewport: { width: number; height: number } | undefined;
  if (values.viewport !== undefined) {
    const m = /^(\d{3,4})x(\d{3,4})$/.exec(values.viewport);
    if (!m) throw new UsageError(`--viewport is WIDTHxHEIGHT, e.g. 1280x800, not ${JSON.stringify(values.viewport)}`);
    viewport = { width: Number(m[1]), height: Number(m[2]) };
  }
  const seconds = (v: string | undefined, what: string) => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${what} is a number of seconds, not ${JSON.stringify(v)}`);
    return Math.round(n * 1000);
  };
  const timeBudgetMs = seconds(values["time-budget"], "--time-budget");
  const waitMs = seconds(values.timeout, "--timeout") ?? 600_000;
  const service = serviceOf(values, io);
  const cc = createCaptureClient(service);
  let c = await cc.submitCapture(url, {
    ...(values["no-js"] ? { javascript: false } : {}), ...(viewport ? { viewport } : {}), ...(timeBudgetMs ? { timeBudgetMs } : {}),
  });
  if (values.wait || values.output !== undefined) c = await cc.waitForCapture(c.id, { timeoutMs: waitMs });
  const written: string[] = [];
  if (values.output !== undefined && c.manifestSha256) {
    const dir = values.output;
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, "manifest.json"), await cc.getCaptureManifest(c.id));
    written.push("manifest.json");
    for (const p of c.parts) {
      await writeFile(join(dir, p.name), await cc.getCapturePart(c.id, p.name));
      written.push(p.name);
    }
    try {
      const receipt = await createClient(service).getReceipt(c.entryId as string);
      await writeFile(join(dir, "receipt.json"), JSON.stringify(receipt, null, 2));
      written.push("receipt.json");
    } catch (e) {
      if (!(e instanceof ServiceError && e.code === "RECEIPT_PENDING")) throw e;
      io.err(`the manifest is not anchored yet: later, run priorproof receipt ${c.entryId} -o ${join(dir, "receipt.json")} --wait`);
    }
  }
  if (values.json) io.out(JSON.stringify({ capture: c, ...(values.output !== undefined ? { directory: values.output, written } : {}) }, null, 2));
  else {
    io.out(describe(c));
    if (written.length > 0) io.out(`written to ${values.output}: ${written.join(", ")}`);
  }
  return c.status === "failed" ? EXIT.NOT_VERIFIED : EXIT.OK;
}

/** `priorproof verify-capture DIR|ZIP [--receipt FILE] [--rpc URL]… [--checkpoint CHAIN:NUMBER:HASH]… [--offline]` */
export async function verifyCaptureCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      json: { type: "boolean" }, receipt: { type: "string" }, rpc: { type: "string", multiple: true },
      checkpoint: { type: "string", multiple: true }, offline: { type: "boolean" },
    },
  });
  if (positionals.length !== 1) throw new UsageError("verify-capture needs a capture directory or ZIP");
  const source = positionals[0] as string;
  const rpcUrls = values.rpc ?? [];
  if (values.offline && rpcUrls.length > 0) throw new UsageError("--offline uses no network at all: drop --rpc, or drop --offline");
  // CHAINID:NUMBER:BLOCKHASH, as priorproof verify takes it: a pinned hash is bound to its chain.
  const checkpoints = (values.checkpoint ?? []).map(parseCheckpoint);

  let info;
  try {
    info = await stat(source);
  } catch (e) {
    throw new InputError("FILE_UNREADABLE", `cannot read ${source}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  let readMember: (name: string, maxBytes: number) => Promise<Uint8Array | undefined>;
  if (info.isDirectory()) {
    readMember = async (name, maxBytes) => {
      const path = join(source, name);
      const s = await stat(path).catch(() => undefined);
      if (!s?.isFile()) return undefined;
      if (s.size > maxBytes) return new Uint8Array(maxBytes); // longer than listed: the size check names it
      return new Uint8Array(await readFile(path));
    };
  } else {
    if (info.size > 2 * 1024 ** 3) throw new InputError("FILE_TOO_LARGE", `${source} is larger than 2 GiB`);
    const zip = openZip(new Uint8Array(await readFile(source)));
    // A bundle zipped with its folder has every member under one directory: accept that too.
    const prefix = zip.names.includes("manifest.json") ? "" : (zip.names.find((n) => n.endsWith("/manifest.json"))?.slice(0, -"manifest.json".length) ?? "");
    readMember = async (name, maxBytes) => zip.read(prefix + name, maxBytes);
  }
  const manifest = await readMember("manifest.json", MAX_MANIFEST_BYTES);
  if (!manifest) throw new InputError("FILE_UNREADABLE", `${source} holds no manifest.json`);
  let receiptDoc: unknown;
  const receiptBytes = values.receipt !== undefined
    ? await readFile(values.receipt).catch((e: unknown) => {
      throw new InputError("FILE_UNREADABLE", `cannot read the receipt ${values.receipt}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    })
    : await readMember("receipt.json", 16 * 1024 * 1024);
  if (receiptBytes) {
    try {
      receiptDoc = JSON.parse(new TextDecoder().decode(receiptBytes));
    } catch (e) {
      throw new InputError("INVALID_JSON", `the receipt is not JSON: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
  }
  const readPart: CapturePartReader = async (name, limits) => (CAPTURE_PART_NAME.test(name) ? readMember(name, limits.maxBytes) : undefined);

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
        throw new AnchorError("CHAIN_UNREACHABLE", `cannot reach --rpc ${url}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
      }
      chains[String(chainId)] = cachedChainReader(reader);
    }
    const verdict = await verifyCapture({ manifest, readPart, ...(receiptDoc !== undefined ? { receipt: receiptDoc } : {}), receiptOptions: { chains, checkpoints } });
    if (values.json) {
      const { receipt, manifest: m, ...rest } = verdict;
      io.out(JSON.stringify({ source, url: m?.request.url, ...rest, receipt: receipt ? { verified: receipt.verified, checks: receipt.checks, existedNoLaterThan: receipt.existedNoLaterThan, warnings: receipt.warnings } : undefined }, null, 2));
    } else {
      for (const c of verdict.checks) {
        if (c.status === "passed") io.out(`PASS  ${c.title}: ${c.detail}`);
        else if (c.status === "failed") io.out(`FAIL  ${c.title}: ${c.code ?? "FAILED"}: ${c.detail}`);
        else io.out(`SKIP  ${c.title}: not checked — ${c.detail}`);
      }
      for (const w of verdict.receipt?.warnings ?? []) io.out(`WARN  ${w}`);
      if (verdict.verified) io.out(`VERIFIED: capture of ${verdict.manifest?.request.url} — every part matches the manifest, stamped no later than ${verdict.receipt?.existedNoLaterThan}`);
      else if (verdict.failedParts.length > 0) io.out(`NOT VERIFIED: part${verdict.failedParts.length > 1 ? "s" : ""} ${verdict.failedParts.join(", ")} differ${verdict.failedParts.length > 1 ? "" : "s"} from the manifest`);
      else io.out(`NOT VERIFIED: ${verdict.checks.find((c) => c.status !== "passed")?.title ?? "the receipt was not confirmed"}${rpcUrls.length === 0 && receiptDoc !== undefined ? " (give --rpc URL of the receipt's chain, or --checkpoint)" : ""}`);
    }
    return verdict.verified ? EXIT.OK : EXIT.NOT_VERIFIED;
  } finally {
    for (const r of owned) r.destroy();
  }
}
