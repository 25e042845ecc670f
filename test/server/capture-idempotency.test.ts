/**
 * Idempotency-Key on POST /v1/captures (issue 24): a retried capture request answers the capture the
 * first one queued, never a second capture; another request under the key is 422; without a key every
 * request queues its own. No capture runs here (CAPTURE_WORKER=false): only the queue is observed.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, TEST_BACKENDS, type TestApp } from "../helpers/app.ts";

for (const backend of TEST_BACKENDS) {
  describe(`POST /v1/captures with an Idempotency-Key (${backend} store)`, () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await buildTestApp({ CAPTURE_ALLOW_PRIVATE: "true", CAPTURE_WORKER: "false", RATE_LIMIT_PER_MINUTE: "100000" }, backend);
    }, 120_000);
    afterAll(async () => {
      await t?.close();
    });
    const post = (body: unknown, key?: string) =>
      t.app.inject({
        method: "POST",
        url: "/v1/captures",
        headers: { authorization: `Bearer ${t.keys.acme}`, ...(key ? { "idempotency-key": key } : {}) },
        payload: body as object,
      });
    const count = async (url: string) =>
      (await t.app.inject({ method: "GET", url: `/v1/captures?url=${encodeURIComponent(url)}`, headers: { authorization: `Bearer ${t.keys.acme}` } })).json()
        .captures.length as number;

    it("answers a retry with the capture the first request queued (same id, Idempotent-Replayed), queuing one", async () => {
      const url = "http://127.0.0.1:9/retried";
      const first = await post({ url }, "capture-key-1");
      expect(first.statusCode).toBe(202);
      const again = await post({ url }, "capture-key-1");
      expect(again.statusCode).toBe(202);
      expect(again.json().capture.id).toBe(first.json().capture.id);
      expect(again.headers["idempotent-replayed"]).toBe("true");
      expect(first.headers["idempotent-replayed"]).toBeUndefined();
      expect(await count(url)).toBe(1);
    });

    it("queues one capture for concurrent requests with one key", async () => {
      const url = "http://127.0.0.1:9/concurrent";
      const answers = await Promise.all(Array.from({ length: 5 }, () => post({ url, options: { javascript: false } }, "capture-key-2")));
      expect(answers.map((a) => a.statusCode)).toEqual([202, 202, 202, 202, 202]);
      expect(new Set(answers.map((a) => a.json().capture.id)).size).toBe(1);
      expect(await count(url)).toBe(1);
    });

    it("refuses another request under a used key with 422 IDEMPOTENCY_KEY_REUSED", async () => {
      expect((await post({ url: "http://127.0.0.1:9/one" }, "capture-key-3")).statusCode).toBe(202);
      const other = await post({ url: "http://127.0.0.1:9/another" }, "capture-key-3");
      expect(other.statusCode).toBe(422);
      expect(other.json().error.code).toBe("IDEMPOTENCY_KEY_REUSED");
      const otherOptions = await post({ url: "http://127.0.0.1:9/one", options: { javascript: false } }, "capture-key-3");
      expect(otherOptions.statusCode).toBe(422);
      expect(await count("http://127.0.0.1:9/another")).toBe(0);
    });

    it("queues a capture for each request without a key, and refuses a malformed key with 400", async () => {
      const url = "http://127.0.0.1:9/unkeyed";
      const a = await post({ url });
      const b = await post({ url });
      expect(a.json().capture.id).not.toBe(b.json().capture.id);
      expect(await count(url)).toBe(2);
      const bad = await post({ url }, "\u00e9t\u00e9");
      expect(bad.statusCode).toBe(400);
      expect(bad.json().error.code).toBe("INVALID_IDEMPOTENCY_KEY");
    });
  });
}
