import { stat } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openFsBlockstore } from "../../../server/src/services/ipfs/blockstore.ts";
import { createEmbeddedIpfs } from "../../../server/src/services/ipfs/embedded.ts";
import { collectBytes, hex, kuboDeterministicBytes, tempDir } from "./helpers.ts";

describe("openFsBlockstore", () => {
  describe("when the directory does not exist", () => {
    it("creates it, parents included", async () => {
      const { dir, cleanup } = await tempDir("blockstore");
      try {
        const nested = join(dir, "data", "ipfs", "blocks");
        const blockstore = await openFsBlockstore(nested);
        expect((await stat(nested)).isDirectory()).toBe(true);
        expect(blockstore.path).toBe(nested);
        await blockstore.close();
      } finally {
        await cleanup();
      }
    });
  });
});

describe("createEmbeddedIpfs", () => {
  describe("when reopened on the same directory", () => {
    it("still serves what was imported before", async () => {
      const { dir, cleanup } = await tempDir("embedded");
      try {
        const original = await collectBytes(kuboDeterministicBytes(600_000, "persist"));
        const first = await createEmbeddedIpfs({ dir, profile: "kubo-legacy" });
        const { cid } = await first.importFile([original]);
        await first.close();

        const second = await createEmbeddedIpfs({ dir, profile: "kubo-legacy" });
        expect(second.kind).toBe("embedded");
        expect(second.profile.name).toBe("kubo-legacy");
        expect(await second.has(cid)).toBe(true);
        expect(hex(await collectBytes(second.cat(cid)))).toBe(hex(original));
        await second.close();
      } finally {
        await cleanup();
      }
    });
  });

  describe("when maxBytes and progress are passed to importFile", () => {
    it("forwards them to the one-pass import", async () => {
      const { dir, cleanup } = await tempDir("embedded-limit");
      try {
        const ipfs = await createEmbeddedIpfs({ dir });
        const progress: number[] = [];
        const ok = await ipfs.importFile(kuboDeterministicBytes(200_000, "fwd", 100_000), { maxBytes: 200_000, onProgress: (n) => progress.push(n) });
        expect(ok.size).toBe(200_000n);
        expect(progress).toEqual([100_000, 200_000]);
        await expect(ipfs.importFile(kuboDeterministicBytes(200_001, "fwd"), { maxBytes: 200_000 })).rejects.toMatchObject({
          code: "FILE_TOO_LARGE",
          statusCode: 413,
        });
        await ipfs.close();
      } finally {
        await cleanup();
      }
    });
  });
});
