/**
 * Tenants and API keys. A key is `pp_` + 32 random bytes (base64url); only its SHA-256 is stored, so a
 * leaked database does not leak usable keys.
 */
import { createHash, randomBytes } from "node:crypto";
import type { ApiKeyRecord, Store, Tenant } from "../store/types.ts";

/** The stored form of an API key. */
export function hashApiKey(key: string): string {
  return createHash("sha256").update(key, "utf8").digest("hex");
}

/** Creates a new random API key (shown once, never stored in clear). */
export function generateApiKey(): string {
  return `pp_${randomBytes(32).toString("base64url")}`;
}

/**
 * Creates a key for a tenant, creating the tenant if it does not exist.
 *
 * @example
 * const { key } = await createTenantKey(store, "acme", "design team");
 */
export async function createTenantKey(store: Store, tenantName: string, label: string | null): Promise<{ tenant: Tenant; key: string; record: ApiKeyRecord }> {
  if (!/^[a-z0-9][a-z0-9._-]{0,62}$/.test(tenantName)) throw new Error(`tenant names are 1-63 of a-z 0-9 . _ - : ${JSON.stringify(tenantName)}`);
  const tenant = (await store.getTenantByName(tenantName)) ?? (await store.createTenant(tenantName));
  const key = generateApiKey();
  const record = await store.addApiKey(tenant.id, hashApiKey(key), label);
  return { tenant, key, record };
}
