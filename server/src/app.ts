/**
 * The Fastify application factory: plugins (config, store, chain, ipfs, auth, services), then routes.
 * `server.ts` is the only file that listens.
 */
import cors from "@fastify/cors";
import multipart from "@fastify/multipart";
import helmet from "@fastify/helmet";
import rateLimit from "@fastify/rate-limit";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from "fastify";
import { STATUS_CODES } from "node:http";
import type { Socket } from "node:net";
import type { Config } from "./config.ts";
import { AppError, ERROR_STATUS, type ErrorCode } from "./errors.ts";
import authPlugin from "./plugins/auth.ts";
import capturesPlugin from "./plugins/captures.ts";
import budgetsPlugin from "./plugins/budgets.ts";
import exposurePlugin from "./plugins/exposure.ts";
import chainPlugin from "./plugins/chain.ts";
import configPlugin from "./plugins/config.ts";
import ipfsPlugin from "./plugins/ipfs.ts";
import servicesPlugin, { SOFTWARE } from "./plugins/services.ts";
import storePlugin from "./plugins/store.ts";
import healthRoutes from "./routes/health.ts";
import ipfsRoutes from "./routes/ipfs.ts";
import verifyPageRoutes from "./routes/verify-page.ts";
import consolePageRoutes from "./routes/console-page.ts";
import capturesRoutes from "./routes/v1/captures.ts";
import wellKnownRoutes from "./routes/well-known.ts";
import certificatesRoutes from "./routes/v1/certificates.ts";
import entriesRoutes from "./routes/v1/entries.ts";
import eventsRoutes from "./routes/v1/events.ts";
import evidenceRoutes from "./routes/v1/evidence.ts";
import stampsRoutes from "./routes/v1/stamps.ts";
import verifyRoutes from "./routes/v1/verify.ts";
import webhooksRoutes from "./routes/v1/webhooks.ts";
import consoleRoutes from "./routes/v1/console.ts";
import exportsRoutes from "./routes/v1/exports.ts";
import { SHARED_SCHEMAS } from "./schemas/common.ts";
import { enforceMinBodyRate } from "./body-rate.ts";
import { hashApiKey } from "./services/keys.ts";
import { parseCookies, SESSION_COOKIE } from "./services/cookies.ts";
import { jsonDepthExceeds, jsonTextShape, MAX_JSON_DEPTH } from "./schemas/json-depth.ts";
import { configSecrets, createRedactor } from "./services/redact.ts";

/** Fastify and plugin error codes mapped to the service's stable codes. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_VALIDATION: "VALIDATION_FAILED",
  FST_ERR_CTP_INVALID_MEDIA_TYPE: "UNSUPPORTED_MEDIA_TYPE",
  FST_ERR_CTP_EMPTY_JSON_BODY: "VALIDATION_FAILED",
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: "VALIDATION_FAILED",
  FST_ERR_CTP_BODY_TOO_LARGE: "PAYLOAD_TOO_LARGE",
  FST_ERR_CTP_INVALID_JSON_BODY: "VALIDATION_FAILED",
  FST_REQ_FILE_TOO_LARGE: "FILE_TOO_LARGE",
  FST_PARTS_LIMIT: "TOO_MANY_FIELDS",
  FST_FILES_LIMIT: "TOO_MANY_FILES",
  FST_FIELDS_LIMIT: "TOO_MANY_FIELDS",
  FST_PROTO_VIOLATION: "INVALID_MULTIPART",
  FST_INVALID_MULTIPART_CONTENT_TYPE: "UNSUPPORTED_MEDIA_TYPE",
  FST_INVALID_JSON_FIELD_ERROR: "INVALID_MULTIPART",
  FST_ERR_BAD_URL: "NOT_FOUND",
  FST_ERR_ASYNC_CONSTRAINT: "VALIDATION_FAILED",
  FST_MP_PREMATURE_CLOSE: "INVALID_MULTIPART",
};

/** Errors of the multipart parser (busboy), which carry no code: a malformed body, not a server fault. */
const MULTIPART_PARSE_ERROR = /^(Multipart: Boundary not found|Unsupported Content-Type\.|Unexpected end of multipart data|\w+ terminated early due to unexpected end of multipart data|The needle cannot have a length bigger than 256)/;

/**
 * Requests that Node's HTTP parser refuses before Fastify sees them (malformed, headers too large or
 * too slow) get the same JSON error shape, written straight to the socket, which is then closed.
 */
function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === "ECONNRESET" || socket.destroyed) return;
  const [code, message]: [ErrorCode, string] =
    error.code === "HPE_HEADER_OVERFLOW" ? ["REQUEST_HEADER_TOO_LARGE", "the request headers exceed the size limit"]
      : error.code === "ERR_HTTP_REQUEST_TIMEOUT" ? ["REQUEST_TIMEOUT", "the request headers were not received in time"]
        : ["MALFORMED_REQUEST", "malformed HTTP request"];
  const status = ERROR_STATUS[code];
  const body = JSON.stringify({ error: { code, message } });
  if (socket.writable) {
    socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  } else {
    socket.destroy();
  }
}

/**
 * A connection silent for SOCKET_IDLE_TIMEOUT_MS is closed. If it stalled in the middle of a request
 * (a slow-loris body), the client first gets a JSON 408 with the service's error shape; an idle
 * keep-alive connection or one whose response has started is just closed.
 */
function idleSocketHandler(socket: Socket): void {
  const res = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (res && !res.headersSent && socket.writable) {
    const body = JSON.stringify({ error: { code: "REQUEST_TIMEOUT", message: "the request body stalled: no data received in time" } });
    socket.end(`HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    socket.setTimeout(1_000, () => socket.destroy());
  } else {
    socket.destroy();
  }
}

export interface BuildOptions {
  readonly logger?: FastifyServerOptions["logger"];
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
  const logger = options.logger === undefined ? { level: config.logLevel, hooks }
    : options.logger !== null && typeof options.logger === "object" ? { ...options.logger, hooks } : options.logger;
  const app = Fastify({
    logger,
    bodyLimit: 16 * 1024 * 1024,
    routerOptions: { maxParamLength: 200 },
    requestTimeout: 0, // uploads of gigabytes may take long; slow-loris is bounded by the timeouts below
    // A socket silent this long is closed: a client that stops sending mid-request cannot hold it forever.
    connectionTimeout: config.socketIdleTimeoutMs,
    clientErrorHandler,
    // Router-level errors (a malformed percent-encoding in the path) get the same JSON error shape.
    frameworkErrors: (error, _request, reply) => {
      const code = FASTIFY_CODES[error.code] ?? "VALIDATION_FAILED";
      void (reply as FastifyReply).code(ERROR_STATUS[code]).send({ error: { code, message: error.message } });
    },
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

  for (const schema of SHARED_SCHEMAS) app.addSchema(schema);
  // JSON and multipart only: any other body type is a 415, not a string handed to a JSON schema.
  app.removeContentTypeParser("text/plain");
  // Fastify's own JSON parser (prototype poisoning refused), then a nesting limit: code that walks a
  // body recurses, and a 50,000-deep JSON bomb must be a 400, not a stack overflow.
  const parseJson = app.getDefaultJsonParser("error", "error");
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string", bodyLimit: config.jsonBodyLimitBytes }, (request, body, done) => {
    // Shape before parsing: millions of empty arrays would block the event loop in the parser.
    const shape = jsonTextShape(body as string, config.jsonMaxContainers);
    if (shape === "depth") return done(new AppError("VALIDATION_FAILED", `the JSON body nests deeper than ${MAX_JSON_DEPTH} levels`));
    if (shape === "containers") return done(new AppError("JSON_TOO_COMPLEX", `the JSON body holds more than ${config.jsonMaxContainers} arrays and objects`));
    parseJson(request, body as string, (error, value) => {
      if (error) return done(error);
      if (jsonDepthExceeds(value)) return done(new AppError("VALIDATION_FAILED", `the JSON body nests deeper than ${MAX_JSON_DEPTH} levels`));
      done(null, value);
    });
  });

  app.setErrorHandler((error: FastifyError | AppError, request, reply) => {
    let code: ErrorCode;
    let message = error.message;
    let details: unknown;
    if (error instanceof AppError) {
      code = error.code;
      details = error.details;
    } else if ((error as FastifyError).validation) {
      code = "VALIDATION_FAILED";
      details = (error as FastifyError).validation;
    } else if (error.code && FASTIFY_CODES[error.code]) {
      code = FASTIFY_CODES[error.code] as ErrorCode;
    } else if (MULTIPART_PARSE_ERROR.test(error.message)) {
      code = "INVALID_MULTIPART";
    } else if (error.statusCode === 429) {
      code = "RATE_LIMITED";
    } else if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
      code = error.statusCode === 413 ? "PAYLOAD_TOO_LARGE" : error.statusCode === 415 ? "UNSUPPORTED_MEDIA_TYPE" : error.statusCode === 404 ? "NOT_FOUND" : "VALIDATION_FAILED";
    } else {
      code = "INTERNAL";
    }
    const status = code === "INTERNAL" ? 500 : ERROR_STATUS[code];
    const errno = (error as { code?: string }).code;
    if ((request.raw as { aborted?: boolean }).aborted === true || request.raw.socket?.destroyed === true || errno === "ECONNRESET" || errno === "ERR_STREAM_PREMATURE_CLOSE") {
      // The client went away (aborted upload or download): nothing to answer, and not a fault of ours.
      request.log.info({ code: errno ?? code, message: error.message }, "client aborted the request");
      if (!reply.sent && !reply.raw.destroyed) void reply.code(400).send({ error: { code: "CLIENT_ABORTED", message: "the client closed the request" } });
      return;
    }
    if (status >= 500) {
      request.log.error({ err: error }, "request failed");
      message = code === "INTERNAL" ? "internal error" : message;
    } else {
      request.log.info({ code, message }, "request rejected");
    }
    void reply.code(status).send({ error: details === undefined ? { code, message } : { code, message, details } });
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.code(404).send({ error: { code: "NOT_FOUND", message: `no route ${request.method} ${request.url.split("?")[0]}` } });
  });

  // Secrets redacted from every answer, and owner-only files: registered first, so that it covers every route.
  await app.register(configPlugin, { config });
  await app.register(exposurePlugin);

  // Security headers on every answer: nosniff, no framing, no referrer, and a CSP that allows nothing
  // (JSON needs nothing); the verify page and the API docs set their own CSP.
  await app.register(helmet, {
    contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], baseUri: ["'none'"], formAction: ["'none'"], frameAncestors: ["'none'"] } },
    xFrameOptions: { action: "deny" },
    referrerPolicy: { policy: "no-referrer" },
    crossOriginResourcePolicy: { policy: "same-site" },
  });
  await app.register(cors, { origin: config.corsOrigins.length > 0 ? [...config.corsOrigins] : false });
  await app.register(rateLimit, {
    // Applied below as a root hook, so that it runs before the routes' own onRequest hooks (auth):
    // as a per-route hook it came after them, and requests refused with 401 were never counted.
    global: false,
    // Per key (or console user) for authenticated requests, per IP (a tighter budget) for everything else.
    max: (_request, key) => (key.startsWith("key:") ? config.rateLimitPerMinute : config.rateLimitAnonymousPerMinute),
    timeWindow: 60_000,
    // Per API key, by the key's id: a request with a made-up key counts against its IP instead, so
    // rotating bogus keys does not buy a fresh budget for guessing.
    keyGenerator: async (request) => {
      const match = typeof request.headers.authorization === "string" ? /^Bearer\s+(\S+)$/i.exec(request.headers.authorization) : null;
      const key = match?.[1] ? await app.store.findApiKey(hashApiKey(match[1])) : undefined;
      if (key) return `key:${key.id}`;
      // A console session has the budget of a key, per user.
      const session = match ? undefined : await app.consoleAuth.session(parseCookies(request.headers.cookie)[SESSION_COOKIE] ?? "");
      return session ? `key:user:${session.user.id}` : `ip:${request.ip}`;
    },
    errorResponseBuilder: (_request, context) => ({ statusCode: 429, code: "RATE_LIMITED", error: "Too Many Requests", message: `rate limit of ${context.max} requests a minute exceeded` }),
  });
  // Probes are exempt (an orchestrator polls them from one address): /healthz does no I/O, and /readyz
  // runs its checks at most once a second whoever asks (routes/health.ts).
  // (The plugin's hook is an async (request, reply) function, whatever its declared type.)
  const limit = app.rateLimit() as unknown as (this: FastifyInstance, request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  app.addHook("onRequest", async function (request, reply) {
    const path = request.url.split("?")[0];
    if (request.method === "GET" && (path === "/healthz" || path === "/readyz")) return;
    await limit.call(this, request, reply);
  });
  await app.register(swagger, {
    openapi: {
      openapi: "3.0.3",
      info: { title: "PriorProof", version: SOFTWARE.split("/")[1] ?? "0", description: "Evidence timestamping: SHA-256 digests batched into RFC 6962 Merkle trees and anchored on EVM chains." },
      components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
  });
  await app.register(swaggerUi, { routePrefix: "/docs", staticCSP: true });

  await app.register(storePlugin);
  await app.register(chainPlugin);
  await app.register(ipfsPlugin);
  await app.register(authPlugin);
  await app.register(budgetsPlugin);
  await app.register(servicesPlugin);
  await app.register(capturesPlugin);

  await app.register(healthRoutes);
  await app.register(ipfsRoutes);
  await app.register(verifyPageRoutes);
  await app.register(consolePageRoutes);
  await app.register(wellKnownRoutes);
  await app.register(
    async (v1) => {
      await v1.register(multipart, {
        limits: {
          fileSize: config.maxFileBytes,
          files: config.maxFilesPerRequest,
          fields: 20,
          fieldSize: 64 * 1024,
          parts: config.maxFilesPerRequest + 20,
          headerPairs: 100,
        },
      });
      await v1.register(stampsRoutes);
      await v1.register(evidenceRoutes);
      await v1.register(entriesRoutes);
      await v1.register(certificatesRoutes);
      await v1.register(eventsRoutes);
      await v1.register(verifyRoutes);
      await v1.register(capturesRoutes);
      await v1.register(webhooksRoutes);
      await v1.register(consoleRoutes);
      await v1.register(exportsRoutes);
    },
    { prefix: "/v1" },
  );
  return app;
}
