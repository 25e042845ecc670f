import { CAPTURE_IDEMPOTENCY_MIGRATION_SQL, CAPTURE_MIGRATION_SQL } from "./captures.ts";
import { CONSOLE_MIGRATION_SQL, claimFieldSql } from "./console.ts";
import { DAY_COUNTS_MIGRATION_SQL } from "./day-counts.ts";

/**
 * Versioned schema migrations. Each backend applies the same versions in order, in one transaction
 * each, and records them in `schema_migrations`; the SQL differs only where the dialects do
 * (`{{serial}}` = an auto-increment integer key, `{{blob}}` = a byte column, `{{claim.kind}}` = a field
 * of the entry's claim JSON, written exactly as the queries that use its index write it).
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
    version: 4,
    name: "hardening: the block multihashes of every stored DAG (ownership by content hash); entries by tenant and day (stamp quota)",
    sql: `
-- A stored block is served only to a tenant owning an entry whose DAG contains it: the multihash
-- (hex of its bytes, code and length included) of every block of each stored root, recorded at import.
CREATE TABLE dag_blocks (
  root_cid TEXT NOT NULL,
  multihash TEXT NOT NULL,
  PRIMARY KEY (root_cid, multihash)
);
CREATE INDEX dag_blocks_multihash ON dag_blocks (multihash);
CREATE INDEX entries_tenant_received ON entries (tenant_id, received_at);
`,
  },
  {
    version: 5,
    name: "events outbox (ordered per tenant) and webhooks (endpoints, deliveries)",
    // The outbox is written in the same transaction as the change it records. Each tenant's events are
    // numbered 1, 2, 3… by a counter row that the writing transaction holds locked until it commits, so
    // a reader that saw event n has seen every event below n (no gaps from transactions still open).
    sql: `
CREATE TABLE event_counters (
  tenant_id TEXT PRIMARY KEY,
  last_seq BIGINT NOT NULL
);
CREATE TABLE event_outbox (
  tenant_id TEXT NOT NULL,
  seq BIGINT NOT NULL,
  type TEXT NOT NULL,
  entry_id TEXT,
  data TEXT NOT NULL,
  created_at TEXT NOT NULL,
  created_ms BIGINT NOT NULL,
  PRIMARY KEY (tenant_id, seq)
);
CREATE INDEX event_outbox_created ON event_outbox (created_ms);
CREATE TABLE webhook_endpoints (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants(id),
  url TEXT NOT NULL,
  description TEXT,
  event_types TEXT NOT NULL,
  secret TEXT NOT NULL,
  previous_secret TEXT,
  previous_secret_until_ms BIGINT,
  cursor_seq BIGINT NOT NULL,
  created_at TEXT NOT NULL,
  deleted_at TEXT
);
CREATE INDEX webhook_endpoints_tenant ON webhook_endpoints (tenant_id);
CREATE TABLE webhook_deliveries (
  id {{serial}},
  endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints(id),
  tenant_id TEXT NOT NULL,
  event_seq BIGINT NOT NULL,
  event_type TEXT NOT NULL,
  payload TEXT NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_ms BIGINT NOT NULL,
  last_error TEXT,
  last_status INTEGER,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  delivered_at TEXT
);
CREATE UNIQUE INDEX webhook_deliveries_event ON webhook_deliveries (endpoint_id, event_seq);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_ms) WHERE status = 'pending';
`,
  },
  {
    version: 6,
    name: "idempotency keys of stamp and upload requests (the key and its entries commit together)",
    sql: `
CREATE TABLE idempotency_keys (
  tenant_id TEXT NOT NULL REFERENCES tenants(id),
  idem_key TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  status INTEGER NOT NULL,
  entry_ids TEXT NOT NULL,
  created_at TEXT NOT NULL,
  created_ms BIGINT NOT NULL,
  PRIMARY KEY (tenant_id, idem_key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_ms);
`,
  },
  {
    // Reserved number 7 (docs/design/format-v2.md). Rows written before it are priorproof-leaf/1.
    version: 7,
    name: "leaf version and claimant signature of entries; tenant settings (requireSignedClaims)",
    sql: `
ALTER TABLE entries ADD COLUMN leaf_version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE entries ADD COLUMN signature TEXT;
CREATE TABLE tenant_settings (
  tenant_id TEXT PRIMARY KEY REFERENCES tenants(id),
  require_signed_claims INTEGER NOT NULL DEFAULT 0,
  updated_at TEXT NOT NULL
);
`,
  },
  {
    // Version 8 is reserved for certificates (docs/design/format-v2.md); 4–7 belong to other changes.
    version: 8,
    name: "tenant's default certificate jurisdiction",
    sql: `
ALTER TABLE tenants ADD COLUMN certificate_jurisdiction TEXT;
`,
  },
  {
    version: 10,
    name: "web captures: the capture queue, outcomes and lineage, per-tenant schedules",
    sql: CAPTURE_MIGRATION_SQL,
  },
  {
    version: 11,
    name: "web captures: the Idempotency-Key of the request that queued each capture",
    sql: CAPTURE_IDEMPOTENCY_MIGRATION_SQL,
  },
  {
    version: 12,
    name: "web console: users, sessions, login failures, the first-admin setup token; API keys' last use; entry search indexes",
    sql: CONSOLE_MIGRATION_SQL,
  },
  {
    // Reserved number 13 (issue 20): content is served to the IPFS network only when its tenant published it.
    version: 13,
    name: "IPFS publishing: the tenant's default (public_content) and each entry's public flag",
    sql: `
ALTER TABLE tenant_settings ADD COLUMN public_content INTEGER NOT NULL DEFAULT 0;
ALTER TABLE entries ADD COLUMN public INTEGER NOT NULL DEFAULT 0;
-- The network view of the blockstore asks, per requested block, whether a public entry's DAG holds it.
CREATE INDEX entries_public_cid ON entries (cid) WHERE public = 1;
`,
  },
  {
    // Number 14 is assigned to client-side encryption (docs/operations.md, Client-side encryption).
    version: 14,
    name: "client-side encryption of uploads: the envelope scheme and the stored ciphertext's SHA-256",
    sql: `
ALTER TABLE entries ADD COLUMN encryption TEXT;
ALTER TABLE entries ADD COLUMN content_sha256 TEXT;
`,
  },
  {
    // Number 15 is the perf change's (12–14 belong to other changes).
    version: 15,
    name: "entries per tenant per UTC day, kept with the inserts (the daily stamp quota reads one row)",
    sql: DAY_COUNTS_MIGRATION_SQL,
  },
];

/** SQL of a migration in a dialect. */
export function migrationSql(m: Migration, dialect: "sqlite" | "postgres"): string {
  const serial = dialect === "sqlite" ? "INTEGER PRIMARY KEY AUTOINCREMENT" : "BIGSERIAL PRIMARY KEY";
  const blob = dialect === "sqlite" ? "BLOB" : "BYTEA";
  return m.sql
    .replaceAll("{{serial}}", serial)
    .replaceAll("{{blob}}", blob)
    .replace(/\{\{claim\.(\w+)\}\}/g, (_, field: string) => claimFieldSql(dialect, field));
}
