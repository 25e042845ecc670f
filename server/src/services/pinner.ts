/**
 * The pin retry worker: imports into IPFS the uploads that were stamped while IPFS was unavailable.
 * Their bytes wait in spool files under the data dir (see ingest.ts); each tick imports the oldest
 * pending ones, checks that the imported bytes have the entry's SHA-256 (the spool is not trusted
 * blindly), records the CID and deletes the spool file. While IPFS is still down, the first failure
 * ends the tick (one failed attempt is counted, the rest wait for the next tick), so a long outage
 * costs one attempt per entry per interval at most.
 *
 * A spool file lives on the node that received the upload: with several API nodes on one database,
 * each node pins its own spooled uploads and skips the others'.
 */
import { createReadStream } from "node:fs";
import { access, unlink } from "node:fs/promises";
import { join } from "node:path";
import type { EntryRecord, Store } from "../store/types.ts";
import type { FileImporter } from "./ingest.ts";

export interface PinnerDeps {
  readonly store: Store;
  readonly importFile: FileImporter;
  readonly spoolDir: string;
  readonly cidProfile: string;
  readonly maxFileBytes: number;
  readonly intervalMs: number;
  /** Entries looked at per tick. */
  readonly batchSize?: number;
  readonly log?: { info(o: object, m: string): void; warn(o: object, m: string): void };
  /** Called with the CID of a pinned upload whose entry is published (the IPFS node serves and announces it). */
  readonly onPublished?: (cid: string) => void;
}

export interface PinTickResult {
  readonly pinned: number;
  readonly failed: number;
  /** Pending entries whose spool file is not on this node. */
  readonly skipped: number;
}

export interface Pinner {
  /** One pass over the pending entries (also what the timer runs). */
  tick(): Promise<PinTickResult>;
  start(): void;
  stop(): Promise<void>;
}

/** Spool files are named by ingest (`<uuid>.upload`); anything else in the column is not opened. */
const SPOOL_NAME = /^[0-9a-f-]{36}\.upload$/;

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

/**
 * Creates the worker; `start()` runs `tick()` every `intervalMs`.
 *
 * @example
 * const pinner = createPinner({ store, importFile, spoolDir, cidProfile: "unixfs-v1-2025", maxFileBytes, intervalMs: 30_000 });
 * pinner.start();
 */
export function createPinner(deps: PinnerDeps): Pinner {
  const batchSize = deps.batchSize ?? 100;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<PinTickResult> | undefined;
  let stopped = false;

  /** Imports one spooled entry; resolves whether IPFS is still usable (false ends the tick). */
  async function pinOne(entry: EntryRecord, path: string, counts: { pinned: number; failed: number }): Promise<boolean> {
    let imported;
    try {
      imported = await deps.importFile(createReadStream(path), { maxBytes: deps.maxFileBytes });
    } catch (error) {
      counts.failed++;
      await deps.store.recordPinAttempt(entry.id, { pinned: false, error: "IPFS_UNAVAILABLE", final: false });
      deps.log?.warn({ err: error, entry: entry.id, attempts: entry.pinAttempts + 1 }, "pin retry failed; IPFS still unavailable");
      return false;
    }
    const sha256 = "0x" + Buffer.from(imported.sha256).toString("hex");
    // What was stored: the upload's bytes, or for a client-side encrypted upload its ciphertext (entry.sha256 is then the plaintext's).
    const expected = entry.contentSha256 ?? entry.sha256;
    if (sha256 !== expected) {
      // The spool file is not the upload any more (disk corruption, tampering): never pin it under this entry.
      counts.failed++;
      await deps.store.recordPinAttempt(entry.id, { pinned: false, error: "SPOOL_MISMATCH", final: true });
      deps.log?.warn({ entry: entry.id, expected, got: sha256, spool: path }, "spooled content does not match the entry's digest; not pinned");
      return true;
    }
    await deps.store.recordPinAttempt(entry.id, { pinned: true, cid: imported.cid, cidProfile: deps.cidProfile });
    if (entry.public) deps.onPublished?.(imported.cid);
    // Deleted only after the CID is durable: a crash in between leaves a stray file, never a lost one.
    await unlink(path).catch(() => undefined);
    counts.pinned++;
    deps.log?.info({ entry: entry.id, cid: imported.cid }, "spooled upload pinned");
    return true;
  }

  async function run(): Promise<PinTickResult> {
    const counts = { pinned: 0, failed: 0, skipped: 0 };
    let afterSeq = 0;
    for (;;) {
      const pending = await deps.store.listPinPending(batchSize, afterSeq);
      if (pending.length === 0) return counts;
      for (const entry of pending) {
        afterSeq = entry.seq;
        if (stopped) return counts;
        const path = entry.pinSpool && SPOOL_NAME.test(entry.pinSpool) ? join(deps.spoolDir, entry.pinSpool) : undefined;
        if (!path || !(await exists(path))) {
          counts.skipped++;
          continue;
        }
        if (!(await pinOne(entry, path, counts))) return counts;
      }
    }
  }

  const pinner: Pinner = {
    tick() {
      // One pass at a time: a timer tick during a long import joins it instead of importing twice.
      running ??= run().finally(() => {
        running = undefined;
      });
      return running;
    },
    start() {
      stopped = false;
      const loop = () => {
        timer = setTimeout(() => {
          pinner
            .tick()
            .catch((error: unknown) => deps.log?.warn({ err: error }, "pin retry tick failed"))
            .finally(() => {
              if (!stopped) loop();
            });
        }, deps.intervalMs);
        timer.unref();
      };
      loop();
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running?.catch(() => undefined);
    },
  };
  return pinner;
}
