import type { FastifyPluginAsync } from "fastify";
import type { Claim, ClaimSignature } from "@priorproof/client-sdk";
import { EntriesAcceptedSchema } from "@priorproof/client-sdk/api";
import { errorResponses } from "../../schemas/common.ts";
import { describeEntry } from "../../services/entries.ts";
import { fingerprintOf } from "../../services/idempotency.ts";
import { normalizeDigest } from "../../services/ingest.ts";

/**
 * POST /v1/stamps — hash-only stamping: the file stays with its owner. With an `Idempotency-Key`, a
 * retry of the same request answers the entries of the first (services/idempotency.ts).
 */
const stamps: FastifyPluginAsync = async (app) => {
  app.post<{ Body: { items: { sha256: string; sha3_256?: string; claim?: Claim; signature?: ClaimSignature }[] } }>(
    "/stamps",
    {
      schema: {
        summary: "Stamp 1 to 1,000 SHA-256 digests (hash-only)",
        tags: ["evidence"],
        security: [{ bearer: [] }],
        headers: { type: "object", properties: { "idempotency-key": { type: "string", maxLength: 300 } } },
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
        response: { 202: EntriesAcceptedSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { items } = request.body;
      const idempotent = app.idempotency.begin(request.tenantId, request.headers["idempotency-key"]);
      try {
        // The canonical request: digests normalized, so that a retry spelling them otherwise still matches.
        const fingerprint =
          request.headers["idempotency-key"] === undefined
            ? ""
            : fingerprintOf({
                request: "POST /v1/stamps",
                items: items.map((i) => ({
                  sha256: normalizeDigest(i.sha256),
                  ...(i.sha3_256 !== undefined ? { sha3_256: i.sha3_256.toLowerCase().replace(/^0x/, "") } : {}),
                  ...(i.claim !== undefined ? { claim: i.claim } : {}),
                  ...(i.signature !== undefined ? { signature: i.signature } : {}),
                })),
              });
        const result = await idempotent.complete(fingerprint, (key) => app.ingest.stamp(request.tenantId, items, request.id, key));
        app.faultPoint("after-commit");
        if (result.replayed) void reply.header("idempotent-replayed", "true");
        return reply.code(result.status as 202).send({ entries: result.entries.map((e) => describeEntry(e, [])) });
      } finally {
        idempotent.end();
      }
    },
  );
};

export default stamps;
