import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openFsBlockstore } from "../../../server/src/services/ipfs/blockstore.ts";
import { importFile } from "../../../server/src/services/ipfs/import.ts";

const MiB = 1024 * 1024;
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function* repeated(total: number, byte: number, chunk = 256 * 1024): Generator<Uint8Array> {
  for (let sent = 0; sent < total; sent += chunk) yield new Uint8Array(Math.min(chunk, total - sent)).fill(byte);
}

function countBlockFiles(dir: string): number {
  let n = 0;
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith(".data")) n++;
    }
  };
  walk(dir);
  return n;
}

describe("embedded blockstore with repeated content", () => {
  it.each(["unixfs-v1-2025", "kubo-legacy"] as const)("writes each distinct block of 24 MiB of zeros once (%s)", async (profile) => {
    const dir = mkdtempSync(join(tmpdir(), "pp-repeat-"));
    dirs.push(dir);
    const store = await openFsBlockstore(dir);
    try {
      const { size } = await importFile(repeated(24 * MiB, 0), { blockstore: store, profile });
      expect(size).toBe(BigInt(24 * MiB));
      const stats = (store as unknown as { writeStats: { puts: number; writes: number } }).writeStats;
      const files = countBlockFiles(dir);
      // Every put went through, but only the distinct blocks reached the disk, each exactly once.
      expect(stats.puts).toBeGreaterThan(20);
      expect(stats.writes).toBe(files);
      expect(files).toBeLessThanOrEqual(4);
    } finally {
      await store.close();
    }
  });

  it("does not rewrite blocks a second import of the same bytes already stored", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pp-repeat-"));
    dirs.push(dir);
    const store = await openFsBlockstore(dir);
    try {
      const first = await importFile(repeated(3 * MiB, 7), { blockstore: store });
      const stats = (store as unknown as { writeStats: { puts: number; writes: number } }).writeStats;
      const writesAfterFirst = stats.writes;
      const second = await importFile(repeated(3 * MiB, 7), { blockstore: store });
      expect(second.cid).toBe(first.cid);
      expect(stats.writes).toBe(writesAfterFirst);
    } finally {
      await store.close();
    }
  });
});
