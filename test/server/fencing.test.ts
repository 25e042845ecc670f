/**
 * Fenced writes beyond the anchorer, on both backends: the timestamper stores its RFC 3161 tokens
 * (from a real `openssl ts` TSA) under its lease's fencing token, so a deposed timestamper's late write
 * is refused. And on PostgreSQL, the fence locks nothing: a fenced transaction whose process stalls
 * between its fence check and its COMMIT for longer than the lease guard is rolled back by the server
 * (idle-in-transaction timeout) and reported as a refused write, while another node takes the lease.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { treeHead } from "../../server/src/services/batcher.ts";
import { createTimestamper } from "../../server/src/services/timestamper.ts";
import { createTsaClient } from "../../server/src/services/tsa-client.ts";
import { openPostgresStore } from "../../server/src/store/postgres.ts";
import { FencedWriteError, type NewEntry, type Store } from "../../server/src/store/types.ts";
import { TEST_BACKENDS } from "../helpers/app.ts";
import { startOpensslTsa, type OpensslTsa } from "../helpers/openssl-tsa.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/postgres.ts";
import { newEntry, openFreshStore } from "../helpers/store.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const entry = (tenantId: string): NewEntry => newEntry(tenantId);

describe.each(TEST_BACKENDS)("fenced timestamper writes on %s", (backend) => {
  let store: Store;
  let close: () => Promise<void>;
  let tsa: OpensslTsa;
  let tenantId: string;

  beforeAll(async () => {
    tsa = await startOpensslTsa();
    ({ store, close } = await openFreshStore(backend, "pp-fence-"));
    tenantId = (await store.createTenant("acme")).id;
  });
  afterAll(async () => {
    await close?.();
    await tsa?.close();
  });

  it("refuses a deposed timestamper's token and stores the current holder's", async () => {
    await store.insertEntries([entry(tenantId), entry(tenantId)], [11]);
    const batch = (await store.closeBatch(11, 10, (l) => ({ root: treeHead(l) })))!;
    const old = { name: "timestamper", token: (await store.acquireLease("timestamper", "node-a", 300))!, ttlMs: 300 };
    await sleep(400);
    const current = { name: "timestamper", token: (await store.acquireLease("timestamper", "node-b", 5_000))!, ttlMs: 5_000 };
    expect(current.token).toBe(old.token + 1);

    const tsaClient = createTsaClient({ url: tsa.url, timeoutMs: 15_000, retry: { attempts: 1, baseDelayMs: 0 }, trustAnchors: [tsa.caDer] });
    const warnings: string[] = [];
    const log = { info: () => undefined, warn: (_o: object, m: string) => void warnings.push(m) };
    const deposed = createTimestamper({ store, tsa: tsaClient, log, fence: () => old });
    expect(await deposed.tick()).toBe(0);
    expect(warnings).toContain("timestamper lease lost: write refused, standing down");
    expect(await store.getTimestampTokens(batch.id)).toEqual([]);
    await expect(
      store.addTimestampToken({ batchId: batch.id, tsaUrl: tsa.url, token: new Uint8Array([1]), genTime: "", serial: "1", info: "{}", createdAt: "" }, old),
    ).rejects.toBeInstanceOf(FencedWriteError);

    const follower = createTimestamper({ store, tsa: tsaClient, log, fence: () => undefined });
    const before = tsa.requests();
    expect(await follower.tick()).toBe(0);
    expect(tsa.requests(), "a process without the lease does not even ask the TSA").toBe(before);

    const leader = createTimestamper({ store, tsa: tsaClient, log, fence: () => current });
    expect(await leader.tick()).toBeGreaterThanOrEqual(1);
    expect((await store.getTimestampTokens(batch.id)).length).toBe(1);
  }, 60_000);
});

describe("a fenced PostgreSQL transaction that stalls before COMMIT", () => {
  let db: TestDatabase;
  let a: Store;
  let b: Store;
  let stallNext = 0;

  beforeAll(async () => {
    db = await createTestDatabase();
    // A stall of the whole process (as a GC pause or SIGSTOP would), right after the fence check.
    a = await openPostgresStore(db.url, {
      faultPoint: (point) => {
        if (point !== "fenced-tx" || stallNext === 0) return;
        const ms = stallNext;
        stallNext = 0;
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
      },
    });
    b = await openPostgresStore(db.url);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await db?.drop();
  });

  it("is rolled back by the server and refused once it outlives the lease guard; the next holder closes the batch", async () => {
    const tenantId = (await a.createTenant("acme")).id;
    await a.insertEntries([entry(tenantId), entry(tenantId), entry(tenantId)], [21]);
    const ttlMs = 1_000;
    const fence = { name: "anchorer:21", token: (await a.acquireLease("anchorer:21", "node-a", ttlMs))!, ttlMs };
    stallNext = 1_500; // past the idle-in-transaction guard (ttl/5) and past the lease itself
    const refused = await a.closeBatch(21, 10, (l) => ({ root: treeHead(l) }), fence).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(FencedWriteError);
    // Not the fence check (it passed, before the stall): the server ended the idle session, COMMIT never ran.
    expect(refused).toMatchObject({ current: null, cause: { code: "25P03" } });
    expect(await a.countPending(21), "nothing of the stalled close was committed").toBe(3);
    expect(await a.listBatches(21, ["built"])).toEqual([]);

    const next = { name: "anchorer:21", token: (await b.acquireLease("anchorer:21", "node-b", 5_000))!, ttlMs: 5_000 };
    expect(next.token).toBe(fence.token + 1);
    expect((await b.closeBatch(21, 10, (l) => ({ root: treeHead(l) }), next))!.treeSize).toBe(3);
  }, 30_000);
});
