/**
 * Issue 23, point 1 — ownership of stored content by multihash, on the real app (real anvil, SQLite
 * and PostgreSQL, the embedded blockstore). Blocks are stored by multihash, so every CID carrying a
 * block's multihash (any codec, CID version or base) names the same bytes: another tenant must get
 * the same 404 for each of them as for content nobody stored, and the owner must still get its raw
 * blocks, its CAR and its file.
 */
import { createHash, randomBytes } from "node:crypto";
import { CarReader } from "@ipld/car";
import * as dagPb from "@ipld/dag-pb";
import { base36 } from "multiformats/bases/base36";
import { base58btc } from "multiformats/bases/base58";
import { CID } from "multiformats/cid";
import * as Digest from "multiformats/hashes/digest";
import { sha256 } from "multiformats/hashes/sha2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, TEST_BACKENDS, type TestApp } from "../helpers/app.ts";

const CODECS = { raw: 0x55, "dag-pb": 0x70, "dag-cbor": 0x71, "dag-json": 0x0129, "libp2p-key": 0x72, identity: 0x00, "git-raw": 0x78 } as const;

/** Every spelling of a multihash we can make: each codec, CIDv1 in base32/base36/base58btc, CIDv0 for dag-pb. */
function spellings(mh: CID["multihash"]): string[] {
  const out: string[] = [];
  for (const code of Object.values(CODECS)) {
    const v1 = CID.createV1(code, mh);
    out.push(v1.toString(), v1.toString(base36), v1.toString(base58btc));
  }
  out.push(CID.createV0(mh as never).toString());
  return out;
}

/** Ways of asking for a CID: the file, a CAR, a raw block by query and by Accept header. */
const ASKS: { name: string; query: string; accept?: string }[] = [
  { name: "file", query: "" },
  { name: "car", query: "?format=car" },
  { name: "raw", query: "?format=raw" },
  { name: "Accept raw", query: "", accept: "application/vnd.ipld.raw" },
  { name: "Accept car", query: "", accept: "application/vnd.ipld.car" },
];

const multipart = (name: string, bytes: Uint8Array) => {
  const head = Buffer.from(`--B\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\nContent-Type: application/octet-stream\r\n\r\n`);
  return Buffer.concat([head, bytes, Buffer.from("\r\n--B--\r\n")]);
};

describe.each(TEST_BACKENDS)("GET /ipfs/:cid ownership by multihash (%s store)", (backend) => {
  let t: TestApp;
  const small = randomBytes(40_000); // one raw block: its CID follows from its SHA-256 alone
  const large = randomBytes(2 * 1024 * 1024 + 12_345); // three raw leaves under a dag-pb root
  let smallCid: CID;
  let largeCid: CID;
  let largeBlocks: CID[];
  const auth = (tenant: string) => ({ authorization: `Bearer ${t.keys[tenant]}` });
  const get = (tenant: string, path: string, accept?: string) =>
    t.app.inject({ method: "GET", url: path, headers: { ...auth(tenant), ...(accept ? { accept } : {}) } });
  const upload = async (tenant: string, name: string, bytes: Uint8Array): Promise<CID> => {
    const res = await t.app.inject({
      method: "POST",
      url: "/v1/evidence",
      headers: { ...auth(tenant), "content-type": "multipart/form-data; boundary=B" },
      payload: multipart(name, bytes),
    });
    expect(res.statusCode, res.body).toBe(202);
    return CID.parse(res.json().entries[0].cid);
  };

  beforeAll(async () => {
    t = await buildTestApp({ RATE_LIMIT_PER_MINUTE: "1000000" }, backend);
    smallCid = await upload("acme", "small.bin", small);
    largeCid = await upload("acme", "large.bin", large);
    const car = await get("acme", `/ipfs/${largeCid}?format=car`);
    expect(car.statusCode).toBe(200);
    const reader = await CarReader.fromBytes(car.rawPayload);
    largeBlocks = [];
    for await (const block of reader.blocks()) largeBlocks.push(block.cid);
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  it("stores the small file as one raw block whose CID is derived from the file's SHA-256 alone", () => {
    const derived = CID.createV1(CODECS.raw, Digest.create(0x12, createHash("sha256").update(small).digest()));
    expect(smallCid.equals(derived)).toBe(true);
    expect(largeCid.code).toBe(CODECS["dag-pb"]);
    expect(largeBlocks.length).toBeGreaterThanOrEqual(4);
  });

  describe("when the owner asks", () => {
    it("serves the file, the CAR and every block of its DAG, under the CID's codec or another one", async () => {
      expect(Buffer.from((await get("acme", `/ipfs/${largeCid}`)).rawPayload).equals(large)).toBe(true);
      expect(Buffer.from((await get("acme", `/ipfs/${smallCid}`)).rawPayload).equals(small)).toBe(true);
      expect(Buffer.from((await get("acme", `/ipfs/${smallCid}?format=raw`)).rawPayload).equals(small)).toBe(true);
      for (const block of largeBlocks) {
        const res = await get("acme", `/ipfs/${block}?format=raw`);
        expect(res.statusCode).toBe(200);
        expect(createHash("sha256").update(res.rawPayload).digest().equals(Buffer.from(block.multihash.digest))).toBe(true);
        // The same bytes under the raw codec (what a trustless client asks for a leaf it learnt from a link).
        expect((await get("acme", `/ipfs/${CID.createV1(CODECS.raw, block.multihash)}?format=raw`)).statusCode).toBe(200);
      }
    });

    it("answers with private cache headers, never public or immutable", async () => {
      for (const path of [`/ipfs/${largeCid}`, `/ipfs/${largeCid}?format=car`, `/ipfs/${smallCid}?format=raw`]) {
        const res = await get("acme", path);
        expect(res.statusCode).toBe(200);
        expect(res.headers["cache-control"]).toBe("private, no-store");
        expect(String(res.headers["cache-control"])).not.toMatch(/public|immutable/);
      }
    });

    it("refuses a DAG read from the same bytes under another codec (a leaf read as dag-pb)", async () => {
      const leaf = largeBlocks.find((c) => c.code === CODECS.raw)!;
      const res = await get("acme", `/ipfs/${CID.createV1(CODECS["dag-pb"], leaf.multihash)}?format=car`);
      expect(res.statusCode).toBe(404);
    });
  });

  describe("when another tenant asks", () => {
    /** The rival's answer for `cid` asked `ask`-wise, next to the answer for a same-shape CID nobody stored. */
    const both = async (cid: string, ask: (typeof ASKS)[number]) => {
      const parsed = CID.parse(cid.startsWith("k") ? cid : cid, cid.startsWith("k") ? base36 : undefined);
      const absentMh = await sha256.digest(randomBytes(32));
      const absent = parsed.version === 0 ? CID.createV0(absentMh) : CID.createV1(parsed.code, absentMh);
      const absentText = cid.startsWith("k") ? absent.toString(base36) : cid.startsWith("z") ? absent.toString(base58btc) : absent.toString();
      const [theirs, nobodys] = [await get("rival", `/ipfs/${cid}${ask.query}`, ask.accept), await get("rival", `/ipfs/${absentText}${ask.query}`, ask.accept)];
      return { theirs, nobodys, absent: absent.toString() };
    };
    const comparable = (res: Awaited<ReturnType<typeof get>>, cid: string) => ({
      status: res.statusCode,
      body: res.body.replaceAll(cid, "<cid>"),
      headers: Object.fromEntries(
        Object.entries(res.headers).filter(([k]) => !["date", "content-length", "x-ratelimit-remaining", "x-ratelimit-reset"].includes(k)),
      ),
    });

    it("answers every codec, version and base of every block's multihash with the 404 that content nobody stored gets", async () => {
      const targets = [smallCid, largeCid, ...largeBlocks];
      let asked = 0;
      for (const target of targets) {
        for (const cid of spellings(target.multihash)) {
          for (const ask of ASKS) {
            const { theirs, nobodys, absent } = await both(cid, ask);
            expect(theirs.statusCode, `${cid} ${ask.name}`).toBe(404);
            expect(theirs.json().error.code).toBe("CONTENT_NOT_FOUND");
            expect(theirs.rawPayload.includes(small.subarray(0, 64))).toBe(false);
            expect(comparable(theirs, CID.parse(cid, cid.startsWith("k") ? base36 : undefined).toString())).toEqual(comparable(nobodys, absent));
            asked++;
          }
        }
      }
      expect(asked).toBe(targets.length * (Object.keys(CODECS).length * 3 + 1) * ASKS.length);
    }, 180_000);

    it("cannot walk the owner's links from a dag-pb node of its own that points at the owner's leaves", async () => {
      // The rival stores, as a file, a dag-pb node linking to the owner's leaves, then asks for it as a
      // DAG (dag-pb codec over its own raw block), hoping the walk reaches the owner's blocks.
      const leaves = largeBlocks.filter((c) => c.code === CODECS.raw);
      const crafted = dagPb.encode(dagPb.prepare({ Links: leaves.map((Hash) => ({ Hash, Name: "", Tsize: 1 })) }));
      const own = await upload("rival", "crafted.bin", crafted);
      expect(own.code).toBe(CODECS.raw);
      const asDagPb = CID.createV1(CODECS["dag-pb"], own.multihash);
      for (const ask of ASKS.filter((a) => a.name !== "raw" && a.name !== "Accept raw")) {
        const res = await get("rival", `/ipfs/${asDagPb}${ask.query}`, ask.accept);
        expect(res.statusCode, ask.name).toBe(404);
        expect(res.rawPayload.includes(large.subarray(0, 64))).toBe(false);
      }
      // Its own block, as stored, it may read; the owner's leaves stay out of reach.
      expect((await get("rival", `/ipfs/${own}?format=raw`)).statusCode).toBe(200);
      for (const leaf of leaves) expect((await get("rival", `/ipfs/${leaf}?format=raw`)).statusCode).toBe(404);
    });

    it("gets nothing for an identity CID, whatever it inlines", async () => {
      const inline = CID.createV1(CODECS.raw, Digest.create(0x00, new TextEncoder().encode("hello")));
      for (const ask of ASKS) expect((await get("rival", `/ipfs/${inline}${ask.query}`, ask.accept)).statusCode).toBe(404);
    });
  });

  it("records the DAG blocks of content stored before they were recorded (backfill) and serves its blocks to the owner again", async () => {
    const forms = [largeCid.toString()];
    if (backend === "sqlite") {
      const { DatabaseSync } = await import("node:sqlite");
      const db = new DatabaseSync(t.config.sqlitePath);
      db.prepare("DELETE FROM dag_blocks WHERE root_cid = ?").run(forms[0]!);
      db.close();
    } else {
      const pg = await import("pg");
      const client = new pg.default.Client({ connectionString: t.config.databaseUrl });
      await client.connect();
      await client.query("DELETE FROM dag_blocks WHERE root_cid = $1", forms);
      await client.end();
    }
    const leaf = largeBlocks.find((c) => c.code === CODECS.raw)!;
    expect((await get("acme", `/ipfs/${leaf}?format=raw`)).statusCode).toBe(404);
    expect(await t.app.contentAccess.backfill()).toBeGreaterThanOrEqual(1);
    expect((await get("acme", `/ipfs/${leaf}?format=raw`)).statusCode).toBe(200);
    expect((await get("rival", `/ipfs/${leaf}?format=raw`)).statusCode).toBe(404);
  });
});
