import { Readable } from "node:stream";
import { PeriodReportSchema } from "@priorproof/client-sdk/api";
import type { FastifyPluginAsync } from "fastify";
import { AppError } from "../../errors.ts";
import { SOFTWARE } from "../../plugins/services.ts";
import { errorResponses } from "../../schemas/common.ts";
import type { CertificateLanguage } from "../../services/certificates/i18n.ts";
import { describeEntry } from "../../services/entries.ts";
import { ENTRY_FILTER_PROPERTIES, searchOf, type EntryFilterInput } from "../../services/entry-search.ts";
import { evidencePack, MAX_PACK_ENTRIES } from "../../services/evidence-pack.ts";
import type { EntrySearch } from "../../store/console.ts";
import type { EntryRecord } from "../../store/types.ts";

/** Entries in each list of a period report at most. */
const MAX_REPORT_ENTRIES = 1000;
const responses = { ...errorResponses, 403: { $ref: "ErrorBody#" } } as const;

/**
 * The lawyer's exports (docs/console.md): POST /v1/exports streams an evidence pack (ZIP) of chosen
 * entries or of a filter; GET /v1/reports/period lists what was stamped, what is pending and what
 * failed in a period (the quarterly IP check).
 */
const exportsRoutes: FastifyPluginAsync = async (app) => {
  const views = (entries: readonly EntryRecord[]) =>
    Promise.all(entries.map(async (e) => describeEntry(e, await app.store.getEntryBatches(e.seq), e.cid ? await app.store.listReplicas(e.cid) : [])));

  app.post<{ Body: { entryIds?: string[]; filter?: EntryFilterInput; lang?: CertificateLanguage } }>(
    "/exports",
    {
      config: { minRole: "member" },
      schema: {
        summary:
          "Evidence pack: a ZIP (streamed) of receipts, certificates, index.csv, index.json and portfolio.pdf " +
          `for the entries named or matching the filter (at most ${MAX_PACK_ENTRIES})`,
        tags: ["entries"],
        security: [{ bearer: [] }],
        body: {
          type: "object",
          additionalProperties: false,
          properties: {
            entryIds: { type: "array", minItems: 1, maxItems: MAX_PACK_ENTRIES, uniqueItems: true, items: { type: "string", maxLength: 64 } },
            filter: { type: "object", additionalProperties: false, properties: ENTRY_FILTER_PROPERTIES },
            lang: { type: "string", enum: ["en", "zh-CN"], default: "en", description: "language of the certificates and the portfolio report" },
          },
        },
        response: responses,
      },
    },
    async (request, reply) => {
      const { entryIds, filter, lang } = request.body;
      if (entryIds && filter) throw new AppError("VALIDATION_FAILED", "give entryIds or filter, not both");
      let entries: EntryRecord[];
      if (entryIds) {
        const found = new Map((await app.store.getEntriesByIds(entryIds)).filter((e) => e.tenantId === request.tenantId).map((e) => [e.id, e]));
        const missing = entryIds.find((id) => !found.has(id));
        // Another tenant's entry is reported exactly like a missing one.
        if (missing) throw new AppError("ENTRY_NOT_FOUND", `no entry ${missing}`);
        entries = entryIds.map((id) => found.get(id)!);
      } else {
        entries = await app.store.console.searchEntries(request.tenantId, { ...searchOf(filter ?? {}), limit: MAX_PACK_ENTRIES + 1 });
        if (entries.length > MAX_PACK_ENTRIES)
          throw new AppError("EXPORT_TOO_LARGE", `more than ${MAX_PACK_ENTRIES} entries match: narrow the filter`, { max: MAX_PACK_ENTRIES });
      }
      const tenantName = (await app.store.getTenant(request.tenantId))?.name ?? request.tenantId;
      const now = new Date();
      const pack = evidencePack({ store: app.store, receipts: app.receipts, certificates: app.certificates, software: SOFTWARE }, entries, {
        tenantId: request.tenantId,
        tenantName,
        language: lang ?? "en",
        selection: entryIds ? { entryIds } : { filter: filter ?? {} },
        now,
      });
      const body = Readable.from(pack, { objectMode: false, highWaterMark: 256 * 1024 });
      body.on("error", (error) => request.log.error({ err: error }, "evidence pack failed while streaming"));
      return reply
        .headers({
          "content-type": "application/zip",
          "content-disposition": `attachment; filename="priorproof-evidence-${now.toISOString().slice(0, 10)}.zip"`,
          "cache-control": "private, no-store",
        })
        .send(body);
    },
  );

  app.get<{ Querystring: { from: string; to: string } }>(
    "/reports/period",
    {
      schema: {
        summary:
          "What was received in a period (from inclusive, to exclusive; a date 'to' includes that day): stamped " +
          `(anchored or confirmed), pending (received or batched), failed (content not stored); at most ${MAX_REPORT_ENTRIES} each`,
        tags: ["entries"],
        security: [{ bearer: [] }],
        querystring: {
          type: "object",
          required: ["from", "to"],
          additionalProperties: false,
          properties: { from: ENTRY_FILTER_PROPERTIES.from, to: ENTRY_FILTER_PROPERTIES.to },
        },
        response: {
          200: PeriodReportSchema,
          ...responses,
        },
      },
    },
    async (request) => {
      const base = { ...searchOf({ from: request.query.from, to: request.query.to }), limit: MAX_REPORT_ENTRIES + 1 };
      const list = async (statuses: EntrySearch["status"][]) => {
        const all: EntryRecord[] = [];
        for (const status of statuses) all.push(...(await app.store.console.searchEntries(request.tenantId, { ...base, ...(status ? { status } : {}) })));
        return all.sort((a, b) => a.seq - b.seq);
      };
      const [stamped, pending, failed] = [await list(["anchored", "confirmed"]), await list(["received", "batched"]), await list(["failed"])];
      const truncated = [stamped, pending, failed].some((l) => l.length > MAX_REPORT_ENTRIES);
      return {
        from: base.from!,
        to: base.to!,
        stamped: await views(stamped.slice(0, MAX_REPORT_ENTRIES)),
        pending: await views(pending.slice(0, MAX_REPORT_ENTRIES)),
        failed: await views(failed.slice(0, MAX_REPORT_ENTRIES)),
        truncated,
      };
    },
  );
};

export default exportsRoutes;
