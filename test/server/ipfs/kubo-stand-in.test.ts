/**
 * The Kubo backend against a STAND-IN for Kubo's RPC API — a small node:http server that speaks the
 * documented request/response shapes of /api/v0/add, cat, block/get, block/stat and pin/add
 * (https://docs.ipfs.tech/reference/kubo/rpc/). It is not Kubo: no Kubo daemon can run here. What
 * these tests establish is what the adapter sends (parameters, multipart body) and how it treats
 * answers; that Kubo honours those parameters with the expected CIDs is what kubo-vectors.json and
 * profiles.test.ts establish. To make the parameter check end-to-end, the stand-in derives its CID
 * from the parameters it received (chunker/max-file-links/raw-leaves/cid-version fed to
 * ipfs-unixfs-importer), so wrong parameters would yield a CID other than Kubo's published one.
 */
import { createHash } from "node:crypto";
import { createServer } from "node:http";
import { CarBlockIterator } from "@ipld/car/iterator";
import { importer } from "ipfs-unixfs-importer";
import { fixedSize } from "ipfs-unixfs-importer/chunker";
import { balanced, trickle } from "ipfs-unixfs-importer/layout";
import type { CID } from "multiformats/cid";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { FileTooLargeError, isIpfsError } from "../../../server/src/services/ipfs/errors.ts";
import { createKuboIpfs } from "../../../server/src/services/ipfs/kubo.ts";
import { collectBytes, hex, kuboDeterministicBytes, MemoryBlocks } from "./helpers.ts";
import type { IncomingMessage, Server, ServerResponse } from "node:http";

// Published by Kubo, test/cli/cid_profiles_test.go @ c626ee94 (see kubo-vectors.json).
const OVER_CHUNK_V1 = { seed: "chunk-v1-seed", size: 1_048_577, cid: "bafybeigmix7t42i6jacydtquhet7srwvgpizfg7gjbq7627d35mjomtu64" };
const OVER_CHUNK_V0 = { seed: "chunk-v0-seed", size: 262_145, cid: "QmYyLxtzZyW22zpoVAtKANLRHpDjZtNeDjQdJrcQNWoRkJ" };

interface SeenRequest {
  path: string;
  params: URLSearchParams;
  contentType: string | undefined;
  /** Bytes of the multipart file part (add only). */
  file?: Uint8Array;
  /** The upload ended before the closing multipart boundary. */
  incomplete?: boolean;
}

/** Stand-in for Kubo's RPC API. Behaviour switches let tests simulate a misbehaving daemon. */
class KuboStandIn {
  readonly requests: SeenRequest[] = [];
  readonly blocks = new MemoryBlocks();
  readonly files = new Map<string, Uint8Array>();
  /** Answer add with this CID instead of the derived one (a daemon that ignored our parameters). */
  forceAddCid: string | undefined;
  /** Flip a byte of every block/get answer (a corrupt or lying daemon). */
  tamperBlocks = false;
  failAdd = false;
  private server: Server | undefined;
  url = "";

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server?.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://stand-in.invalid");
    const seen: SeenRequest = { path: `${req.method} ${url.pathname}`, params: url.searchParams, contentType: req.headers["content-type"] };
    this.requests.push(seen);
    const body = await readBody(req);
    const arg = url.searchParams.get("arg") ?? "";
    switch (url.pathname) {
      case "/api/v0/add": {
        const part = multipartFile(body, seen.contentType);
        seen.file = part.file;
        seen.incomplete = part.incomplete;
        if (part.incomplete) return; // the client gave up mid-upload; Kubo would not answer either
        if (this.failAdd) return kuboError(res, "add failed: disk full");
        const cid = this.forceAddCid ?? (await this.importLikeKubo(part.file, url.searchParams));
        this.files.set(cid, part.file);
        res.writeHead(200, { "content-type": "application/json" });
        res.end(`${JSON.stringify({ Name: "", Hash: cid, Size: String(part.file.byteLength) })}\n`);
        return;
      }
      case "/api/v0/cat": {
        const file = this.files.get(arg);
        if (file === undefined) return kuboError(res, `block was not found locally (offline): ipld: could not find ${arg}`);
        res.writeHead(200, { "content-type": "text/plain" });
        res.end(file);
        return;
      }
      case "/api/v0/block/get": {
        const bytes = this.blocks.blocks.get(arg);
        if (bytes === undefined) return kuboError(res, `block was not found locally (offline): ipld: could not find ${arg}`);
        const answer = new Uint8Array(bytes);
        if (this.tamperBlocks) answer[0] = (answer[0] ?? 0) ^ 0xff;
        res.writeHead(200, { "content-type": "text/plain" });
        res.end(answer);
        return;
      }
      case "/api/v0/block/stat": {
        const bytes = this.blocks.blocks.get(arg);
        if (bytes === undefined) return kuboError(res, `block was not found locally (offline): ipld: could not find ${arg}`);
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ Key: arg, Size: bytes.byteLength }));
        return;
      }
      case "/api/v0/pin/add": {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(`${JSON.stringify({ Pins: [arg] })}\n`);
        return;
      }
      default:
        res.writeHead(404, { "content-type": "text/plain" }).end("404 page not found");
    }
  }

  /** Builds the DAG the way the received parameters describe it, storing the blocks for block/get. */
  private async importLikeKubo(file: Uint8Array, params: URLSearchParams): Promise<string> {
    const chunker = /^size-(\d+)$/.exec(params.get("chunker") ?? "");
    if (chunker === null) throw new Error(`stand-in only understands size-N chunkers, got ${params.get("chunker")}`);
    let root: CID | undefined;
    for await (const entry of importer([{ content: file }], this.blocks, {
      cidVersion: params.get("cid-version") === "1" ? 1 : 0,
      rawLeaves: params.get("raw-leaves") === "true",
      chunker: fixedSize({ chunkSize: Number(chunker[1]) }),
      layout: params.get("trickle") === "true" ? trickle() : balanced({ maxChildrenPerNode: Number(params.get("max-file-links") ?? 174) }),
      reduceSingleLeafToSelf: true,
    })) {
      root = entry.cid;
    }
    return String(root);
  }
}

/** Kubo's RPC error shape: HTTP 500 with a JSON `{ Message, Code, Type }` body. */
function kuboError(res: ServerResponse, message: string): void {
  res.writeHead(500, { "content-type": "application/json" });
  res.end(JSON.stringify({ Message: message, Code: 0, Type: "error" }));
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of req) chunks.push(chunk as Buffer);
  } catch {
    // aborted upload: keep what arrived
  }
  return Buffer.concat(chunks);
}

/** The first file part of a multipart/form-data body, and whether the closing boundary arrived. */
function multipartFile(body: Buffer, contentType: string | undefined): { file: Uint8Array; incomplete: boolean } {
  const boundary = /boundary=(.+)$/.exec(contentType ?? "")?.[1];
  if (boundary === undefined) throw new Error(`not multipart: ${contentType}`);
  const start = body.indexOf("\r\n\r\n", body.indexOf(`--${boundary}\r\n`)) + 4;
  const end = body.indexOf(`\r\n--${boundary}--`, start);
  return end < 0 ? { file: body.subarray(start), incomplete: true } : { file: body.subarray(start, end), incomplete: false };
}

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

describe("createKuboIpfs (against a stand-in for Kubo's RPC API)", () => {
  const standIn = new KuboStandIn();
  beforeAll(() => standIn.start());
  afterAll(() => standIn.stop());
  beforeEach(() => {
    standIn.requests.length = 0;
    standIn.forceAddCid = undefined;
    standIn.tamperBlocks = false;
    standIn.failAdd = false;
  });

  describe("importFile", () => {
    describe("when the profile is unixfs-v1-2025", () => {
      it("POSTs /api/v0/add with the profile's parameters and the file as the multipart body", async () => {
        const ipfs = createKuboIpfs({ url: standIn.url, profile: "unixfs-v1-2025" });
        const original = await collectBytes(kuboDeterministicBytes(OVER_CHUNK_V1.size, OVER_CHUNK_V1.seed));
        const result = await ipfs.importFile(kuboDeterministicBytes(OVER_CHUNK_V1.size, OVER_CHUNK_V1.seed, 50_000));

        const [add] = standIn.requests;
        expect(standIn.requests).toHaveLength(1);
        expect(add?.path).toBe("POST /api/v0/add");
        expect(add?.contentType).toMatch(/^multipart\/form-data; boundary=/);
        expect(Object.fromEntries(add?.params ?? [])).toMatchObject({
          "cid-version": "1",
          "raw-leaves": "true",
          chunker: "size-1048576",
          trickle: "false",
          hash: "sha2-256",
          "max-file-links": "1024",
          pin: "true",
          "wrap-with-directory": "false",
        });
        expect(hex(add?.file ?? new Uint8Array())).toBe(hex(original));

        expect(result.cid).toBe(OVER_CHUNK_V1.cid);
        expect(result.size).toBe(BigInt(OVER_CHUNK_V1.size));
        expect(hex(result.sha256)).toBe(hex(createHash("sha256").update(original).digest()));
      });
    });

    describe("when the profile is kubo-legacy", () => {
      it("sends CIDv0, wrapped leaves, 256 KiB chunks and 174 links", async () => {
        const ipfs = createKuboIpfs({ url: standIn.url, profile: "kubo-legacy", pinOnAdd: false });
        const result = await ipfs.importFile(kuboDeterministicBytes(OVER_CHUNK_V0.size, OVER_CHUNK_V0.seed));
        expect(Object.fromEntries(standIn.requests[0]?.params ?? [])).toMatchObject({
          "cid-version": "0",
          "raw-leaves": "false",
          chunker: "size-262144",
          trickle: "false",
          "max-file-links": "174",
          pin: "false",
        });
        expect(result.cid).toBe(OVER_CHUNK_V0.cid);
      });
    });

    describe("when the upload exceeds maxBytes", () => {
      it("throws FILE_TOO_LARGE and abandons the request before sending the whole file", async () => {
        const ipfs = createKuboIpfs({ url: standIn.url });
        const error = await rejectionOf(ipfs.importFile(kuboDeterministicBytes(5_000_000, "too-large", 65_536), { maxBytes: 1_000_000 }));
        expect(error).toBeInstanceOf(FileTooLargeError);
        await new Promise((resolve) => setTimeout(resolve, 50)); // let the stand-in see the aborted upload
        const add = standIn.requests[0];
        expect(add?.incomplete).toBe(true);
        expect(add?.file?.byteLength ?? 0).toBeLessThanOrEqual(1_000_000);
      });
    });

    describe("when the daemon misbehaves", () => {
      it("throws KUBO_RPC_ERROR (503) when the returned CID is not of the profile's kind", async () => {
        standIn.forceAddCid = "QmWmRj3dFDZdb6ABvbmKhEL6TmPbAfBZ1t5BxsEyJrcZhE"; // a CIDv0, for a CIDv1 profile
        const error = await rejectionOf(createKuboIpfs({ url: standIn.url }).importFile([new Uint8Array(10)]));
        expect(isIpfsError(error, "KUBO_RPC_ERROR")).toBe(true);
        expect((error as { statusCode: number }).statusCode).toBe(503);
      });

      it("throws KUBO_RPC_ERROR with Kubo's message when add fails", async () => {
        standIn.failAdd = true;
        const error = await rejectionOf(createKuboIpfs({ url: standIn.url }).importFile([new Uint8Array(10)]));
        expect(isIpfsError(error, "KUBO_RPC_ERROR")).toBe(true);
        expect((error as Error).message).toContain("disk full");
      });

      it("throws KUBO_RPC_ERROR when nothing listens at the URL", async () => {
        const error = await rejectionOf(createKuboIpfs({ url: "http://127.0.0.1:9" }).importFile([new Uint8Array(10)]));
        expect(isIpfsError(error, "KUBO_RPC_ERROR")).toBe(true);
      });
    });
  });

  describe("reads", () => {
    let cid: string;
    let original: Uint8Array;
    beforeAll(async () => {
      original = await collectBytes(kuboDeterministicBytes(OVER_CHUNK_V1.size, OVER_CHUNK_V1.seed));
      cid = (await createKuboIpfs({ url: standIn.url }).importFile([original])).cid;
    });

    it("cat POSTs /api/v0/cat with arg and offline=true and streams the file", async () => {
      const bytes = await collectBytes(createKuboIpfs({ url: standIn.url }).cat(cid));
      expect(hex(bytes)).toBe(hex(original));
      expect(standIn.requests[0]?.path).toBe("POST /api/v0/cat");
      expect(Object.fromEntries(standIn.requests[0]?.params ?? [])).toMatchObject({ arg: cid, offline: "true" });
    });

    it("car builds a verified CAR from offline block/get calls", async () => {
      const car = await collectBytes(createKuboIpfs({ url: standIn.url }).car(cid));
      const iterator = await CarBlockIterator.fromBytes(car);
      expect((await iterator.getRoots()).map(String)).toEqual([cid]);
      let blocks = 0;
      for await (const block of iterator) {
        expect(hex(createHash("sha256").update(block.bytes).digest())).toBe(hex(block.cid.multihash.digest));
        blocks++;
      }
      expect(blocks).toBe(3); // root + 2 raw leaves
      expect(standIn.requests.every((r) => r.path === "POST /api/v0/block/get" && r.params.get("offline") === "true")).toBe(true);
    });

    it("block rejects a block whose bytes do not hash to the CID (BLOCK_HASH_MISMATCH)", async () => {
      standIn.tamperBlocks = true;
      const error = await rejectionOf(createKuboIpfs({ url: standIn.url }).block(cid));
      expect(isIpfsError(error, "BLOCK_HASH_MISMATCH")).toBe(true);
    });

    it("has is true for a stored DAG and false when Kubo says the block is not found", async () => {
      const ipfs = createKuboIpfs({ url: standIn.url });
      expect(await ipfs.has(cid)).toBe(true);
      expect(await ipfs.has("bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku", { shallow: true })).toBe(false);
      expect(standIn.requests.at(-1)?.path).toBe("POST /api/v0/block/stat");
    });

    it("cat of missing content throws CONTENT_NOT_FOUND (404)", async () => {
      const error = await rejectionOf(collectBytes(createKuboIpfs({ url: standIn.url }).cat("bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku")));
      expect(isIpfsError(error, "CONTENT_NOT_FOUND")).toBe(true);
    });

    it("pin POSTs /api/v0/pin/add with the CID", async () => {
      await createKuboIpfs({ url: standIn.url }).pin(cid);
      expect(standIn.requests[0]?.path).toBe("POST /api/v0/pin/add");
      expect(standIn.requests[0]?.params.get("arg")).toBe(cid);
    });
  });
});
