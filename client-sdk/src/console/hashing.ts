/** Hashes, encrypts and decrypts files in the console's Web Worker (the SDK's streaming code), one message each, with progress. */
import type { HashReply, HashRequest } from "./hash-worker.ts";

type Done = Exclude<HashReply, { progress: number } | { error: string }>;
let worker: Worker | undefined;
let next = 1;
const waiting = new Map<number, { onProgress: (p: number) => void; resolve: (r: Done) => void; reject: (e: Error) => void }>();

/** A worker failure; `code` is the SDK's encryption error code (WRONG_KEY, DECRYPTION_FAILED, INVALID_KEY, …) when there is one. */
export class WorkerError extends Error {
  readonly code: string | undefined;
  constructor(message: string, code?: string) {
    super(message);
    this.code = code;
  }
}

function getWorker(): Worker {
  if (worker) return worker;
  const url = document.querySelector<HTMLMetaElement>('meta[name="pp-worker"]')?.content;
  if (!url) throw new Error("no hashing worker");
  worker = new Worker(url);
  worker.addEventListener("message", (e: MessageEvent<HashReply>) => {
    const m = e.data;
    const w = waiting.get(m.id);
    if (!w) return;
    if ("progress" in m) w.onProgress(m.progress);
    else {
      waiting.delete(m.id);
      if ("error" in m) w.reject(new WorkerError(m.error, m.code));
      else w.resolve(m);
    }
  });
  return worker;
}

type Body<R> = R extends unknown ? Omit<R, "id"> : never;
function ask(request: Body<HashRequest>, onProgress: (fraction: number) => void): Promise<Done> {
  const id = next++;
  return new Promise((resolve, reject) => {
    waiting.set(id, { onProgress, resolve, reject });
    getWorker().postMessage({ ...request, id });
  });
}

/** SHA-256 of `file` (0x hex) computed off the page's thread. */
export async function hashFile(file: Blob, onProgress: (fraction: number) => void = () => undefined): Promise<{ sha256: string; size: number }> {
  return (await ask({ file }, onProgress)) as { sha256: string; size: number };
}

/** `file` encrypted with the key file's key (priorproof-aead/1), and the plaintext's digests and size, off the page's thread. */
export async function encryptFile(
  file: Blob,
  key: string,
  onProgress: (fraction: number) => void = () => undefined,
): Promise<{ sha256: string; sha3_256: string; size: number; ciphertext: Blob }> {
  return ((await ask({ op: "encrypt", file, key }, onProgress)) as { encrypted: { sha256: string; sha3_256: string; size: number; ciphertext: Blob } })
    .encrypted;
}

/** The plaintext of a priorproof-aead/1 envelope; every chunk authenticated, or a WorkerError. */
export async function decryptFile(file: Blob, key: string, onProgress: (fraction: number) => void = () => undefined): Promise<Blob> {
  return ((await ask({ op: "decrypt", file, key }, onProgress)) as { plaintext: Blob }).plaintext;
}

/** A new random content key: the key file's text (the SDK's format, 64 hex digits) and the key id. */
export async function generateKey(): Promise<{ keyText: string; keyId: string }> {
  return (await ask({ op: "keygen" }, () => undefined)) as { keyText: string; keyId: string };
}

/** Every file of a drop, folders walked recursively (webkitGetAsEntry). */
export async function filesOfDrop(dt: DataTransfer): Promise<File[]> {
  const entries = [...dt.items].map((i) => i.webkitGetAsEntry?.()).filter((e): e is FileSystemEntry => !!e);
  if (entries.length === 0) return [...dt.files];
  const out: File[] = [];
  const walk = async (entry: FileSystemEntry, prefix: string): Promise<void> => {
    if (entry.isFile) {
      const file = await new Promise<File>((res, rej) => (entry as FileSystemFileEntry).file(res, rej));
      out.push(prefix ? new File([file], prefix + file.name, { type: file.type, lastModified: file.lastModified }) : file);
    } else if (entry.isDirectory) {
      const reader = (entry as FileSystemDirectoryEntry).createReader();
      for (;;) {
        const batch = await new Promise<FileSystemEntry[]>((res, rej) => reader.readEntries(res, rej));
        if (batch.length === 0) break;
        for (const child of batch) await walk(child, `${prefix}${entry.name}/`);
      }
    }
  };
  for (const e of entries) await walk(e, "");
  return out;
}
