import { CAPTURE_MIGRATION_SQL } from "./captures.ts";

/**
 * Versioned schema migrations. Each backend applies the same versions in order, in one transaction
 * each, and records them in `schema_migrations`; the SQL differs only where the dialects do
 * (`{{serial}}` = an auto-increment integer key, `{{blob}}` = a byte column).
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "tenants, keys, entries, batching queue, batches",
    sql: `
CREATE TABLE tenants (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  created_at TEXT NOT NULL
);
CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants(id),
  key_hash TEXT NOT NULL UNIQUE,
  label TEXT,
  created_at TEXT NOT NULL,
  revoked_at TEXT
);
CREATE TABLE entries (
  seq {{serial}},
  id TEXT NOT NULL UNIQUE,
  tenant_id TEXT NOT NULL REFERENCES tenants(id),
  sha256 TEXT NOT NULL,
  sha3_256 TEXT,
  size BIGINT,
  name TEXT,
  media_type TEXT,
  cid TEXT,
  cid_profile TEXT,
  pin_status TEXT NOT NULL,
  claim TEXT,
  claim_sha256 TEXT,
  previous TEXT,
  leaf_salt TEXT NOT NULL,
  leaf_hash TEXT NOT NULL,
  status TEXT NOT NULL,
  received_at TEXT NOT NULL,
  request_id TEXT
);
-- Lookups by digest filter the tenant on the few rows of one digest; lineage and content lookups
-- index only the rows that have a previous version or stored content (cheap inserts for the rest).
CREATE INDEX entries_sha256 ON entries (sha256);
CREATE INDEX entries_tenant_previous ON entries (tenant_id, previous) WHERE previous IS NOT NULL;
CREATE INDEX entries_tenant_cid ON entries (tenant_id, cid) WHERE cid IS NOT NULL;
CREATE TABLE pending_entries (
  chain_id BIGINT NOT NULL,
  entry_seq BIGINT NOT NULL,
  PRIMARY KEY (chain_id, entry_seq)
);
CREATE INDEX pending_entries_entry ON pending_entries (entry_seq);
CREATE TABLE batches (
  id {{serial}},
  chain_id BIGINT NOT NULL,
  root TEXT NOT NULL,
  tree_size BIGINT NOT NULL,
  status TEXT NOT NULL,
  created_at TEXT NOT NULL,
  tx_hash TEXT,
  nonce BIGINT,
  raw_tx TEXT,
  sent_at TEXT,
  block_number BIGINT,
  block_hash TEXT,
  block_time TEXT,
  anchored_at TEXT,
  confirmed_at TEXT,
  attempts INTEGER NOT NULL DEFAULT 0,
  last_error TEXT,
  inclusion TEXT
);
CREATE UNIQUE INDEX batches_chain_root ON batches (chain_id, root);
CREATE INDEX batches_chain_status ON batches (chain_id, status);
CREATE TABLE batch_entries (
  batch_id BIGINT NOT NULL REFERENCES batches(id),
  leaf_index BIGINT NOT NULL,
  entry_seq BIGINT NOT NULL,
  PRIMARY KEY (batch_id, leaf_index)
);
CREATE INDEX batch_entries_entry ON batch_entries (entry_seq);
CREATE TABLE timestamp_tokens (
  batch_id BIGINT NOT NULL REFERENCES batches(id),
  tsa_url TEXT NOT NULL,
  token {{blob}} NOT NULL,
  gen_time TEXT NOT NULL,
  serial TEXT NOT NULL,
  info TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (batch_id, tsa_url)
);
CREATE TABLE leases (
  name TEXT PRIMARY KEY,
  holder TEXT NOT NULL,
  expires_at BIGINT NOT NULL,
  fencing_token BIGINT NOT NULL
);
`,
  },
  {
    version: 2,
    name: "pin state of uploads (attempts, last error, spooled content awaiting a pin); content lookup by CID",
    sql: `
ALTER TABLE entries ADD COLUMN pin_attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE entries ADD COLUMN pin_error TEXT;
ALTER TABLE entries ADD COLUMN pin_spool TEXT;
CREATE INDEX entries_pin_pending ON entries (seq) WHERE pin_status = 'pending';
CREATE INDEX entries_cid ON entries (cid) WHERE cid IS NOT NULL;
`,
  },
  {
    version: 3,
    name: "replicas of stored content at remote pinners",
    sql: `
CREATE TABLE replicas (
  cid TEXT NOT NULL,
  target TEXT NOT NULL,
  kind TEXT NOT NULL,
  request_id TEXT,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  last_error TEXT,
  next_attempt_at BIGINT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (cid, target)
);
CREATE INDEX replicas_due ON replicas (next_attempt_at) WHERE status <> 'pinned';
`,
  },
  {
    version: 10,
    name: "web captures: the capture queue, outcomes and lineage, per-tenant schedules",
    sql: CAPTURE_MIGRATION_SQL,
  },
];

/** SQL of a migration in a dialect. */
export function migrationSql(m: Migration, dialect: "sqlite" | "postgres"): string {
  const serial = dialect === "sqlite" ? "INTEGER PRIMARY KEY AUTOINCREMENT" : "BIGSERIAL PRIMARY KEY";
  const blob = dialect === "sqlite" ? "BLOB" : "BYTEA";
  return m.sql.replaceAll("{{serial}}", serial).replaceAll("{{blob}}", blob);
}
