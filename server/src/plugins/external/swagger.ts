import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import fp from "fastify-plugin";
import { SOFTWARE } from "../services.ts";

/** The OpenAPI document (from the routes' schemas) and its viewer at /docs. */
export default fp(
  async (app) => {
    await app.register(swagger, {
      openapi: {
        openapi: "3.0.3",
        info: {
          title: "PriorProof",
          version: SOFTWARE.split("/")[1] ?? "0",
          description: "Evidence timestamping: SHA-256 digests batched into RFC 6962 Merkle trees and anchored on EVM chains.",
        },
        components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
      },
      refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
    });
    await app.register(swaggerUi, { routePrefix: "/docs", staticCSP: true });
  },
  { name: "swagger" },
);
