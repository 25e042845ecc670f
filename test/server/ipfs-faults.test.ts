/**
 * IPFS faults (issue 7, point 3), on the real app over real anvil and SQLite:
 * - the embedded blockstore made unavailable by a FAULT INJECTION on the real disk layout: its block
 *   directory is moved away and a plain file put in its place, so every `put` of the real blockstore-fs
 *   fails (ENOTDIR) — nothing is mocked; moving the directory back is "IPFS is back";
 * - the Kubo backend unavailable: IPFS_API_URL points at a port where nothing listens (connection
 *   refused), as when the daemon is down. No Kubo daemon can run here, so the recovery half of the
 *   Kubo case is not exercised; the retry path is the same code as for the embedded backend.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { anchorAll, buildTestApp, type TestApp } from "../helpers/app.ts";
import { kuboDeterministicBytes } from "./ipfs/helpers.ts";

// Published by Kubo, test/cli/cid_profiles_test.go @ c626ee94 (see ipfs/kubo-vectors.json): the CID
// `ipfs add` gives these bytes under the unixfs-v1-2025 profile.
const KUBO_VECTOR = { seed: "chunk-v1-seed", size: 1_048_577, cid: "bafybeigmix7t42i6jacydtquhet7srwvgpizfg7gjbq7627d35mjomtu64" };

const sha256Hex = (b: Uint8Array) => "0x" + createHash("sha256").update(b).digest("hex");

function multipart(files: { name: string; data: Uint8Array }[], extra: Record<string, string> = {}): { headers: Record<string, string>; payload: Buffer } {
  const boundary = "pp-fault-boundary";
  const parts: Buffer[] = [];
  for (const f of files) {
    parts.push(
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${f.name}"\r\nContent-Type: application/octet-stream\r\n\r\n`),
      Buffer.from(f.data),
      Buffer.from("\r\n"),
    );
  }
  for (const [k, v] of Object.entries(extra)) parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { headers: { "content-type": `multipart/form-data; boundary=${boundary}` }, payload: Buffer.concat(parts) };
}

const spooled = (t: TestApp) => (existsSync(t.config.spoolDir) ? readdirSync(t.config.spoolDir) : []);

describe("uploads while the embedded blockstore is unavailable (fault injection: block directory replaced by a file)", () => {
  let t: TestApp;
  let blocks: string;
  const data = Buffer.concat([...kuboDeterministicBytes(KUBO_VECTOR.size, KUBO_VECTOR.seed)]);
  const auth = () => ({ authorization: `Bearer ${t.keys.acme}` });
  const breakBlockstore = () => {
    renameSync(blocks, `${blocks}.away`);
    writeFileSync(blocks, "not a directory: the blockstore's disk is gone");
  };
  const repairBlockstore = () => {
    rmSync(blocks);
    renameSync(`${blocks}.away`, blocks);
  };

  beforeAll(async () => {
    t = await buildTestApp();
    blocks = join(t.config.dataDir, "ipfs", "blocks");
    breakBlockstore();
  });
  afterAll(async () => {
    await t?.close();
  });

  let uploadId = "";
  let stampId = "";

  it("stamps a hash-only digest and an upload, and shows the upload's pin as pending with the attempt counted", async () => {
    const stamp = await t.app.inject({ method: "POST", url: "/v1/stamps", headers: auth(), payload: { items: [{ sha256: "0x" + "5a".repeat(32) }] } });
    expect(stamp.statusCode).toBe(202);
    stampId = stamp.json().entries[0].id;
    expect(stamp.json().entries[0]).toMatchObject({ pinStatus: "none", pinAttempts: 0, pinError: null });

    const form = multipart([{ name: "vector.bin", data }]);
    const up = await t.app.inject({ method: "POST", url: "/v1/evidence", headers: { ...auth(), ...form.headers }, payload: form.payload });
    expect(up.statusCode, up.body).toBe(202);
    const entry = up.json().entries[0];
    uploadId = entry.id;
    expect(entry).toMatchObject({ sha256: sha256Hex(data), size: data.length, cid: null, pinStatus: "pending", pinAttempts: 1, pinError: "IPFS_UNAVAILABLE" });
    // The bytes are kept on the node, durably, for the retry worker.
    expect(spooled(t)).toHaveLength(1);
    const shown = await t.app.inject({ method: "GET", url: `/v1/entries/${uploadId}`, headers: auth() });
    expect(shown.json()).toMatchObject({ pinStatus: "pending", pinAttempts: 1, pinError: "IPFS_UNAVAILABLE", cid: null });
  });

  it("anchors both while IPFS is still down: the digest is the evidence", async () => {
    await anchorAll(t);
    for (const id of [stampId, uploadId]) {
      const entry = await t.app.inject({ method: "GET", url: `/v1/entries/${id}`, headers: auth() });
      expect(entry.json().status).toBe("confirmed");
      const receipt = await t.app.inject({ method: "GET", url: `/v1/entries/${id}/receipt`, headers: auth() });
      expect(receipt.statusCode).toBe(200);
    }
  });

  it("leaves no entry and no spool file behind for a request that fails after its file was read", async () => {
    const before = await t.app.store.stats();
    const form = multipart([{ name: "a.bin", data: data.subarray(0, 5000) }], { colour: "red" });
    const res = await t.app.inject({ method: "POST", url: "/v1/evidence", headers: { ...auth(), ...form.headers }, payload: form.payload });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe("VALIDATION_FAILED");
    expect(await t.app.store.stats()).toEqual(before);
    expect(spooled(t)).toHaveLength(1);
  });

  it("counts a retry that fails while the blockstore is still down, and keeps the entry pending", async () => {
    expect(await t.app.pinner.tick()).toEqual({ pinned: 0, failed: 1, skipped: 0 });
    const entry = (await t.app.inject({ method: "GET", url: `/v1/entries/${uploadId}`, headers: auth() })).json();
    expect(entry).toMatchObject({ pinStatus: "pending", pinAttempts: 2, cid: null });
    expect(spooled(t)).toHaveLength(1);
  });

  it("pins the spooled upload once the blockstore is back, under Kubo's CID, and serves the bytes", async () => {
    repairBlockstore();
    expect(await t.app.pinner.tick()).toEqual({ pinned: 1, failed: 0, skipped: 0 });
    const entry = (await t.app.inject({ method: "GET", url: `/v1/entries/${uploadId}`, headers: auth() })).json();
    expect(entry).toMatchObject({ pinStatus: "pinned", pinAttempts: 3, pinError: null, cid: KUBO_VECTOR.cid, cidProfile: "unixfs-v1-2025" });
    expect(spooled(t)).toEqual([]);
    const content = await t.app.inject({ method: "GET", url: `/ipfs/${KUBO_VECTOR.cid}`, headers: auth() });
    expect(content.statusCode).toBe(200);
    expect(sha256Hex(content.rawPayload)).toBe(sha256Hex(data));
    // Still the tenant's own content only.
    const rival = await t.app.inject({ method: "GET", url: `/ipfs/${KUBO_VECTOR.cid}`, headers: { authorization: `Bearer ${t.keys.rival}` } });
    expect(rival.json().error.code).toBe("CONTENT_NOT_FOUND");
    // Nothing left to do.
    expect(await t.app.pinner.tick()).toEqual({ pinned: 0, failed: 0, skipped: 0 });
  });

  it("marks a spool file that no longer matches the entry's digest as failed instead of pinning it", async () => {
    breakBlockstore();
    const form = multipart([{ name: "b.bin", data: Buffer.from("original bytes") }]);
    const up = await t.app.inject({ method: "POST", url: "/v1/evidence", headers: { ...auth(), ...form.headers }, payload: form.payload });
    const id = up.json().entries[0].id;
    expect(up.json().entries[0].pinStatus).toBe("pending");
    repairBlockstore();
    const [file] = spooled(t);
    writeFileSync(join(t.config.spoolDir, file!), "tampered bytes");
    expect(await t.app.pinner.tick()).toEqual({ pinned: 0, failed: 1, skipped: 0 });
    const entry = (await t.app.inject({ method: "GET", url: `/v1/entries/${id}`, headers: auth() })).json();
    expect(entry).toMatchObject({ pinStatus: "failed", pinError: "SPOOL_MISMATCH", cid: null });
  });
});

describe("uploads while the Kubo backend is unavailable (IPFS_API_URL on a port where nothing listens)", () => {
  let t: TestApp;
  beforeAll(async () => {
    // A port that was free a moment ago and on which nothing listens: connection refused.
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, "127.0.0.1", () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    t = await buildTestApp({ IPFS_API_URL: `http://127.0.0.1:${port}` });
  });
  afterAll(async () => {
    await t?.close();
  });

  it("stamps, spools and anchors the upload, and retries the pin without losing it", async () => {
    const data = Buffer.from("evidence sent while the Kubo daemon is down");
    const form = multipart([{ name: "kubo-down.txt", data }]);
    const up = await t.app.inject({
      method: "POST",
      url: "/v1/evidence",
      headers: { authorization: `Bearer ${t.keys.acme}`, ...form.headers },
      payload: form.payload,
    });
    expect(up.statusCode, up.body).toBe(202);
    const id = up.json().entries[0].id;
    expect(up.json().entries[0]).toMatchObject({ sha256: sha256Hex(data), pinStatus: "pending", pinAttempts: 1, pinError: "IPFS_UNAVAILABLE" });
    await anchorAll(t);
    expect(await t.app.pinner.tick()).toEqual({ pinned: 0, failed: 1, skipped: 0 });
    const entry = (await t.app.inject({ method: "GET", url: `/v1/entries/${id}`, headers: { authorization: `Bearer ${t.keys.acme}` } })).json();
    expect(entry).toMatchObject({ status: "confirmed", pinStatus: "pending", pinAttempts: 2 });
    expect(spooled(t)).toHaveLength(1);
  });
});
