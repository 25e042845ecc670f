import type { FastifyPluginAsync } from "fastify";
import { AppError } from "../../errors.ts";
import { EntryPageSchema, ReceiptDocumentSchema } from "@priorproof/client-sdk/api";
import { errorResponses } from "../../schemas/common.ts";
import { describeEntry } from "../../services/entries.ts";
import { ENTRY_FILTER_PROPERTIES, hasFilter, searchOf, type EntryFilterInput } from "../../services/entry-search.ts";
import { normalizeDigest } from "../../services/ingest.ts";

/** The tenant's entries: one by id, a search by digest or by `previous` (lineage), and receipts. */
const entries: FastifyPluginAsync = async (app) => {
  const own = async (tenantId: string, id: string) => {
    const entry = await app.store.getEntry(id);
    // Another tenant's entry is reported exactly like a missing one.
    if (!entry || entry.tenantId !== tenantId) throw new AppError("ENTRY_NOT_FOUND", `no entry ${id}`);
    return entry;
  };
  const idParams = { type: "object", required: ["id"], properties: { id: { type: "string", maxLength: 64 } } } as const;

  app.get<{ Params: { id: string } }>(
    "/entries/:id",
    {
      schema: {
        summary: "An entry with its anchors and status history",
        tags: ["entries"],
        security: [{ bearer: [] }],
        params: idParams,
        response: { 200: { $ref: "EntryView#" }, ...errorResponses },
      },
    },
    async (request) => {
      const entry = await own(request.tenantId, request.params.id);
      return describeEntry(entry, await app.store.getEntryBatches(entry.seq), entry.cid ? await app.store.listReplicas(entry.cid) : []);
    },
  );

  app.get<{ Querystring: EntryFilterInput & { sha256?: string; previous?: string; limit: number; after?: number; before?: number; order?: "asc" | "desc" } }>(
    "/entries",
    {
      schema: {
        summary:
          "The tenant's entries: with a digest, the later versions of one (previous = digest), or matching the console's filters (q, kind, status, " +
          "from, to, chain)",
        tags: ["entries"],
        security: [{ bearer: [] }],
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: {
            sha256: { $ref: "DigestInput#" },
            previous: { $ref: "DigestInput#" },
            limit: { type: "integer", minimum: 1, maximum: 1000, default: 100 },
            after: { type: "integer", minimum: 0, description: "cursor: the `seq` of the last entry of the previous page" },
            before: { type: "integer", minimum: 1, description: "cursor of order=desc: the `next` of the previous page" },
            order: { type: "string", enum: ["asc", "desc"], description: "asc (oldest first, the default) or desc (newest first)" },
            ...ENTRY_FILTER_PROPERTIES,
          },
        },
        response: { 200: EntryPageSchema, ...errorResponses },
      },
    },
    async (request) => {
      const q = request.query;
      if (hasFilter(q)) {
        const found = await app.store.console.searchEntries(request.tenantId, {
          ...searchOf(q),
          ...(q.sha256 ? { sha256: normalizeDigest(q.sha256) } : {}),
          ...(q.previous ? { previous: normalizeDigest(q.previous) } : {}),
          limit: q.limit,
          ...(q.order === "desc" || q.before !== undefined
            ? { order: "desc" as const, ...(q.before !== undefined ? { beforeSeq: q.before } : {}) }
            : q.after !== undefined
              ? { afterSeq: q.after }
              : {}),
        });
        const views = await Promise.all(
          found.map(async (e) => describeEntry(e, await app.store.getEntryBatches(e.seq), e.cid ? await app.store.listReplicas(e.cid) : [])),
        );
        return { entries: views, next: found.length === q.limit ? (found[found.length - 1]?.seq ?? null) : null };
      }
      const found = await app.store.findEntries(request.tenantId, {
        ...(q.sha256 ? { sha256: normalizeDigest(q.sha256) } : {}),
        ...(q.previous ? { previous: normalizeDigest(q.previous) } : {}),
        limit: q.limit,
        ...(q.after !== undefined ? { afterSeq: q.after } : {}),
      });
      const views = await Promise.all(
        found.map(async (e) => describeEntry(e, await app.store.getEntryBatches(e.seq), e.cid ? await app.store.listReplicas(e.cid) : [])),
      );
      return { entries: views, next: found.length === q.limit ? (found[found.length - 1]?.seq ?? null) : null };
    },
  );

  app.get<{ Params: { id: string } }>(
    "/entries/:id/receipt",
    {
      schema: {
        summary: "The self-contained receipt (priorproof-receipt/2; /1 for entries stored before format 2) once anchored; 409 RECEIPT_PENDING before",
        tags: ["entries"],
        security: [{ bearer: [] }],
        params: idParams,
        response: { 200: ReceiptDocumentSchema, ...errorResponses },
      },
    },
    async (request) => app.receipts.getReceipt(await own(request.tenantId, request.params.id)),
  );
};

export default entries;
