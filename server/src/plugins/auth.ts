import { timingSafeEqual } from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import { AppError } from "../errors.ts";
import { createConsoleAuth, hasRole, type ConsoleAuth } from "../services/console-auth.ts";
import { parseCookies, SESSION_COOKIE } from "../services/cookies.ts";
import { hashApiKey } from "../services/keys.ts";
import type { Role, SessionRecord, UserRecord } from "../store/console.ts";

declare module "fastify" {
  interface FastifyInstance {
    authenticate: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
    /**
     * Authenticates a request that carries credentials — an Authorization header or a console session
     * cookie — exactly as `authenticate` (401 for a bad or unknown one) and lets one without any through
     * unauthenticated (`tenantId` empty).
     */
    authenticateIfPresent: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
    /** Console users, sessions and keys (services/console-auth.ts). */
    consoleAuth: ConsoleAuth;
    /** Refuses (403 CSRF_REFUSED) a request whose Origin or Sec-Fetch-Site names another site. */
    assertSameOrigin: (request: FastifyRequest) => void;
  }
  interface FastifyRequest {
    tenantId: string;
    /**
     * Id and hash of the request's API key (empty when not authenticated). For a console session the
     * id is `user:<user id>` (budgets and event streams count per user) and the hash is empty.
     */
    apiKeyId: string;
    apiKeyHash: string;
    /** Set when the key was revoked while the request was in flight (plugins/budgets.ts). */
    keyRevoked: boolean;
    /** The console user and session of a request authenticated by the session cookie, else null. */
    consoleUser: UserRecord | null;
    consoleSession: SessionRecord | null;
  }
  interface FastifyContextConfig {
    /**
     * The least console role a session needs for the route. Default: viewer for GET/HEAD/OPTIONS,
     * member for every other method. API keys keep full tenant rights.
     */
    minRole?: Role;
  }
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

function sameToken(given: unknown, expected: string): boolean {
  if (typeof given !== "string") return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Bearer API keys, or the console's session cookie. Keys are stored as SHA-256 hashes and looked up by
 * hash, so the comparison never touches the secret itself and takes the same time whatever the key.
 * A request authenticated by the cookie that changes state must carry the session's X-CSRF-Token and
 * come from this origin (Origin, Sec-Fetch-Site), and its user's role must reach the route's `minRole`.
 */
export default fp(
  async (app) => {
    const consoleAuth = createConsoleAuth({ store: app.store, warn: (message, error) => app.log.warn({ err: error }, message) });
    const allowedOrigins = new Set(app.config.publicUrl ? [new URL(app.config.publicUrl).origin] : []);

    const assertSameOrigin = (request: FastifyRequest) => {
      const site = request.headers["sec-fetch-site"];
      if (site !== undefined && site !== "same-origin" && site !== "none")
        throw new AppError("CSRF_REFUSED", `a request from another site (Sec-Fetch-Site: ${String(site).slice(0, 40)}) is refused`);
      const origin = request.headers.origin;
      if (origin === undefined) return;
      if (origin !== `${request.protocol}://${request.host}` && !allowedOrigins.has(origin))
        throw new AppError("CSRF_REFUSED", `a request from another origin (${origin.slice(0, 100)}) is refused`);
    };

    app.decorateRequest("tenantId", "");
    app.decorateRequest("apiKeyId", "");
    app.decorateRequest("apiKeyHash", "");
    app.decorateRequest("keyRevoked", false);
    app.decorateRequest("consoleUser", null);
    app.decorateRequest("consoleSession", null);
    app.decorate("consoleAuth", consoleAuth);
    app.decorate("assertSameOrigin", assertSameOrigin);
    app.decorate("authenticate", async (request: FastifyRequest) => {
      const header = request.headers.authorization;
      if (header !== undefined) {
        const match = typeof header === "string" ? /^Bearer\s+(\S+)$/i.exec(header) : null;
        if (!match?.[1]) throw new AppError("UNAUTHORIZED", "an API key is required: Authorization: Bearer <key>");
        const keyHash = hashApiKey(match[1]);
        const key = await app.store.findApiKey(keyHash);
        if (!key) throw new AppError("UNAUTHORIZED", "unknown or revoked API key");
        request.tenantId = key.tenantId;
        request.apiKeyId = key.id;
        request.apiKeyHash = keyHash;
        consoleAuth.keyUsed(key.id);
        return;
      }
      const sessionId = parseCookies(request.headers.cookie)[SESSION_COOKIE];
      if (!sessionId) throw new AppError("UNAUTHORIZED", "an API key (Authorization: Bearer <key>) or a console session is required");
      const found = await consoleAuth.session(sessionId);
      if (!found) throw new AppError("UNAUTHORIZED", "the console session has ended: log in again");
      const { user, session } = found;
      request.tenantId = user.tenantId;
      request.apiKeyId = `user:${user.id}`;
      request.consoleUser = user;
      request.consoleSession = session;
      const safe = SAFE_METHODS.has(request.method);
      if (!safe) {
        assertSameOrigin(request);
        if (!sameToken(request.headers["x-csrf-token"], session.csrfToken))
          throw new AppError("CSRF_REFUSED", "a request made with the console session needs the session's X-CSRF-Token header");
      }
      const least = request.routeOptions.config.minRole ?? (safe ? "viewer" : "member");
      if (!hasRole(user.role, least)) throw new AppError("FORBIDDEN", `this needs the ${least} role; you are ${user.role}`);
    });
    app.decorate("authenticateIfPresent", async (request: FastifyRequest, reply: FastifyReply) => {
      // Any credential is checked: a wrong one is refused, never silently read as "anonymous".
      if (request.headers.authorization !== undefined || parseCookies(request.headers.cookie)[SESSION_COOKIE]) await app.authenticate(request, reply);
    });
  },
  { name: "auth", dependencies: ["config", "store"] },
);
