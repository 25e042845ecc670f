/**
 * Replication from the service's own IPFS node, end to end except for the remote pinning service,
 * which cannot run here: a local stand-in speaks the IPFS Pinning Service API and does what a real
 * one does with a pin request — it dials the `origins` it was given with its own Helia node (own
 * in-memory blockstore) and fetches the content over Bitswap, and answers `pinned` only once it holds
 * every block. The service passes the listen multiaddrs of its node (started by the
 * first published upload) as `origins` (no REPLICATION_ORIGINS configured).
 */
import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, type TestApp } from "../helpers/app.ts";
import { startHeliaPeer, type HeliaPeer } from "../helpers/helia-peer.ts";

interface PinRecord {
  cid: string;
  origins: string[];
  status: "queued" | "pinning" | "pinned" | "failed";
  bytes?: Buffer;
  error?: string;
}

interface FetchingPinner {
  url: string;
  readonly pins: Map<string, PinRecord>;
  server: Server;
}

/** A Pinning Service API stand-in whose pins are fetched over Bitswap from the origins, by `peer`. */
async function startFetchingPinner(peer: HeliaPeer, fetchTimeoutMs: number): Promise<FetchingPinner> {
  const pinner: FetchingPinner = { url: "", pins: new Map(), server: undefined as unknown as Server };
  const fetchPin = async (pin: PinRecord) => {
    pin.status = "pinning";
    try {
      for (const origin of pin.origins) await peer.dial(origin).catch(() => undefined); // some origins may be unreachable, as on the internet
      pin.bytes = await peer.cat(pin.cid, fetchTimeoutMs);
      pin.status = "pinned";
    } catch (error) {
      pin.error = error instanceof Error ? error.message : String(error);
      pin.status = "failed";
    }
  };
  pinner.server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      const send = (status: number, payload: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(payload));
      };
      if (req.headers.authorization !== "Bearer psa-token") return send(401, { error: { reason: "UNAUTHORIZED" } });
      if (req.method === "POST" && req.url === "/pins") {
        const asked = JSON.parse(body) as { cid: string; origins?: string[] };
        const requestid = `req-${pinner.pins.size + 1}`;
        const pin: PinRecord = { cid: asked.cid, origins: asked.origins ?? [], status: "queued" };
        pinner.pins.set(requestid, pin);
        void fetchPin(pin);
        return send(202, { requestid, status: "queued", created: new Date().toISOString(), pin: asked, delegates: [] });
      }
      const m = /^\/pins\/(req-\d+)$/.exec(req.url ?? "");
      const pin = m ? pinner.pins.get(m[1]!) : undefined;
      if (req.method === "GET" && pin)
        return send(200, { requestid: m![1], status: pin.status, created: new Date().toISOString(), pin: { cid: pin.cid }, delegates: [] });
      return send(404, { error: { reason: "NOT_FOUND" } });
    });
  });
  await new Promise<void>((r) => pinner.server.listen(0, "127.0.0.1", r));
  pinner.url = `http://127.0.0.1:${(pinner.server.address() as { port: number }).port}`;
  return pinner;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe(
  "replication to a Pinning Service stand-in that fetches from the service's IPFS " + "node over Bitswap (stand-in: no real pinning service can run here)",
  () => {
    let t: TestApp;
    let peer: HeliaPeer;
    let pinner: FetchingPinner;

    beforeAll(async () => {
      peer = await startHeliaPeer();
      pinner = await startFetchingPinner(peer, 3_000);
      t = await buildTestApp({ PINNING_SERVICE_URL: pinner.url, PINNING_SERVICE_TOKEN: "psa-token", REPLICATION_RETRY_MS: "50", REPLICATION_POLL_MS: "50" });
    }, 120_000);
    afterAll(async () => {
      await t?.close();
      await peer?.stop();
      await new Promise((r) => pinner?.server.close(r));
    });

    const upload = async (bytes: Buffer, fields: Record<string, string>) => {
      const parts = [
        ...Object.entries(fields).map(([k, v]) => Buffer.from(`--B\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`)),
        Buffer.from(`--B\r\nContent-Disposition: form-data; name="file"; filename="release.bin"\r\n\r\n`),
        bytes,
        Buffer.from("\r\n--B--\r\n"),
      ];
      const res = await t.app.inject({
        method: "POST",
        url: "/v1/evidence",
        payload: Buffer.concat(parts),
        headers: { authorization: `Bearer ${t.keys.acme}`, "content-type": "multipart/form-data; boundary=B" },
      });
      expect(res.statusCode).toBe(202);
      return res.json().entries[0] as { id: string; cid: string };
    };
    const replicaOf = async (id: string) =>
      (await t.app.inject({ method: "GET", url: `/v1/entries/${id}`, headers: { authorization: `Bearer ${t.keys.acme}` } })).json().replicas[0] as
        | { status: string; lastError: string | null }
        | undefined;
    /** Runs worker rounds until the entry's replica is `status` (or the time runs out). */
    const tickUntil = async (id: string, status: string, ms: number) => {
      const until = Date.now() + ms;
      while (Date.now() < until) {
        await t.app.replication!.tick();
        if ((await replicaOf(id))?.status === status) return;
        await sleep(100);
      }
    };

    it("passes the node's listen multiaddrs as origins; the stand-in fetches the published file from them and only then reports pinned", async () => {
      const bytes = randomBytes(2 * 1024 * 1024 + 7);
      const entry = await upload(bytes, { public: "true" });
      await tickUntil(entry.id, "pinned", 30_000);
      expect((await replicaOf(entry.id))?.status).toBe("pinned");
      const pin = [...pinner.pins.values()].find((p) => p.cid === entry.cid)!;
      expect(pin.origins).toEqual(t.app.ipfsNode!.multiaddrs());
      expect(pin.origins).toEqual(expect.arrayContaining([expect.stringMatching(/^\/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\/12D3Koo/)]));
      expect(pin.status).toBe("pinned");
      expect(pin.bytes?.equals(bytes)).toBe(true);
    }, 60_000);

    it("does not ask for a replica of content that is not published: its CID is never sent to the pinner, and no peer obtains it", async () => {
      const entry = await upload(randomBytes(50_000), {});
      const asked = pinner.pins.size;
      for (let i = 0; i < 3; i++) {
        expect(await t.app.replication!.tick()).toMatchObject({ queued: 0, requested: 0 });
        await sleep(60);
      }
      expect(await replicaOf(entry.id)).toBeUndefined();
      expect(pinner.pins.size).toBe(asked);
      expect([...pinner.pins.values()].some((p) => p.cid === entry.cid)).toBe(false);
      await expect(peer.cat(entry.cid, 2_000)).rejects.toThrow();
      expect(await peer.hasLocally(entry.cid)).toBe(false);
    }, 40_000);
  },
);
