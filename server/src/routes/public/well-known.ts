import type { FastifyPluginAsync } from "fastify";
import { WELL_KNOWN_FORMAT } from "@priorproof/client-sdk/core";
import { type WellKnown, WellKnownSchema } from "@priorproof/client-sdk/api";

/**
 * GET /.well-known/priorproof.json — what this service publishes about itself for verifiers: its
 * operator and the EvidenceAnchor deployments it anchors with (chain id, address, runtime code hash,
 * deployment block). A verifier that chooses to trust this document (`priorproof verify --deployments`)
 * can then say whether a receipt's contract is this operator's deployment or someone else's.
 */
const wellKnown: FastifyPluginAsync = async (app) => {
  app.get(
    "/.well-known/priorproof.json",
    {
      schema: {
        summary: "This service's operator and contract deployments (for verifiers' deployment lists)",
        tags: ["verify"],
        response: {
          200: WellKnownSchema,
        },
      },
    },
    async (_request, reply): Promise<WellKnown> => {
      reply.header("cache-control", "public, max-age=300");
      return {
        format: WELL_KNOWN_FORMAT,
        operator: app.config.operator,
        deployments: [...app.chains].map(([chainId, chain]) => ({
          chainId,
          address: chain.deployment.address.toLowerCase(),
          codeHash: chain.deployment.codeHash,
          deployBlock: chain.deployment.deployBlock,
        })),
      };
    },
  );
};

export default wellKnown;
