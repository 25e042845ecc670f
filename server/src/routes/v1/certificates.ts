import type { FastifyPluginAsync } from "fastify";
import { AppError } from "../../errors.ts";
import { SOFTWARE } from "../../plugins/services.ts";
import { errorResponses } from "../../schemas/common.ts";
import type { CertificateLanguage } from "../../services/certificates.ts";

/** GET /v1/entries/:id/certificate.pdf — the court certificate of an anchored entry (the tenant's own). */
const certificates: FastifyPluginAsync = async (app) => {
  app.get<{ Params: { id: string }; Querystring: { lang: CertificateLanguage } }>(
    "/entries/:id/certificate.pdf",
    {
      onRequest: app.authenticate,
      schema: {
        summary: "The PDF certificate (receipt attached); 409 RECEIPT_PENDING before the entry is anchored",
        tags: ["entries"],
        security: [{ bearer: [] }],
        params: { type: "object", required: ["id"], properties: { id: { type: "string", maxLength: 64 } } },
        querystring: { type: "object", additionalProperties: false, properties: { lang: { type: "string", enum: ["en", "zh-CN"], default: "en" } } },
        response: errorResponses,
      },
    },
    async (request, reply) => {
      const entry = await app.store.getEntry(request.params.id);
      if (!entry || entry.tenantId !== request.tenantId) throw new AppError("ENTRY_NOT_FOUND", `no entry ${request.params.id}`);
      const receipt = await app.receipts.getReceipt(entry);
      const origin = app.config.publicUrl ?? `${request.protocol}://${request.host}`;
      // Loaded on first use: pdf-lib, fontkit and the QR encoder take ~20 MB that an idle server need not hold.
      const { renderCertificate } = await import("../../services/certificates.ts");
      const pdf = await renderCertificate({
        receipt,
        language: request.query.lang,
        verifyUrl: `${origin}/verify#sha256=${receipt.subject.sha256}`,
        generatedAt: new Date(),
        software: SOFTWARE,
        ...(app.config.organisationTimeZone ? { organisationTimeZone: app.config.organisationTimeZone } : {}),
      });
      return reply
        .type("application/pdf")
        .header("content-disposition", `attachment; filename="priorproof-${entry.id}.pdf"`)
        .send(Buffer.from(pdf));
    },
  );
};

export default certificates;
