import { describe, expect, it } from "vitest";
import { AppError } from "../../../server/src/errors.ts";
import { FileTooLargeError, isIpfsError } from "../../../server/src/services/ipfs/errors.ts";
import { importFile } from "../../../server/src/services/ipfs/import.ts";
import { hex, kuboDeterministicBytes, MemoryBlocks, sha256Of } from "./helpers.ts";

// Published by Kubo (test/cli/cid_profiles_test.go @ c626ee94, see kubo-vectors.json):
// 1 MiB + 1 byte of Kubo's deterministic data, seed "chunk-v1-seed".
const OVER_CHUNK = { seed: "chunk-v1-seed", size: 1_048_577, v1: "bafybeigmix7t42i6jacydtquhet7srwvgpizfg7gjbq7627d35mjomtu64" };
const HELLO_V1 = "bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e"; // "hello world", unixfs-v1-2025

/** An async source that records how it is consumed. */
function recordingSource(chunks: Iterable<Uint8Array>) {
  const seen = { chunks: 0, bytes: 0, finished: false, closed: false };
  async function* generate() {
    try {
      for (const chunk of chunks) {
        seen.chunks++;
        seen.bytes += chunk.byteLength;
        yield chunk;
      }
      seen.finished = true;
    } finally {
      seen.closed = true;
    }
  }
  return { source: generate(), seen };
}

async function expectRejects(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

describe("importFile", () => {
  describe("when no profile is given", () => {
    it("imports with unixfs-v1-2025", async () => {
      const result = await importFile([new TextEncoder().encode("hello world")], { blockstore: new MemoryBlocks() });
      expect(result.cid).toBe(HELLO_V1);
    });
  });

  describe("when the source is read", () => {
    it("pulls every chunk exactly once and returns the SHA-256 and size of exactly those bytes", async () => {
      const { source, seen } = recordingSource(kuboDeterministicBytes(OVER_CHUNK.size, OVER_CHUNK.seed, 10_007));
      const result = await importFile(source, { blockstore: new MemoryBlocks() });

      expect(seen).toEqual({ chunks: Math.ceil(OVER_CHUNK.size / 10_007), bytes: OVER_CHUNK.size, finished: true, closed: true });
      expect(result.size).toBe(BigInt(OVER_CHUNK.size));
      expect(hex(result.sha256)).toBe(hex(await sha256Of(kuboDeterministicBytes(OVER_CHUNK.size, OVER_CHUNK.seed))));
    });

    it("gives the same CID however the stream is split into chunks", async () => {
      for (const chunkSize of [997, 4099, 1 << 20, OVER_CHUNK.size]) {
        const result = await importFile(kuboDeterministicBytes(OVER_CHUNK.size, OVER_CHUNK.seed, chunkSize), { blockstore: new MemoryBlocks() });
        expect(result.cid, `chunks of ${chunkSize}`).toBe(OVER_CHUNK.v1);
      }
    });

    it("reports progress after each chunk, ending at the file size", async () => {
      const progress: number[] = [];
      await importFile(kuboDeterministicBytes(300_000, "progress", 65_536), { blockstore: new MemoryBlocks(), onProgress: (n) => progress.push(n) });
      expect(progress).toEqual([65_536, 131_072, 196_608, 262_144, 300_000]);
    });
  });

  describe("when maxBytes is set", () => {
    it("accepts a file of exactly maxBytes", async () => {
      const result = await importFile(kuboDeterministicBytes(100_000, "limit", 10_000), { blockstore: new MemoryBlocks(), maxBytes: 100_000 });
      expect(result.size).toBe(100_000n);
    });

    it("throws FILE_TOO_LARGE (413) at the chunk that crosses the limit and stops reading the source", async () => {
      const blocks = new MemoryBlocks();
      const { source, seen } = recordingSource(kuboDeterministicBytes(5_000_000, "limit", 10_000));
      const error = await expectRejects(importFile(source, { blockstore: blocks, maxBytes: 100_001, profile: "kubo-legacy" }));

      expect(error).toBeInstanceOf(FileTooLargeError);
      expect(error).toBeInstanceOf(AppError);
      expect((error as FileTooLargeError).code).toBe("FILE_TOO_LARGE");
      expect((error as FileTooLargeError).statusCode).toBe(413);
      expect((error as FileTooLargeError).limit).toBe(100_001n);
      // The 11th chunk crosses the limit; nothing after it is pulled and the source is closed.
      expect(seen).toMatchObject({ chunks: 11, finished: false, closed: true });
      // No byte past the limit reached the store (bytesPut counts leaf payloads + dag-pb framing).
      expect(blocks.bytesPut).toBeLessThan(100_001);
    });
  });

  describe("when the source misbehaves", () => {
    it("throws INVALID_INPUT for a chunk that is not a Uint8Array", async () => {
      const error = await expectRejects(importFile(["text" as unknown as Uint8Array], { blockstore: new MemoryBlocks() }));
      expect(isIpfsError(error, "INVALID_INPUT")).toBe(true);
    });

    it("rethrows the source's own error", async () => {
      const failure = new Error("connection reset");
      async function* broken() {
        yield new Uint8Array(10);
        throw failure;
      }
      expect(await expectRejects(importFile(broken(), { blockstore: new MemoryBlocks() }))).toBe(failure);
    });

    it("throws ABORTED when the signal fires mid-stream", async () => {
      const controller = new AbortController();
      async function* slow() {
        yield new Uint8Array(10);
        controller.abort(new Error("client went away"));
        yield new Uint8Array(10);
      }
      const error = await expectRejects(importFile(slow(), { blockstore: new MemoryBlocks(), signal: controller.signal }));
      expect(isIpfsError(error, "ABORTED")).toBe(true);
    });
  });
});
