/**
 * The Store contract (server/src/store/types.ts), run against both backends: the embedded SQLite file
 * and a fresh PostgreSQL database.
 */
import { randomBytes, randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { treeHead } from "../../server/src/services/batcher.ts";
import { MIGRATIONS } from "../../server/src/store/migrations.ts";
import { openPostgresStore } from "../../server/src/store/postgres.ts";
import { FencedWriteError, type BatchRecord, type NewEntry, type Store } from "../../server/src/store/types.ts";
import { TEST_BACKENDS, type TestBackend } from "../helpers/app.ts";
import { createTestDatabase } from "../helpers/postgres.ts";
import { newEntry, openFreshStore } from "../helpers/store.ts";

const hex = (n: number) => "0x" + randomBytes(n).toString("hex");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const openFresh = (backend: TestBackend) => openFreshStore(backend, "pp-store-");

describe.each(TEST_BACKENDS)("the Store contract on %s", (backend) => {
  let store: Store;
  let close: () => Promise<void>;
  let tenantId: string;
  let inserted = 0;

  const entry = (over: Partial<NewEntry> = {}): NewEntry => newEntry(tenantId, over);
  const insert = async (n: number, chainIds: number[]) => {
    const records = await store.insertEntries(
      Array.from({ length: n }, () => entry()),
      chainIds,
    );
    inserted += records.length;
    return records;
  };
  /** Closes with the real tree head, remembering the leaves the store handed over. */
  const close1 = (chainId: number, maxSize: number, fence?: { name: string; token: number }) => {
    let leaves: string[] = [];
    const batch = store.closeBatch(
      chainId,
      maxSize,
      (l) => {
        leaves = l;
        return { root: treeHead(l) };
      },
      fence,
    );
    return batch.then((b) => ({ batch: b, leaves }));
  };

  beforeAll(async () => {
    ({ store, close } = await openFresh(backend));
    tenantId = (await store.createTenant("acme")).id;
  });
  afterAll(async () => {
    await close?.();
  });

  it("reads a tenant by id and keeps its certificate jurisdiction (migration 8)", async () => {
    const t = await store.createTenant(`juris-${randomUUID().slice(0, 8)}`);
    expect(await store.getTenant(t.id)).toMatchObject({ id: t.id, name: t.name, certificateJurisdiction: null });
    await store.setCertificateJurisdiction(t.id, "cn");
    expect((await store.getTenant(t.id))?.certificateJurisdiction).toBe("cn");
    expect((await store.getTenantByName(t.name))?.certificateJurisdiction).toBe("cn");
    await store.setCertificateJurisdiction(t.id, null);
    expect((await store.getTenant(t.id))?.certificateJurisdiction).toBeNull();
    expect(await store.getTenant(randomUUID())).toBeUndefined();
  });
  it("inserts each call all or none: a failing call grouped with others fails alone", async () => {
    const existing = (await insert(1, [101]))[0]!;
    const good1 = [entry(), entry()];
    const dupe = [entry(), entry({ id: existing.id })];
    const unknownTenant = [entry({ tenantId: randomUUID() })];
    const good2 = [entry()];
    // Issued in the same turn of the event loop: one group, one transaction.
    const results = await Promise.allSettled([
      store.insertEntries(good1, [101]),
      store.insertEntries(dupe, [101]),
      store.insertEntries(unknownTenant, [101]),
      store.insertEntries(good2, [101]),
    ]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "rejected", "fulfilled"]);
    inserted += 3;
    const [r1, , , r4] = results as PromiseFulfilledResult<Awaited<ReturnType<Store["insertEntries"]>>>[];
    expect(r1!.value.map((e) => e.id)).toEqual(good1.map((e) => e.id));
    expect(r1!.value.every((e) => e.status === "pending" && e.seq > existing.seq)).toBe(true);
    expect(r1!.value[1]!.seq).toBeGreaterThan(r1!.value[0]!.seq);
    expect(await store.getEntry(good1[1]!.id)).toMatchObject({
      id: good1[1]!.id,
      sha256: good1[1]!.sha256,
      leafHash: good1[1]!.leafHash,
      status: "pending",
      seq: r1!.value[1]!.seq,
    });
    expect(await store.getEntry(r4!.value[0]!.id)).toMatchObject({ status: "pending" });
    // Nothing of the failed calls was stored, not even their valid entries.
    expect(await store.getEntry(dupe[0]!.id)).toBeUndefined();
    expect(await store.getEntry(unknownTenant[0]!.id)).toBeUndefined();
    expect(await store.countPending(101)).toBe(4);
  });

  it("queues each entry on every chain and closes batches in arrival order, at most maxSize each", async () => {
    const records = [...(await insert(4, [201, 202])), ...(await insert(6, [201, 202]))];
    expect(await store.countPending(201)).toBe(10);
    const sizes: number[] = [];
    const leaves: string[] = [];
    const batches: BatchRecord[] = [];
    for (;;) {
      const { batch, leaves: l } = await close1(201, 4);
      if (!batch) break;
      expect(batch).toMatchObject({ chainId: 201, status: "built", treeSize: l.length, root: treeHead(l), txHash: null, attempts: 0 });
      expect(await store.getBatchLeaves(batch.id)).toEqual(l);
      sizes.push(batch.treeSize);
      leaves.push(...l);
      batches.push(batch);
    }
    expect(sizes).toEqual([4, 4, 2]);
    expect(leaves).toEqual(records.map((r) => r.leafHash));
    expect(batches.map((b) => b.id)).toEqual([...batches.map((b) => b.id)].sort((a, b) => a - b));
    expect(await store.countPending(201)).toBe(0);
    // Still queued on chain 202: pending until batched there too.
    expect((await store.getEntry(records[0]!.id))!.status).toBe("pending");
    expect(await store.countPending(202)).toBe(10);
    const other = await close1(202, 100);
    expect(other.batch!.treeSize).toBe(10);
    expect((await store.getEntry(records[5]!.id))!.status).toBe("batched");
    const placed = await store.getEntryBatches(records[5]!.seq);
    expect(placed.map((p) => [p.batch.chainId, p.leafIndex])).toEqual([
      [201, 1],
      [202, 5],
    ]);
    expect((await store.getBatchEntryIds(batches[2]!.id)).map((e) => e.id).sort()).toEqual(
      records
        .slice(8)
        .map((r) => r.id)
        .sort(),
    );
    expect((await store.listBatches(201, ["built"])).map((b) => b.id)).toEqual(batches.map((b) => b.id));
    expect(await close1(201, 4)).toEqual({ batch: undefined, leaves: [] });
  });

  it("never puts an entry in two batches when closes of one chain run concurrently", async () => {
    const records = await insert(40, [301]);
    const closed: { batch: BatchRecord; leaves: string[] }[] = [];
    const closer = async () => {
      for (;;) {
        const r = await close1(301, 3);
        if (!r.batch) return;
        closed.push({ batch: r.batch, leaves: r.leaves });
      }
    };
    await Promise.all(Array.from({ length: 6 }, closer));
    const all = closed.flatMap((c) => c.leaves);
    expect(all).toHaveLength(40);
    expect(new Set(all)).toEqual(new Set(records.map((r) => r.leafHash)));
    for (const c of closed) {
      expect(c.batch.treeSize).toBeLessThanOrEqual(3);
      expect(await store.getBatchLeaves(c.batch.id)).toEqual(c.leaves);
    }
    for (const r of records) expect((await store.getEntryBatches(r.seq)).length).toBe(1);
  });

  it("updates a batch only from the expected status (compare-and-set), moving its entries with it", async () => {
    const [e] = await insert(1, [401]);
    const { batch } = await close1(401, 10);
    const b = batch!;
    expect(await store.updateBatch(b.id, "sent", { status: "anchored" })).toBe(false);
    expect(
      await store.updateBatch(b.id, "built", { status: "sending", txHash: hex(32), nonce: 7, rawTx: "0x02f8", sentAt: new Date().toISOString(), attempts: 1 }),
    ).toBe(true);
    expect(await store.getBatch(b.id)).toMatchObject({ status: "sending", nonce: 7, rawTx: "0x02f8", attempts: 1 });
    // Two writers from the same state: exactly one wins.
    const race = await Promise.all([
      store.updateBatch(b.id, "sending", { status: "sent" }),
      store.updateBatch(b.id, "sending", { status: "built", txHash: null }),
    ]);
    expect(race.filter(Boolean)).toHaveLength(1);
    const now = (await store.getBatch(b.id))!;
    expect(now.status).toBe(race[0] ? "sent" : "built");
    expect((await store.getEntry(e!.id))!.status).toBe("batched");
    expect(await store.updateBatch(b.id, now.status, { status: "anchored", blockNumber: 12, blockHash: hex(32), blockTime: new Date().toISOString() })).toBe(
      true,
    );
    expect((await store.getEntry(e!.id))!.status).toBe("anchored");
    expect((await store.findAnchoredBySha256(e!.sha256, 10)).map((x) => x.id)).toEqual([e!.id]);
    expect(await store.updateBatch(b.id, "anchored", { status: "confirmed", confirmedAt: new Date().toISOString() })).toBe(true);
    expect((await store.getEntry(e!.id))!.status).toBe("confirmed");
    expect(await store.getBatch(b.id)).toMatchObject({ status: "confirmed", blockNumber: 12 });
  });

  it("grants a lease to one holder, renews it with the same token, and lets another take it over only after expiry, with a higher token", async () => {
    const name = "anchorer:501";
    const t1 = await store.acquireLease(name, "node-a", 400);
    expect(t1).toBeTypeOf("number");
    expect(await store.acquireLease(name, "node-b", 400)).toBeUndefined();
    expect(await store.acquireLease(name, "node-a", 400)).toBe(t1);
    expect(await store.acquireLease(name, "node-b", 400)).toBeUndefined();
    await sleep(500);
    // Two contenders for an expired lease: exactly one takes it.
    const [b, c] = await Promise.all([store.acquireLease(name, "node-b", 400), store.acquireLease(name, "node-c", 400)]);
    expect([b, c].filter((x) => x !== undefined)).toEqual([t1! + 1]);
    const winner = b !== undefined ? "node-b" : "node-c";
    expect(await store.acquireLease(name, "node-a", 400)).toBeUndefined();
    // A release hands over at once, again with a new token.
    await store.releaseLease(name, "node-a"); // not the holder: no effect
    expect(await store.acquireLease(name, "node-a", 400)).toBeUndefined();
    await store.releaseLease(name, winner);
    expect(await store.acquireLease(name, "node-a", 400)).toBe(t1! + 2);
  });

  it("refuses a fenced write whose token is no longer the lease's, and changes nothing", async () => {
    const name = "anchorer:601";
    const old = { name, token: (await store.acquireLease(name, "node-a", 300))! };
    await insert(3, [601]);
    const first = (await close1(601, 1, old)).batch!;
    expect(first.treeSize).toBe(1);
    await sleep(400);
    const current = { name, token: (await store.acquireLease(name, "node-b", 5000))! };
    expect(current.token).toBe(old.token + 1);

    const refusedClose = await close1(601, 1, old).catch((e: unknown) => e);
    expect(refusedClose).toBeInstanceOf(FencedWriteError);
    expect(refusedClose).toMatchObject({ lease: name, token: old.token, current: current.token });
    expect(await store.countPending(601)).toBe(2);
    await expect(store.updateBatch(first.id, "built", { status: "sending", txHash: hex(32) }, old)).rejects.toBeInstanceOf(FencedWriteError);
    expect(await store.getBatch(first.id)).toMatchObject({ status: "built", txHash: null });
    await expect(store.updateBatch(first.id, "built", { status: "sending" }, { name: "anchorer:no-such-lease", token: 1 })).rejects.toBeInstanceOf(
      FencedWriteError,
    );

    expect(await store.updateBatch(first.id, "built", { status: "sending" }, current)).toBe(true);
    expect((await close1(601, 5, current)).batch!.treeSize).toBe(2);
    // The old holder cannot renew either.
    expect(await store.acquireLease(name, "node-a", 300)).toBeUndefined();
  });

  it("counts entries and batches by status, and answers ping", async () => {
    await store.ping();
    const s = await store.stats();
    expect(Object.values(s.entries).reduce((a, b) => a + b, 0)).toBe(inserted);
    expect(s.entries.confirmed).toBe(1);
    expect(s.batches.confirmed).toBe(1);
    expect(s.batches.sending).toBe(1);
  });
});

describe("the PostgreSQL store on a fresh database", () => {
  it("is migrated once when several nodes open it at the same moment", async () => {
    const db = await createTestDatabase();
    try {
      const stores = await Promise.all(Array.from({ length: 4 }, () => openPostgresStore(db.url, { poolSize: 2 })));
      const c = new pg.Client({ connectionString: db.url });
      await c.connect();
      try {
        const rows = (await c.query("SELECT version FROM schema_migrations ORDER BY version")).rows as { version: number }[];
        expect(rows.map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version));
      } finally {
        await c.end();
      }
      await stores[0]!.createTenant("one");
      expect(await stores[3]!.getTenantByName("one")).toMatchObject({ name: "one" });
      for (const s of stores) await s.close();
    } finally {
      await db.drop();
    }
  });

  it("keeps synchronous_commit on for its connections when the database defaults it off", async () => {
    const db = await createTestDatabase();
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    try {
      await c.query(`ALTER DATABASE ${db.name} SET synchronous_commit = off`);
      const probe = new pg.Client({ connectionString: db.url });
      await probe.connect();
      expect((await probe.query("SHOW synchronous_commit")).rows[0]).toEqual({ synchronous_commit: "off" });
      await probe.end();
      // openPostgresStore checks the setting on its own connection and refuses to open when it is off.
      const store = await openPostgresStore(db.url, { poolSize: 1 });
      try {
        await store.createTenant("durable");
        expect(await store.getTenantByName("durable")).toBeDefined();
      } finally {
        await store.close();
      }
    } finally {
      await c.end();
      await db.drop();
    }
  });
});

describe("changesEntryStatus (when a batch move must rewrite its entries' status)", () => {
  it("only for moves between batched (built/sending/sent), anchored and confirmed", async () => {
    const { changesEntryStatus } = await import("../../server/src/store/sql.ts");
    const all = ["built", "sending", "sent", "anchored", "confirmed"] as const;
    const category = (s: string) => (s === "anchored" || s === "confirmed" ? s : "batched");
    for (const from of all) {
      expect(changesEntryStatus(from, undefined)).toBe(false);
      for (const to of all) expect(changesEntryStatus(from, to)).toBe(category(from) !== category(to));
    }
    expect(changesEntryStatus("anchored", "built")).toBe(true); // a reorganisation puts entries back to batched
    expect(changesEntryStatus("sending", "sent")).toBe(false);
  });
});
