/**
 * Authentication is the default: every registered route under /v1 (and /ipfs) answers an
 * unauthenticated request, and one with an unknown key, with 401 UNAUTHORIZED, unless it is on the
 * explicit public list (routes/public/index.ts PUBLIC_V1_ROUTES). A route where the key is optional
 * (KEY_OPTIONAL_ROUTES, each with its reason) answers without a key but still refuses an unknown key
 * with 401. Routes are enumerated from the real app (onRoute), so a new route is checked the moment
 * it is registered.
 */
import type { RouteOptions } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KEY_OPTIONAL_ROUTES, PUBLIC_V1_ROUTES } from "../../server/src/routes/public/index.ts";
import { buildTestApp, type TestApp } from "../helpers/app.ts";

const routes: RouteOptions[] = [];
let t: TestApp;
beforeAll(async () => {
  // Every request here comes from one address without a key: the anonymous budget must not be the answer.
  t = await buildTestApp({ RATE_LIMIT_PER_MINUTE: "100000", RATE_LIMIT_ANONYMOUS_PER_MINUTE: "100000" }, "sqlite", {
    onRoute: (route) => void routes.push(route),
  });
}, 120_000);
afterAll(async () => {
  await t?.close();
});

/** A concrete URL for a route pattern (each parameter a plausible value). */
function concrete(url: string): string {
  return url
    .replace(":cid", "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku")
    .replace(":deliveryId", "1")
    .replace(/:id\b/, "wh_" + "0".repeat(32))
    .replace(/:(\w+)/g, "x")
    .replace("*", "x");
}

const guarded = () =>
  routes
    .filter((r) => r.url.startsWith("/v1/") || r.url.startsWith("/ipfs/"))
    .flatMap((r) => (Array.isArray(r.method) ? r.method : [r.method]).map((method) => ({ method, url: r.url, key: `${method} ${r.url}` })));

describe("authentication of the tenant API", () => {
  it("registers every route of the public and key-optional lists, each optional one with its reason (and finds the /v1 routes to check)", () => {
    const all = guarded().map((r) => r.key);
    expect(all.length).toBeGreaterThan(30);
    for (const key of PUBLIC_V1_ROUTES) expect(all).toContain(key);
    expect(Object.keys(KEY_OPTIONAL_ROUTES)).toEqual(["GET /ipfs/:cid"]);
    for (const [key, reason] of Object.entries(KEY_OPTIONAL_ROUTES)) {
      expect(all).toContain(key);
      expect(reason.length).toBeGreaterThan(20);
    }
  });

  it.each([
    ["no Authorization header", {}],
    ["an unknown API key", { authorization: "Bearer pp_notakey" }],
  ])("answers 401 UNAUTHORIZED to every non-public /v1 and /ipfs route for %s", async (_name, headers: Record<string, string>) => {
    const wrong: string[] = [];
    let checked = 0;
    for (const r of guarded()) {
      const asGet = r.key.replace(/^HEAD /, "GET ");
      const publicRoute = (PUBLIC_V1_ROUTES as readonly string[]).includes(asGet);
      // A key-optional route answers without a key, but an unknown key is still refused.
      const keyOptional = Object.hasOwn(KEY_OPTIONAL_ROUTES, asGet) && headers.authorization === undefined;
      if (publicRoute || keyOptional) continue;
      const withBody = r.method === "POST" || r.method === "PUT";
      const res = await t.app.inject({ method: r.method as "GET", url: concrete(r.url), headers, ...(withBody ? { payload: {} } : {}) });
      checked++;
      if (res.statusCode !== 401 || (r.method !== "HEAD" && res.json().error.code !== "UNAUTHORIZED")) wrong.push(`${r.key}: ${res.statusCode}`);
    }
    expect(wrong).toEqual([]);
    expect(checked).toBeGreaterThan(30);
  });

  it("answers the public /v1 routes without a key (never 401)", async () => {
    for (const key of PUBLIC_V1_ROUTES) {
      const [method, url] = key.split(" ") as [string, string];
      const res = await t.app.inject({
        method: method as "GET",
        url: method === "GET" ? `${url}?sha256=${"ab".repeat(32)}` : url,
        ...(method === "POST" ? { payload: {} } : {}),
      });
      expect(res.statusCode, key).not.toBe(401);
      expect(res.statusCode, key).toBeLessThan(500);
    }
  });

  it("answers the key-optional routes without a key (never 401): an unknown CID is a 404, as for any tenant", async () => {
    for (const key of Object.keys(KEY_OPTIONAL_ROUTES)) {
      const [method, url] = key.split(" ") as [string, string];
      for (const m of [method, "HEAD"]) {
        const res = await t.app.inject({ method: m as "GET", url: concrete(url) });
        expect(res.statusCode, `${m} ${url}`).toBe(404);
      }
    }
  });

  it("still serves a tenant route with a valid key", async () => {
    const res = await t.app.inject({ method: "GET", url: "/v1/webhooks", headers: { authorization: `Bearer ${t.keys.acme}` } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ webhooks: [] });
  });
});
