/** Tenants, their API keys and their settings (one concern of the {@link Store}; store/types.ts). */

export interface Tenant {
  readonly id: string;
  readonly name: string;
  readonly createdAt: string;
  /** Legal text of the tenant's certificates when a request names none (`cn`, `us`, `eu`); null: the instance default. */
  readonly certificateJurisdiction?: string | null;
}

export interface ApiKeyRecord {
  readonly id: string;
  readonly tenantId: string;
  readonly label: string | null;
  readonly createdAt: string;
  readonly revokedAt: string | null;
}

/** Per-tenant settings (defaults when never set). */
export interface TenantSettings {
  /** Unsigned stamps and uploads are refused with 400 SIGNATURE_REQUIRED. */
  readonly requireSignedClaims: boolean;
  /** Uploads are published to the IPFS network unless the request says `public=false` (default false). */
  readonly publicContent?: boolean;
}

/** Tenants, API keys and tenant settings. */
export interface TenantStore {
  createTenant(name: string): Promise<Tenant>;
  getTenantByName(name: string): Promise<Tenant | undefined>;
  /** The tenant with this id (the certificate names the submitting account). */
  getTenant(id: string): Promise<Tenant | undefined>;
  /** Sets (or with null clears) the tenant's default certificate jurisdiction. */
  setCertificateJurisdiction(tenantId: string, jurisdiction: string | null): Promise<void>;
  addApiKey(tenantId: string, keyHash: string, label: string | null): Promise<ApiKeyRecord>;
  /** The key with this hash, if it exists and is not revoked. */
  findApiKey(keyHash: string): Promise<ApiKeyRecord | undefined>;
  listApiKeys(tenantId: string): Promise<ApiKeyRecord[]>;
  revokeApiKey(keyId: string): Promise<boolean>;
  /** The tenant's settings (defaults when never set). */
  getTenantSettings(tenantId: string): Promise<TenantSettings>;
  setTenantSettings(tenantId: string, settings: TenantSettings): Promise<void>;
  /** Of these API key ids, those that are revoked (or gone). */
  revokedApiKeys(ids: readonly string[]): Promise<string[]>;
}
