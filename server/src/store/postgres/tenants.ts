/** PostgreSQL: tenants, their API keys and their settings. */
import { randomUUID } from "node:crypto";
import { tenantOf, toKey } from "../sql.ts";
import type { ApiKeyRecord, Tenant, TenantStore } from "../types.ts";
import type { PgDb } from "./db.ts";

export function pgTenants(db: PgDb): TenantStore {
  const { pool, all, one } = db;
  return {
    async createTenant(name) {
      const t: Tenant = { id: randomUUID(), name, createdAt: new Date().toISOString() };
      await pool.query("INSERT INTO tenants (id, name, created_at) VALUES ($1, $2, $3)", [t.id, t.name, t.createdAt]);
      return t;
    },
    async getTenantByName(name) {
      const r = await one("SELECT * FROM tenants WHERE name = $1", [name]);
      return r ? tenantOf(r) : undefined;
    },
    async getTenant(id) {
      const r = await one("SELECT * FROM tenants WHERE id = $1", [id]);
      return r ? tenantOf(r) : undefined;
    },
    async setCertificateJurisdiction(tenantId, jurisdiction) {
      await pool.query("UPDATE tenants SET certificate_jurisdiction = $1 WHERE id = $2", [jurisdiction, tenantId]);
    },
    async addApiKey(tenantId, keyHash, label) {
      const k: ApiKeyRecord = { id: randomUUID(), tenantId, label, createdAt: new Date().toISOString(), revokedAt: null };
      await pool.query("INSERT INTO api_keys (id, tenant_id, key_hash, label, created_at) VALUES ($1, $2, $3, $4, $5)", [
        k.id,
        tenantId,
        keyHash,
        label,
        k.createdAt,
      ]);
      return k;
    },
    async findApiKey(keyHash) {
      const r = await one("SELECT * FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL", [keyHash]);
      return r ? toKey(r) : undefined;
    },
    async listApiKeys(tenantId) {
      return (await all("SELECT * FROM api_keys WHERE tenant_id = $1 ORDER BY created_at", [tenantId])).map(toKey);
    },
    async revokeApiKey(keyId) {
      const r = await pool.query("UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL", [new Date().toISOString(), keyId]);
      return (r.rowCount ?? 0) > 0;
    },
    async getTenantSettings(tenantId) {
      const r = await one("SELECT require_signed_claims, public_content FROM tenant_settings WHERE tenant_id = $1", [tenantId]);
      return { requireSignedClaims: Number(r?.require_signed_claims ?? 0) === 1, publicContent: Number(r?.public_content ?? 0) === 1 };
    },
    async setTenantSettings(tenantId, settings) {
      await pool.query(
        `INSERT INTO tenant_settings (tenant_id, require_signed_claims, public_content, updated_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT ` +
          `(tenant_id) DO UPDATE SET require_signed_claims = excluded.require_signed_claims, public_content = excluded.public_content, updated_at = ` +
          `excluded.updated_at`,
        [tenantId, settings.requireSignedClaims ? 1 : 0, settings.publicContent ? 1 : 0, new Date().toISOString()],
      );
    },
    async revokedApiKeys(ids) {
      if (ids.length === 0) return [];
      const live = new Set((await all("SELECT id FROM api_keys WHERE revoked_at IS NULL AND id = ANY($1::text[])", [[...ids]])).map((r) => String(r.id)));
      return ids.filter((id) => !live.has(id));
    },
  };
}
