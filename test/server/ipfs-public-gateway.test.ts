/**
 * GET /ipfs/:cid without a key, over the real service (anvil, SQLite and PostgreSQL stores, the embedded
 * blockstore, listening on loopback): published content (uploaded `public=true`) is answered to anyone
 * holding its CID — the file, raw blocks and a CAR, each verifiable, with public immutable cache headers,
 * and through @helia/verified-fetch sending no Authorization — while unpublished content answers the 404
 * that content nobody stored gets, under every codec its blocks' multihashes can be named with. A wrong
 * key is 401, another tenant's key reads nothing unpublished, and anonymous requests spend the per-IP budget.
 */
import { createHash, randomBytes } from "node:crypto";
import { withHTTP } from "@helia/http";
import { createVerifiedFetchWithHelia } from "@helia/verified-fetch";
import { CarBlockIterator } from "@ipld/car/iterator";
import * as dagPb from "@ipld/dag-pb";
import { createHeliaLight } from "helia";
import { CID } from "multiformats/cid";
import * as Digest from "multiformats/hashes/digest";
import { sha256 } from "multiformats/hashes/sha2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SESSION_COOKIE } from "../../server/src/services/cookies.ts";
import { buildTestApp, TEST_BACKENDS, type TestApp } from "../helpers/app.ts";

const RAW = "application/vnd.ipld.raw";
const CAR = "application/vnd.ipld.car";
const CODECS = { raw: 0x55, "dag-pb": 0x70, "dag-cbor": 0x71, "dag-json": 0x0129, "libp2p-key": 0x72 } as const;
const PUBLIC_CACHE = "public, max-age=29030400, immutable";
const ANONYMOUS_PER_MINUTE = 1500;
const ORIGIN = "https://design.example";
// The app runs with CORS_ORIGINS, whose plugin puts `Origin` in every Vary; the gateway adds its own fields.
const PUBLIC_VARY = "Origin, Accept";
const PRIVATE_VARY = "Origin, Accept, Authorization";

/** Ways of asking for a CID: the file, a CAR, a raw block by query and by Accept header, the root block's CAR. */
const ASKS: { name: string; query: string; accept?: string }[] = [
  { name: "file", query: "" },
  { name: "car", query: "?format=car" },
  { name: "car, dag-scope=block", query: "?format=car&dag-scope=block" },
  { name: "raw", query: "?format=raw" },
  { name: "Accept raw", query: "", accept: RAW },
  { name: "Accept car", query: "", accept: CAR },
];

/** `size` random bytes: the importer chunks them into 1 MiB raw leaves (one raw block under 1 MiB). */
const file = (size: number) => randomBytes(size);

const multipart = (name: string, bytes: Uint8Array, fields: Record<string, string>) =>
  Buffer.concat([
    ...Object.entries(fields).map(([k, v]) => Buffer.from(`--B\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`)),
    Buffer.from(`--B\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\nContent-Type: application/octet-stream\r\n\r\n`),
    bytes,
    Buffer.from("\r\n--B--\r\n"),
  ]);

async function carBlocks(bytes: Uint8Array): Promise<{ roots: string[]; blocks: { cid: CID; bytes: Uint8Array }[] }> {
  const car = await CarBlockIterator.fromBytes(bytes);
  const blocks = [];
  for await (const b of car) blocks.push(b);
  return { roots: (await car.getRoots()).map(String), blocks };
}

const hashesTo = (bytes: Uint8Array, cid: CID) => createHash("sha256").update(bytes).digest().equals(Buffer.from(cid.multihash.digest));

describe.each(TEST_BACKENDS)("GET /ipfs/:cid without a key (%s store)", (backend) => {
  let t: TestApp;
  let base: string;
  const published = file(2 * 1024 * 1024 + 4096); // a dag-pb root over three raw leaves
  const unpublished = file(2 * 1024 * 1024 + 777);
  const unpublishedSmall = file(40_000); // one raw block
  let publishedCid: CID;
  let unpublishedCid: CID;
  let unpublishedSmallCid: CID;
  let publishedBlocks: CID[];
  let unpublishedBlocks: CID[];
  const auth = (tenant: string) => ({ authorization: `Bearer ${t.keys[tenant]}` });
  const get = (path: string, headers: Record<string, string> = {}, method: "GET" | "HEAD" = "GET") => t.app.inject({ method, url: path, headers });
  const upload = async (tenant: string, name: string, bytes: Uint8Array, fields: Record<string, string> = {}) => {
    const res = await t.app.inject({
      method: "POST",
      url: "/v1/evidence",
      headers: { ...auth(tenant), "content-type": "multipart/form-data; boundary=B" },
      payload: multipart(name, bytes, fields),
    });
    expect(res.statusCode, res.body).toBe(202);
    const entry = res.json().entries[0] as { cid: string; public: boolean };
    expect(entry.public).toBe(fields.public === "true");
    return CID.parse(entry.cid);
  };
  const blocksOf = async (cid: CID) => {
    const res = await get(`/ipfs/${cid}?format=car`, auth("acme"));
    expect(res.statusCode).toBe(200);
    return (await carBlocks(res.rawPayload)).blocks.map((b) => b.cid);
  };

  beforeAll(async () => {
    t = await buildTestApp({ RATE_LIMIT_PER_MINUTE: "1000000", RATE_LIMIT_ANONYMOUS_PER_MINUTE: String(ANONYMOUS_PER_MINUTE), CORS_ORIGINS: ORIGIN }, backend);
    base = await t.app.listen({ port: 0, host: "127.0.0.1" });
    publishedCid = await upload("acme", "released.bin", published, { public: "true" });
    unpublishedCid = await upload("acme", "draft.bin", unpublished);
    unpublishedSmallCid = await upload("acme", "draft-note.bin", unpublishedSmall);
    publishedBlocks = await blocksOf(publishedCid);
    unpublishedBlocks = await blocksOf(unpublishedCid);
    expect(publishedCid.code).toBe(CODECS["dag-pb"]);
    expect(publishedBlocks.length).toBe(4);
    expect(unpublishedBlocks.length).toBe(4);
    expect(unpublishedSmallCid.code).toBe(CODECS.raw);
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  describe("when the content is published", () => {
    it("answers the file's bytes without a key, public and immutable, varying on Accept (and CORS Origin), not Authorization", async () => {
      const res = await get(`/ipfs/${publishedCid}`);
      expect(res.statusCode).toBe(200);
      expect(Buffer.from(res.rawPayload).equals(published)).toBe(true);
      expect(res.headers).toMatchObject({
        "cache-control": PUBLIC_CACHE,
        vary: PUBLIC_VARY,
        etag: `"${publishedCid}"`,
        "x-ipfs-roots": publishedCid.toString(),
      });
      const head = await get(`/ipfs/${publishedCid}`, {}, "HEAD");
      expect(head.statusCode).toBe(200);
      expect(head.headers["cache-control"]).toBe(PUBLIC_CACHE);
    });

    it("answers every raw block of its DAG without a key, each hashing to its CID", async () => {
      for (const block of publishedBlocks) {
        for (const ask of [{ query: "?format=raw" }, { query: "", accept: RAW }]) {
          const res = await get(`/ipfs/${block}${ask.query}`, ask.accept ? { accept: ask.accept } : {});
          expect(res.statusCode, `${block}`).toBe(200);
          expect(res.headers["content-type"]).toBe(RAW);
          expect(hashesTo(res.rawPayload, block)).toBe(true);
          expect(res.headers).toMatchObject({ "cache-control": PUBLIC_CACHE, vary: PUBLIC_VARY });
        }
      }
    });

    it("answers a CAR without a key whose every block verifies and whose blocks rebuild the file", async () => {
      const res = await get(`/ipfs/${publishedCid}`, { accept: `${CAR}; version=1` });
      expect(res.statusCode).toBe(200);
      expect(res.headers).toMatchObject({ "content-type": `${CAR}; version=1; order=dfs; dups=n`, "cache-control": PUBLIC_CACHE, vary: PUBLIC_VARY });
      const { roots, blocks } = await carBlocks(res.rawPayload);
      expect(roots).toEqual([publishedCid.toString()]);
      expect(blocks.map((b) => b.cid.toString())).toEqual(publishedBlocks.map(String));
      for (const b of blocks) expect(hashesTo(b.bytes, b.cid)).toBe(true);
      const leaves = blocks.filter((b) => b.cid.code === CODECS.raw).map((b) => b.bytes);
      expect(Buffer.concat(leaves).equals(published)).toBe(true);
    });

    it("answers the same public headers to the owner's key and to another tenant's key", async () => {
      for (const tenant of ["acme", "rival"]) {
        const res = await get(`/ipfs/${publishedCid}?format=raw`, auth(tenant));
        expect(res.statusCode).toBe(200);
        expect(res.headers).toMatchObject({ "cache-control": PUBLIC_CACHE, vary: PUBLIC_VARY });
      }
    });

    it("refuses a DAG read from a published leaf under another codec (its bytes read as dag-pb)", async () => {
      const leaf = publishedBlocks.find((c) => c.code === CODECS.raw)!;
      for (const ask of ASKS.filter((a) => !a.name.includes("raw"))) {
        const res = await get(`/ipfs/${CID.createV1(CODECS["dag-pb"], leaf.multihash)}${ask.query}`, ask.accept ? { accept: ask.accept } : {});
        // dag-scope=block reads the one block: its multihash is published, so it is served, as raw bytes.
        if (ask.name === "car, dag-scope=block") expect(res.statusCode).toBe(200);
        else expect(res.statusCode, ask.name).toBe(404);
      }
    });
  });

  describe("when the content is not published", () => {
    /** The anonymous answer for `path`, comparable to the one for a CID of the same shape nobody stored. */
    const comparable = (res: Awaited<ReturnType<typeof get>>, cid: string) => ({
      status: res.statusCode,
      body: res.body.replaceAll(cid, "<cid>"),
      headers: Object.fromEntries(
        Object.entries(res.headers).filter(([k]) => !["date", "content-length", "x-ratelimit-remaining", "x-ratelimit-reset"].includes(k)),
      ),
    });

    it("answers the file, the CAR and every block, under every codec its multihashes can be named with, the 404 that content nobody stored gets", async () => {
      let asked = 0;
      for (const target of [unpublishedCid, unpublishedSmallCid, ...unpublishedBlocks]) {
        const spellings = [...Object.values(CODECS).map((code) => CID.createV1(code, target.multihash)), CID.createV0(target.multihash as never)];
        for (const cid of spellings) {
          const absentMh = await sha256.digest(randomBytes(32));
          const absent = cid.version === 0 ? CID.createV0(absentMh) : CID.createV1(cid.code, absentMh);
          for (const ask of ASKS) {
            const headers: Record<string, string> = ask.accept ? { accept: ask.accept } : {};
            const [theirs, nobodys] = [await get(`/ipfs/${cid}${ask.query}`, headers), await get(`/ipfs/${absent}${ask.query}`, headers)];
            expect(theirs.statusCode, `${cid} ${ask.name}`).toBe(404);
            expect(theirs.json().error.code).toBe("CONTENT_NOT_FOUND");
            expect(theirs.rawPayload.includes(unpublished.subarray(0, 64))).toBe(false);
            expect(comparable(theirs, cid.toString())).toEqual(comparable(nobodys, absent.toString()));
            asked++;
          }
        }
      }
      expect(asked).toBe(6 * 6 * ASKS.length);
    }, 120_000);

    it("marks that 404 as depending on the key and not to be stored by any cache", async () => {
      const res = await get(`/ipfs/${unpublishedCid}`);
      expect(res.statusCode).toBe(404);
      expect(res.headers).toMatchObject({ "cache-control": "no-store", vary: PRIVATE_VARY });
    });

    it("still serves the owner, privately, and refuses another tenant's key with the same 404", async () => {
      const own = await get(`/ipfs/${unpublishedCid}`, auth("acme"));
      expect(own.statusCode).toBe(200);
      expect(Buffer.from(own.rawPayload).equals(unpublished)).toBe(true);
      expect(own.headers).toMatchObject({ "cache-control": "private, no-store", vary: PRIVATE_VARY });
      for (const ask of ASKS) {
        const headers = { ...auth("rival"), ...(ask.accept ? { accept: ask.accept } : {}) };
        for (const target of [unpublishedCid, unpublishedSmallCid, ...unpublishedBlocks]) {
          const res = await get(`/ipfs/${target}${ask.query}`, headers);
          expect(res.statusCode, `${target} ${ask.name}`).toBe(404);
          expect(res.headers["cache-control"]).toBe("private, no-store");
        }
      }
    });

    it("cannot be reached through a published dag-pb node of another tenant's that links to its leaves", async () => {
      // The rival publishes, as a file, a dag-pb node linking to acme's unpublished leaves, then asks for
      // it without a key as a DAG (dag-pb codec over its own raw block), hoping the walk reaches them.
      const leaves = unpublishedBlocks.filter((c) => c.code === CODECS.raw);
      const crafted = dagPb.encode(dagPb.prepare({ Links: leaves.map((Hash) => ({ Hash, Name: "", Tsize: 1 })) }));
      const own = await upload("rival", "crafted.bin", crafted, { public: "true" });
      expect(own.code).toBe(CODECS.raw);
      const asDagPb = CID.createV1(CODECS["dag-pb"], own.multihash);
      for (const ask of ASKS.filter((a) => !a.name.includes("raw") && a.name !== "car, dag-scope=block")) {
        const res = await get(`/ipfs/${asDagPb}${ask.query}`, ask.accept ? { accept: ask.accept } : {});
        expect(res.statusCode, ask.name).toBe(404);
        expect(res.rawPayload.includes(unpublished.subarray(0, 64))).toBe(false);
      }
      expect((await get(`/ipfs/${own}?format=raw`)).statusCode).toBe(200); // its own published block
      for (const leaf of leaves) expect((await get(`/ipfs/${leaf}?format=raw`)).statusCode).toBe(404);
    });
  });

  describe("when CORS_ORIGINS is set and the request names an origin", () => {
    it("keeps the CORS plugin's Vary: Origin beside the gateway's fields, for public, private and refused answers", async () => {
      const origin = { origin: ORIGIN };
      const pub = await get(`/ipfs/${publishedCid}?format=raw`, origin);
      expect(pub.headers["access-control-allow-origin"]).toBe(ORIGIN);
      expect(String(pub.headers.vary).split(", ").sort()).toEqual(["Accept", "Origin"]);
      const own = await get(`/ipfs/${unpublishedCid}?format=raw`, { ...origin, ...auth("acme") });
      expect(String(own.headers.vary).split(", ").sort()).toEqual(["Accept", "Authorization", "Origin"]);
      const refused = await get(`/ipfs/${unpublishedCid}?format=raw`, origin);
      expect(refused.statusCode).toBe(404);
      expect(String(refused.headers.vary).split(", ").sort()).toEqual(["Accept", "Authorization", "Origin"]);
    });
  });

  describe("when an HTTP retrieval client probes the gateway (Kubo's boxo httpnet: HEAD, then GET, /ipfs/bafkqaaa?format=raw)", () => {
    it("answers the empty identity block without a key, and nothing else inline", async () => {
      const empty = CID.parse("bafkqaaa");
      expect([empty.code, empty.multihash.code, empty.multihash.digest.length]).toEqual([CODECS.raw, 0x00, 0]);
      for (const method of ["HEAD", "GET"] as const) {
        const res = await get("/ipfs/bafkqaaa?format=raw", { accept: RAW }, method);
        expect(res.statusCode, method).toBe(200);
        expect(res.rawPayload.length).toBe(0);
        expect(res.headers).toMatchObject({ "content-type": RAW, "cache-control": PUBLIC_CACHE });
      }
      expect((await get("/ipfs/bafkqaaa")).statusCode).toBe(404); // as a file (a DAG): no entry's root
      const inline = CID.createV1(CODECS.raw, Digest.create(0x00, new TextEncoder().encode("hello")));
      expect((await get(`/ipfs/${inline}?format=raw`)).statusCode).toBe(404);
    });
  });

  describe("when the request carries a key that is not valid", () => {
    it.each([
      ["an unknown API key", "Bearer pp_notakey"],
      ["an empty Bearer", "Bearer "],
      ["another scheme", "Basic YWxhZGRpbjpvcGVuc2VzYW1l"],
    ])("answers 401 UNAUTHORIZED for %s, even for published content", async (_name, authorization) => {
      for (const path of [`/ipfs/${publishedCid}`, `/ipfs/${publishedCid}?format=raw`, `/ipfs/${unpublishedCid}?format=car`]) {
        const res = await get(path, { authorization });
        expect(res.statusCode, path).toBe(401);
        expect(res.json().error.code).toBe("UNAUTHORIZED");
      }
    });
  });

  describe("when the request carries a console session cookie", () => {
    it("answers 401 for a session that does not exist, even for published content (a credential is checked, never ignored)", async () => {
      const cookie = `${SESSION_COOKIE}=${"a".repeat(43)}`;
      for (const path of [`/ipfs/${publishedCid}?format=raw`, `/ipfs/${unpublishedCid}`]) {
        const res = await get(path, { cookie });
        expect(res.statusCode, path).toBe(401);
        expect(res.json().error.code).toBe("UNAUTHORIZED");
      }
    });
  });

  describe("when @helia/verified-fetch uses it as its gateway without any Authorization", () => {
    const fetchThrough = async (cid: CID, sent: Headers[], timeoutMs: number) => {
      const helia = withHTTP(createHeliaLight(), {
        delegatedRouters: [base],
        recursiveGateways: [base],
        allowInsecure: true,
        allowLocal: true,
        transformRequestInit: (init) => {
          sent.push(new Headers(init.headers));
          return init;
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

    it("fetches the published file block by block, each verified, and gets its bytes", async () => {
      const sent: Headers[] = [];
      const { status, bytes } = await fetchThrough(publishedCid, sent, 20_000);
      expect(status).toBe(200);
      expect(bytes.equals(published)).toBe(true);
      expect(sent.length).toBeGreaterThanOrEqual(4); // root + three leaves
      for (const headers of sent) {
        expect(headers.get("accept")).toBe(RAW);
        expect(headers.has("authorization")).toBe(false);
      }
    }, 60_000);

    it("gets nothing of an unpublished file", async () => {
      const outcome = await fetchThrough(unpublishedCid, [], 5_000).catch((e: unknown) => ({ status: -1, bytes: Buffer.alloc(0), error: e }));
      expect(outcome.status).not.toBe(200);
      expect(outcome.bytes.includes(unpublished.subarray(0, 64))).toBe(false);
    }, 60_000);
  });

  describe("when anonymous requests keep coming from one address", () => {
    it("counts them against the per-IP budget (RATE_LIMIT_ANONYMOUS_PER_MINUTE) and answers 429 once it is spent, while a key keeps its own", async () => {
      const first = await get(`/ipfs/${publishedCid}?format=raw`);
      expect(first.headers["x-ratelimit-limit"]).toBe(String(ANONYMOUS_PER_MINUTE));
      expect((await get(`/ipfs/${publishedCid}?format=raw`, auth("acme"))).headers["x-ratelimit-limit"]).toBe("1000000");
      let limited: Awaited<ReturnType<typeof get>> | undefined;
      for (let i = 0; i <= ANONYMOUS_PER_MINUTE && !limited; i++) {
        const res = await get(`/ipfs/${publishedCid}?format=raw`);
        if (res.statusCode === 429) limited = res;
        else expect(res.statusCode).toBe(200);
      }
      expect(limited?.json().error.code).toBe("RATE_LIMITED");
      expect((await get(`/ipfs/${publishedCid}?format=raw`, auth("acme"))).statusCode).toBe(200);
    }, 60_000);
  });
});
