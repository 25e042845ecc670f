import { readFileSync } from "node:fs";
import { Ajv2020 } from "ajv/dist/2020.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { receiptProblems } from "../../client-sdk/src/receipt.ts";
import { anchorAll, buildTestApp, TEST_BACKENDS, type TestApp } from "../helpers/app.ts";

const D1 = "0x" + "11".repeat(32);
const D2 = "0x" + "22".repeat(32);

describe.each(TEST_BACKENDS)("the HTTP API over the %s store", (backend) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp({ METRICS_TOKEN: "metrics-test-token" }, backend);
  });
  afterAll(async () => {
    await t?.close();
  });

  const auth = (tenant: string) => ({ authorization: `Bearer ${t.keys[tenant]}` });
  const expectError = (res: { statusCode: number; json(): any }, status: number, code: string) => {
    expect(res.statusCode).toBe(status);
    expect(res.json().error.code).toBe(code);
    expect(typeof res.json().error.message).toBe("string");
  };

  describe("POST /v1/stamps", () => {
    it("accepts digests with or without 0x and upper case, and stores them normalised", async () => {
      const res = await t.app.inject({ method: "POST", url: "/v1/stamps", headers: auth("acme"), payload: { items: [{ sha256: D1.slice(2).toUpperCase() }] } });
      expect(res.statusCode).toBe(202);
      expect(res.json().entries[0].sha256).toBe(D1);
    });

    describe("when the input is bad", () => {
      it.each([
        ["a digest that is not hex", { items: [{ sha256: "zz".repeat(32) }] }],
        ["a digest of the wrong length", { items: [{ sha256: "ab".repeat(31) }] }],
        ["no items", { items: [] }],
        ["1,001 items", { items: Array.from({ length: 1001 }, () => ({ sha256: D1 })) }],
        ["an unknown field", { items: [{ sha256: D1 }], extra: 1 }],
        ["an unknown claim field", { items: [{ sha256: D1, claim: { colour: "red" } }] }],
        ["an unknown asset kind", { items: [{ sha256: D1, claim: { kind: "painting" } }] }],
        ["a previous that is not a digest", { items: [{ sha256: D1, claim: { previous: "abc" } }] }],
      ])("rejects %s with 400 VALIDATION_FAILED and stores nothing", async (_name, payload) => {
        const before = await t.app.store.stats();
        const res = await t.app.inject({ method: "POST", url: "/v1/stamps", headers: auth("acme"), payload });
        expectError(res, 400, "VALIDATION_FAILED");
        expect(await t.app.store.stats()).toEqual(before);
      });

      it("rejects a non-JSON content type with 415", async () => {
        const res = await t.app.inject({ method: "POST", url: "/v1/stamps", headers: { ...auth("acme"), "content-type": "text/plain" }, payload: "hello" });
        expectError(res, 415, "UNSUPPORTED_MEDIA_TYPE");
      });

      it("rejects malformed JSON with 400", async () => {
        const res = await t.app.inject({
          method: "POST",
          url: "/v1/stamps",
          headers: { ...auth("acme"), "content-type": "application/json" },
          payload: '{"items": [',
        });
        expectError(res, 400, "VALIDATION_FAILED");
      });
    });

    describe("when the API key is missing, malformed or unknown", () => {
      it.each([
        ["no key", {}],
        ["a malformed header", { authorization: "Basic abc" }],
        ["an unknown key", { authorization: "Bearer pp_notakey" }],
      ])("answers 401 UNAUTHORIZED for %s", async (_name, headers) => {
        const res = await t.app.inject({ method: "POST", url: "/v1/stamps", headers, payload: { items: [{ sha256: D1 }] } });
        expectError(res, 401, "UNAUTHORIZED");
      });
    });
  });

  describe("POST /v1/evidence", () => {
    const form = (parts: string, boundary = "XyZ") => ({ "content-type": `multipart/form-data; boundary=${boundary}`, payload: parts });

    it("rejects a JSON body with 415", async () => {
      const res = await t.app.inject({ method: "POST", url: "/v1/evidence", headers: auth("acme"), payload: { file: "x" } });
      expectError(res, 415, "UNSUPPORTED_MEDIA_TYPE");
    });

    it("rejects a multipart body with no file with 400 NO_FILES", async () => {
      const body = `--XyZ\r\nContent-Disposition: form-data; name="title"\r\n\r\nonly a title\r\n--XyZ--\r\n`;
      const f = form(body);
      const res = await t.app.inject({
        method: "POST",
        url: "/v1/evidence",
        headers: { ...auth("acme"), "content-type": f["content-type"] },
        payload: f.payload,
      });
      expectError(res, 400, "NO_FILES");
    });

    it("rejects a file over the size limit with 413 and records no entry", async () => {
      const small = await buildTestApp({ MAX_FILE_BYTES: "1000" }, backend);
      try {
        const key = small.keys.acme;
        const body =
          `--XyZ\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\nContent-Type: ` +
          `application/octet-stream\r\n\r\n${"x".repeat(5000)}\r\n--XyZ--\r\n`;
        const res = await small.app.inject({
          method: "POST",
          url: "/v1/evidence",
          headers: { authorization: `Bearer ${key}`, "content-type": "multipart/form-data; boundary=XyZ" },
          payload: body,
        });
        expectError(res, 413, "FILE_TOO_LARGE");
        expect((await small.app.store.stats()).entries.pending).toBe(0);
      } finally {
        await small.close();
      }
    });

    it("keeps only the base name of a hostile file name, without control characters", async () => {
      const body = `--XyZ\r\nContent-Disposition: form-data; name="file"; filename="../../etc/passwd\u0007"\r\n\r\nabc\r\n--XyZ--\r\n`;
      const res = await t.app.inject({
        method: "POST",
        url: "/v1/evidence",
        headers: { ...auth("acme"), "content-type": "multipart/form-data; boundary=XyZ" },
        payload: body,
      });
      expect(res.statusCode).toBe(202);
      expect(res.json().entries[0].name).toBe("passwd");
    });
  });

  describe("entries, receipts and content", () => {
    it("answers 404 ENTRY_NOT_FOUND for an unknown id", async () => {
      expectError(await t.app.inject({ method: "GET", url: "/v1/entries/nope", headers: auth("acme") }), 404, "ENTRY_NOT_FOUND");
    });

    it("answers 409 RECEIPT_PENDING with the status while an entry is not anchored", async () => {
      const s = await t.app.inject({ method: "POST", url: "/v1/stamps", headers: auth("acme"), payload: { items: [{ sha256: D2 }] } });
      const id = s.json().entries[0].id;
      const res = await t.app.inject({ method: "GET", url: `/v1/entries/${id}/receipt`, headers: auth("acme") });
      expectError(res, 409, "RECEIPT_PENDING");
      expect(res.json().error.details).toEqual({ status: "pending" });
    });

    it("never shows one tenant's entries, receipts or content to another", async () => {
      const body = `--XyZ\r\nContent-Disposition: form-data; name="file"; filename="secret.txt"\r\n\r\ntop secret design\r\n--XyZ--\r\n`;
      const up = await t.app.inject({
        method: "POST",
        url: "/v1/evidence",
        headers: { ...auth("acme"), "content-type": "multipart/form-data; boundary=XyZ" },
        payload: body,
      });
      const entry = up.json().entries[0];
      await anchorAll(t);
      expect((await t.app.inject({ method: "GET", url: `/v1/entries/${entry.id}`, headers: auth("acme") })).statusCode).toBe(200);
      expect((await t.app.inject({ method: "GET", url: `/v1/entries/${entry.id}/receipt`, headers: auth("acme") })).statusCode).toBe(200);
      expect((await t.app.inject({ method: "GET", url: `/ipfs/${entry.cid}`, headers: auth("acme") })).body).toBe("top secret design");

      expectError(await t.app.inject({ method: "GET", url: `/v1/entries/${entry.id}`, headers: auth("rival") }), 404, "ENTRY_NOT_FOUND");
      expectError(await t.app.inject({ method: "GET", url: `/v1/entries/${entry.id}/receipt`, headers: auth("rival") }), 404, "ENTRY_NOT_FOUND");
      expectError(await t.app.inject({ method: "GET", url: `/ipfs/${entry.cid}`, headers: auth("rival") }), 404, "CONTENT_NOT_FOUND");
      const search = await t.app.inject({ method: "GET", url: `/v1/entries?sha256=${entry.sha256}`, headers: auth("rival") });
      expect(search.json().entries).toEqual([]);
    });

    it("tells anyone whether a digest is anchored, without naming the tenant or the file", async () => {
      const res = await t.app.inject({ method: "GET", url: `/v1/verify?sha256=${D1}` });
      expect(res.statusCode).toBe(200);
      expect(res.json().anchored).toBe(true);
      expect(JSON.stringify(res.json())).not.toMatch(/acme|secret/);
      const unknown = await t.app.inject({ method: "GET", url: `/v1/verify?sha256=${"99".repeat(32)}` });
      expect(unknown.json()).toMatchObject({ anchored: false, anchors: [] });
    });

    it("answers 400 INVALID_CID for a malformed CID", async () => {
      expectError(await t.app.inject({ method: "GET", url: "/ipfs/not-a-cid", headers: auth("acme") }), 400, "INVALID_CID");
    });

    it("issues receipts that follow docs/receipt.schema.json, and the SDK's validator agrees with the schema", async () => {
      const schema = JSON.parse(readFileSync(new URL("../../docs/receipt.schema.json", import.meta.url), "utf8")) as object;
      const validate = new Ajv2020({ allErrors: true, strict: false }).compile(schema);
      const list = await t.app.inject({ method: "GET", url: `/v1/entries?sha256=${D1}`, headers: auth("acme") });
      const receipt = (await t.app.inject({ method: "GET", url: `/v1/entries/${list.json().entries[0].id}/receipt`, headers: auth("acme") })).json();
      expect(validate(receipt), JSON.stringify(validate.errors)).toBe(true);
      expect(receiptProblems(receipt)).toEqual([]);
      const broken = [
        { ...receipt, version: "priorproof-receipt/3" },
        { ...receipt, version: "priorproof-receipt/1" },
        { ...receipt, subject: { ...receipt.subject, sha256: receipt.subject.sha256.toUpperCase() } },
        { ...receipt, anchors: [] },
        { ...receipt, anchors: [{ ...receipt.anchors[0], blockTime: "yesterday" }] },
        { ...receipt, anchors: [{ ...receipt.anchors[0], proof: { ...receipt.anchors[0].proof, treeSize: 0 } }] },
        { ...receipt, leaf: { ...receipt.leaf, encoding: "other" } },
        { ...receipt, claim: { colour: "red" } },
      ];
      for (const doc of broken) {
        expect(validate(doc), JSON.stringify(doc).slice(0, 100)).toBe(false);
        expect(receiptProblems(doc).length).toBeGreaterThan(0);
      }
    });

    it("verifies a receipt posted to /v1/verify and reports a changed digest as not verified", async () => {
      const list = await t.app.inject({ method: "GET", url: `/v1/entries?sha256=${D1}`, headers: auth("acme") });
      const id = list.json().entries[0].id;
      const receipt = (await t.app.inject({ method: "GET", url: `/v1/entries/${id}/receipt`, headers: auth("acme") })).json();
      const good = await t.app.inject({ method: "POST", url: "/v1/verify", payload: { receipt, sha256: D1 } });
      expect(good.json().verified).toBe(true);
      const bad = await t.app.inject({ method: "POST", url: "/v1/verify", payload: { receipt, sha256: D2 } });
      expect(bad.json().verified).toBe(false);
      expect(bad.json().checks.find((c: any) => c.id === "digest")).toMatchObject({ status: "failed", code: "DIGEST_MISMATCH" });
    });
  });

  describe("operations endpoints", () => {
    it("reports ready with the store, the chain, IPFS and the IPFS node", async () => {
      const res = await t.app.inject({ method: "GET", url: "/readyz" });
      expect(res.statusCode).toBe(200);
      expect(Object.keys(res.json().checks).sort()).toEqual(["chain:31337", "ipfs", "ipfs-node", "store"]);
    });

    it("exposes Prometheus metrics (with METRICS_TOKEN) and the OpenAPI document", async () => {
      const metrics = await t.app.inject({ method: "GET", url: "/metrics", headers: { authorization: "Bearer metrics-test-token" } });
      expect(metrics.body).toMatch(/priorproof_entries\{status="confirmed"\} \d+/);
      for (const gauge of [
        "process_resident_memory_bytes",
        "nodejs_heap_used_bytes",
        "nodejs_heap_total_bytes",
        "nodejs_external_memory_bytes",
        "nodejs_array_buffers_bytes",
      ]) {
        expect(Number(new RegExp(`^${gauge} (\\d+)$`, "m").exec(metrics.body)?.[1])).toBeGreaterThan(0);
      }
      const openapi = await t.app.inject({ method: "GET", url: "/docs/json" });
      expect(Object.keys(openapi.json().paths)).toEqual(expect.arrayContaining(["/v1/stamps", "/v1/evidence", "/v1/entries/{id}/receipt", "/v1/verify"]));
    });

    it("answers unknown routes with a JSON 404", async () => {
      expectError(await t.app.inject({ method: "GET", url: "/v2/nothing" }), 404, "NOT_FOUND");
    });
  });
});
