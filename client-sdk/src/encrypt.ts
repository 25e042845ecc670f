/**
 * Client-side encryption of content before it is pinned: the envelope `priorproof-aead/1`, AES-256-GCM
 * (WebCrypto, so the same code runs in Node and browsers) in the chunked STREAM construction of
 * Hoang, Reyhanitabar, Rogaway and Vizár (as age and Tink use it): the file is cut into chunks, each
 * sealed on its own with a nonce derived from its index and with associated data binding the header,
 * its index and whether it is the last one — so chunks cannot be reordered, dropped, duplicated,
 * and the stream cannot be truncated at a chunk boundary without the decryptor noticing. Memory stays
 * constant: one chunk (64 KiB by default) in flight each way.
 *
 * ```
 * header (24 bytes) = "PPAEAD" [6] ‖ version 0x01 [1] ‖ log2(chunk size) [1]   (12 … 24; 16 = 64 KiB)
 *                   ‖ key id [8]          first 8 bytes of SHA-256("priorproof-aead/1 key id" ‖ key); zero = not stated
 *                   ‖ nonce prefix [8]    random per file
 * chunk i           = AES-256-GCM(key, nonce = prefix ‖ uint32be(i), aad = header ‖ uint32be(i) ‖ final [1],
 *                                 plaintext chunk i)  →  ciphertext ‖ tag [16]
 * ```
 * Every chunk but the last holds exactly `chunk size` plaintext bytes; the last (final = 0x01) holds
 * 0 … `chunk size` bytes and is the only chunk of an empty file. Nonces are unique per key while the
 * 64-bit random prefixes of the files encrypted under it do not collide (about 2^32 files).
 *
 * The key never leaves the caller: the service receives ciphertext, the plaintext's SHA-256 (the
 * evidence that is stamped) and the scheme name.
 */
import { InputError, PriorProofError } from "./errors.ts";
import { fromHex, toHex } from "./bytes.ts";

/**
 * The scheme name the service records (the `encryption` upload field and entry member).
 *
 * @example
 * entry.encryption?.scheme === ENCRYPTION_SCHEME
 */
export const ENCRYPTION_SCHEME = "priorproof-aead/1";
/** The envelope's magic bytes, "PPAEAD". */
export const ENVELOPE_MAGIC = new Uint8Array([0x50, 0x50, 0x41, 0x45, 0x41, 0x44]);
export const ENVELOPE_VERSION = 1;
export const ENVELOPE_HEADER_BYTES = 24;
/** Default plaintext chunk: 64 KiB (log2 16). */
export const DEFAULT_CHUNK_LOG2 = 16;
const TAG_BYTES = 16;
const KEY_BYTES = 32;
const MAX_CHUNKS = 2 ** 32;

/**
 * Codes of the encryption family:
 * - `INVALID_KEY`: not a 32-byte key (or a key file that does not hold one).
 * - `NOT_ENCRYPTED`: the bytes do not start with a `priorproof-aead/1` header.
 * - `WRONG_KEY`: the header names another key id than the key given.
 * - `DECRYPTION_FAILED`: a chunk does not authenticate (tampered, reordered, or another key).
 * - `TRUNCATED`: the ciphertext ends before its final chunk.
 * - `TOO_LARGE`: more chunks than one nonce prefix may seal (2^32).
 */
export type EncryptionErrorCode = "INVALID_KEY" | "NOT_ENCRYPTED" | "WRONG_KEY" | "DECRYPTION_FAILED" | "TRUNCATED" | "TOO_LARGE";

/**
 * Content that cannot be encrypted or decrypted.
 *
 * @example
 * try { await pipeline(decryptStream(src, key), out) } catch (e) { if (e instanceof EncryptionError && e.code === "DECRYPTION_FAILED") … }
 */
export class EncryptionError extends PriorProofError {
  declare readonly code: EncryptionErrorCode;
  constructor(code: EncryptionErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/**
 * A content key: 32 random bytes, and the 8-byte id written in each envelope it seals.
 *
 * @example
 * const key: ContentKey = await contentKeyFrom(process.env.PRIORPROOF_CONTENT_KEY!);
 */
export interface ContentKey {
  readonly bytes: Uint8Array;
  /** 0x + 16 hex digits. */
  readonly id: string;
}

function subtle(): SubtleCrypto {
  const s = globalThis.crypto?.subtle;
  if (!s) throw new EncryptionError("INVALID_KEY", "WebCrypto (crypto.subtle) is not available in this runtime");
  return s;
}

/**
 * Wraps 32 key bytes (or `0x` hex / base64 text of them) as a content key.
 *
 * @example
 * const key = await contentKeyFrom(await readFile("design.key", "utf8"));
 */
export async function contentKeyFrom(material: Uint8Array | string): Promise<ContentKey> {
  let bytes: Uint8Array;
  if (typeof material === "string") {
    const text = material.trim();
    if (/^(0x)?[0-9a-fA-F]{64}$/.test(text)) bytes = fromHex(text.startsWith("0x") ? text.toLowerCase() : `0x${text.toLowerCase()}`, 32);
    else if (/^[A-Za-z0-9+/_-]{43}=?$/.test(text)) bytes = base64Decode(text);
    else throw new EncryptionError("INVALID_KEY", "a content key is 32 bytes as 64 hex digits or base64");
  } else bytes = new Uint8Array(material);
  if (bytes.length !== KEY_BYTES) throw new EncryptionError("INVALID_KEY", `a content key is ${KEY_BYTES} bytes, got ${bytes.length}`);
  return { bytes, id: toHex(await keyId(bytes)) };
}

/**
 * A new random content key (crypto.getRandomValues).
 *
 * @example
 * const key = await generateContentKey(); await writeFile("design.key", formatContentKey(key), { mode: 0o600 });
 */
export async function generateContentKey(): Promise<ContentKey> {
  return contentKeyFrom(crypto.getRandomValues(new Uint8Array(KEY_BYTES)));
}

/**
 * The text form of a key file: 64 hex digits and a newline.
 *
 * @example
 * formatContentKey(key) // "3f9c…\n"
 */
export function formatContentKey(key: ContentKey): string {
  return `${toHex(key.bytes).slice(2)}\n`;
}

async function keyId(key: Uint8Array): Promise<Uint8Array> {
  const label = new TextEncoder().encode(`${ENCRYPTION_SCHEME} key id`);
  const input = new Uint8Array(label.length + key.length);
  input.set(label);
  input.set(key, label.length);
  return new Uint8Array(await subtle().digest("SHA-256", input)).subarray(0, 8);
}

function base64Decode(text: string): Uint8Array {
  const normal = text.replace(/-/g, "+").replace(/_/g, "/");
  const bin = atob(normal.padEnd(Math.ceil(normal.length / 4) * 4, "="));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

async function importKey(key: ContentKey): Promise<CryptoKey> {
  return subtle().importKey("raw", key.bytes as BufferSource, { name: "AES-GCM" }, false, ["encrypt", "decrypt"]);
}

function nonceOf(header: Uint8Array, index: number): Uint8Array {
  const nonce = new Uint8Array(12);
  nonce.set(header.subarray(16, 24));
  new DataView(nonce.buffer).setUint32(8, index);
  return nonce;
}

function aadOf(header: Uint8Array, index: number, final: boolean): Uint8Array {
  const aad = new Uint8Array(ENVELOPE_HEADER_BYTES + 5);
  aad.set(header);
  new DataView(aad.buffer).setUint32(ENVELOPE_HEADER_BYTES, index);
  aad[ENVELOPE_HEADER_BYTES + 4] = final ? 1 : 0;
  return aad;
}

/**
 * Options of {@link encryptStream}.
 *
 * @example
 * const options: EncryptOptions = { chunkLog2: 20, statesKeyId: false }; // 1 MiB chunks, no key id in the header
 */
export interface EncryptOptions {
  /** log2 of the plaintext chunk size, 12 (4 KiB) … 24 (16 MiB); default 16 (64 KiB). */
  readonly chunkLog2?: number;
  /** Write the key id in the header (default true), so that a holder of several keys can tell which opens it. */
  readonly statesKeyId?: boolean;
}

/** Re-chunks a byte stream into pieces of exactly `size` bytes (the last may be shorter), holding at most one piece. */
async function* rechunk(source: AsyncIterable<Uint8Array>, size: number): AsyncGenerator<Uint8Array> {
  let buf = new Uint8Array(size);
  let filled = 0;
  for await (const chunk of source) {
    let at = 0;
    while (at < chunk.length) {
      const n = Math.min(size - filled, chunk.length - at);
      buf.set(chunk.subarray(at, at + n), filled);
      filled += n;
      at += n;
      if (filled === size) {
        yield buf;
        buf = new Uint8Array(size);
        filled = 0;
      }
    }
  }
  yield buf.subarray(0, filled);
}

/**
 * Encrypts a plaintext stream into a `priorproof-aead/1` envelope, chunk by chunk (constant memory).
 * The plaintext's SHA-256 — the evidence to stamp — is computed by the caller on the same pass (see
 * {@link encryptForUpload}).
 *
 * @example
 * for await (const piece of encryptStream(file.stream(), key)) out.write(piece);
 */
export async function* encryptStream(plaintext: AsyncIterable<Uint8Array>, key: ContentKey, options: EncryptOptions = {}): AsyncGenerator<Uint8Array> {
  const log2 = options.chunkLog2 ?? DEFAULT_CHUNK_LOG2;
  if (!Number.isInteger(log2) || log2 < 12 || log2 > 24) throw new InputError("INVALID_ARGUMENT", `chunkLog2 must be 12 … 24, got ${log2}`);
  const header = new Uint8Array(ENVELOPE_HEADER_BYTES);
  header.set(ENVELOPE_MAGIC);
  header[6] = ENVELOPE_VERSION;
  header[7] = log2;
  if (options.statesKeyId !== false) header.set(fromHex(key.id, 8), 8);
  header.set(crypto.getRandomValues(new Uint8Array(8)), 16);
  const cryptoKey = await importKey(key);
  yield header;
  // One chunk of look-ahead: a chunk is final when no other follows it.
  let index = 0;
  let pending: Uint8Array | undefined;
  const seal = async (chunk: Uint8Array, final: boolean) => {
    if (index >= MAX_CHUNKS) throw new EncryptionError("TOO_LARGE", `more than 2^32 chunks of 2^${log2} bytes`);
    const sealed = new Uint8Array(
      await subtle().encrypt(
        { name: "AES-GCM", iv: nonceOf(header, index) as BufferSource, additionalData: aadOf(header, index, final) as BufferSource, tagLength: 128 },
        cryptoKey,
        chunk as BufferSource,
      ),
    );
    index++;
    return sealed;
  };
  for await (const chunk of rechunk(plaintext, 2 ** log2)) {
    if (pending !== undefined) {
      // rechunk ends with a possibly empty remainder: an empty remainder after full chunks means the last full chunk is final.
      if (chunk.length === 0) break;
      yield await seal(pending, false);
    }
    pending = chunk;
  }
  yield await seal(pending ?? new Uint8Array(0), true);
}

/**
 * What a header says.
 *
 * @example
 * const { chunkSize, keyId }: EnvelopeHeader = parseEnvelopeHeader(first24);
 */
export interface EnvelopeHeader {
  readonly scheme: typeof ENCRYPTION_SCHEME;
  readonly chunkSize: number;
  /** 0x + 16 hex digits, or null when the envelope does not state it. */
  readonly keyId: string | null;
}

/**
 * Reads a `priorproof-aead/1` header (the first 24 bytes of an envelope).
 *
 * @throws EncryptionError `NOT_ENCRYPTED`
 * @example
 * parseEnvelopeHeader(first24).keyId // "0x5b1e…"
 */
export function parseEnvelopeHeader(bytes: Uint8Array): EnvelopeHeader {
  if (bytes.length < ENVELOPE_HEADER_BYTES || !ENVELOPE_MAGIC.every((b, i) => bytes[i] === b)) {
    throw new EncryptionError("NOT_ENCRYPTED", `not a ${ENCRYPTION_SCHEME} envelope (no PPAEAD header)`);
  }
  if (bytes[6] !== ENVELOPE_VERSION) throw new EncryptionError("NOT_ENCRYPTED", `unknown envelope version ${bytes[6]}`);
  const log2 = bytes[7] as number;
  if (log2 < 12 || log2 > 24) throw new EncryptionError("NOT_ENCRYPTED", `chunk size 2^${log2} out of range`);
  const id = bytes.subarray(8, 16);
  return { scheme: ENCRYPTION_SCHEME, chunkSize: 2 ** log2, keyId: id.every((b) => b === 0) ? null : toHex(id) };
}

/**
 * Decrypts a `priorproof-aead/1` envelope chunk by chunk (constant memory). Each chunk is released
 * only after it authenticated; a stream that ends before its final chunk throws `TRUNCATED`.
 *
 * @throws EncryptionError `NOT_ENCRYPTED`, `WRONG_KEY`, `DECRYPTION_FAILED` (names the chunk), `TRUNCATED`
 * @example
 * for await (const piece of decryptStream(await client.getContent(cid), key)) out.write(piece);
 */
export async function* decryptStream(ciphertext: AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>, key: ContentKey): AsyncGenerator<Uint8Array> {
  const source = ciphertext instanceof ReadableStream ? readableToIterable(ciphertext) : ciphertext;
  const cryptoKey = await importKey(key);
  let header: Uint8Array | undefined;
  let chunkBytes = 0;
  let buf: Uint8Array = new Uint8Array(0);
  let index = 0;
  let finished = false;
  const open = async (sealed: Uint8Array, final: boolean) => {
    if (finished) throw new EncryptionError("DECRYPTION_FAILED", `data after the final chunk ${index - 1}`);
    try {
      const plain = new Uint8Array(
        await subtle().decrypt(
          { name: "AES-GCM", iv: nonceOf(header!, index) as BufferSource, additionalData: aadOf(header!, index, final) as BufferSource, tagLength: 128 },
          cryptoKey,
          sealed as BufferSource,
        ),
      );
      index++;
      finished = final;
      return plain;
    } catch (cause) {
      throw new EncryptionError("DECRYPTION_FAILED", `chunk ${index} does not authenticate: the ciphertext was altered, or it was sealed with another key`, {
        cause,
      });
    }
  };
  for await (const piece of source) {
    buf = concat(buf, piece);
    let at = 0;
    if (header === undefined) {
      if (buf.length < ENVELOPE_HEADER_BYTES) continue;
      header = buf.slice(0, ENVELOPE_HEADER_BYTES);
      const parsed = parseEnvelopeHeader(header);
      if (parsed.keyId !== null && parsed.keyId !== key.id) throw new EncryptionError("WRONG_KEY", `sealed with key ${parsed.keyId}, not ${key.id}`);
      chunkBytes = parsed.chunkSize + TAG_BYTES;
      at = ENVELOPE_HEADER_BYTES;
    }
    // A full sealed chunk followed by at least one more byte is not the final one.
    while (buf.length - at > chunkBytes) {
      yield await open(buf.subarray(at, at + chunkBytes), false);
      at += chunkBytes;
    }
    // Keep only the rest (less than two chunks), copied: the source may reuse its buffers.
    buf = buf.slice(at);
  }
  if (header === undefined) throw new EncryptionError("NOT_ENCRYPTED", `not a ${ENCRYPTION_SCHEME} envelope (shorter than its header)`);
  if (buf.length < TAG_BYTES) throw new EncryptionError("TRUNCATED", `the ciphertext ends before its final chunk (after chunk ${index - 1})`);
  const last = await open(buf, true).catch((e: unknown) => {
    // The bytes left may be a non-final chunk whose successors were cut off: say so rather than "altered".
    if (buf.length === chunkBytes)
      throw new EncryptionError("TRUNCATED", `the ciphertext ends before its final chunk (chunk ${index} is not marked final)`, { cause: e });
    throw e;
  });
  yield last;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

async function* readableToIterable(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader();
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
