import { randomBytes } from "node:crypto";
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createIdempotency, MIN_RETENTION_MS } from "../../server/src/services/idempotency.ts";
import { buildTestApp, TEST_BACKENDS, type TestApp } from "../helpers/app.ts";

const digest = () => "0x" + randomBytes(32).toString("hex");
const key = () => `k-${randomBytes(8).toString("hex")}`;

describe.each(TEST_BACKENDS)("Idempotency-Key on stamps and uploads over the %s store", (backend) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp({}, backend);
  });
  afterAll(async () => {
    await t?.close();
  });

  const headers = (tenant: string, k?: string) => ({ authorization: `Bearer ${t.keys[tenant]}`, ...(k !== undefined ? { "idempotency-key": k } : {}) });
  const stamp = (tenant: string, k: string | undefined, items: unknown[]) =>
    t.app.inject({ method: "POST", url: "/v1/stamps", headers: headers(tenant, k), payload: { items } });
  const stored = async (tenant: string, sha256: string) =>
    (await t.app.inject({ method: "GET", url: `/v1/entries?sha256=${sha256}`, headers: headers(tenant) })).json().entries as { id: string }[];
  const upload = (k: string | undefined, content: string, title = "draft") =>
    t.app.inject({
      method: "POST",
      url: "/v1/evidence",
      headers: { ...headers("acme", k), "content-type": "multipart/form-data; boundary=XyZ" },
      payload:
        `--XyZ\r\nContent-Disposition: form-data; name="title"\r\n\r\n${title}\r\n--XyZ\r\nContent-Disposition: form-data; name="file"; ` +
        `filename="a.bin"\r\n\r\n${content}\r\n--XyZ--\r\n`,
    });

  describe("POST /v1/stamps", () => {
    it("answers a retry with the same key and body with the original entries (same ids, same status) and stores them once", async () => {
      const k = key();
      const items = [{ sha256: digest() }, { sha256: digest(), claim: { title: "logo v2" } }];
      const first = await stamp("acme", k, items);
      expect(first.statusCode).toBe(202);
      const again = await stamp("acme", k, items);
      expect(again.statusCode).toBe(202);
      expect(again.headers["idempotent-replayed"]).toBe("true");
      expect(again.json().entries.map((e: { id: string }) => e.id)).toEqual(first.json().entries.map((e: { id: string }) => e.id));
      expect(again.json().entries.map((e: { sha256: string }) => e.sha256)).toEqual(items.map((i) => i.sha256));
      for (const i of items) expect((await stored("acme", i.sha256)).length).toBe(1);
    });

    it("treats the same digests spelled in upper case without 0x as the same request", async () => {
      const k = key();
      const d = digest();
      const first = await stamp("acme", k, [{ sha256: d }]);
      const again = await stamp("acme", k, [{ sha256: d.slice(2).toUpperCase() }]);
      expect(again.statusCode).toBe(202);
      expect(again.json().entries[0].id).toBe(first.json().entries[0].id);
    });

    it("refuses the same key with a different body with 422 IDEMPOTENCY_KEY_REUSED and stores nothing for it", async () => {
      const k = key();
      await stamp("acme", k, [{ sha256: digest() }]);
      const other = digest();
      const res = await stamp("acme", k, [{ sha256: other }]);
      expect(res.statusCode).toBe(422);
      expect(res.json().error.code).toBe("IDEMPOTENCY_KEY_REUSED");
      expect(await stored("acme", other)).toEqual([]);
    });

    it("keeps keys per tenant: another tenant's same key is a new request", async () => {
      const k = key();
      const d = digest();
      const a = await stamp("acme", k, [{ sha256: d }]);
      const b = await stamp("rival", k, [{ sha256: d }]);
      expect(b.statusCode).toBe(202);
      expect(b.json().entries[0].id).not.toBe(a.json().entries[0].id);
    });

    it("records nothing for a failed request, so that its corrected retry with the same key is accepted", async () => {
      const k = key();
      const bad = await stamp("acme", k, [{ sha256: "0x1234" }]);
      expect(bad.statusCode).toBe(400);
      const good = await stamp("acme", k, [{ sha256: digest() }]);
      expect(good.statusCode).toBe(202);
      expect(good.headers["idempotent-replayed"]).toBeUndefined();
    });

    it("accepts the key as a structured-field string and rejects an empty or non-ASCII key with 400", async () => {
      const k = key();
      const d = digest();
      const quoted = await stamp("acme", `"${k}"`, [{ sha256: d }]);
      const bare = await stamp("acme", k, [{ sha256: d }]);
      expect(bare.json().entries[0].id).toBe(quoted.json().entries[0].id);
      for (const badKey of ['""', "é"]) {
        const res = await stamp("acme", badKey, [{ sha256: digest() }]);
        expect(res.statusCode).toBe(400);
        expect(res.json().error.code).toBe("INVALID_IDEMPOTENCY_KEY");
      }
    });

    it("without a key, every request creates new entries", async () => {
      const d = digest();
      const a = await stamp("acme", undefined, [{ sha256: d }]);
      const b = await stamp("acme", undefined, [{ sha256: d }]);
      expect(a.json().entries[0].id).not.toBe(b.json().entries[0].id);
    });
  });

  describe("POST /v1/evidence", () => {
    it("answers a retried upload (same file and fields) with the original entries, and a different file under the key with 422", async () => {
      const k = key();
      const content = randomBytes(24).toString("hex");
      const first = await upload(k, content);
      expect(first.statusCode).toBe(202);
      const again = await upload(k, content);
      expect(again.statusCode).toBe(202);
      expect(again.json().entries[0].id).toBe(first.json().entries[0].id);
      expect((await stored("acme", first.json().entries[0].sha256)).length).toBe(1);
      const changed = await upload(k, content, "another title");
      expect(changed.statusCode).toBe(422);
      expect(changed.json().error.code).toBe("IDEMPOTENCY_KEY_REUSED");
      const otherFile = await upload(k, content + "!");
      expect(otherFile.statusCode).toBe(422);
    });

    it("answers 409 IDEMPOTENCY_KEY_IN_USE while a request with the key is still in flight, then the first one completes", async () => {
      const k = key();
      const body = new PassThrough();
      const head = `--XyZ\r\nContent-Disposition: form-data; name="file"; filename="slow.bin"\r\n\r\n`;
      body.write(head + "first half ");
      const slow = t.app.inject({
        method: "POST",
        url: "/v1/evidence",
        headers: { ...headers("acme", k), "content-type": "multipart/form-data; boundary=XyZ" },
        payload: body,
      });
      await new Promise((r) => setTimeout(r, 300)); // the slow request is inside its handler, holding the key
      const concurrent = await stamp("acme", k, [{ sha256: digest() }]);
      expect(concurrent.statusCode).toBe(409);
      expect(concurrent.json().error.code).toBe("IDEMPOTENCY_KEY_IN_USE");
      body.end("second half\r\n--XyZ--\r\n");
      const done = await slow;
      expect(done.statusCode).toBe(202);
    });
  });

  describe("Store.insertEntries with a key", () => {
    it("commits the key with the entries, and refuses a second insert under the key without writing its entries (two nodes racing)", async () => {
      const k = key();
      const first = await stamp("acme", k, [{ sha256: digest() }]);
      const tenantId = (await t.app.store.getEntry(first.json().entries[0].id))!.tenantId;
      const recorded = await t.app.store.getIdempotencyKey(tenantId, k);
      expect(recorded?.entryIds).toEqual([first.json().entries[0].id]);
      const d = digest();
      await expect(t.app.ingest.stamp(tenantId, [{ sha256: d }], null, { tenantId, key: k, fingerprint: "0x00", status: 202 })).rejects.toThrow(
        /already recorded/,
      );
      expect(await stored("acme", d)).toEqual([]);
    });
  });

  describe("the key sweeper", () => {
    it("keeps a key for 24 hours and forgets it after", async () => {
      const k = key();
      const d = digest();
      const first = await stamp("acme", k, [{ sha256: d }]);
      const tenantId = (await t.app.store.getEntry(first.json().entries[0].id))!.tenantId;
      const at = (ms: number) => createIdempotency({ store: t.app.store, retentionMs: 1_000 /* raised to 24 h */, now: () => Date.now() + ms });
      await at(MIN_RETENTION_MS - 60_000).sweep();
      expect(await t.app.store.getIdempotencyKey(tenantId, k)).toBeDefined();
      expect(await at(MIN_RETENTION_MS + 60_000).sweep()).toBeGreaterThan(0);
      expect(await t.app.store.getIdempotencyKey(tenantId, k)).toBeUndefined();
      const after = await stamp("acme", k, [{ sha256: d }]);
      expect(after.json().entries[0].id).not.toBe(first.json().entries[0].id);
    });
  });
});
