/**
 * Routes answered without an API key: probes and metrics (metrics with their own token), the
 * well-known document, the verification page, the web console's page (/app), and the public digest lookup and receipt verification
 * under /v1/verify, and the console's first-admin setup and login (docs/console.md). Anything else
 * belongs in ../tenant/, whose scope authenticates every route.
 */
import type { FastifyPluginAsync } from "fastify";
import multipart from "../../plugins/external/multipart.ts";
import consolePage from "./console-page.ts";
import consoleRoutes from "./console.ts";
import health from "./health.ts";
import verifyPage from "./verify-page.ts";
import verify from "./verify.ts";
import wellKnown from "./well-known.ts";

/** The public routes under /v1 (method and path as Fastify registers them), for the route audit test. */
export const PUBLIC_V1_ROUTES = ["GET /v1/verify", "POST /v1/verify", "POST /v1/verify/file", "GET /v1/console/setup", "POST /v1/console/setup", "POST /v1/console/login"] as const;

const publicRoutes: FastifyPluginAsync = async (app) => {
  await app.register(health);
  await app.register(verifyPage);
  await app.register(consolePage);
  await app.register(wellKnown);
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
