import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { anchorAll, buildTestApp, type TestApp } from "../helpers/app.ts";

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(async () => {
  await t?.close();
});

describe("batching the same file twice", () => {
  it("anchors a re-stamped digest in a new batch with a new root (the per-entry salt), without blocking the batcher", async () => {
    const digest = "0x" + "7e".repeat(32);
    const ids: string[] = [];
    for (let round = 0; round < 2; round++) {
      const res = await t.app.inject({ method: "POST", url: "/v1/stamps", headers: { authorization: `Bearer ${t.keys.acme}` }, payload: { items: [{ sha256: digest }] } });
      ids.push(res.json().entries[0].id);
      await anchorAll(t);
    }
    const receipts = await Promise.all(ids.map(async (id) => (await t.app.inject({ method: "GET", url: `/v1/entries/${id}/receipt`, headers: { authorization: `Bearer ${t.keys.acme}` } })).json()));
    expect(receipts.map((r) => r.subject.sha256)).toEqual([digest, digest]);
    expect(receipts[0].leaf.salt).not.toBe(receipts[1].leaf.salt);
    expect(receipts[0].anchors[0].proof.root).not.toBe(receipts[1].anchors[0].proof.root);
    for (const r of receipts) {
      const v = await t.app.inject({ method: "POST", url: "/v1/verify", payload: { receipt: r, sha256: digest } });
      expect(v.json().verified).toBe(true);
    }
  });
});
