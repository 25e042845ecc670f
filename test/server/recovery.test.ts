/**
 * Recovery at start (plugins/services.ts runs both before a process takes requests), over a real
 * SQLite store and the real embedded blockstore:
 *   - recoverSpool removes spool files no pending entry names and keeps those of entries still waiting
 *     for IPFS;
 *   - sweepUnreachableBlocks deletes the blocks of an import that never became an entry and keeps every
 *     block a stored entry's DAG reaches, including blocks it shares with the orphaned import.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { recoverSpool } from "../../server/src/services/ingest.ts";
import { createEmbeddedIpfs, type EmbeddedIpfs } from "../../server/src/services/ipfs/embedded.ts";
import { sweepUnreachableBlocks } from "../../server/src/services/ipfs/gc.ts";
import { openSqliteStore } from "../../server/src/store/sqlite.ts";
import type { NewEntry, Store } from "../../server/src/store/types.ts";
import { newEntry } from "../helpers/store.ts";

const MiB = 1024 * 1024;

describe("recovery at start", () => {
  let dir: string;
  let store: Store;
  let ipfs: EmbeddedIpfs;
  let tenantId: string;
  const entry = (over: Partial<NewEntry>): NewEntry => newEntry(tenantId, over);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "pp-recovery-"));
    store = openSqliteStore(join(dir, "store.db"));
    ipfs = await createEmbeddedIpfs({ dir: join(dir, "blocks") });
    tenantId = (await store.createTenant("acme")).id;
  });
  afterAll(async () => {
    await ipfs?.close();
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("removes spool files no pending entry names, keeps a pending entry's, and leaves other files alone", async () => {
    const spool = join(dir, "spool");
    mkdirSync(spool, { recursive: true });
    const kept = `${randomUUID()}.upload`;
    const orphans = [`${randomUUID()}.upload`, `${randomUUID()}.upload`];
    for (const n of [kept, ...orphans]) writeFileSync(join(spool, n), randomBytes(100));
    writeFileSync(join(spool, "README"), "not a spool file");
    await store.insertEntries([entry({ pinStatus: "pending", pinSpool: kept, pinError: "IPFS_UNAVAILABLE" })], []);

    expect(await recoverSpool({ store, spoolDir: spool })).toEqual({ kept: 1, removed: 2 });
    expect(readdirSync(spool).sort()).toEqual([kept, "README"].sort());
    expect(await recoverSpool({ store, spoolDir: join(dir, "no-such-dir") })).toEqual({ kept: 0, removed: 0 });
  });

  it("sweeps the blocks of an import that never became an entry, keeping blocks shared with a stored file", async () => {
    const shared = randomBytes(MiB); // one whole chunk both files contain: one block in the store
    const stored = await ipfs.importFile([shared, randomBytes(MiB)], { maxBytes: 10 * MiB });
    await store.insertEntries([entry({ cid: stored.cid, cidProfile: "unixfs-v1-2025", pinStatus: "pinned" })], []);
    const blocks = () =>
      readdirSync(ipfs.blockstore.path, { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .flatMap((d) => readdirSync(join(ipfs.blockstore.path, d.name))).length;
    const before = blocks();
    // An import that never became an entry: the shared chunk, two chunks of its own, its root.
    await ipfs.importFile([shared, randomBytes(MiB), randomBytes(MiB)], { maxBytes: 10 * MiB });
    expect(blocks()).toBe(before + 3); // two new leaves and its root; the shared leaf is the same block

    const roots = async function* () {
      for (const r of await store.listEntryCids(0, 1_000)) yield r.cid;
    };
    const sweep = await sweepUnreachableBlocks({ blockstore: ipfs.blockstore, roots: roots() });
    expect(sweep).toMatchObject({ removed: 3, kept: before, missing: 0 });
    expect(blocks()).toBe(before);
    // The stored file still reads back whole, the shared chunk included.
    const chunks: Uint8Array[] = [];
    for await (const c of ipfs.cat(stored.cid)) chunks.push(c);
    expect(Buffer.concat(chunks).subarray(0, MiB).equals(shared)).toBe(true);
    expect(existsSync(ipfs.blockstore.path)).toBe(true);
  });
});
