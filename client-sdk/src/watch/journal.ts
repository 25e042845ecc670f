/**
 * The watch agent's ledger under `DIR/.priorproof/`: `state.json` (the last version seen of each file)
 * and `queue.jsonl` (the journal of versions still to stamp or whose receipt is not saved yet). The
 * journal is replayed over the state on open; every step is appended and synced before it counts.
 */
import { randomUUID } from "node:crypto";
import { mkdir, open, readFile, rename } from "node:fs/promises";
import { dirname, join } from "node:path";
import { InputError } from "../errors.ts";

export interface FileState {
  readonly size: number;
  readonly mtimeMs: number;
  readonly sha256: string;
  readonly entryId: string | null;
}

export interface Job {
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
export type JournalRecord =
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
export async function writeAtomic(path: string, data: string): Promise<void> {
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

/** The agent's files and open jobs, and the writes that make a step durable. */
export interface WatchLedger {
  /** The last version seen of each file (relative POSIX path). */
  readonly files: Map<string, FileState>;
  /** Versions still to stamp, or whose receipt is not saved yet. */
  readonly jobs: Map<string, Job>;
  /** Marks the state as changed: the next `saveState` writes it. */
  markDirty(): void;
  /** Writes `state.json` (atomically) when it changed. */
  saveState(): Promise<void>;
  /** Appends records to the journal (one write, one fsync), then applies them. */
  journal(records: readonly JournalRecord[]): Promise<void>;
}

/**
 * Opens the ledger in `home`: the state file, then the journal of jobs replayed over it (a job may be
 * newer than the state); writes both back (the journal compacted to the open jobs).
 */
export async function openLedger(home: string): Promise<WatchLedger> {
  const journalPath = join(home, "queue.jsonl");
  const statePath = join(home, "state.json");
  const files = new Map<string, FileState>();
  try {
    const raw = JSON.parse(await readFile(statePath, "utf8")) as { version?: string; files?: Record<string, FileState> };
    if (raw.version === STATE_VERSION && raw.files) for (const [p, s] of Object.entries(raw.files)) files.set(p, s);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT")
      throw new InputError("STATE_UNREADABLE", `cannot read ${statePath}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  const jobs = new Map<string, Job>();
  let journalText = "";
  try {
    journalText = await readFile(journalPath, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT")
      throw new InputError("STATE_UNREADABLE", `cannot read ${journalPath}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
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
  return {
    files,
    jobs,
    markDirty: () => {
      stateDirty = true;
    },
    saveState,
    journal,
  };
}
