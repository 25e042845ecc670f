import type { FastifyPluginAsync } from "fastify";
import { AppError } from "../../errors.ts";
import { parseCookies, SESSION_COOKIE } from "../../services/cookies.ts";
import { createStreamRegistry } from "../../services/event-streams.ts";

/**
 * GET /v1/events — Server-Sent Events of the tenant's outbox: every status change of its entries
 * (`entry.status`: pending, batched, anchored, confirmed, back to batched after a reorganisation), pin
 * and replica changes (`entry.pin`, `entry.replica`), RFC 3161 tokens (`entry.timestamp`) and web
 * capture outcomes (`capture.completed`, `capture.changed`, `capture.failed`). Each event
 * carries `id: <seq>` (the tenant's event number); a client that reconnects with `Last-Event-ID` (or
 * `?after=`) gets every event after it. `?entry=<id>` narrows to one entry.
 */
const events: FastifyPluginAsync = async (app) => {
  const { streamsPerKey, streamsMax } = app.config.events;
  const streams = createStreamRegistry({ store: app.store, perKey: streamsPerKey, max: streamsMax, log: app.log });
  app.addHook("onClose", async () => streams.closeAll());
  app.get<{ Querystring: { entry?: string; after?: number }; Headers: { "last-event-id"?: string } }>(
    "/events",
    {
      schema: {
        summary: "Server-Sent Events of the tenant's entry events (text/event-stream); resumable with Last-Event-ID",
        tags: ["entries"],
        security: [{ bearer: [] }],
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: { entry: { type: "string", maxLength: 64 }, after: { type: "integer", minimum: 0, maximum: Number.MAX_SAFE_INTEGER } },
        },
        headers: { type: "object", properties: { "last-event-id": { type: "string", pattern: "^[0-9]{1,15}$" } } },
      },
    },
    async (request, reply) => {
      const header = request.headers["last-event-id"];
      let after = header !== undefined ? Number(header) : request.query.after;
      const only = request.query.entry;
      const abort = new AbortController();
      const res = reply.raw;
      const end = () => {
        abort.abort();
        if (!res.writableEnded) res.end();
      };
      // A console session's stream lives as long as the session: sign-out (here or everywhere), expiry or a
      // disabled user ends it within about a second.
      const sessionId = request.consoleSession ? parseCookies(request.headers.cookie)[SESSION_COOKIE] : undefined;
      const alive = sessionId ? async () => (await app.consoleAuth.session(sessionId)) !== undefined : undefined;
      const slot = streams.open(request.apiKeyId, end, alive);
      if ("refused" in slot) {
        throw new AppError(
          "TOO_MANY_STREAMS",
          slot.refused === "key" ? `this API key already has ${streamsPerKey} open event streams` : `this node already serves ${streamsMax} event streams`,
          { limit: slot.refused === "key" ? streamsPerKey : streamsMax, scope: slot.refused },
        );
      }
      reply.hijack();
      res.writeHead(200, {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-store, no-transform",
        connection: "keep-alive",
        "x-accel-buffering": "no",
      });
      res.write(": priorproof events\n\n");
      const heartbeat = setInterval(() => res.write(": keep-alive\n\n"), 15_000);
      request.raw.on("close", end);
      res.on("close", end);
      try {
        if (after !== undefined) {
          // Events older than the retention are gone: say so, so that the client can resynchronise.
          const first = await app.store.firstEventSeq(request.tenantId);
          const last = await app.store.lastEventSeq(request.tenantId);
          if (after < last && (first === undefined || first > after + 1)) {
            res.write(`event: stream.gap\ndata: ${JSON.stringify({ after, firstAvailable: first ?? last + 1 })}\n\n`);
          } else if (after > last) {
            // An id this tenant never issued (another service, a restored database): start from now, and say so.
            res.write(`event: stream.reset\ndata: ${JSON.stringify({ after, last })}\n\n`);
            after = last;
          }
        }
        for await (const e of app.events.follow(request.tenantId, after, abort.signal)) {
          if (only && e.entryId !== only) continue;
          const ok = res.write(`id: ${e.seq}\nevent: ${e.type}\ndata: ${JSON.stringify({ ...e.data, seq: e.seq })}\n\n`);
          // A slow reader holds one page at most: wait for the socket to drain before reading on.
          if (!ok && !abort.signal.aborted)
            await new Promise<void>((r) => {
              res.once("drain", r);
              abort.signal.addEventListener("abort", () => r(), { once: true });
            });
        }
      } catch (e) {
        if (!abort.signal.aborted) request.log.warn({ err: e }, "event stream failed");
      } finally {
        clearInterval(heartbeat);
        slot.release();
        end();
      }
    },
  );
};

export default events;
