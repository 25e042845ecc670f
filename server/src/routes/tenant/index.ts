/**
 * The tenant's routes: everything in this folder is answered only for a valid API key or console
 * session (plugins/auth.ts, which also checks CSRF and the route's `minRole` for sessions). The scope's
 * onRequest hook runs `app.authenticate` before any route of it, so a route added here is
 * authenticated without opting in (test/server/route-auth.test.ts enumerates every route and checks).
 * Public routes (and GET /ipfs/:cid, where the key is optional) live in ../public/.
 */
import type { FastifyPluginAsync } from "fastify";
import multipart from "../../plugins/external/multipart.ts";
import captures from "./captures.ts";
import certificates from "./certificates.ts";
import consoleRoutes from "./console.ts";
import entries from "./entries.ts";
import events from "./events.ts";
import evidence from "./evidence.ts";
import exportsRoutes from "./exports.ts";
import ipfsSettings from "./ipfs-settings.ts";
import stamps from "./stamps.ts";
import webhooks from "./webhooks.ts";

const tenantRoutes: FastifyPluginAsync = async (app) => {
  app.addHook("onRequest", app.authenticate);
  await app.register(
    async (v1) => {
      await v1.register(multipart);
      await v1.register(stamps);
      await v1.register(evidence);
      await v1.register(entries);
      await v1.register(certificates);
      await v1.register(ipfsSettings);
      await v1.register(events);
      await v1.register(captures);
      await v1.register(webhooks);
      await v1.register(consoleRoutes);
      await v1.register(exportsRoutes);
    },
    { prefix: "/v1" },
  );
};

export default tenantRoutes;
