import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import { AppError } from "../../errors.ts";
import { errorResponses } from "../../schemas/common.ts";
import { SESSION_MAX_MS, userView, type OpenedSession } from "../../services/console-auth.ts";
import { sessionCookie } from "../../services/cookies.ts";
import { ConsoleSessionSchema, SetupStatusSchema } from "@priorproof/client-sdk/api";
import { EMAIL, NAME, PASSWORD } from "../../schemas/console.ts";
const responses = { ...errorResponses, 403: { $ref: "ErrorBody#" } } as const;

/**
 * The console's routes without a session (docs/console.md): whether the first admin is still to be
 * created, the first-admin setup with the one-time token `npm start` prints, and login. Both refuse a
 * request from another origin.
 */
const consoleRoutes: FastifyPluginAsync = async (app) => {
  const auth = app.consoleAuth;
  const startSession = (request: FastifyRequest, reply: FastifyReply, opened: OpenedSession) => {
    void reply.header(
      "set-cookie",
      sessionCookie(opened.sessionId, { secure: request.protocol === "https", maxAgeSeconds: Math.floor(SESSION_MAX_MS / 1000) }),
    );
    void reply.header("cache-control", "no-store");
    return { user: userView(opened.user), csrfToken: opened.csrfToken };
  };

  app.get(
    "/console/setup",
    {
      schema: { summary: "Whether the first admin is still to be created", tags: ["console"], response: { 200: SetupStatusSchema } },
    },
    async () => ({ needed: await auth.setupNeeded() }),
  );

  app.post<{ Body: { token: string; email: string; password: string; name?: string } }>(
    "/console/setup",
    {
      schema: {
        summary: "Create the first admin with the one-time token printed by npm start (a session starts)",
        tags: ["console"],
        body: {
          type: "object",
          required: ["token", "email", "password"],
          additionalProperties: false,
          properties: { token: { type: "string", maxLength: 200 }, email: EMAIL, password: PASSWORD, name: NAME },
        },
        response: { 201: ConsoleSessionSchema, ...responses },
      },
    },
    async (request, reply) => {
      app.assertSameOrigin(request);
      const { token, email, password, name } = request.body;
      const opened = await auth.setup({ token, email, password, ...(name !== undefined ? { name } : {}) });
      return reply.code(201).send(startSession(request, reply, opened));
    },
  );

  app.post<{ Body: { email: string; password: string; tenant?: string } }>(
    "/console/login",
    {
      schema: {
        summary: "Log in (a session cookie and its CSRF token); 429 LOGIN_THROTTLED after 5 failures per account or 20 per address in 15 minutes",
        tags: ["console"],
        body: {
          type: "object",
          required: ["email", "password"],
          additionalProperties: false,
          properties: { email: EMAIL, password: PASSWORD, tenant: { type: "string", maxLength: 63 } },
        },
        response: { 200: ConsoleSessionSchema, ...responses },
      },
    },
    async (request, reply) => {
      app.assertSameOrigin(request);
      const { email, password, tenant } = request.body;
      try {
        return startSession(request, reply, await auth.login({ email, password, ip: request.ip, ...(tenant !== undefined ? { tenant } : {}) }));
      } catch (e) {
        if (e instanceof AppError && e.code === "LOGIN_THROTTLED")
          void reply.header("retry-after", String((e.details as { retryAfterSeconds: number }).retryAfterSeconds));
        throw e;
      }
    },
  );
};

export default consoleRoutes;
