/**
 * Issue 18 — the web console's people (docs/console.md): first-admin setup token, login and its
 * throttling, session cookies, CSRF, roles on the existing routes, logout everywhere, users and API keys.
 * The real app (inject) over a real anvil chain, on SQLite and on PostgreSQL.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createConsoleAuth, SESSION_IDLE_MS, SESSION_MAX_MS } from "../../server/src/services/console-auth.ts";
import { parseCookies, sessionCookie } from "../../server/src/services/cookies.ts";
import { openSqliteStore } from "../../server/src/store/sqlite.ts";
import { hashPassword, verifyPassword } from "../../server/src/services/passwords.ts";
import { buildTestApp, TEST_BACKENDS, type TestApp } from "../helpers/app.ts";

const PASSWORD = "correct horse battery";
const D = (n: number) => "0x" + n.toString(16).padStart(2, "0").repeat(32);
type Res = { statusCode: number; headers: Record<string, unknown>; json(): any };

describe("parseCookies", () => {
  it("reads name=value pairs, trims, unquotes, decodes and keeps the first of duplicates", () => {
    expect(parseCookies('a=1;  pp_session=abc%2Bd ; q="x y"; a=2; bad; =v')).toEqual({ a: "1", pp_session: "abc+d", q: "x y" });
  });
  it("keeps a value that is not valid percent-encoding as sent, and reads nothing from no header", () => {
    expect(parseCookies("pp_session=%E0%A4%A")).toEqual({ pp_session: "%E0%A4%A" });
    expect(parseCookies(undefined)).toEqual({});
  });
  it("writes the session cookie HttpOnly, SameSite=Strict, Path=/, Secure only over TLS, and clears it", () => {
    expect(sessionCookie("v", { secure: false, maxAgeSeconds: 60 })).toBe("pp_session=v; Path=/; HttpOnly; SameSite=Strict; Max-Age=60");
    expect(sessionCookie("v", { secure: true })).toBe("pp_session=v; Path=/; HttpOnly; SameSite=Strict; Secure");
    expect(sessionCookie(null, { secure: false })).toBe("pp_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
  });
});

describe("hashPassword / verifyPassword", () => {
  it("stores scrypt with its parameters and a per-password salt, and verifies only the right password", async () => {
    const a = await hashPassword(PASSWORD);
    const b = await hashPassword(PASSWORD);
    expect(a).toMatch(/^scrypt\$ln=15,r=8,p=1\$[\w-]{22}\$[\w-]{43}$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword(PASSWORD, a)).toBe(true);
    expect(await verifyPassword(PASSWORD + "!", a)).toBe(false);
    expect(await verifyPassword(PASSWORD, "scrypt$ln=40,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$" + "A".repeat(43))).toBe(false);
  });
});

describe("createConsoleAuth sessions (a SQLite store, a clock the test moves)", () => {
  it("ends a session 12 hours after its last use, and 7 days after login however often it is used", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pp-console-clock-"));
    const store = openSqliteStore(join(dir, "store.db"));
    try {
      let now = Date.parse("2026-01-01T00:00:00Z");
      const auth = createConsoleAuth({ store, now: () => now });
      const tenant = await store.createTenant("clock");
      await auth.createUser(tenant.id, { email: "c@example.com", password: PASSWORD, role: "viewer" });
      const idle = await auth.login({ email: "c@example.com", password: PASSWORD, ip: "10.9.0.1" });
      now += SESSION_IDLE_MS - 60_000;
      expect(await auth.session(idle.sessionId)).toBeDefined(); // used: its idle time starts again
      now += SESSION_IDLE_MS - 60_000;
      expect(await auth.session(idle.sessionId)).toBeDefined();
      now += SESSION_IDLE_MS;
      expect(await auth.session(idle.sessionId)).toBeUndefined();

      const busy = await auth.login({ email: "c@example.com", password: PASSWORD, ip: "10.9.0.1" });
      const end = now + SESSION_MAX_MS;
      while (now + 3600_000 < end) {
        now += 3600_000;
        expect(await auth.session(busy.sessionId)).toBeDefined();
      }
      now = end;
      expect(await auth.session(busy.sessionId)).toBeUndefined();
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe.each(TEST_BACKENDS)("the console's sessions, CSRF and roles over the %s store", (backend) => {
  let t: TestApp;
  let ip = 0;
  /** A fresh client address per test, so that the per-address login throttle of one test does not touch another. */
  const nextIp = () => `10.0.${Math.floor(++ip / 250)}.${(ip % 250) + 1}`;
  const inject = (o: { method: string; url: string; headers?: Record<string, string>; payload?: unknown; remoteAddress?: string }) =>
    t.app.inject(o as never) as unknown as Promise<Res>;
  const cookieOf = (res: Res) => {
    const set = String(res.headers["set-cookie"] ?? "");
    return /^pp_session=([^;]*)/.exec(set)?.[1] ?? "";
  };
  interface Session {
    cookie: string;
    csrf: string;
    user: { id: string; role: string; tenantId: string };
  }
  const login = async (email: string, password = PASSWORD, remoteAddress = nextIp()): Promise<Session & { res: Res }> => {
    const res = await inject({ method: "POST", url: "/v1/console/login", payload: { email, password }, remoteAddress });
    return { res, cookie: cookieOf(res), csrf: res.statusCode === 200 ? res.json().csrfToken : "", user: res.statusCode === 200 ? res.json().user : undefined };
  };
  const as = (s: Session, extra: Record<string, string> = {}) => ({ cookie: `pp_session=${s.cookie}`, "x-csrf-token": s.csrf, ...extra });
  const expectError = (res: Res, status: number, code: string) => {
    expect({ status: res.statusCode, code: res.json().error?.code }).toEqual({ status, code });
  };
  let admin: Session;
  let member: Session & { res: Res };
  let viewer: Session & { res: Res };

  beforeAll(async () => {
    t = await buildTestApp({ RATE_LIMIT_ANONYMOUS_PER_MINUTE: "10000", RATE_LIMIT_PER_MINUTE: "10000" }, backend);
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  describe("the first-admin setup", () => {
    it("is needed on a fresh store, takes its one-time token once, and then is not needed", async () => {
      expect((await inject({ method: "GET", url: "/v1/console/setup" })).json()).toEqual({ needed: true });
      const token = await t.app.consoleAuth.createSetupToken("acme");
      const body = { token, email: "Admin@Example.com", password: PASSWORD, name: "Ada Admin" };
      expectError(
        await inject({ method: "POST", url: "/v1/console/setup", payload: { ...body, token: token.slice(0, -1) + (token.endsWith("A") ? "B" : "A") } }),
        403,
        "SETUP_TOKEN_INVALID",
      );
      expectError(await inject({ method: "POST", url: "/v1/console/setup", payload: { ...body, password: "short" } }), 400, "WEAK_PASSWORD");
      const res = await inject({ method: "POST", url: "/v1/console/setup", payload: body });
      expect(res.statusCode).toBe(201);
      expect(res.json().user).toMatchObject({
        email: "admin@example.com",
        name: "Ada Admin",
        role: "admin",
        tenantId: (await t.app.store.getTenantByName("acme"))!.id,
      });
      expect(String(res.headers["set-cookie"])).toMatch(/^pp_session=[\w-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=604800$/);
      expect(res.json().csrfToken).toMatch(/^[\w-]{43}$/);
      expectError(await inject({ method: "POST", url: "/v1/console/setup", payload: { ...body, email: "second@example.com" } }), 403, "SETUP_TOKEN_INVALID");
      expect((await inject({ method: "GET", url: "/v1/console/setup" })).json()).toEqual({ needed: false });
      admin = { cookie: cookieOf(res), csrf: res.json().csrfToken, user: res.json().user };
    });

    it("refuses a setup posted from another origin", async () => {
      const token = await t.app.consoleAuth.createSetupToken("acme");
      const res = await inject({
        method: "POST",
        url: "/v1/console/setup",
        headers: { origin: "https://evil.example" },
        payload: { token, email: "x@example.com", password: PASSWORD },
      });
      expectError(res, 403, "CSRF_REFUSED");
    });
  });

  describe("users (admin)", () => {
    it("creates a member and a viewer, refuses a duplicate email, and lists them", async () => {
      for (const [email, role] of [
        ["member@example.com", "member"],
        ["viewer@example.com", "viewer"],
      ] as const) {
        const res = await inject({ method: "POST", url: "/v1/console/users", headers: as(admin), payload: { email, password: PASSWORD, role } });
        expect(res.statusCode).toBe(201);
        expect(res.json().user).toMatchObject({ email, role });
      }
      expectError(
        await inject({
          method: "POST",
          url: "/v1/console/users",
          headers: as(admin),
          payload: { email: "MEMBER@example.com", password: PASSWORD, role: "viewer" },
        }),
        409,
        "USER_EXISTS",
      );
      const list = (await inject({ method: "GET", url: "/v1/console/users", headers: as(admin) })).json().users;
      expect(list.map((u: { email: string; role: string }) => `${u.email}:${u.role}`)).toEqual([
        "admin@example.com:admin",
        "member@example.com:member",
        "viewer@example.com:viewer",
      ]);
      expect(JSON.stringify(list)).not.toContain("scrypt");
    });

    it("refuses to demote, disable or delete the only admin (409 LAST_ADMIN)", async () => {
      const id = admin.user.id;
      expectError(await inject({ method: "PATCH", url: `/v1/console/users/${id}`, headers: as(admin), payload: { role: "member" } }), 409, "LAST_ADMIN");
      expectError(await inject({ method: "PATCH", url: `/v1/console/users/${id}`, headers: as(admin), payload: { disabled: true } }), 409, "LAST_ADMIN");
      expectError(await inject({ method: "DELETE", url: `/v1/console/users/${id}`, headers: as(admin) }), 409, "LAST_ADMIN");
    });
  });

  describe("POST /v1/console/login", () => {
    it("starts a session with the right password; /me answers its user and CSRF token", async () => {
      member = await login("member@example.com");
      viewer = await login("Viewer@Example.com");
      expect(member.res.statusCode).toBe(200);
      expect(member.user.role).toBe("member");
      expect(viewer.user.role).toBe("viewer");
      const me = await inject({ method: "GET", url: "/v1/console/me", headers: { cookie: `pp_session=${member.cookie}` } });
      expect(me.statusCode).toBe(200);
      expect(me.json()).toEqual({ user: member.user, csrfToken: member.csrf });
    });

    it("answers 401 LOGIN_FAILED for a wrong password and for an unknown email alike", async () => {
      const wrong = await login("member@example.com", "wrong password!!");
      const unknown = await login("nobody@example.com");
      expectError(wrong.res, 401, "LOGIN_FAILED");
      expectError(unknown.res, 401, "LOGIN_FAILED");
      expect(wrong.res.json().error.message).toBe(unknown.res.json().error.message);
      expect(wrong.res.headers["set-cookie"]).toBeUndefined();
    });

    it("throttles an account after 5 failures in 15 minutes (429 with Retry-After), even with the right password", async () => {
      await inject({
        method: "POST",
        url: "/v1/console/users",
        headers: as(admin),
        payload: { email: "throttled@example.com", password: PASSWORD, role: "viewer" },
      });
      for (let i = 0; i < 5; i++) expectError((await login("throttled@example.com", `wrong password ${i}`)).res, 401, "LOGIN_FAILED");
      const res = (await login("throttled@example.com")).res;
      expectError(res, 429, "LOGIN_THROTTLED");
      const retry = Number(res.headers["retry-after"]);
      expect(retry).toBeGreaterThan(800);
      expect(retry).toBeLessThanOrEqual(900);
      // Another account is not affected.
      expect((await login("member@example.com")).res.statusCode).toBe(200);
    });

    it("throttles an address after 20 failures in 15 minutes, whatever the account", async () => {
      const address = nextIp();
      for (let i = 0; i < 20; i++) expectError((await login(`guess${i}@example.com`, "wrong password!!", address)).res, 401, "LOGIN_FAILED");
      expectError((await login("member@example.com", PASSWORD, address)).res, 429, "LOGIN_THROTTLED");
      expect((await login("member@example.com", PASSWORD, nextIp())).res.statusCode).toBe(200);
    });
  });

  describe("CSRF on requests authenticated by the cookie", () => {
    const stamp = (headers: Record<string, string>, n: number) =>
      inject({ method: "POST", url: "/v1/stamps", headers, payload: { items: [{ sha256: D(n) }] } });

    it("refuses a state change without the X-CSRF-Token header", async () => {
      expectError(await stamp({ cookie: `pp_session=${member.cookie}` }, 1), 403, "CSRF_REFUSED");
    });
    it("refuses a state change with another session's token", async () => {
      expectError(await stamp({ cookie: `pp_session=${member.cookie}`, "x-csrf-token": admin.csrf }, 2), 403, "CSRF_REFUSED");
    });
    it("refuses a state change from a cross-site Origin or Sec-Fetch-Site, even with the right token", async () => {
      expectError(await stamp(as(member, { origin: "https://evil.example" }), 3), 403, "CSRF_REFUSED");
      expectError(await stamp(as(member, { "sec-fetch-site": "cross-site" }), 3), 403, "CSRF_REFUSED");
    });
    it("accepts it with the token from this origin, and a Bearer key needs no token", async () => {
      expect((await stamp(as(member, { origin: "http://localhost:80", "sec-fetch-site": "same-origin" }), 4)).statusCode).toBe(202);
      expect((await stamp({ authorization: `Bearer ${t.keys.acme}` }, 5)).statusCode).toBe(202);
    });
    it("reads without a token (GET is not state-changing)", async () => {
      const res = await inject({ method: "GET", url: "/v1/entries", headers: { cookie: `pp_session=${viewer.cookie}` } });
      expect(res.statusCode).toBe(200);
      expect(res.json().entries.map((e: { sha256: string }) => e.sha256)).toEqual([D(4), D(5)]);
    });
    it("answers 401 to an unknown session cookie", async () => {
      expectError(await inject({ method: "GET", url: "/v1/entries", headers: { cookie: `pp_session=${"A".repeat(43)}` } }), 401, "UNAUTHORIZED");
    });
  });

  describe("roles", () => {
    it("a viewer's session gets 403 FORBIDDEN on stamping, uploading and captures", async () => {
      expectError(await inject({ method: "POST", url: "/v1/stamps", headers: as(viewer), payload: { items: [{ sha256: D(6) }] } }), 403, "FORBIDDEN");
      expectError(
        await inject({ method: "POST", url: "/v1/evidence", headers: as(viewer, { "content-type": "multipart/form-data; boundary=x" }), payload: "--x--\r\n" }),
        403,
        "FORBIDDEN",
      );
      expectError(await inject({ method: "POST", url: "/v1/captures", headers: as(viewer), payload: { url: "https://example.com/" } }), 403, "FORBIDDEN");
    });
    it("a member's session gets 403 on users, keys, webhooks, certificate settings and capture schedules", async () => {
      expectError(await inject({ method: "GET", url: "/v1/console/users", headers: as(member) }), 403, "FORBIDDEN");
      expectError(
        await inject({
          method: "POST",
          url: "/v1/console/users",
          headers: as(member),
          payload: { email: "m2@example.com", password: PASSWORD, role: "admin" },
        }),
        403,
        "FORBIDDEN",
      );
      expectError(await inject({ method: "GET", url: "/v1/console/keys", headers: as(member) }), 403, "FORBIDDEN");
      expectError(await inject({ method: "POST", url: "/v1/console/keys", headers: as(member), payload: { label: "x" } }), 403, "FORBIDDEN");
      expectError(await inject({ method: "GET", url: "/v1/webhooks", headers: as(member) }), 403, "FORBIDDEN");
      expectError(await inject({ method: "POST", url: "/v1/webhooks", headers: as(member), payload: { url: "https://example.com/hook" } }), 403, "FORBIDDEN");
      expectError(await inject({ method: "PUT", url: "/v1/certificate-settings", headers: as(member), payload: { jurisdiction: "eu" } }), 403, "FORBIDDEN");
      expectError(
        await inject({ method: "POST", url: "/v1/capture-schedules", headers: as(member), payload: { url: "https://example.com/", every: "daily" } }),
        403,
        "FORBIDDEN",
      );
      expect((await inject({ method: "GET", url: "/v1/certificate-settings", headers: as(member) })).statusCode).toBe(200);
    });
    it("an admin's session may do them", async () => {
      expect((await inject({ method: "PUT", url: "/v1/certificate-settings", headers: as(admin), payload: { jurisdiction: "eu" } })).statusCode).toBe(200);
      expect((await inject({ method: "GET", url: "/v1/webhooks", headers: as(admin) })).statusCode).toBe(200);
      expect((await inject({ method: "POST", url: "/v1/stamps", headers: as(admin), payload: { items: [{ sha256: D(7) }] } })).statusCode).toBe(202);
    });
    it("a session sees only its tenant's entries", async () => {
      await inject({ method: "POST", url: "/v1/stamps", headers: { authorization: `Bearer ${t.keys.rival}` }, payload: { items: [{ sha256: D(8) }] } });
      const rivalEntry = (await inject({ method: "GET", url: `/v1/entries?sha256=${D(8)}`, headers: { authorization: `Bearer ${t.keys.rival}` } })).json()
        .entries[0];
      expectError(await inject({ method: "GET", url: `/v1/entries/${rivalEntry.id}`, headers: as(viewer) }), 404, "ENTRY_NOT_FOUND");
      expect((await inject({ method: "GET", url: `/v1/entries?sha256=${D(8)}`, headers: as(viewer) })).json().entries).toEqual([]);
    });
    it("a demoted user's existing session loses the rights at once", async () => {
      const extra = await inject({
        method: "POST",
        url: "/v1/console/users",
        headers: as(admin),
        payload: { email: "demoted@example.com", password: PASSWORD, role: "member" },
      });
      const s = await login("demoted@example.com");
      expect((await inject({ method: "POST", url: "/v1/stamps", headers: as(s), payload: { items: [{ sha256: D(9) }] } })).statusCode).toBe(202);
      await inject({ method: "PATCH", url: `/v1/console/users/${extra.json().user.id}`, headers: as(admin), payload: { role: "viewer" } });
      expectError(await inject({ method: "POST", url: "/v1/stamps", headers: as(s), payload: { items: [{ sha256: D(10) }] } }), 403, "FORBIDDEN");
    });
  });

  describe("logout", () => {
    it("logout ends this session only; logout-all ends every session of the user", async () => {
      const a = await login("member@example.com");
      const b = await login("member@example.com");
      const c = await login("member@example.com");
      const me = (s: Session) => inject({ method: "GET", url: "/v1/console/me", headers: { cookie: `pp_session=${s.cookie}` } });
      const out = await inject({ method: "POST", url: "/v1/console/logout", headers: as(a) });
      expect(out.statusCode).toBe(204);
      expect(String(out.headers["set-cookie"])).toContain("Max-Age=0");
      expect((await me(a)).statusCode).toBe(401);
      expect((await me(b)).statusCode).toBe(200);
      expect((await inject({ method: "POST", url: "/v1/console/logout-all", headers: as(b) })).statusCode).toBe(204);
      expect((await me(b)).statusCode).toBe(401);
      expect((await me(c)).statusCode).toBe(401);
      expect((await me(member)).statusCode).toBe(401);
      expect((await me(viewer)).statusCode).toBe(200);
    });
    it("deleting a user ends their sessions", async () => {
      const created = await inject({
        method: "POST",
        url: "/v1/console/users",
        headers: as(admin),
        payload: { email: "leaver@example.com", password: PASSWORD, role: "member" },
      });
      const s = await login("leaver@example.com");
      expect((await inject({ method: "DELETE", url: `/v1/console/users/${created.json().user.id}`, headers: as(admin) })).statusCode).toBe(204);
      expect((await inject({ method: "GET", url: "/v1/console/me", headers: { cookie: `pp_session=${s.cookie}` } })).statusCode).toBe(401);
      expectError((await login("leaver@example.com")).res, 401, "LOGIN_FAILED");
    });
  });

  describe("API keys (admin)", () => {
    it("creates a key with a label (secret shown once), records its last use, and revokes it", async () => {
      const created = await inject({ method: "POST", url: "/v1/console/keys", headers: as(admin), payload: { label: "CI pipeline" } });
      expect(created.statusCode).toBe(201);
      const { id, key, label } = created.json();
      expect(label).toBe("CI pipeline");
      expect(key).toMatch(/^pp_[\w-]{43}$/);
      const listed = async () =>
        (await inject({ method: "GET", url: "/v1/console/keys", headers: as(admin) })).json().keys.find((k: { id: string }) => k.id === id);
      expect(await listed()).toMatchObject({ id, label: "CI pipeline", lastUsedAt: null, revokedAt: null });
      expect(JSON.stringify(await listed())).not.toContain(key);
      expect((await inject({ method: "GET", url: "/v1/entries", headers: { authorization: `Bearer ${key}` } })).statusCode).toBe(200);
      // The last use is written in the background, at most once a minute per key.
      let used: string | null = null;
      for (let i = 0; i < 50 && !used; i++) {
        used = (await listed()).lastUsedAt;
        if (!used) await new Promise((r) => setTimeout(r, 20));
      }
      expect(Date.now() - Date.parse(used!)).toBeLessThan(60_000);
      expect((await inject({ method: "DELETE", url: `/v1/console/keys/${id}`, headers: as(admin) })).statusCode).toBe(204);
      expect((await listed()).revokedAt).not.toBeNull();
      expectError(await inject({ method: "GET", url: "/v1/entries", headers: { authorization: `Bearer ${key}` } }), 401, "UNAUTHORIZED");
      expectError(await inject({ method: "DELETE", url: `/v1/console/keys/${id}`, headers: as(admin) }), 404, "API_KEY_NOT_FOUND");
    });
    it("cannot revoke another tenant's key", async () => {
      const rivalKeyId = (await t.app.store.listApiKeys((await t.app.store.getTenantByName("rival"))!.id))[0]!.id;
      expectError(await inject({ method: "DELETE", url: `/v1/console/keys/${rivalKeyId}`, headers: as(admin) }), 404, "API_KEY_NOT_FOUND");
      expect((await inject({ method: "GET", url: "/v1/entries", headers: { authorization: `Bearer ${t.keys.rival}` } })).statusCode).toBe(200);
    });
  });
});

describe("the session cookie behind a reverse proxy", () => {
  it("is Secure when a trusted proxy says the request came over TLS (X-Forwarded-Proto), and not when the proxy is not trusted", async () => {
    for (const trusted of [true, false]) {
      const t = await buildTestApp(trusted ? { TRUST_PROXY: "true" } : {});
      try {
        const token = await t.app.consoleAuth.createSetupToken("acme");
        const res = await t.app.inject({
          method: "POST",
          url: "/v1/console/setup",
          headers: { "x-forwarded-proto": "https" },
          payload: { token, email: "tls@example.com", password: PASSWORD },
        });
        expect(res.statusCode).toBe(201);
        expect(String(res.headers["set-cookie"]).endsWith("; Secure")).toBe(trusted);
      } finally {
        await t.close();
      }
    }
  }, 120_000);
});
