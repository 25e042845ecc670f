import type { FastifyPluginAsync } from "fastify";
import { buildConsole } from "../../../../client-sdk/scripts/build-console.ts";

/**
 * The console's Content-Security-Policy: scripts, styles and the hashing worker from this origin only
 * (no inline code, no CDN), requests to this origin only, never framed. Downloads use blob: URLs.
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "worker-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data: blob:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

/**
 * GET /app and every client route under it — the web console (issue 18): one index.html naming the
 * content-hashed bundle; GET /app/assets/<file> — the bundle, cached for good (its name changes with it).
 */
const consolePage: FastifyPluginAsync = async (app) => {
  const index = async (_request: unknown, reply: import("fastify").FastifyReply) => {
    const { html } = await buildConsole();
    return reply.type("text/html; charset=utf-8").header("cache-control", "no-cache").header("content-security-policy", CONSOLE_CSP).send(html);
  };
  const schema = { hide: true } as const;
  app.get("/app", { schema }, index);
  app.get("/app/*", { schema }, index);
  app.get<{ Params: { file: string } }>("/app/assets/:file", { schema }, async (request, reply) => {
    const asset = (await buildConsole()).assets.get(request.params.file);
    if (!asset) return reply.code(404).send({ error: { code: "NOT_FOUND", message: `no asset ${request.params.file.slice(0, 80)}` } });
    return reply
      .type(asset.type)
      .header("cache-control", "public, max-age=31536000, immutable")
      .header("content-security-policy", CONSOLE_CSP)
      .send(Buffer.from(asset.body));
  });
};

export default consolePage;
