/** SQLite: leader leases. Writes are serialised, so a read-then-write in one transaction is atomic. */
import type { LeaseStore } from "../types.ts";
import type { SqliteDb, Row } from "./db.ts";

export function sqliteLeases(c: SqliteDb): LeaseStore {
  const { q, tx } = c;
  return {
    async acquireLease(name, holder, ttlMs) {
      const now = Date.now();
      return tx(() => {
        const r = q("SELECT * FROM leases WHERE name = ?").get(name) as Row | undefined;
        if (!r) {
          q("INSERT INTO leases (name, holder, expires_at, fencing_token) VALUES (?, ?, ?, 1)").run(name, holder, now + ttlMs);
          return 1;
        }
        if (r.holder === holder) {
          q("UPDATE leases SET expires_at = ? WHERE name = ?").run(now + ttlMs, name);
          return Number(r.fencing_token);
        }
        if (Number(r.expires_at) > now) return undefined;
        const token = Number(r.fencing_token) + 1;
        q("UPDATE leases SET holder = ?, expires_at = ?, fencing_token = ? WHERE name = ?").run(holder, now + ttlMs, token, name);
        return token;
      });
    },
    async releaseLease(name, holder) {
      q("UPDATE leases SET expires_at = 0 WHERE name = ? AND holder = ?").run(name, holder);
    },
  };
}
