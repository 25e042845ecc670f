/**
 * A hash computed on a worker thread, so that the second digest of an upload (SHA3-256, ~460 MB/s)
 * runs beside the SHA-256 and the IPFS import on the request thread instead of after them. Chunks are
 * copied to the worker; at most `maxInFlight` bytes wait there, so memory stays flat however large the
 * file.
 */
import { Worker } from "node:worker_threads";

const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const { createHash } = require("node:crypto");
const h = createHash(workerData.algorithm);
parentPort.on("message", (m) => {
  if (m === null) { parentPort.postMessage({ digest: h.digest("hex") }); return; }
  h.update(m);
  parentPort.postMessage({ done: m.byteLength });
});
`;

export interface ThreadedHash {
  /** Queues a chunk; resolves at once unless too many bytes are waiting on the worker. */
  update(chunk: Uint8Array): Promise<void>;
  /** The hex digest; the worker exits. */
  digest(): Promise<string>;
  /** Stops the worker without a digest (the upload failed). */
  abort(): void;
}

/**
 * Starts a worker hashing with `algorithm` (any node:crypto hash name).
 *
 * @example
 * const sha3 = createThreadedHash("sha3-256");
 * for await (const chunk of file) await sha3.update(chunk);
 * const hex = await sha3.digest();
 */
export function createThreadedHash(algorithm: string, maxInFlight = 4 * 1024 * 1024): ThreadedHash {
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { algorithm } });
  worker.unref();
  let inFlight = 0;
  let waiting: (() => void) | undefined;
  let finished: ((hex: string) => void) | undefined;
  let failed: ((e: unknown) => void) | undefined;
  let error: unknown;
  worker.on("message", (m: { done?: number; digest?: string }) => {
    if (m.done !== undefined) {
      inFlight -= m.done;
      if (waiting && inFlight <= maxInFlight / 2) {
        const w = waiting;
        waiting = undefined;
        w();
      }
    } else if (m.digest !== undefined) {
      finished?.(m.digest);
      void worker.terminate();
    }
  });
  worker.on("error", (e) => {
    error = e;
    failed?.(e);
    waiting?.();
  });
  return {
    async update(chunk) {
      if (error) throw error;
      inFlight += chunk.byteLength;
      // Copy just the view and hand the copy over: cloning a view would copy its whole buffer (often a
      // pool far larger than the chunk), and transferring the caller's buffer would detach it.
      const copy = new Uint8Array(chunk);
      worker.postMessage(copy, [copy.buffer]);
      if (inFlight > maxInFlight) await new Promise<void>((r) => (waiting = r));
      if (error) throw error;
    },
    digest() {
      return new Promise<string>((resolve, reject) => {
        if (error) return reject(error);
        finished = resolve;
        failed = reject;
        worker.postMessage(null);
      });
    },
    abort() {
      void worker.terminate();
    },
  };
}
