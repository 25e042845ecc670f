import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { anchorAll, buildTestApp, type TestApp } from "../helpers/app.ts";
import { backoffDelay, acceptsEvent } from "../../server/src/services/webhooks.ts";
import { checkTarget, forbiddenAddressReason, guardedLookup } from "../../server/src/services/ssrf.ts";

interface Hit {
  readonly headers: Record<string, string>;
  readonly body: string;
  readonly at: number;
}

/** A real HTTP receiver on 127.0.0.1; `answer` decides each response. */
async function receiver(answer: (req: IncomingMessage, res: ServerResponse, hit: Hit) => void = (_q, res) => res.end("ok")) {
  const hits: Hit[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const hit = { headers: req.headers as Record<string, string>, body: Buffer.concat(chunks).toString("utf8"), at: Date.now() };
      hits.push(hit);
      answer(req, res, hit);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  return {
    hits,
    port,
    url: `http://127.0.0.1:${port}/hook`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

async function until(check: () => boolean | Promise<boolean>, ms = 20_000, step?: () => Promise<unknown>): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await step?.();
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("webhook target guard (SSRF)", () => {
  it.each([
    "127.0.0.1",
    "127.1.2.3",
    "10.0.0.1",
    "172.16.5.4",
    "192.168.1.1",
    "169.254.169.254",
    "100.64.0.1",
    "0.0.0.0",
    "224.0.0.1",
    "255.255.255.255",
    "::",
    "::1",
    "fe80::1",
    "fc00::1",
    "fd12:3456::1",
    "ff02::1",
    "::ffff:127.0.0.1",
    "::ffff:7f00:1",
    "::ffff:10.0.0.1",
    "::ffff:169.254.169.254",
    "64:ff9b::a00:1",
    "2002:7f00:1::",
    "::127.0.0.1",
  ])("refuses %s", (address) => {
    expect(forbiddenAddressReason(address)).toBeTypeOf("string");
  });

  it.each(["93.184.215.14", "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8"])("accepts the public address %s", (address) => {
    expect(forbiddenAddressReason(address)).toBeUndefined();
  });

  it("refuses a host name when any of its addresses is private, unless private targets are allowed", async () => {
    const resolver = async () => [
      { address: "93.184.215.14", family: 4 },
      { address: "10.1.2.3", family: 4 },
    ];
    await expect(checkTarget(new URL("https://hooks.example/x"), false, resolver)).rejects.toThrow(/10\.1\.2\.3: private/);
    await expect(checkTarget(new URL("https://hooks.example/x"), true, resolver)).resolves.toHaveLength(2);
  });

  it(
    "re-checks the address at connect time: a name that rebinds to loopback is " + "refused by the socket's lookup (injected resolver stands in for DNS)",
    async () => {
      let calls = 0;
      const rebinding = async () => (++calls === 1 ? [{ address: "93.184.215.14", family: 4 }] : [{ address: "127.0.0.1", family: 4 }]);
      await expect(checkTarget(new URL("http://rebind.example/"), false, rebinding)).resolves.toHaveLength(1);
      const lookup = guardedLookup(false, rebinding);
      const err = await new Promise<NodeJS.ErrnoException | null>((r) => lookup("rebind.example", { all: true }, (e) => r(e)));
      expect(err?.code).toBe("EFORBIDDENTARGET");
      expect(err?.message).toMatch(/127\.0\.0\.1: loopback/);
    },
  );

  it("backs off exponentially, at most an hour apart, and retries for days with the defaults", () => {
    expect([1, 2, 3, 4].map((n) => backoffDelay(5_000, n))).toEqual([5_000, 10_000, 20_000, 40_000]);
    expect(backoffDelay(5_000, 40)).toBe(3_600_000);
    // Attempts made within the default 72 h: the schedule reaches past 24 h.
    let t = 0;
    let n = 0;
    while (t + backoffDelay(5_000, n + 1) <= 72 * 3_600_000) t += backoffDelay(5_000, ++n);
    expect(t).toBeGreaterThan(24 * 3_600_000);
  });

  it("filters events by type and by type.status", () => {
    const confirmed = { type: "entry.status", data: { status: "confirmed" } };
    const pending = { type: "entry.status", data: { status: "pending" } };
    expect(acceptsEvent(["entry.status.confirmed"], confirmed)).toBe(true);
    expect(acceptsEvent(["entry.status.confirmed"], pending)).toBe(false);
    expect(acceptsEvent(["entry.status"], pending)).toBe(true);
    expect(acceptsEvent(["entry.pin"], pending)).toBe(false);
    expect(acceptsEvent(["*"], pending)).toBe(true);
    // Web capture outcomes are outbox event types too.
    const changed = { type: "capture.changed", data: { status: "complete" } };
    expect(acceptsEvent(["capture.changed"], changed)).toBe(true);
    expect(acceptsEvent(["capture.completed", "capture.failed"], changed)).toBe(false);
    expect(acceptsEvent(["entry.status"], changed)).toBe(false);
  });
});

describe("webhook endpoints refuse private targets (WEBHOOK_ALLOW_PRIVATE unset)", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  it.each([
    "http://127.0.0.1:9/hook",
    "http://localhost:9/hook",
    "http://[::1]:9/",
    "http://[::ffff:127.0.0.1]/",
    "http://169.254.169.254/latest/meta-data",
    "http://10.0.0.7/",
    "http://0.0.0.0/",
  ])("refuses %s with 400 WEBHOOK_TARGET_FORBIDDEN", async (url) => {
    const res = await t.app.inject({ method: "POST", url: "/v1/webhooks", headers: { authorization: `Bearer ${t.keys.acme}` }, payload: { url } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe("WEBHOOK_TARGET_FORBIDDEN");
  });

  it("refuses other schemes, credentials in the URL and unknown event filters", async () => {
    const post = (payload: object) => t.app.inject({ method: "POST", url: "/v1/webhooks", headers: { authorization: `Bearer ${t.keys.acme}` }, payload });
    expect((await post({ url: "ftp://example.com/x" })).json().error.code).toBe("INVALID_WEBHOOK_URL");
    expect((await post({ url: "https://user:pw@example.com/x" })).json().error.code).toBe("INVALID_WEBHOOK_URL");
    expect((await post({ url: "https://example.com/x", events: ["entry.everything"] })).json().error.code).toBe("VALIDATION_FAILED");
  });
});

describe("webhook delivery to a real HTTP receiver (WEBHOOK_ALLOW_PRIVATE=true for loopback)", () => {
  let t: TestApp;
  const auth = () => ({ authorization: `Bearer ${t.keys.acme}` });
  beforeAll(async () => {
    t = await buildTestApp({ WEBHOOK_ALLOW_PRIVATE: "true", WEBHOOK_BACKOFF_MS: "200", WEBHOOK_TIMEOUT_MS: "500" });
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  const addEndpoint = async (url: string, events?: string[]) => {
    const res = await t.app.inject({ method: "POST", url: "/v1/webhooks", headers: auth(), payload: { url, ...(events ? { events } : {}) } });
    expect(res.statusCode).toBe(201);
    return res.json() as { id: string; secret: string; url: string; events: string[] };
  };
  const stamp = async (sha: string) =>
    (await t.app.inject({ method: "POST", url: "/v1/stamps", headers: auth(), payload: { items: [{ sha256: sha }] } })).json().entries[0].id as string;
  const deliveries = async (id: string) =>
    (await t.app.inject({ method: "GET", url: `/v1/webhooks/${id}/deliveries`, headers: auth() })).json().deliveries as any[];

  it("delivers every status of an entry, signed as the Standard Webhooks reference implementation verifies", async () => {
    const r = await receiver();
    const endpoint = await addEndpoint(r.url);
    expect(endpoint.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const id = await stamp("0x" + "1a".repeat(32));
    await anchorAll(t);
    const mine = () => r.hits.filter((h) => JSON.parse(h.body).data.entryId === id);
    await until(
      () => mine().length >= 4,
      20_000,
      () => t.app.webhooks.tick(),
    );
    const wh = new Webhook(endpoint.secret);
    const bodies = mine().map((h) => wh.verify(h.body, h.headers) as { type: string; timestamp: string; data: { status: string; seq: number } });
    expect(bodies.map((b) => b.data.status)).toEqual(["pending", "batched", "anchored", "confirmed"]);
    expect(bodies.every((b) => b.type === "entry.status")).toBe(true);
    // The id is the event's: distinct per event, stable for receivers to de-duplicate on.
    expect(new Set(mine().map((h) => h.headers["webhook-id"])).size).toBe(4);
    // A tampered body or another secret does not verify.
    const h0 = mine()[0]!;
    expect(() => wh.verify(h0.body.replace("pending", "confirmed"), h0.headers)).toThrow();
    expect(() => new Webhook(`whsec_${Buffer.alloc(32, 7).toString("base64")}`).verify(h0.body, h0.headers)).toThrow();
    const log = await deliveries(endpoint.id);
    expect(log.filter((d) => d.status === "delivered").length).toBeGreaterThanOrEqual(4);
    expect(log[0]).toMatchObject({ status: "delivered", attempts: 1, lastStatus: 200, lastError: null });
    await r.close();
    expect((await t.app.inject({ method: "DELETE", url: `/v1/webhooks/${endpoint.id}`, headers: auth() })).statusCode).toBe(204);
  });

  it("delivers the capture events of the tenant's outbox to an endpoint filtering on capture.changed, and no other event", async () => {
    const r = await receiver();
    const endpoint = await addEndpoint(r.url, ["capture.changed"]);
    expect(endpoint.events).toEqual(["capture.changed"]);
    const tenantId = (await t.app.store.getTenantByName("acme"))!.id;
    // As the capture service appends them when a capture ends (store.appendEvent).
    const at = new Date().toISOString();
    const base = { url: "https://shop.example/", scheduleId: null, manifestSha256: "0x" + "ab".repeat(32), previousSha256: "0x" + "cd".repeat(32), at };
    await t.app.store.appendEvent({
      tenantId,
      type: "capture.completed",
      entryId: null,
      data: { ...base, type: "capture.completed", captureId: "cap_wh", entryId: null, status: "complete" },
    });
    await t.app.store.appendEvent({
      tenantId,
      type: "capture.changed",
      entryId: null,
      data: { ...base, type: "capture.changed", captureId: "cap_wh", entryId: null, status: "complete", changed: ["dom"] },
    });
    await stamp("0x" + "2c".repeat(32));
    await until(
      () => r.hits.length >= 1,
      20_000,
      () => t.app.webhooks.tick(),
    );
    await t.app.webhooks.tick();
    const bodies = r.hits.map(
      (h) => new Webhook(endpoint.secret).verify(h.body, h.headers) as { type: string; data: { captureId: string; changed: string[] } },
    );
    expect(bodies.map((b) => b.type)).toEqual(["capture.changed"]);
    expect(bodies[0]!.data).toMatchObject({ captureId: "cap_wh", changed: ["dom"] });
    await r.close();
    expect((await t.app.inject({ method: "DELETE", url: `/v1/webhooks/${endpoint.id}`, headers: auth() })).statusCode).toBe(204);
  });

  it("retries with exponential backoff while the receiver is down, and delivers once it is up", async () => {
    // A port with nothing listening: connection refused until the receiver starts on it.
    const probe = await receiver();
    const port = probe.port;
    await probe.close();
    const endpoint = await addEndpoint(`http://127.0.0.1:${port}/hook`, ["entry.status.pending"]);
    const id = await stamp("0x" + "2b".repeat(32));
    await until(
      async () => ((await deliveries(endpoint.id))[0]?.attempts ?? 0) >= 4,
      20_000,
      () => t.app.webhooks.tick(),
    );
    const [failing] = await deliveries(endpoint.id);
    expect(failing).toMatchObject({ status: "pending", lastStatus: null });
    expect(failing.lastError).toMatch(/ECONNREFUSED/);
    // The receiver comes up on the same port.
    const hits: Hit[] = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        hits.push({ headers: req.headers as Record<string, string>, body: Buffer.concat(chunks).toString(), at: Date.now() });
        res.end();
      });
    });
    await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
    try {
      await until(
        () => hits.length > 0,
        30_000,
        () => t.app.webhooks.tick(),
      );
      const [done] = await deliveries(endpoint.id);
      expect(done.status).toBe("delivered");
      expect(done.attempts).toBeGreaterThanOrEqual(5);
      expect(new Webhook(endpoint.secret).verify(hits[0]!.body, hits[0]!.headers)).toMatchObject({ data: { entryId: id, status: "pending" } });
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  it("records the backoff schedule: each retry waits twice as long as the one before", async () => {
    const probe = await receiver();
    const port = probe.port;
    await probe.close();
    const endpoint = await addEndpoint(`http://127.0.0.1:${port}/hook`, ["entry.status.pending"]);
    await stamp("0x" + "3c".repeat(32));
    const gaps: number[] = [];
    let last = 0;
    await until(
      async () => {
        const [d] = await deliveries(endpoint.id);
        if (d && d.attempts > last) {
          last = d.attempts;
          gaps.push(Date.parse(d.nextAttemptAt) - Date.parse(d.updatedAt));
        }
        return last >= 3;
      },
      20_000,
      () => t.app.webhooks.tick(),
    );
    // 200 ms, 400 ms, 800 ms (WEBHOOK_BACKOFF_MS=200), within a few ms of clock rounding.
    expect(gaps.slice(0, 3).map((g) => Math.round(g / 100) * 100)).toEqual([200, 400, 800]);
    expect((await t.app.inject({ method: "DELETE", url: `/v1/webhooks/${endpoint.id}`, headers: auth() })).statusCode).toBe(204);
  });

  it("follows no redirect and bounds each delivery by its timeout", async () => {
    const target = await receiver();
    const redirecting = await receiver((_q, res) => {
      res.writeHead(307, { location: target.url });
      res.end();
    });
    const silent = await receiver(() => undefined); // never answers
    const a = await addEndpoint(redirecting.url, ["entry.status.pending"]);
    const b = await addEndpoint(silent.url, ["entry.status.pending"]);
    await stamp("0x" + "4d".repeat(32));
    await until(
      async () => (await deliveries(a.id))[0]?.attempts >= 1 && (await deliveries(b.id))[0]?.attempts >= 1,
      20_000,
      () => t.app.webhooks.tick(),
    );
    expect((await deliveries(a.id))[0]).toMatchObject({ status: "pending", lastStatus: 307, lastError: "redirect (307) not followed" });
    expect((await deliveries(b.id))[0].lastError).toMatch(/timed out after 500 ms/);
    expect(target.hits).toEqual([]);
    for (const e of [a, b]) await t.app.inject({ method: "DELETE", url: `/v1/webhooks/${e.id}`, headers: auth() });
    for (const r of [target, redirecting, silent]) await r.close();
  });

  it("rotates the secret (both signatures for a day), redelivers by hand with the same webhook-id, and deletes", async () => {
    const r = await receiver();
    const endpoint = await addEndpoint(r.url, ["entry.status.pending"]);
    await stamp("0x" + "5e".repeat(32));
    await until(
      () => r.hits.length >= 1,
      20_000,
      () => t.app.webhooks.tick(),
    );
    const rotated = (await t.app.inject({ method: "POST", url: `/v1/webhooks/${endpoint.id}/rotate`, headers: auth() })).json();
    expect(rotated.secret).not.toBe(endpoint.secret);
    expect(Date.parse(rotated.previousSecretValidUntil) - Date.now()).toBeGreaterThan(23 * 3_600_000);
    const [delivery] = await deliveries(endpoint.id);
    const again = await t.app.inject({ method: "POST", url: `/v1/webhooks/${endpoint.id}/deliveries/${delivery.id}/redeliver`, headers: auth() });
    expect(again.statusCode).toBe(202);
    expect(again.json()).toMatchObject({ status: "pending" });
    await until(
      () => r.hits.length >= 2,
      20_000,
      () => t.app.webhooks.tick(),
    );
    const [first, second] = r.hits;
    expect(second!.headers["webhook-id"]).toBe(first!.headers["webhook-id"]);
    expect(second!.body).toBe(first!.body);
    expect(second!.headers["webhook-signature"]!.split(" ")).toHaveLength(2);
    expect(new Webhook(rotated.secret).verify(second!.body, second!.headers)).toBeTruthy();
    expect(new Webhook(endpoint.secret).verify(second!.body, second!.headers)).toBeTruthy();
    expect((await deliveries(endpoint.id))[0]).toMatchObject({ status: "delivered", attempts: 2 });
    // Another tenant sees none of it.
    const rival = await t.app.inject({ method: "GET", url: `/v1/webhooks/${endpoint.id}/deliveries`, headers: { authorization: `Bearer ${t.keys.rival}` } });
    expect(rival.statusCode).toBe(404);
    expect(rival.json().error.code).toBe("WEBHOOK_NOT_FOUND");
    expect((await t.app.inject({ method: "DELETE", url: `/v1/webhooks/${endpoint.id}`, headers: auth() })).statusCode).toBe(204);
    expect((await t.app.inject({ method: "GET", url: `/v1/webhooks/${endpoint.id}`, headers: auth() })).statusCode).toBe(404);
    const list = (await t.app.inject({ method: "GET", url: "/v1/webhooks", headers: auth() })).json();
    expect(list.webhooks.map((w: { id: string }) => w.id)).not.toContain(endpoint.id);
    await r.close();
  });
});
