import rateLimit from "@fastify/rate-limit";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import { parseCookies, SESSION_COOKIE } from "../../services/cookies.ts";
import { hashApiKey } from "../../services/keys.ts";

/**
 * Requests a minute: per API key for authenticated requests, per IP (a tighter budget) for everything
 * else. Runs as a root onRequest hook, before any scope's own hooks (authentication).
 */
export default fp(
  async (app) => {
    const config = app.config;
    await app.register(rateLimit, {
      // Applied below as a root hook, so that it runs before the routes' own onRequest hooks (auth):
      // as a per-route hook it came after them, and requests refused with 401 were never counted.
      global: false,
      // Per key (or console user) for authenticated requests, per IP (a tighter budget) for everything else.
      max: (_request, key) => (key.startsWith("key:") ? config.rateLimitPerMinute : config.rateLimitAnonymousPerMinute),
      timeWindow: 60_000,
      // Per API key, by the key's id: a request with a made-up key counts against its IP instead, so
      // rotating bogus keys does not buy a fresh budget for guessing.
      keyGenerator: async (request) => {
        const match = typeof request.headers.authorization === "string" ? /^Bearer\s+(\S+)$/i.exec(request.headers.authorization) : null;
        const key = match?.[1] ? await app.store.findApiKey(hashApiKey(match[1])) : undefined;
        if (key) return `key:${key.id}`;
        // A console session has the budget of a key, per user.
        const session = match ? undefined : await app.consoleAuth.session(parseCookies(request.headers.cookie)[SESSION_COOKIE] ?? "");
        return session ? `key:user:${session.user.id}` : `ip:${request.ip}`;
      },
      errorResponseBuilder: (_request, context) => ({
        statusCode: 429,
        code: "RATE_LIMITED",
        error: "Too Many Requests",
        message: `rate limit of ${context.max} requests a minute exceeded`,
      }),
    });
    // Probes are exempt (an orchestrator polls them from one address): /healthz does no I/O, and /readyz
    // runs its checks at most once a second whoever asks (routes/public/health.ts).
    // (The plugin's hook is an async (request, reply) function, whatever its declared type.)
    const limit = app.rateLimit() as unknown as (this: FastifyInstance, request: FastifyRequest, reply: FastifyReply) => Promise<void>;
    app.addHook("onRequest", async function (request, reply) {
      const path = request.url.split("?")[0];
      if (request.method === "GET" && (path === "/healthz" || path === "/readyz")) return;
      await limit.call(this, request, reply);
    });
  },
  { name: "rate-limit", dependencies: ["config"] },
);
