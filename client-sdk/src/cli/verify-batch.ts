/**
 * `priorproof verify --batch DIR|ZIP`: verifies every receipt (`*.json`) of a directory or ZIP archive on
 * all cores (verify-batch.ts) and prints a summary: verified / failed by code / not verified. A receipt
 * `NAME.receipt.json` next to a file `NAME` is checked against that file's SHA-256.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { unzipSync } from "fflate";
import { InputError } from "../errors.ts";
import { type BatchItem, summarize, verifyBatch } from "../verify-batch.ts";
import { parseCheckpoint, UsageError } from "./commands.ts";
import { EXIT } from "./help.ts";
import type { Io } from "./render.ts";

/** Bounds of one batch input: receipts are a few KB each; a portfolio is at most this many. */
export const BATCH_LIMITS = { receipts: 1_000_000, receiptBytes: 1 << 20, archiveBytes: 4 * 2 ** 30 } as const;

export const VERIFY_BATCH_HELP = `usage: priorproof verify --batch DIR|ZIP [--checkpoint CHAIN:NUMBER:HASH]… [--workers N] [--json]

Verifies every receipt (*.json) in a directory or a ZIP archive, offline, on all cores, and prints a
summary: verified, failed (by error code), not verified. A receipt NAME.receipt.json next to a file NAME
is checked against that file's SHA-256; other receipts are checked without a file (not verified).
The index.json of a console evidence pack (priorproof-evidence-pack/1) is not a receipt and is skipped.
An anchor counts as witnessed when its offline block-header proof passes and its block hash is one of
the --checkpoint hashes (block hashes you trust, e.g. copied from an explorer).

  --checkpoint C:N:H  a trusted block hash H of block N on chain C (repeatable)
  --workers N         worker threads (default: the number of cores)
  --json              one JSON document: { summary, results }

A progress bar is drawn on a terminal; otherwise a progress line is printed every 10 %.
Exit code 0 when every receipt is verified, 1 otherwise, 2 on a usage or read error.`;

/**
 * The index of a console evidence pack (POST /v1/exports): `index.json` at the top of the directory or
 * archive, of format priorproof-evidence-pack/1. Not a receipt: skipped (every receipt is still checked).
 */
function isPackIndex(name: string, text: string): boolean {
  if (name !== "index.json") return false;
  try {
    return (JSON.parse(text) as { format?: unknown }).format === "priorproof-evidence-pack/1";
  } catch {
    return false;
  }
}

const sha256 = (bytes: Uint8Array) => new Uint8Array(createHash("sha256").update(bytes).digest());

function tooLarge(name: string, size: number): never {
  throw new InputError("RECEIPT_TOO_LARGE", `${name} has ${size} bytes, more than a receipt's ${BATCH_LIMITS.receiptBytes}`);
}

/** Receipts of a directory (not recursive), with the files they name when present. */
async function fromDirectory(dir: string): Promise<BatchItem[]> {
  const names = (await readdir(dir)).sort();
  const present = new Set(names);
  const receipts = names.filter((n) => n.endsWith(".json"));
  if (receipts.length > BATCH_LIMITS.receipts)
    throw new InputError("BATCH_TOO_LARGE", `${dir} holds ${receipts.length} receipts, more than ${BATCH_LIMITS.receipts}`);
  const items: BatchItem[] = [];
  for (const name of receipts) {
    const path = join(dir, name);
    const s = await stat(path);
    if (!s.isFile()) continue;
    if (s.size > BATCH_LIMITS.receiptBytes) tooLarge(path, s.size);
    const subject = name.endsWith(".receipt.json") ? name.slice(0, -".receipt.json".length) : undefined;
    const file = subject !== undefined && present.has(subject) ? createHash("sha256") : undefined;
    if (file) for await (const chunk of createReadStream(join(dir, subject as string))) file.update(chunk as Buffer);
    const text = await readFile(path, "utf8");
    if (isPackIndex(name, text)) continue;
    items.push({ name: path, text, ...(file ? { sha256: new Uint8Array(file.digest()) } : {}) });
  }
  return items;
}

/** Receipts of a ZIP archive (any folder inside), with the files they name when the archive holds them. */
async function fromZip(path: string, size: number): Promise<BatchItem[]> {
  if (size > BATCH_LIMITS.archiveBytes) throw new InputError("BATCH_TOO_LARGE", `${path} has ${size} bytes, more than ${BATCH_LIMITS.archiveBytes}`);
  const bytes = new Uint8Array(await readFile(path));
  // A local file header or an empty archive's end record: anything else is not a ZIP archive.
  if (!(bytes[0] === 0x50 && bytes[1] === 0x4b && ((bytes[2] === 3 && bytes[3] === 4) || (bytes[2] === 5 && bytes[3] === 6)))) {
    throw new InputError("ARCHIVE_UNREADABLE", `${path} is neither a directory nor a ZIP archive`);
  }
  let count = 0;
  const names = new Set<string>();
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(bytes, {
      // Sizes are checked before anything is inflated (a ZIP bomb stops here).
      filter: (f) => {
        names.add(f.name);
        if (f.name.endsWith("/")) return false;
        if (f.name.endsWith(".json")) {
          if (++count > BATCH_LIMITS.receipts) throw new InputError("BATCH_TOO_LARGE", `${path} holds more than ${BATCH_LIMITS.receipts} receipts`);
          if (f.originalSize > BATCH_LIMITS.receiptBytes) tooLarge(`${path}:${f.name}`, f.originalSize);
          return true;
        }
        return false;
      },
    });
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError("ARCHIVE_UNREADABLE", `${path} is not a readable ZIP archive: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  // Subject files are inflated only when a receipt names them (NAME.receipt.json next to NAME).
  const subjects = new Set(
    [...names].filter((n) => n.endsWith(".receipt.json") && names.has(n.slice(0, -".receipt.json".length))).map((n) => n.slice(0, -".receipt.json".length)),
  );
  const files = subjects.size > 0 ? unzipSync(bytes, { filter: (f) => subjects.has(f.name) }) : {};
  const decoder = new TextDecoder();
  return Object.keys(entries)
    .sort()
    .flatMap((name) => {
      const subject = name.endsWith(".receipt.json") ? files[name.slice(0, -".receipt.json".length)] : undefined;
      const text = decoder.decode(entries[name]);
      return isPackIndex(name, text) ? [] : [{ name: `${path}:${name}`, text, ...(subject ? { sha256: sha256(subject) } : {}) }];
    });
}

/** A progress display: a bar on a terminal, a line every 10 % otherwise, nothing with --json. */
function progress(io: Io, json: boolean): { update(done: number, total: number): void; done(): void } {
  let lastTenth = 0;
  let lastDraw = 0;
  return {
    update(done, total) {
      if (json) return;
      if (io.isTTY) {
        const now = Date.now();
        if (now - lastDraw < 100 && done < total) return;
        lastDraw = now;
        const width = Math.max(10, Math.min(40, (io.columns ?? 80) - 40));
        const fraction = total ? done / total : 1;
        io.progress(
          `\r\x1b[2Kverifying ` +
            `[${"#".repeat(Math.round(fraction * width)).padEnd(width, "-")}] ${String(Math.floor(fraction * 100)).padStart(3)}% ${done} / ${total}`,
        );
      } else {
        const tenth = Math.floor((done / total) * 10);
        if (tenth > lastTenth) {
          lastTenth = tenth;
          io.err(`checked ${done} / ${total} receipts`);
        }
      }
    },
    done() {
      if (!json && io.isTTY) io.progress("\r\x1b[2K");
    },
  };
}

/**
 * The `verify --batch` command.
 *
 * @example
 * const code = await verifyBatchCommand(["--batch", "portfolio.zip", "--json"], io);
 */
export async function verifyBatchCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { batch: { type: "string" }, checkpoint: { type: "string", multiple: true }, workers: { type: "string" }, json: { type: "boolean" } },
    allowPositionals: true,
  });
  if (!values.batch) throw new UsageError("--batch needs a directory or a ZIP archive");
  if (positionals.length > 0) throw new UsageError(`--batch takes no other files (got ${positionals.join(" ")})`);
  const checkpoints = (values.checkpoint ?? []).map(parseCheckpoint);
  const workers = values.workers === undefined ? undefined : Number(values.workers);
  if (workers !== undefined && (!Number.isInteger(workers) || workers < 1 || workers > 64))
    throw new UsageError(`--workers must be an integer from 1 to 64, not ${JSON.stringify(values.workers)}`);

  let s;
  try {
    s = await stat(values.batch);
  } catch (e) {
    throw new InputError("FILE_UNREADABLE", `cannot read ${values.batch}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  const items = s.isDirectory() ? await fromDirectory(values.batch) : await fromZip(values.batch, s.size);
  const json = values.json === true;
  const bar = progress(io, json);
  const started = performance.now();
  const results = await verifyBatch(items, { checkpoints, ...(workers ? { workers } : {}), onProgress: bar.update });
  bar.done();
  const seconds = (performance.now() - started) / 1000;
  const summary = summarize(results);
  if (json) {
    io.out(JSON.stringify({ summary, results }, null, 2));
  } else {
    for (const r of results) if (r.outcome === "failed") io.out(`FAILED  ${r.name}: ${r.codes.join(", ")}`);
    const byCode = Object.entries(summary.failedByCode)
      .sort((a, b) => b[1] - a[1])
      .map(([code, n]) => `${code} ${n}`)
      .join(", ");
    io.out(
      `${summary.total} receipts in ${seconds.toFixed(2)} s: ${summary.verified} verified, ${summary.failed} ` +
        `failed${byCode ? ` (${byCode})` : ""}, ${summary.notVerified} not verified`,
    );
  }
  return summary.verified === summary.total ? EXIT.OK : EXIT.NOT_VERIFIED;
}
