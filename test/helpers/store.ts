/**
 * A fresh, empty Store on either backend for store-level suites: SQLite in a new temp directory, or
 * PostgreSQL on a new database (test/helpers/postgres.ts); `close()` closes it and removes the
 * directory or drops the database.
 *
 * @example
 * const { store, close } = await openFreshStore("postgres");
 * try { await store.createTenant("acme"); } finally { await close(); }
 */
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openPostgresStore } from "../../server/src/store/postgres.ts";
import { openSqliteStore } from "../../server/src/store/sqlite.ts";
import type { NewEntry, Store } from "../../server/src/store/types.ts";
import type { TestBackend } from "./app.ts";
import { createTestDatabase } from "./postgres.ts";

/** A store opened by `openFreshStore`, with the clean-up that goes with it. */
export interface FreshStore {
  readonly store: Store;
  close(): Promise<void>;
}

/** Opens an empty store on `backend`; `prefix` names the SQLite temp directory. */
export async function openFreshStore(backend: TestBackend, prefix = "pp-store-"): Promise<FreshStore> {
  if (backend === "sqlite") {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    const store = openSqliteStore(join(dir, "store.db"));
    return {
      store,
      close: async () => {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const db = await createTestDatabase();
  const store = await openPostgresStore(db.url);
  return {
    store,
    close: async () => {
      await store.close();
      await db.drop();
    },
  };
}

const hex = (n: number) => "0x" + randomBytes(n).toString("hex");

/**
 * A new entry of `tenantId` with a random id, digest, leaf salt and leaf hash, received now, and no
 * file, CID, claim or chain link; `over` replaces any field.
 *
 * @example
 * await store.insertEntries([newEntry(tenantId), newEntry(tenantId, { pinStatus: "pinned" })], [101]);
 */
export function newEntry(tenantId: string, over: Partial<NewEntry> = {}): NewEntry {
  return {
    id: randomUUID(),
    tenantId,
    sha256: hex(32),
    sha3_256: null,
    size: null,
    name: null,
    mediaType: null,
    cid: null,
    cidProfile: null,
    pinStatus: "none",
    claim: null,
    claimSha256: null,
    previous: null,
    leafSalt: hex(16),
    leafHash: hex(32),
    receivedAt: new Date().toISOString(),
    requestId: null,
    ...over,
  };
}
