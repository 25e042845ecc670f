/**
 * Issue 23, points 2 and 4 — a budget for every resource, on the real app listening on a real socket
 * (real anvil, SQLite, embedded blockstore): uploads and downloads per key and in total, revocation of
 * a key during an upload, the daily stamp quota, claim and JSON limits, default rate limits, and the
 * anchoring budget. Every refusal is asserted on its status and stable code, and the budgets on the
 * service's own counts, never on wall time.
 */
import { createHash, randomBytes } from "node:crypto";
import { connect, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAnchorBudget } from "../../server/src/services/anchor-budget.ts";
import { createHashPool } from "../../server/src/services/hash-worker.ts";
import { AI_PROCESS_MAX_BYTES } from "../../server/src/services/claim-limits.ts";
import { buildTestApp, type TestApp } from "../helpers/app.ts";

const head = (name = "big.bin") => `--B\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\nContent-Type: application/octet-stream\r\n\r\n`;
const tail = "\r\n--B--\r\n";

/** Opens a socket to `base`, sends an upload's headers and its first bytes, and keeps what comes back. */
function openUpload(base: string, key: string, sent = 64 * 1024): Promise<{ socket: Socket; received: () => string; closed: Promise<void> }> {
  const url = new URL(base);
  const length = head().length + 32 * 1024 * 1024 + tail.length;
  let data = "";
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname, () => {
      socket.write(
        `POST /v1/evidence HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${key}\r\nContent-Type: multipart/form-data; ` +
          `boundary=B\r\nContent-Length: ${length}\r\n\r\n${head()}`,
      );
      socket.write(Buffer.alloc(sent, 3), () => resolve({ socket, received: () => data, closed }));
    });
    const closed = new Promise<void>((r) => socket.once("close", () => r()));
    socket.on("data", (d: Buffer) => (data += d.toString("latin1")));
    socket.on("error", () => undefined);
    socket.once("error", reject);
  });
}

async function until(what: string, f: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await f()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const bodyOf = (raw: string) => JSON.parse(raw.slice(raw.indexOf("\r\n\r\n") + 4)) as { error: { code: string } };

describe("upload budgets (MAX_UPLOADS_PER_KEY, MAX_UPLOADS_TOTAL)", () => {
  let t: TestApp;
  let base = "";
  beforeAll(async () => {
    // These uploads stall on purpose to hold their slots: the minimum body rate (test/server/body-rate.test.ts)
    // would cut them after its grace, so it is off here.
    t = await buildTestApp({ MAX_UPLOADS_PER_KEY: "2", MAX_UPLOADS_TOTAL: "3", REVOCATION_CHECK_MS: "100", MIN_BODY_BYTES_PER_SECOND: "0" });
    base = await t.app.listen({ host: "127.0.0.1", port: 0 });
  });
  afterAll(async () => {
    await t?.close();
  });

  it("answers a key's upload past its budget with 429 TOO_MANY_UPLOADS, and past the process's with 503 SERVER_BUSY", async () => {
    const a1 = await openUpload(base, t.keys.acme!);
    const a2 = await openUpload(base, t.keys.acme!);
    await until("two uploads open", () => t.app.budgets.uploads === 2);
    const a3 = await openUpload(base, t.keys.acme!);
    await a3.closed.catch(() => undefined);
    await until("the answer", () => a3.received().includes("\r\n\r\n{"));
    expect(a3.received()).toMatch(/^HTTP\/1.1 429/);
    expect(bodyOf(a3.received()).error.code).toBe("TOO_MANY_UPLOADS");
    const r1 = await openUpload(base, t.keys.rival!);
    await until("three uploads open", () => t.app.budgets.uploads === 3);
    const r2 = await openUpload(base, t.keys.rival!);
    await until("the answer", () => r2.received().includes("\r\n\r\n{"));
    expect(r2.received()).toMatch(/^HTTP\/1.1 503/);
    expect(bodyOf(r2.received()).error.code).toBe("SERVER_BUSY");
    for (const u of [a1, a2, a3, r1, r2]) u.socket.destroy();
    await until("every slot released", () => t.app.budgets.uploads === 0 && t.app.hashPool.sessions === 0);
    // The budget is back: a complete upload goes through.
    const ok = await t.app.inject({
      method: "POST",
      url: "/v1/evidence",
      headers: { authorization: `Bearer ${t.keys.acme}`, "content-type": "multipart/form-data; boundary=B" },
      payload: `${head("ok.txt")}fine${tail}`,
    });
    expect(ok.statusCode).toBe(202);
  });

  it("closes an upload in flight within a second of its key's revocation, answering 401, and records nothing of it", async () => {
    const { key, record } = await (await import("../../server/src/services/keys.ts")).createTenantKey(t.app.store, "leaver", "test");
    const upload = await openUpload(base, key);
    await until("the upload to be hashed", () => t.app.hashPool.sessions === 1);
    expect(await t.app.store.revokeApiKey(record.id)).toBe(true);
    const revokedAt = Date.now();
    await upload.closed;
    expect(Date.now() - revokedAt).toBeLessThan(1_000);
    expect(upload.received()).toMatch(/^HTTP\/1.1 401/);
    expect(bodyOf(upload.received()).error.code).toBe("UNAUTHORIZED");
    await until("the slot released", () => t.app.budgets.uploads === 0 && t.app.hashPool.sessions === 0);
    const tenant = await t.app.store.getTenantByName("leaver");
    expect(await t.app.store.countEntriesSince(tenant!.id, "1970-01-01T00:00:00.000Z")).toBe(0);
  });
});

describe("download budgets (MAX_DOWNLOADS_PER_KEY, DOWNLOAD_STALL_TIMEOUT_MS)", () => {
  let t: TestApp;
  let base = "";
  let cid = "";
  const file = randomBytes(6 * 1024 * 1024);
  beforeAll(async () => {
    t = await buildTestApp({ MAX_DOWNLOADS_PER_KEY: "2", MAX_DOWNLOADS_TOTAL: "3", DOWNLOAD_STALL_TIMEOUT_MS: "1000" });
    base = await t.app.listen({ host: "127.0.0.1", port: 0 });
    const up = await t.app.inject({
      method: "POST",
      url: "/v1/evidence",
      headers: { authorization: `Bearer ${t.keys.acme}`, "content-type": "multipart/form-data; boundary=B" },
      payload: Buffer.concat([Buffer.from(head()), file, Buffer.from(tail)]),
    });
    cid = up.json().entries[0].cid;
  });
  afterAll(async () => {
    await t?.close();
  });

  /** A reader that sends the request and then reads nothing (its receive window fills up). */
  const slowReader = (key: string, path = `/ipfs/${cid}`) => {
    const url = new URL(base);
    let data = "";
    const socket = connect(Number(url.port), url.hostname, () => socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${key}\r\n\r\n`));
    socket.on("data", (d: Buffer) => {
      data += d.subarray(0, 400).toString("latin1");
      socket.pause();
    });
    socket.on("error", () => undefined);
    const closed = new Promise<void>((r) => socket.once("close", () => r()));
    return { socket, received: () => data, closed };
  };

  it("refuses a key's third concurrent download with 429 TOO_MANY_DOWNLOADS, then cuts the stalled readers and frees their slots", async () => {
    const r1 = slowReader(t.keys.acme!);
    const r2 = slowReader(t.keys.acme!);
    await until("two downloads open", () => t.app.budgets.downloads === 2);
    const third = await t.app.inject({ method: "GET", url: `/ipfs/${cid}`, headers: { authorization: `Bearer ${t.keys.acme}` } });
    expect(third.statusCode).toBe(429);
    expect(third.json().error.code).toBe("TOO_MANY_DOWNLOADS");
    // Another key still has its own budget.
    const r3 = slowReader(t.keys.rival!, `/ipfs/${cid}`);
    await until("r3 answered", () => r3.received().length > 0);
    expect(r3.received()).toMatch(/^HTTP\/1.1 404/);
    // The two slow readers took a first part and then nothing (their sockets stay paused, so they would
    // never see the close): the service disconnects them and their slots come back.
    await until("r1 answered", () => r1.received().length > 0);
    expect(r1.received()).toMatch(/^HTTP\/1.1 200/);
    await until("every download slot released", () => t.app.budgets.downloads === 0);
    r1.socket.destroy();
    r2.socket.destroy();
    const again = await t.app.inject({ method: "GET", url: `/ipfs/${cid}`, headers: { authorization: `Bearer ${t.keys.acme}` } });
    expect(again.statusCode).toBe(200);
    expect(createHash("sha256").update(again.rawPayload).digest().equals(createHash("sha256").update(file).digest())).toBe(true);
    r3.socket.destroy();
  }, 60_000);

  it("answers the process's budget with 503 SERVER_BUSY", async () => {
    const readers = [slowReader(t.keys.acme!), slowReader(t.keys.acme!)];
    await until("two downloads open", () => t.app.budgets.downloads === 2);
    const { key } = await (await import("../../server/src/services/keys.ts")).createTenantKey(t.app.store, "acme", "second key");
    readers.push(slowReader(key));
    await until("three downloads open", () => t.app.budgets.downloads === 3);
    const fourth = await t.app.inject({ method: "GET", url: `/ipfs/${cid}?format=car`, headers: { authorization: `Bearer ${t.keys.rival}` } });
    expect(fourth.statusCode).toBe(503);
    expect(fourth.json().error.code).toBe("SERVER_BUSY");
    for (const r of readers) r.socket.destroy();
    await until("every download slot released", () => t.app.budgets.downloads === 0);
  }, 60_000);
});

describe("stamp quota, claim and JSON limits", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp({ DAILY_STAMP_QUOTA: "5" });
  });
  afterAll(async () => {
    await t?.close();
  });
  const stamp = (tenant: string, items: unknown[]) =>
    t.app.inject({ method: "POST", url: "/v1/stamps", headers: { authorization: `Bearer ${t.keys[tenant]}` }, payload: { items } });
  const digest = () => ({ sha256: randomBytes(32).toString("hex") });

  it("stops a tenant at DAILY_STAMP_QUOTA entries a day with 429 QUOTA_EXCEEDED, other tenants unaffected", async () => {
    expect((await stamp("acme", [digest(), digest(), digest()])).statusCode).toBe(202);
    const over = await stamp("acme", [digest(), digest(), digest()]);
    expect(over.statusCode).toBe(429);
    expect(over.json().error.code).toBe("QUOTA_EXCEEDED");
    expect((await stamp("acme", [digest(), digest()])).statusCode).toBe(202);
    expect((await stamp("acme", [digest()])).json().error.code).toBe("QUOTA_EXCEEDED");
    const upload = await t.app.inject({
      method: "POST",
      url: "/v1/evidence",
      headers: { authorization: `Bearer ${t.keys.acme}`, "content-type": "multipart/form-data; boundary=B" },
      payload: `${head("x.txt")}x${tail}`,
    });
    expect(upload.json().error.code).toBe("QUOTA_EXCEEDED");
    expect((await stamp("rival", [digest(), digest(), digest(), digest(), digest()])).statusCode).toBe(202);
  });

  it(`refuses an aiProcess over ${AI_PROCESS_MAX_BYTES} bytes (JSON and multipart) with 413 CLAIM_TOO_LARGE, and accepts one under`, async () => {
    t.keys.claims = (await (await import("../../server/src/services/keys.ts")).createTenantKey(t.app.store, "claims", "test")).key;
    const big = { aiProcess: { tool: "x".repeat(AI_PROCESS_MAX_BYTES) } };
    const json = await stamp("claims", [{ ...digest(), claim: big }]);
    expect(json.statusCode).toBe(413);
    expect(json.json().error.code).toBe("CLAIM_TOO_LARGE");
    const deep = await stamp("claims", [{ ...digest(), claim: { aiProcess: { a: { b: { c: { d: { e: 1 } } } } } } }]);
    expect(deep.json().error.code).toBe("CLAIM_TOO_LARGE");
    const multipart = await t.app.inject({
      method: "POST",
      url: "/v1/evidence",
      headers: { authorization: `Bearer ${t.keys.claims}`, "content-type": "multipart/form-data; boundary=B" },
      payload: `--B\r\nContent-Disposition: form-data; name="claim"\r\n\r\n${JSON.stringify(big)}\r\n${head("x.txt")}x${tail}`,
    });
    expect(multipart.statusCode).toBe(413);
    expect(multipart.json().error.code).toBe("CLAIM_TOO_LARGE");
    const fine = await stamp("claims", [{ ...digest(), claim: { aiProcess: { tool: "x".repeat(AI_PROCESS_MAX_BYTES - 100) } } }]);
    expect(fine.statusCode).toBe(202);
  });

  it("refuses 3,000,000 empty arrays from the raw body (413), before the JSON parser or the stamp quota sees them", async () => {
    let parsed = 0;
    const original = t.app.store.countEntriesSince.bind(t.app.store);
    t.app.store.countEntriesSince = async (...args) => {
      parsed++;
      return original(...args);
    };
    try {
      const body = `{"items":[${"[],".repeat(3_000_000)}[]]}`;
      const res = await t.app.inject({
        method: "POST",
        url: "/v1/stamps",
        headers: { authorization: `Bearer ${t.keys.rival}`, "content-type": "application/json" },
        payload: body,
      });
      expect(res.statusCode).toBe(413);
      expect(["PAYLOAD_TOO_LARGE", "JSON_TOO_COMPLEX"]).toContain(res.json().error.code);
      const small = `{"items":[${"[],".repeat(60_000)}[]]}`; // under the byte limit, over the container limit
      const shaped = await t.app.inject({
        method: "POST",
        url: "/v1/stamps",
        headers: { authorization: `Bearer ${t.keys.rival}`, "content-type": "application/json" },
        payload: small,
      });
      expect(shaped.statusCode).toBe(413);
      expect(shaped.json().error.code).toBe("JSON_TOO_COMPLEX");
    } finally {
      t.app.store.countEntriesSince = original;
    }
    expect(parsed).toBe(0);
  });
});

describe("the daily stamp quota on PostgreSQL", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp({ DAILY_STAMP_QUOTA: "2" }, "postgres");
  });
  afterAll(async () => {
    await t?.close();
  });

  it("counts the tenant's entries of the UTC day in the shared database", async () => {
    const stamp = () =>
      t.app.inject({
        method: "POST",
        url: "/v1/stamps",
        headers: { authorization: `Bearer ${t.keys.acme}` },
        payload: { items: [{ sha256: randomBytes(32).toString("hex") }] },
      });
    expect((await stamp()).statusCode).toBe(202);
    expect((await stamp()).statusCode).toBe(202);
    const third = await stamp();
    expect(third.statusCode).toBe(429);
    expect(third.json().error).toMatchObject({ code: "QUOTA_EXCEEDED", details: { quota: 2, used: 2 } });
  });
});

describe("default rate limits", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it("limits anonymous requests to 120 a minute per IP and a key to 600 a minute (probes exempt)", async () => {
    const anonymous = [];
    const lookup = `/v1/verify?sha256=${"ab".repeat(32)}`;
    for (let i = 0; i < 121; i++) anonymous.push((await t.app.inject({ method: "GET", url: lookup })).statusCode);
    expect(anonymous.filter((s) => s === 200)).toHaveLength(120);
    expect(anonymous.at(-1)).toBe(429);
    const keyed = [];
    for (let i = 0; i < 601; i++)
      keyed.push((await t.app.inject({ method: "GET", url: "/v1/entries?limit=1", headers: { authorization: `Bearer ${t.keys.acme}` } })).statusCode);
    expect(keyed.filter((s) => s === 200)).toHaveLength(600);
    const limited = await t.app.inject({ method: "GET", url: "/v1/entries?limit=1", headers: { authorization: `Bearer ${t.keys.acme}` } });
    expect(limited.statusCode).toBe(429);
    expect(limited.json().error.code).toBe("RATE_LIMITED");
    // Liveness and readiness probes are not limited (readiness checks run at most once a second).
    for (let i = 0; i < 200; i++) expect((await t.app.inject({ method: "GET", url: i % 2 ? "/healthz" : "/readyz" })).statusCode).toBe(200);
  }, 120_000);
});

describe("createAnchorBudget", () => {
  it("allows ANCHOR_MAX_TX_PER_HOUR transactions in any rolling hour, then refuses with one event until the hour rolls", () => {
    let now = 0;
    const events: unknown[] = [];
    const budget = createAnchorBudget({ chainId: 1, maxTxPerHour: 3, maxGasPriceWei: 0n, now: () => now, onLimit: (e) => events.push(e) });
    expect([budget.allow(1n), budget.allow(1n), budget.allow(1n), budget.allow(1n), budget.allow(1n)]).toEqual([true, true, true, false, false]);
    expect(events).toEqual([{ chainId: 1, reason: "TX_PER_HOUR", limit: "3", value: "3" }]);
    now = 3_600_001;
    expect(budget.allow(1n)).toBe(true);
    expect(budget.sentLastHour).toBe(1);
  });

  it("refuses a max fee per gas over the ceiling, and allows it once fees come down", () => {
    const events: { reason: string }[] = [];
    const budget = createAnchorBudget({ chainId: 1, maxTxPerHour: 0, maxGasPriceWei: 100n, onLimit: (e) => events.push(e) });
    expect(budget.allow(101n)).toBe(false);
    expect(budget.allow(500n)).toBe(false);
    expect(events.map((e) => e.reason)).toEqual(["GAS_PRICE"]);
    expect(budget.allow(100n)).toBe(true);
  });
});

describe("the anchorer under an anchoring budget (ANCHOR_MAX_TX_PER_HOUR=1, real anvil)", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp({ ANCHOR_MAX_TX_PER_HOUR: "1" });
  });
  afterAll(async () => {
    await t?.close();
  });

  it("sends one transaction in the hour and leaves the next batch waiting, built", async () => {
    const chainId = [...t.app.chains.keys()][0]!;
    for (let i = 0; i < 2; i++) {
      expect(
        (
          await t.app.inject({
            method: "POST",
            url: "/v1/stamps",
            headers: { authorization: `Bearer ${t.keys.acme}` },
            payload: { items: [{ sha256: randomBytes(32).toString("hex") }] },
          })
        ).statusCode,
      ).toBe(202);
      await t.app.batcher.closeBatches();
    }
    for (let i = 0; i < 5; i++) for (const a of t.app.anchorers.values()) await a.tick();
    const sent = await t.app.store.listBatches(chainId, ["sending", "sent", "anchored", "confirmed"]);
    const waiting = await t.app.store.listBatches(chainId, ["built"]);
    expect(sent).toHaveLength(1);
    expect(waiting).toHaveLength(1);
    expect(waiting[0]!.txHash).toBeNull();
  }, 60_000);
});

describe("createHashPool", () => {
  it("hashes 60 concurrent sessions on 2 threads, each digest right", async () => {
    const pool = createHashPool(2);
    try {
      const inputs = Array.from({ length: 60 }, () => randomBytes(100_000 + Math.floor(Math.random() * 1000)));
      const sessions = inputs.map(() => pool.hash("sha3-256"));
      expect(pool.sessions).toBe(60);
      expect(pool.threads).toBe(2);
      for (let off = 0; off < 100_000; off += 25_000) await Promise.all(sessions.map((s, i) => s.update(inputs[i]!.subarray(off, off + 25_000))));
      await Promise.all(sessions.map((s, i) => s.update(inputs[i]!.subarray(100_000))));
      const digests = await Promise.all(sessions.map((s) => s.digest()));
      expect(digests).toEqual(inputs.map((b) => createHash("sha3-256").update(b).digest("hex")));
      expect(pool.sessions).toBe(0);
    } finally {
      await pool.close();
    }
  });
});

describe("TRUST_PROXY", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp({ TRUST_PROXY: "127.0.0.1", RATE_LIMIT_ANONYMOUS_PER_MINUTE: "2" });
  });
  afterAll(async () => {
    await t?.close();
  });

  it("gives each client behind the trusted proxy its own anonymous budget", async () => {
    const lookup = (client: string) =>
      t.app.inject({ method: "GET", url: `/v1/verify?sha256=${"cd".repeat(32)}`, remoteAddress: "127.0.0.1", headers: { "x-forwarded-for": client } });
    expect([(await lookup("203.0.113.1")).statusCode, (await lookup("203.0.113.1")).statusCode, (await lookup("203.0.113.1")).statusCode]).toEqual([
      200, 200, 429,
    ]);
    expect((await lookup("203.0.113.2")).statusCode).toBe(200);
  });
});
