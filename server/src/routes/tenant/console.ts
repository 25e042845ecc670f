import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import { AppError } from "../../errors.ts";
import { errorResponses } from "../../schemas/common.ts";
import { userView } from "../../services/console-auth.ts";
import { parseCookies, SESSION_COOKIE, sessionCookie } from "../../services/cookies.ts";
import { ConsoleKeyListSchema, ConsoleSessionSchema, ConsoleUserAnswerSchema, ConsoleUserListSchema, CreatedKeySchema } from "@priorproof/client-sdk/api";
import { EMAIL, NAME, PASSWORD } from "../../schemas/console.ts";
import { ROLES, type Role } from "../../store/console.ts";

const ID_PARAMS = { type: "object", required: ["id"], properties: { id: { type: "string", maxLength: 64 } } } as const;
const responses = { ...errorResponses, 403: { $ref: "ErrorBody#" } } as const;
const admin = { minRole: "admin" } as const;
const anyRole = { minRole: "viewer" } as const;

/**
 * The web console's people and keys (docs/console.md): the current session, logout, users (admin) and
 * API keys (admin). Sessions live in the `pp_session` cookie; see plugins/auth.ts for CSRF and roles.
 * Setup and login, which have no session yet, are in ../public/console.ts.
 */
const consoleRoutes: FastifyPluginAsync = async (app) => {
  const auth = app.consoleAuth;

  const endSession = (request: FastifyRequest, reply: FastifyReply) => {
    void reply.header("set-cookie", sessionCookie(null, { secure: request.protocol === "https" }));
    return reply.code(204).send();
  };
  const sessionOnly = (request: FastifyRequest) => {
    if (!request.consoleUser || !request.consoleSession) throw new AppError("UNAUTHORIZED", "this needs a console session (log in), not an API key");
    return { user: request.consoleUser, session: request.consoleSession };
  };

  app.get(
    "/console/me",
    {
      config: anyRole,
      schema: { summary: "The session's user and CSRF token", tags: ["console"], response: { 200: ConsoleSessionSchema, ...responses } },
    },
    async (request, reply) => {
      const { user, session } = sessionOnly(request);
      void reply.header("cache-control", "no-store");
      return { user: userView(user), csrfToken: session.csrfToken };
    },
  );

  app.post(
    "/console/logout",
    {
      config: anyRole,
      schema: { summary: "End this session", tags: ["console"], response: responses },
    },
    async (request, reply) => {
      sessionOnly(request);
      const sessionId = parseCookies(request.headers.cookie)[SESSION_COOKIE];
      if (sessionId) await auth.logout(sessionId);
      return endSession(request, reply);
    },
  );

  app.post(
    "/console/logout-all",
    {
      config: anyRole,
      schema: { summary: "End every session of this user (on every device)", tags: ["console"], response: responses },
    },
    async (request, reply) => {
      await auth.logoutAll(sessionOnly(request).user.id);
      return endSession(request, reply);
    },
  );

  app.get(
    "/console/users",
    {
      config: admin,
      schema: { summary: "The tenant's console users (admin)", tags: ["console"], response: { 200: ConsoleUserListSchema, ...responses } },
    },
    async (request) => ({ users: (await auth.listUsers(request.tenantId)).map(userView) }),
  );

  app.post<{ Body: { email: string; password: string; role: Role; name?: string } }>(
    "/console/users",
    {
      config: admin,
      schema: {
        summary: "Add a console user (admin)",
        tags: ["console"],
        body: {
          type: "object",
          required: ["email", "password", "role"],
          additionalProperties: false,
          properties: { email: EMAIL, password: PASSWORD, role: { type: "string", enum: [...ROLES] }, name: NAME },
        },
        response: { 201: ConsoleUserAnswerSchema, ...responses },
      },
    },
    async (request, reply) => {
      const { email, password, role, name } = request.body;
      const user = await auth.createUser(request.tenantId, { email, password, role, ...(name !== undefined ? { name } : {}) });
      return reply.code(201).send({ user: userView(user) });
    },
  );

  app.patch<{ Params: { id: string }; Body: { role?: Role; name?: string; disabled?: boolean } }>(
    "/console/users/:id",
    {
      config: admin,
      schema: {
        summary: "Change a user's role or name, or disable them (their sessions end) (admin)",
        tags: ["console"],
        params: ID_PARAMS,
        body: {
          type: "object",
          additionalProperties: false,
          properties: { role: { type: "string", enum: [...ROLES] }, name: NAME, disabled: { type: "boolean" } },
        },
        response: { 200: ConsoleUserAnswerSchema, ...responses },
      },
    },
    async (request) => ({ user: userView(await auth.updateUser(request.tenantId, request.params.id, request.body)) }),
  );

  app.delete<{ Params: { id: string } }>(
    "/console/users/:id",
    {
      config: admin,
      schema: { summary: "Remove a user and end their sessions (admin)", tags: ["console"], params: ID_PARAMS, response: responses },
    },
    async (request, reply) => {
      await auth.deleteUser(request.tenantId, request.params.id);
      return reply.code(204).send();
    },
  );

  app.get(
    "/console/keys",
    {
      config: admin,
      schema: { summary: "The tenant's API keys with their last use (admin)", tags: ["console"], response: { 200: ConsoleKeyListSchema, ...responses } },
    },
    async (request) => ({ keys: await auth.listKeys(request.tenantId) }),
  );

  app.post<{ Body: { label: string } }>(
    "/console/keys",
    {
      config: admin,
      schema: {
        summary: "Create an API key (its secret is in this answer only) (admin)",
        tags: ["console"],
        body: { type: "object", required: ["label"], additionalProperties: false, properties: { label: { type: "string", minLength: 1, maxLength: 200 } } },
        response: { 201: CreatedKeySchema, ...responses },
      },
    },
    async (request, reply) => {
      void reply.header("cache-control", "no-store");
      return reply.code(201).send(await auth.createKey(request.tenantId, request.body.label.trim()));
    },
  );

  app.delete<{ Params: { id: string } }>(
    "/console/keys/:id",
    {
      config: admin,
      schema: { summary: "Revoke an API key (admin)", tags: ["console"], params: ID_PARAMS, response: responses },
    },
    async (request, reply) => {
      await auth.revokeKey(request.tenantId, request.params.id);
      return reply.code(204).send();
    },
  );
};

export default consoleRoutes;
