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
import { type FSWatcher, openAsBlob, watch as fsWatch } from "node:fs";
import { lstat, mkdir, open, readdir, readFile, rename, unlink } from "node:fs/promises";
import { hostname } from "node:os";
import { dirname, join, relative, resolve, sep } from "node:path";
import ignore, { type Ignore } from "ignore";
import { createClient, type Entry, type PriorProofClient } from "./client.ts";
import { InputError, PriorProofError, ServiceError } from "./errors.ts";
import { sha256File } from "./hash-node.ts";
import type { AssetKind, Claim } from "./leaf.ts";

/** Always ignored: the agent's own folder, and temporaries of common editors and systems. */
export const WATCH_DEFAULT_IGNORES = [".priorproof/", ".priorproofignore", ".git/", ".DS_Store", "Thumbs.db", "desktop.ini", "*.tmp", "*.swp", "~$*", ".~lock.*#", "*.crdownload", "*.part"];

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
  | { readonly type: "stamped"; readonly path: string; readonly sha256: string; readonly entryId: string; readonly previous: string | null; readonly recovered?: boolean }
  | { readonly type: "receipt"; readonly path: string; readonly sha256: string; readonly entryId: string; readonly receiptPath: string }
  | { readonly type: "retrying"; readonly code: string; readonly message: string; readonly retryInMs: number; readonly queued: number }
  | { readonly type: "failed"; readonly path: string; readonly sha256: string; readonly code: string; readonly message: string }
  | { readonly type: "idle"; readonly queued: number; readonly awaitingReceipts: number };

interface FileState {
  readonly size: number;
  readonly mtimeMs: number;
  readonly sha256: string;
  readonly entryId: string | null;
}

interface Job {
  readonly id: string;
  readonly path: string;
  readonly sha256: string;
  readonly size: number;
  readonly mtimeMs: number;
  readonly previous: string | null;
  readonly createdAt: string;
  /** Set (and synced) before the request is sent; also the request's Idempotency-Key. */
  batchKey?: string;
  sentAt?: string;
  entryId?: string;
  /** The digest the service recorded (an upload of a file that changed meanwhile may differ). */
  stampedSha256?: string;
}

/** One line of the queue journal (`.priorproof/queue.jsonl`). */
type JournalRecord =
  | { readonly op: "job"; readonly job: Job }
  | { readonly op: "sent"; readonly ids: readonly string[]; readonly batchKey: string; readonly sentAt: string }
  | { readonly op: "stamped"; readonly id: string; readonly entryId: string; readonly sha256: string }
  | { readonly op: "done"; readonly ids: readonly string[] };

function applyRecord(jobs: Map<string, Job>, r: JournalRecord): void {
  if (r.op === "job") jobs.set(r.job.id, { ...r.job });
  else if (r.op === "sent") {
    for (const id of r.ids) {
      const j = jobs.get(id);
      if (j) {
        j.batchKey = r.batchKey;
        j.sentAt = r.sentAt;
      }
    }
  } else if (r.op === "stamped") {
    const j = jobs.get(r.id);
    if (j) {
      j.entryId = r.entryId;
      j.stampedSha256 = r.sha256;
    }
  } else for (const id of r.ids) jobs.delete(id);
}

const STATE_VERSION = "priorproof-watch-state/1";

/** Writes a file atomically: temporary file, fsync, rename. */
async function writeAtomic(path: string, data: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${randomUUID()}.tmp`;
  const fh = await open(tmp, "w", 0o600);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
}

const toPosix = (p: string) => p.split(sep).join("/");

/** How long another machine's agent counts as alive after its last heartbeat (it beats every 5 s). */
const LOCK_STALE_MS = 30_000;
/** Lock files held by agents of this process. */
const heldLocks = new Set<string>();

/**
 * One agent per folder (a studio may point several machines at one shared drive): `agent.lock` names
 * the host and process and is touched every 5 s. A lock of a dead process on this host, or one not
 * touched for 30 s, is taken over; otherwise the folder is refused with `WATCH_LOCKED`.
 */
async function takeLock(path: string): Promise<{ release(): Promise<void> }> {
  const me = { host: hostname(), pid: process.pid };
  if (heldLocks.has(path)) throw new InputError("WATCH_LOCKED", `another agent of this process watches this folder (${path})`);
  try {
    const held = JSON.parse(await readFile(path, "utf8")) as { host?: string; pid?: number; beatAt?: number };
    const alive = held.host === me.host
      ? held.pid !== me.pid && isAlive(held.pid ?? 0)
      : Date.now() - (held.beatAt ?? 0) < LOCK_STALE_MS;
    if (alive) throw new InputError("WATCH_LOCKED", `another agent watches this folder (${held.host} pid ${held.pid}); stop it first`);
  } catch (e) {
    if (e instanceof InputError) throw e;
    // no lock, or an unreadable one: take it
  }
  const beat = () => writeAtomic(path, JSON.stringify({ ...me, beatAt: Date.now() }));
  heldLocks.add(path);
  await beat();
  const timer = setInterval(() => void beat().catch(() => undefined), 5_000);
  timer.unref();
  return {
    async release() {
      clearInterval(timer);
      heldLocks.delete(path);
      await unlink(path).catch(() => undefined);
    },
  };
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

function retryable(e: unknown): boolean {
  if (!(e instanceof ServiceError)) return !(e instanceof InputError);
  if (e.status === undefined) return true; // network error, aborted connection
  return e.status >= 500 || e.status === 429 || e.status === 408 || e.code === "RECEIPT_PENDING";
}

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
  const journalPath = join(home, "queue.jsonl");
  const statePath = join(home, "state.json");
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

  /** A client whose requests carry `Idempotency-Key: key` (the service ignores headers it does not know). */
  const clientWithKey = (key: string): PriorProofClient => {
    if (options.client) return options.client;
    const base = options.fetch ?? globalThis.fetch.bind(globalThis);
    const keyed: typeof fetch = (input, init) => {
      const headers = new Headers(init?.headers);
      headers.set("idempotency-key", key);
      return base(input, { ...init, headers });
    };
    return createClient({ baseUrl: options.baseUrl!, ...(options.apiKey ? { apiKey: options.apiKey } : {}), fetch: keyed });
  };
  const client = options.client ?? createClient({ baseUrl: options.baseUrl!, ...(options.apiKey ? { apiKey: options.apiKey } : {}), ...(options.fetch ? { fetch: options.fetch } : {}) });

  // State: the state file, then the journal of jobs replayed over it (a job may be newer than the state).
  const files = new Map<string, FileState>();
  try {
    const raw = JSON.parse(await readFile(statePath, "utf8")) as { version?: string; files?: Record<string, FileState> };
    if (raw.version === STATE_VERSION && raw.files) for (const [p, s] of Object.entries(raw.files)) files.set(p, s);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw new InputError("STATE_UNREADABLE", `cannot read ${statePath}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  const jobs = new Map<string, Job>();
  let journalText = "";
  try {
    journalText = await readFile(journalPath, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw new InputError("STATE_UNREADABLE", `cannot read ${journalPath}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  for (const line of journalText.split("\n")) {
    let rec: JournalRecord;
    try {
      rec = JSON.parse(line) as JournalRecord;
    } catch {
      continue; // the last line, cut short by a crash: its version is seen again by the scan
    }
    applyRecord(jobs, rec);
  }
  for (const job of [...jobs.values()].sort((a, b) => a.createdAt.localeCompare(b.createdAt))) {
    const known = files.get(job.path);
    if (!known || known.sha256 !== job.sha256 || known.mtimeMs !== job.mtimeMs) {
      files.set(job.path, { size: job.size, mtimeMs: job.mtimeMs, sha256: job.sha256, entryId: job.entryId ?? known?.entryId ?? null });
    }
  }
  let stateDirty = true;
  const saveState = async () => {
    if (!stateDirty) return;
    stateDirty = false;
    await writeAtomic(statePath, JSON.stringify({ version: STATE_VERSION, files: Object.fromEntries(files) }));
  };
  // The journal is rewritten with the open jobs only (a torn last line goes with it), then appended to:
  // one write and one fsync per step of a round, whatever the number of files.
  let journalLines = 0;
  const compact = async () => {
    const pending = [...jobs.values()];
    await writeAtomic(journalPath, pending.map((job) => JSON.stringify({ op: "job", job }) + "\n").join(""));
    journalLines = pending.length;
  };
  await saveState();
  await compact();
  const journal = async (records: readonly JournalRecord[]) => {
    if (records.length === 0) return;
    const fh = await open(journalPath, "a", 0o600);
    try {
      await fh.write(records.map((r) => JSON.stringify(r) + "\n").join(""));
      await fh.sync();
    } finally {
      await fh.close();
    }
    for (const r of records) applyRecord(jobs, r);
    journalLines += records.length;
    if (jobs.size === 0 || journalLines > 50_000) await compact();
  };

  // Ignore rules: defaults, then the folder's .priorproofignore (re-read when it changes).
  let rules: Ignore = ignore().add(WATCH_DEFAULT_IGNORES);
  let rulesMtime = -1;
  const loadRules = async () => {
    const s = await lstat(join(root, ".priorproofignore")).catch(() => undefined);
    const m = s?.mtimeMs ?? 0;
    if (m === rulesMtime) return;
    rulesMtime = m;
    rules = ignore().add(WATCH_DEFAULT_IGNORES);
    if (s) rules.add(await readFile(join(root, ".priorproofignore"), "utf8"));
  };

  // Results are handed to the consumer through a small queue.
  const results: WatchResult[] = [];
  let wake: (() => void) | undefined;
  const emit = (r: WatchResult) => {
    results.push(r);
    wake?.();
  };
  let kick: (() => void) | undefined;
  const nudge = () => kick?.();

  /** Every regular file under the root that no rule ignores: relative POSIX path → size, mtime. */
  const scan = async (): Promise<Map<string, { size: number; mtimeMs: number }>> => {
    await loadRules();
    const found = new Map<string, { size: number; mtimeMs: number }>();
    const walk = async (abs: string) => {
      let names;
      try {
        names = await readdir(abs, { withFileTypes: true });
      } catch {
        return;
      }
      for (const d of names) {
        const full = join(abs, d.name);
        const rel = toPosix(relative(root, full));
        if (d.isDirectory()) {
          if (!rules.ignores(`${rel}/`)) await walk(full);
        } else if (d.isFile() && !rules.ignores(rel)) {
          const s = await lstat(full).catch(() => undefined);
          if (s?.isFile()) found.set(rel, { size: s.size, mtimeMs: s.mtimeMs });
        }
      }
    };
    await walk(root);
    return found;
  };

  /** Observations: a file is stable once (size, mtime) is unchanged for settleMs. */
  const seen = new Map<string, { size: number; mtimeMs: number; since: number }>();

  const enqueueStable = async (stableOnly: Map<string, { size: number; mtimeMs: number }>) => {
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
          stateDirty = true;
          continue;
        }
        fresh.push({ id: randomUUID(), path: rel, sha256: digest, size: s.size, mtimeMs: s.mtimeMs, previous: known?.sha256 ?? null, createdAt: new Date().toISOString() });
      }
    };
    await Promise.all(Array.from({ length: Math.min(4, list.length) }, lane));
    // The jobs first (synced): a crash before the state is saved is replayed on start.
    await journal(fresh.map((job) => ({ op: "job", job })));
    for (const job of fresh) {
      files.set(job.path, { size: job.size, mtimeMs: job.mtimeMs, sha256: job.sha256, entryId: null });
      stateDirty = true;
      emit({ type: "queued", path: job.path, sha256: job.sha256, previous: job.previous });
    }
    await saveState();
  };

  const claimOf = (job: Job): Claim => ({
    title: job.path,
    ...(options.kind ? { kind: options.kind } : {}),
    ...(options.author ? { author: options.author } : {}),
    ...(job.previous ? { previous: job.previous } : {}),
  });

  /** Journals the service's answers for these jobs (one fsync), then reports them. */
  const recordStamped = async (stamped: readonly { job: Job; entry: Entry; recovered: boolean }[]) => {
    await journal(stamped.map(({ job, entry }) => ({ op: "stamped", id: job.id, entryId: entry.id, sha256: entry.sha256 })));
    for (const { job, entry, recovered } of stamped) {
      const f = files.get(job.path);
      if (f && f.sha256 === job.sha256) {
        files.set(job.path, { ...f, entryId: entry.id });
        stateDirty = true;
      }
      emit({ type: "stamped", path: job.path, sha256: job.sha256, entryId: entry.id, previous: job.previous, ...(recovered ? { recovered: true } : {}) });
    }
  };

  /** A job that was being sent when the agent stopped: did the service record it? */
  const recover = async (job: Job): Promise<Entry | undefined> => {
    const since = Date.parse(job.createdAt) - 5 * 60_000;
    let after: number | undefined;
    for (let page = 0; page < 20; page++) {
      const res = await client.findEntries({ sha256: job.sha256, limit: 100, ...(after !== undefined ? { after } : {}) }, { signal: bounded(requestTimeoutMs) });
      const hit = res.entries.find((e) => e.claim?.title === job.path && (e.claim?.previous ?? null) === job.previous && Date.parse(e.receivedAt) >= since);
      if (hit) return hit;
      if (res.next === null) return undefined;
      after = res.next;
    }
    return undefined;
  };

  /** Sends the unsent jobs (batched); throws a retryable error when the service is unreachable. */
  const send = async () => {
    const waiting = [...jobs.values()].filter((j) => !j.entryId).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    // Interrupted sends first: look each up before sending it again.
    const recovered: { job: Job; entry: Entry; recovered: boolean }[] = [];
    for (const job of waiting.filter((j) => j.sentAt)) {
      if (signal?.aborted) return;
      const found = await recover(job);
      if (found) recovered.push({ job, entry: found, recovered: true });
    }
    await recordStamped(recovered);
    const unsent = waiting.filter((j) => !jobs.get(j.id)?.entryId);
    if (options.upload) {
      for (const job of unsent) {
        if (signal?.aborted) return;
        const key = job.batchKey ?? randomUUID();
        await journal([{ op: "sent", ids: [job.id], batchKey: key, sentAt: new Date().toISOString() }]);
        let data: Blob;
        try {
          data = await openAsBlob(join(root, job.path));
        } catch (e) {
          await fail(job, new InputError("FILE_UNREADABLE", `cannot read ${job.path}: ${e instanceof Error ? e.message : String(e)}`));
          continue;
        }
        try {
          const [entry] = await clientWithKey(key).submitFiles([{ name: job.path.split("/").pop()!, data }], { claim: claimOf(job), signal: bounded(uploadTimeoutMs) });
          await recordStamped([{ job, entry: entry!, recovered: false }]);
        } catch (e) {
          if (retryable(e)) throw e;
          await fail(job, e);
        }
      }
      return;
    }
    // Jobs interrupted in one batch are sent again together, in the same order, with the same key.
    const groups = new Map<string, Job[]>();
    const fresh: Job[] = [];
    for (const j of unsent) {
      if (j.batchKey) {
        const g = groups.get(j.batchKey);
        if (g) g.push(j);
        else groups.set(j.batchKey, [j]);
      } else fresh.push(j);
    }
    const sentAt = new Date().toISOString();
    const marks: JournalRecord[] = [];
    for (let i = 0; i < fresh.length; i += batchSize) {
      const key = randomUUID();
      const batch = fresh.slice(i, i + batchSize);
      marks.push({ op: "sent", ids: batch.map((j) => j.id), batchKey: key, sentAt });
      groups.set(key, batch);
    }
    await journal(marks);
    for (const [key, batch] of groups) {
      if (signal?.aborted) return;
      let entries: Entry[];
      try {
        entries = await clientWithKey(key).submitStamps(batch.map((j) => ({ sha256: j.sha256, claim: claimOf(j) })), { signal: bounded(requestTimeoutMs) });
      } catch (e) {
        if (retryable(e)) throw e;
        if (batch.length === 1) {
          await fail(batch[0]!, e);
          continue;
        }
        // The batch was refused: send each alone so that one bad item fails alone.
        for (const j of batch) {
          try {
            const [entry] = await clientWithKey(randomUUID()).submitStamps([{ sha256: j.sha256, claim: claimOf(j) }], { signal: bounded(requestTimeoutMs) });
            await recordStamped([{ job: j, entry: entry!, recovered: false }]);
          } catch (e2) {
            if (retryable(e2)) throw e2;
            await fail(j, e2);
          }
        }
        continue;
      }
      await recordStamped(batch.map((job, k) => ({ job, entry: entries[k]!, recovered: false })));
    }
    await saveState();
  };

  const fail = async (job: Job, e: unknown) => {
    const err = e instanceof PriorProofError ? e : new PriorProofError("UNEXPECTED", String(e));
    await writeAtomic(join(home, "failed", `${job.id}.json`), JSON.stringify({ ...job, error: { code: err.code, message: err.message } }));
    await journal([{ op: "done", ids: [job.id] }]);
    emit({ type: "failed", path: job.path, sha256: job.sha256, code: err.code, message: err.message });
  };

  /** Saves the receipts that are ready (a few requests at a time); resolves how many are still awaited. */
  const fetchReceipts = async (): Promise<number> => {
    const list = [...jobs.values()].filter((j) => j.entryId);
    let waiting = 0;
    let next = 0;
    const saved: { job: Job; receiptPath: string }[] = [];
    const lane = async () => {
      while (next < list.length && !signal?.aborted) {
        const job = list[next++]!;
        let receipt: unknown;
        try {
          receipt = await client.getReceipt(job.entryId!, { signal: bounded(requestTimeoutMs) });
        } catch (e) {
          if (e instanceof ServiceError && e.code === "RECEIPT_PENDING") {
            waiting++;
            continue;
          }
          throw e;
        }
        const digest = (job.stampedSha256 ?? job.sha256).slice(2, 18);
        const receiptPath = join(home, "receipts", ...job.path.split("/"), `${digest}.receipt.json`);
        await writeAtomic(receiptPath, JSON.stringify(receipt, null, 2) + "\n");
        saved.push({ job, receiptPath });
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.min(8, list.length) }, lane));
    } finally {
      // Receipts written are on disk (synced): their jobs are done, even if another request failed.
      await journal([{ op: "done", ids: saved.map((s) => s.job.id) }].filter((r) => r.ids.length > 0) as JournalRecord[]);
      for (const { job, receiptPath } of saved) emit({ type: "receipt", path: job.path, sha256: job.sha256, entryId: job.entryId!, receiptPath });
    }
    return waiting;
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
      const stable = new Map<string, { size: number; mtimeMs: number }>();
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
