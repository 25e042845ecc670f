import type { FastifyPluginAsync } from "fastify";
import { Readable } from "node:stream";
import { AppError } from "../../errors.ts";
import {
  type Capture,
  CaptureAnswerSchema,
  CaptureListSchema,
  CaptureOptionsSchema,
  type CaptureSchedule,
  ScheduleAnswerSchema,
  ScheduleListSchema,
} from "@priorproof/client-sdk/api";
import { errorResponses } from "../../schemas/common.ts";
import type { CaptureOptionsInput } from "../../services/capture/service.ts";
import { parseIdempotencyKey } from "../../services/idempotency.ts";
import type { CaptureRecord, CaptureScheduleRecord, ScheduleEvery } from "../../store/captures.ts";

function view(c: CaptureRecord): Capture {
  return {
    id: c.id,
    url: c.url,
    status: c.status,
    change: c.change,
    changed: c.changed,
    error: c.errorCode ? { code: c.errorCode, message: c.errorMessage ?? "" } : null,
    options: { ...c.options },
    scheduleId: c.scheduleId,
    finalUrl: c.finalUrl,
    manifestSha256: c.manifestSha256,
    manifestCid: c.manifestCid,
    entryId: c.entryId,
    previousId: c.previousId,
    previousSha256: c.previousSha256,
    parts: c.parts,
    createdAt: c.createdAt,
    startedAt: c.startedAt,
    finishedAt: c.finishedAt,
  };
}

function scheduleView(s: CaptureScheduleRecord): CaptureSchedule {
  return { id: s.id, url: s.url, every: s.every, options: { ...s.options }, nextRunAt: new Date(s.nextRunAt).toISOString(), createdAt: s.createdAt };
}

const ID_PARAMS = { type: "object", required: ["id"], properties: { id: { type: "string", maxLength: 64 } } } as const;

/**
 * Web captures (docs/capture.md): POST /v1/captures queues one (202), GET /v1/captures/:id follows it,
 * GET /v1/captures?url= is the history of a URL (newest first, each linked to the one before), the
 * manifest and parts download for `priorproof verify-capture`; /v1/capture-schedules holds the daily
 * or weekly captures for proof of use.
 */
const captures: FastifyPluginAsync = async (app) => {
  app.post<{ Body: { url: string; options?: CaptureOptionsInput } }>(
    "/captures",
    {
      schema: {
        summary: "Queue a web capture of a URL (screenshot, MHTML, network log, TLS chain; the manifest is stamped)",
        tags: ["captures"],
        security: [{ bearer: [] }],
        headers: { type: "object", properties: { "idempotency-key": { type: "string", maxLength: 300 } } },
        body: {
          type: "object",
          required: ["url"],
          additionalProperties: false,
          properties: { url: { type: "string", minLength: 1, maxLength: 4096 }, options: CaptureOptionsSchema },
        },
        response: { 202: CaptureAnswerSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      // Idempotency-Key (draft-ietf-httpapi-idempotency-key-header): a retry answers the capture the first
      // request queued; another request under the key is 422.
      const key = parseIdempotencyKey(request.headers["idempotency-key"]);
      const capture = await app.captures.submit(request.tenantId, request.body.url, request.body.options, key);
      if (capture.replayed) reply.header("idempotent-replayed", "true");
      return reply
        .code(202)
        .header("location", `/v1/captures/${capture.id}`)
        .send({ capture: view(capture) });
    },
  );

  app.get<{ Querystring: { url?: string; limit: number; before?: string } }>(
    "/captures",
    {
      schema: {
        summary: "The tenant's captures, newest first; ?url= gives one URL's history (lineage)",
        tags: ["captures"],
        security: [{ bearer: [] }],
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: {
            url: { type: "string", maxLength: 4096 },
            limit: { type: "integer", minimum: 1, maximum: 200, default: 50 },
            before: { type: "string", maxLength: 40, description: "createdAt of the last capture of the previous page" },
          },
        },
        response: { 200: CaptureListSchema, ...errorResponses },
      },
    },
    async (request) => {
      let url = request.query.url;
      if (url !== undefined) {
        try {
          const u = new URL(url);
          u.hash = "";
          url = u.href;
        } catch {
          throw new AppError("VALIDATION_FAILED", "url must be an absolute URL");
        }
      }
      const list = await app.captures.list(request.tenantId, {
        limit: request.query.limit,
        ...(url !== undefined ? { url } : {}),
        ...(request.query.before ? { beforeCreatedAt: request.query.before } : {}),
      });
      return { captures: list.map(view) };
    },
  );

  app.get<{ Params: { id: string } }>(
    "/captures/:id",
    {
      schema: {
        summary: "One capture",
        tags: ["captures"],
        security: [{ bearer: [] }],
        params: ID_PARAMS,
        response: { 200: CaptureAnswerSchema, ...errorResponses },
      },
    },
    async (request) => ({ capture: view(await app.captures.get(request.tenantId, request.params.id)) }),
  );

  app.get<{ Params: { id: string } }>(
    "/captures/:id/manifest",
    {
      schema: {
        summary: "The manifest bytes exactly as stamped (priorproof-capture/1, canonical JSON)",
        tags: ["captures"],
        security: [{ bearer: [] }],
        params: ID_PARAMS,
        response: errorResponses,
      },
    },
    async (request, reply) => {
      const c = await app.captures.get(request.tenantId, request.params.id);
      if (!c.manifest) throw new AppError("CAPTURE_NOT_READY", `capture ${c.id} has no manifest (status ${c.status})`);
      return reply.type("application/json").header("content-disposition", 'attachment; filename="manifest.json"').send(Buffer.from(c.manifest, "utf8"));
    },
  );

  app.get<{ Params: { id: string; name: string } }>(
    "/captures/:id/parts/:name",
    {
      schema: {
        summary: "One part of a capture, from IPFS (its SHA-256 is in the manifest)",
        tags: ["captures"],
        security: [{ bearer: [] }],
        params: {
          type: "object",
          required: ["id", "name"],
          properties: { id: { type: "string", maxLength: 64 }, name: { type: "string", pattern: "^[a-z0-9][a-z0-9._-]{0,63}$" } },
        },
        response: errorResponses,
      },
    },
    async (request, reply) => {
      const { part, body } = await app.captures.readPart(request.tenantId, request.params.id, request.params.name);
      // Served as bytes to download, never rendered by the service's origin (a captured page is hostile).
      return reply
        .type("application/octet-stream")
        .header("content-disposition", `attachment; filename="${part.name}"`)
        .header("x-content-type-options", "nosniff")
        .header("content-length", String(part.size))
        .send(Readable.from(body));
    },
  );

  app.get<{ Params: { id: string } }>(
    "/captures/:id/facts",
    {
      schema: {
        summary: "What a certificate states about the capture (screenshot scaled, base64 PNG)",
        tags: ["captures"],
        security: [{ bearer: [] }],
        params: ID_PARAMS,
        response: errorResponses,
      },
    },
    async (request) => {
      const facts = (await app.captures.getFacts(request.tenantId, { captureId: request.params.id }))!;
      return { facts: { ...facts, screenshot: facts.screenshot ? { ...facts.screenshot, png: Buffer.from(facts.screenshot.png).toString("base64") } : null } };
    },
  );

  app.post<{ Body: { url: string; every: ScheduleEvery; options?: CaptureOptionsInput } }>(
    "/capture-schedules",
    {
      config: { minRole: "admin" },
      schema: {
        summary: "Capture a URL daily or weekly (proof of use); the first capture is due at once",
        tags: ["captures"],
        security: [{ bearer: [] }],
        body: {
          type: "object",
          required: ["url", "every"],
          additionalProperties: false,
          properties: {
            url: { type: "string", minLength: 1, maxLength: 4096 },
            every: { type: "string", enum: ["daily", "weekly"] },
            options: CaptureOptionsSchema,
          },
        },
        response: { 201: ScheduleAnswerSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const s = await app.captures.addSchedule(request.tenantId, request.body.url, request.body.every, request.body.options);
      return reply.code(201).send({ schedule: scheduleView(s) });
    },
  );

  app.get(
    "/capture-schedules",
    {
      schema: {
        summary: "The tenant's capture schedules",
        tags: ["captures"],
        security: [{ bearer: [] }],
        response: { 200: ScheduleListSchema, ...errorResponses },
      },
    },
    async (request) => ({ schedules: (await app.captures.listSchedules(request.tenantId)).map(scheduleView) }),
  );

  app.delete<{ Params: { id: string } }>(
    "/capture-schedules/:id",
    {
      config: { minRole: "admin" },
      schema: { summary: "Stop a schedule (its captures stay)", tags: ["captures"], security: [{ bearer: [] }], params: ID_PARAMS, response: errorResponses },
    },
    async (request, reply) => {
      await app.captures.deleteSchedule(request.tenantId, request.params.id);
      return reply.code(204).send();
    },
  );
};

export default captures;
