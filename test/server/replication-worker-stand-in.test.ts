/**
 * The replication worker inside the service, against a local stand-in for an IPFS Pinning Service API
 * provider (no real pinning service can run here; docs/operations.md says how to point the service at
 * one). Runs on both store backends. The stand-in is down first, then up: the replica is requested,
 * retried with its error visible on the entry, then followed to `pinned`; nothing is lost on restart
 * of the worker because the state is in the store.
 */
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, TEST_BACKENDS, type TestApp } from "../helpers/app.ts";

interface Pinner {
  url: string;
  up: boolean;
  /** CIDs asked to pin, in order, with the bearer token seen. */
  readonly requests: { cid: string; token: string | undefined; origins: unknown }[];
  /** How many status polls a pin takes to become pinned. */
  pollsToPin: number;
  server: Server;
}

async function startPinner(): Promise<Pinner> {
  const pins = new Map<string, { cid: string; polls: number }>();
  const pinner: Pinner = { url: "", up: false, requests: [], pollsToPin: 1, server: undefined as unknown as Server };
  pinner.server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      const send = (status: number, payload: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(payload));
      };
      if (!pinner.up) return send(503, { error: { reason: "UNAVAILABLE", details: "stand-in is down" } });
      if (req.headers.authorization !== "Bearer psa-token") return send(401, { error: { reason: "UNAUTHORIZED" } });
      if (req.method === "POST" && req.url === "/pins") {
        const pin = JSON.parse(body) as { cid: string; origins?: unknown };
        const requestid = `req-${pins.size + 1}`;
        pins.set(requestid, { cid: pin.cid, polls: 0 });
        pinner.requests.push({ cid: pin.cid, token: req.headers.authorization, origins: pin.origins });
        return send(202, { requestid, status: "queued", created: new Date().toISOString(), pin, delegates: [] });
      }
      const m = /^\/pins\/(req-\d+)$/.exec(req.url ?? "");
      const p = m ? pins.get(m[1]!) : undefined;
      if (req.method === "GET" && p) {
        p.polls++;
        return send(200, {
          requestid: m![1],
          status: p.polls >= pinner.pollsToPin ? "pinned" : "pinning",
          created: new Date().toISOString(),
          pin: { cid: p.cid },
          delegates: [],
        });
      }
      return send(404, { error: { reason: "NOT_FOUND" } });
    });
  });
  await new Promise<void>((r) => pinner.server.listen(0, "127.0.0.1", r));
  pinner.url = `http://127.0.0.1:${(pinner.server.address() as { port: number }).port}`;
  return pinner;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(TEST_BACKENDS)("replication of stored content to a Pinning Service stand-in (%s store)", (backend) => {
  let t: TestApp;
  let pinner: Pinner;
  beforeAll(async () => {
    pinner = await startPinner();
    t = await buildTestApp(
      {
        PINNING_SERVICE_URL: pinner.url,
        PINNING_SERVICE_TOKEN: "psa-token",
        REPLICATION_ORIGINS: "/ip4/127.0.0.1/tcp/4001/p2p/QmOurNode",
        REPLICATION_RETRY_MS: "100",
        REPLICATION_POLL_MS: "50",
      },
      backend,
    );
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await new Promise((r) => pinner?.server.close(r));
  });

  const upload = async (text: string) => {
    const body = `--B\r\nContent-Disposition: form-data; name="file"; filename="draft.txt"\r\nContent-Type: text/plain\r\n\r\n${text}\r\n--B--\r\n`;
    const res = await t.app.inject({
      method: "POST",
      url: "/v1/evidence",
      headers: { authorization: `Bearer ${t.keys.acme}`, "content-type": "multipart/form-data; boundary=B" },
      payload: body,
    });
    expect(res.statusCode).toBe(202);
    return res.json().entries[0] as { id: string; cid: string; pinStatus: string };
  };
  const entry = async (id: string) =>
    (await t.app.inject({ method: "GET", url: `/v1/entries/${id}`, headers: { authorization: `Bearer ${t.keys.acme}` } })).json();

  it("retries while the pinner is down (error visible on the entry), then requests the exact CID and follows it to pinned", async () => {
    const uploaded = await upload(`design draft for ${backend}`);
    expect(uploaded.pinStatus).toBe("pinned");
    expect(uploaded.cid).toMatch(/^baf/);

    // Down: the replica is queued, the call fails, the error and the attempt count are on the entry.
    const first = await t.app.replication!.tick();
    expect(first).toMatchObject({ queued: 1, requested: 0, errors: 1 });
    let view = await entry(uploaded.id);
    expect(view.replicas).toHaveLength(1);
    expect(view.replicas[0]).toMatchObject({ kind: "pinning-service", target: pinner.url, status: "requested", attempts: 1 });
    expect(view.replicas[0].lastError).toMatch(/HTTP 503/);
    // Not due again before its retry delay.
    expect(await t.app.replication!.tick()).toMatchObject({ queued: 0, requested: 0, polled: 0, errors: 0 });

    // Up: requested (with our origins), then polled to pinned.
    pinner.up = true;
    pinner.pollsToPin = 2;
    await sleep(120);
    expect(await t.app.replication!.tick()).toMatchObject({ requested: 1, errors: 0 });
    expect(pinner.requests).toEqual([{ cid: uploaded.cid, token: "Bearer psa-token", origins: ["/ip4/127.0.0.1/tcp/4001/p2p/QmOurNode"] }]);
    view = await entry(uploaded.id);
    expect(view.replicas[0]).toMatchObject({ status: "queued", lastError: null, attempts: 2 });
    await sleep(60);
    expect(await t.app.replication!.tick()).toMatchObject({ polled: 1 });
    expect((await entry(uploaded.id)).replicas[0].status).toBe("pinning");
    await sleep(60);
    await t.app.replication!.tick();
    expect((await entry(uploaded.id)).replicas[0].status).toBe("pinned");

    // Pinned replicas are left alone; hash-only stamps have no content to replicate.
    await sleep(60);
    const stamp = await t.app.inject({
      method: "POST",
      url: "/v1/stamps",
      headers: { authorization: `Bearer ${t.keys.acme}` },
      payload: { items: [{ sha256: "0x" + "ab".repeat(32) }] },
    });
    expect(stamp.statusCode).toBe(202);
    expect(await t.app.replication!.tick()).toMatchObject({ queued: 0, requested: 0, polled: 0 });
    expect((await entry(stamp.json().entries[0].id)).replicas).toEqual([]);
    expect(pinner.requests).toHaveLength(1);
  });

  it("replicates the same content once, whichever tenants uploaded it", async () => {
    const before = pinner.requests.length;
    const a = await upload("shared bytes");
    const body = `--B\r\nContent-Disposition: form-data; name="file"; filename="copy.txt"\r\nContent-Type: text/plain\r\n\r\nshared bytes\r\n--B--\r\n`;
    const b = (
      await t.app.inject({
        method: "POST",
        url: "/v1/evidence",
        headers: { authorization: `Bearer ${t.keys.rival}`, "content-type": "multipart/form-data; boundary=B" },
        payload: body,
      })
    ).json().entries[0];
    expect(b.cid).toBe(a.cid);
    expect(await t.app.replication!.tick()).toMatchObject({ queued: 1, requested: 1 });
    expect(pinner.requests.slice(before).map((r) => r.cid)).toEqual([a.cid]);
  });
});

describe("replication settings", () => {
  it("refuses a pinning service without its token, and a URL that is not http(s)", async () => {
    const { loadConfig } = await import("../../server/src/config.ts");
    expect(() => loadConfig({ PINNING_SERVICE_URL: "https://api.pinata.cloud/psa" })).toThrow(/PINNING_SERVICE_TOKEN/);
    expect(() => loadConfig({ IPFS_CLUSTER_URL: "ftp://cluster" })).toThrow(/IPFS_CLUSTER_URL must be an http\(s\) URL/);
    expect(() => loadConfig({ IPFS_CLUSTER_URL: "http://c:9094", IPFS_CLUSTER_REPLICATION_MIN: "3", IPFS_CLUSTER_REPLICATION_MAX: "2" })).toThrow(
      /MAX must be ≥/,
    );
    expect(loadConfig({ IPFS_CLUSTER_URL: "http://c:9094/", IPFS_CLUSTER_REPLICATION_MIN: "2" }).replication.cluster).toEqual({
      url: "http://c:9094",
      replicationMin: 2,
    });
  });
});
