/**
 * The capture store (server/src/store/captures.ts, migration 10) on both backends: the embedded SQLite
 * file and a fresh PostgreSQL database — queue claims, lease expiry, lineage lookup, schedules.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CaptureOptions } from "../../server/src/store/captures.ts";
import type { Store } from "../../server/src/store/types.ts";
import { TEST_BACKENDS, type TestBackend } from "../helpers/app.ts";
import { openFreshStore } from "../helpers/store.ts";

const OPTIONS: CaptureOptions = { javascript: true, viewport: { width: 1280, height: 800 }, timeBudgetMs: 60_000, sizeBudgetBytes: 1_000_000, settleMs: 1_000 };
const done = (status: "complete" | "failed", over: Record<string, unknown> = {}) => ({
  status,
  change: null,
  changed: [],
  errorCode: null,
  errorMessage: null,
  manifest: null,
  manifestSha256: null,
  manifestCid: null,
  entryId: null,
  previousId: null,
  previousSha256: null,
  parts: [],
  domSha256: null,
  screenshotSha256: null,
  finalUrl: null,
  finishedAt: new Date().toISOString(),
  ...over,
});

const openFresh = (backend: TestBackend) => openFreshStore(backend, "pp-capstore-");

describe.each(TEST_BACKENDS)("the capture store on %s", (backend) => {
  let store: Store;
  let close: () => Promise<void>;
  let tenantId: string;
  beforeAll(async () => {
    ({ store, close } = await openFresh(backend));
    tenantId = (await store.createTenant("acme")).id;
  }, 60_000);
  afterAll(async () => {
    await close?.();
  });

  it("hands each queued capture to one worker, oldest first, and again after its lease expired", async () => {
    const a = await store.captures.enqueue({ tenantId, url: "https://a.example/", options: OPTIONS });
    const b = await store.captures.enqueue({ tenantId, url: "https://b.example/", options: OPTIONS });
    expect(a.status).toBe("queued");
    expect(await store.captures.countQueued()).toBe(2);
    const now = Date.now();
    const [x, y] = await Promise.all([store.captures.claim("w1", 1_000, now), store.captures.claim("w2", 1_000, now)]);
    expect(new Set([x?.id, y?.id])).toEqual(new Set([a.id, b.id]));
    expect(await store.captures.claim("w3", 1_000, now)).toBeUndefined();
    // w1's lease runs out: another worker takes its capture over, and w1 can no longer finish it.
    const retaken = await store.captures.claim("w3", 1_000, now + 2_000);
    expect(retaken).toMatchObject({ status: "running", attempts: 2 });
    const holder = retaken!.id === x!.id ? "w1" : "w2";
    expect(await store.captures.finish(retaken!.id, holder, done("failed", { errorCode: "X" }))).toBe(false);
    expect(await store.captures.finish(retaken!.id, "w3", done("complete", { entryId: "e1", manifestSha256: "0x" + "11".repeat(32) }))).toBe(true);
    expect(await store.captures.get(retaken!.id)).toMatchObject({ status: "complete", entryId: "e1" });
  });

  it("finds the latest stamped capture of a URL for lineage, and lists a URL's history newest first", async () => {
    const url = "https://shop.example/item";
    const ids: string[] = [];
    for (const status of ["complete", "failed", "complete"] as const) {
      const c = await store.captures.enqueue({ tenantId, url, options: OPTIONS });
      await store.captures.claim("w", 60_000, Date.now());
      await store.captures.finish(
        c.id,
        "w",
        done(status, status === "complete" ? { entryId: `entry-${ids.length}`, manifestSha256: "0x" + String(ids.length).repeat(64) } : {}),
      );
      ids.push(c.id);
      await new Promise((r) => setTimeout(r, 5));
    }
    const next = await store.captures.enqueue({ tenantId, url, options: OPTIONS });
    expect((await store.captures.latestStamped(tenantId, url, next.id))?.id).toBe(ids[2]);
    expect((await store.captures.list(tenantId, { url, limit: 10 })).map((c) => c.id)).toEqual([next.id, ids[2], ids[1], ids[0]]);
    expect(await store.captures.list(tenantId, { url: "https://other.example/", limit: 10 })).toEqual([]);
  });

  it("queues a due schedule's run once, even when two nodes race for it", async () => {
    const s = await store.captures.addSchedule({ tenantId, url: "https://brand.example/", options: OPTIONS, every: "daily", nextRunAt: 1_000 });
    expect((await store.captures.dueSchedules(999, 10)).map((d) => d.id)).not.toContain(s.id);
    const [due] = (await store.captures.dueSchedules(1_000, 10)).filter((d) => d.id === s.id);
    const runs = await Promise.all([store.captures.runSchedule(due!, 86_401_000), store.captures.runSchedule(due!, 86_401_000)]);
    expect(runs.filter(Boolean)).toHaveLength(1);
    expect(runs.find(Boolean)).toMatchObject({ scheduleId: s.id, url: "https://brand.example/", status: "queued" });
    expect((await store.captures.getSchedule(s.id))?.nextRunAt).toBe(86_401_000);
    expect(await store.captures.deleteSchedule(tenantId, s.id)).toBe(true);
    expect(await store.captures.listSchedules(tenantId)).toEqual([]);
  });
});
