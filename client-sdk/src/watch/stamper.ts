/**
 * The watch agent's traffic with the service: sending queued versions (digests in batches, or uploads
 * one by one), each request under its journaled Idempotency-Key, looking up versions that were being
 * sent when the agent stopped, recording failures, and saving receipts beside the work. Every step is
 * journaled (watch/journal.ts) before it is reported.
 */
import { randomUUID } from "node:crypto";
import { openAsBlob } from "node:fs";
import { join } from "node:path";
import { createClient, type Entry, type PriorProofClient } from "../client.ts";
import { InputError, PriorProofError, ServiceError } from "../errors.ts";
import type { Claim } from "../leaf.ts";
import type { WatchOptions, WatchResult } from "../watch.ts";
import { type Job, type JournalRecord, type WatchLedger, writeAtomic } from "./journal.ts";

/** Whether a failure is the service's or the network's (retried later), not the item's. */
export function retryable(e: unknown): boolean {
  if (!(e instanceof ServiceError)) return !(e instanceof InputError);
  if (e.status === undefined) return true; // network error, aborted connection
  return e.status >= 500 || e.status === 429 || e.status === 408 || e.code === "RECEIPT_PENDING";
}

/** What the stamper works with. */
export interface StamperContext {
  readonly root: string;
  /** `DIR/.priorproof`. */
  readonly home: string;
  readonly options: WatchOptions;
  readonly ledger: WatchLedger;
  readonly client: PriorProofClient;
  readonly emit: (r: WatchResult) => void;
  /** The caller's signal, or a timeout of `ms`. */
  readonly bounded: (ms: number) => AbortSignal;
  readonly requestTimeoutMs: number;
  readonly uploadTimeoutMs: number;
  readonly batchSize: number;
}

/** The stamper: `send` the unsent jobs (throws a retryable error when the service is unreachable), `fetchReceipts`. */
export function createStamper(ctx: StamperContext): { send(): Promise<void>; fetchReceipts(): Promise<number> } {
  const { root, home, options, ledger, client, emit, bounded, requestTimeoutMs, uploadTimeoutMs, batchSize } = ctx;
  const { files, jobs, journal } = ledger;
  const signal = options.signal;

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
        ledger.markDirty();
      }
      emit({ type: "stamped", path: job.path, sha256: job.sha256, entryId: entry.id, previous: job.previous, ...(recovered ? { recovered: true } : {}) });
    }
  };

  /** A job that was being sent when the agent stopped: did the service record it? */
  const recover = async (job: Job): Promise<Entry | undefined> => {
    const since = Date.parse(job.createdAt) - 5 * 60_000;
    let after: number | undefined;
    for (let page = 0; page < 20; page++) {
      const res = await client.findEntries(
        { sha256: job.sha256, limit: 100, ...(after !== undefined ? { after } : {}) },
        { signal: bounded(requestTimeoutMs) },
      );
      const hit = res.entries.find((e) => e.claim?.title === job.path && (e.claim?.previous ?? null) === job.previous && Date.parse(e.receivedAt) >= since);
      if (hit) return hit;
      if (res.next === null) return undefined;
      after = res.next;
    }
    return undefined;
  };

  const fail = async (job: Job, e: unknown) => {
    const err = e instanceof PriorProofError ? e : new PriorProofError("UNEXPECTED", String(e));
    await writeAtomic(join(home, "failed", `${job.id}.json`), JSON.stringify({ ...job, error: { code: err.code, message: err.message } }));
    await journal([{ op: "done", ids: [job.id] }]);
    emit({ type: "failed", path: job.path, sha256: job.sha256, code: err.code, message: err.message });
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
          const [entry] = await clientWithKey(key).submitFiles([{ name: job.path.split("/").pop()!, data }], {
            claim: claimOf(job),
            signal: bounded(uploadTimeoutMs),
          });
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
        entries = await clientWithKey(key).submitStamps(
          batch.map((j) => ({ sha256: j.sha256, claim: claimOf(j) })),
          { signal: bounded(requestTimeoutMs) },
        );
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
    await ledger.saveState();
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

  return { send, fetchReceipts };
}
