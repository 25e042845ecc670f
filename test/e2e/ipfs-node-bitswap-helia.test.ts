/**
 * The embedded store as an IPFS node: the service (real app over anvil, a SQLite store and its
 * blockstore-fs directory) runs its libp2p node on loopback; a second, independent Helia node (own
 * in-memory blockstore, nothing shared) dials the address /readyz lists and fetches uploads by CID over
 * Bitswap. Published content arrives byte for byte; content that is not published does not.
 */
import { randomBytes } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { privateKeyFromProtobuf } from "@libp2p/crypto/keys";
import { peerIdFromPrivateKey } from "@libp2p/peer-id";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../../server/src/app.ts";
import { buildTestApp, type TestApp } from "../helpers/app.ts";
import { startHeliaPeer, type HeliaPeer } from "../helpers/helia-peer.ts";

const NOT_SERVED_TIMEOUT_MS = 3_000;

describe("the service's IPFS node, fetched from by an independent Helia node over Bitswap (loopback TCP and WebSocket)", () => {
  let t: TestApp;
  let peer: HeliaPeer;
  let origin: string;
  let published: { cid: string; bytes: Buffer } | undefined;

  beforeAll(async () => {
    t = await buildTestApp();
    peer = await startHeliaPeer();
  }, 120_000);
  afterAll(async () => {
    await peer?.stop();
    await t?.close();
  });

  const upload = async (bytes: Buffer, fields: Record<string, string> = {}) => {
    const parts = [
      ...Object.entries(fields).map(([k, v]) => Buffer.from(`--B\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`)),
      Buffer.from(`--B\r\nContent-Disposition: form-data; name="file"; filename="design.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`),
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
    return res.json().entries[0] as { id: string; cid: string; public: boolean; pinStatus: string };
  };

  it("starts no node while nothing is published: /readyz says idle and lists no address", async () => {
    await new Promise((r) => setTimeout(r, 300)); // the check made when the app became ready
    const node = (await t.app.inject({ method: "GET", url: "/readyz" })).json().checks["ipfs-node"];
    expect(node).toEqual({ ok: true, detail: expect.stringMatching(/^idle/), multiaddrs: [] });
    expect(t.app.ipfsNode!.state).toBe("idle");
  });

  it("serves a file uploaded with public=true (which starts the node): the other node dials the address /readyz lists and gets every block (3 MiB, " +
    "several chunks), the same bytes", async () => {
    const bytes = randomBytes(3 * 1024 * 1024 + 123);
    const entry = await upload(bytes, { public: "true" });
    expect(entry.public).toBe(true);
    expect(["starting", "running"]).toContain(t.app.ipfsNode!.state); // the upload started it; start() below only waits
    await t.app.ipfsNode!.start();
    await new Promise((r) => setTimeout(r, 1_100)); // /readyz answers from a one-second cache
    const ready = (await t.app.inject({ method: "GET", url: "/readyz" })).json();
    origin = (ready.checks["ipfs-node"].multiaddrs as string[]).find((a) => /^\/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\//.test(a))!;
    await peer.dial(origin);
    const fetched = await peer.cat(entry.cid, 30_000);
    expect(fetched.equals(bytes)).toBe(true);
    expect(await peer.hasLocally(entry.cid)).toBe(true);
    published = { cid: entry.cid, bytes };
  }, 60_000);

  it("serves the same over its WebSocket listener to a third node that dials only the /ws address", async () => {
    const ws = (await t.app.inject({ method: "GET", url: "/readyz" }))
      .json()
      .checks["ipfs-node"].multiaddrs.find((a: string) => a.includes("/ws/p2p/")) as string;
    const third = await startHeliaPeer();
    try {
      await third.dial(ws);
      expect((await third.cat(published!.cid, 30_000)).equals(published!.bytes)).toBe(true);
    } finally {
      await third.stop();
    }
  }, 60_000);

  it("/readyz lists the node's loopback TCP and WebSocket listen addresses with /p2p/<peer id> of the key kept in the data directory", async () => {
    const ready = (await t.app.inject({ method: "GET", url: "/readyz" })).json();
    const node = ready.checks["ipfs-node"];
    const keyFile = join(t.config.dataDir, "ipfs", "peer.key");
    const peerId = peerIdFromPrivateKey(privateKeyFromProtobuf(new Uint8Array(readFileSync(keyFile)))).toString();
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(node.ok).toBe(true);
    expect(node.multiaddrs).toEqual(
      expect.arrayContaining([
        expect.stringMatching(new RegExp(`^/ip4/127\\.0\\.0\\.1/tcp/\\d+/p2p/${peerId}$`)),
        expect.stringMatching(new RegExp(`^/ip4/127\\.0\\.0\\.1/tcp/\\d+/ws/p2p/${peerId}$`)),
      ]),
    );
    for (const a of node.multiaddrs as string[]) expect(a).toMatch(/^\/ip4\/127\.0\.0\.1\//);
  });

  it("does not serve a file of a tenant whose setting is not public, uploaded without public=true", async () => {
    expect((await t.app.inject({ method: "GET", url: "/v1/ipfs-settings", headers: { authorization: `Bearer ${t.keys.acme}` } })).json()).toEqual({
      publicContent: false,
      node: true,
    });
    const bytes = randomBytes(200_000);
    const entry = await upload(bytes);
    expect(entry.public).toBe(false);
    // The tenant itself still reads it through the service.
    const own = await t.app.inject({ method: "GET", url: `/ipfs/${entry.cid}`, headers: { authorization: `Bearer ${t.keys.acme}` } });
    expect(own.statusCode).toBe(200);
    await expect(peer.cat(entry.cid, NOT_SERVED_TIMEOUT_MS)).rejects.toThrow();
    expect(await peer.hasLocally(entry.cid)).toBe(false);
  }, 30_000);

  it("follows the tenant's default: on, an upload without the field is served, and public=false is not", async () => {
    const put = await t.app.inject({
      method: "PUT",
      url: "/v1/ipfs-settings",
      headers: { authorization: `Bearer ${t.keys.acme}` },
      payload: { publicContent: true },
    });
    expect(put.json()).toEqual({ publicContent: true, node: true });
    try {
      const shared = randomBytes(100_000);
      const sharedEntry = await upload(shared);
      expect(sharedEntry.public).toBe(true);
      expect((await peer.cat(sharedEntry.cid, 30_000)).equals(shared)).toBe(true);

      const withheld = await upload(randomBytes(100_000), { public: "false" });
      expect(withheld.public).toBe(false);
      await expect(peer.cat(withheld.cid, NOT_SERVED_TIMEOUT_MS)).rejects.toThrow();
    } finally {
      await t.app.inject({ method: "PUT", url: "/v1/ipfs-settings", headers: { authorization: `Bearer ${t.keys.acme}` }, payload: { publicContent: false } });
    }
  }, 60_000);

  it("refuses a public field that is neither true nor false", async () => {
    const res = await t.app.inject({
      method: "POST",
      url: "/v1/evidence",
      payload:
        `--B\r\nContent-Disposition: form-data; name="public"\r\n\r\nyes\r\n--B\r\nContent-Disposition: form-data; name="file"; ` +
        `filename="a.txt"\r\n\r\nabc\r\n--B--\r\n`,
      headers: { authorization: `Bearer ${t.keys.acme}`, "content-type": "multipart/form-data; boundary=B" },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe("VALIDATION_FAILED");
  });
  it("after a restart on the same data directory, starts at once (published content exists) under the same peer id and serves again", async () => {
    const peerId = t.app.ipfsNode!.peerId;
    await t.app.close();
    const again = await buildApp(t.config, { logger: false });
    await again.ready();
    try {
      for (let i = 0; i < 100 && again.ipfsNode!.state !== "running"; i++) await new Promise((r) => setTimeout(r, 50));
      expect(again.ipfsNode!.state).toBe("running");
      expect(again.ipfsNode!.peerId).toBe(peerId);
      const fresh = await startHeliaPeer();
      try {
        await fresh.dial(again.ipfsNode!.multiaddrs().find((a) => !a.includes("/ws/"))!);
        expect((await fresh.cat(published!.cid, 30_000)).equals(published!.bytes)).toBe(true);
      } finally {
        await fresh.stop();
      }
    } finally {
      await again.close();
    }
  }, 60_000);
});
