import { createHash, randomBytes } from "node:crypto";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { toHex } from "../../client-sdk/src/bytes.ts";
import { parseDigest, sha256Blob, sha256Bytes, sha256Stream } from "../../client-sdk/src/hash.ts";
import { sha256File } from "../../client-sdk/src/hash-node.ts";

async function* chunks(bytes: Uint8Array, sizes: number[]): AsyncGenerator<Uint8Array> {
  let at = 0;
  for (const s of sizes) {
    if (at >= bytes.length) break;
    yield bytes.subarray(at, at + s);
    at += s;
  }
  if (at < bytes.length) yield bytes.subarray(at);
}

describe("sha256Stream", () => {
  it("gives the FIPS 180-2 answers for the empty string and 'abc'", async () => {
    expect(toHex((await sha256Stream(chunks(new Uint8Array(), []))).sha256)).toBe("0xe3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect(toHex(sha256Bytes(new TextEncoder().encode("abc")))).toBe("0xba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });

  it("equals node:crypto however the bytes are split, for SHA-256 and SHA3-256", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 5000 }), fc.array(fc.integer({ min: 1, max: 700 }), { maxLength: 20 }), async (bytes, sizes) => {
        const r = await sha256Stream(chunks(bytes, sizes), { alsoSha3: true });
        expect(toHex(r.sha256)).toBe("0x" + createHash("sha256").update(bytes).digest("hex"));
        expect(toHex(r.sha3_256!)).toBe("0x" + createHash("sha3-256").update(bytes).digest("hex"));
        expect(r.size).toBe(bytes.length);
      }),
      { numRuns: 200 },
    );
  });

  it("reports monotonic progress that ends at the size", async () => {
    const bytes = randomBytes(100_000);
    const seen: number[] = [];
    await sha256Blob(new Blob([bytes]), { onProgress: (done, total) => { seen.push(done); expect(total).toBe(100_000); } });
    expect(seen.length).toBeGreaterThan(0);
    expect([...seen].sort((a, b) => a - b)).toEqual(seen);
    expect(seen[seen.length - 1]).toBe(100_000);
  });
});

describe("parseDigest", () => {
  it("accepts 64 hex digits with or without 0x, in any case", () => {
    expect(parseDigest("AB".repeat(32))).toBe("0x" + "ab".repeat(32));
    expect(parseDigest("0X" + "cd".repeat(32))).toBe("0x" + "cd".repeat(32));
  });
  it.each(["", "0x", "ab".repeat(31), "ab".repeat(33), "zz".repeat(32), " " + "ab".repeat(32)])("rejects %j with INVALID_DIGEST", (v) => {
    expect(() => parseDigest(v)).toThrow(expect.objectContaining({ code: "INVALID_DIGEST" }));
  });
});

describe("sha256File", () => {
  it("equals sha256sum for a generated 50 MB file, with SHA3-256 too", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pp-hash-"));
    try {
      const path = join(dir, "big.bin");
      writeFileSync(path, randomBytes(50 * 1024 * 1024));
      const r = await sha256File(path, { alsoSha3: true });
      expect(toHex(r.sha256)).toBe("0x" + execFileSync("sha256sum", [path], { encoding: "utf8" }).split(" ")[0]);
      expect(r.size).toBe(50 * 1024 * 1024);
      expect(r.sha3_256).toHaveLength(32);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("fails with FILE_UNREADABLE for a missing file and NOT_A_FILE for a directory", async () => {
    await expect(sha256File("/nonexistent/file")).rejects.toMatchObject({ code: "FILE_UNREADABLE" });
    await expect(sha256File(tmpdir())).rejects.toMatchObject({ code: "NOT_A_FILE" });
  });
});
