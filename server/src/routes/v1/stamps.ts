import type { FastifyPluginAsync } from "fastify";
import type { Claim, ClaimSignature } from "@priorproof/client-sdk";
import { errorResponses } from "../../schemas/common.ts";
import { describeEntry } from "../../services/entries.ts";

/** POST /v1/stamps — hash-only stamping: the file stays with its owner. */
const stamps: FastifyPluginAsync = async (app) => {
  app.post<{ Body: { items: { sha256: string; sha3_256?: string; claim?: Claim; signature?: ClaimSignature }[] } }>(
    "/stamps",
    {
      onRequest: app.authenticate,
      schema: {
        summary: "Stamp 1 to 1,000 SHA-256 digests (hash-only)",
        tags: ["evidence"],
        security: [{ bearer: [] }],
        body: {
          type: "object",
          required: ["items"],
          additionalProperties: false,
          properties: {
            items: {
              type: "array",
              minItems: 1,
              maxItems: 1000,
              items: {
                type: "object",
                required: ["sha256"],
                additionalProperties: false,
                properties: {
                  sha256: { $ref: "DigestInput#" },
                  sha3_256: { $ref: "DigestInput#" },
                  claim: { $ref: "Claim#" },
                  // Checked by the service (structure, signature math, statement binding): 400 INVALID_SIGNATURE.
                  signature: { type: "object", maxProperties: 8 },
                },
              },
            },
          },
        },
        response: { 202: { type: "object", properties: { entries: { type: "array", items: { $ref: "EntryView#" } } } }, ...errorResponses },
      },
    },
    async (request, reply) => {
      const entries = await app.ingest.stamp(request.tenantId, request.body.items, request.id);
      return reply.code(202).send({ entries: entries.map((e) => describeEntry(e, [])) });
    },
  );
};

export default stamps;
