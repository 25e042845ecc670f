/**
 * Renders certificates on a worker thread, so that a render (about a second of CPU for a rich entry on
 * a busy 2-core machine) never blocks the event loop that answers /healthz and every other request.
 * One worker, started on first use and kept (unref'd); requests queue on it in order. The module is
 * both sides: imported by the service it exports `createRenderWorker`; run as the worker it renders.
 */
import { isMainThread, parentPort, Worker } from "node:worker_threads";
import type { CertificateInput, LineageInput, PortfolioInput } from "./index.ts";

/** Flags that apply to the whole process (V8's heap and stack sizes, GC exposure): a Worker refuses them. */
const PROCESS_WIDE_FLAG = /^--(max-semi-space-size|min-semi-space-size|max-old-space-size|max-heap-size|stack-size|expose-gc|expose_gc|v8-options|title)(=|$)/;

export type RenderJob =
  | { readonly kind: "entry"; readonly input: CertificateInput }
  | { readonly kind: "lineage"; readonly input: LineageInput }
  | { readonly kind: "portfolio"; readonly input: PortfolioInput };

type Reply = { readonly id: number; readonly pdf?: Uint8Array; readonly error?: string };

export interface RenderWorker {
  render(job: RenderJob): Promise<Uint8Array>;
  close(): Promise<void>;
}

/** A renderer on its own thread; `close` ends the thread (pending renders reject). */
export function createRenderWorker(): RenderWorker {
  let worker: Worker | undefined;
  let next = 0;
  const pending = new Map<number, { resolve: (pdf: Uint8Array) => void; reject: (e: Error) => void }>();
  const failAll = (e: Error) => {
    for (const p of pending.values()) p.reject(e);
    pending.clear();
    worker = undefined;
  };
  const start = () => {
    // The worker resolves @priorproof/client-sdk to its TypeScript source, as the server does. A worker
    // inherits the process's flags, V8's included (npm start's --max-semi-space-size); Worker refuses V8
    // flags given explicitly (ERR_WORKER_INVALID_EXEC_ARGV), so a list is given only when the process
    // lacks --conditions=source, and without them.
    const execArgv = process.execArgv.includes("--conditions=source")
      ? undefined
      : [...process.execArgv.filter((a) => !PROCESS_WIDE_FLAG.test(a)), "--conditions=source"];
    const w = new Worker(new URL(import.meta.url), execArgv ? { execArgv } : {});
    w.unref();
    w.on("message", (m: Reply) => {
      const p = pending.get(m.id);
      if (!p) return;
      pending.delete(m.id);
      if (m.pdf) p.resolve(m.pdf);
      else p.reject(new Error(`certificate render failed: ${m.error ?? "unknown"}`));
    });
    w.on("error", (e) => failAll(e));
    w.on("exit", (code) => failAll(new Error(`certificate render worker exited with code ${code}`)));
    return w;
  };
  return {
    render(job) {
      worker ??= start();
      const id = next++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        worker!.postMessage({ id, job });
      });
    },
    async close() {
      await worker?.terminate();
      worker = undefined;
    },
  };
}

if (!isMainThread && parentPort) {
  const port = parentPort;
  const { renderCertificate, renderLineage, renderPortfolio } = await import("./index.ts");
  port.on("message", async ({ id, job }: { id: number; job: RenderJob }) => {
    try {
      const pdf =
        job.kind === "entry" ? await renderCertificate(job.input) : job.kind === "lineage" ? await renderLineage(job.input) : await renderPortfolio(job.input);
      port.postMessage({ id, pdf } satisfies Reply, [pdf.buffer as ArrayBuffer]);
    } catch (e) {
      port.postMessage({ id, error: e instanceof Error ? e.message : String(e) } satisfies Reply);
    }
  });
}
