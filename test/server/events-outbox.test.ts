/**
 * The events outbox of the Store (migration 5), on both backends: every status, pin, replica and TSA
 * change appended in the transaction that makes it, a single event (a capture's outcome) appended on its own, numbered per tenant without gaps even under
 * concurrent writers, nothing appended by a refused write, and retention that keeps what a webhook
 * endpoint has not read.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { treeHead } from "../../server/src/services/batcher.ts";
import { FencedWriteError, type Store } from "../../server/src/store/types.ts";
import { TEST_BACKENDS, type TestBackend } from "../helpers/app.ts";
import { newEntry, openFreshStore } from "../helpers/store.ts";

const hex = (n: number) => "0x" + randomBytes(n).toString("hex");

const openFresh = (backend: TestBackend) => openFreshStore(backend, "pp-outbox-");

describe.each(TEST_BACKENDS)("the events outbox on %s", (backend) => {
  let store: Store;
  let close: () => Promise<void>;
  let tenant: string;
  let other: string;
  const entry = newEntry;
  const all = (t: string) => store.readEvents(t, 0, 100_000);

  beforeAll(async () => {
    ({ store, close } = await openFresh(backend));
    tenant = (await store.createTenant("acme")).id;
    other = (await store.createTenant("rival")).id;
  }, 60_000);
  afterAll(async () => {
    await close?.();
  });

  it("records each entry's status changes with its batch, in order, per tenant", async () => {
    const heard: [string | undefined, number][] = [];
    const off = store.onEvents((t, seq) => heard.push([t, seq]));
    const [a] = await store.insertEntries([entry(tenant)], [1]);
    const [b] = await store.insertEntries([entry(other)], [1]);
    const batch = (await store.closeBatch(1, 100, (l) => ({ root: treeHead(l) })))!;
    expect(await store.updateBatch(batch.id, "built", { status: "sending", txHash: hex(32) })).toBe(true);
    expect(await store.updateBatch(batch.id, "sending", { status: "sent" })).toBe(true);
    expect(await store.updateBatch(batch.id, "sent", { status: "anchored", blockNumber: 7, blockHash: hex(32) })).toBe(true);
    // Reorganised away: back to built, then anchored again and confirmed.
    expect(await store.updateBatch(batch.id, "anchored", { status: "built", txHash: null, blockNumber: null, blockHash: null })).toBe(true);
    expect(await store.updateBatch(batch.id, "built", { status: "anchored", txHash: hex(32), blockNumber: 9, blockHash: hex(32) })).toBe(true);
    expect(await store.updateBatch(batch.id, "anchored", { status: "confirmed" })).toBe(true);
    const mine = await all(tenant);
    expect(mine.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(mine.map((e) => [e.entryId, e.data.status])).toEqual([
      [a!.id, "pending"],
      [a!.id, "batched"],
      [a!.id, "anchored"],
      [a!.id, "batched"],
      [a!.id, "anchored"],
      [a!.id, "confirmed"],
    ]);
    expect(mine[3]!.data).toMatchObject({ superseded: true, batchId: batch.id, txHash: null });
    expect(mine[4]!.data).toMatchObject({ blockNumber: 9, chainId: 1 });
    expect(mine[2]!.data.superseded).toBeUndefined();
    expect((await all(other)).map((e) => [e.entryId, e.data.status])).toEqual([
      [b!.id, "pending"],
      [b!.id, "batched"],
      [b!.id, "anchored"],
      [b!.id, "batched"],
      [b!.id, "anchored"],
      [b!.id, "confirmed"],
    ]);
    expect(await store.lastEventSeq(tenant)).toBe(6);
    // Listeners hear of committed events (PostgreSQL: through LISTEN/NOTIFY).
    const deadline = Date.now() + 5_000;
    while (!heard.some(([t, s]) => t === tenant && s === 6) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    off();
    expect(heard.some(([t, s]) => t === tenant && s === 6)).toBe(true);
  });

  it("appends nothing when the write is refused (same transaction)", async () => {
    const before = await store.lastEventSeq(tenant);
    await store.insertEntries([entry(tenant)], [2]);
    expect(await store.acquireLease("anchorer:2", "node-a", 60_000)).toBe(1);
    await expect(store.closeBatch(2, 100, (l) => ({ root: treeHead(l) }), { name: "anchorer:2", token: 99 })).rejects.toBeInstanceOf(FencedWriteError);
    const after = await all(tenant);
    expect(after.filter((e) => e.seq > before).map((e) => e.data.status)).toEqual(["pending"]);
    const batch = (await store.closeBatch(2, 100, (l) => ({ root: treeHead(l) }), { name: "anchorer:2", token: 1 }))!;
    await expect(
      store.updateBatch(batch.id, "built", { status: "anchored", blockNumber: 1, blockHash: hex(32) }, { name: "anchorer:2", token: 99 }),
    ).rejects.toBeInstanceOf(FencedWriteError);
    expect((await all(tenant)).filter((e) => e.seq > before).map((e) => e.data.status)).toEqual(["pending", "batched"]);
  });

  it("records pin results, replica status changes (not repeats) and RFC 3161 tokens", async () => {
    const cid = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy";
    const [e] = await store.insertEntries([entry(tenant, { pinStatus: "pending", pinSpool: `${randomUUID()}.upload` })], [3]);
    const before = await store.lastEventSeq(tenant);
    expect(await store.recordPinAttempt(e!.id, { pinned: false, error: "IPFS_UNAVAILABLE", final: false })).toBe(true); // still pending: no event
    expect(await store.recordPinAttempt(e!.id, { pinned: true, cid, cidProfile: "unixfs-v1-2025" })).toBe(true);
    const replica = {
      cid,
      target: "https://pins.example/psa?token=secret",
      kind: "pinning-service" as const,
      requestId: null,
      status: "requested" as const,
      attempts: 0,
      lastError: null,
      nextAttemptAt: 0,
      updatedAt: new Date().toISOString(),
    };
    await store.putReplica(replica);
    await store.putReplica({ ...replica, attempts: 1 }); // same status: no event
    await store.putReplica({ ...replica, status: "pinned", requestId: "r1" });
    const batch = (await store.closeBatch(3, 100, (l) => ({ root: treeHead(l) })))!;
    await store.addTimestampToken({
      batchId: batch.id,
      tsaUrl: "https://tsa.example",
      token: new Uint8Array([1, 2, 3]),
      genTime: "2026-11-30T08:00:00Z",
      serial: "0x01",
      info: "{}",
      createdAt: new Date().toISOString(),
    });
    await store.addTimestampToken({
      batchId: batch.id,
      tsaUrl: "https://tsa.example",
      token: new Uint8Array([1, 2, 3]),
      genTime: "2026-11-30T08:00:00Z",
      serial: "0x01",
      info: "{}",
      createdAt: new Date().toISOString(),
    }); // the same: no event
    const events = (await all(tenant)).filter((x) => x.seq > before);
    expect(events.map((x) => x.type)).toEqual(["entry.pin", "entry.replica", "entry.replica", "entry.status", "entry.timestamp"]);
    expect(events[0]!.data).toMatchObject({ entryId: e!.id, pinStatus: "pinned", cid, attempts: 2 });
    expect(events.slice(1, 3).map((x) => x.data.status)).toEqual(["requested", "pinned"]);
    expect(events[1]!.data.target).toBe("pins.example"); // the host only: no credentials in events
    expect(events[4]!.data).toMatchObject({ entryId: e!.id, batchId: batch.id, genTime: "2026-11-30T08:00:00Z", serial: "0x01" });
  });

  it(
    "appends a single event (a web capture's outcome) after the tenant's others, " + "numbered without gaps beside concurrent writers, and wakes listeners",
    async () => {
      const t = (await store.createTenant("capturing")).id;
      const heard: [string | undefined, number][] = [];
      const off = store.onEvents((tenantId, seq) => heard.push([tenantId, seq]));
      await store.insertEntries([entry(t)], [5]);
      const data = {
        type: "capture.completed",
        captureId: "cap_1",
        url: "https://example.com/",
        entryId: null,
        status: "complete",
        at: new Date().toISOString(),
      };
      await Promise.all([
        ...Array.from({ length: 10 }, (_, i) =>
          store.appendEvent({ tenantId: t, type: i % 2 ? "capture.failed" : "capture.completed", entryId: null, data: { ...data, captureId: `cap_${i}` } }),
        ),
        ...Array.from({ length: 10 }, () => store.insertEntries([entry(t)], [5])),
      ]);
      const events = await all(t);
      expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 21 }, (_, i) => i + 1));
      const captures = events.filter((e) => e.type.startsWith("capture."));
      expect(captures.map((e) => e.data.captureId).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `cap_${i}`).sort());
      expect(captures.every((e) => e.type === (Number(String(e.data.captureId).slice(4)) % 2 ? "capture.failed" : "capture.completed"))).toBe(true);
      expect(captures[0]!.data).toMatchObject({ url: "https://example.com/", status: "complete" });
      expect((await all(other)).some((e) => e.type.startsWith("capture."))).toBe(false);
      const deadline = Date.now() + 5_000;
      while (!heard.some(([x, seq]) => x === t && seq === 21) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      off();
      expect(heard.some(([x, seq]) => x === t && seq === 21)).toBe(true);
    },
  );

  it("numbers a tenant's events without gaps or repeats under concurrent writers", async () => {
    const t = (await store.createTenant("busy")).id;
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        store.insertEntries(
          Array.from({ length: 1 + (i % 3) }, () => entry(t)),
          [4],
        ),
      ),
    );
    const seqs = (await all(t)).map((e) => e.seq);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    expect(seqs.length).toBe(Array.from({ length: 40 }, (_, i) => 1 + (i % 3)).reduce((a, b) => a + b));
  });

  it("never shows a reader a gap while independent transactions of one tenant commit concurrently", async () => {
    const t = (await store.createTenant("racing")).id;
    const spooled = await store.insertEntries(
      Array.from({ length: 60 }, () => entry(t, { pinStatus: "pending", pinSpool: `${randomUUID()}.upload` })),
      [],
    );
    const base = await store.lastEventSeq(t);
    let done = false;
    const snapshots: number[][] = [];
    const reader = (async () => {
      while (!done) snapshots.push((await store.readEvents(t, base, 1000)).map((e) => e.seq));
    })();
    // One transaction each (a pin result), many at once on the pool.
    await Promise.all(
      spooled.map((e) =>
        store.recordPinAttempt(e.id, { pinned: true, cid: "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy", cidProfile: "unixfs-v1-2025" }),
      ),
    );
    done = true;
    await reader;
    snapshots.push((await store.readEvents(t, base, 1000)).map((e) => e.seq));
    for (const seen of snapshots) expect(seen).toEqual(seen.map((_, i) => base + 1 + i));
    expect(snapshots.at(-1)).toHaveLength(60);
  });

  it("prunes old events but keeps those a live webhook endpoint has not read", async () => {
    const t = (await store.createTenant("pruned")).id;
    await store.insertEntries([entry(t), entry(t)], [5]);
    const w = await store.createWebhook({
      id: `wh_${randomUUID().replaceAll("-", "")}`,
      tenantId: t,
      url: "https://hooks.example/x",
      description: null,
      eventTypes: ["*"],
      secret: "whsec_x",
    });
    expect(w.cursorSeq).toBe(2);
    await store.insertEntries([entry(t)], [5]); // seq 3, unread by the endpoint
    await store.pruneEvents(Date.now() + 60_000);
    expect((await all(t)).map((e) => e.seq)).toEqual([3]);
    expect(await store.firstEventSeq(t)).toBe(3);
    expect(await store.enqueueWebhookDeliveries(w.id, 10, () => true, Date.now())).toBe(1);
    await store.pruneEvents(Date.now() + 60_000);
    expect(await all(t)).toEqual([]);
    expect(await store.lastEventSeq(t)).toBe(3); // numbering goes on after pruning
  });
});
