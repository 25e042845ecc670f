/**
 * The SQL side of the capture store (migrations 10 and 11): the tables, and the minimal runner over
 * either driver that lets SQLite and PostgreSQL share every statement (`?` placeholders, renumbered
 * for PostgreSQL).
 */
export type Row = Readonly<Record<string, unknown>>;

/** The two calls the capture store needs from a driver. */
export interface SqlRunner {
  readonly dialect: "sqlite" | "postgres";
  all(sql: string, args: readonly unknown[]): Promise<Row[]>;
  /** Resolves the number of rows changed. */
  run(sql: string, args: readonly unknown[]): Promise<number>;
}

/** Migration 10's SQL (see migrations.ts). */
export const CAPTURE_MIGRATION_SQL = `
CREATE TABLE captures (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants(id),
  url TEXT NOT NULL,
  options TEXT NOT NULL,
  schedule_id TEXT,
  status TEXT NOT NULL,
  change_kind TEXT,
  changed_parts TEXT,
  error_code TEXT,
  error_message TEXT,
  manifest TEXT,
  manifest_sha256 TEXT,
  manifest_cid TEXT,
  entry_id TEXT,
  previous_id TEXT,
  previous_sha256 TEXT,
  parts TEXT,
  dom_sha256 TEXT,
  screenshot_sha256 TEXT,
  final_url TEXT,
  created_at TEXT NOT NULL,
  started_at TEXT,
  finished_at TEXT,
  attempts INTEGER NOT NULL DEFAULT 0,
  worker TEXT,
  lease_until BIGINT
);
CREATE INDEX captures_queue ON captures (status, created_at);
CREATE INDEX captures_tenant_url ON captures (tenant_id, url, created_at);
CREATE INDEX captures_tenant_created ON captures (tenant_id, created_at);
CREATE INDEX captures_entry ON captures (entry_id) WHERE entry_id IS NOT NULL;
CREATE TABLE capture_schedules (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants(id),
  url TEXT NOT NULL,
  options TEXT NOT NULL,
  every TEXT NOT NULL,
  next_run_at BIGINT NOT NULL,
  created_at TEXT NOT NULL,
  UNIQUE (tenant_id, url)
);
CREATE INDEX capture_schedules_due ON capture_schedules (next_run_at);
CREATE TABLE capture_parts (
  capture_id TEXT NOT NULL REFERENCES captures(id),
  name TEXT NOT NULL,
  tenant_id TEXT NOT NULL REFERENCES tenants(id),
  cid TEXT NOT NULL,
  PRIMARY KEY (capture_id, name)
);
CREATE INDEX capture_parts_cid ON capture_parts (cid, tenant_id);
`;

/** Migration 11: the Idempotency-Key of the request that queued a capture (issue 24), unique per tenant. */
export const CAPTURE_IDEMPOTENCY_MIGRATION_SQL = `
ALTER TABLE captures ADD COLUMN idem_key TEXT;
ALTER TABLE captures ADD COLUMN idem_fingerprint TEXT;
CREATE UNIQUE INDEX captures_idem_key ON captures (tenant_id, idem_key);
`;

/** The runner over a node:sqlite database. */
export function sqliteRunner(db: { prepare(sql: string): { all(...a: never[]): unknown[]; run(...a: never[]): { changes: number | bigint } } }): SqlRunner {
  return {
    dialect: "sqlite",
    async all(q, args) {
      return db.prepare(q).all(...(args as never[])) as Row[];
    },
    async run(q, args) {
      return Number(db.prepare(q).run(...(args as never[])).changes);
    },
  };
}

/** The runner over a `pg` pool (`?` renumbered to `$n`). */
export function postgresRunner(pool: { query(sql: string, values: unknown[]): Promise<{ rows: unknown[]; rowCount: number | null }> }): SqlRunner {
  const renumber = (q: string) => {
    let n = 0;
    return q.replace(/\?/g, () => `$${++n}`);
  };
  return {
    dialect: "postgres",
    async all(q, args) {
      return (await pool.query(renumber(q), [...args])).rows as Row[];
    },
    async run(q, args) {
      return (await pool.query(renumber(q), [...args])).rowCount ?? 0;
    },
  };
}
