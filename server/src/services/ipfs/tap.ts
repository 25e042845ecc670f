/**
 * A pass-through tap on an upload stream: every chunk is checked, counted and fed to SHA-256 on its
 * way to the consumer (the UnixFS importer, or the Kubo RPC request body). This is how the service
 * gets the file's SHA-256, its size and its CID in one read, without buffering the file.
 */
import { createHash } from "node:crypto";
import { FileTooLargeError, IpfsError } from "./errors.ts";

/** Options of {@link createHashingTap}. */
export interface HashingTapOptions {
  /** Largest accepted stream, in bytes. The chunk that would cross it is not passed on. */
  maxBytes?: number | bigint;
  /** Called after each chunk with the total number of bytes read so far. */
  onProgress?: (bytesRead: number) => void;
  /** Aborts the stream between chunks. */
  signal?: AbortSignal;
}

/** What the tap measured once the stream has ended. */
export interface TapResult {
  /** SHA-256 of every byte of the stream. */
  sha256: Uint8Array;
  /** Number of bytes in the stream. */
  size: bigint;
}

/** A tapped stream; see {@link createHashingTap}. */
export interface HashingTap {
  /** The source, chunk for chunk. Iterate it once. */
  readonly stream: AsyncIterable<Uint8Array>;
  /** Bytes passed on so far. */
  readonly bytesRead: bigint;
  /**
   * Why the stream stopped early, if it did. Kept because some consumers (kubo-rpc-client's
   * multipart encoder) swallow errors thrown by their source and only report a generic abort.
   */
  readonly failure: unknown;
  /**
   * The digest and size, available once the consumer has read the stream to its end.
   *
   * @throws the stream's own failure if it had one, else IpfsError `INVALID_INPUT` when the
   * stream was not read to the end.
   */
  result(): TapResult;
}

/**
 * Wraps `source` so that reading it also hashes and counts it.
 *
 * @throws (from the stream) FileTooLargeError when `maxBytes` is exceeded, IpfsError
 * `INVALID_INPUT` for a chunk that is not a `Uint8Array`, IpfsError `ABORTED` when `signal` fires.
 */
export function createHashingTap(source: AsyncIterable<unknown> | Iterable<unknown>, options: HashingTapOptions = {}): HashingTap {
  const limit = options.maxBytes === undefined ? undefined : toLimit(options.maxBytes);
  const hash = createHash("sha256");
  let bytesRead = 0n;
  let finished = false;
  let failure: unknown;
  let started = false;

  async function* stream(): AsyncGenerator<Uint8Array> {
    if (started) throw new IpfsError("INVALID_INPUT", "a tapped stream can only be read once");
    started = true;
    try {
      for await (const chunk of source) {
        throwIfAborted(options.signal);
        if (!(chunk instanceof Uint8Array)) {
          throw new IpfsError("INVALID_INPUT", `stream chunks must be Uint8Array, got ${describe(chunk)}`);
        }
        const next = bytesRead + BigInt(chunk.byteLength);
        if (limit !== undefined && next > limit) throw new FileTooLargeError(limit);
        hash.update(chunk);
        bytesRead = next;
        options.onProgress?.(Number(bytesRead));
        yield chunk;
      }
      throwIfAborted(options.signal);
      finished = true;
    } catch (error) {
      failure = error;
      throw error;
    }
  }

  let digest: Uint8Array | undefined;
  return {
    stream: { [Symbol.asyncIterator]: () => stream() },
    get bytesRead() {
      return bytesRead;
    },
    get failure() {
      return failure;
    },
    result() {
      if (failure !== undefined) throw failure;
      if (!finished) throw new IpfsError("INVALID_INPUT", "the stream was not read to its end");
      digest ??= new Uint8Array(hash.digest());
      return { sha256: digest, size: bytesRead };
    },
  };
}

function toLimit(maxBytes: number | bigint): bigint {
  if (typeof maxBytes === "number" && !Number.isSafeInteger(maxBytes)) {
    throw new IpfsError("INVALID_INPUT", `maxBytes must be an integer, got ${maxBytes}`);
  }
  const limit = BigInt(maxBytes);
  if (limit < 0n) throw new IpfsError("INVALID_INPUT", `maxBytes must not be negative, got ${limit}`);
  return limit;
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) throw new IpfsError("ABORTED", "import aborted", { cause: signal.reason });
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "object") return value.constructor?.name ?? "object";
  return typeof value;
}
