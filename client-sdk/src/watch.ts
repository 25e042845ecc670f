/**
 * The watch folder: stamps every new or changed file under a directory once it is stable, linking each
 * new version of a file to the previous one (`claim.previous`), and saves each receipt beside the work.
 * Node only (file system); exported from `@priorproof/client-sdk/node` and run by `priorproof watch`.
 *
 * Everything it has to do is on disk, under `DIR/.priorproof/`, before it is done:
 * - `state.json` — the last version seen of each file (size, mtime, SHA-256, entry id);
 * - `queue.jsonl` — the journal of the versions still to stamp or whose receipt is not saved yet: a
 *   version is journaled (and synced) before the state changes, before it is sent, and its entry id as
 *   soon as the service acknowledged it (one write and one fsync per step of a round, however many
 *   files). On start the journal is replayed over the state, and a version that was being sent when the
 *   agent stopped is looked up on the service (same digest, same title, same previous version) before it
 *   is sent again, so an agent killed at any instant stamps each version exactly once. Every request
 *   carries an `Idempotency-Key` (its batch key, kept in the journal) as well.
 * - `receipts/<path>/<sha256 prefix>.receipt.json` — the receipts, mirroring the tree.
 *
 * A file is stable when its size and modification time stayed the same for `settleMs` (a file being
 * written is not stamped half-way); it is hashed, and stat'ed again after hashing: a file that changed
 * meanwhile waits for the next round. Hash-only by default (the bytes never leave); `upload` sends them.
 * Ignore patterns: `DIR/.priorproofignore` in gitignore syntax (plus a few editor and OS temporaries).
 */
import { randomUUID } from "node:crypto";
import { type FSWatcher, watch as fsWatch } from "node:fs";
import { lstat, mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { createClient, type PriorProofClient } from "./client.ts";
import { InputError, PriorProofError } from "./errors.ts";
import { sha256File } from "./hash-node.ts";
import type { AssetKind } from "./leaf.ts";
import { type Job, openLedger } from "./watch/journal.ts";
import { takeLock } from "./watch/lock.ts";
import { createScanner, type Seen } from "./watch/scan.ts";
import { createStamper, retryable } from "./watch/stamper.ts";

export { WATCH_DEFAULT_IGNORES } from "./watch/scan.ts";

/**
 * Options of {@link watch}.
 *
 * @example
 * const options: WatchOptions = { baseUrl: "https://stamp.example.com", apiKey, kind: "design", settleMs: 3_000 };
 */
export interface WatchOptions {
  /** The service; or give `client`. */
  readonly baseUrl?: string;
  readonly apiKey?: string;
  readonly client?: PriorProofClient;
  /** A `fetch` for the service (tests, proxies). */
  readonly fetch?: typeof fetch;
  /** Send the files' bytes (POST /v1/evidence) instead of their digests only. */
  readonly upload?: boolean;
  /** `claim.kind` of every stamp. */
  readonly kind?: AssetKind;
  /** `claim.author` of every stamp. */
  readonly author?: string;
  /** How long size and mtime must stay unchanged before a file is stamped (default 2,000 ms). */
  readonly settleMs?: number;
  /** Interval of the full scans (default 1,000 ms); file system notifications trigger one sooner. */
  readonly scanMs?: number;
  /** Stamp what changed since the last run, then end (after the receipts with `waitForReceipts`). */
  readonly once?: boolean;
  /** With `once`: wait until every receipt is saved (default false: pending receipts are fetched next run). */
  readonly waitForReceipts?: boolean;
  /** Digests per POST /v1/stamps (default 200). */
  readonly batchSize?: number;
  /** First delay before retrying after the service failed (doubles, up to 30 s; default 1,000 ms). */
  readonly retryMs?: number;
  /** How often pending receipts are asked for (default 2,000 ms). */
  readonly receiptPollMs?: number;
  /** A request unanswered this long counts as the service being down (default 60,000 ms; uploads: an hour). */
  readonly requestTimeoutMs?: number;
  readonly signal?: AbortSignal;
}

/** What the agent reports, one result per step of one file version. */
export type WatchResult =
  | { readonly type: "queued"; readonly path: string; readonly sha256: string; readonly previous: string | null }
  | {
      readonly type: "stamped";
      readonly path: string;
      readonly sha256: string;
      readonly entryId: string;
      readonly previous: string | null;
      readonly recovered?: boolean;
    }
  | { readonly type: "receipt"; readonly path: string; readonly sha256: string; readonly entryId: string; readonly receiptPath: string }
  | { readonly type: "retrying"; readonly code: string; readonly message: string; readonly retryInMs: number; readonly queued: number }
  | { readonly type: "failed"; readonly path: string; readonly sha256: string; readonly code: string; readonly message: string }
  | { readonly type: "idle"; readonly queued: number; readonly awaitingReceipts: number };

/**
 * Watches `dir` and stamps every new or changed file once it is stable; resolves an async iterator of
 * what it does. Ends when `signal` aborts, or with `once` when the changes are stamped.
 *
 * @example
 * for await (const r of watch("./designs", { baseUrl, apiKey, kind: "design", signal })) {
 *   if (r.type === "receipt") console.log(`${r.path}: receipt saved at ${r.receiptPath}`);
 * }
 */
export function watch(dir: string, options: WatchOptions): AsyncIterable<WatchResult> {
  return { [Symbol.asyncIterator]: () => runWatch(dir, options)[Symbol.asyncIterator]() };
}

async function* runWatch(dir: string, options: WatchOptions): AsyncGenerator<WatchResult> {
  const root = resolve(dir);
  const home = join(root, ".priorproof");
  const settleMs = options.settleMs ?? 2_000;
  const scanMs = options.scanMs ?? 1_000;
  const batchSize = Math.min(options.batchSize ?? 200, 1_000);
  const retryBase = options.retryMs ?? 1_000;
  const receiptPollMs = options.receiptPollMs ?? 2_000;
  const requestTimeoutMs = options.requestTimeoutMs ?? 60_000;
  const uploadTimeoutMs = Math.max(requestTimeoutMs, 3_600_000);
  const signal = options.signal;
  /** The caller's signal, or a timeout: a service that accepts the connection and never answers is an outage too. */
  const bounded = (ms: number): AbortSignal => (signal ? AbortSignal.any([signal, AbortSignal.timeout(ms)]) : AbortSignal.timeout(ms));
  if (!options.client && !options.baseUrl) throw new InputError("INVALID_ARGUMENT", "watch needs a service: baseUrl or client");
  const rootStat = await lstat(root).catch((e: unknown) => {
    throw new InputError("FILE_UNREADABLE", `cannot read ${root}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  });
  if (!rootStat.isDirectory()) throw new InputError("NOT_A_DIRECTORY", `not a directory: ${root}`);
  await mkdir(home, { recursive: true });
  const lock = await takeLock(join(home, "agent.lock"));
  const client: PriorProofClient =
    options.client ??
    createClient({ baseUrl: options.baseUrl!, ...(options.apiKey ? { apiKey: options.apiKey } : {}), ...(options.fetch ? { fetch: options.fetch } : {}) });

  // State: the state file, then the journal of jobs replayed over it (a job may be newer than the state).
  const ledger = await openLedger(home);
  const { files, jobs, journal, saveState } = ledger;
  const scan = createScanner(root);

  // Results are handed to the consumer through a small queue.
  const results: WatchResult[] = [];
  let wake: (() => void) | undefined;
  const emit = (r: WatchResult) => {
    results.push(r);
    wake?.();
  };
  let kick: (() => void) | undefined;
  const nudge = () => kick?.();
  const { send, fetchReceipts } = createStamper({ root, home, options, ledger, client, emit, bounded, requestTimeoutMs, uploadTimeoutMs, batchSize });

  /** Observations: a file is stable once (size, mtime) is unchanged for settleMs. */
  const seen = new Map<string, Seen & { since: number }>();

  const enqueueStable = async (stableOnly: Map<string, Seen>) => {
    const fresh: Job[] = [];
    const list = [...stableOnly];
    let next = 0;
    // Hashed a few at a time; a thousand small files cost a thousand reads, not a thousand fsyncs.
    const lane = async () => {
      while (next < list.length && !signal?.aborted) {
        const [rel, s] = list[next++]!;
        const known = files.get(rel);
        if (known && known.size === s.size && known.mtimeMs === s.mtimeMs) continue;
        let digest: string;
        try {
          digest = "0x" + Buffer.from((await sha256File(join(root, rel))).sha256).toString("hex");
        } catch {
          continue; // vanished or unreadable: seen again on the next scan if it comes back
        }
        const after = await lstat(join(root, rel)).catch(() => undefined);
        if (!after || after.size !== s.size || after.mtimeMs !== s.mtimeMs) {
          seen.delete(rel); // written to while it was hashed: wait until it settles again
          continue;
        }
        if (known && known.sha256 === digest) {
          files.set(rel, { ...known, size: s.size, mtimeMs: s.mtimeMs }); // touched, not changed
          ledger.markDirty();
          continue;
        }
        fresh.push({
          id: randomUUID(),
          path: rel,
          sha256: digest,
          size: s.size,
          mtimeMs: s.mtimeMs,
          previous: known?.sha256 ?? null,
          createdAt: new Date().toISOString(),
        });
      }
    };
    await Promise.all(Array.from({ length: Math.min(4, list.length) }, lane));
    // The jobs first (synced): a crash before the state is saved is replayed on start.
    await journal(fresh.map((job) => ({ op: "job", job })));
    for (const job of fresh) {
      files.set(job.path, { size: job.size, mtimeMs: job.mtimeMs, sha256: job.sha256, entryId: null });
      ledger.markDirty();
      emit({ type: "queued", path: job.path, sha256: job.sha256, previous: job.previous });
    }
    await saveState();
  };

  // The loop: scan → settle → hash → queue → send → receipts, until aborted (or done, with `once`).
  let watcher: FSWatcher | undefined;
  if (!options.once) {
    try {
      watcher = fsWatch(root, { recursive: true }, () => nudge());
      watcher.on("error", () => undefined);
    } catch {
      // no notifications on this file system (a network share): the periodic scan sees every change
    }
  }
  let failures = 0;
  let nextSendAt = 0;
  let nextReceiptsAt = 0;
  let lastIdle = "";
  const sleep = (ms: number) =>
    new Promise<void>((r) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        kick = undefined;
        signal?.removeEventListener("abort", done);
        r();
      }
      kick = done;
      signal?.addEventListener("abort", done, { once: true });
    });

  const loop = async () => {
    // With `once`: a first scan observes, a second one (a moment later) takes the files that did not move.
    let pass = 0;
    while (!signal?.aborted) {
      pass++;
      const now = Date.now();
      const found = await scan();
      const stable = new Map<string, Seen>();
      for (const [rel, s] of found) {
        const known = files.get(rel);
        if (known && known.size === s.size && known.mtimeMs === s.mtimeMs) continue; // unchanged since it was stamped
        const prev = seen.get(rel);
        if (!prev || prev.size !== s.size || prev.mtimeMs !== s.mtimeMs) {
          seen.set(rel, { ...s, since: now });
          continue;
        }
        if (now - prev.since >= settleMs || (options.once && pass > 1)) stable.set(rel, s);
      }
      for (const rel of seen.keys()) if (!found.has(rel)) seen.delete(rel);
      await enqueueStable(stable);

      if (Date.now() >= nextSendAt && [...jobs.values()].some((j) => !j.entryId)) {
        try {
          await send();
          failures = 0;
        } catch (e) {
          if (signal?.aborted) break;
          if (!retryable(e)) throw e;
          failures++;
          const delay = Math.min(30_000, retryBase * 2 ** Math.min(failures - 1, 10));
          nextSendAt = Date.now() + delay;
          const err = e instanceof PriorProofError ? e : new PriorProofError("UNEXPECTED", String(e));
          emit({ type: "retrying", code: err.code, message: err.message, retryInMs: delay, queued: [...jobs.values()].filter((j) => !j.entryId).length });
          // A one-shot run keeps its queue on disk for the next run.
          if (options.once) break;
        }
      }
      let awaiting = [...jobs.values()].filter((j) => j.entryId).length;
      if (awaiting > 0 && Date.now() >= nextReceiptsAt && failures === 0) {
        try {
          awaiting = await fetchReceipts();
        } catch (e) {
          if (signal?.aborted) break;
          if (!retryable(e)) throw e;
        }
        nextReceiptsAt = Date.now() + receiptPollMs;
      }
      const queued = [...jobs.values()].filter((j) => !j.entryId).length;
      const idle = `${queued}:${awaiting}`;
      if (idle !== lastIdle) {
        lastIdle = idle;
        emit({ type: "idle", queued, awaitingReceipts: awaiting });
      }
      // Files still being written at the second look are left for the next run.
      if (options.once && pass > 1 && queued === 0 && (!options.waitForReceipts || awaiting === 0)) break;
      await sleep(options.once && pass === 1 ? Math.min(settleMs, 1_000) : Math.min(scanMs, Math.max(50, nextSendAt - Date.now())));
    }
  };

  let finished = false;
  let failure: unknown;
  const running = loop().then(
    () => {
      finished = true;
      wake?.();
    },
    (e: unknown) => {
      failure = e;
      finished = true;
      wake?.();
    },
  );
  try {
    for (;;) {
      if (results.length > 0) {
        yield results.shift()!;
        continue;
      }
      if (finished) break;
      await new Promise<void>((r) => (wake = r));
      wake = undefined;
    }
    if (failure) throw failure;
  } finally {
    watcher?.close();
    await running.catch(() => undefined);
    await saveState().catch(() => undefined);
    await lock.release();
  }
}
