/**
 * The upload spool: while an upload is imported into IPFS, the same pass writes its bytes to a spool
 * file under the data dir. The file is deleted once the import succeeded, and otherwise kept (synced
 * before the entry is acknowledged) with the entry's pin status `pending`, for the pin retry worker
 * (services/pinner.ts) to import once IPFS is back. At start, `recoverSpool` removes what a crash left.
 */
import { randomUUID } from "node:crypto";
import { mkdir, open, readdir, unlink, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import type { Store } from "../store/types.ts";

/** Logs a spool failure (spooling is best effort: it never fails the upload). */
export type SpoolWarn = (message: string, error: unknown) => void;

/** A spool file being written; every failure to spool is logged and turns spooling off, never the upload. */
export interface Spool {
  readonly name: string;
  write(chunk: Uint8Array): Promise<void>;
  /** Syncs the file and its directory; resolves whether the whole file is safely kept. */
  keep(): Promise<boolean>;
  discard(): Promise<void>;
}

/** Spool writes that may be outstanding at once (each holds its chunk until written). */
const SPOOL_WRITES_IN_FLIGHT = 16;

export async function openSpool(dir: string, warn: SpoolWarn | undefined): Promise<Spool | undefined> {
  const name = `${randomUUID()}.upload`;
  const path = join(dir, name);
  let fh: FileHandle | undefined;
  try {
    await mkdir(dir, { recursive: true });
    fh = await open(path, "wx", 0o600);
  } catch (error) {
    warn?.("cannot open an upload spool file; the content is lost if IPFS fails", error);
    return undefined;
  }
  let ok = true;
  let closed = false;
  // Writes are pipelined: each goes to its own offset (so their order does not matter), and the upload
  // waits only when SPOOL_WRITES_IN_FLIGHT are outstanding; keep() and discard() wait for all of them.
  let offset = 0;
  const inFlight: Promise<void>[] = [];
  const settle = () => Promise.all(inFlight.splice(0));
  const close = async () => {
    if (closed) return;
    closed = true;
    await settle();
    await fh.close().catch(() => undefined);
  };
  const discard = async () => {
    await close();
    await unlink(path).catch(() => undefined);
  };
  return {
    name,
    async write(chunk) {
      if (!ok) return;
      const at = offset;
      offset += chunk.length;
      inFlight.push(
        fh
          .write(chunk, 0, chunk.length, at)
          .then((r) => {
            if (r.bytesWritten !== chunk.length) throw new Error(`short write to the spool file: ${r.bytesWritten} of ${chunk.length} bytes`);
          })
          .catch((error: unknown) => {
            if (ok) warn?.("writing the upload spool file failed; the content is lost if IPFS fails", error);
            ok = false;
          }),
      );
      if (inFlight.length >= SPOOL_WRITES_IN_FLIGHT) await inFlight.shift();
    },
    async keep() {
      await settle();
      if (!ok) {
        await discard();
        return false;
      }
      try {
        await fh.sync();
        await close();
        // The file's directory entry must be durable too before the entry that names it is acknowledged.
        const d = await open(dir, "r");
        try {
          await d.sync();
        } finally {
          await d.close();
        }
        return true;
      } catch (error) {
        warn?.("syncing the upload spool file failed; the content is lost", error);
        await discard();
        return false;
      }
    },
    discard,
  };
}

/** Spool files are named `<uuid>.upload` (see openSpool). */
const SPOOL_FILE = /^[0-9a-f-]{36}\.upload$/;

/**
 * Recovery at start, before this process takes uploads: a spool file no pending entry names is what
 * a crash left of an upload that never became an entry (or whose entry was pinned meanwhile), and is
 * removed; a file a pending entry names is kept for the pin retry worker, which imports it. Resolves
 * the counts.
 */
export async function recoverSpool(deps: { store: Store; spoolDir: string }): Promise<{ kept: number; removed: number }> {
  let names: string[];
  try {
    names = (await readdir(deps.spoolDir)).filter((n) => SPOOL_FILE.test(n));
  } catch (e) {
    if ((e as { code?: string }).code === "ENOENT") return { kept: 0, removed: 0 };
    throw e;
  }
  if (names.length === 0) return { kept: 0, removed: 0 };
  const live = new Set<string>();
  for (let after = 0; ; ) {
    const page = await deps.store.listPinPending(1_000, after);
    for (const e of page) if (e.pinSpool) live.add(e.pinSpool);
    if (page.length < 1_000) break;
    after = page[page.length - 1]!.seq;
  }
  let removed = 0;
  for (const name of names) {
    if (live.has(name)) continue;
    await unlink(join(deps.spoolDir, name)).catch((e: unknown) => {
      if ((e as { code?: string }).code !== "ENOENT") throw e;
    });
    removed++;
  }
  return { kept: names.length - removed, removed };
}
