import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import { AppError } from "../../errors.ts";
import { DAG_SCOPES, gatewayErrorStatus, parseCid, selectTrustlessFormat, serveTrustlessGateway, type DagScope } from "../../services/ipfs/index.ts";
import type { CID } from "multiformats/cid";

/**
 * Who may read what a request asks for, and so which caches may keep the answer:
 * - `public`: content its tenant published (services/content-access.ts `isPublic`) — readable by anyone
 *   holding the CID, with or without a key; the bytes behind a CID never change, so any cache may keep
 *   them, and the answer does not depend on who asks (`Vary: Accept`);
 * - `tenant`: the requesting tenant's own unpublished content (`canRead`) — `private, no-store`: only
 *   the tenant's client may hold it, never a shared cache (keys can be revoked), `Vary: Accept, Authorization`.
 * Published is asked first: the answer is then the same for everyone, whatever key came with it.
 */
export type ReadScope = "tenant" | "public";

export const CACHE_CONTROL: Readonly<Record<ReadScope, string>> = {
  tenant: "private, no-store",
  public: "public, max-age=29030400, immutable",
};

const VARY: Readonly<Record<ReadScope, string>> = { tenant: "Accept, Authorization", public: "Accept" };

/** `Vary` with `fields` added to what is already there (the CORS plugin's `Origin` when CORS_ORIGINS is set). */
export function varyWith(reply: FastifyReply, fields: string): string {
  const present = String(reply.getHeader("vary") ?? "")
    .split(",")
    .map((f) => f.trim())
    .filter(Boolean);
  const added = fields
    .split(",")
    .map((f) => f.trim())
    .filter((f) => !present.some((p) => p.toLowerCase() === f.toLowerCase()));
  return [...present, ...added].join(", ");
}

/** The scope under which `request` may read `key` (as one block or as a DAG), or null: "not found". */
async function readScope(request: FastifyRequest, key: CID, mode: "raw" | "dag"): Promise<ReadScope | null> {
  const access = request.server.contentAccess;
  if (await access.isPublic(key, mode)) return "public";
  if (request.tenantId !== "" && (await access.canRead(request.tenantId, key, mode))) return "tenant";
  return null;
}

/** A trustless response was asked for: `?format=`, or an Accept naming an IPLD type (then 406 if none we write). */
function wantsTrustless(format: string | undefined, accept: string): boolean {
  return (format !== undefined && format !== "") || /application\/vnd\.ipld\./i.test(accept);
}

/**
 * GET /ipfs/:cid — stored content, and an IPFS trustless gateway
 * (https://specs.ipfs.tech/http-gateways/trustless-gateway/) for it:
 * - `?format=raw` or `Accept: application/vnd.ipld.raw`: one block, verifiable against the CID;
 * - `?format=car` or `Accept: application/vnd.ipld.car`: a CARv1 (`order=dfs; dups=n`) of the DAG,
 *   `dag-scope=block` for the root block alone (`entity` and `all` are the whole file);
 * - neither: the file's bytes (what the SDK's `getContent` reads); an unsupported format is 406.
 * The key is optional (registered in a scope running `app.authenticateIfPresent`): published content
 * is answered to anyone holding its CID — any trustless IPFS client (@helia/verified-fetch, Kubo's HTTP
 * retrieval) can fetch and verify it block by block — and a tenant's key adds its own unpublished
 * content. A wrong key is 401, never read as anonymous.
 * Ownership is decided on the block's multihash (see services/content-access.ts): a block only for a
 * tenant whose stored DAG (an entry's content or a web capture part) holds it, whatever codec or CID
 * version names it; the file and CAR only from the exact root of one of the tenant's entries or capture
 * parts. The same two rules decide what is published. "Not yours", "not published" and "not here" get
 * the same 404. Answers carry the cache scope of {@link readScope} and downloads are budgeted
 * (plugins/budgets.ts: per key, or per IP without one).
 */
const ipfs: FastifyPluginAsync = async (app) => {
  app.get<{ Params: { cid: string }; Querystring: { format?: string; filename?: string; "dag-scope"?: DagScope } }>(
    "/ipfs/:cid",
    {
      schema: {
        summary: "Stored content by CID: the file, or trustless-gateway responses (?format=raw block, ?format=car CAR)",
        tags: ["ipfs"],
        // No key: published content only; a key: also the tenant's own.
        security: [{}, { bearer: [] }],
        params: { type: "object", required: ["cid"], properties: { cid: { type: "string", maxLength: 200 } } },
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: {
            // Any value is looked at, so that an unsupported one is 406 Not Acceptable (the spec), not 400.
            format: { type: "string", maxLength: 50 },
            filename: { type: "string", maxLength: 255 },
            "dag-scope": { type: "string", enum: [...DAG_SCOPES] },
          },
        },
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
      const notFound = () =>
        new AppError("CONTENT_NOT_FOUND", request.tenantId ? `no content ${key.toString()} for this tenant` : `no published content ${key.toString()}`);
      const accept = request.headers.accept ?? "";
      const { format, filename } = request.query;
      const dagScope = request.query["dag-scope"] ?? "all";
      // The download slot first (429/503 when none is free), so that the answer about ownership is the same either way.
      const release = app.budgets.acquireDownload(request);
      try {
        if (wantsTrustless(format, accept)) {
          // Format first: a 406 says nothing about whether the content exists.
          const chosen = selectTrustlessFormat(format, accept);
          const scope = await readScope(request, key, chosen === "raw" || dagScope === "block" ? "raw" : "dag");
          if (scope === null) throw notFound();
          const res = await serveTrustlessGateway(app.ipfs, cid, format, accept, { dagScope, ...(filename ? { filename } : {}) });
          reply.headers({ ...res.headers, "cache-control": CACHE_CONTROL[scope], vary: varyWith(reply, VARY[scope]) });
          if (notModified(request, res.headers.etag)) {
            release();
            return reply.code(304).send();
          }
          return reply.send(app.budgets.guardDownload(reply, res.body, release));
        }
        const scope = await readScope(request, key, "dag");
        if (scope === null || !(await app.ipfs.has(key, { shallow: true }))) throw notFound();
        const etag = `"${key.toString()}"`;
        reply.headers({
          "content-type": "application/octet-stream",
          "content-disposition": `attachment; filename="${(filename ?? key.toString()).replace(/["\\\r\n]/g, "_")}"`,
          "x-content-type-options": "nosniff",
          "x-ipfs-path": `/ipfs/${cid}`,
          "x-ipfs-roots": key.toString(),
          etag,
          "cache-control": CACHE_CONTROL[scope],
          vary: varyWith(reply, VARY[scope]),
        });
        if (notModified(request, etag)) {
          release();
          return reply.code(304).send();
        }
        // No read-ahead: a slow reader then holds one block (≤ 1 MiB), so MAX_DOWNLOADS_TOTAL bounds memory.
        return reply.send(app.budgets.guardDownload(reply, app.ipfs.cat(key, { readAhead: 1 }), release));
      } catch (e) {
        release();
        if (e instanceof AppError) throw e;
        const status = gatewayErrorStatus(e);
        if (status === 404) throw notFound();
        if (status === 400) throw new AppError("INVALID_CID", `not a CID: ${cid}`);
        if (status === 406)
          throw new AppError("NOT_ACCEPTABLE", "ask for format=raw or format=car (Accept: application/vnd.ipld.raw or application/vnd.ipld.car; version=1)");
        throw new AppError("IPFS_UNAVAILABLE", "the IPFS store is unavailable", undefined, { cause: e });
      }
    },
  );
};

/** `If-None-Match` names the representation's tag (or `*`). */
function notModified(request: FastifyRequest, etag: string | undefined): boolean {
  const header = request.headers["if-none-match"];
  if (etag === undefined || header === undefined) return false;
  return header.split(",").some((t) => t.trim() === etag || t.trim() === "*" || t.trim() === `W/${etag}`);
}

export default ipfs;
