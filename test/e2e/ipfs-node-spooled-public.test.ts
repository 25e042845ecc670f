/**
 * A published upload that arrived while the embedded blockstore was unavailable (fault injection: the
 * block directory replaced by a file) keeps its public flag while spooled; once the pin retry worker
 * stores it, the IPFS node starts and an independent Helia node fetches it over Bitswap.
 */
import { randomBytes } from "node:crypto";
import { renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, type TestApp } from "../helpers/app.ts";
import { startHeliaPeer, type HeliaPeer } from "../helpers/helia-peer.ts";

describe("a published upload spooled while the blockstore is down, then pinned by the retry worker (fault injection)", () => {
  let t: TestApp;
  let peer: HeliaPeer;
  beforeAll(async () => {
    t = await buildTestApp();
    peer = await startHeliaPeer();
  }, 120_000);
  afterAll(async () => {
    await peer?.stop();
    await t?.close();
  });

  it("is served over Bitswap once pinned, the node starting then", async () => {
    const blocks = join(t.config.dataDir, "ipfs", "blocks");
    renameSync(blocks, `${blocks}.away`);
    writeFileSync(blocks, "not a directory: the blockstore's disk is gone");
    const bytes = randomBytes(300_000);
    const payload = Buffer.concat([
      Buffer.from(
        `--B\r\nContent-Disposition: form-data; name="public"\r\n\r\ntrue\r\n--B\r\nContent-Disposition: form-data; name="file"; filename="late.bin"\r\n\r\n`,
      ),
      bytes,
      Buffer.from("\r\n--B--\r\n"),
    ]);
    const up = await t.app.inject({
      method: "POST",
      url: "/v1/evidence",
      payload,
      headers: { authorization: `Bearer ${t.keys.acme}`, "content-type": "multipart/form-data; boundary=B" },
    });
    expect(up.statusCode).toBe(202);
    const entry = up.json().entries[0];
    expect(entry).toMatchObject({ pinStatus: "pending", cid: null, public: true });
    expect(t.app.ipfsNode!.state).toBe("idle"); // nothing stored is published yet

    rmSync(blocks);
    renameSync(`${blocks}.away`, blocks);
    expect(await t.app.pinner.tick()).toEqual({ pinned: 1, failed: 0, skipped: 0 });
    const pinned = (await t.app.inject({ method: "GET", url: `/v1/entries/${entry.id}`, headers: { authorization: `Bearer ${t.keys.acme}` } })).json();
    expect(pinned).toMatchObject({ pinStatus: "pinned", public: true });
    expect(["starting", "running"]).toContain(t.app.ipfsNode!.state); // the pin started it
    const node = await t.app.ipfsNode!.start(); // waits for that start
    await peer.dial(node.multiaddrs().find((a) => !a.includes("/ws/"))!);
    expect((await peer.cat(pinned.cid, 30_000)).equals(bytes)).toBe(true);
  }, 60_000);
});
