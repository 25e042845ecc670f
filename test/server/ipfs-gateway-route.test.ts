/**
 * GET /ipfs/:cid as an IPFS trustless gateway, over the real service (SQLite store, embedded IPFS
 * blockstore, anvil chain) listening on loopback: headers of the specification, and @helia/verified-fetch
 * fetching an uploaded file through it with the tenant's Authorization header, checking every block.
 */
import { createHash } from "node:crypto";
import { withHTTP } from "@helia/http";
import { createVerifiedFetchWithHelia } from "@helia/verified-fetch";
import { CarBlockIterator } from "@ipld/car/iterator";
import { createHeliaLight } from "helia";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../../client-sdk/src/index.ts";
import { buildTestApp, type TestApp } from "../helpers/app.ts";

const RAW = "application/vnd.ipld.raw";
const CAR = "application/vnd.ipld.car";

describe("GET /ipfs/:cid as a trustless gateway", () => {
  let t: TestApp;
  let base: string;
  let cid: string;
  // 2 MiB + 4 KiB: a dag-pb root over three 1 MiB raw leaves.
  const original = Buffer.alloc(2 * 1024 * 1024 + 4096);
  for (let i = 0; i < original.length; i += 32) createHash("sha256").update(String(i)).digest().copy(original, i);
  const auth = (tenant = "acme") => ({ authorization: `Bearer ${t.keys[tenant]}` });
  const get = (path: string, headers: Record<string, string> = {}, tenant = "acme") => fetch(`${base}${path}`, { headers: { ...auth(tenant), ...headers } });

  beforeAll(async () => {
    t = await buildTestApp();
    base = await t.app.listen({ port: 0, host: "127.0.0.1" });
    const client = createClient({ baseUrl: base, apiKey: t.keys.acme, retry: false });
    const [entry] = await client.submitFiles([{ name: "gateway.bin", data: new Blob([original]) }]);
    cid = entry!.cid!;
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  describe("when @helia/verified-fetch uses it as its gateway", () => {
    const fetchThrough = async (headers: Record<string, string>, requests: string[], timeoutMs = 20_000) => {
      const helia = withHTTP(createHeliaLight(), {
        delegatedRouters: [base],
        recursiveGateways: [base],
        allowInsecure: true,
        allowLocal: true,
        // verified-fetch's gateway client lets the caller shape each request: here, the tenant's key.
        transformRequestInit: (init) => {
          requests.push(String(new Headers(init.headers).get("accept")));
          return { ...init, headers: { ...Object.fromEntries(new Headers(init.headers).entries()), ...headers } };
        },
      });
      await helia.start();
      const verifiedFetch = await createVerifiedFetchWithHelia(helia);
      try {
        const response = await verifiedFetch(`ipfs://${cid}`, { allowInsecure: true, allowLocal: true, signal: AbortSignal.timeout(timeoutMs) });
        return { status: response.status, bytes: Buffer.from(await response.arrayBuffer()) };
      } finally {
        await verifiedFetch.stop();
        await helia.stop();
      }
    };

    it("fetches the uploaded file with the tenant's key, block by block, each verified, and gets its bytes", async () => {
      const requests: string[] = [];
      const { status, bytes } = await fetchThrough(auth(), requests);
      expect(status).toBe(200);
      expect(bytes.equals(original)).toBe(true);
      expect(requests.length).toBeGreaterThanOrEqual(4); // root + three leaves
      for (const accept of requests) expect(accept).toBe(RAW);
    }, 60_000);

    it("gets nothing with another tenant's key", async () => {
      const outcome = await fetchThrough(auth("rival"), [], 5_000).catch((e: unknown) => ({ status: -1, bytes: Buffer.alloc(0), error: e }));
      expect(outcome.status).not.toBe(200);
      expect(outcome.bytes.equals(original)).toBe(false);
    }, 60_000);
  });

  describe("when a raw block is asked for", () => {
    it("answers the block, hashing to the CID, with the specification's headers", async () => {
      const res = await get(`/ipfs/${cid}?format=raw`, { accept: RAW });
      expect(res.status).toBe(200);
      const body = Buffer.from(await res.arrayBuffer());
      expect(createHash("sha256").update(body).digest("hex")).toBe(
        Buffer.from((await import("multiformats/cid")).CID.parse(cid).multihash.digest).toString("hex"),
      );
      expect(Object.fromEntries(res.headers.entries())).toMatchObject({
        "content-type": RAW,
        "content-length": String(body.length),
        "content-disposition": `attachment; filename="${cid}.bin"`,
        etag: `"${cid}.raw"`,
        "x-content-type-options": "nosniff",
        "x-ipfs-path": `/ipfs/${cid}`,
        "x-ipfs-roots": cid,
        "cache-control": "private, no-store",
        vary: "Accept, Authorization",
      });
      expect(res.headers.get("content-location")).toBeNull(); // the format parameter named it
    });

    it("names the representation in Content-Location when Accept alone chose it", async () => {
      const res = await get(`/ipfs/${cid}`, { accept: RAW });
      expect(res.status).toBe(200);
      expect(res.headers.get("content-location")).toBe(`/ipfs/${cid}?format=raw`);
    });

    it("answers HEAD with the same headers and no body (the specification's probe)", async () => {
      const res = await fetch(`${base}/ipfs/${cid}?format=raw`, { method: "HEAD", headers: auth() });
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe(RAW);
      expect(res.headers.get("x-ipfs-roots")).toBe(cid);
      expect((await res.arrayBuffer()).byteLength).toBe(0);
    });

    it("answers 304 to If-None-Match with its Etag", async () => {
      const res = await get(`/ipfs/${cid}?format=raw`, { "if-none-match": `"${cid}.raw"` });
      expect(res.status).toBe(304);
      expect(res.headers.get("etag")).toBe(`"${cid}.raw"`);
    });
  });

  describe("when a CAR is asked for", () => {
    it("streams a CARv1 of every block, with version, order and dups in Content-Type", async () => {
      const res = await get(`/ipfs/${cid}`, { accept: `${CAR}; version=1` });
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe(`${CAR}; version=1; order=dfs; dups=n`);
      expect(res.headers.get("content-disposition")).toBe(`attachment; filename="${cid}.car"`);
      expect(res.headers.get("etag")).toBe(`"${cid}.car"`);
      expect(res.headers.get("x-ipfs-roots")).toBe(cid);
      expect(res.headers.get("cache-control")).toBe("private, no-store");
      const blocks = [];
      const car = await CarBlockIterator.fromBytes(new Uint8Array(await res.arrayBuffer()));
      expect((await car.getRoots()).map(String)).toEqual([cid]);
      for await (const b of car) {
        expect(createHash("sha256").update(b.bytes).digest("hex")).toBe(Buffer.from(b.cid.multihash.digest).toString("hex"));
        blocks.push(b);
      }
      expect(blocks.length).toBe(4);
    });

    it("holds the root block alone with dag-scope=block, under its own Etag", async () => {
      const res = await get(`/ipfs/${cid}?format=car&dag-scope=block`);
      expect(res.status).toBe(200);
      expect(res.headers.get("etag")).toBe(`"${cid}.car.block"`);
      const car = await CarBlockIterator.fromBytes(new Uint8Array(await res.arrayBuffer()));
      const blocks = [];
      for await (const b of car) blocks.push(String(b.cid));
      expect(blocks).toEqual([cid]);
    });
  });

  describe("when the format is not one it writes", () => {
    it.each([
      ["?format=tar", {}],
      ["", { accept: `${CAR}; version=2` }],
      ["", { accept: `${CAR}; dups=y` }],
    ])("answers 406 NOT_ACCEPTABLE for %s %j", async (query, headers) => {
      const res = await get(`/ipfs/${cid}${query}`, headers as Record<string, string>);
      expect(res.status).toBe(406);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("NOT_ACCEPTABLE");
    });
  });

  describe("when no trustless format is asked for", () => {
    it("answers the file's bytes as a private attachment, with Etag, X-Ipfs-Path and X-Ipfs-Roots", async () => {
      const res = await get(`/ipfs/${cid}?filename=render.bin`);
      expect(res.status).toBe(200);
      expect(Buffer.from(await res.arrayBuffer()).equals(original)).toBe(true);
      expect(Object.fromEntries(res.headers.entries())).toMatchObject({
        "content-type": "application/octet-stream",
        "content-disposition": 'attachment; filename="render.bin"',
        etag: `"${cid}"`,
        "x-ipfs-path": `/ipfs/${cid}`,
        "x-ipfs-roots": cid,
        "cache-control": "private, no-store",
      });
    });

    it("keeps another tenant's content a 404, whatever the format", async () => {
      for (const query of ["", "?format=raw", "?format=car", "?format=car&dag-scope=block"]) {
        expect((await get(`/ipfs/${cid}${query}`, {}, "rival")).status).toBe(404);
      }
    });
  });
});
