/**
 * The web console in the store (migration 12): tenant users, their sessions, failed logins (for
 * throttling), the one-time first-admin setup token, API keys as the console lists them (with their
 * last use), and the console's entry search. One implementation over the minimal SQL runner of
 * captures.ts, so SQLite and PostgreSQL share every statement except the JSON field of a claim.
 *
 * Secrets are stored hashed: session ids and the setup token as SHA-256, passwords as scrypt
 * (services/passwords.ts). A session's CSRF token is stored as is: it is useless without the session id.
 */
import { randomUUID } from "node:crypto";
import type { SqlRunner } from "./captures.ts";
import { toEntry } from "./sql.ts";
import type { EntryRecord } from "./types.ts";

type Row = Readonly<Record<string, unknown>>;

/** Least to most rights. */
export const ROLES = ["viewer", "member", "admin"] as const;
export type Role = (typeof ROLES)[number];

export interface UserRecord {
  readonly id: string;
  readonly tenantId: string;
  /** Lower-cased; unique per tenant. */
  readonly email: string;
  readonly name: string | null;
  readonly role: Role;
  /** `scrypt$ln=15,r=8,p=1$<salt>$<hash>` (services/passwords.ts). */
  readonly passwordHash: string;
  readonly createdAt: string;
  /** A disabled user cannot log in and has no sessions. */
  readonly disabledAt: string | null;
}

export type NewUser = Pick<UserRecord, "tenantId" | "email" | "name" | "role" | "passwordHash">;

export interface SessionRecord {
  /** SHA-256 (hex) of the cookie's session id. */
  readonly idHash: string;
  readonly userId: string;
  readonly tenantId: string;
  readonly csrfToken: string;
  readonly createdAt: string;
  readonly lastSeenMs: number;
  /** The absolute expiry (epoch ms); the idle expiry is lastSeenMs + the idle time. */
  readonly expiresMs: number;
}

/** An API key as the console lists it (never its hash). */
export interface ConsoleKeyRecord {
  readonly id: string;
  readonly label: string | null;
  readonly createdAt: string;
  readonly lastUsedAt: string | null;
  readonly revokedAt: string | null;
}

/** Entry statuses of the console's filter: `received` is an entry still queued (`pending` in the store). */
export const ENTRY_FILTER_STATUSES = ["received", "batched", "anchored", "confirmed", "failed"] as const;
export type EntryFilterStatus = (typeof ENTRY_FILTER_STATUSES)[number];

export interface EntrySearch {
  /** A hex digest prefix (8 to 64 hex digits, optional 0x), else a case-insensitive substring of the title or file name. */
  readonly q?: string;
  readonly kind?: string;
  readonly status?: EntryFilterStatus;
  /** Received at or after (ISO-8601). */
  readonly from?: string;
  /** Received before (ISO-8601). */
  readonly to?: string;
  readonly chainId?: number;
  readonly sha256?: string;
  readonly previous?: string;
  readonly limit: number;
  /** Ascending by arrival after this seq, or with `beforeSeq` descending (newest first) before it. */
  readonly afterSeq?: number;
  readonly beforeSeq?: number;
  readonly order?: "asc" | "desc";
}

/** A user with this email already exists in the tenant. */
export class UserExistsError extends Error {
  constructor(email: string) {
    super(`a user ${email} already exists in this tenant`);
    this.name = "UserExistsError";
  }
}

export interface ConsoleStore {
  /** Users of every tenant (the first-admin setup is offered while there are none). */
  countUsers(): Promise<number>;
  /** Rejects with {@link UserExistsError} when the tenant already has the email. */
  createUser(user: NewUser): Promise<UserRecord>;
  getUser(tenantId: string, id: string): Promise<UserRecord | undefined>;
  /** Enabled users with this (lower-cased) email, in any tenant or in `tenantId`, oldest first. */
  findUsersByEmail(email: string, tenantId?: string): Promise<UserRecord[]>;
  listUsers(tenantId: string): Promise<UserRecord[]>;
  updateUser(tenantId: string, id: string, patch: { role?: Role; name?: string | null; disabledAt?: string | null }): Promise<UserRecord | undefined>;
  /** Deletes the user and every session of theirs; resolves whether the user existed. */
  deleteUser(tenantId: string, id: string): Promise<boolean>;
  /** Enabled admins of the tenant. */
  countAdmins(tenantId: string): Promise<number>;

  createSession(session: SessionRecord): Promise<void>;
  /** The session and its (enabled) user, whatever its expiry (the caller checks it). */
  getSession(idHash: string): Promise<{ session: SessionRecord; user: UserRecord } | undefined>;
  touchSession(idHash: string, nowMs: number): Promise<void>;
  deleteSession(idHash: string): Promise<void>;
  /** Deletes the user's sessions (but `exceptIdHash`); resolves how many. */
  deleteUserSessions(userId: string, exceptIdHash?: string): Promise<number>;
  /** Deletes sessions past their absolute expiry or idle since before `idleBeforeMs`. */
  pruneSessions(nowMs: number, idleBeforeMs: number): Promise<number>;

  recordLoginFailure(email: string, ip: string, atMs: number): Promise<void>;
  /** Times (epoch ms, oldest first) of failures since `sinceMs` for the email and for the address. */
  loginFailures(email: string, ip: string, sinceMs: number): Promise<{ email: number[]; ip: number[] }>;
  clearLoginFailures(email: string): Promise<void>;
  pruneLoginFailures(beforeMs: number): Promise<number>;

  /** Records a new setup token (hash) for the tenant; earlier unused tokens stop working. */
  createSetupToken(tokenHash: string, tenantName: string, expiresMs: number): Promise<void>;
  /** Marks the token used if it is unused and unexpired; resolves its tenant name (once). */
  consumeSetupToken(tokenHash: string, nowMs: number): Promise<string | undefined>;

  /** Records the key's last use (the caller limits how often). */
  touchApiKey(id: string, at: string): Promise<void>;
  listApiKeys(tenantId: string): Promise<ConsoleKeyRecord[]>;
  /** Revokes one of the tenant's keys; resolves whether an active key was revoked. */
  revokeApiKey(tenantId: string, id: string): Promise<boolean>;

  /** The tenant's entries matching the search (see {@link EntrySearch}). */
  searchEntries(tenantId: string, search: EntrySearch): Promise<EntryRecord[]>;
}

/** SQL reading one text field of an entry's claim JSON (the same text in the index and the queries). */
export function claimFieldSql(dialect: "sqlite" | "postgres", field: string): string {
  if (!/^\w+$/.test(field)) throw new Error(`bad claim field ${field}`);
  return dialect === "sqlite" ? `json_extract(claim, '$.${field}')` : `((claim::jsonb) ->> '${field}')`;
}

export const CONSOLE_MIGRATION_SQL = `
CREATE TABLE console_users (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants(id),
  email TEXT NOT NULL,
  name TEXT,
  role TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  created_at TEXT NOT NULL,
  disabled_at TEXT
);
CREATE UNIQUE INDEX console_users_tenant_email ON console_users (tenant_id, email);
CREATE INDEX console_users_email ON console_users (email);
-- No foreign key to the user: a session is valid only joined to its enabled user.
CREATE TABLE console_sessions (
  id_hash TEXT PRIMARY KEY,
  user_id TEXT NOT NULL,
  tenant_id TEXT NOT NULL,
  csrf_token TEXT NOT NULL,
  created_at TEXT NOT NULL,
  last_seen_ms BIGINT NOT NULL,
  expires_ms BIGINT NOT NULL
);
CREATE INDEX console_sessions_user ON console_sessions (user_id);
CREATE INDEX console_sessions_expires ON console_sessions (expires_ms);
CREATE TABLE console_login_failures (
  id {{serial}},
  email TEXT NOT NULL,
  ip TEXT NOT NULL,
  at_ms BIGINT NOT NULL
);
CREATE INDEX console_login_failures_email ON console_login_failures (email, at_ms);
CREATE INDEX console_login_failures_ip ON console_login_failures (ip, at_ms);
CREATE INDEX console_login_failures_at ON console_login_failures (at_ms);
CREATE TABLE console_setup_tokens (
  token_hash TEXT PRIMARY KEY,
  tenant_name TEXT NOT NULL,
  created_at TEXT NOT NULL,
  expires_ms BIGINT NOT NULL,
  used_at TEXT
);
ALTER TABLE api_keys ADD COLUMN last_used_at TEXT;
CREATE INDEX api_keys_tenant ON api_keys (tenant_id);
-- The console's entry list in either order (and its filters' scans) by (tenant, seq); kind (a claim
-- field), the few entries not yet confirmed by status, and failed uploads; a date range uses
-- entries_tenant_received (migration 4), a digest prefix entries_sha256.
CREATE INDEX entries_tenant_seq ON entries (tenant_id, seq);
CREATE INDEX entries_tenant_kind ON entries (tenant_id, {{claim.kind}}, seq);
CREATE INDEX entries_tenant_unconfirmed ON entries (tenant_id, status, seq) WHERE status <> 'confirmed';
CREATE INDEX entries_tenant_pin_failed ON entries (tenant_id, seq) WHERE pin_status = 'failed';
`;

const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

function toUser(r: Row): UserRecord {
  return {
    id: String(r.id),
    tenantId: String(r.tenant_id),
    email: String(r.email),
    name: str(r.name),
    role: String(r.role) as Role,
    passwordHash: String(r.password_hash),
    createdAt: String(r.created_at),
    disabledAt: str(r.disabled_at),
  };
}

function toSession(r: Row): SessionRecord {
  return {
    idHash: String(r.id_hash),
    userId: String(r.user_id),
    tenantId: String(r.tenant_id),
    csrfToken: String(r.csrf_token),
    createdAt: String(r.created_at),
    lastSeenMs: Number(r.last_seen_ms),
    expiresMs: Number(r.expires_ms),
  };
}

/** `LIKE` pattern of a literal substring (with `ESCAPE '\'`). */
function likeSubstring(text: string): string {
  return `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** Whether JSON writes the text otherwise than as is (a quote, a backslash or a control character). */
function jsonEscapes(text: string): boolean {
  return JSON.stringify(text).length !== text.length + 2;
}

/** Whether a search text is a digest prefix: 8 to 64 hex digits, optionally 0x-prefixed. */
export function digestPrefixOf(q: string): string | undefined {
  const m = /^(?:0x)?([0-9a-fA-F]{8,64})$/.exec(q.trim());
  return m?.[1]?.toLowerCase();
}

/**
 * The console store over a SQL runner.
 *
 * @example
 * const console = createConsoleStore(sqliteRunner(db));
 */
export function createConsoleStore(sql: SqlRunner): ConsoleStore {
  const one = async (q: string, args: readonly unknown[]) => (await sql.all(q, args))[0];
  const kindSql = claimFieldSql(sql.dialect, "kind");
  const titleSql = claimFieldSql(sql.dialect, "title");
  const userCols = "u.id, u.tenant_id, u.email, u.name, u.role, u.password_hash, u.created_at, u.disabled_at";
  const store: ConsoleStore = {
    async countUsers() {
      return Number((await one("SELECT COUNT(*) AS n FROM console_users", []))?.n ?? 0);
    },
    async createUser(u) {
      const record: UserRecord = { id: randomUUID(), ...u, email: u.email.toLowerCase(), createdAt: new Date().toISOString(), disabledAt: null };
      try {
        await sql.run("INSERT INTO console_users (id, tenant_id, email, name, role, password_hash, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)", [
          record.id,
          record.tenantId,
          record.email,
          record.name,
          record.role,
          record.passwordHash,
          record.createdAt,
        ]);
      } catch (e) {
        if (await one("SELECT 1 AS found FROM console_users WHERE tenant_id = ? AND email = ?", [record.tenantId, record.email]))
          throw new UserExistsError(record.email);
        throw e;
      }
      return record;
    },
    async getUser(tenantId, id) {
      const r = await one(`SELECT ${userCols} FROM console_users u WHERE u.tenant_id = ? AND u.id = ?`, [tenantId, id]);
      return r ? toUser(r) : undefined;
    },
    async findUsersByEmail(email, tenantId) {
      const rows =
        tenantId === undefined
          ? await sql.all(`SELECT ${userCols} FROM console_users u WHERE u.email = ? AND u.disabled_at IS NULL ORDER BY u.created_at LIMIT 10`, [
              email.toLowerCase(),
            ])
          : await sql.all(`SELECT ${userCols} FROM console_users u WHERE u.email = ? AND u.tenant_id = ? AND u.disabled_at IS NULL`, [
              email.toLowerCase(),
              tenantId,
            ]);
      return rows.map(toUser);
    },
    async listUsers(tenantId) {
      return (await sql.all(`SELECT ${userCols} FROM console_users u WHERE u.tenant_id = ? ORDER BY u.created_at, u.id`, [tenantId])).map(toUser);
    },
    async updateUser(tenantId, id, patch) {
      const sets: string[] = [];
      const args: unknown[] = [];
      if (patch.role !== undefined) {
        sets.push("role = ?");
        args.push(patch.role);
      }
      if (patch.name !== undefined) {
        sets.push("name = ?");
        args.push(patch.name);
      }
      if (patch.disabledAt !== undefined) {
        sets.push("disabled_at = ?");
        args.push(patch.disabledAt);
      }
      if (sets.length > 0) await sql.run(`UPDATE console_users SET ${sets.join(", ")} WHERE tenant_id = ? AND id = ?`, [...args, tenantId, id]);
      if (patch.disabledAt) await sql.run("DELETE FROM console_sessions WHERE user_id = ?", [id]);
      return store.getUser(tenantId, id);
    },
    async deleteUser(tenantId, id) {
      const n = await sql.run("DELETE FROM console_users WHERE tenant_id = ? AND id = ?", [tenantId, id]);
      await sql.run("DELETE FROM console_sessions WHERE user_id = ?", [id]);
      return n > 0;
    },
    async countAdmins(tenantId) {
      return Number((await one("SELECT COUNT(*) AS n FROM console_users WHERE tenant_id = ? AND role = 'admin' AND disabled_at IS NULL", [tenantId]))?.n ?? 0);
    },

    async createSession(s) {
      await sql.run(
        "INSERT INTO console_sessions (id_hash, user_id, tenant_id, csrf_token, created_at, last_seen_ms, expires_ms) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [s.idHash, s.userId, s.tenantId, s.csrfToken, s.createdAt, s.lastSeenMs, s.expiresMs],
      );
    },
    async getSession(idHash) {
      const r = await one(
        `SELECT s.id_hash, s.user_id, s.tenant_id AS s_tenant_id, s.csrf_token, s.created_at AS s_created_at, s.last_seen_ms, s.expires_ms, ${userCols}
         FROM console_sessions s JOIN console_users u ON u.id = s.user_id AND u.tenant_id = s.tenant_id
         WHERE s.id_hash = ? AND u.disabled_at IS NULL`,
        [idHash],
      );
      if (!r) return undefined;
      return { session: toSession({ ...r, tenant_id: r.s_tenant_id, created_at: r.s_created_at }), user: toUser(r) };
    },
    async touchSession(idHash, nowMs) {
      await sql.run("UPDATE console_sessions SET last_seen_ms = ? WHERE id_hash = ? AND last_seen_ms < ?", [nowMs, idHash, nowMs]);
    },
    async deleteSession(idHash) {
      await sql.run("DELETE FROM console_sessions WHERE id_hash = ?", [idHash]);
    },
    async deleteUserSessions(userId, exceptIdHash) {
      return exceptIdHash === undefined
        ? sql.run("DELETE FROM console_sessions WHERE user_id = ?", [userId])
        : sql.run("DELETE FROM console_sessions WHERE user_id = ? AND id_hash <> ?", [userId, exceptIdHash]);
    },
    async pruneSessions(nowMs, idleBeforeMs) {
      return sql.run("DELETE FROM console_sessions WHERE expires_ms <= ? OR last_seen_ms < ?", [nowMs, idleBeforeMs]);
    },

    async recordLoginFailure(email, ip, atMs) {
      await sql.run("INSERT INTO console_login_failures (email, ip, at_ms) VALUES (?, ?, ?)", [email.toLowerCase(), ip, atMs]);
    },
    async loginFailures(email, ip, sinceMs) {
      const byEmail = await sql.all("SELECT at_ms FROM console_login_failures WHERE email = ? AND at_ms >= ? ORDER BY at_ms LIMIT 100", [
        email.toLowerCase(),
        sinceMs,
      ]);
      const byIp = await sql.all("SELECT at_ms FROM console_login_failures WHERE ip = ? AND at_ms >= ? ORDER BY at_ms LIMIT 100", [ip, sinceMs]);
      return { email: byEmail.map((r) => Number(r.at_ms)), ip: byIp.map((r) => Number(r.at_ms)) };
    },
    async clearLoginFailures(email) {
      await sql.run("DELETE FROM console_login_failures WHERE email = ?", [email.toLowerCase()]);
    },
    async pruneLoginFailures(beforeMs) {
      return sql.run("DELETE FROM console_login_failures WHERE at_ms < ?", [beforeMs]);
    },

    async createSetupToken(tokenHash, tenantName, expiresMs) {
      await sql.run("DELETE FROM console_setup_tokens WHERE used_at IS NULL", []);
      await sql.run("INSERT INTO console_setup_tokens (token_hash, tenant_name, created_at, expires_ms) VALUES (?, ?, ?, ?)", [
        tokenHash,
        tenantName,
        new Date().toISOString(),
        expiresMs,
      ]);
    },
    async consumeSetupToken(tokenHash, nowMs) {
      // Compare-and-set: of two concurrent uses, one changes the row.
      const n = await sql.run("UPDATE console_setup_tokens SET used_at = ? WHERE token_hash = ? AND used_at IS NULL AND expires_ms > ?", [
        new Date(nowMs).toISOString(),
        tokenHash,
        nowMs,
      ]);
      if (n === 0) return undefined;
      return str((await one("SELECT tenant_name FROM console_setup_tokens WHERE token_hash = ?", [tokenHash]))?.tenant_name) ?? undefined;
    },

    async touchApiKey(id, at) {
      await sql.run("UPDATE api_keys SET last_used_at = ? WHERE id = ?", [at, id]);
    },
    async listApiKeys(tenantId) {
      return (
        await sql.all("SELECT id, label, created_at, last_used_at, revoked_at FROM api_keys WHERE tenant_id = ? ORDER BY created_at, id", [tenantId])
      ).map((r) => ({
        id: String(r.id),
        label: str(r.label),
        createdAt: String(r.created_at),
        lastUsedAt: str(r.last_used_at),
        revokedAt: str(r.revoked_at),
      }));
    },
    async revokeApiKey(tenantId, id) {
      return (
        (await sql.run("UPDATE api_keys SET revoked_at = ? WHERE tenant_id = ? AND id = ? AND revoked_at IS NULL", [new Date().toISOString(), tenantId, id])) >
        0
      );
    },

    async searchEntries(tenantId, s) {
      const where = ["e.tenant_id = ?"];
      const args: unknown[] = [tenantId];
      const desc = s.order === "desc" || s.beforeSeq !== undefined;
      if (desc && s.beforeSeq !== undefined) {
        where.push("e.seq < ?");
        args.push(s.beforeSeq);
      }
      if (!desc && s.afterSeq !== undefined) {
        where.push("e.seq > ?");
        args.push(s.afterSeq);
      }
      if (s.sha256) {
        where.push("e.sha256 = ?");
        args.push(s.sha256);
      }
      if (s.previous) {
        where.push("e.previous = ?");
        args.push(s.previous);
      }
      if (s.q) {
        const prefix = digestPrefixOf(s.q);
        if (prefix) {
          // A range on the digest index (stored as 0x + 64 lower-case hex digits).
          where.push("e.sha256 >= ? AND e.sha256 <= ?");
          args.push(`0x${prefix}`, `0x${prefix.padEnd(64, "f")}`);
        } else {
          const needle = s.q.trim();
          const like = likeSubstring(needle);
          // The claim's raw JSON text first (cheap), then its title field (parsed): a title holds the
          // needle only if the JSON text does, unless the needle has characters JSON escapes.
          const raw = jsonEscapes(needle) ? "" : `lower(e.claim) LIKE ? ESCAPE '\\' AND `;
          where.push(`((${raw}lower(${titleSql}) LIKE ? ESCAPE '\\') OR lower(e.name) LIKE ? ESCAPE '\\')`);
          args.push(...(raw ? [like] : []), like, like);
        }
      }
      if (s.kind) {
        where.push(`${kindSql} = ?`);
        args.push(s.kind);
      }
      if (s.status === "failed") {
        where.push("e.pin_status = 'failed'");
      } else if (s.status) {
        where.push("e.status = ?");
        args.push(s.status === "received" ? "pending" : s.status);
        // Lets the planner use the partial index of entries not yet confirmed.
        if (s.status !== "confirmed") where.push("e.status <> 'confirmed'");
      }
      if (s.from) {
        where.push("e.received_at >= ?");
        args.push(s.from);
      }
      if (s.to) {
        where.push("e.received_at < ?");
        args.push(s.to);
      }
      if (s.chainId !== undefined) {
        where.push(`(EXISTS (SELECT 1 FROM pending_entries p WHERE p.entry_seq = e.seq AND p.chain_id = ?)
          OR EXISTS (SELECT 1 FROM batch_entries be JOIN batches b ON b.id = be.batch_id WHERE be.entry_seq = e.seq AND b.chain_id = ?))`);
        args.push(s.chainId, s.chainId);
      }
      args.push(s.limit);
      const rows = await sql.all(`SELECT e.* FROM entries e WHERE ${where.join(" AND ")} ORDER BY e.seq ${desc ? "DESC" : "ASC"} LIMIT ?`, args);
      return rows.map(toEntry);
    },
  };
  return store;
}
