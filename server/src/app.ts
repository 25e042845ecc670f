/**
 * The Fastify application factory. It only composes: server options and the error answers (http/),
 * the external plugins (plugins/external/: JSON body, security headers, CORS, rate limit, OpenAPI),
 * the service's plugins (config, store, chain, ipfs, auth, budgets, services, captures), then the
 * routes in two scopes: routes/public/ (no key) and routes/tenant/ (every route authenticated).
 * `server.ts` is the only file that listens.
 */
import Fastify, { type FastifyInstance, type FastifyServerOptions, type RouteOptions } from "fastify";
import type { Config } from "./config.ts";
import { enforceMinBodyRate } from "./body-rate.ts";
import { errorHandler, frameworkErrorHandler, notFoundHandler } from "./http/error-handler.ts";
import { clientErrorHandler, idleSocketHandler } from "./http/socket-errors.ts";
import authPlugin from "./plugins/auth.ts";
import budgetsPlugin from "./plugins/budgets.ts";
import capturesPlugin from "./plugins/captures.ts";
import chainPlugin from "./plugins/chain.ts";
import configPlugin from "./plugins/config.ts";
import exposurePlugin from "./plugins/exposure.ts";
import corsPlugin from "./plugins/external/cors.ts";
import jsonBodyPlugin from "./plugins/external/json-body.ts";
import rateLimitPlugin from "./plugins/external/rate-limit.ts";
import securityHeadersPlugin from "./plugins/external/security-headers.ts";
import swaggerPlugin from "./plugins/external/swagger.ts";
import ipfsPlugin from "./plugins/ipfs.ts";
import ipfsNodePlugin from "./plugins/ipfs-node.ts";
import servicesPlugin from "./plugins/services.ts";
import storePlugin from "./plugins/store.ts";
import publicRoutes from "./routes/public/index.ts";
import tenantRoutes from "./routes/tenant/index.ts";
import { SHARED_SCHEMAS } from "./schemas/common.ts";
import { configSecrets, createRedactor } from "./services/redact.ts";

export interface BuildOptions {
  readonly logger?: FastifyServerOptions["logger"];
  /** Called with every route as it is registered (tests list the routes with it). */
  readonly onRoute?: (route: RouteOptions) => void;
}

/**
 * Builds the app (not listening). The caller owns `config` (see loadConfig) and closes the app.
 *
 * @example
 * const app = await buildApp(loadConfig(process.env));
 * await app.listen({ host: app.config.host, port: app.config.port });
 */
export async function buildApp(config: Config, options: BuildOptions = {}): Promise<FastifyInstance> {
  // Every log line goes out with the configuration's secrets redacted (RPC keys echoed by library errors).
  const redactLine = createRedactor(configSecrets(config));
  const hooks = { streamWrite: redactLine };
  const logger =
    options.logger === undefined
      ? { level: config.logLevel, hooks }
      : options.logger !== null && typeof options.logger === "object"
        ? { ...options.logger, hooks }
        : options.logger;
  const app = Fastify({
    logger,
    bodyLimit: 16 * 1024 * 1024,
    routerOptions: { maxParamLength: 200 },
    requestTimeout: 0, // uploads of gigabytes may take long; slow-loris is bounded by the timeouts below
    // A socket silent this long is closed: a client that stops sending mid-request cannot hold it forever.
    connectionTimeout: config.socketIdleTimeoutMs,
    clientErrorHandler,
    // Router-level errors (a malformed percent-encoding in the path) get the same JSON error shape.
    frameworkErrors: frameworkErrorHandler,
    keepAliveTimeout: 10_000,
    // Node checks the headers timeout on this interval (its default, 30 s, would double a short timeout).
    http: { connectionsCheckingInterval: Math.max(250, Math.min(30_000, Math.floor(config.headersTimeoutMs / 4))) },
    genReqId: () => crypto.randomUUID(),
    trustProxy: (config.trustProxy ?? false) as FastifyServerOptions["trustProxy"],
    ajv: { customOptions: { removeAdditional: false, coerceTypes: "array", allErrors: true } },
  });
  app.server.headersTimeout = config.headersTimeoutMs;
  if (config.socketIdleTimeoutMs > 0) app.server.on("timeout", idleSocketHandler);
  // A body trickling just under the idle timeout is cut off by its rate instead (body-rate.ts).
  const stopBodyRate = enforceMinBodyRate(app.server, { minBytesPerSecond: config.minBodyBytesPerSecond, graceMs: config.minBodyRateGraceMs });
  app.addHook("onClose", async () => stopBodyRate());

  if (options.onRoute) app.addHook("onRoute", options.onRoute);

  for (const schema of SHARED_SCHEMAS) app.addSchema(schema);
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler(notFoundHandler);

  // Secrets redacted from every answer, and owner-only files: registered first, so that it covers every route.
  await app.register(configPlugin, { config });
  await app.register(exposurePlugin);
  await app.register(jsonBodyPlugin);
  await app.register(securityHeadersPlugin);
  await app.register(corsPlugin);
  await app.register(rateLimitPlugin);
  await app.register(swaggerPlugin);

  await app.register(storePlugin);
  await app.register(chainPlugin);
  await app.register(ipfsPlugin);
  await app.register(ipfsNodePlugin);
  await app.register(authPlugin);
  await app.register(budgetsPlugin);
  await app.register(servicesPlugin);
  await app.register(capturesPlugin);

  await app.register(publicRoutes);
  await app.register(tenantRoutes);
  return app;
}
