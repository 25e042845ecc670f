import helmet from "@fastify/helmet";
import fp from "fastify-plugin";

/**
 * Security headers on every answer: nosniff, no framing, no referrer, and a CSP that allows nothing
 * (JSON needs nothing); the verify page and the API docs set their own CSP.
 */
export default fp(
  async (app) => {
    await app.register(helmet, {
      contentSecurityPolicy: {
        useDefaults: false,
        directives: { defaultSrc: ["'none'"], baseUri: ["'none'"], formAction: ["'none'"], frameAncestors: ["'none'"] },
      },
      xFrameOptions: { action: "deny" },
      referrerPolicy: { policy: "no-referrer" },
      crossOriginResourcePolicy: { policy: "same-site" },
    });
  },
  { name: "security-headers" },
);
