/**
 * The SDK's safe retries against the real service (in-process app over SQLite, anvil and the embedded
 * blockstore, listening on loopback) behind a loopback HTTP relay of this test that misbehaves as a
 * network or a load balancer would: it forwards a request to the service and then cuts the client's
 * connection instead of relaying the answer (the entries were stored, the client never heard), or
 * answers 503 without forwarding. The client retries with the request's Idempotency-Key and gets the
 * stored entries, each digest stored once.
 */
import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../../client-sdk/src/client.ts";
import { buildTestApp, type TestApp } from "../helpers/app.ts";

type Mode = "cut-after-forward" | "503" | "pass";

describe("createClient retries stamps and uploads with their Idempotency-Key (real service behind a faulty relay)", () => {
  let t: TestApp;
  let relay: Server;
  let relayUrl = "";
  let target = "";
  /** What the relay does with each next request, in order; then it passes everything. */
  let plan: Mode[] = [];
  const seenKeys: (string | undefined)[] = [];

  beforeAll(async () => {
    t = await buildTestApp();
    target = await t.app.listen({ host: "127.0.0.1", port: 0 });
    relay = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        void (async () => {
          const mode = plan.shift() ?? "pass";
          seenKeys.push(req.headers["idempotency-key"] as string | undefined);
          if (mode === "503") {
            res.writeHead(503, { "content-type": "text/html" }).end("<h1>503 Service Unavailable</h1>");
            return;
          }
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(req.headers))
            if (typeof v === "string" && k !== "host" && k !== "content-length" && k !== "connection") headers[k] = v;
          const answer = await fetch(`${target}${req.url}`, { method: req.method!, headers, body: Buffer.concat(chunks) });
          const text = await answer.text();
          if (mode === "cut-after-forward") {
            req.socket.destroy(); // the service stored it; the client hears a reset
            return;
          }
          res.writeHead(answer.status, { "content-type": answer.headers.get("content-type") ?? "application/json" }).end(text);
        })();
      });
    });
    await new Promise<void>((r) => relay.listen(0, "127.0.0.1", r));
    relayUrl = `http://127.0.0.1:${(relay.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    relay?.closeAllConnections();
    await new Promise((r) => relay?.close(r));
    await t?.close();
  });

  const client = () => createClient({ baseUrl: relayUrl, apiKey: t.keys.acme!, retry: { retries: 3, baseDelayMs: 20, maxDelayMs: 100 } });
  const storedIds = async (sha256: string) =>
    (await t.app.inject({ method: "GET", url: `/v1/entries?sha256=${sha256}`, headers: { authorization: `Bearer ${t.keys.acme}` } }))
      .json()
      .entries.map((e: { id: string }) => e.id) as string[];

  it("answers a stamp whose reply was cut after it was stored with the stored entries, stored once", async () => {
    const d = "0x" + randomBytes(32).toString("hex");
    plan = ["cut-after-forward"];
    seenKeys.length = 0;
    const [entry] = await client().submitStamps([{ sha256: d }]);
    expect(seenKeys.length).toBe(2);
    expect(seenKeys[0]).toMatch(/^"[0-9a-f-]{36}"$/);
    expect(seenKeys[1]).toBe(seenKeys[0]);
    expect(await storedIds(d)).toEqual([entry!.id]);
  });

  it("retries through 503s from a proxy, and sends a caller's own key", async () => {
    const d = "0x" + randomBytes(32).toString("hex");
    plan = ["503", "503"];
    seenKeys.length = 0;
    const [entry] = await client().submitStamps([{ sha256: d }], { idempotencyKey: "order-4711" });
    expect(seenKeys).toEqual(['"order-4711"', '"order-4711"', '"order-4711"']);
    expect(await storedIds(d)).toEqual([entry!.id]);
    // The same key again later (another process, a restart) gets the same entry.
    const [again] = await client().submitStamps([{ sha256: d }], { idempotencyKey: "order-4711" });
    expect(again!.id).toBe(entry!.id);
  });

  it("retries an upload of Blobs whose reply was cut, and stores the file once", async () => {
    const bytes = randomBytes(50_000);
    plan = ["cut-after-forward"];
    seenKeys.length = 0;
    const [entry] = await client().submitFiles([{ name: "logo.png", data: new Blob([bytes]), mediaType: "image/png" }], { stream: false });
    expect(seenKeys.length).toBe(2);
    expect(seenKeys[1]).toBe(seenKeys[0]);
    expect(await storedIds(entry!.sha256)).toEqual([entry!.id]);
  });

  it("gives up after its retries with the last error", async () => {
    plan = ["503", "503", "503", "503", "503"];
    await expect(client().submitStamps([{ sha256: "0x" + randomBytes(32).toString("hex") }])).rejects.toMatchObject({ status: 503 });
    plan = [];
  });
});
