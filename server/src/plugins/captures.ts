import fp from "fastify-plugin";
import { createCaptureService, type CaptureService } from "../services/capture/service.ts";
import { SOFTWARE } from "./services.ts";

declare module "fastify" {
  interface FastifyInstance {
    /** Web captures (services/capture): queue, worker, schedules. */
    captures: CaptureService;
  }
}

/**
 * The web capture service over the store (queue, outbox events), ingest and IPFS. With CAPTURE_WORKER on (default:
 * WORKERS), this process runs one capture worker (one capture at a time; several processes share the
 * durable queue).
 */
export default fp(
  async (app) => {
    const { config } = app;
    const c = config.capture;
    const captures = createCaptureService({
      store: app.store,
      ingest: app.ingest,
      // Parts are imported like uploads, their DAG blocks recorded: /ipfs/:cid serves them to their tenant by multihash.
      importFile: app.importAndRecord,
      catFile: (cid) => app.ipfs.cat(cid),
      engine: {
        executablePath: c.chromiumPath,
        allowPrivate: c.allowPrivate,
        extraArgs: c.trustSpki.length > 0 ? [`--ignore-certificate-errors-spki-list=${c.trustSpki.join(",")}`] : [],
        software: SOFTWARE,
        clockSource: c.clockSource,
      },
      limits: c,
      nodeId: config.nodeId,
      pollMs: c.pollMs,
      log: app.log,
    });
    app.decorate("captures", captures);
    if (c.worker) app.addHook("onReady", async () => captures.start());
    app.addHook("onClose", async () => captures.stop());
  },
  { name: "captures", dependencies: ["config", "store", "ipfs", "services"] },
);
