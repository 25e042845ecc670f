/**
 * Uploading a file encrypted on the client (opt-in): one pass over the plaintext feeds its SHA-256 and
 * SHA3-256 (the evidence that is stamped) and the `priorproof-aead/1` encryptor, whose output is what
 * is sent and pinned. The plaintext digests travel as form fields after the file part, since they are
 * known only at its end. The key is used here and nowhere else: no request carries it.
 */
import { sha256 as nobleSha256 } from "@noble/hashes/sha2.js";
import { sha3_256 } from "@noble/hashes/sha3.js";
import { toHex } from "./bytes.ts";
import { ENCRYPTION_SCHEME, encryptStream, type ContentKey, type EncryptOptions } from "./encrypt.ts";
import { InputError } from "./errors.ts";
import type { Hex } from "./receipt.ts";
import type { Entry, PriorProofClient, SubmitFilesOptions, UploadFile } from "./client.ts";

/**
 * What the client stated about the plaintext, besides the entry the service recorded.
 *
 * @example
 * const { entry, sha256, size }: EncryptedUpload = await submitEncryptedFile(pp, file, key);
 */
export interface EncryptedUpload {
  readonly entry: Entry;
  /** SHA-256 and SHA3-256 of the plaintext (what the receipt's subject states and the leaf commits). */
  readonly sha256: Hex;
  readonly sha3_256: Hex;
  readonly size: number;
}

interface IncrementalHash {
  update(data: Uint8Array): unknown;
  digest(): Uint8Array;
}

/** node:crypto's createHash where it exists (several times faster than JavaScript for SHA3), reached without an import so bundles stay browser-clean. */
const nodeCreateHash = (() => {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const crypto = proc?.getBuiltinModule?.("node:crypto") as { createHash?: (algorithm: string) => IncrementalHash } | undefined;
  return typeof crypto?.createHash === "function" ? crypto.createHash : undefined;
})();

function incrementalHash(algorithm: "sha256" | "sha3-256"): IncrementalHash {
  if (nodeCreateHash) {
    const h = nodeCreateHash(algorithm);
    return { update: (data) => h.update(data), digest: () => new Uint8Array(h.digest()) };
  }
  return algorithm === "sha256" ? nobleSha256.create() : sha3_256.create();
}

/**
 * A byte source read once as chunks; the plaintext's digests and size are ready when it is exhausted.
 */
function tapPlaintext(data: UploadFile["data"]): { chunks: AsyncIterable<Uint8Array>; result: () => { sha256: Hex; sha3_256: Hex; size: number } } {
  const h2 = incrementalHash("sha256");
  const h3 = incrementalHash("sha3-256");
  let size = 0;
  let done = false;
  async function* chunks(): AsyncGenerator<Uint8Array> {
    const source: AsyncIterable<Uint8Array> = data instanceof Blob ? readable(data.stream()) : data instanceof ReadableStream ? readable(data) : data;
    for await (const chunk of source) {
      if (!(chunk instanceof Uint8Array)) throw new InputError("INVALID_CHUNK", "an upload stream yielded something other than a Uint8Array");
      h2.update(chunk);
      h3.update(chunk);
      size += chunk.length;
      yield chunk;
    }
    done = true;
  }
  let digests: { sha256: Hex; sha3_256: Hex; size: number } | undefined;
  return {
    chunks: chunks(),
    result: () => {
      if (!done) throw new InputError("FILE_UNREADABLE", "the plaintext was not read to its end");
      digests ??= { sha256: toHex(h2.digest()), sha3_256: toHex(h3.digest()), size };
      return digests;
    },
  };
}

async function* readable(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
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

/**
 * Encrypts one file with `key` while uploading it (constant memory), and stamps its plaintext: the
 * service stores and pins only the ciphertext (`entry.cid`), the receipt's `subject.sha256` is the
 * plaintext's and `subject.encrypted` is true. A retry cannot re-read a stream, so none is made.
 *
 * @example
 * const key = await contentKeyFrom(await readFile("design.key", "utf8"));
 * const { entry, sha256 } = await submitEncryptedFile(pp, { name: "logo.ai", data: await openAsBlob("logo.ai") }, key);
 */
export async function submitEncryptedFile(
  client: Pick<PriorProofClient, "submitFiles">,
  file: UploadFile,
  key: ContentKey,
  options: Omit<SubmitFilesOptions, "trailingFields"> & { readonly encryption?: EncryptOptions } = {},
): Promise<EncryptedUpload> {
  const plain = tapPlaintext(file.data);
  const { encryption, ...submit } = options;
  const [entry] = await client.submitFiles(
    [{ name: file.name, data: encryptStream(plain.chunks, key, encryption), ...(file.mediaType ? { mediaType: file.mediaType } : {}) }],
    {
      ...submit,
      trailingFields: () => {
        const r = plain.result();
        return { encryption: ENCRYPTION_SCHEME, plaintextSha256: r.sha256, plaintextSha3_256: r.sha3_256, plaintextSize: String(r.size) };
      },
    },
  );
  return { entry: entry!, ...plain.result() };
}
