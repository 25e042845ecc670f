import type { FastifyPluginAsync } from "fastify";
import { errorResponses } from "../../schemas/common.ts";

const settingsSchema = {
  type: "object",
  required: ["publicContent"],
  properties: {
    publicContent: { type: "boolean", description: "uploads are published to the IPFS network unless the upload says public=false" },
    node: { type: "boolean", description: "whether this instance runs an IPFS node that serves published content" },
  },
} as const;

/**
 * GET/PUT /v1/ipfs-settings — the account's IPFS publishing default (authenticated by the tenant scope). Off: content is served only to the
 * account through /ipfs/ (and to the network only for uploads sent with public=true). A change applies
 * to later uploads; content stored before keeps the choice it was stored with.
 */
const ipfsSettings: FastifyPluginAsync = async (app) => {
  const view = async (tenantId: string) => ({
    publicContent: (await app.store.getTenantSettings(tenantId)).publicContent === true,
    node: app.ipfsNode !== undefined,
  });
  app.get(
    "/ipfs-settings",
    {
      schema: {
        summary: "The account's IPFS publishing default (publicContent: uploads are served to the IPFS network)",
        tags: ["evidence"],
        security: [{ bearer: [] }],
        response: { 200: settingsSchema, ...errorResponses },
      },
    },
    async (request) => view(request.tenantId),
  );
  app.put<{ Body: { publicContent: boolean } }>(
    "/ipfs-settings",
    {
      schema: {
        summary: "Sets the account's IPFS publishing default for later uploads",
        tags: ["evidence"],
        security: [{ bearer: [] }],
        body: { type: "object", required: ["publicContent"], additionalProperties: false, properties: { publicContent: { type: "boolean" } } },
        response: { 200: settingsSchema, ...errorResponses },
      },
    },
    async (request) => {
      const current = await app.store.getTenantSettings(request.tenantId);
      await app.store.setTenantSettings(request.tenantId, { ...current, publicContent: request.body.publicContent });
      return view(request.tenantId);
    },
  );
};

export default ipfsSettings;
