import fp from "fastify-plugin";
import { AppError } from "../../errors.ts";
import { jsonDepthExceeds, jsonTextShape, MAX_JSON_DEPTH } from "../../schemas/json-depth.ts";

/**
 * JSON and multipart only: any other body type is a 415, not a string handed to a JSON schema.
 * Fastify's own JSON parser (prototype poisoning refused), then a nesting limit: code that walks a
 * body recurses, and a 50,000-deep JSON bomb must be a 400, not a stack overflow.
 */
export default fp(
  async (app) => {
    const config = app.config;
    app.removeContentTypeParser("text/plain");
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
  },
  { name: "json-body", dependencies: ["config"] },
);
