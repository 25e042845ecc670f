/**
 * The replication clients against local stand-ins that speak the documented protocols: the IPFS
 * Pinning Service API (ipfs/pinning-services-api-spec) and the IPFS Cluster REST API. Neither a real
 * pinning service nor a real cluster can run on this machine; docs/operations.md says how to point
 * the same adapters at real ones.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { createClusterReplicator, createPinningServiceReplicator, ReplicationError } from "../../../server/src/services/ipfs/replication.ts";

const CID = "bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e";
let server: Server | undefined;
afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
}

async function standIn(handler: (req: Seen) => { status: number; body: unknown }): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      const s = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, body };
      seen.push(s);
      const out = handler(s);
      res.writeHead(out.status, { "content-type": "application/json" });
      res.end(JSON.stringify(out.body));
    });
  });
  await new Promise<void>((r) => server!.listen(0, "127.0.0.1", r));
  const address = server.address() as { port: number };
  return { url: `http://127.0.0.1:${address.port}`, seen };
}

describe("createPinningServiceReplicator (stand-in for a Pinning Service API provider)", () => {
  it("posts a Pin object with the bearer token and follows the request id to pinned", async () => {
    let polls = 0;
    const psa = await standIn((req) => {
      if (req.method === "POST" && req.url === "/psa/pins") {
        return {
          status: 202,
          body: {
            requestid: "req-1",
            status: "queued",
            created: new Date().toISOString(),
            pin: JSON.parse(req.body),
            delegates: ["/ip4/127.0.0.1/tcp/4001/p2p/QmStandIn"],
          },
        };
      }
      if (req.method === "GET" && req.url === "/psa/pins/req-1") {
        polls++;
        return {
          status: 200,
          body: {
            requestid: "req-1",
            status: polls < 2 ? "pinning" : "pinned",
            created: new Date().toISOString(),
            pin: { cid: CID },
            delegates: ["/ip4/127.0.0.1/tcp/4001/p2p/QmStandIn"],
          },
        };
      }
      return { status: 404, body: { error: { reason: "NOT_FOUND" } } };
    });
    const r = createPinningServiceReplicator({
      endpoint: `${psa.url}/psa/`,
      accessToken: "secret-token",
      origins: ["/dns4/ipfs.example/tcp/4001/p2p/QmOrigin"],
    });
    const request = await r.requestPin(CID, "priorproof entry 42");
    expect(request).toEqual({ requestId: "req-1", status: "queued" });
    expect(psa.seen[0]!.headers.authorization).toBe("Bearer secret-token");
    expect(JSON.parse(psa.seen[0]!.body)).toEqual({
      cid: CID,
      name: "priorproof entry 42",
      origins: ["/dns4/ipfs.example/tcp/4001/p2p/QmOrigin"],
      meta: { app: "priorproof" },
    });
    expect(await r.getPinStatus("req-1", CID)).toBe("pinning");
    expect(await r.getPinStatus("req-1", CID)).toBe("pinned");
  });

  it("reports an HTTP failure as a ReplicationError with the status", async () => {
    const psa = await standIn(() => ({ status: 401, body: { error: { reason: "UNAUTHORIZED", details: "bad token" } } }));
    const r = createPinningServiceReplicator({ endpoint: psa.url, accessToken: "wrong" });
    await expect(r.requestPin(CID, "x")).rejects.toMatchObject({ name: "ReplicationError", status: 401 });
  });

  it("rejects an answer that is not a PinStatus", async () => {
    const psa = await standIn(() => ({ status: 202, body: { ok: true } }));
    await expect(createPinningServiceReplicator({ endpoint: psa.url, accessToken: "t" }).requestPin(CID, "x")).rejects.toBeInstanceOf(ReplicationError);
  });
});

describe("createClusterReplicator (stand-in for the IPFS Cluster REST API)", () => {
  it("pins by CID with the replication factors and folds peer statuses", async () => {
    const peerMap: Record<string, { status: string }> = { peerA: { status: "pin_queued" }, peerB: { status: "pinning" } };
    const cluster = await standIn((req) => {
      if (req.method === "POST" && req.url.startsWith(`/pins/${CID}?`)) return { status: 200, body: { cid: CID, name: "n", replication_factor_min: 2 } };
      if (req.method === "GET" && req.url === `/pins/${CID}`) return { status: 200, body: { cid: CID, name: "n", peer_map: peerMap } };
      return { status: 404, body: {} };
    });
    const r = createClusterReplicator({ url: cluster.url, replicationMin: 2, replicationMax: 3, basicAuth: "user:pass" });
    expect(await r.requestPin(CID, "priorproof entry 7")).toEqual({ requestId: CID, status: "queued" });
    const q = new URL(cluster.seen[0]!.url, cluster.url).searchParams;
    expect([q.get("name"), q.get("replication-min"), q.get("replication-max")]).toEqual(["priorproof entry 7", "2", "3"]);
    expect(cluster.seen[0]!.headers.authorization).toBe(`Basic ${btoa("user:pass")}`);
    expect(await r.getPinStatus(CID, CID)).toBe("pinning");
    peerMap.peerB = { status: "pinned" };
    expect(await r.getPinStatus(CID, CID)).toBe("pinned");
    peerMap.peerA = { status: "pin_error" };
    peerMap.peerB = { status: "pin_error" };
    expect(await r.getPinStatus(CID, CID)).toBe("failed");
  });

  it("passes the origins (read at each request) as the comma-separated `origins` pin option", async () => {
    const cluster = await standIn(() => ({ status: 200, body: { cid: CID } }));
    let origins = ["/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWA", "/ip4/127.0.0.1/tcp/4002/ws/p2p/12D3KooWA"];
    const r = createClusterReplicator({ url: cluster.url, origins: () => origins });
    await r.requestPin(CID, "x");
    origins = [];
    await r.requestPin(CID, "y");
    const q = (i: number) => new URL(cluster.seen[i]!.url, cluster.url).searchParams;
    expect(q(0).get("origins")).toBe("/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWA,/ip4/127.0.0.1/tcp/4002/ws/p2p/12D3KooWA");
    expect(q(1).has("origins")).toBe(false);
  });

  it("refuses an answer about another CID", async () => {
    const cluster = await standIn(() => ({ status: 200, body: { cid: "bafkreiother" } }));
    await expect(createClusterReplicator({ url: cluster.url }).requestPin(CID, "x")).rejects.toThrow(/answered for bafkreiother/);
  });
});
