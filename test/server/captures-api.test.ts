/**
 * POST/GET /v1/captures and /v1/capture-schedules over the real app (anvil, SQLite, embedded IPFS),
 * real Chromium (/usr/bin/chromium) and a local HTTPS site with a test CA (CAPTURE_TRUST_SPKI), with
 * CAPTURE_ALLOW_PRIVATE=true for that loopback site — except the suite that checks the refusal.
 */
import { createHash, randomBytes } from "node:crypto";
import { CarReader } from "@ipld/car";
import { base36 } from "multiformats/bases/base36";
import { base58btc } from "multiformats/bases/base58";
import { CID } from "multiformats/cid";
import { sha256 } from "multiformats/hashes/sha2";
import { PNG } from "pngjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createChainReader, verifyCapture } from "../../client-sdk/src/index.ts";
import { buildApp } from "../../server/src/app.ts";
import { loadConfig } from "../../server/src/config.ts";
import { execFileSync } from "node:child_process";
import { anchorAll, buildTestApp, TEST_BACKENDS, type TestApp } from "../helpers/app.ts";
import { makeTestPki, startHttpsSite, type HttpsSite } from "../helpers/https-site.ts";

const DAY = 86_400_000;

const CODECS = { raw: 0x55, "dag-pb": 0x70, "dag-cbor": 0x71, "dag-json": 0x0129, "libp2p-key": 0x72, "git-raw": 0x78 } as const;

/** Every spelling of a multihash: each codec, CIDv1 in base32/base36/base58btc, and CIDv0. */
function spellings(mh: CID["multihash"]): { text: string; cid: CID; base?: typeof base36 | typeof base58btc }[] {
  const out: { text: string; cid: CID; base?: typeof base36 | typeof base58btc }[] = [];
  for (const code of Object.values(CODECS)) {
    const v1 = CID.createV1(code, mh);
    out.push(
      { text: v1.toString(), cid: v1 },
      { text: v1.toString(base36), cid: v1, base: base36 },
      { text: v1.toString(base58btc), cid: v1, base: base58btc },
    );
  }
  const v0 = CID.createV0(mh as never);
  out.push({ text: v0.toString(), cid: v0 });
  return out;
}

interface StreamEvent {
  readonly id: number;
  readonly event: string;
  readonly data: Record<string, unknown> & { seq: number };
}

/**
 * The tenant's events after `after`, read from GET /v1/events (Server-Sent Events from the outbox,
 * resumed with Last-Event-ID) until `enough` holds for them; throws when they do not come in time.
 */
async function streamEvents(base: string, key: string, after: number, enough: (events: StreamEvent[]) => boolean, ms = 30_000): Promise<StreamEvent[]> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), ms);
  const events: StreamEvent[] = [];
  try {
    const res = await fetch(`${base}/v1/events`, { headers: { authorization: `Bearer ${key}`, "last-event-id": String(after) }, signal: controller.signal });
    expect(res.status).toBe(200);
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
        if (id && event && data) events.push({ id: Number(id), event, data: JSON.parse(data) });
      }
      if (enough(events)) return events;
    }
  } catch (e) {
    if (!controller.signal.aborted) throw e;
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  throw new Error(`the expected events did not arrive in ${ms} ms; got ${JSON.stringify(events.map((e) => e.event))}`);
}
const pageV1 = `<!doctype html><title>Acme shop</title><h1>ACME® widgets</h1><p>Price 10</p>`;
const pageV2 = `<!doctype html><title>Acme shop</title><h1>ACME® widgets</h1><p>Price 12 — new colours</p>`;

describe.each(TEST_BACKENDS)("captures API on %s", (backend) => {
  let t: TestApp;
  let base: string;
  let site: HttpsSite;
  const auth = (tenant = "acme") => ({ authorization: `Bearer ${t.keys[tenant]}` });

  beforeAll(async () => {
    site = await startHttpsSite({
      "/shop": { body: pageV1 },
      "/logo.png": { type: "image/png", body: new Uint8Array(PNG.sync.write(new PNG({ width: 4, height: 4 }))) },
    });
    t = await buildTestApp(
      {
        CAPTURE_ALLOW_PRIVATE: "true",
        CAPTURE_TRUST_SPKI: makeTestPki().spki,
        CAPTURE_TIME_BUDGET_MS: "30000",
        CAPTURE_CLOCK_SOURCE: "chrony (test)",
        RATE_LIMIT_PER_MINUTE: "1000000",
      },
      backend,
    );
    base = await t.app.listen({ host: "127.0.0.1", port: 0 });
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    await site?.close();
  });

  describe("when a tenant captures a page", () => {
    let id: string;
    let capture: Record<string, unknown>;
    beforeAll(async () => {
      const res = await t.app.inject({
        method: "POST",
        url: "/v1/captures",
        headers: auth(),
        payload: { url: `${site.url}/shop`, options: { settleMs: 200 } },
      });
      expect(res.statusCode).toBe(202);
      expect(res.json().capture.status).toBe("queued");
      id = res.json().capture.id;
      expect(res.headers.location).toBe(`/v1/captures/${id}`);
      const ran = await t.app.captures.runOnce();
      expect(ran?.id).toBe(id);
      capture = (await t.app.inject({ method: "GET", url: `/v1/captures/${id}`, headers: auth() })).json().capture;
    }, 120_000);

    it("stamps the manifest as one entry claimed as a web capture of the URL, parts stored in IPFS", async () => {
      expect(capture).toMatchObject({ status: "complete", change: "first", finalUrl: `${site.url}/shop`, error: null, previousSha256: null });
      const entry = (await t.app.inject({ method: "GET", url: `/v1/entries/${capture.entryId}`, headers: auth() })).json();
      expect(entry.sha256).toBe(capture.manifestSha256);
      expect(entry.claim).toEqual({ title: `web capture of ${site.url}/shop`, kind: "other" });
      expect(entry.cid).toBe(capture.manifestCid);
      expect(JSON.parse((await t.app.store.captures.get(id))!.manifest!).environment.clock).toMatch(/kept by: chrony \(test\) \(not the evidence of time/);
      const parts = capture.parts as { name: string; cid: string | null }[];
      expect(parts.map((p) => p.name).sort()).toEqual(["dom.html", "network.json", "page.mhtml", "screenshot.png", "tls-chain.pem"]);
      expect(parts.every((p) => typeof p.cid === "string")).toBe(true);
    });

    it("serves the manifest and the parts; the capture verifies against its receipt, and a changed byte fails naming the part", async () => {
      const manifest = (await t.app.inject({ method: "GET", url: `/v1/captures/${id}/manifest`, headers: auth() })).rawPayload;
      expect("0x" + createHash("sha256").update(manifest).digest("hex")).toBe(capture.manifestSha256);
      const files = new Map<string, Uint8Array>();
      for (const p of capture.parts as { name: string }[]) {
        const res = await t.app.inject({ method: "GET", url: `/v1/captures/${id}/parts/${p.name}`, headers: auth() });
        expect(res.statusCode).toBe(200);
        expect(res.headers["content-type"]).toBe("application/octet-stream");
        files.set(p.name, new Uint8Array(res.rawPayload));
      }
      await anchorAll(t);
      const receipt = (await t.app.inject({ method: "GET", url: `/v1/entries/${capture.entryId}/receipt`, headers: auth() })).json();
      const receiptOptions = { chains: { "31337": createChainReader(t.chain.rpcUrl) } };
      const ok = await verifyCapture({ manifest, readPart: async (n) => files.get(n), receipt, receiptOptions });
      expect(ok.checks.filter((c) => c.status !== "passed")).toEqual([]);
      expect(ok.verified).toBe(true);
      const bad = new Map(files);
      const shot = new Uint8Array(files.get("screenshot.png")!);
      shot[shot.length - 20]! ^= 0x80;
      bad.set("screenshot.png", shot);
      const v = await verifyCapture({ manifest, readPart: async (n) => bad.get(n), receipt, receiptOptions });
      expect(v.verified).toBe(false);
      expect(v.failedParts).toEqual(["screenshot.png"]);
      const tampered = new Uint8Array(manifest);
      tampered[tampered.indexOf(0x22, 40) + 1]! ^= 0x01; // a byte inside a string of the manifest
      const m = await verifyCapture({ manifest: tampered, readPart: async (n) => files.get(n), receipt, receiptOptions });
      expect(m.verified).toBe(false);
    }, 120_000);

    it("gives the certificate facts with the screenshot scaled to print", async () => {
      const res = await t.app.inject({ method: "GET", url: `/v1/captures/${id}/facts`, headers: auth() });
      expect(res.statusCode).toBe(200);
      const { facts } = res.json();
      expect(facts).toMatchObject({
        url: `${site.url}/shop`,
        finalUrl: `${site.url}/shop`,
        manifestSha256: capture.manifestSha256,
        tls: { subject: "capture-test.localhost", issuer: "PriorProof Capture Test CA" },
      });
      const png = PNG.sync.read(Buffer.from(facts.screenshot.png, "base64"));
      expect(png.width).toBeLessThanOrEqual(600);
      expect(facts.parts).toHaveLength(5);
      expect(facts.statements[0]).toMatch(/does not show who controls the site/);
      // The certificate service finds the same facts from the entry it certifies.
      const tenantId = (await t.app.store.getTenantByName("acme"))!.id;
      expect((await t.app.captures.getFacts(tenantId, { entryId: capture.entryId as string }))?.manifestSha256).toBe(capture.manifestSha256);
      expect(await t.app.captures.getFacts((await t.app.store.getTenantByName("rival"))!.id, { entryId: capture.entryId as string })).toBeUndefined();
    });

    it("serves the parts by CID to their tenant only, not even as a raw block to another", async () => {
      const dom = (capture.parts as { name: string; cid: string }[]).find((p) => p.name === "dom.html")!;
      const own = await t.app.inject({ method: "GET", url: `/ipfs/${dom.cid}`, headers: auth() });
      expect(own.statusCode).toBe(200);
      expect("0x" + createHash("sha256").update(own.rawPayload).digest("hex")).toBe(
        (capture.parts as { name: string; sha256: string }[]).find((p) => p.name === "dom.html")!.sha256,
      );
      for (const format of ["", "?format=raw", "?format=car"]) {
        const res = await t.app.inject({ method: "GET", url: `/ipfs/${dom.cid}${format}`, headers: auth("rival") });
        expect([format, res.statusCode, res.json().error.code]).toEqual([format, 404, "CONTENT_NOT_FOUND"]);
      }
    });

    it("owns the parts by multihash: the tenant reads every block under any codec, another tenant gets the 404 of content nobody stored", async () => {
      const get = (tenant: string, path: string) => t.app.inject({ method: "GET", url: path, headers: auth(tenant) });
      const comparable = (res: Awaited<ReturnType<typeof get>>, cid: string) => ({
        status: res.statusCode,
        body: res.body.replaceAll(cid, "<cid>"),
        headers: Object.fromEntries(
          Object.entries(res.headers).filter(([k]) => !["date", "content-length", "x-ratelimit-remaining", "x-ratelimit-reset"].includes(k)),
        ),
      });
      // A page whose DOM exceeds one 1 MiB chunk: a part stored as a dag-pb root over raw leaves.
      site.set("/big", { body: `<!doctype html><title>Catalogue</title><h1>Catalogue</h1><div hidden>${randomBytes(700_000).toString("hex")}</div>` });
      const queued = await t.app.inject({
        method: "POST",
        url: "/v1/captures",
        headers: auth(),
        payload: { url: `${site.url}/big`, options: { settleMs: 100 } },
      });
      expect(queued.statusCode).toBe(202);
      const big = await t.app.captures.runOnce();
      expect(big).toMatchObject({ id: queued.json().capture.id, status: "complete" });
      let blocks = 0;
      const multiBlockParts: string[] = [];
      for (const part of [...(capture.parts as { name: string; cid: string }[]), ...big!.parts.map((p) => ({ name: `big/${p.name}`, cid: p.cid! }))]) {
        const root = CID.parse(part.cid);
        const car = await get("acme", `/ipfs/${root}?format=car`);
        expect([part.name, car.statusCode]).toEqual([part.name, 200]);
        const cids: CID[] = [];
        for await (const block of (await CarReader.fromBytes(car.rawPayload)).blocks()) cids.push(block.cid);
        expect(cids.map(String)).toContain(root.toString());
        if (cids.length > 1) multiBlockParts.push(part.name);
        for (const block of cids) {
          blocks++;
          // The owner: the block by its own CID, and the same bytes named by the raw codec.
          for (const cid of [block, CID.createV1(CODECS.raw, block.multihash)])
            expect([part.name, String(cid), (await get("acme", `/ipfs/${cid}?format=raw`)).statusCode]).toEqual([part.name, String(cid), 200]);
          // Another tenant: every spelling, every way of asking, answered like a CID nobody stored.
          for (const s of spellings(block.multihash)) {
            const absent =
              s.cid.version === 0 ? CID.createV0(await sha256.digest(randomBytes(32))) : CID.createV1(s.cid.code, await sha256.digest(randomBytes(32)));
            const absentText = s.base ? absent.toString(s.base) : absent.toString();
            for (const query of ["", "?format=raw", "?format=car"]) {
              const theirs = await get("rival", `/ipfs/${s.text}${query}`);
              expect([part.name, s.text, query, theirs.statusCode, theirs.json().error.code]).toEqual([part.name, s.text, query, 404, "CONTENT_NOT_FOUND"]);
              expect(comparable(theirs, s.cid.toString())).toEqual(comparable(await get("rival", `/ipfs/${absentText}${query}`), absent.toString()));
            }
          }
        }
      }
      expect(multiBlockParts).toContain("big/dom.html");
      expect(blocks).toBeGreaterThanOrEqual(10 + 2);
    }, 180_000);

    it("keeps every block of the parts through the recovery sweep of a process starting on the same data", async () => {
      const parts = capture.parts as { name: string; cid: string; sha256: string }[];
      // A second process on the same store and blockstore: its start sweeps blocks no stored content reaches.
      const again = await buildApp(t.config, { logger: false });
      await again.ready();
      await again.close();
      for (const part of parts) {
        const res = await t.app.inject({ method: "GET", url: `/ipfs/${part.cid}`, headers: auth() });
        expect([part.name, res.statusCode]).toEqual([part.name, 200]);
        expect("0x" + createHash("sha256").update(res.rawPayload).digest("hex")).toBe(part.sha256);
      }
    }, 120_000);

    it("keeps captures private to their tenant", async () => {
      expect((await t.app.inject({ method: "GET", url: `/v1/captures/${id}`, headers: auth("rival") })).json().error.code).toBe("CAPTURE_NOT_FOUND");
      expect((await t.app.inject({ method: "GET", url: `/v1/captures/${id}/parts/screenshot.png`, headers: auth("rival") })).statusCode).toBe(404);
      expect(
        (await t.app.inject({ method: "GET", url: `/v1/captures?url=${encodeURIComponent(`${site.url}/shop`)}`, headers: auth("rival") })).json().captures,
      ).toEqual([]);
      expect((await t.app.inject({ method: "GET", url: `/v1/captures/${id}` })).statusCode).toBe(401);
    });
  });

  describe("when a scheduled capture runs twice with a change in between", () => {
    it("records two linked entries and a change event in the tenant's outbox, delivered by GET /v1/events", async () => {
      site.set("/brand", { body: pageV1 });
      const url = `${site.url}/brand`;
      const after = await t.app.store.lastEventSeq((await t.app.store.getTenantByName("acme"))!.id);
      {
        const created = await t.app.inject({
          method: "POST",
          url: "/v1/capture-schedules",
          headers: auth(),
          payload: { url, every: "daily", options: { settleMs: 200 } },
        });
        expect(created.statusCode).toBe(201);
        expect(
          (await t.app.inject({ method: "POST", url: "/v1/capture-schedules", headers: auth(), payload: { url, every: "weekly" } })).json().error.code,
        ).toBe("CAPTURE_SCHEDULE_EXISTS");
        expect(await t.app.captures.runDueSchedules()).toBe(1);
        expect(await t.app.captures.runDueSchedules()).toBe(0); // not due again until tomorrow
        const first = await t.app.captures.runOnce();
        expect(first).toMatchObject({ status: "complete", change: "first" });
        site.set("/brand", { body: pageV2 });
        expect(await t.app.captures.runDueSchedules(Date.now() + DAY + 1_000)).toBe(1);
        const second = await t.app.captures.runOnce();
        expect(second).toMatchObject({ status: "complete", change: "changed", previousId: first!.id, previousSha256: first!.manifestSha256 });
        expect(second!.changed).toContain("dom");

        const e1 = (await t.app.inject({ method: "GET", url: `/v1/entries/${first!.entryId}`, headers: auth() })).json();
        const e2 = (await t.app.inject({ method: "GET", url: `/v1/entries/${second!.entryId}`, headers: auth() })).json();
        expect(e2.claim.previous).toBe(e1.sha256);
        expect(JSON.parse(second!.manifest!).previous).toBe(first!.manifestSha256);

        const history = (await t.app.inject({ method: "GET", url: `/v1/captures?url=${encodeURIComponent(url)}`, headers: auth() })).json().captures;
        expect(history.map((c: { id: string }) => c.id)).toEqual([second!.id, first!.id]);
        expect(history[0].scheduleId).toBe(created.json().schedule.id);

        const captureEvents = (list: StreamEvent[]) => list.filter((e) => e.event.startsWith("capture."));
        const events = captureEvents(await streamEvents(base, t.keys.acme!, after, (list) => captureEvents(list).length >= 3));
        expect(events.map((e) => e.event)).toEqual(["capture.completed", "capture.completed", "capture.changed"]);
        // Outbox events: numbered in the tenant's order, the SSE id is the event's seq.
        expect(events.every((e) => e.id === e.data.seq && e.id > after)).toBe(true);
        expect(events.map((e) => e.id)).toEqual([...events.map((e) => e.id)].sort((a, b) => a - b));
        const changed = events.filter((e) => e.event === "capture.changed");
        expect(changed).toHaveLength(1);
        expect(changed[0]!.data).toMatchObject({
          type: "capture.changed",
          captureId: second!.id,
          entryId: second!.entryId,
          previousSha256: first!.manifestSha256,
          changed: second!.changed,
        });
        expect(events.filter((e) => e.event === "capture.completed").map((e) => e.data.captureId)).toEqual([first!.id, second!.id]);
        // Another tenant's outbox has none of them.
        expect((await t.app.store.readEvents((await t.app.store.getTenantByName("rival"))!.id, 0, 1_000)).filter((e) => e.type.startsWith("capture."))).toEqual(
          [],
        );
      }
    }, 180_000);

    it("reports a failed capture with its code and a failure event", async () => {
      site.set("/gone", (_req, res) => res.socket?.destroy());
      const after = await t.app.store.lastEventSeq((await t.app.store.getTenantByName("acme"))!.id);
      const res = await t.app.inject({ method: "POST", url: "/v1/captures", headers: auth(), payload: { url: `${site.url}/gone` } });
      const ran = await t.app.captures.runOnce();
      expect(ran).toMatchObject({ id: res.json().capture.id, status: "failed", errorCode: "CAPTURE_NAVIGATION_FAILED", entryId: null });
      const events = (await streamEvents(base, t.keys.acme!, after, (list) => list.some((e) => e.event.startsWith("capture.")))).filter((e) =>
        e.event.startsWith("capture."),
      );
      expect(events.map((e) => e.event)).toEqual(["capture.failed"]);
      expect(events[0]!.data).toMatchObject({
        type: "capture.failed",
        captureId: ran!.id,
        entryId: null,
        errorCode: "CAPTURE_NAVIGATION_FAILED",
        status: "failed",
      });
    }, 120_000);
  });

  it("runs queued captures one at a time in its worker, oldest first", async () => {
    const ids: string[] = [];
    for (const path of ["/shop", "/brand"]) {
      ids.push(
        (
          await t.app.inject({ method: "POST", url: "/v1/captures", headers: auth(), payload: { url: `${site.url}${path}`, options: { settleMs: 100 } } })
        ).json().capture.id,
      );
    }
    t.app.captures.start();
    try {
      const deadline = Date.now() + 120_000;
      while (
        (await t.app.store.captures.countQueued()) > 0 ||
        (await Promise.all(ids.map((id) => t.app.store.captures.get(id)))).some((c) => c?.status === "running")
      ) {
        if (Date.now() > deadline) throw new Error("the worker did not finish the queue");
        await new Promise((r) => setTimeout(r, 200));
      }
    } finally {
      await t.app.captures.stop();
    }
    const [a, b] = await Promise.all(ids.map((id) => t.app.store.captures.get(id)));
    expect([a!.status, b!.status]).toEqual(["complete", "complete"]);
    expect(Date.parse(b!.startedAt!)).toBeGreaterThanOrEqual(Date.parse(a!.finishedAt!));
  }, 180_000);

  it("refuses more than 100 waiting captures of one tenant", async () => {
    const tenantId = (await t.app.store.getTenantByName("acme"))!.id;
    const options = { javascript: true, viewport: { width: 800, height: 600 }, timeBudgetMs: 30_000, sizeBudgetBytes: 1_000_000, settleMs: 0 };
    const waiting = await t.app.store.captures.countQueued(tenantId);
    for (let i = waiting; i < 100; i++) await t.app.store.captures.enqueue({ tenantId, url: `${site.url}/q${i}`, options });
    const res = await t.app.inject({ method: "POST", url: "/v1/captures", headers: auth(), payload: { url: `${site.url}/shop` } });
    expect([res.statusCode, res.json().error.code]).toEqual([429, "CAPTURE_QUEUE_FULL"]);
    // Another tenant's queue is its own.
    expect((await t.app.inject({ method: "POST", url: "/v1/captures", headers: auth("rival"), payload: { url: `${site.url}/shop` } })).statusCode).toBe(202);
  });

  it("documents the capture routes in the OpenAPI document", async () => {
    const doc = (await t.app.inject({ method: "GET", url: "/docs/json" })).json();
    for (const path of [
      "/v1/captures",
      "/v1/captures/{id}",
      "/v1/captures/{id}/manifest",
      "/v1/captures/{id}/parts/{name}",
      "/v1/captures/{id}/facts",
      "/v1/capture-schedules",
      "/v1/capture-schedules/{id}",
    ]) {
      expect(Object.keys(doc.paths)).toContain(path);
    }
  });

  it("validates requests at the edge", async () => {
    const post = (payload: unknown) => t.app.inject({ method: "POST", url: "/v1/captures", headers: auth(), payload: payload as object });
    expect((await post({ url: "ftp://example.com/" })).json().error.code).toBe("VALIDATION_FAILED");
    expect((await post({ url: "not a url" })).json().error.code).toBe("VALIDATION_FAILED");
    expect((await post({ url: `${site.url}/`, options: { timeBudgetMs: 10_000_000 } })).json().error.code).toBe("VALIDATION_FAILED");
    expect((await post({ url: `${site.url}/`, extra: 1 })).json().error.code).toBe("VALIDATION_FAILED");
  });
});

describe("loadConfig for captures", () => {
  it("reads the CAPTURE_* settings and refuses bad ones", () => {
    const base = { DATA_DIR: "/tmp/pp-config-test" };
    expect(loadConfig(base).capture).toMatchObject({
      chromiumPath: "/usr/bin/chromium",
      allowPrivate: false,
      trustSpki: [],
      worker: true,
      defaultTimeBudgetMs: 60_000,
    });
    expect(loadConfig({ ...base, WORKERS: "false" }).capture.worker).toBe(false);
    expect(loadConfig({ ...base, WORKERS: "false", CAPTURE_WORKER: "true" }).capture.worker).toBe(true);
    expect(loadConfig({ ...base, CAPTURE_ALLOW_PRIVATE: "true", CAPTURE_TRUST_SPKI: makeTestPki().spki }).capture).toMatchObject({
      allowPrivate: true,
      trustSpki: [makeTestPki().spki],
    });
    expect(() => loadConfig({ ...base, CAPTURE_ALLOW_PRIVATE: "yes" })).toThrow(/CAPTURE_ALLOW_PRIVATE must be true or false/);
    expect(() => loadConfig({ ...base, CAPTURE_TRUST_SPKI: "not-a-hash" })).toThrow(/CAPTURE_TRUST_SPKI/);
    expect(() => loadConfig({ ...base, CAPTURE_TIME_BUDGET_MS: "400000" })).toThrow(/CAPTURE_TIME_BUDGET_MS must be ≤/);
  });
});

describe("captures API without CAPTURE_ALLOW_PRIVATE", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  it("refuses loopback, private and link-local targets", async () => {
    for (const url of [
      "https://127.0.0.1:8443/",
      "http://localhost/",
      "http://10.0.0.1/",
      "http://169.254.169.254/latest/meta-data/",
      "http://[::1]/",
      "http://192.168.1.1/",
    ]) {
      const res = await t.app.inject({ method: "POST", url: "/v1/captures", headers: { authorization: `Bearer ${t.keys.acme}` }, payload: { url } });
      expect([url, res.statusCode, res.json().error.code]).toEqual([url, 400, "CAPTURE_TARGET_PRIVATE"]);
    }
    expect(await t.app.store.captures.countQueued()).toBe(0);
  });
});

it("leaves no Chromium process behind", () => {
  const children = execFileSync("ps", ["-eo", "ppid=,comm="], { encoding: "utf8" })
    .split("\n")
    .filter((l) => l.trim().startsWith(`${process.pid} `) && /chrom/i.test(l));
  expect(children).toEqual([]);
});
