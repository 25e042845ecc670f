/**
 * Node-only hashing of files: streamed through node:crypto (OpenSSL, with SHA extensions where the CPU
 * has them — several times faster than a JavaScript SHA-256), in constant memory, with progress.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { InputError } from "./errors.ts";
import type { HashOptions, HashResult } from "./hash.ts";

/**
 * SHA-256 (and SHA3-256 with `alsoSha3`) of a file.
 *
 * @example
 * const { sha256, size } = await sha256File("draft.psd", { onProgress: (done, total) => bar.update(done / total!) });
 */
export async function sha256File(path: string, options: HashOptions = {}): Promise<HashResult> {
  let total: number;
  try {
    const s = await stat(path);
    if (!s.isFile()) throw new InputError("NOT_A_FILE", `not a regular file: ${path}`);
    total = s.size;
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError("FILE_UNREADABLE", `cannot read ${path}: ${(e as Error).message}`, { cause: e });
  }
  const h = createHash("sha256");
  const h3 = options.alsoSha3 ? createHash("sha3-256") : undefined;
  let size = 0;
  const stream = createReadStream(path, { highWaterMark: 1 << 20, ...(options.signal ? { signal: options.signal } : {}) });
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      h.update(chunk);
      h3?.update(chunk);
      size += chunk.length;
      options.onProgress?.(size, total);
    }
  } catch (e) {
    throw new InputError("FILE_UNREADABLE", `cannot read ${path}: ${(e as Error).message}`, { cause: e });
  }
  const out = { sha256: new Uint8Array(h.digest()), size };
  return h3 ? { ...out, sha3_256: new Uint8Array(h3.digest()) } : out;
}
