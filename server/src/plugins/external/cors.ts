import cors from "@fastify/cors";
import fp from "fastify-plugin";

/** Cross-origin requests only from CORS_ORIGINS (none when empty). */
export default fp(
  async (app) => {
    await app.register(cors, { origin: app.config.corsOrigins.length > 0 ? [...app.config.corsOrigins] : false });
  },
  { name: "cors", dependencies: ["config"] },
);
