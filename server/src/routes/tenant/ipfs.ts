import type { FastifyPluginAsync } from "fastify";
import { AppError } from "../../errors.ts";
import { gatewayErrorStatus, parseCid, serveTrustlessGateway } from "../../services/ipfs/index.ts";
import type { CID } from "multiformats/cid";

/** Tenant content is private: only the tenant's own client may keep a copy, never a shared cache. */
const PRIVATE_CACHE = "private, no-store";

/**
 * GET /ipfs/:cid — stored content for its tenant: the file's bytes by default, `?format=car` for a CAR
 * of the whole DAG, `?format=raw` (or Accept: application/vnd.ipld.raw) for one block, so that any
 * trustless IPFS client (e.g. @helia/verified-fetch) can fetch and verify the content by CID.
 * Ownership is decided on the block's multihash (see services/content-access.ts): a block only for a
 * tenant whose stored DAG (an entry's content or a web capture part) holds it, whatever codec or CID
 * version names it; the file and CAR only from the exact root of one of the tenant's entries or capture
 * parts. "Not yours" and "not here" get the same 404.
 * Answers are `Cache-Control: private, no-store`, and downloads are budgeted (plugins/budgets.ts).
 */
const ipfs: FastifyPluginAsync = async (app) => {
  app.get<{ Params: { cid: string }; Querystring: { format?: string; filename?: string } }>(
    "/ipfs/:cid",
    {
      schema: {
        summary: "Stored content by CID (raw file, ?format=car, ?format=raw block)",
        tags: ["ipfs"],
        security: [{ bearer: [] }],
        params: { type: "object", required: ["cid"], properties: { cid: { type: "string", maxLength: 200 } } },
        querystring: { type: "object", additionalProperties: false, properties: { format: { type: "string", enum: ["raw", "car"] }, filename: { type: "string", maxLength: 255 } } },
      },
    },
    async (request, reply) => {
      const { cid } = request.params;
      let key: CID;
      try {
        key = parseCid(cid);
      } catch {
        throw new AppError("INVALID_CID", `not a CID: ${JSON.stringify(cid.slice(0, 100))}`);
      }
      const notFound = () => new AppError("CONTENT_NOT_FOUND", `no content ${key.toString()} for this tenant`);
      const accept = request.headers.accept ?? "";
      const wantsRaw = request.query.format === "raw" || (!request.query.format && accept.includes("application/vnd.ipld.raw"));
      const wantsCar = request.query.format === "car" || (!request.query.format && accept.includes("application/vnd.ipld.car"));
      // The download slot first (429/503 when none is free), so that the answer about ownership is the same either way.
      const release = app.budgets.acquireDownload(request);
      try {
        if (!(await app.contentAccess.canRead(request.tenantId, key, wantsRaw ? "raw" : "dag"))) throw notFound();
        if (wantsRaw || wantsCar) {
          const res = await serveTrustlessGateway(app.ipfs, key.toString(), wantsRaw ? "raw" : "car", accept);
          reply.headers({ ...res.headers, "cache-control": PRIVATE_CACHE, vary: "Accept, Authorization" });
          return reply.send(app.budgets.guardDownload(reply, res.body, release));
        }
        if (!(await app.ipfs.has(key, { shallow: true }))) throw notFound();
        reply.header("content-type", "application/octet-stream");
        reply.header("x-content-type-options", "nosniff");
        reply.header("cache-control", PRIVATE_CACHE);
        reply.header("vary", "Authorization");
        // No read-ahead: a slow reader then holds one block (≤ 1 MiB), so MAX_DOWNLOADS_TOTAL bounds memory.
        return reply.send(app.budgets.guardDownload(reply, app.ipfs.cat(key, { readAhead: 1 }), release));
      } catch (e) {
        release();
        if (e instanceof AppError) throw e;
        const status = gatewayErrorStatus(e);
        if (status === 404) throw notFound();
        if (status === 400) throw new AppError("INVALID_CID", `not a CID: ${cid}`);
        if (status === 406) throw new AppError("NOT_ACCEPTABLE", "ask for format=raw or format=car");
        throw new AppError("IPFS_UNAVAILABLE", "the IPFS store is unavailable", undefined, { cause: e });
      }
    },
  );
};

export default ipfs;
