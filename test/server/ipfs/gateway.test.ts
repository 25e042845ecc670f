import { createHash } from "node:crypto";
import { createServer } from "node:http";
import { withHTTP } from "@helia/http";
import { CarBlockIterator } from "@ipld/car/iterator";
import { createVerifiedFetchWithHelia } from "@helia/verified-fetch";
import { createHeliaLight } from "helia";
import { exporter } from "ipfs-unixfs-exporter";
import { CID } from "multiformats/cid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportCar, getBlock } from "../../../server/src/services/ipfs/content.ts";
import { createEmbeddedIpfs } from "../../../server/src/services/ipfs/embedded.ts";
import { isIpfsError } from "../../../server/src/services/ipfs/errors.ts";
import { gatewayErrorStatus, selectTrustlessFormat, serveTrustlessGateway } from "../../../server/src/services/ipfs/gateway.ts";
import { collectBytes, hex, kuboDeterministicBytes, MemoryBlocks, tempDir } from "./helpers.ts";
import type { Server } from "node:http";
import type { EmbeddedIpfs } from "../../../server/src/services/ipfs/embedded.ts";

const RAW = "application/vnd.ipld.raw";
const CAR = "application/vnd.ipld.car";

function reasonOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return isIpfsError(error) ? error.reason : "other";
  }
  return undefined;
}

describe("selectTrustlessFormat", () => {
  describe("when the format query parameter is present", () => {
    it("takes precedence over the Accept header (IPIP-523)", () => {
      expect(selectTrustlessFormat("raw", CAR)).toBe("raw");
      expect(selectTrustlessFormat("car", RAW)).toBe("car");
    });

    it("rejects formats a trustless gateway does not serve", () => {
      expect(reasonOf(() => selectTrustlessFormat("dag-json", RAW))).toBe("NOT_ACCEPTABLE");
    });
  });

  describe("when only Accept is present", () => {
    it("follows q-values, then order", () => {
      expect(selectTrustlessFormat(null, `${CAR};q=0.5, ${RAW}`)).toBe("raw");
      expect(selectTrustlessFormat(null, `${CAR}, ${RAW}`)).toBe("car");
      expect(selectTrustlessFormat(undefined, `${RAW};q=0, ${CAR};version=1;order=dfs;dups=n`)).toBe("car");
    });

    it("skips CAR variants we do not write (CARv2, duplicate blocks)", () => {
      expect(reasonOf(() => selectTrustlessFormat(null, `${CAR};version=2`))).toBe("NOT_ACCEPTABLE");
      expect(selectTrustlessFormat(null, `${CAR};dups=y, ${RAW};q=0.1`)).toBe("raw");
    });

    it("is NOT_ACCEPTABLE (406) for browsers' */* and for nothing at all", () => {
      expect(reasonOf(() => selectTrustlessFormat(null, "text/html,*/*;q=0.8"))).toBe("NOT_ACCEPTABLE");
      expect(reasonOf(() => selectTrustlessFormat(null, null))).toBe("NOT_ACCEPTABLE");
    });
  });
});

/** A tiny trustless gateway over node:http, the way the Fastify route will use serveTrustlessGateway. */
function startGateway(ipfs: EmbeddedIpfs): Promise<{ server: Server; url: string; requests: string[] }> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? "/", "http://gateway.invalid");
      requests.push(`${req.method} ${url.pathname}${url.search} accept=${req.headers.accept ?? ""}`);
      const match = /^\/ipfs\/([^/]+)$/.exec(url.pathname);
      if (match === null) {
        // Delegated routing (GET /routing/v1/providers/{cid}): "no providers" is a 404 in the
        // Routing V1 spec. Helia's routing waits forever when it has no non-fallback router, so
        // the client is given this endpoint as its router and falls back to the gateway below.
        res.writeHead(404).end();
        return;
      }
      try {
        const response = await serveTrustlessGateway(ipfs, match[1] as string, url.searchParams.get("format"), req.headers.accept);
        res.writeHead(response.status, response.headers);
        for await (const chunk of response.body) res.write(chunk);
        res.end();
      } catch (error) {
        res.writeHead(gatewayErrorStatus(error)).end(String(error));
      }
    })();
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      resolve({ server, url: `http://127.0.0.1:${port}`, requests });
    });
  });
}

describe("serveTrustlessGateway", () => {
  let ipfs: EmbeddedIpfs;
  let gateway: { server: Server; url: string; requests: string[] };
  let cleanup: () => Promise<void>;
  const original = new Uint8Array(Buffer.concat([...kuboDeterministicBytes(2 * 1024 * 1024 + 4096, "gateway")]));
  let cid: string;

  beforeAll(async () => {
    const tmp = await tempDir("gateway");
    cleanup = tmp.cleanup;
    ipfs = await createEmbeddedIpfs({ dir: tmp.dir });
    cid = (await ipfs.importFile([original])).cid;
    gateway = await startGateway(ipfs);
  });
  afterAll(async () => {
    await new Promise((resolve) => gateway.server.close(resolve));
    await ipfs.close();
    await cleanup();
  });

  describe("when a raw block is asked for", () => {
    it("returns the block with trustless-gateway headers", async () => {
      const response = await serveTrustlessGateway(ipfs, cid, "raw", null);
      const body = await collectBytes(response.body);
      expect(response.headers).toMatchObject({
        "content-type": RAW,
        "content-length": String(body.byteLength),
        "cache-control": "private, no-store",
        "x-content-type-options": "nosniff",
        etag: `"${cid}.raw"`,
      });
      expect(hex(createHash("sha256").update(body).digest())).toBe(hex(CID.parse(cid).multihash.digest));
    });
  });

  describe("when the content is not stored or the CID is invalid", () => {
    it("throws errors that map to 404 and 400 before any body", async () => {
      const missing = await serveTrustlessGateway(emptyBackend(), cid, "car", null).catch((e: unknown) => e);
      expect(gatewayErrorStatus(missing)).toBe(404);
      const invalid = await serveTrustlessGateway(ipfs, "Qm-nope", "raw", null).catch((e: unknown) => e);
      expect(gatewayErrorStatus(invalid)).toBe(400);
    });
  });

  describe("when @helia/verified-fetch retrieves the file through it", () => {
    it("gets, block by block and verified, the original bytes", async () => {
      const helia = withHTTP(createHeliaLight(), {
        delegatedRouters: [gateway.url],
        recursiveGateways: [gateway.url],
        allowInsecure: true,
        allowLocal: true,
      });
      await helia.start();
      const verifiedFetch = await createVerifiedFetchWithHelia(helia);
      try {
        const response = await verifiedFetch(`ipfs://${cid}`, { allowInsecure: true, allowLocal: true, signal: AbortSignal.timeout(30_000) });
        expect(response.status).toBe(200);
        expect(hex(new Uint8Array(await response.arrayBuffer()))).toBe(hex(original));
      } finally {
        await verifiedFetch.stop();
        await helia.stop();
      }
      const blockRequests = gateway.requests.filter((r) => r.startsWith("GET /ipfs/"));
      expect(blockRequests.length).toBe(4); // root + three leaves (2 MiB + 4 KiB in 1 MiB chunks)
      for (const request of blockRequests) expect(request).toMatch(/\?format=raw accept=application\/vnd\.ipld\.raw$/);
    });
  });

  describe("when a CAR is fetched over HTTP", () => {
    it("holds exactly the blocks that rebuild the file, each hashing to its CID", async () => {
      const response = await fetch(`${gateway.url}/ipfs/${cid}`, { headers: { accept: `${CAR};version=1` } });
      expect(response.headers.get("content-type")).toBe(`${CAR}; version=1; order=dfs; dups=n`);
      const iterator = await CarBlockIterator.fromBytes(new Uint8Array(await response.arrayBuffer()));
      expect((await iterator.getRoots()).map(String)).toEqual([cid]);
      const blocks = new MemoryBlocks();
      for await (const { cid: blockCid, bytes } of iterator) {
        expect(hex(createHash("sha256").update(bytes).digest())).toBe(hex(blockCid.multihash.digest));
        blocks.put(blockCid, bytes);
      }
      const entry = await exporter(cid, blocks);
      if (entry.type !== "file") throw new Error(`not a file: ${entry.type}`);
      expect(hex(await collectBytes(entry.content()))).toBe(hex(original));
    });
  });
});

/** A backend with nothing stored. */
function emptyBackend() {
  const blocks = new MemoryBlocks();
  return { block: (key: CID | string) => getBlock(blocks, key), car: (key: CID | string) => exportCar(blocks, key) };
}
