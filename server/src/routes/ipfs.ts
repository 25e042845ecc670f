import type { FastifyPluginAsync } from "fastify";
import { Readable } from "node:stream";
import { AppError } from "../errors.ts";
import { gatewayErrorStatus, parseCid, serveTrustlessGateway } from "../services/ipfs/index.ts";

/**
 * GET /ipfs/:cid — stored content for its tenant: the file's bytes by default, `?format=car` for a CAR
 * of the whole DAG, `?format=raw` (or Accept: application/vnd.ipld.raw) for one block, so that any
 * trustless IPFS client (e.g. @helia/verified-fetch) can fetch and verify the content by CID.
 * Whole files and CARs require an entry of the tenant with that CID. A single block is served if it
 * is the root of one of the tenant's entries, or the root of no entry at all (an inner block, whose CID
 * is only learnt from its parent): the root block of another tenant's file (the whole file, when it
 * fits one block) is not served just because its CID is known.
 */
const ipfs: FastifyPluginAsync = async (app) => {
  app.get<{ Params: { cid: string }; Querystring: { format?: string; filename?: string } }>(
    "/ipfs/:cid",
    {
      onRequest: app.authenticate,
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
      let forms: string[];
      try {
        // A CID has several spellings (v0/v1, multibases): ownership is checked on every one of them.
        const parsed = parseCid(cid);
        const v1 = parsed.toV1();
        forms = [...new Set([cid, v1.toString(), ...(v1.code === 0x70 && v1.multihash.code === 0x12 ? [v1.toV0().toString()] : [])])];
      } catch {
        throw new AppError("INVALID_CID", `not a CID: ${JSON.stringify(cid.slice(0, 100))}`);
      }
      const accept = request.headers.accept ?? "";
      const wantsRaw = request.query.format === "raw" || (!request.query.format && accept.includes("application/vnd.ipld.raw"));
      const wantsCar = request.query.format === "car" || (!request.query.format && accept.includes("application/vnd.ipld.car"));
      const anyOf = async (f: (form: string) => Promise<boolean>) => (await Promise.all(forms.map(f))).some(Boolean);
      // The tenant's own content: an entry's file, or a part of one of its web captures.
      const owned = await anyOf(async (form) => (await app.store.findEntriesByCid(request.tenantId, form)) || (await app.store.captures.ownsPartCid(request.tenantId, form)));
      if (!owned && (!wantsRaw || (await anyOf(async (form) => (await app.store.isEntryCid(form)) || (await app.store.captures.isPartCid(form)))))) throw new AppError("CONTENT_NOT_FOUND", `no content ${cid} for this tenant`);
      try {
        if (wantsRaw || wantsCar) {
          const res = await serveTrustlessGateway(app.ipfs, cid, wantsRaw ? "raw" : "car", accept);
          reply.headers(res.headers);
          return reply.send(Readable.from(res.body));
        }
        if (!(await app.ipfs.has(cid, { shallow: true }))) throw new AppError("CONTENT_NOT_FOUND", `content ${cid} is not stored here`);
        reply.header("content-type", "application/octet-stream");
        reply.header("x-content-type-options", "nosniff");
        reply.header("cache-control", "private, max-age=29030400, immutable");
        return reply.send(Readable.from(app.ipfs.cat(cid)));
      } catch (e) {
        if (e instanceof AppError) throw e;
        const status = gatewayErrorStatus(e);
        if (status === 404) throw new AppError("CONTENT_NOT_FOUND", `content ${cid} is not stored here`);
        if (status === 400) throw new AppError("INVALID_CID", `not a CID: ${cid}`);
        if (status === 406) throw new AppError("NOT_ACCEPTABLE", "ask for format=raw or format=car");
        throw new AppError("IPFS_UNAVAILABLE", "the IPFS store is unavailable", undefined, { cause: e });
      }
    },
  );
};

export default ipfs;
