import type { FastifyPluginAsync } from "fastify";
import { buildVerifyPageHtml } from "../../../client-sdk/scripts/build-verify-page.ts";
import { SOFTWARE } from "../plugins/services.ts";

/**
 * GET /verify — the public verification page (file hashed in the browser, never uploaded), with this
 * instance's digest lookup and the RPC URLs of its chains suggested. GET /verify/priorproof-verify.html
 * — the same page without any tie to this instance, to keep and open from disk.
 */
const verifyPage: FastifyPluginAsync = async (app) => {
  let served: Promise<string> | undefined;
  let offline: Promise<string> | undefined;
  const rpc: Record<string, string> = {};
  for (const [id, chain] of app.chains) rpc[String(id)] = chain.config.publicRpcUrl ?? chain.config.rpcUrl;

  app.get("/verify", { schema: { summary: "Public verification page (HTML)", tags: ["verify"] } }, async (_request, reply) => {
    served ??= buildVerifyPageHtml({ rpc, lookupUrl: "/v1/verify", version: SOFTWARE });
    return reply.type("text/html; charset=utf-8").header("cache-control", "no-cache").send(await served);
  });
  app.get("/verify/priorproof-verify.html", { schema: { summary: "The verification page as a standalone file", tags: ["verify"] } }, async (_request, reply) => {
    offline ??= buildVerifyPageHtml({ version: SOFTWARE });
    return reply
      .type("text/html; charset=utf-8")
      .header("content-disposition", 'attachment; filename="priorproof-verify.html"')
      .send(await offline);
  });
};

export default verifyPage;
