import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createIngest, type FileImporter } from "../../server/src/services/ingest.ts";
import { openSqliteStore } from "../../server/src/store/sqlite.ts";

const dir = mkdtempSync(join(tmpdir(), "pp-ingest-"));
const store = openSqliteStore(join(dir, "db.sqlite"));
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function* chunks(data: Buffer, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}

describe("createIngest().importUpload", () => {
  it("hashes the whole file, SHA-256 and SHA3-256, even when the IPFS importer gives up half-way", async () => {
    const data = randomBytes(5 * 1024 * 1024 + 7);
    // An importer that reads two chunks and fails, as a Kubo node going away would.
    const failing: FileImporter = async (source) => {
      let n = 0;
      for await (const _ of source) if (++n === 2) throw new Error("connection reset by the IPFS node");
      throw new Error("unreachable");
    };
    const warnings: string[] = [];
    const ingest = createIngest({
      store,
      chainIds: [1],
      importFile: failing,
      cidProfile: "unixfs-v1-2025",
      maxFileBytes: 1 << 30,
      warn: (m) => warnings.push(m),
    });
    const up = await ingest.importUpload(chunks(data, 64 * 1024), { name: "big.bin", mediaType: null });
    expect(up.sha256).toBe("0x" + createHash("sha256").update(data).digest("hex"));
    expect(up.sha3_256).toBe("0x" + createHash("sha3-256").update(data).digest("hex"));
    expect(up.size).toBe(data.length);
    expect(up.cid).toBeNull();
    expect(up.pinStatus).toBe("failed");
    expect(warnings).toHaveLength(1);
  });

  it("stops at the size limit with FILE_TOO_LARGE", async () => {
    const ingest = createIngest({ store, chainIds: [1], cidProfile: "unixfs-v1-2025", maxFileBytes: 100_000 });
    await expect(ingest.importUpload(chunks(randomBytes(300_000), 10_000), { name: null, mediaType: null })).rejects.toMatchObject({ code: "FILE_TOO_LARGE" });
  });
});
