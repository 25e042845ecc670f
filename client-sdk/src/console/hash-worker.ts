/**
 * The console's worker: off the page's thread, with progress —
 * - SHA-256 of a dropped file with the SDK's streaming hash (the file is read here and never leaves the browser);
 * - client-side encryption before upload (docs/console.md): one pass over the file feeds its SHA-256 and
 *   SHA3-256 (the evidence) and the SDK's `priorproof-aead/1` encryptor, whose output (a Blob) is what the
 *   page uploads;
 * - decryption of downloaded ciphertext with a key file, and generation of a new content key.
 * Keys reach this worker as key-file text and leave it only as the key file the user saves.
 */
import { sha256 as nobleSha256 } from "@noble/hashes/sha2.js";
import { sha3_256 } from "@noble/hashes/sha3.js";
import { toHex } from "../bytes.ts";
import { contentKeyFrom, decryptStream, EncryptionError, encryptStream, formatContentKey, generateContentKey } from "../encrypt.ts";
import { sha256Blob } from "../hash.ts";

export type HashRequest =
  | { readonly id: number; readonly file: Blob; readonly op?: undefined }
  | { readonly id: number; readonly op: "encrypt"; readonly file: Blob; readonly key: string }
  | { readonly id: number; readonly op: "decrypt"; readonly file: Blob; readonly key: string }
  | { readonly id: number; readonly op: "keygen" };
export type HashReply =
  | { readonly id: number; readonly progress: number }
  | { readonly id: number; readonly sha256: string; readonly size: number }
  | { readonly id: number; readonly encrypted: { sha256: string; sha3_256: string; size: number; ciphertext: Blob } }
  | { readonly id: number; readonly plaintext: Blob }
  | { readonly id: number; readonly keyText: string; readonly keyId: string }
  | { readonly id: number; readonly error: string; readonly code?: string };

const post = (m: HashReply) => (self as unknown as Worker).postMessage(m);
let last = 0;
const progress = (id: number, done: number, total: number) => {
  const now = Date.now();
  if (now - last < 50 && done !== total) return;
  last = now;
  post({ id, progress: total ? Math.min(1, done / total) : 1 });
};

async function* read(file: Blob, onBytes: (n: number) => void): AsyncGenerator<Uint8Array> {
  const reader = file.stream().getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      onBytes(value.length);
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}

async function encrypt(id: number, file: Blob, keyText: string): Promise<HashReply> {
  const key = await contentKeyFrom(keyText);
  const h2 = nobleSha256.create();
  const h3 = sha3_256.create();
  let size = 0;
  async function* tapped(): AsyncGenerator<Uint8Array> {
    for await (const chunk of read(file, (n) => progress(id, (size += n), file.size))) {
      h2.update(chunk);
      h3.update(chunk);
      yield chunk;
    }
  }
  const parts: Uint8Array<ArrayBuffer>[] = [];
  for await (const piece of encryptStream(tapped(), key)) parts.push(piece as Uint8Array<ArrayBuffer>);
  return { id, encrypted: { sha256: toHex(h2.digest()), sha3_256: toHex(h3.digest()), size, ciphertext: new Blob(parts) } };
}

async function decrypt(id: number, file: Blob, keyText: string): Promise<HashReply> {
  const key = await contentKeyFrom(keyText);
  let done = 0;
  const parts: Uint8Array<ArrayBuffer>[] = [];
  for await (const piece of decryptStream(
    read(file, (n) => progress(id, (done += n), file.size)),
    key,
  ))
    parts.push(piece as Uint8Array<ArrayBuffer>);
  return { id, plaintext: new Blob(parts) };
}

async function keygen(id: number): Promise<HashReply> {
  const key = await generateContentKey();
  return { id, keyText: formatContentKey(key), keyId: key.id };
}

self.addEventListener("message", (e: MessageEvent<HashRequest>) => {
  const m = e.data;
  const id = m.id;
  const work: Promise<HashReply> =
    m.op === "encrypt"
      ? encrypt(id, m.file, m.key)
      : m.op === "decrypt"
        ? decrypt(id, m.file, m.key)
        : m.op === "keygen"
          ? keygen(id)
          : sha256Blob(m.file, { onProgress: (done, total) => progress(id, done, total ?? m.file.size) }).then((r) => ({
              id,
              sha256: toHex(r.sha256),
              size: r.size,
            }));
  work.then(post, (err: unknown) =>
    post({ id, error: err instanceof Error ? err.message : String(err), ...(err instanceof EncryptionError ? { code: err.code } : {}) }),
  );
});
