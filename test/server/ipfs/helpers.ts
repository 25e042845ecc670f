/** Test helpers for the IPFS layer: Kubo's deterministic data generator, block stores, temp dirs. */
import { createCipheriv, createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CID } from "multiformats/cid";

/**
 * Kubo's `DeterministicRandomReaderBytes` (test/cli/testutils/random_deterministic.go): the ChaCha20
 * keystream for key SHA-256(seed), zero nonce, counter 0. OpenSSL's "chacha20" takes a 16-byte IV
 * = 32-bit little-endian counter ‖ 96-bit nonce, so an all-zero IV is exactly that. Encrypting
 * zeros yields the keystream.
 */
export function* kuboDeterministicBytes(size: number, seed: string | Uint8Array, chunkSize = 1 << 16): Generator<Uint8Array> {
  const key = typeof seed === "string" ? createHash("sha256").update(seed, "utf8").digest() : seed;
  const cipher = createCipheriv("chacha20", key, Buffer.alloc(16));
  const zeros = Buffer.alloc(chunkSize);
  for (let remaining = size; remaining > 0; remaining -= chunkSize) {
    const n = Math.min(remaining, chunkSize);
    yield cipher.update(zeros.subarray(0, n));
  }
}

/** The same bytes as an async stream, the way an HTTP upload arrives. */
export async function* asAsync(source: Iterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  for (const chunk of source) yield chunk;
}

/** Concatenates a byte stream. */
export async function collectBytes(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of source) chunks.push(chunk);
  return new Uint8Array(Buffer.concat(chunks));
}

/** SHA-256 of a byte stream, via node:crypto (independent of the code under test). */
export async function sha256Of(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<Uint8Array> {
  const hash = createHash("sha256");
  for await (const chunk of source) hash.update(chunk);
  return new Uint8Array(hash.digest());
}

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("hex");
}

/** A minimal in-memory blockstore (put/get/has), optionally keeping only some codecs to save memory. */
export class MemoryBlocks {
  readonly blocks = new Map<string, Uint8Array>();
  puts = 0;
  bytesPut = 0;
  private readonly keep: (cid: CID) => boolean;
  constructor(keep: (cid: CID) => boolean = () => true) {
    this.keep = keep;
  }
  put(cid: CID, bytes: Uint8Array): CID {
    this.puts++;
    this.bytesPut += bytes.byteLength;
    if (this.keep(cid)) this.blocks.set(cid.toString(), bytes);
    return cid;
  }
  async *get(cid: CID): AsyncGenerator<Uint8Array> {
    const bytes = this.blocks.get(cid.toString());
    if (bytes === undefined) {
      const error = new Error(`not found: ${cid}`);
      error.name = "NotFoundError";
      throw error;
    }
    yield bytes;
  }
  has(cid: CID): boolean {
    return this.blocks.has(cid.toString());
  }
}

/** A fresh temporary directory and its cleanup. */
export async function tempDir(prefix: string): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), `priorproof-${prefix}-`));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
