/**
 * Security (issue 7, point 5) on the real app over real anvil, SQLite and the embedded blockstore:
 * API keys at rest, tenant isolation (entries, receipts, certificates, events, IPFS content), rate
 * limiting per key, security headers and CORS.
 */
import { createHash } from "node:crypto";
import { readFileSync, existsSync } from "node:fs";
import { DatabaseSync } from "node:sqlite";
import { base58btc } from "multiformats/bases/base58";
import { CID } from "multiformats/cid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { anchorAll, buildTestApp, type TestApp } from "../helpers/app.ts";

const ORIGIN = "https://design.example";
let t: TestApp;
let base = "";
beforeAll(async () => {
  t = await buildTestApp({ CORS_ORIGINS: `${ORIGIN},https://other.example` });
  base = await t.app.listen({ host: "127.0.0.1", port: 0 });
});
afterAll(async () => {
  await t?.close();
});

const auth = (tenant: string) => ({ authorization: `Bearer ${t.keys[tenant]}` });
const sha256Hex = (s: string) => createHash("sha256").update(s, "utf8").digest("hex");

describe("API keys at rest", () => {
  it("stores only each key's SHA-256: no plaintext key in the table or anywhere in the database files", async () => {
    const db = new DatabaseSync(t.config.sqlitePath, { readOnly: true });
    const hashes = (db.prepare("SELECT key_hash FROM api_keys").all() as { key_hash: string }[]).map((r) => r.key_hash);
    db.close();
    for (const key of Object.values(t.keys)) {
      expect(hashes).toContain(sha256Hex(key));
      expect(hashes).not.toContain(key);
      for (const file of [t.config.sqlitePath, `${t.config.sqlitePath}-wal`]) {
        if (existsSync(file)) expect(readFileSync(file).includes(Buffer.from(key))).toBe(false);
      }
    }
  });

  it("authenticates by looking the key's hash up (an index lookup, no comparison of the secret)", async () => {
    const seen: string[] = [];
    const original = t.app.store.findApiKey.bind(t.app.store);
    t.app.store.findApiKey = async (keyHash) => {
      seen.push(keyHash);
      return original(keyHash);
    };
    try {
      const res = await t.app.inject({ method: "GET", url: "/v1/entries", headers: auth("acme") });
      expect(res.statusCode).toBe(200);
    } finally {
      t.app.store.findApiKey = original;
    }
    expect(seen.length).toBeGreaterThan(0);
    expect(new Set(seen)).toEqual(new Set([sha256Hex(t.keys.acme!)]));
  });

  it("refuses a key that differs from a real one in its last character", async () => {
    const key = t.keys.acme!;
    const near = key.slice(0, -1) + (key.endsWith("A") ? "B" : "A");
    const res = await t.app.inject({ method: "GET", url: "/v1/entries", headers: { authorization: `Bearer ${near}` } });
    expect(res.json().error.code).toBe("UNAUTHORIZED");
  });
});

describe("tenant isolation", () => {
  const secret = "confidential sketch v3";
  let entry: { id: string; sha256: string; cid: string };
  beforeAll(async () => {
    const body = `--B\r\nContent-Disposition: form-data; name="file"; filename="sketch.txt"\r\n\r\n${secret}\r\n--B--\r\n`;
    const up = await t.app.inject({
      method: "POST",
      url: "/v1/evidence",
      headers: { ...auth("acme"), "content-type": "multipart/form-data; boundary=B" },
      payload: body,
    });
    entry = up.json().entries[0];
    expect(entry.cid).toMatch(/^baf/);
    await anchorAll(t);
  });

  it("shows the owner its entry, receipt and content", async () => {
    expect((await t.app.inject({ method: "GET", url: `/v1/entries/${entry.id}`, headers: auth("acme") })).statusCode).toBe(200);
    expect((await t.app.inject({ method: "GET", url: `/v1/entries/${entry.id}/receipt`, headers: auth("acme") })).statusCode).toBe(200);
    expect((await t.app.inject({ method: "GET", url: `/ipfs/${entry.cid}`, headers: auth("acme") })).body).toBe(secret);
    expect((await t.app.inject({ method: "GET", url: `/ipfs/${entry.cid}?format=raw`, headers: auth("acme") })).statusCode).toBe(200);
  });

  it.each([
    ["the entry", () => `/v1/entries/${entry.id}`, "ENTRY_NOT_FOUND"],
    ["the receipt", () => `/v1/entries/${entry.id}/receipt`, "ENTRY_NOT_FOUND"],
    ["the certificate", () => `/v1/entries/${entry.id}/certificate.pdf`, "ENTRY_NOT_FOUND"],
    ["the file by CID", () => `/ipfs/${entry.cid}`, "CONTENT_NOT_FOUND"],
    ["the CAR by CID", () => `/ipfs/${entry.cid}?format=car`, "CONTENT_NOT_FOUND"],
    ["the root block by CID (the whole file, for a one-block file)", () => `/ipfs/${entry.cid}?format=raw`, "CONTENT_NOT_FOUND"],
    ["the root block by another spelling of its CID", () => `/ipfs/${CID.parse(entry.cid).toString(base58btc)}?format=raw`, "CONTENT_NOT_FOUND"],
  ])("hides %s from another tenant", async (_what, url, code) => {
    const res = await t.app.inject({ method: "GET", url: url(), headers: auth("rival") });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe(code);
    expect(res.body).not.toContain(secret);
  });

  it("finds nothing of the other tenant by digest or by lineage", async () => {
    for (const q of [`sha256=${entry.sha256}`, `previous=${entry.sha256}`]) {
      const res = await t.app.inject({ method: "GET", url: `/v1/entries?${q}`, headers: auth("rival") });
      expect(res.json().entries).toEqual([]);
    }
  });

  it("streams no event of the other tenant's entries, even when subscribed to one by id", async () => {
    const controller = new AbortController();
    const res = await fetch(`${base}/v1/events?entry=${entry.id}`, { headers: auth("rival"), signal: controller.signal });
    expect(res.status).toBe(200);
    let received = "";
    const reading = (async () => {
      try {
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) received += Buffer.from(chunk).toString("utf8");
      } catch {
        // aborted
      }
    })();
    // A new acme entry through to confirmed: acme's subscribers hear of it, the rival hears nothing.
    const s = await t.app.inject({ method: "POST", url: "/v1/stamps", headers: auth("acme"), payload: { items: [{ sha256: "0x" + "7e".repeat(32) }] } });
    expect(s.statusCode).toBe(202);
    await anchorAll(t);
    await new Promise((r) => setTimeout(r, 300));
    controller.abort();
    await reading;
    expect(received).not.toMatch(/^event:/m);
  });
});

describe("security headers", () => {
  it("sets nosniff, no framing, no referrer and a deny-all CSP on API answers", async () => {
    const res = await t.app.inject({ method: "GET", url: "/v1/verify?sha256=" + "00".repeat(32) });
    expect(res.headers["x-content-type-options"]).toBe("nosniff");
    expect(res.headers["x-frame-options"]).toBe("DENY");
    expect(res.headers["referrer-policy"]).toBe("no-referrer");
    expect(res.headers["content-security-policy"]).toMatch(/default-src 'none'/);
    expect(res.headers["content-security-policy"]).toMatch(/frame-ancestors 'none'/);
  });

  it("gives the verify page a CSP that allows exactly its own inline scripts, by hash", async () => {
    const res = await t.app.inject({ method: "GET", url: "/verify" });
    const csp = String(res.headers["content-security-policy"]);
    const scriptSrc = /script-src ([^;]*)/.exec(csp)![1]!;
    expect(scriptSrc).not.toContain("unsafe-inline");
    const scripts = [...res.body.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]!);
    expect(scripts.length).toBeGreaterThan(0);
    for (const s of scripts) expect(scriptSrc).toContain(`'sha256-${createHash("sha256").update(s, "utf8").digest("base64")}'`);
    expect(scriptSrc.split(" ").length).toBe(scripts.length);
    expect(csp).toMatch(/frame-ancestors 'none'/);
    expect(csp).toMatch(/connect-src \*/);
    expect(res.headers["x-content-type-options"]).toBe("nosniff");
  });
});

describe("CORS (CORS_ORIGINS)", () => {
  const preflight = (origin: string) =>
    t.app.inject({
      method: "OPTIONS",
      url: "/v1/stamps",
      headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "authorization,content-type" },
    });

  it("allows a configured origin", async () => {
    const res = await preflight(ORIGIN);
    expect(res.headers["access-control-allow-origin"]).toBe(ORIGIN);
    const get = await t.app.inject({ method: "GET", url: "/v1/verify?sha256=" + "00".repeat(32), headers: { origin: ORIGIN } });
    expect(get.headers["access-control-allow-origin"]).toBe(ORIGIN);
  });

  it("refuses any other origin", async () => {
    for (const origin of ["https://evil.example", "https://design.example.evil.example", "null"]) {
      const res = await preflight(origin);
      expect(res.headers["access-control-allow-origin"]).toBeUndefined();
      const get = await t.app.inject({ method: "GET", url: "/v1/verify?sha256=" + "00".repeat(32), headers: { origin } });
      expect(get.headers["access-control-allow-origin"]).toBeUndefined();
    }
  });
});

describe("rate limiting per API key", () => {
  let r: TestApp;
  beforeAll(async () => {
    r = await buildTestApp({ RATE_LIMIT_PER_MINUTE: "3" });
  });
  afterAll(async () => {
    await r?.close();
  });
  const get = (authorization?: string) => r.app.inject({ method: "GET", url: "/v1/entries", headers: authorization ? { authorization } : {} });

  it("limits key A after its budget without limiting key B, with a JSON 429 RATE_LIMITED and Retry-After", async () => {
    for (let i = 0; i < 3; i++) expect((await get(`Bearer ${r.keys.acme}`)).statusCode).toBe(200);
    const limited = await get(`Bearer ${r.keys.acme}`);
    expect(limited.statusCode).toBe(429);
    expect(limited.headers["content-type"]).toMatch(/^application\/json/);
    expect(limited.json()).toEqual({ error: { code: "RATE_LIMITED", message: expect.any(String) } });
    expect(Number(limited.headers["retry-after"])).toBeGreaterThan(0);
    for (let i = 0; i < 3; i++) expect((await get(`Bearer ${r.keys.rival}`)).statusCode).toBe(200);
  });

  it("counts requests with made-up keys against their IP, so rotating keys buys no fresh budget", async () => {
    const codes = [];
    for (let i = 0; i < 4; i++) codes.push((await get(`Bearer pp_guess${i}`)).json().error.code);
    expect(codes).toEqual(["UNAUTHORIZED", "UNAUTHORIZED", "UNAUTHORIZED", "RATE_LIMITED"]);
  });
});
