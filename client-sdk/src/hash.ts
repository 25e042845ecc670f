/**
 * Streaming SHA-256 (and optionally SHA3-256) of streams, Blobs and Files, in browsers and in Node,
 * without loading them whole, with progress callbacks. Browser-safe: no Node built-ins (Node's faster
 * file hashing is in hash-node.ts).
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { sha3_256 } from "@noble/hashes/sha3.js";
import { InputError } from "./errors.ts";

export interface HashOptions {
  /** Called as bytes are hashed, with the running count and the total when known. */
  readonly onProgress?: (bytesDone: number, total?: number) => void;
  /** Total size, for progress reporting. */
  readonly total?: number;
  /** Also compute SHA3-256 (a second hash family, as certificates show). */
  readonly alsoSha3?: boolean;
  readonly signal?: AbortSignal;
}

export interface HashResult {
  readonly sha256: Uint8Array;
  readonly sha3_256?: Uint8Array;
  readonly size: number;
}

async function* iterate(source: AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  if (Symbol.asyncIterator in source) {
    yield* source as AsyncIterable<Uint8Array>;
    return;
  }
  const reader = (source as ReadableStream<Uint8Array>).getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}

/**
 * Hashes a byte stream chunk by chunk.
 *
 * @example
 * const { sha256, size } = await sha256Stream(response.body!, { onProgress: (n) => console.log(n) });
 */
export async function sha256Stream(source: AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>, options: HashOptions = {}): Promise<HashResult> {
  const h = sha256.create();
  const h3 = options.alsoSha3 ? sha3_256.create() : undefined;
  let size = 0;
  for await (const chunk of iterate(source)) {
    if (options.signal?.aborted) throw new InputError("ABORTED", "hashing was aborted");
    h.update(chunk);
    h3?.update(chunk);
    size += chunk.length;
    options.onProgress?.(size, options.total);
  }
  const out = { sha256: h.digest(), size };
  return h3 ? { ...out, sha3_256: h3.digest() } : out;
}

/**
 * Hashes a Blob or File through its stream (never reading it whole).
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
 * Normalizes a digest given with or without `0x`, in any case, to lower-case `0x` hex; throws
 * `INVALID_DIGEST` for anything that is not 64 hex digits.
 *
 * @example
 * parseDigest("BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD") // "0xba78…15ad"
 */
export function parseDigest(value: string): `0x${string}` {
  const hex = /^0[xX]/.test(value) ? value.slice(2) : value;
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw new InputError("INVALID_DIGEST", `not a sha-256 digest (64 hex digits): ${JSON.stringify(value.slice(0, 80))}`);
  return `0x${hex.toLowerCase()}`;
}
