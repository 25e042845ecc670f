import { createHash } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { CarBlockIterator } from "@ipld/car/iterator";
import { exporter } from "ipfs-unixfs-exporter";
import { importer } from "ipfs-unixfs-importer";
import { CID } from "multiformats/cid";
import { identity } from "multiformats/hashes/identity";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openFsBlockstore } from "../../../server/src/services/ipfs/blockstore.ts";
import { catFile, exportCar, getBlock, hasContent } from "../../../server/src/services/ipfs/content.ts";
import { ContentNotFoundError, isIpfsError } from "../../../server/src/services/ipfs/errors.ts";
import { importFile } from "../../../server/src/services/ipfs/import.ts";
import { collectBytes, hex, kuboDeterministicBytes, MemoryBlocks, tempDir } from "./helpers.ts";
import type { OpenBlockstore } from "../../../server/src/services/ipfs/blockstore.ts";
import type { ImportProfileName } from "../../../server/src/services/ipfs/profiles.ts";

const MULTI = 3 * 1024 * 1024 + 17; // several chunks in both profiles, and a partial last chunk

let blockstore: OpenBlockstore;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  const tmp = await tempDir("content");
  cleanup = tmp.cleanup;
  blockstore = await openFsBlockstore(tmp.dir);
});
afterAll(async () => {
  await blockstore.close();
  await cleanup();
});

async function importBytes(bytes: Uint8Array, profile: ImportProfileName = "unixfs-v1-2025"): Promise<string> {
  return (await importFile([bytes], { blockstore, profile })).cid;
}

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

/** Independent CAR check: parse with @ipld/car, hash every block with node:crypto, rebuild the file with ipfs-unixfs-exporter. */
async function verifyCar(car: Uint8Array, root: string): Promise<{ file: Uint8Array; cids: string[] }> {
  const iterator = await CarBlockIterator.fromBytes(car);
  expect((await iterator.getRoots()).map(String)).toEqual([root]);
  const blocks = new MemoryBlocks();
  const cids: string[] = [];
  for await (const { cid, bytes } of iterator) {
    expect(cid.multihash.code, `${cid} hash`).toBe(0x12);
    expect(hex(createHash("sha256").update(bytes).digest()), `${cid} digest`).toBe(hex(cid.multihash.digest));
    blocks.put(cid, bytes);
    cids.push(cid.toString());
  }
  const entry = await exporter(root, blocks);
  if (entry.type !== "file" && entry.type !== "raw") throw new Error(`not a file: ${entry.type}`);
  return { file: await collectBytes(entry.content()), cids };
}

describe("catFile", () => {
  for (const profile of ["unixfs-v1-2025", "kubo-legacy"] as const) {
    describe(`when the file was imported with ${profile}`, () => {
      for (const size of [0, 11, MULTI]) {
        it(`returns the original ${size} bytes`, async () => {
          const original = await collectBytes(kuboDeterministicBytes(size, `cat-${size}`));
          const cid = await importBytes(original, profile);
          expect(hex(await collectBytes(catFile(blockstore, cid)))).toBe(hex(original));
        });
      }
    });
  }

  describe("when the consumer is slow", () => {
    it("reads blocks only a bounded window ahead of it", async () => {
      const original = await collectBytes(kuboDeterministicBytes(64 * 1024 * 1024, "backpressure"));
      const cid = await importBytes(original);
      let reads = 0;
      const counting = {
        get: (key: CID, options?: { signal?: AbortSignal }) => {
          reads++;
          return blockstore.get(key, options);
        },
        has: (key: CID) => blockstore.has(key),
      };
      const stream = catFile(counting, cid, { readAhead: 4 });
      for (let i = 0; i < 10; i++) await stream.next();
      await sleep(100); // give an eager reader every chance to run ahead
      // root + the 10 leaves consumed + at most 4 prefetched (the exporter's content() would have read all 65)
      expect(reads).toBeLessThanOrEqual(1 + 10 + 4);
      await stream.return();
    });
  });

  describe("when the CID is not a file", () => {
    it("throws NOT_A_FILE for a directory", async () => {
      let dir: CID | undefined;
      for await (const entry of importer([{ path: "d/a.txt", content: new TextEncoder().encode("a") }], blockstore, { wrapWithDirectory: true }))
        dir = entry.cid;
      const error = await rejectionOf(collectBytes(catFile(blockstore, dir as CID)));
      expect(isIpfsError(error, "NOT_A_FILE")).toBe(true);
    });
  });

  describe("when a block is missing or corrupt", () => {
    it("throws CONTENT_NOT_FOUND (404) for a missing leaf", async () => {
      const memory = new MemoryBlocks();
      const { cid } = await importFile([await collectBytes(kuboDeterministicBytes(MULTI, "missing"))], { blockstore: memory });
      const leaf = [...memory.blocks.keys()].find((key) => key.startsWith("bafkrei")) as string;
      memory.blocks.delete(leaf);
      const error = await rejectionOf(collectBytes(catFile(memory, cid)));
      expect(error).toBeInstanceOf(ContentNotFoundError);
      expect((error as ContentNotFoundError).cid).toBe(leaf);
      expect((error as ContentNotFoundError).statusCode).toBe(404);
    });

    it("throws BLOCK_HASH_MISMATCH instead of serving a block whose bytes changed on disk", async () => {
      const cid = await importBytes(await collectBytes(kuboDeterministicBytes(MULTI, "corrupt")));
      const root = CID.parse(cid);
      const { Links } = (await import("@ipld/dag-pb")).decode(await collectBytes(blockstore.get(root)));
      const victim = (Links[1] as { Hash: CID }).Hash;
      const tampered = await collectBytes(blockstore.get(victim));
      tampered[0] = (tampered[0] ?? 0) ^ 0xff;
      // Replace the block's bytes on disk (a plain put of a stored key is skipped: dedupe.ts).
      await blockstore.delete(victim);
      await blockstore.put(victim, tampered); // the store itself does not check hashes
      const error = await rejectionOf(collectBytes(catFile(blockstore, cid)));
      expect(isIpfsError(error, "BLOCK_HASH_MISMATCH")).toBe(true);
    });
  });
});

describe("exportCar", () => {
  for (const profile of ["unixfs-v1-2025", "kubo-legacy"] as const) {
    describe(`when the file was imported with ${profile}`, () => {
      it("writes a CARv1 with the CID as root whose blocks hash to their CIDs and rebuild the file", async () => {
        const original = await collectBytes(kuboDeterministicBytes(MULTI, `car-${profile}`));
        const cid = await importBytes(original, profile);
        const { file, cids } = await verifyCar(await collectBytes(exportCar(blockstore, cid)), cid);
        expect(hex(file)).toBe(hex(original));
        expect(cids[0]).toBe(cid); // depth-first: the root comes first
        expect(new Set(cids).size).toBe(cids.length);
      });
    });
  }

  describe("when leaves repeat", () => {
    it("writes each distinct block once", async () => {
      const zeros = new Uint8Array(3 * 1024 * 1024 + 5); // three identical 1 MiB leaves + one 5-byte leaf
      const cid = await importBytes(zeros);
      const { file, cids } = await verifyCar(await collectBytes(exportCar(blockstore, cid)), cid);
      expect(file.byteLength).toBe(zeros.byteLength);
      expect(cids).toHaveLength(3); // root, the 1 MiB zero leaf, the 5-byte leaf
    });
  });

  describe("when the root is missing", () => {
    it("fails on the first read, before producing any byte", async () => {
      const absent = "bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e";
      const stream = exportCar(new MemoryBlocks(), absent);
      expect(await rejectionOf(stream.next())).toBeInstanceOf(ContentNotFoundError);
    });
  });

  describe("when the consumer stops early", () => {
    it("ends without hanging", async () => {
      const cid = await importBytes(await collectBytes(kuboDeterministicBytes(MULTI, "early")));
      const stream = exportCar(blockstore, cid);
      await stream.next();
      await stream.next();
      await expect(stream.return()).resolves.toMatchObject({ done: true });
    });
  });
});

describe("getBlock", () => {
  it("returns the stored bytes of a block", async () => {
    const bytes = new TextEncoder().encode("hello world");
    const cid = await importBytes(bytes);
    expect(hex(await getBlock(blockstore, cid))).toBe(hex(bytes));
  });

  it("answers identity CIDs from the CID itself", async () => {
    const cid = CID.createV1(0x55, identity.digest(new TextEncoder().encode("inline")));
    expect(new TextDecoder().decode(await getBlock(new MemoryBlocks(), cid))).toBe("inline");
  });

  it("throws INVALID_CID (400) for a string that is not a CID", async () => {
    const error = await rejectionOf(getBlock(blockstore, "not-a-cid"));
    expect(isIpfsError(error, "INVALID_CID")).toBe(true);
    expect((error as { statusCode: number }).statusCode).toBe(400);
  });
});

describe("hasContent", () => {
  it("is true when every block of the DAG is stored and false once a leaf is gone", async () => {
    const memory = new MemoryBlocks();
    const { cid } = await importFile([await collectBytes(kuboDeterministicBytes(MULTI, "has"))], { blockstore: memory, profile: "kubo-legacy" });
    expect(await hasContent(memory, cid)).toBe(true);
    const leaf = [...memory.blocks.keys()].find((key) => key !== cid) as string;
    memory.blocks.delete(leaf);
    expect(await hasContent(memory, cid)).toBe(false);
    expect(await hasContent(memory, cid, { shallow: true })).toBe(true);
  });

  it("is false for a root that is not stored", async () => {
    expect(await hasContent(new MemoryBlocks(), "QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH")).toBe(false);
  });
});
