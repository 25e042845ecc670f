/**
 * The CLI's capture commands: `priorproof capture URL` (queue a web capture, wait, download the
 * bundle) and `priorproof verify-capture DIR|ZIP` (check every part against the manifest and the
 * manifest against its receipt, without the service).
 */
import { mkdir, open, readFile, stat, writeFile } from "node:fs/promises";
import { inflateSync } from "node:zlib";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { extractEmbeddedFiles, isPdf } from "../certificate-pdf.ts";
import { CAPTURE_PART_NAME, MAX_MANIFEST_BYTES, verifyCapture, type CapturePartReader, type CaptureVerdict } from "../capture.ts";
import { createCaptureClient, type Capture } from "../capture-client.ts";
import { createClient } from "../client.ts";
import { InputError, ServiceError } from "../errors.ts";
import { parseStrictJson } from "../trust/ijson.ts";
import { EXIT } from "./help.ts";
import { type Io, printChecks, printVerdictLines, verdictHints } from "./render.ts";
import { UsageError } from "./usage.ts";
import { openChains, readReceiptTrust, RECEIPT_TRUST_OPTIONS, verdictExit } from "./verify-options.ts";
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
  return (
    `${base}` +
    (c.change ? `, ${c.change}${c.changed.length ? ` (${c.changed.join(", ")})` : ""}` : "") +
    `; manifest ${c.manifestSha256} stamped as entry ${c.entryId}`
  );
}

/** `priorproof capture URL [--no-js] [--viewport WxH] [--time-budget S] [--wait] [-o DIR]` */
export async function capture(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      server: { type: "string" },
      key: { type: "string" },
      json: { type: "boolean" },
      "no-js": { type: "boolean" },
      viewport: { type: "string" },
      "time-budget": { type: "string" },
      wait: { type: "boolean" },
      timeout: { type: "string" },
      output: { type: "string", short: "o" },
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
    ...(values["no-js"] ? { javascript: false } : {}),
    ...(viewport ? { viewport } : {}),
    ...(timeBudgetMs ? { timeBudgetMs } : {}),
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

/**
 * `priorproof verify-capture DIR|ZIP [--receipt FILE]` and the receipt trust options of `priorproof
 * verify` (--rpc, --rpc-timeout, --offline, --checkpoint(s), --tsa-ca, --trust-code-hash, --deployments,
 * --min-confirmations) and `--json`, whose `receipt` member follows VERDICT_JSON_SCHEMA.
 */
export async function verifyCaptureCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { json: { type: "boolean" }, receipt: { type: "string" }, ...RECEIPT_TRUST_OPTIONS },
  });
  if (positionals.length !== 1) throw new UsageError("verify-capture needs a capture directory, a ZIP of one, or a capture's certificate PDF");
  const source = positionals[0] as string;
  const trust = await readReceiptTrust(values);

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
  } else if (isPdf(await readHead(source))) {
    // A capture's certificate: its attachments are the bundle (parts too large to attach are missing).
    const files = await extractEmbeddedFiles(
      new Uint8Array(await readFile(source)),
      (n) => n === "manifest.json" || n === "receipt.json" || CAPTURE_PART_NAME.test(n),
      inflateSync,
    );
    readMember = async (name, maxBytes) => {
      const b = files.get(name);
      return b && b.length > maxBytes ? b.subarray(0, maxBytes) : b;
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
  const receiptBytes =
    values.receipt !== undefined
      ? await readFile(values.receipt).catch((e: unknown) => {
          throw new InputError("FILE_UNREADABLE", `cannot read the receipt ${values.receipt}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
        })
      : await readMember("receipt.json", 16 * 1024 * 1024);
  let receiptDoc: unknown;
  if (receiptBytes) {
    let text: string;
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(receiptBytes);
    } catch (e) {
      throw new InputError("INVALID_JSON", "the receipt is not UTF-8 text", { cause: e });
    }
    // Strict I-JSON, as priorproof verify reads a receipt: a member name twice is DUPLICATE_KEY, never "last wins".
    receiptDoc = parseStrictJson(text);
  }
  const readPart: CapturePartReader = async (name, limits) => (CAPTURE_PART_NAME.test(name) ? readMember(name, limits.maxBytes) : undefined);

  const rpc = await openChains(trust.rpcUrls, trust.rpcTimeoutMs);
  try {
    const verdict = await verifyCapture({
      manifest,
      readPart,
      ...(receiptDoc !== undefined ? { receipt: receiptDoc } : {}),
      receiptOptions: { ...trust.options, chains: rpc.chains },
    });
    const receipt = verdict.receipt;
    const hints = receipt ? verdictHints(receipt, { offline: trust.offline, rpcChains: Object.keys(rpc.chains) }) : [];
    if (values.json) {
      const { receipt: _doc, ...receiptVerdict } = receipt ?? {};
      const { receipt: _r, manifest: m, ...rest } = verdict;
      io.out(JSON.stringify({ source, url: m?.request.url, offline: trust.offline, ...rest, ...(receipt ? { receipt: receiptVerdict } : {}), hints }, null, 2));
    } else {
      printChecks(
        io,
        verdict.checks.filter((c) => c.id !== "receipt"),
      );
      if (receipt) printVerdictLines(io, receipt);
      else
        printChecks(
          io,
          verdict.checks.filter((c) => c.id === "receipt"),
        );
      if (!verdict.verified) for (const h of hints) io.out(`TODO  ${h}`);
      io.out(closingLine(verdict, receiptDoc !== undefined));
    }
    if (verdict.verified) return EXIT.OK;
    if (verdict.failedParts.length > 0 || !verdict.manifest || !receipt) return EXIT.NOT_VERIFIED;
    return verdictExit(receipt);
  } finally {
    rpc.close();
  }
}

/** The first KiB of a file (enough to tell a PDF). */
async function readHead(path: string): Promise<Uint8Array> {
  const fh = await open(path, "r");
  try {
    const buf = new Uint8Array(1024);
    const { bytesRead } = await fh.read(buf, 0, 1024, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** The one line that ends a human verify-capture report. */
function closingLine(v: CaptureVerdict, hadReceipt: boolean): string {
  const r = v.receipt;
  if (v.verified) {
    const notFinal = r?.warnings.some((w) => w.code === "NOT_FINAL");
    return (
      `VERIFIED: capture of ${v.manifest?.request.url} — every part matches the manifest, stamped no later than ${r?.existedNoLaterThan}` +
      (notFinal ? " — NOT FINAL" : "") +
      (r && r.warnings.length > 0 ? " (see the warnings above)" : "")
    );
  }
  if (v.failedParts.length > 0)
    return (
      `NOT VERIFIED: part` +
      (v.failedParts.length > 1 ? "s" : "") +
      ` ${v.failedParts.join(", ")} differ${v.failedParts.length > 1 ? "" : "s"} from the manifest`
    );
  const failed = v.checks.find((c) => c.status === "failed" && c.id !== "receipt") ?? r?.checks.find((c) => c.status === "failed");
  if (failed) return `NOT VERIFIED: ${failed.title}: ${failed.code ?? "FAILED"}`;
  if (!hadReceipt || !r) return "NOT VERIFIED: no receipt (receipt.json in the bundle, or --receipt FILE)";
  if (r.remaining.length > 0 && r.remaining.every((f) => f.scope !== "anchor"))
    return `NOT VERIFIED YET: proven offline except — ${r.remaining.map((f) => f.statement).join("; ")} (see TODO)`;
  return "NOT VERIFIED: the checks that ran passed, but no independent witness confirmed the anchor (see TODO)";
}
