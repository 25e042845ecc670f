/**
 * Leader election through the store (services/lease.ts) and what the batcher does with it, on both
 * backends: one holder at a time, a clean stop hands over at once, a holder that stops renewing stops
 * believing it leads, and a deposed leader's batch close is refused.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBatcher } from "../../server/src/services/batcher.ts";
import { createLease } from "../../server/src/services/lease.ts";
import type { Fence, Store } from "../../server/src/store/types.ts";
import { TEST_BACKENDS } from "../helpers/app.ts";
import { newEntry, openFreshStore } from "../helpers/store.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(TEST_BACKENDS)("leases on %s", (backend) => {
  let store: Store;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ store, close } = await openFreshStore(backend, "pp-lease-"));
  });
  afterAll(async () => {
    await close?.();
  });

  it("lets one process lead at a time, and hands over at once on a clean stop", async () => {
    const a = createLease({ store, name: "anchorer:1", holder: "node-a", ttlMs: 5_000 });
    const b = createLease({ store, name: "anchorer:1", holder: "node-b", ttlMs: 5_000 });
    expect(await a.renew()).toBe(true);
    expect(await b.renew()).toBe(false);
    const fa = a.fence()!;
    expect(fa.name).toBe("anchorer:1");
    expect(b.fence()).toBeUndefined();
    expect(await a.renew()).toBe(true);
    expect(a.fence()).toEqual(fa);
    await a.stop();
    expect(a.fence()).toBeUndefined();
    expect(await b.renew()).toBe(true);
    expect(b.fence()!.token).toBe(fa.token + 1);
    expect(await a.renew()).toBe(false);
    await b.stop();
  });

  it("stops believing it leads once its TTL passes without a renewal, and loses to a taker", async () => {
    const a = createLease({ store, name: "anchorer:2", holder: "node-a", ttlMs: 400 });
    const b = createLease({ store, name: "anchorer:2", holder: "node-b", ttlMs: 400 });
    expect(await a.renew()).toBe(true);
    await sleep(450);
    expect(a.fence()).toBeUndefined();
    expect(await b.renew()).toBe(true);
    expect(await a.renew()).toBe(false);
    await b.stop();
  });

  it("renews by itself every third of the TTL while started", async () => {
    const a = createLease({ store, name: "anchorer:3", holder: "node-a", ttlMs: 400 });
    a.start();
    await sleep(1_000);
    expect(a.fence()).toBeDefined();
    expect(await store.acquireLease("anchorer:3", "node-b", 400)).toBeUndefined();
    await a.stop();
    expect(await store.acquireLease("anchorer:3", "node-b", 400)).toBeDefined();
  });

  it("closes nothing for a deposed leader: its fenced close is refused and the entries stay queued", async () => {
    const tenantId = (await store.createTenant(`t-${randomUUID().slice(0, 8)}`)).id;
    await store.insertEntries(
      Array.from({ length: 3 }, () => newEntry(tenantId)),
      [7],
    );
    const old: Fence = { name: "anchorer:7", token: (await store.acquireLease("anchorer:7", "node-a", 200))! };
    await sleep(250);
    const current: Fence = { name: "anchorer:7", token: (await store.acquireLease("anchorer:7", "node-b", 5_000))! };
    // node-a still believes it leads (e.g. it was paused): the store refuses its close.
    const deposed = createBatcher({ store, chainIds: [7], maxSize: 10, intervalMs: 60_000, fence: () => old });
    expect(await deposed.closeBatches()).toEqual([]);
    expect(await store.countPending(7)).toBe(3);
    // A process without the lease does not even try.
    const follower = createBatcher({ store, chainIds: [7], maxSize: 10, intervalMs: 60_000, fence: () => undefined });
    expect(await follower.closeBatches()).toEqual([]);
    const leader = createBatcher({ store, chainIds: [7], maxSize: 10, intervalMs: 60_000, fence: () => current });
    expect((await leader.closeBatches()).map((b) => b.treeSize)).toEqual([3]);
    expect(await store.countPending(7)).toBe(0);
  });
});
