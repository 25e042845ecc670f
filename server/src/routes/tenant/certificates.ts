import type { FastifyPluginAsync } from "fastify";
import { type CertificateSettings, CertificateSettingsSchema } from "@priorproof/client-sdk/api";
import { errorResponses } from "../../schemas/common.ts";
import type { CertificateLanguage } from "../../services/certificates/i18n.ts";
import { JURISDICTIONS, type Jurisdiction } from "../../services/certificates/packs.ts";

type DocQuery = { lang: CertificateLanguage; jurisdiction?: Jurisdiction };
const docQuery = {
  lang: { type: "string", enum: ["en", "zh-CN"], default: "en" },
  jurisdiction: {
    type: "string",
    enum: [...JURISDICTIONS],
    description: "legal text: cn (PRC), us (FRE 902(13)/(14)), eu (eIDAS); default CERTIFICATE_JURISDICTION",
  },
} as const;
const pdfHeaders = (name: string) => ({
  "content-type": "application/pdf",
  "content-disposition": `attachment; filename="${name}"`,
  "cache-control": "private, no-store",
});

/**
 * The tenant's own documents: an entry's certificate, the lineage document of its work's versions, and
 * the portfolio report of all its entries. 409 RECEIPT_PENDING before anchoring; 409
 * CERTIFICATE_NEEDS_OPERATOR / CERTIFICATE_NEEDS_PUBLIC_URL for a non-development chain on an
 * unconfigured instance.
 */
const certificates: FastifyPluginAsync = async (app) => {
  const idParams = { type: "object", required: ["id"], properties: { id: { type: "string", maxLength: 64 } } } as const;

  app.get<{ Params: { id: string }; Querystring: DocQuery }>(
    "/entries/:id/certificate.pdf",
    {
      schema: {
        summary: "The PDF/A-3 certificate of an anchored entry (receipt attached)",
        tags: ["entries"],
        security: [{ bearer: [] }],
        params: idParams,
        querystring: { type: "object", additionalProperties: false, properties: docQuery },
        response: errorResponses,
      },
    },
    async (request, reply) => {
      const { lang, jurisdiction } = request.query;
      const pdf = await app.certificates.entry(request.tenantId, request.params.id, { language: lang, ...(jurisdiction ? { jurisdiction } : {}) });
      return reply.headers(pdfHeaders(`priorproof-${request.params.id}.pdf`)).send(Buffer.from(pdf));
    },
  );

  app.get<{ Params: { id: string }; Querystring: DocQuery }>(
    "/entries/:id/lineage.pdf",
    {
      schema: {
        summary: "One document for every version of the entry's work (linked by claim.previous), each with its proof and receipt",
        tags: ["entries"],
        security: [{ bearer: [] }],
        params: idParams,
        querystring: { type: "object", additionalProperties: false, properties: docQuery },
        response: errorResponses,
      },
    },
    async (request, reply) => {
      const { lang, jurisdiction } = request.query;
      const pdf = await app.certificates.lineage(request.tenantId, request.params.id, { language: lang, ...(jurisdiction ? { jurisdiction } : {}) });
      return reply.headers(pdfHeaders(`priorproof-lineage-${request.params.id}.pdf`)).send(Buffer.from(pdf));
    },
  );

  app.get(
    "/certificate-settings",
    {
      schema: {
        summary: "The account's default certificate jurisdiction (null: the instance's CERTIFICATE_JURISDICTION)",
        tags: ["entries"],
        security: [{ bearer: [] }],
        response: { 200: CertificateSettingsSchema, ...errorResponses },
      },
    },
    async (request): Promise<CertificateSettings> => app.certificates.getSettings(request.tenantId),
  );
  app.put<{ Body: { jurisdiction: Jurisdiction | null } }>(
    "/certificate-settings",
    {
      config: { minRole: "admin" },
      schema: {
        summary: "Sets the account's default certificate jurisdiction (cn, us, eu; null clears it)",
        tags: ["entries"],
        security: [{ bearer: [] }],
        body: {
          type: "object",
          required: ["jurisdiction"],
          additionalProperties: false,
          properties: { jurisdiction: { type: ["string", "null"], enum: [...JURISDICTIONS, null] } },
        },
        response: { 200: CertificateSettingsSchema, ...errorResponses },
      },
    },
    async (request): Promise<CertificateSettings> => app.certificates.setSettings(request.tenantId, { jurisdiction: request.body.jurisdiction }),
  );

  app.get<{ Querystring: { lang: CertificateLanguage; status?: string; kind?: string; limit: number } }>(
    "/portfolio.pdf",
    {
      schema: {
        summary: "Portfolio report: every entry of the account (or those matching status/kind) with statuses and anchors; receipts attached",
        tags: ["entries"],
        security: [{ bearer: [] }],
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: {
            lang: docQuery.lang,
            status: { type: "string", enum: ["pending", "batched", "anchored", "confirmed"] },
            kind: { type: "string", enum: ["design", "trademark", "ai-image", "source", "other"] },
            limit: { type: "integer", minimum: 1, maximum: 500, default: 500 },
          },
        },
        response: errorResponses,
      },
    },
    async (request, reply) => {
      const { lang, status, kind, limit } = request.query;
      const pdf = await app.certificates.portfolio(request.tenantId, { language: lang, limit, ...(status ? { status } : {}), ...(kind ? { kind } : {}) });
      return reply.headers(pdfHeaders("priorproof-portfolio.pdf")).send(Buffer.from(pdf));
    },
  );
};

export default certificates;
