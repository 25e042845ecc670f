import type { FastifyReply, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import { AppError } from "../errors.ts";
import { hashApiKey } from "../services/keys.ts";

declare module "fastify" {
  interface FastifyInstance {
    authenticate: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
    /**
     * Authenticates a request that carries an Authorization header (401 for a bad or unknown key, as
     * `authenticate`) and lets one without it through unauthenticated (`tenantId` empty).
     */
    authenticateIfPresent: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  }
  interface FastifyRequest {
    tenantId: string;
    /** Id and hash of the request's API key (empty when not authenticated). */
    apiKeyId: string;
    apiKeyHash: string;
    /** Set when the key was revoked while the request was in flight (plugins/budgets.ts). */
    keyRevoked: boolean;
  }
}

/**
 * Bearer API keys. Keys are stored as SHA-256 hashes and looked up by hash, so the comparison never
 * touches the secret itself and takes the same time whatever the key.
 */
export default fp(
  async (app) => {
    app.decorateRequest("tenantId", "");
    app.decorateRequest("apiKeyId", "");
    app.decorateRequest("apiKeyHash", "");
    app.decorateRequest("keyRevoked", false);
    const authenticate = async (request: FastifyRequest) => {
      const header = request.headers.authorization;
      const match = typeof header === "string" ? /^Bearer\s+(\S+)$/i.exec(header) : null;
      if (!match?.[1]) throw new AppError("UNAUTHORIZED", "an API key is required: Authorization: Bearer <key>");
      const keyHash = hashApiKey(match[1]);
      const key = await app.store.findApiKey(keyHash);
      if (!key) throw new AppError("UNAUTHORIZED", "unknown or revoked API key");
      request.tenantId = key.tenantId;
      request.apiKeyId = key.id;
      request.apiKeyHash = keyHash;
    };
    app.decorate("authenticate", authenticate);
    app.decorate("authenticateIfPresent", async (request: FastifyRequest) => {
      // Any Authorization header is checked: a wrong key is refused, never silently read as "anonymous".
      if (request.headers.authorization !== undefined) await authenticate(request);
    });
  },
  { name: "auth", dependencies: ["store"] },
);
