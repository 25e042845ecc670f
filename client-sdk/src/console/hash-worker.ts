/**
 * The console's hashing worker: SHA-256 of a dropped file with the SDK's streaming hash, off the page's
 * thread, with progress. The file is read here and never leaves the browser.
 */
import { toHex } from "../bytes.ts";
import { sha256Blob } from "../hash.ts";

export type HashRequest = { readonly id: number; readonly file: Blob };
export type HashReply =
  | { readonly id: number; readonly progress: number }
  | { readonly id: number; readonly sha256: string; readonly size: number }
  | { readonly id: number; readonly error: string };

const post = (m: HashReply) => (self as unknown as Worker).postMessage(m);
let last = 0;
self.addEventListener("message", (e: MessageEvent<HashRequest>) => {
  const { id, file } = e.data;
  sha256Blob(file, {
    onProgress: (done, total) => {
      const now = Date.now();
      if (now - last < 50 && done !== total) return;
      last = now;
      post({ id, progress: total ? done / total : 1 });
    },
  }).then(
    (r) => post({ id, sha256: toHex(r.sha256), size: r.size }),
    (err: unknown) => post({ id, error: err instanceof Error ? err.message : String(err) }),
  );
});
