/**
 * PostgreSQL: leader leases. One `INSERT … ON CONFLICT DO UPDATE … WHERE` statement renews for the
 * holder or takes over an expired lease (token + 1), on the database's clock, on the lease pool.
 */
import type { LeaseStore } from "../types.ts";
import { NOW_MS, type PgDb, type Row } from "./db.ts";

export function pgLeases(db: PgDb): LeaseStore {
  const { leasePool } = db;
  return {
    async acquireLease(name, holder, ttlMs) {
      // One statement: insert a new lease, renew ours, or take over an expired one (new token); the
      // conflicting row is locked while the WHERE is evaluated, so two takers cannot both win.
      const r = (
        await leasePool.query(
          `INSERT INTO leases (name, holder, expires_at, fencing_token) VALUES ($1, $2, ${NOW_MS} + $3::bigint, 1)
         ON CONFLICT (name) DO UPDATE SET
           holder = EXCLUDED.holder,
           expires_at = EXCLUDED.expires_at,
           fencing_token = CASE WHEN leases.holder = EXCLUDED.holder THEN leases.fencing_token ELSE leases.fencing_token + 1 END
         WHERE leases.holder = EXCLUDED.holder OR leases.expires_at <= EXCLUDED.expires_at - $3::bigint
         RETURNING fencing_token`,
          [name, holder, ttlMs],
        )
      ).rows[0] as Row | undefined;
      return r ? Number(r.fencing_token) : undefined;
    },
    async releaseLease(name, holder) {
      await leasePool.query("UPDATE leases SET expires_at = 0 WHERE name = $1 AND holder = $2", [name, holder]);
    },
  };
}
