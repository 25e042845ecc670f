/**
 * Routes answered without an API key: probes and metrics (metrics with their own token), the
 * well-known document, the verification page, the web console's page (/app), and the public digest lookup and receipt verification
 * under /v1/verify, and the console's first-admin setup and login (docs/console.md); and, where a key
 * is optional, GET /ipfs/:cid (published content for anyone, a tenant's own content with its key or
 * console session; a wrong credential is 401). Anything else belongs in ../tenant/, whose scope
 * authenticates every route.
 */
import type { FastifyPluginAsync } from "fastify";
import multipart from "../../plugins/external/multipart.ts";
import consolePage from "./console-page.ts";
import consoleRoutes from "./console.ts";
import health from "./health.ts";
import ipfs, { varyWith } from "./ipfs.ts";
import verifyPage from "./verify-page.ts";
import verify from "./verify.ts";
import wellKnown from "./well-known.ts";

/** The public routes under /v1 (method and path as Fastify registers them), for the route audit test. */
export const PUBLIC_V1_ROUTES = [
  "GET /v1/verify",
  "POST /v1/verify",
  "POST /v1/verify/file",
  "GET /v1/console/setup",
  "POST /v1/console/setup",
  "POST /v1/console/login",
] as const;

/**
 * Routes where the key is optional, and why (the route audit test answers them without a key, and
 * expects 401 for an unknown one).
 */
export const KEY_OPTIONAL_ROUTES: Readonly<Record<string, string>> = {
  "GET /ipfs/:cid":
    "published content is readable by anyone holding its CID (a trustless gateway for IPFS clients); " +
    "a key adds the tenant's unpublished content, which stays a 404 without it",
};

const publicRoutes: FastifyPluginAsync = async (app) => {
  await app.register(health);
  await app.register(verifyPage);
  await app.register(consolePage);
  await app.register(wellKnown);
  await app.register(async (optional) => {
    optional.addHook("onRequest", optional.authenticateIfPresent);
    // A refusal (404 above all) depends on the key that came with the request: no cache may keep it
    // for another one, nor keep it at all (a CID unpublished today may be published tomorrow).
    optional.addHook("onSend", async (_request, reply) => {
      if (reply.statusCode < 400) return;
      reply.header("vary", varyWith(reply, "Accept, Authorization"));
      if (!reply.hasHeader("cache-control")) reply.header("cache-control", "no-store");
    });
    await optional.register(ipfs);
  });
  await app.register(
    async (v1) => {
      await v1.register(multipart);
      await v1.register(verify);
      await v1.register(consoleRoutes);
    },
    { prefix: "/v1" },
  );
};

export default publicRoutes;
