import multipart from "@fastify/multipart";
import fp from "fastify-plugin";

/**
 * multipart/form-data bodies, with the configured limits, for the scope that registers it (the tenant
 * API's uploads and the public verification of a file): the other routes refuse the type with 415.
 */
export default fp(
  async (app) => {
    const config = app.config;
    await app.register(multipart, {
      limits: {
        fileSize: config.maxFileBytes,
        files: config.maxFilesPerRequest,
        fields: 20,
        fieldSize: 64 * 1024,
        parts: config.maxFilesPerRequest + 20,
        headerPairs: 100,
      },
    });
  },
  { name: "multipart-limits", dependencies: ["config"] },
);
