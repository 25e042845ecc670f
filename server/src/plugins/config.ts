import fp from "fastify-plugin";
import type { Config } from "../config.ts";

declare module "fastify" {
  interface FastifyInstance {
    config: Config;
  }
}

/** Decorates the app with its validated configuration (built by the caller with loadConfig). */
export default fp<{ config: Config }>(
  async (app, opts) => {
    app.decorate("config", opts.config);
  },
  { name: "config" },
);
