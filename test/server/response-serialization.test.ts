/**
 * Every route's response schemas keep a COMPLETE object: for each registered route and each of its
 * response schemas, an instance with every member the schema names (optional members, nullable ones
 * with a value, one element per array, an extra member in open objects; test/helpers/complete-object.ts)
 * is sent through Fastify's serializer for that very schema (inject) and must come back whole. A
 * member the serializer would silently drop (the verdict's `remaining` once was) fails here. Schemas
 * are those of the real app (collected with onRoute); named ones resolve against the registered
 * shared schemas.
 */
import { isDeepStrictEqual } from "node:util";
import Fastify, { type RouteOptions } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SHARED_SCHEMAS } from "../../server/src/schemas/common.ts";
import { completeObject } from "../helpers/complete-object.ts";
import { buildTestApp, type TestApp } from "../helpers/app.ts";

const routes: RouteOptions[] = [];
let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp({}, "sqlite", { onRoute: (route) => void routes.push(route) });
}, 120_000);
afterAll(async () => {
  await t?.close();
});

const registry = new Map<string, unknown>(SHARED_SCHEMAS.map((s) => [s.$id, s]));
const methodsOf = (r: RouteOptions) => (Array.isArray(r.method) ? r.method : [r.method]).filter((m) => m !== "HEAD");
const responses = (r: RouteOptions) => Object.entries((r.schema as { response?: Record<string, unknown> } | undefined)?.response ?? {});

/** Routes whose success answer is not JSON serialized by a schema (CORS preflight, files, streams, HTML, text, 204s). */
const UNSCHEMATIZED = new Set([
  "OPTIONS *",
  "GET /healthz",
  "GET /readyz",
  "GET /metrics",
  "GET /verify",
  "GET /verify/priorproof-verify.html",
  "GET /ipfs/:cid",
  "GET /v1/entries/:id/certificate.pdf",
  "GET /v1/entries/:id/lineage.pdf",
  "GET /v1/portfolio.pdf",
  "GET /v1/events",
  "GET /app",
  "GET /app/*",
  "GET /app/assets/:file",
  "GET /v1/captures/:id/manifest",
  "GET /v1/captures/:id/parts/:name",
  "GET /v1/captures/:id/facts",
  "DELETE /v1/capture-schedules/:id",
  "DELETE /v1/webhooks/:id",
  "POST /v1/console/logout",
  "POST /v1/console/logout-all",
  "DELETE /v1/console/users/:id",
  "DELETE /v1/console/keys/:id",
  "POST /v1/exports",
]);

describe("response serialization of every route", () => {
  it("covers every JSON route: each has a success response schema unless it is listed as answering otherwise", () => {
    const api = routes.filter((r) => !r.url.startsWith("/docs"));
    expect(api.length).toBeGreaterThan(30);
    const missing = api.flatMap((r) =>
      methodsOf(r)
        .map((m) => `${m} ${r.url}`)
        .filter((key) => !responses(r).some(([status]) => status.startsWith("2")) && !UNSCHEMATIZED.has(key)),
    );
    expect(missing).toEqual([]);
  });

  it("generates complete verdicts and entries: remaining, warnings, witnesses, replicas and anchors all present", () => {
    const verdict = completeObject(routes.find((r) => r.url === "/v1/verify" && r.method === "POST")!.schema!.response!["200" as never], registry) as Record<
      string,
      unknown[]
    >;
    for (const member of ["checks", "witnesses", "warnings", "remaining"]) expect(verdict[member]).toHaveLength(1);
    expect(verdict.remaining![0]).toHaveProperty("explorerUrl");
    expect(verdict.warnings![0]).toHaveProperty("anchor");
    const entry = completeObject({ $ref: "EntryView#" }, registry) as Record<string, unknown[]>;
    for (const member of ["replicas", "anchors", "history"]) expect(entry[member]).toHaveLength(1);
    expect(entry).toHaveProperty("pinAttempts");
  });

  it("keeps every member of a complete object through each route's response schema", async () => {
    let checked = 0;
    const failures: string[] = [];
    for (const route of routes) {
      for (const [status, schema] of responses(route)) {
        for (const method of methodsOf(route)) {
          const sent = completeObject(schema, registry, `${method} ${route.url} ${status}`);
          const probe = Fastify({ logger: false });
          for (const s of SHARED_SCHEMAS) probe.addSchema(s);
          probe.route({
            method,
            url: "/probe",
            schema: { response: { [status]: schema } },
            handler: async (_request, reply) => reply.code(Number(status)).send(sent),
          });
          const res = await probe.inject({ method, url: "/probe" });
          await probe.close();
          checked++;
          if (res.statusCode !== Number(status)) failures.push(`${method} ${route.url} ${status}: answered ${res.statusCode} ${res.body.slice(0, 200)}`);
          else if (!isDeepStrictEqual(res.json(), sent))
            failures.push(`${method} ${route.url} ${status}: ${res.body.slice(0, 300)} != ${JSON.stringify(sent).slice(0, 300)}`);
        }
      }
    }
    expect(failures).toEqual([]);
    expect(checked).toBeGreaterThan(100);
  });
});
