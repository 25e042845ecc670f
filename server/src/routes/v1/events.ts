import type { FastifyPluginAsync } from "fastify";

/**
 * GET /v1/events — Server-Sent Events of the tenant's entry status changes
 * (`event: entry.status`, data = JSON). `?entry=<id>` narrows to one entry.
 */
const events: FastifyPluginAsync = async (app) => {
  const open = new Set<() => void>();
  app.addHook("onClose", async () => {
    for (const end of open) end();
  });
  app.get<{ Querystring: { entry?: string } }>(
    "/events",
    {
      onRequest: app.authenticate,
      schema: {
        summary: "Server-Sent Events of entry status changes (text/event-stream)",
        tags: ["entries"],
        security: [{ bearer: [] }],
        querystring: { type: "object", additionalProperties: false, properties: { entry: { type: "string", maxLength: 64 } } },
      },
    },
    async (request, reply) => {
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache, no-transform", connection: "keep-alive", "x-accel-buffering": "no" });
      res.write(": priorproof events\n\n");
      const only = request.query.entry;
      const unsubscribe = app.events.subscribe(request.tenantId, (event) => {
        if (only && event.entryId !== only) return;
        res.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
      });
      const heartbeat = setInterval(() => res.write(": keep-alive\n\n"), 15_000);
      const end = () => {
        clearInterval(heartbeat);
        unsubscribe();
        open.delete(end);
        if (!res.writableEnded) res.end();
      };
      open.add(end);
      request.raw.on("close", end);
    },
  );
};

export default events;
