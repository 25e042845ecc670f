import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { anchorAll, buildTestApp, type TestApp } from "../helpers/app.ts";

let t: TestApp;
let base: string;
beforeAll(async () => {
  t = await buildTestApp();
  base = await t.app.listen({ host: "127.0.0.1", port: 0 });
});
afterAll(async () => {
  await t?.close();
});

/** Collects Server-Sent Events from /v1/events until aborted. */
function subscribe(tenant: string, query = ""): { events: { event: string; data: any }[]; ready: Promise<void>; close(): void } {
  const controller = new AbortController();
  const events: { event: string; data: any }[] = [];
  let markReady: () => void = () => {};
  const ready = new Promise<void>((r) => (markReady = r));
  void (async () => {
    const res = await fetch(`${base}/v1/events${query}`, { headers: { authorization: `Bearer ${t.keys[tenant]}` }, signal: controller.signal });
    expect(res.headers.get("content-type")).toMatch(/text\/event-stream/);
    markReady();
    let buffer = "";
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += Buffer.from(chunk).toString("utf8");
        let end: number;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event && data) events.push({ event, data: JSON.parse(data) });
        }
      }
    } catch {
      // aborted
    }
  })();
  return { events, ready, close: () => controller.abort() };
}

describe("GET /v1/events", () => {
  it("pushes each status change of the tenant's entries, and nothing of other tenants", async () => {
    const acme = subscribe("acme");
    const rival = subscribe("rival");
    await Promise.all([acme.ready, rival.ready]);
    const res = await t.app.inject({ method: "POST", url: "/v1/stamps", headers: { authorization: `Bearer ${t.keys.acme}` }, payload: { items: [{ sha256: "0x" + "ee".repeat(32) }] } });
    const id = res.json().entries[0].id;
    await anchorAll(t);
    const deadline = Date.now() + 10_000;
    while (!acme.events.some((e) => e.data.status === "confirmed") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    acme.close();
    rival.close();
    const statuses = acme.events.filter((e) => e.data.entryId === id).map((e) => e.data.status);
    expect(statuses).toEqual(["anchored", "confirmed"]);
    expect(acme.events[0]).toMatchObject({ event: "entry.status", data: { chainId: 31337 } });
    expect(acme.events[0]!.data.txHash).toMatch(/^0x[0-9a-f]{64}$/);
    expect(rival.events).toEqual([]);
  });

  it("refuses a subscriber without a key", async () => {
    const res = await fetch(`${base}/v1/events`);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("UNAUTHORIZED");
  });
});
