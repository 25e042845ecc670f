/**
 * Streaming SHA-256 (and optionally SHA3-256) of streams, Blobs and Files, in browsers and in Node,
 * without loading them whole, with progress callbacks. Browser-safe: no Node built-ins (Node's faster
 * file hashing is in hash-node.ts).
 *
 * Error codes (all `InputError`):
 * - `ABORTED`: the caller's `signal` fired before or while hashing (the signal's reason is the `cause`).
 * - `INVALID_SOURCE`: the source is neither an async iterable nor a ReadableStream.
 * - `INVALID_CHUNK`: the source yielded something that is not a `Uint8Array`.
 * - `INVALID_DIGEST`: `parseDigest` was given something that is not 64 hex digits.
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { sha3_256 } from "@noble/hashes/sha3.js";
import { InputError } from "./errors.ts";
import { readStream } from "./read-stream.ts";

/**
 * Options of the streaming hash functions.
 *
 * @example
 * const options: HashOptions = { alsoSha3: true, onProgress: (done, total) => console.log(done, total) };
 */
export interface HashOptions {
  /**
   * Called once with 0 before the first byte, then after every chunk with the running count of bytes
   * hashed (non-decreasing, ending at the size) and the total when known.
   */
  readonly onProgress?: (bytesDone: number, total?: number) => void;
  /** Total size, for progress reporting (sha256Blob and sha256File fill it in themselves). */
  readonly total?: number;
  /** Also compute SHA3-256 (a second hash family, as certificates show). */
  readonly alsoSha3?: boolean;
  /** Stops hashing with an `ABORTED` error; a ReadableStream source is cancelled. */
  readonly signal?: AbortSignal;
}

/**
 * What the streaming hash functions return: the digests and the number of bytes hashed.
 *
 * @example
 * const { sha256, sha3_256, size }: HashResult = await sha256Blob(file, { alsoSha3: true });
 */
export interface HashResult {
  readonly sha256: Uint8Array;
  /** Present when `alsoSha3` was asked for. */
  readonly sha3_256?: Uint8Array;
  readonly size: number;
}

/**
 * A stream source the hash functions accept: a WHATWG ReadableStream (`blob.stream()`, `response.body`)
 * or any async iterable of byte chunks (a Node Readable, an async generator).
 *
 * @example
 * const source: ByteSource = (await fetch(url)).body!;
 */
export type ByteSource = AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>;

function isBytes(v: unknown): v is Uint8Array {
  // The second test admits Uint8Arrays of another realm (an iframe, a vm context).
  return v instanceof Uint8Array || (ArrayBuffer.isView(v) && v.constructor.name === "Uint8Array");
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new InputError("ABORTED", "hashing was aborted", { cause: signal.reason });
}

async function* iterate(source: unknown): AsyncGenerator<unknown> {
  if (typeof source === "object" && source !== null && typeof (source as ReadableStream<Uint8Array>).getReader === "function") {
    yield* readStream(source as ReadableStream<Uint8Array>);
    return;
  }
  if (typeof source === "object" && source !== null && typeof (source as AsyncIterable<Uint8Array>)[Symbol.asyncIterator] === "function") {
    yield* source as AsyncIterable<unknown>;
    return;
  }
  throw new InputError(
    "INVALID_SOURCE",
    `cannot hash a ${source === null ? "null" : typeof source}: expected a ReadableStream or an async iterable of Uint8Array`,
  );
}

/**
 * Hashes a byte stream chunk by chunk with incremental SHA-256 (and SHA3-256 with `alsoSha3`), in
 * constant memory.
 *
 * @example
 * const { sha256, size } = await sha256Stream(response.body!, { onProgress: (n) => console.log(n) });
 */
export async function sha256Stream(source: ByteSource, options: HashOptions = {}): Promise<HashResult> {
  const { onProgress, total, signal } = options;
  throwIfAborted(signal);
  const h = sha256.create();
  const h3 = options.alsoSha3 ? sha3_256.create() : undefined;
  let size = 0;
  onProgress?.(0, total);
  for await (const chunk of iterate(source)) {
    throwIfAborted(signal);
    if (!isBytes(chunk)) {
      throw new InputError(
        "INVALID_CHUNK",
        `stream yielded ${chunk === null ? "null" : typeof chunk === "object" ? (chunk.constructor?.name ?? "an object") : typeof chunk}, not a Uint8Array`,
      );
    }
    if (chunk.length === 0) continue;
    h.update(chunk);
    h3?.update(chunk);
    size += chunk.length;
    onProgress?.(size, total);
  }
  throwIfAborted(signal);
  const out = { sha256: h.digest(), size };
  return h3 ? { ...out, sha3_256: h3.digest() } : out;
}

/**
 * Hashes a Blob or File through `blob.stream()`, never reading it whole; progress totals are the
 * blob's size.
 *
 * @example
 * const { sha256 } = await sha256Blob(input.files[0], { onProgress: (done, total) => bar.value = done / total! });
 */
export function sha256Blob(blob: Blob, options: HashOptions = {}): Promise<HashResult> {
  return sha256Stream(blob.stream(), { ...options, total: options.total ?? blob.size });
}

/**
 * SHA-256 of bytes in memory.
 *
 * @example
 * sha256Bytes(new TextEncoder().encode("abc")) // 0xba7816bf…
 */
export function sha256Bytes(bytes: Uint8Array): Uint8Array {
  return sha256(bytes);
}

/**
 * Normalizes a SHA-256 digest given with or without `0x`, in any case, to lower-case `0x` hex; throws
 * `InputError` `INVALID_DIGEST` for anything that is not exactly 64 hex digits (no whitespace).
 *
 * @example
 * parseDigest("BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD") // "0xba78…15ad"
 */
export function parseDigest(hexOrBare: string): `0x${string}` {
  if (typeof hexOrBare !== "string") throw new InputError("INVALID_DIGEST", `not a sha-256 digest: a ${typeof hexOrBare}, not a string`);
  const hex = /^0[xX]/.test(hexOrBare) ? hexOrBare.slice(2) : hexOrBare;
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) {
    throw new InputError("INVALID_DIGEST", `not a sha-256 digest (64 hex digits): ${JSON.stringify(hexOrBare.slice(0, 80))}`);
  }
  return `0x${hex.toLowerCase()}`;
}
