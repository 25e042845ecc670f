import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import { AppError } from "../../errors.ts";
import { errorResponses } from "../../schemas/common.ts";
import { SESSION_MAX_MS, userView, type OpenedSession } from "../../services/console-auth.ts";
import { parseCookies, SESSION_COOKIE, sessionCookie } from "../../services/cookies.ts";
import { ROLES, type Role } from "../../store/console.ts";

const USER_VIEW = {
  type: "object",
  properties: {
    id: { type: "string" }, email: { type: "string" }, name: { type: ["string", "null"] }, role: { type: "string", enum: [...ROLES] },
    tenantId: { type: "string" }, createdAt: { type: "string" }, disabled: { type: "boolean" },
  },
} as const;
const SESSION_VIEW = { type: "object", properties: { user: USER_VIEW, csrfToken: { type: "string" } } } as const;
const KEY_VIEW = {
  type: "object",
  properties: { id: { type: "string" }, label: { type: ["string", "null"] }, createdAt: { type: "string" }, lastUsedAt: { type: ["string", "null"] }, revokedAt: { type: ["string", "null"] } },
} as const;
const EMAIL = { type: "string", minLength: 3, maxLength: 320 } as const;
const PASSWORD = { type: "string", minLength: 1, maxLength: 4096 } as const;
const NAME = { type: "string", maxLength: 200 } as const;
const ID_PARAMS = { type: "object", required: ["id"], properties: { id: { type: "string", maxLength: 64 } } } as const;
const responses = { ...errorResponses, 403: { $ref: "ErrorBody#" } } as const;
const admin = { minRole: "admin" } as const;
const anyRole = { minRole: "viewer" } as const;

/**
 * The web console's people and keys (docs/console.md): first-admin setup, login, the current session,
 * logout, users (admin) and API keys (admin). Sessions live in the `pp_session` cookie; see
 * plugins/auth.ts for CSRF and roles.
 */
const consoleRoutes: FastifyPluginAsync = async (app) => {
  const auth = app.consoleAuth;

  const startSession = (request: FastifyRequest, reply: FastifyReply, opened: OpenedSession) => {
    void reply.header("set-cookie", sessionCookie(opened.sessionId, { secure: request.protocol === "https", maxAgeSeconds: Math.floor(SESSION_MAX_MS / 1000) }));
    void reply.header("cache-control", "no-store");
    return { user: userView(opened.user), csrfToken: opened.csrfToken };
  };
  const endSession = (request: FastifyRequest, reply: FastifyReply) => {
    void reply.header("set-cookie", sessionCookie(null, { secure: request.protocol === "https" }));
    return reply.code(204).send();
  };
  const sessionOnly = (request: FastifyRequest) => {
    if (!request.consoleUser || !request.consoleSession) throw new AppError("UNAUTHORIZED", "this needs a console session (log in), not an API key");
    return { user: request.consoleUser, session: request.consoleSession };
  };

  app.get("/console/setup", {
    schema: { summary: "Whether the first admin is still to be created", tags: ["console"], response: { 200: { type: "object", properties: { needed: { type: "boolean" } } } } },
  }, async () => ({ needed: await auth.setupNeeded() }));

  app.post<{ Body: { token: string; email: string; password: string; name?: string } }>("/console/setup", {
    schema: {
      summary: "Create the first admin with the one-time token printed by npm start (a session starts)", tags: ["console"],
      body: { type: "object", required: ["token", "email", "password"], additionalProperties: false, properties: { token: { type: "string", maxLength: 200 }, email: EMAIL, password: PASSWORD, name: NAME } },
      response: { 201: SESSION_VIEW, ...responses },
    },
  }, async (request, reply) => {
    app.assertSameOrigin(request);
    const { token, email, password, name } = request.body;
    const opened = await auth.setup({ token, email, password, ...(name !== undefined ? { name } : {}) });
    return reply.code(201).send(startSession(request, reply, opened));
  });

  app.post<{ Body: { email: string; password: string; tenant?: string } }>("/console/login", {
    schema: {
      summary: "Log in (a session cookie and its CSRF token); 429 LOGIN_THROTTLED after 5 failures per account or 20 per address in 15 minutes", tags: ["console"],
      body: { type: "object", required: ["email", "password"], additionalProperties: false, properties: { email: EMAIL, password: PASSWORD, tenant: { type: "string", maxLength: 63 } } },
      response: { 200: SESSION_VIEW, ...responses },
    },
  }, async (request, reply) => {
    app.assertSameOrigin(request);
    const { email, password, tenant } = request.body;
    try {
      return startSession(request, reply, await auth.login({ email, password, ip: request.ip, ...(tenant !== undefined ? { tenant } : {}) }));
    } catch (e) {
      if (e instanceof AppError && e.code === "LOGIN_THROTTLED") void reply.header("retry-after", String((e.details as { retryAfterSeconds: number }).retryAfterSeconds));
      throw e;
    }
  });

  app.get("/console/me", {
    onRequest: app.authenticate, config: anyRole,
    schema: { summary: "The session's user and CSRF token", tags: ["console"], response: { 200: SESSION_VIEW, ...responses } },
  }, async (request, reply) => {
    const { user, session } = sessionOnly(request);
    void reply.header("cache-control", "no-store");
    return { user: userView(user), csrfToken: session.csrfToken };
  });

  app.post("/console/logout", {
    onRequest: app.authenticate, config: anyRole,
    schema: { summary: "End this session", tags: ["console"], response: responses },
  }, async (request, reply) => {
    sessionOnly(request);
    const sessionId = parseCookies(request.headers.cookie)[SESSION_COOKIE];
    if (sessionId) await auth.logout(sessionId);
    return endSession(request, reply);
  });

  app.post("/console/logout-all", {
    onRequest: app.authenticate, config: anyRole,
    schema: { summary: "End every session of this user (on every device)", tags: ["console"], response: responses },
  }, async (request, reply) => {
    await auth.logoutAll(sessionOnly(request).user.id);
    return endSession(request, reply);
  });

  app.get("/console/users", {
    onRequest: app.authenticate, config: admin,
    schema: { summary: "The tenant's console users (admin)", tags: ["console"], response: { 200: { type: "object", properties: { users: { type: "array", items: USER_VIEW } } }, ...responses } },
  }, async (request) => ({ users: (await auth.listUsers(request.tenantId)).map(userView) }));

  app.post<{ Body: { email: string; password: string; role: Role; name?: string } }>("/console/users", {
    onRequest: app.authenticate, config: admin,
    schema: {
      summary: "Add a console user (admin)", tags: ["console"],
      body: { type: "object", required: ["email", "password", "role"], additionalProperties: false, properties: { email: EMAIL, password: PASSWORD, role: { type: "string", enum: [...ROLES] }, name: NAME } },
      response: { 201: { type: "object", properties: { user: USER_VIEW } }, ...responses },
    },
  }, async (request, reply) => {
    const { email, password, role, name } = request.body;
    const user = await auth.createUser(request.tenantId, { email, password, role, ...(name !== undefined ? { name } : {}) });
    return reply.code(201).send({ user: userView(user) });
  });

  app.patch<{ Params: { id: string }; Body: { role?: Role; name?: string; disabled?: boolean } }>("/console/users/:id", {
    onRequest: app.authenticate, config: admin,
    schema: {
      summary: "Change a user's role or name, or disable them (their sessions end) (admin)", tags: ["console"], params: ID_PARAMS,
      body: { type: "object", additionalProperties: false, properties: { role: { type: "string", enum: [...ROLES] }, name: NAME, disabled: { type: "boolean" } } },
      response: { 200: { type: "object", properties: { user: USER_VIEW } }, ...responses },
    },
  }, async (request) => ({ user: userView(await auth.updateUser(request.tenantId, request.params.id, request.body)) }));

  app.delete<{ Params: { id: string } }>("/console/users/:id", {
    onRequest: app.authenticate, config: admin,
    schema: { summary: "Remove a user and end their sessions (admin)", tags: ["console"], params: ID_PARAMS, response: responses },
  }, async (request, reply) => {
    await auth.deleteUser(request.tenantId, request.params.id);
    return reply.code(204).send();
  });

  app.get("/console/keys", {
    onRequest: app.authenticate, config: admin,
    schema: { summary: "The tenant's API keys with their last use (admin)", tags: ["console"], response: { 200: { type: "object", properties: { keys: { type: "array", items: KEY_VIEW } } }, ...responses } },
  }, async (request) => ({ keys: await auth.listKeys(request.tenantId) }));

  app.post<{ Body: { label: string } }>("/console/keys", {
    onRequest: app.authenticate, config: admin,
    schema: {
      summary: "Create an API key (its secret is in this answer only) (admin)", tags: ["console"],
      body: { type: "object", required: ["label"], additionalProperties: false, properties: { label: { type: "string", minLength: 1, maxLength: 200 } } },
      response: { 201: { type: "object", properties: { id: { type: "string" }, label: { type: "string" }, key: { type: "string" } } }, ...responses },
    },
  }, async (request, reply) => {
    void reply.header("cache-control", "no-store");
    return reply.code(201).send(await auth.createKey(request.tenantId, request.body.label.trim()));
  });

  app.delete<{ Params: { id: string } }>("/console/keys/:id", {
    onRequest: app.authenticate, config: admin,
    schema: { summary: "Revoke an API key (admin)", tags: ["console"], params: ID_PARAMS, response: responses },
  }, async (request, reply) => {
    await auth.revokeKey(request.tenantId, request.params.id);
    return reply.code(204).send();
  });
};

export default consoleRoutes;
