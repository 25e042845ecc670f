import { createHash, randomBytes } from "node:crypto";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toHex } from "../../client-sdk/src/bytes.ts";
import { InputError } from "../../client-sdk/src/errors.ts";
import { type ByteSource, parseDigest, sha256Blob, sha256Bytes, sha256Stream } from "../../client-sdk/src/hash.ts";
import { sha256File } from "../../client-sdk/src/hash-node.ts";

const nodeSha256 = (b: Uint8Array) => "0x" + createHash("sha256").update(b).digest("hex");
const nodeSha3 = (b: Uint8Array) => "0x" + createHash("sha3-256").update(b).digest("hex");

/** Splits `bytes` at the given chunk sizes (0 allowed: an empty chunk); the rest is the last chunk. */
function split(bytes: Uint8Array, sizes: readonly number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let at = 0;
  for (const s of sizes) {
    if (at >= bytes.length) break;
    out.push(bytes.subarray(at, at + s));
    at += s;
  }
  if (at < bytes.length) out.push(bytes.subarray(at));
  return out;
}

async function* iterable<T>(items: readonly T[]): AsyncGenerator<T> {
  for (const c of items) yield c;
}

function readable(items: readonly unknown[], onCancel?: () => void): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (i < items.length) controller.enqueue(items[i++] as Uint8Array);
      else controller.close();
    },
    cancel() {
      onCancel?.();
    },
  });
}

/** Asserts the progress contract: starts at 0, never decreases, ends at `size`, always with `total`. */
function expectProgress(seen: readonly [number, number | undefined][], size: number, total: number | undefined): void {
  expect(seen[0]).toEqual([0, total]);
  expect(seen.at(-1)).toEqual([size, total]);
  for (let i = 1; i < seen.length; i++) expect(seen[i]![0]).toBeGreaterThanOrEqual(seen[i - 1]![0]);
  for (const [, t] of seen) expect(t).toBe(total);
}

const utf8 = (s: string) => new TextEncoder().encode(s);
const FIPS = {
  // FIPS 180-2 appendix B.1 / B.2 and the empty message; FIPS 202 SHA3-256("abc").
  empty: "0xe3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
  abc: "0xba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  twoBlock: "0x248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
  sha3Abc: "0x3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532",
};

describe("sha256Stream, sha256Blob and sha256Bytes", () => {
  it("give the FIPS 180-2 answers for the empty message, 'abc' and the two-block message, and FIPS 202 SHA3-256 of 'abc'", async () => {
    expect(toHex(sha256Bytes(new Uint8Array()))).toBe(FIPS.empty);
    expect(toHex((await sha256Stream(iterable([]))).sha256)).toBe(FIPS.empty);
    expect(toHex((await sha256Blob(new Blob([]))).sha256)).toBe(FIPS.empty);
    expect(toHex(sha256Bytes(utf8("abc")))).toBe(FIPS.abc);
    const abc = await sha256Stream(iterable([utf8("a"), utf8("bc")]), { alsoSha3: true });
    expect(toHex(abc.sha256)).toBe(FIPS.abc);
    expect(toHex(abc.sha3_256!)).toBe(FIPS.sha3Abc);
    expect(abc.size).toBe(3);
    expect(toHex((await sha256Blob(new Blob(["abcdbcdecdefdefgefghfghighijhijk", "ijkljklmklmnlmnomnopnopq"]))).sha256)).toBe(FIPS.twoBlock);
  });

  it("leave SHA3-256 out unless it is asked for", async () => {
    expect((await sha256Stream(iterable([utf8("abc")]))).sha3_256).toBeUndefined();
  });

  it("equal node:crypto (SHA-256 and SHA3-256) however small bytes are split, from async iterables and ReadableStreams", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 5000 }),
        fc.array(fc.integer({ min: 0, max: 700 }), { maxLength: 20 }),
        fc.boolean(),
        async (bytes, sizes, asStream) => {
          const chunks = split(bytes, sizes);
          const r = await sha256Stream(asStream ? readable(chunks) : iterable(chunks), { alsoSha3: true });
          expect(toHex(r.sha256)).toBe(nodeSha256(bytes));
          expect(toHex(r.sha3_256!)).toBe(nodeSha3(bytes));
          expect(r.size).toBe(bytes.length);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("equal node:crypto for inputs up to 1 MB split into chunks up to 300 kB", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 1 << 20 }), fc.array(fc.integer({ min: 0, max: 300_000 }), { maxLength: 8 }), async (length, sizes) => {
        const bytes = randomBytes(length);
        const r = await sha256Stream(readable(split(bytes, sizes)), { alsoSha3: true });
        expect(toHex(r.sha256)).toBe(nodeSha256(bytes));
        expect(toHex(r.sha3_256!)).toBe(nodeSha3(bytes));
        expect(r.size).toBe(length);
      }),
      { numRuns: 25 },
    );
  });

  it("report progress from 0, never decreasing, ending at the size, with the total they were given", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 3000 }),
        fc.array(fc.integer({ min: 0, max: 500 }), { maxLength: 12 }),
        fc.option(fc.nat(), { nil: undefined }),
        async (bytes, sizes, total) => {
          const seen: [number, number | undefined][] = [];
          await sha256Stream(iterable(split(bytes, sizes)), { ...(total === undefined ? {} : { total }), onProgress: (done, t) => seen.push([done, t]) });
          expectProgress(seen, bytes.length, total);
        },
      ),
      { numRuns: 100 },
    );
  });

  it("report a Blob's progress with its size as total", async () => {
    const bytes = randomBytes(200_000);
    const seen: [number, number | undefined][] = [];
    const r = await sha256Blob(new Blob([bytes.subarray(0, 70_000), bytes.subarray(70_000)]), { onProgress: (done, total) => seen.push([done, total]) });
    expect(toHex(r.sha256)).toBe(nodeSha256(bytes));
    expectProgress(seen, 200_000, 200_000);
  });

  it("fail with ABORTED for an already aborted signal, without reading", async () => {
    const ac = new AbortController();
    ac.abort(new Error("user left"));
    let started = false;
    async function* source(): AsyncGenerator<Uint8Array> {
      started = true;
      yield utf8("abc");
    }
    const err = await sha256Stream(source(), { signal: ac.signal }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect(err).toMatchObject({ code: "ABORTED", cause: ac.signal.reason });
    expect(started).toBe(false);
  });

  it("fail with ABORTED when the signal fires mid-stream, and cancel the ReadableStream", async () => {
    const ac = new AbortController();
    let cancelled = false;
    const chunks = Array.from({ length: 10 }, () => randomBytes(1000));
    const p = sha256Stream(
      readable(chunks, () => (cancelled = true)),
      { signal: ac.signal, onProgress: (done) => done >= 3000 && ac.abort() },
    );
    await expect(p).rejects.toMatchObject({ code: "ABORTED" });
    expect(cancelled).toBe(true);
  });

  it("fail with INVALID_CHUNK when a stream yields something other than a Uint8Array, and cancel it", async () => {
    let cancelled = false;
    await expect(sha256Stream(readable([utf8("ok"), "not bytes", utf8("more"), utf8("and more")], () => (cancelled = true)))).rejects.toMatchObject({
      code: "INVALID_CHUNK",
    });
    expect(cancelled).toBe(true);
    await expect(sha256Stream(iterable([new Uint16Array(4)]) as unknown as ByteSource)).rejects.toMatchObject({ code: "INVALID_CHUNK" });
  });

  it("fail with INVALID_SOURCE for a value that is neither a ReadableStream nor an async iterable", async () => {
    for (const bad of [42, null, "abc", {}]) {
      await expect(sha256Stream(bad as unknown as ByteSource)).rejects.toMatchObject({ code: "INVALID_SOURCE" });
    }
  });
});

describe("parseDigest", () => {
  it("returns lower-case 0x hex for 64 hex digits with or without 0x/0X, in any case", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.constantFrom("", "0x", "0X"), fc.boolean(), (bytes, prefix, upper) => {
        const hex = toHex(bytes).slice(2);
        expect(parseDigest(prefix + (upper ? hex.toUpperCase() : hex))).toBe("0x" + hex);
      }),
    );
    expect(parseDigest("BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD")).toBe(FIPS.abc);
  });

  it.each([
    ["empty", ""],
    ["bare prefix", "0x"],
    ["63 digits", "a".repeat(63)],
    ["65 digits", "a".repeat(65)],
    ["31 bytes", "ab".repeat(31)],
    ["33 bytes", "ab".repeat(33)],
    ["non-hex", "zz".repeat(32)],
    ["leading space", " " + "ab".repeat(32)],
    ["trailing newline", "ab".repeat(32) + "\n"],
    ["double prefix", "0x0x" + "ab".repeat(31)],
    ["0x prefix with 66 digits", "0x" + "ab".repeat(33)],
  ])("rejects %s with InputError INVALID_DIGEST", (_name, value) => {
    expect(() => parseDigest(value)).toThrow(InputError);
    expect(() => parseDigest(value)).toThrow(expect.objectContaining({ code: "INVALID_DIGEST" }));
  });

  it("rejects non-strings with INVALID_DIGEST rather than a TypeError", () => {
    for (const bad of [undefined, null, 42, new Uint8Array(32)]) {
      expect(() => parseDigest(bad as unknown as string)).toThrow(expect.objectContaining({ code: "INVALID_DIGEST" }));
    }
  });
});

describe("sha256File", () => {
  const SIZE = 50 * 1024 * 1024 + 7;
  let dir: string;
  let path: string;
  let bytes: Buffer;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "pp-hash-"));
    path = join(dir, "big.bin");
    bytes = randomBytes(SIZE);
    writeFileSync(path, bytes);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("equals sha256sum for a generated 50 MB file, and node:crypto for its SHA3-256", async () => {
    const r = await sha256File(path, { alsoSha3: true });
    expect(toHex(r.sha256)).toBe("0x" + execFileSync("sha256sum", [path], { encoding: "utf8" }).split(" ")[0]);
    expect(toHex(r.sha3_256!)).toBe(nodeSha3(bytes));
    expect(r.size).toBe(SIZE);
  });

  it("reports progress from 0 to the file size in several steps, with the size as total", async () => {
    const seen: [number, number | undefined][] = [];
    await sha256File(path, { onProgress: (done, total) => seen.push([done, total]) });
    expect(seen.length).toBeGreaterThan(5);
    expectProgress(seen, SIZE, SIZE);
  });

  it("hashes an empty file to the SHA-256 of the empty message", async () => {
    const empty = join(dir, "empty.bin");
    writeFileSync(empty, "");
    const seen: number[] = [];
    const r = await sha256File(empty, { onProgress: (done) => seen.push(done) });
    expect(toHex(r.sha256)).toBe(FIPS.empty);
    expect(r.size).toBe(0);
    expect(seen).toEqual([0]);
  });

  it("fails with ABORTED when the signal fires mid-file", async () => {
    const ac = new AbortController();
    await expect(sha256File(path, { signal: ac.signal, onProgress: (done) => done > 0 && ac.abort() })).rejects.toMatchObject({ code: "ABORTED" });
  });

  it("fails with FILE_UNREADABLE for a missing file and NOT_A_FILE for a directory", async () => {
    await expect(sha256File(join(dir, "missing"))).rejects.toMatchObject({ name: "InputError", code: "FILE_UNREADABLE" });
    await expect(sha256File(dir)).rejects.toMatchObject({ name: "InputError", code: "NOT_A_FILE" });
  });
});
