/**
 * A worker thread of `verifyBatch` (verify-batch.ts): verifies its shard of receipts with one memo and
 * posts progress (every 256 receipts) and then the results.
 */
import { parentPort, workerData } from "node:worker_threads";
import { type WorkerMessage, type WorkerRequest, verifyReceiptBatch } from "./verify-batch.ts";

const { items, options } = workerData as WorkerRequest;
const post = (m: WorkerMessage) => parentPort!.postMessage(m);
try {
  const results = await verifyReceiptBatch(items, {
    ...options,
    onProgress: (done, total) => (done % 256 === 0 || done === total) && post({ progress: done }),
  });
  post({ results });
} catch (e) {
  post({ error: e instanceof Error ? e.message : String(e) });
}
