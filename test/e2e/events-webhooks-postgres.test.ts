/**
 * Events and webhooks across two `node server/src/server.ts` processes on one PostgreSQL database and
 * one anvil chain. Server-Sent Events: a client connected to the node that does NOT hold the anchorer
 * lease sees every status of its entry in order (the outbox is written by whichever node makes the
 * change; LISTEN/NOTIFY wakes the other), and a client reconnecting with Last-Event-ID gets what it
 * missed. Webhooks: a real HTTP receiver; the node delivering (the `webhooks` lease holder) is killed
 * with SIGKILL while a delivery is in flight; the other node takes over and everything is delivered,
 * duplicates only with the same webhook-id and body, every signature verified with the Standard Webhooks
 * reference implementation.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { randomBytes } from "node:crypto";
import pg from "pg";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../helpers/postgres.ts";
import { startService, type RunningService, type ServerNode } from "../helpers/service.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(f: () => Promise<T | undefined | false> | T | undefined | false, ms: number, what: string): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

interface Sse {
  readonly events: { id: string; event: string; data: any }[];
  readonly ready: Promise<void>;
  close(): void;
}

function sse(url: string, key: string, lastEventId?: string): Sse {
  const controller = new AbortController();
  const events: Sse["events"] = [];
  let ok: () => void = () => {};
  const ready = new Promise<void>((r) => (ok = r));
  void (async () => {
    try {
      const res = await fetch(`${url}/v1/events`, {
        headers: { authorization: `Bearer ${key}`, ...(lastEventId ? { "last-event-id": lastEventId } : {}) },
        signal: controller.signal,
      });
      expect(res.status).toBe(200);
      ok();
      let buffer = "";
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += Buffer.from(chunk).toString("utf8");
        let end: number;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const id = /^id: (.*)$/m.exec(block)?.[1];
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (id && event && data) events.push({ id, event, data: JSON.parse(data) });
        }
      }
    } catch {
      // aborted
    }
  })();
  return { events, ready, close: () => controller.abort() };
}

describe("events and webhooks on two server processes (PostgreSQL LISTEN/NOTIFY, anvil)", () => {
  let db: TestDatabase;
  let service: RunningService;
  let second: ServerNode;
  let sql: pg.Pool;
  const urls: Record<string, string> = {};

  beforeAll(async () => {
    db = await createTestDatabase();
    service = await startService({
      databaseUrl: db.url,
      env: {
        NODE_ID: "node-1",
        BATCH_INTERVAL_MS: "500",
        ANCHOR_TICK_MS: "250",
        LEASE_TTL_MS: "3000",
        WEBHOOK_ALLOW_PRIVATE: "true",
        WEBHOOK_BACKOFF_MS: "300",
        WEBHOOK_INTERVAL_MS: "200",
        WEBHOOK_TIMEOUT_MS: "30000",
      },
    });
    second = await service.startNode({ NODE_ID: "node-2" });
    urls["node-1"] = service.url;
    urls["node-2"] = second.url;
    sql = new pg.Pool({ connectionString: db.url, max: 2 });
  }, 180_000);
  afterAll(async () => {
    await sql?.end();
    await service?.stop();
    await db?.drop();
  });

  const holder = async (lease: string) =>
    (
      (await sql.query("SELECT holder FROM leases WHERE name = $1 AND expires_at > (extract(epoch FROM clock_timestamp()) * 1000)::bigint", [lease])).rows[0] as
        | { holder: string }
        | undefined
    )?.holder;
  const stamp = async (url: string, n = 1) => {
    const res = await fetch(`${url}/v1/stamps`, {
      method: "POST",
      headers: { authorization: `Bearer ${service.keys.acme}`, "content-type": "application/json" },
      body: JSON.stringify({ items: Array.from({ length: n }, () => ({ sha256: "0x" + randomBytes(32).toString("hex") })) }),
    });
    expect(res.status).toBe(202);
    return ((await res.json()) as { entries: { id: string }[] }).entries.map((e) => e.id);
  };
  const statusOf = async (id: string) =>
    ((await (await fetch(`${urls["node-1"]}/v1/entries/${id}`, { headers: { authorization: `Bearer ${service.keys.acme}` } })).json()) as { status: string })
      .status;

  it("a client on the node without the anchorer lease sees every status of its entry in order, and resumes with Last-Event-ID", async () => {
    const leader = await until(() => holder(`anchorer:${service.chainId}`), 30_000, "an anchorer leader");
    const follower = leader === "node-1" ? "node-2" : "node-1";
    const client = sse(urls[follower]!, service.keys.acme!);
    await client.ready;
    // Stamped on the leader: the follower hears of it only through the database.
    const [id] = await stamp(urls[leader]!);
    await until(() => client.events.some((e) => e.data.entryId === id && e.data.status === "confirmed"), 60_000, "confirmed on the follower's stream");
    const mine = client.events.filter((e) => e.data.entryId === id);
    expect(mine.map((e) => e.data.status)).toEqual(["pending", "batched", "anchored", "confirmed"]);
    expect(mine.map((e) => Number(e.id))).toEqual([...mine.map((e) => Number(e.id))].sort((a, b) => a - b));

    // Away: the client disconnects; two entries go through every status meanwhile.
    const lastSeen = client.events.at(-1)!.id;
    client.close();
    const missed = await stamp(urls[follower]!, 2);
    for (const m of missed) await until(async () => (await statusOf(m)) === "confirmed", 60_000, `${m} confirmed`);
    const back = sse(urls[follower]!, service.keys.acme!, lastSeen);
    await back.ready;
    await until(() => missed.every((m) => back.events.some((e) => e.data.entryId === m && e.data.status === "confirmed")), 30_000, "the missed events");
    back.close();
    expect(Number(back.events[0]!.id)).toBe(Number(lastSeen) + 1);
    const ids = back.events.map((e) => Number(e.id));
    expect(ids).toEqual(ids.map((_, i) => Number(lastSeen) + 1 + i));
    for (const m of missed)
      expect(back.events.filter((e) => e.data.entryId === m).map((e) => e.data.status)).toEqual(["pending", "batched", "anchored", "confirmed"]);
  }, 240_000);

  it("the webhook leader killed mid-delivery: the other node delivers everything, duplicates only with the same id", async () => {
    // The receiver holds its first request open (the delivery in flight), and answers every later one.
    const hits: { headers: Record<string, string>; body: string }[] = [];
    let held: ServerResponse | undefined;
    let heldHit: (() => void) | undefined;
    const firstHeld = new Promise<void>((r) => (heldHit = r));
    const server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        hits.push({ headers: req.headers as Record<string, string>, body: Buffer.concat(chunks).toString("utf8") });
        if (!held && hits.length === 1) {
          held = res;
          heldHit?.();
          return;
        }
        res.end("ok");
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const hookUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    try {
      const created = await fetch(`${urls["node-2"]}/v1/webhooks`, {
        method: "POST",
        headers: { authorization: `Bearer ${service.keys.acme}`, "content-type": "application/json" },
        body: JSON.stringify({ url: hookUrl, events: ["entry.status"] }),
      });
      expect(created.status).toBe(201);
      const endpoint = (await created.json()) as { id: string; secret: string };
      const ids = await stamp(urls["node-2"]!, 5);
      await firstHeld;
      const deliverer = await until(() => holder("webhooks"), 10_000, "a webhooks leader");
      if (deliverer === "node-1") await service.stopServer("SIGKILL");
      else await second.stop("SIGKILL");
      const survivor = deliverer === "node-1" ? "node-2" : "node-1";
      held?.destroy();
      // The survivor takes both leases over, anchors, and delivers every status of the five entries.
      for (const id of ids)
        await until(
          async () =>
            (
              await fetch(`${urls[survivor]}/v1/entries/${id}`, { headers: { authorization: `Bearer ${service.keys.acme}` } }).then(
                (r) => r.json() as Promise<{ status: string }>,
              )
            ).status === "confirmed",
          90_000,
          `${id} confirmed`,
        );
      const expected = (
        await sql.query("SELECT seq FROM event_outbox WHERE entry_id = ANY($1::text[]) AND type = 'entry.status' ORDER BY seq", [ids])
      ).rows.map((r: { seq: string }) => Number(r.seq));
      expect(expected.length).toBe(20);
      const wh = new Webhook(endpoint.secret);
      await until(
        () => {
          const got = new Set(hits.map((h) => (wh.verify(h.body, h.headers) as { data: { seq: number } }).data.seq));
          return expected.every((s) => got.has(s));
        },
        60_000,
        "every event delivered",
      );
      // Duplicates (the one in flight when the leader died) carry the same id and the same body.
      const byId = new Map<string, string>();
      for (const h of hits) {
        const id = h.headers["webhook-id"]!;
        if (byId.has(id)) expect(h.body).toBe(byId.get(id));
        byId.set(id, h.body);
      }
      expect(byId.size).toBe(new Set(hits.map((h) => JSON.parse(h.body).data.seq)).size);
      // The delivery in flight when the leader died was sent again, by the survivor, under the same id.
      expect(hits.filter((h) => h.headers["webhook-id"] === hits[0]!.headers["webhook-id"]).length).toBeGreaterThanOrEqual(2);
      const log = (await sql.query("SELECT status, COUNT(*) AS n FROM webhook_deliveries WHERE endpoint_id = $1 GROUP BY status", [endpoint.id])).rows as {
        status: string;
        n: string;
      }[];
      expect(log).toEqual([{ status: "delivered", n: "20" }]);
      expect(await holder("webhooks")).toBe(survivor);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  }, 300_000);
});
