/**
 * People in the web console: the first-admin setup, logins with throttling, sessions (idle and
 * absolute expiry), users and roles, and API keys as the console manages them. No Fastify here: the
 * auth plugin and routes/v1/console.ts call it.
 *
 * Sessions: the cookie carries 32 random bytes (base64url); the store keeps their SHA-256 only. Each
 * session has its own CSRF token. Logins: 5 failures per account or 20 per address within 15 minutes
 * refuse further attempts (429 LOGIN_THROTTLED) until the oldest of them leaves the window.
 */
import { createHash, randomBytes } from "node:crypto";
import { AppError } from "../errors.ts";
import { ROLES, UserExistsError, type ConsoleKeyRecord, type Role, type SessionRecord, type UserRecord } from "../store/console.ts";
import type { Store } from "../store/types.ts";
import { generateApiKey, hashApiKey } from "./keys.ts";
import { hashPassword, MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS, verifyPassword } from "./passwords.ts";

export const SESSION_IDLE_MS = 12 * 3600_000;
export const SESSION_MAX_MS = 7 * 24 * 3600_000;
/** A session's last use is written at most this often. */
const SESSION_TOUCH_MS = 60_000;
export const LOGIN_WINDOW_MS = 15 * 60_000;
export const LOGIN_MAX_PER_ACCOUNT = 5;
export const LOGIN_MAX_PER_IP = 20;
export const SETUP_TOKEN_TTL_MS = 24 * 3600_000;
/** An API key's last use is written at most this often per key (per process). */
const KEY_TOUCH_MS = 60_000;

/** A user as the API shows it. */
export interface UserView {
  readonly id: string;
  readonly email: string;
  readonly name: string | null;
  readonly role: Role;
  readonly tenantId: string;
  readonly createdAt: string;
  readonly disabled: boolean;
}

export function userView(u: UserRecord): UserView {
  return { id: u.id, email: u.email, name: u.name, role: u.role, tenantId: u.tenantId, createdAt: u.createdAt, disabled: u.disabledAt !== null };
}

/** Whether `role` has at least the rights of `least`. */
export function hasRole(role: Role, least: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(least);
}

export const sha256Hex = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");

/** A new session: the cookie value (secret) and its CSRF token. */
export interface OpenedSession {
  readonly user: UserRecord;
  readonly sessionId: string;
  readonly csrfToken: string;
  readonly expiresMs: number;
}

export interface ConsoleAuth {
  /** Whether no console user exists yet (the first admin is to be created). */
  setupNeeded(): Promise<boolean>;
  /** A new one-time setup token for the first admin of `tenantName` (earlier ones stop working). */
  createSetupToken(tenantName: string): Promise<string>;
  setup(input: { token: string; email: string; password: string; name?: string }): Promise<OpenedSession>;
  login(input: { email: string; password: string; tenant?: string; ip: string }): Promise<OpenedSession>;
  /** The live session of a cookie value, or undefined (unknown, expired, or its user disabled or deleted). */
  session(sessionId: string): Promise<{ session: SessionRecord; user: UserRecord } | undefined>;
  logout(sessionId: string): Promise<void>;
  /** Ends every session of the user. */
  logoutAll(userId: string): Promise<void>;
  listUsers(tenantId: string): Promise<UserRecord[]>;
  createUser(tenantId: string, input: { email: string; password: string; role: Role; name?: string }): Promise<UserRecord>;
  updateUser(tenantId: string, id: string, patch: { role?: Role; name?: string; disabled?: boolean }): Promise<UserRecord>;
  deleteUser(tenantId: string, id: string): Promise<void>;
  listKeys(tenantId: string): Promise<ConsoleKeyRecord[]>;
  createKey(tenantId: string, label: string): Promise<{ id: string; label: string; key: string }>;
  revokeKey(tenantId: string, id: string): Promise<void>;
  /** Records an API key's use (at most once a minute per key in this process; never throws). */
  keyUsed(keyId: string): void;
}

const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,255}$/;

function checkPassword(password: string): void {
  if (password.length < MIN_PASSWORD_CHARS) throw new AppError("WEAK_PASSWORD", `a password has at least ${MIN_PASSWORD_CHARS} characters`);
  if (password.length > MAX_PASSWORD_CHARS) throw new AppError("WEAK_PASSWORD", `a password has at most ${MAX_PASSWORD_CHARS} characters`);
}

function checkEmail(email: string): string {
  const e = email.trim().toLowerCase();
  if (!EMAIL.test(e)) throw new AppError("VALIDATION_FAILED", `not an email address: ${JSON.stringify(email.slice(0, 80))}`);
  return e;
}

/**
 * @example
 * const auth = createConsoleAuth({ store });
 * const { sessionId, csrfToken } = await auth.login({ email, password, ip: request.ip });
 */
export function createConsoleAuth(deps: { store: Store; now?: () => number; warn?: (message: string, error: unknown) => void }): ConsoleAuth {
  const { store } = deps;
  const db = store.console;
  const now = deps.now ?? Date.now;
  const keyTouched = new Map<string, number>();

  const open = async (user: UserRecord): Promise<OpenedSession> => {
    const sessionId = randomBytes(32).toString("base64url");
    const csrfToken = randomBytes(32).toString("base64url");
    const t = now();
    const expiresMs = t + SESSION_MAX_MS;
    await db.createSession({
      idHash: sha256Hex(sessionId),
      userId: user.id,
      tenantId: user.tenantId,
      csrfToken,
      createdAt: new Date(t).toISOString(),
      lastSeenMs: t,
      expiresMs,
    });
    return { user, sessionId, csrfToken, expiresMs };
  };

  const lastAdminGuard = async (tenantId: string, user: UserRecord) => {
    if (user.role === "admin" && user.disabledAt === null && (await db.countAdmins(tenantId)) <= 1) {
      throw new AppError("LAST_ADMIN", "the tenant's only admin cannot be removed, disabled or demoted: make another user admin first");
    }
  };

  const auth: ConsoleAuth = {
    async setupNeeded() {
      return (await db.countUsers()) === 0;
    },
    async createSetupToken(tenantName) {
      const token = randomBytes(32).toString("base64url");
      await db.createSetupToken(sha256Hex(token), tenantName, now() + SETUP_TOKEN_TTL_MS);
      return token;
    },
    async setup(input) {
      const email = checkEmail(input.email);
      checkPassword(input.password);
      const passwordHash = await hashPassword(input.password);
      const tenantName = await db.consumeSetupToken(sha256Hex(input.token), now());
      if (tenantName === undefined)
        throw new AppError(
          "SETUP_TOKEN_INVALID",
          "the setup link is unknown, used or expired: restart the service on a data directory without users for a new one",
        );
      const tenant = (await store.getTenantByName(tenantName)) ?? (await store.createTenant(tenantName));
      const user = await db.createUser({ tenantId: tenant.id, email, name: input.name?.trim() || null, role: "admin", passwordHash });
      return open(user);
    },
    async login(input) {
      const email = input.email.trim().toLowerCase().slice(0, 320);
      const t = now();
      const failures = await db.loginFailures(email, input.ip, t - LOGIN_WINDOW_MS);
      const blocking =
        failures.email.length >= LOGIN_MAX_PER_ACCOUNT
          ? failures.email[failures.email.length - LOGIN_MAX_PER_ACCOUNT]
          : failures.ip.length >= LOGIN_MAX_PER_IP
            ? failures.ip[failures.ip.length - LOGIN_MAX_PER_IP]
            : undefined;
      if (blocking !== undefined) {
        const retryAfterSeconds = Math.max(1, Math.ceil((blocking + LOGIN_WINDOW_MS - t) / 1000));
        throw new AppError("LOGIN_THROTTLED", `too many failed logins: retry in ${retryAfterSeconds} s`, { retryAfterSeconds });
      }
      if (input.password.length > MAX_PASSWORD_CHARS) throw new AppError("LOGIN_FAILED", "wrong email or password");
      let tenantId: string | undefined;
      if (input.tenant !== undefined) tenantId = (await store.getTenantByName(input.tenant))?.id ?? "-";
      const candidates = await db.findUsersByEmail(email, tenantId);
      // Every candidate is checked (one scrypt each; an unknown email costs one too, on a dummy hash).
      let match: UserRecord | undefined;
      if (candidates.length === 0) await verifyPassword(input.password, undefined);
      for (const user of candidates) if ((await verifyPassword(input.password, user.passwordHash)) && !match) match = user;
      if (!match) {
        await db.recordLoginFailure(email, input.ip, t);
        if (Math.random() < 0.05) void db.pruneLoginFailures(t - LOGIN_WINDOW_MS).catch(() => undefined);
        throw new AppError("LOGIN_FAILED", "wrong email or password");
      }
      await db.clearLoginFailures(email);
      if (Math.random() < 0.05) void db.pruneSessions(t, t - SESSION_IDLE_MS).catch(() => undefined);
      return open(match);
    },
    async session(sessionId) {
      if (!/^[A-Za-z0-9_-]{43}$/.test(sessionId)) return undefined;
      const found = await db.getSession(sha256Hex(sessionId));
      if (!found) return undefined;
      const t = now();
      if (t >= found.session.expiresMs || t - found.session.lastSeenMs >= SESSION_IDLE_MS) {
        await db.deleteSession(found.session.idHash);
        return undefined;
      }
      if (t - found.session.lastSeenMs >= SESSION_TOUCH_MS) await db.touchSession(found.session.idHash, t);
      return found;
    },
    async logout(sessionId) {
      await db.deleteSession(sha256Hex(sessionId));
    },
    async logoutAll(userId) {
      await db.deleteUserSessions(userId);
    },
    listUsers: (tenantId) => db.listUsers(tenantId),
    async createUser(tenantId, input) {
      const email = checkEmail(input.email);
      checkPassword(input.password);
      try {
        return await db.createUser({ tenantId, email, name: input.name?.trim() || null, role: input.role, passwordHash: await hashPassword(input.password) });
      } catch (e) {
        if (e instanceof UserExistsError) throw new AppError("USER_EXISTS", e.message);
        throw e;
      }
    },
    async updateUser(tenantId, id, patch) {
      const user = await db.getUser(tenantId, id);
      if (!user) throw new AppError("USER_NOT_FOUND", `no user ${id}`);
      if ((patch.role !== undefined && patch.role !== "admin") || patch.disabled === true) await lastAdminGuard(tenantId, user);
      const updated = await db.updateUser(tenantId, id, {
        ...(patch.role !== undefined ? { role: patch.role } : {}),
        ...(patch.name !== undefined ? { name: patch.name.trim() || null } : {}),
        ...(patch.disabled !== undefined ? { disabledAt: patch.disabled ? (user.disabledAt ?? new Date(now()).toISOString()) : null } : {}),
      });
      if (!updated) throw new AppError("USER_NOT_FOUND", `no user ${id}`);
      return updated;
    },
    async deleteUser(tenantId, id) {
      const user = await db.getUser(tenantId, id);
      if (!user) throw new AppError("USER_NOT_FOUND", `no user ${id}`);
      await lastAdminGuard(tenantId, user);
      await db.deleteUser(tenantId, id);
    },
    listKeys: (tenantId) => db.listApiKeys(tenantId),
    async createKey(tenantId, label) {
      const tenant = await store.getTenant(tenantId);
      if (!tenant) throw new AppError("UNAUTHORIZED", "unknown tenant");
      const key = generateApiKey();
      const record = await store.addApiKey(tenantId, hashApiKey(key), label);
      return { id: record.id, label, key };
    },
    async revokeKey(tenantId, id) {
      if (!(await db.revokeApiKey(tenantId, id))) throw new AppError("API_KEY_NOT_FOUND", `no active API key ${id}`);
    },
    keyUsed(keyId) {
      const t = now();
      if (t - (keyTouched.get(keyId) ?? 0) < KEY_TOUCH_MS) return;
      keyTouched.set(keyId, t);
      if (keyTouched.size > 10_000) for (const [id, at] of keyTouched) if (t - at >= KEY_TOUCH_MS) keyTouched.delete(id);
      db.touchApiKey(keyId, new Date(t).toISOString()).catch((e: unknown) => deps.warn?.("recording an API key's last use failed", e));
    },
  };
  return auth;
}
