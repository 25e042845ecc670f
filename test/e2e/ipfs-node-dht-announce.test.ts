/**
 * Announcing on the DHT (IPFS_NODE_DHT=true): the service's node and an independent Helia node, both
 * running the Amino DHT protocol on loopback, connected to each other. A published upload is announced
 * (a provider record sent to the closest peer: here the only one), so the other node finds the service
 * as the provider of its CID; an unpublished upload is never announced.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, type TestApp } from "../helpers/app.ts";
import { startHeliaPeer, type HeliaPeer } from "../helpers/helia-peer.ts";

describe("announcing published content on the DHT to an independent Helia node (loopback)", () => {
  let t: TestApp;
  let peer: HeliaPeer;
  beforeAll(async () => {
    t = await buildTestApp({ IPFS_NODE_DHT: "true" });
    peer = await startHeliaPeer({ dht: true });
  }, 120_000);
  afterAll(async () => {
    await peer?.stop();
    await t?.close();
  });

  const upload = async (fields: Record<string, string>) => {
    const parts = [
      ...Object.entries(fields).map(([k, v]) => `--B\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`),
      `--B\r\nContent-Disposition: form-data; name="file"; filename="a.bin"\r\n\r\n${randomBytes(20_000).toString("hex")}\r\n--B--\r\n`,
    ];
    const res = await t.app.inject({
      method: "POST",
      url: "/v1/evidence",
      payload: parts.join(""),
      headers: { authorization: `Bearer ${t.keys.acme}`, "content-type": "multipart/form-data; boundary=B" },
    });
    expect(res.statusCode).toBe(202);
    return res.json().entries[0] as { cid: string };
  };

  it("the other node finds the service as the provider of a published CID, and not of an unpublished one", async () => {
    await t.app.ipfsNode!.start();
    await peer.dial(t.app.ipfsNode!.multiaddrs().find((a) => !a.includes("/ws/"))!);
    await new Promise((r) => setTimeout(r, 1_000)); // identify, then both routing tables take the other
    const hidden = await upload({});
    const shown = await upload({ public: "true" });
    let providers: string[] = [];
    for (let i = 0; i < 20 && !providers.includes(t.app.ipfsNode!.peerId!); i++) {
      await new Promise((r) => setTimeout(r, 250));
      providers = await peer.findProviders(shown.cid, 2_000);
    }
    expect(providers).toContain(t.app.ipfsNode!.peerId);
    expect(await peer.findProviders(hidden.cid, 2_000)).not.toContain(t.app.ipfsNode!.peerId);
  }, 60_000);
});
