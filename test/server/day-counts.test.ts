/**
 * The per-tenant daily entry counters of migration 15 (server/src/store/day-counts.ts), on both backends:
 * `countEntriesSince(dayStart)` reads them and must always equal the count of the entries themselves.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openPostgresStore } from "../../server/src/store/postgres.ts";
import { openSqliteStore } from "../../server/src/store/sqlite.ts";
import { IdempotencyKeyTakenError, type NewEntry, type Store } from "../../server/src/store/types.ts";
import { TEST_BACKENDS, type TestBackend } from "../helpers/app.ts";
import { createTestDatabase } from "../helpers/postgres.ts";
import { newEntry } from "../helpers/store.ts";

const hex = (n: number) => "0x" + randomBytes(n).toString("hex");

describe.each(TEST_BACKENDS)("daily entry counters on %s", (backend: TestBackend) => {
  let store: Store;
  let close: () => Promise<void>;
  /** Runs SQL on the store's database through a connection of its own. */
  let sql: (text: string) => Promise<void>;
  let reopen: () => Promise<void>;

  beforeAll(async () => {
    if (backend === "sqlite") {
      const dir = mkdtempSync(join(tmpdir(), "pp-daycounts-"));
      const path = join(dir, "store.db");
      store = openSqliteStore(path);
      sql = async (text) => {
        const db = new DatabaseSync(path);
        db.exec(text);
        db.close();
      };
      reopen = async () => {
        await store.close();
        store = openSqliteStore(path);
      };
      close = async () => {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      };
    } else {
      const db = await createTestDatabase();
      store = await openPostgresStore(db.url);
      sql = async (text) => {
        const c = new pg.Client({ connectionString: db.url });
        await c.connect();
        await c.query(text);
        await c.end();
      };
      reopen = async () => {
        await store.close();
        store = await openPostgresStore(db.url);
      };
      close = async () => {
        await store.close();
        await db.drop();
      };
    }
  }, 60_000);
  afterAll(async () => {
    await close?.();
  });

  const entry = (tenantId: string, receivedAt: string): NewEntry => newEntry(tenantId, { receivedAt });

  it("counts each tenant's entries of a day and later, as the entries themselves do, and not those of a refused call", async () => {
    const [a, b] = [await store.createTenant(`a-${randomUUID()}`), await store.createTenant(`b-${randomUUID()}`)];
    const today = new Date().toISOString().slice(0, 10);
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    const at = (day: string, time: string) => `${day}T${time}Z`;
    await store.insertEntries([entry(a.id, at(yesterday, "23:59:59.999")), entry(a.id, at(yesterday, "10:00:00.000"))], [1]);
    await store.insertEntries([entry(a.id, at(today, "00:00:00.000")), entry(b.id, at(today, "08:00:00.000")), entry(a.id, at(today, "12:00:00.000"))], [1]);
    // Concurrent calls share one transaction (group commit); the one whose key is taken adds nothing.
    const key = { tenantId: a.id, key: `k-${randomUUID()}`, fingerprint: hex(32), status: 202 };
    const outcomes = await Promise.allSettled([
      store.insertEntries([entry(a.id, at(today, "13:00:00.000"))], [1], key),
      store.insertEntries([entry(a.id, at(today, "13:00:01.000")), entry(a.id, at(today, "13:00:02.000"))], [1], key),
      store.insertEntries([entry(b.id, at(today, "13:00:03.000"))], [1]),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect((outcomes[1] as PromiseRejectedResult).reason).toBeInstanceOf(IdempotencyKeyTakenError);

    expect(await store.countEntriesSince(a.id, `${today}T00:00:00.000Z`)).toBe(3);
    expect(await store.countEntriesSince(b.id, `${today}T00:00:00.000Z`)).toBe(2);
    expect(await store.countEntriesSince(a.id, `${yesterday}T00:00:00.000Z`)).toBe(5);
    // Not a day's start: counted from the entries, to the millisecond.
    expect(await store.countEntriesSince(a.id, `${today}T00:00:00.001Z`)).toBe(2);
    expect(await store.countEntriesSince(a.id, `${yesterday}T23:59:59.999Z`)).toBe(4);
  });

  it("fills the counters from the entries already stored when migration 15 runs", async () => {
    const t = await store.createTenant(`m-${randomUUID()}`);
    const today = new Date().toISOString().slice(0, 10);
    await store.insertEntries(
      Array.from({ length: 7 }, () => entry(t.id, new Date().toISOString())),
      [1],
    );
    // A database of before migration 15: no counters table.
    await sql("DROP TABLE tenant_day_counts; DELETE FROM schema_migrations WHERE version = 15;");
    await reopen();
    expect(await store.countEntriesSince(t.id, `${today}T00:00:00.000Z`)).toBe(7);
  });
});
