/** SQLite: tenants, their API keys and their settings. */
import { randomUUID } from "node:crypto";
import { tenantOf, toKey } from "../sql.ts";
import type { ApiKeyRecord, Tenant, TenantStore } from "../types.ts";
import type { SqliteDb, Row } from "./db.ts";

export function sqliteTenants(c: SqliteDb): TenantStore {
  const { q } = c;
  return {
    async createTenant(name) {
      const t: Tenant = { id: randomUUID(), name, createdAt: new Date().toISOString() };
      q("INSERT INTO tenants (id, name, created_at) VALUES (?, ?, ?)").run(t.id, t.name, t.createdAt);
      return t;
    },
    async getTenantByName(name) {
      const r = q("SELECT * FROM tenants WHERE name = ?").get(name) as Row | undefined;
      return r ? tenantOf(r) : undefined;
    },
    async getTenant(id) {
      const r = q("SELECT * FROM tenants WHERE id = ?").get(id) as Row | undefined;
      return r ? tenantOf(r) : undefined;
    },
    async setCertificateJurisdiction(tenantId, jurisdiction) {
      q("UPDATE tenants SET certificate_jurisdiction = ? WHERE id = ?").run(jurisdiction, tenantId);
    },
    async addApiKey(tenantId, keyHash, label) {
      const k: ApiKeyRecord = { id: randomUUID(), tenantId, label, createdAt: new Date().toISOString(), revokedAt: null };
      q("INSERT INTO api_keys (id, tenant_id, key_hash, label, created_at) VALUES (?, ?, ?, ?, ?)").run(k.id, tenantId, keyHash, label, k.createdAt);
      return k;
    },
    async findApiKey(keyHash) {
      const r = q("SELECT * FROM api_keys WHERE key_hash = ? AND revoked_at IS NULL").get(keyHash) as Row | undefined;
      return r ? toKey(r) : undefined;
    },
    async listApiKeys(tenantId) {
      return (q("SELECT * FROM api_keys WHERE tenant_id = ? ORDER BY created_at").all(tenantId) as Row[]).map(toKey);
    },
    async revokeApiKey(keyId) {
      return q("UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL").run(new Date().toISOString(), keyId).changes > 0;
    },
    async getTenantSettings(tenantId) {
      const r = q("SELECT require_signed_claims, public_content FROM tenant_settings WHERE tenant_id = ?").get(tenantId) as Row | undefined;
      return { requireSignedClaims: Number(r?.require_signed_claims ?? 0) === 1, publicContent: Number(r?.public_content ?? 0) === 1 };
    },
    async setTenantSettings(tenantId, settings) {
      q(
        `INSERT INTO tenant_settings (tenant_id, require_signed_claims, public_content, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT ` +
          `(tenant_id) DO UPDATE SET require_signed_claims = excluded.require_signed_claims, public_content = excluded.public_content, updated_at = ` +
          `excluded.updated_at`,
      ).run(tenantId, settings.requireSignedClaims ? 1 : 0, settings.publicContent ? 1 : 0, new Date().toISOString());
    },
    async revokedApiKeys(ids) {
      if (ids.length === 0) return [];
      const live = new Set(
        (q(`SELECT id FROM api_keys WHERE revoked_at IS NULL AND id IN (${ids.map(() => "?").join(", ")})`).all(...ids) as Row[]).map((r) => String(r.id)),
      );
      return ids.filter((id) => !live.has(id));
    },
  };
}
