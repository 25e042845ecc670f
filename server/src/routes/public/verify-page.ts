import { createHash } from "node:crypto";
import type { FastifyPluginAsync } from "fastify";
import { buildVerifyPageHtml } from "../../../../client-sdk/scripts/build-verify-page.ts";
import { SOFTWARE } from "../../plugins/services.ts";

/**
 * GET /verify — the public verification page (file hashed in the browser, never uploaded), with this
 * instance's digest lookup and the RPC URLs of its chains suggested. GET /verify/priorproof-verify.html
 * — the same page without any tie to this instance, to keep and open from disk.
 */
/**
 * The page's Content-Security-Policy: its two inline scripts (config and bundle) allowed by their
 * SHA-256 only, so an injected script cannot run; inline styles; fetches to any origin (the digest
 * lookup and whatever RPC endpoint the visitor chooses); never framed.
 */
export function verifyPageCsp(html: string): string {
  const hashes = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => `'sha256-${createHash("sha256").update(m[1]!, "utf8").digest("base64")}'`);
  return (
    `default-src 'none'; script-src ${hashes.join(" ")}; style-src 'unsafe-inline'; connect-src *; img-src data:; base-uri 'none'; form-action ` +
    `'none'; frame-ancestors 'none'`
  );
}

const verifyPage: FastifyPluginAsync = async (app) => {
  let served: Promise<string> | undefined;
  let offline: Promise<string> | undefined;
  const rpc: Record<string, string> = {};
  // Only PUBLIC_RPC_URL reaches the page: RPC_URL is the service's own node (it may carry a key).
  for (const [id, chain] of app.chains) if (chain.config.publicRpcUrl) rpc[String(id)] = chain.config.publicRpcUrl;

  app.get("/verify", { schema: { summary: "Public verification page (HTML)", tags: ["verify"] } }, async (_request, reply) => {
    served ??= buildVerifyPageHtml({ rpc, lookupUrl: "/v1/verify", version: SOFTWARE });
    const html = await served;
    return reply.type("text/html; charset=utf-8").header("cache-control", "no-cache").header("content-security-policy", verifyPageCsp(html)).send(html);
  });
  app.get(
    "/verify/priorproof-verify.html",
    { schema: { summary: "The verification page as a standalone file", tags: ["verify"] } },
    async (_request, reply) => {
      offline ??= buildVerifyPageHtml({ version: SOFTWARE });
      return reply
        .type("text/html; charset=utf-8")
        .header("content-disposition", 'attachment; filename="priorproof-verify.html"')
        .send(await offline);
    },
  );
};

export default verifyPage;
