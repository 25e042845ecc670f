/** `watch DIR`: stamp every new or changed file of a folder, with a live status line on a terminal. */
import { parseArgs } from "node:util";
import { ASSET_KINDS, type AssetKind } from "../leaf.ts";
import { watch as watchFolder, type WatchResult } from "../watch.ts";
import { SERVICE_OPTIONS, UsageError } from "./common.ts";
import { EXIT } from "./help.ts";
import type { Io } from "./render.ts";

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

export async function watchCommand(args: string[], io: Io): Promise<number> {
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
    `watching ${positionals[0]} — ${counts.stamped} stamped · ${counts.receipts} receipts · ${counts.queued} queued` +
    (counts.failed ? ` · ${counts.failed} failed` : "") +
    `${offline}`;
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
