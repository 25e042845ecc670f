import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { anchorAll, buildTestApp, TEST_BACKENDS, type TestApp } from "../helpers/app.ts";
import { createTenantKey } from "../../server/src/services/keys.ts";
import { createClient } from "../../client-sdk/src/index.ts";

interface Received {
  readonly id: string | undefined;
  readonly event: string;
  readonly data: any;
}

/** Collects Server-Sent Events from /v1/events until aborted (or the server ends the stream). */
function subscribe(
  base: string,
  key: string,
  options: { query?: string; lastEventId?: string; cookie?: string } = {},
): {
  events: Received[];
  ready: Promise<Response>;
  ended: Promise<void>;
  close(): void;
} {
  const controller = new AbortController();
  const events: Received[] = [];
  let markReady: (r: Response) => void = () => {};
  let failReady: (e: unknown) => void = () => {};
  const ready = new Promise<Response>((resolve, reject) => {
    markReady = resolve;
    failReady = reject;
  });
  const ended = (async () => {
    let res: Response;
    try {
      res = await fetch(`${base}/v1/events${options.query ?? ""}`, {
        headers: {
          ...(options.cookie ? { cookie: options.cookie } : { authorization: `Bearer ${key}` }),
          ...(options.lastEventId ? { "last-event-id": options.lastEventId } : {}),
        },
        signal: controller.signal,
      });
    } catch (e) {
      failReady(e);
      return;
    }
    markReady(res);
    if (!res.ok) return;
    let buffer = "";
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += Buffer.from(chunk).toString("utf8");
        let end: number;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const id = /^id: (.*)$/m.exec(block)?.[1];
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event && data) events.push({ id, event, data: JSON.parse(data) });
        }
      }
    } catch {
      // aborted
    }
  })();
  return { events, ready, ended, close: () => controller.abort() };
}

async function until(check: () => boolean, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe.each(TEST_BACKENDS)("GET /v1/events (%s store)", (backend) => {
  let t: TestApp;
  let base: string;
  beforeAll(async () => {
    t = await buildTestApp({ EVENT_STREAMS_PER_KEY: "3", EVENT_STREAMS_MAX: "5" }, backend);
    base = await t.app.listen({ host: "127.0.0.1", port: 0 });
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  const stamp = async (tenant: string, sha: string) => {
    const res = await t.app.inject({
      method: "POST",
      url: "/v1/stamps",
      headers: { authorization: `Bearer ${t.keys[tenant]}` },
      payload: { items: [{ sha256: sha }] },
    });
    expect(res.statusCode).toBe(202);
    return res.json().entries[0].id as string;
  };

  it("pushes each status change of the tenant's entries (pending, batched, anchored, confirmed) in order, and nothing of other tenants", async () => {
    const acme = subscribe(base, t.keys.acme!);
    const rival = subscribe(base, t.keys.rival!);
    await Promise.all([acme.ready, rival.ready]);
    const id = await stamp("acme", "0x" + "ee".repeat(32));
    await anchorAll(t);
    await until(() => acme.events.some((e) => e.data.entryId === id && e.data.status === "confirmed"));
    acme.close();
    rival.close();
    const mine = acme.events.filter((e) => e.data.entryId === id);
    expect(mine.map((e) => e.data.status)).toEqual(["pending", "batched", "anchored", "confirmed"]);
    expect(mine.every((e) => e.event === "entry.status")).toBe(true);
    // Ids are the tenant's event numbers: consecutive, and the same number as data.seq.
    const ids = mine.map((e) => Number(e.id));
    expect(ids).toEqual(mine.map((e) => e.data.seq));
    expect(ids).toEqual(ids.map((_, i) => ids[0]! + i));
    expect(mine[1]!.data).toMatchObject({ chainId: 31337, txHash: null });
    expect(mine[2]!.data).toMatchObject({ chainId: 31337 });
    expect(mine[2]!.data.txHash).toMatch(/^0x[0-9a-f]{64}$/);
    expect(mine[3]!.data.blockNumber).toBe(mine[2]!.data.blockNumber);
    expect(rival.events).toEqual([]);
  });

  it("resumes after Last-Event-ID: a client that was away gets every event it missed, in order", async () => {
    const first = subscribe(base, t.keys.acme!);
    await first.ready;
    const a = await stamp("acme", "0x" + "a1".repeat(32));
    await until(() => first.events.some((e) => e.data.entryId === a));
    const lastSeen = first.events.at(-1)!.id!;
    first.close();
    // Away: two more entries go all the way to confirmed.
    const b = await stamp("acme", "0x" + "b2".repeat(32));
    const c = await stamp("acme", "0x" + "c3".repeat(32));
    await anchorAll(t);
    const back = subscribe(base, t.keys.acme!, { lastEventId: lastSeen });
    await back.ready;
    await until(() => [a, b, c].every((id) => back.events.some((e) => e.data.entryId === id && e.data.status === "confirmed")));
    back.close();
    const missed = await t.app.store.readEvents((await t.app.store.getEntry(a))!.tenantId, Number(lastSeen), 1000);
    expect(back.events.map((e) => Number(e.id))).toEqual(missed.map((e) => e.seq));
    expect(Number(back.events[0]!.id)).toBe(Number(lastSeen) + 1);
    for (const id of [b, c])
      expect(back.events.filter((e) => e.data.entryId === id).map((e) => e.data.status)).toEqual(["pending", "batched", "anchored", "confirmed"]);
    expect(back.events.filter((e) => e.data.entryId === a).map((e) => e.data.status)).toEqual(["batched", "anchored", "confirmed"]);
  });

  it("says stream.reset and follows from now when Last-Event-ID is beyond the tenant's last event", async () => {
    const s = subscribe(base, t.keys.rival!, { lastEventId: "999999" });
    await s.ready;
    const res = await t.app.inject({
      method: "POST",
      url: "/v1/stamps",
      headers: { authorization: `Bearer ${t.keys.rival}` },
      payload: { items: [{ sha256: "0x" + "f6".repeat(32) }] },
    });
    const id = res.json().entries[0].id;
    await until(() => s.events.some((e) => e.data.entryId === id));
    s.close();
    expect(s.events[0]).toMatchObject({ event: "stream.reset", data: { after: 999999 } });
    expect(s.events.find((e) => e.data.entryId === id)).toMatchObject({ event: "entry.status", data: { status: "pending" } });
  });

  it("resumes through the SDK: getEventStream({ after }) yields every event after that number, each with its seq", async () => {
    const pp = createClient({ baseUrl: base, apiKey: t.keys.acme! });
    const from = await t.app.store.lastEventSeq((await t.app.store.getTenantByName("acme"))!.id);
    const id = await stamp("acme", "0x" + "e7".repeat(32));
    await anchorAll(t);
    const controller = new AbortController();
    const got: { seq?: number; entryId: string; status: string }[] = [];
    for await (const e of await pp.getEventStream({ after: from, signal: controller.signal })) {
      got.push(e);
      if (e.entryId === id && e.status === "confirmed") controller.abort();
    }
    expect(got.map((e) => e.seq)).toEqual(got.map((_, i) => from + 1 + i));
    expect(got.filter((e) => e.entryId === id).map((e) => e.status)).toEqual(["pending", "batched", "anchored", "confirmed"]);
  });

  it("narrows to one entry with ?entry=", async () => {
    const x = await stamp("acme", "0x" + "d4".repeat(32));
    // From the tenant's first event on, narrowed to x: x's own history and nothing else.
    const only = subscribe(base, t.keys.acme!, { lastEventId: "0", query: `?entry=${x}` });
    await only.ready;
    await stamp("acme", "0x" + "d5".repeat(32));
    await anchorAll(t);
    await until(() => only.events.some((e) => e.data.status === "confirmed"));
    only.close();
    expect(only.events.map((e) => e.data.entryId)).toEqual([x, x, x, x]);
    expect(only.events.map((e) => e.data.status)).toEqual(["pending", "batched", "anchored", "confirmed"]);
  });

  it("refuses a stream beyond the per-key budget with 429 TOO_MANY_STREAMS, and beyond the node's budget", async () => {
    const open = [0, 1, 2].map(() => subscribe(base, t.keys.acme!));
    await Promise.all(open.map((s) => s.ready));
    const fourth = await fetch(`${base}/v1/events`, { headers: { authorization: `Bearer ${t.keys.acme}` } });
    expect(fourth.status).toBe(429);
    expect(((await fourth.json()) as any).error).toMatchObject({ code: "TOO_MANY_STREAMS", details: { scope: "key", limit: 3 } });
    const rival = [0, 1].map(() => subscribe(base, t.keys.rival!));
    await Promise.all(rival.map((s) => s.ready));
    const sixth = await fetch(`${base}/v1/events`, { headers: { authorization: `Bearer ${t.keys.rival}` } });
    expect(sixth.status).toBe(429);
    expect(((await sixth.json()) as any).error).toMatchObject({ code: "TOO_MANY_STREAMS", details: { scope: "node", limit: 5 } });
    for (const s of [...open, ...rival]) s.close();
    // A closed stream gives its slot back (once the server has seen the socket close).
    let status = 0;
    const deadline = Date.now() + 5_000;
    while (status !== 200 && Date.now() < deadline) {
      const again = subscribe(base, t.keys.acme!);
      status = (await again.ready).status;
      again.close();
      if (status !== 200) await new Promise((r) => setTimeout(r, 50));
    }
    expect(status).toBe(200);
  });

  it("closes a revoked key's open stream within a second", async () => {
    const { key, record } = await createTenantKey(t.app.store, "acme", "revoked soon");
    const s = subscribe(base, key);
    expect((await s.ready).status).toBe(200);
    const revokedAt = performance.now();
    expect(await t.app.store.revokeApiKey(record.id)).toBe(true);
    await s.ended;
    const closedAfter = performance.now() - revokedAt;
    expect(closedAfter).toBeLessThan(1_000);
    const refused = await fetch(`${base}/v1/events`, { headers: { authorization: `Bearer ${key}` } });
    expect(refused.status).toBe(401);
  });

  it("keeps a console session's stream open, and ends it within seconds of sign-out everywhere or of its user being disabled", async () => {
    const tenant = (await t.app.store.getTenantByName("acme"))!;
    const auth = t.app.consoleAuth;
    const password = "a long enough password";
    const user = await auth.createUser(tenant.id, { email: `streams-${backend}@example.com`, password, role: "viewer" });
    const watch = async (): Promise<ReturnType<typeof subscribe>> => {
      const { sessionId } = await auth.login({ email: user.email, password, ip: "10.77.0.1" });
      const s = subscribe(base, "", { cookie: `pp_session=${sessionId}` });
      expect((await s.ready).status).toBe(200);
      return s;
    };
    const endsWithin = (s: ReturnType<typeof subscribe>, ms: number) =>
      Promise.race([s.ended.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms))]);

    const first = await watch();
    // Several session checks pass (one a second) and the stream stays: a live session is not closed.
    expect(await endsWithin(first, 2_500)).toBe(false);
    await auth.logoutAll(user.id);
    expect(await endsWithin(first, 4_000)).toBe(true);

    const second = await watch();
    await auth.updateUser(tenant.id, user.id, { disabled: true });
    expect(await endsWithin(second, 4_000)).toBe(true);
  });

  it("refuses a subscriber without a key", async () => {
    const res = await fetch(`${base}/v1/events`);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("UNAUTHORIZED");
  });
});
