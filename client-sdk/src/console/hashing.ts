/** Hashes files in the console's Web Worker (the SDK's streaming SHA-256), one at a time, with progress. */
import type { HashReply } from "./hash-worker.ts";

let worker: Worker | undefined;
let next = 1;
const waiting = new Map<number, { onProgress: (p: number) => void; resolve: (r: { sha256: string; size: number }) => void; reject: (e: Error) => void }>();

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
    else if ("sha256" in m) {
      waiting.delete(m.id);
      w.resolve({ sha256: m.sha256, size: m.size });
    } else {
      waiting.delete(m.id);
      w.reject(new Error(m.error));
    }
  });
  return worker;
}

/** SHA-256 of `file` (0x hex) computed off the page's thread. */
export function hashFile(file: Blob, onProgress: (fraction: number) => void = () => undefined): Promise<{ sha256: string; size: number }> {
  const id = next++;
  return new Promise((resolve, reject) => {
    waiting.set(id, { onProgress, resolve, reject });
    getWorker().postMessage({ id, file });
  });
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
