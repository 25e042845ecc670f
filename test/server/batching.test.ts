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
      const res = await t.app.inject({
        method: "POST",
        url: "/v1/stamps",
        headers: { authorization: `Bearer ${t.keys.acme}` },
        payload: { items: [{ sha256: digest }] },
      });
      ids.push(res.json().entries[0].id);
      await anchorAll(t);
    }
    const receipts = await Promise.all(
      ids.map(async (id) =>
        (await t.app.inject({ method: "GET", url: `/v1/entries/${id}/receipt`, headers: { authorization: `Bearer ${t.keys.acme}` } })).json(),
      ),
    );
    expect(receipts.map((r) => r.subject.sha256)).toEqual([digest, digest]);
    expect(receipts[0].leaf.salt).not.toBe(receipts[1].leaf.salt);
    expect(receipts[0].anchors[0].proof.root).not.toBe(receipts[1].anchors[0].proof.root);
    for (const r of receipts) {
      const v = await t.app.inject({ method: "POST", url: "/v1/verify", payload: { receipt: r, sha256: digest } });
      expect(v.json().verified).toBe(true);
    }
  });
});

describe("the offline block-header proof of an anchored batch", () => {
  const stampOne = async (byte: string) => {
    const res = await t.app.inject({
      method: "POST",
      url: "/v1/stamps",
      headers: { authorization: `Bearer ${t.keys.acme}` },
      payload: { items: [{ sha256: "0x" + byte.repeat(32) }] },
    });
    expect(res.statusCode).toBe(202);
    await t.app.batcher.closeBatches();
    return res.json().entries[0].id as string;
  };
  const batchOf = async (id: string) => (await t.app.store.getEntryBatches((await t.app.store.getEntry(id))!.seq))[0]!.batch;

  it("holds confirmation while the proof cannot be captured, confirms once it is, and after the grace period without it", async () => {
    const { createAnchorer } = await import("../../server/src/services/anchorer.ts");
    const { createInclusionCapture } = await import("../../server/src/chain/inclusion.ts");
    const chain = [...t.app.chains.values()][0]!;
    const real = createInclusionCapture(chain);
    let failing = true;
    const attempts: string[] = [];
    const capture = async (txHash: string, batch: Parameters<typeof real>[1]) => {
      attempts.push(txHash);
      if (failing) throw new Error("node answered eth_getBlockReceipts with 503 (injected)");
      return real(txHash, batch);
    };
    const held = createAnchorer({ store: t.app.store, chain, captureInclusion: capture });
    const id = await stampOne("c1");
    for (let i = 0; i < 4; i++) await held.tick();
    let batch = await batchOf(id);
    expect(batch.status).toBe("anchored"); // one confirmation is enough here, but the proof is missing
    expect(batch.inclusion).toBeNull();
    expect(attempts.length).toBeGreaterThanOrEqual(2); // retried every tick
    failing = false;
    await held.tick();
    batch = await batchOf(id);
    expect(batch.status).toBe("confirmed");
    expect(JSON.parse(batch.inclusion!)).toMatchObject({ format: "evm-receipt-proof/2" });

    failing = true;
    const impatient = createAnchorer({ store: t.app.store, chain, captureInclusion: capture, inclusionGraceMs: 0 });
    const other = await stampOne("c2");
    for (let i = 0; i < 4; i++) await impatient.tick();
    batch = await batchOf(other);
    expect(batch.status).toBe("confirmed");
    expect(batch.inclusion).toBeNull();
  });
});
