import { createCipheriv, createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  contentKeyFrom,
  decryptStream,
  DEFAULT_CHUNK_LOG2,
  ENVELOPE_HEADER_BYTES,
  EncryptionError,
  encryptStream,
  formatContentKey,
  generateContentKey,
  parseEnvelopeHeader,
  type ContentKey,
} from "../../client-sdk/src/encrypt.ts";

async function collect(source: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const p of source) parts.push(p);
  return new Uint8Array(Buffer.concat(parts));
}

async function* pieces(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

const encrypt = (plain: Uint8Array, key: ContentKey, log2 = 12) => collect(encryptStream(pieces(plain, 1000), key, { chunkLog2: log2 }));
const decrypt = (sealed: Uint8Array, key: ContentKey, pieceSize = 777) => collect(decryptStream(pieces(sealed, pieceSize), key));

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return e instanceof EncryptionError ? e.code : `other: ${String(e)}`;
  }
  return "no error";
}

describe("encryptStream / decryptStream (priorproof-aead/1)", () => {
  /** Deterministic bytes that differ from chunk to chunk. */
  const random = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + (i >> 8)) & 0xff);

  describe("when the plaintext is empty, shorter than, equal to, or several chunks long", () => {
    it.each([0, 1, 4095, 4096, 4097, 3 * 4096, 3 * 4096 + 5])("gives %i bytes back, in chunks of 4 KiB + 16-byte tags", async (n) => {
      const key = await generateContentKey();
      const plain = random(n);
      const sealed = await encrypt(plain, key);
      const chunks = Math.max(1, Math.ceil(n / 4096));
      expect(sealed.length).toBe(ENVELOPE_HEADER_BYTES + n + 16 * chunks);
      expect(Buffer.from(await decrypt(sealed, key)).equals(Buffer.from(plain))).toBe(true);
    });
  });

  it("writes the documented header: magic, version, chunk size, key id, random nonce prefix", async () => {
    const key = await contentKeyFrom("00".repeat(31) + "01");
    const sealed = await collect(encryptStream(pieces(new Uint8Array(10), 10), key));
    expect(Buffer.from(sealed.subarray(0, 7)).toString("latin1")).toBe("PPAEAD\x01");
    expect(sealed[7]).toBe(DEFAULT_CHUNK_LOG2);
    const header = parseEnvelopeHeader(sealed);
    expect(header).toEqual({ scheme: "priorproof-aead/1", chunkSize: 65_536, keyId: key.id });
    expect(key.id).toBe("0x" + createHash("sha256").update("priorproof-aead/1 key id").update(key.bytes).digest("hex").slice(0, 16));
    const again = await collect(encryptStream(pieces(new Uint8Array(10), 10), key));
    expect(Buffer.from(again.subarray(16, 24)).equals(Buffer.from(sealed.subarray(16, 24)))).toBe(false);
  });

  it("is plain AES-256-GCM per chunk: node:crypto with the documented nonce and associated data seals the same bytes", async () => {
    const key = await generateContentKey();
    const plain = random(5000);
    const sealed = await encrypt(plain, key);
    const header = sealed.subarray(0, 24);
    const expectChunk = (i: number, final: boolean, data: Uint8Array) => {
      const nonce = Buffer.concat([header.subarray(16, 24), Buffer.from([0, 0, 0, i])]);
      const cipher = createCipheriv("aes-256-gcm", key.bytes, nonce);
      cipher.setAAD(Buffer.concat([header, Buffer.from([0, 0, 0, i, final ? 1 : 0])]));
      return Buffer.concat([cipher.update(data), cipher.final(), cipher.getAuthTag()]);
    };
    const expected = Buffer.concat([header, expectChunk(0, false, plain.subarray(0, 4096)), expectChunk(1, true, plain.subarray(4096))]);
    expect(Buffer.from(sealed).equals(expected)).toBe(true);
  });

  describe("when the ciphertext was tampered with", () => {
    it("fails with DECRYPTION_FAILED naming the chunk when one byte is flipped", async () => {
      const key = await generateContentKey();
      const sealed = await encrypt(random(10_000), key);
      const bad = sealed.slice();
      bad[24 + 4112 + 7]! ^= 0x01; // a byte of chunk 1
      await expect(decrypt(bad, key)).rejects.toThrow(/chunk 1 does not authenticate/);
      expect(await codeOf(decrypt(bad, key))).toBe("DECRYPTION_FAILED");
    });

    it("fails when chunks are swapped, when the stream is cut after a chunk, and when the header is altered", async () => {
      const key = await generateContentKey();
      const sealed = await encrypt(random(3 * 4096 + 10), key);
      const c = (i: number) => sealed.subarray(24 + i * 4112, 24 + (i + 1) * 4112);
      const swapped = Buffer.concat([sealed.subarray(0, 24), c(1), c(0), sealed.subarray(24 + 2 * 4112)]);
      expect(await codeOf(decrypt(swapped, key))).toBe("DECRYPTION_FAILED");
      const cut = sealed.subarray(0, 24 + 2 * 4112);
      expect(await codeOf(decrypt(cut, key))).toBe("TRUNCATED");
      const headerless = sealed.slice();
      headerless[20]! ^= 0x80; // the nonce prefix, authenticated as associated data
      expect(await codeOf(decrypt(headerless, key))).toBe("DECRYPTION_FAILED");
      expect(await codeOf(decrypt(sealed.subarray(0, 30), key))).toBe("TRUNCATED");
    });

    it("refuses another key (WRONG_KEY by id, DECRYPTION_FAILED without one) and bytes that are not an envelope", async () => {
      const key = await generateContentKey();
      const other = await generateContentKey();
      expect(await codeOf(decrypt(await encrypt(random(100), key), other))).toBe("WRONG_KEY");
      const anonymous = await collect(encryptStream(pieces(random(100), 100), key, { statesKeyId: false }));
      expect(parseEnvelopeHeader(anonymous).keyId).toBeNull();
      expect(await codeOf(decrypt(anonymous, other))).toBe("DECRYPTION_FAILED");
      expect(await codeOf(decrypt(new TextEncoder().encode("%PDF-1.7 plain text, not sealed"), key))).toBe("NOT_ENCRYPTED");
    });
  });

  describe("contentKeyFrom", () => {
    it("reads hex (with or without 0x) and base64, and round-trips the key file format", async () => {
      const key = await generateContentKey();
      const text = formatContentKey(key);
      expect(text).toMatch(/^[0-9a-f]{64}\n$/);
      expect((await contentKeyFrom(text)).id).toBe(key.id);
      expect((await contentKeyFrom(`0x${text.trim()}`)).id).toBe(key.id);
      expect((await contentKeyFrom(Buffer.from(key.bytes).toString("base64"))).id).toBe(key.id);
      expect(await codeOf(contentKeyFrom("abcd"))).toBe("INVALID_KEY");
      expect(await codeOf(contentKeyFrom(new Uint8Array(16)))).toBe("INVALID_KEY");
    });
  });

  it("keeps memory flat: 256 MiB pass through encryption and decryption with far less than that held", async () => {
    const key = await generateContentKey();
    const piece = new Uint8Array(1 << 20).fill(7);
    const expected = createHash("sha256");
    async function* big() {
      for (let i = 0; i < 256; i++) {
        expected.update(piece);
        yield piece;
      }
    }
    const before = process.memoryUsage().arrayBuffers;
    let peak = before;
    let total = 0;
    const hash = createHash("sha256");
    for await (const p of decryptStream(encryptStream(big(), key), key)) {
      peak = Math.max(peak, process.memoryUsage().arrayBuffers);
      total += p.length;
      hash.update(p);
    }
    expect(total).toBe(256 << 20);
    expect(hash.digest("hex")).toBe(expected.digest("hex"));
    // Garbage not yet collected counts too, so the bound is loose; buffering the file would exceed it fourfold.
    expect(peak - before).toBeLessThan(64 << 20);
  }, 60_000);
});
