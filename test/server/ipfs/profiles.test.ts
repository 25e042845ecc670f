import { readFileSync } from "node:fs";
import * as dagPb from "@ipld/dag-pb";
import { UnixFS } from "ipfs-unixfs";
import { CID } from "multiformats/cid";
import { describe, expect, it } from "vitest";
import { IMPORT_PROFILES, getImportProfile } from "../../../server/src/services/ipfs/profiles.ts";
import { importFile } from "../../../server/src/services/ipfs/import.ts";
import { isIpfsError } from "../../../server/src/services/ipfs/errors.ts";
import { asAsync, hex, kuboDeterministicBytes, MemoryBlocks, sha256Of } from "./helpers.ts";
import type { ImportProfileName } from "../../../server/src/services/ipfs/profiles.ts";

interface Vector {
  name: string;
  profile: ImportProfileName;
  input: { kind: "utf8"; text: string } | { kind: "chacha20"; seed: string; size: number };
  cid: string;
  source: string;
  shape?: { rootCodec: "raw" | "dag-pb"; rootLinks?: number; rootBlockSizes?: number[]; childLinks?: number[] };
}
const file = JSON.parse(readFileSync(new URL("./kubo-vectors.json", import.meta.url), "utf8")) as {
  generator: { selfCheck: { keyHex: string; keystreamHex: string } };
  sources: Record<string, { repo: string; path: string; commit: string }>;
  vectors: Vector[];
};

const DAG_PB = 0x70;
const RAW = 0x55;

function inputOf(v: Vector): Iterable<Uint8Array> {
  return v.input.kind === "utf8" ? [new TextEncoder().encode(v.input.text)] : kuboDeterministicBytes(v.input.size, v.input.seed);
}
function sizeOf(v: Vector): number {
  return v.input.kind === "utf8" ? new TextEncoder().encode(v.input.text).byteLength : v.input.size;
}

describe("kubo vector data generator", () => {
  it("reproduces the RFC 8439 A.1 #1 ChaCha20 keystream", () => {
    const { keyHex, keystreamHex } = file.generator.selfCheck;
    const [first] = kuboDeterministicBytes(64, Buffer.from(keyHex, "hex"));
    expect(hex(first as Uint8Array)).toBe(keystreamHex);
  });
});

describe("getImportProfile", () => {
  it("returns unixfs-v1-2025 when no name is given", () => {
    expect(getImportProfile().name).toBe("unixfs-v1-2025");
  });

  it("accepts the IPIP-499 name of the legacy profile", () => {
    expect(getImportProfile("unixfs-v0-2015")).toBe(IMPORT_PROFILES["kubo-legacy"]);
  });

  it("throws UNKNOWN_PROFILE for anything else", () => {
    try {
      getImportProfile("trickle");
      expect.unreachable();
    } catch (error) {
      expect(isIpfsError(error, "UNKNOWN_PROFILE")).toBe(true);
    }
  });

  it("pins the parameters IPIP-499 defines for each profile", () => {
    expect(IMPORT_PROFILES["unixfs-v1-2025"]).toMatchObject({
      cidVersion: 1,
      rawLeaves: true,
      chunkSize: 1_048_576,
      maxChildrenPerNode: 1024,
      hash: "sha2-256",
    });
    expect(IMPORT_PROFILES["kubo-legacy"]).toMatchObject({ cidVersion: 0, rawLeaves: false, chunkSize: 262_144, maxChildrenPerNode: 174, hash: "sha2-256" });
  });
});

describe("importFile with the import profiles", () => {
  it("cites a Kubo source file and commit for every vector", () => {
    expect(file.vectors.length).toBeGreaterThanOrEqual(15);
    for (const v of file.vectors) {
      const source = file.sources[v.source];
      expect(source?.repo, v.name).toBe("ipfs/kubo");
      expect(source?.commit, v.name).toMatch(/^[0-9a-f]{40}$/);
    }
  });

  for (const profile of ["kubo-legacy", "unixfs-v1-2025"] as const) {
    describe(`when the profile is ${profile}`, () => {
      for (const v of file.vectors.filter((x) => x.profile === profile)) {
        it(`gives Kubo's published CID for ${v.name}`, { timeout: 120_000 }, async () => {
          // Keep dag-pb nodes (small) for the shape checks; drop raw leaves so 1 GiB vectors stay cheap.
          const blocks = new MemoryBlocks((cid) => cid.code === DAG_PB || sizeOf(v) < 50_000_000);
          const result = await importFile(asAsync(inputOf(v)), { blockstore: blocks, profile });

          expect(result.cid).toBe(v.cid);
          expect(result.size).toBe(BigInt(sizeOf(v)));
          expect(hex(result.sha256)).toBe(hex(await sha256Of(inputOf(v))));

          if (v.shape !== undefined) checkShape(blocks, CID.parse(v.cid), v.shape, BigInt(sizeOf(v)));
        });
      }
    });
  }
});

/** Decodes the stored root (and its children) and compares them with the structure Kubo's balanced layout gives. */
function checkShape(blocks: MemoryBlocks, root: CID, shape: NonNullable<Vector["shape"]>, fileSize: bigint): void {
  expect(root.code).toBe(shape.rootCodec === "raw" ? RAW : DAG_PB);
  if (shape.rootCodec === "raw") return;
  const node = dagPb.decode(blocks.blocks.get(root.toString()) as Uint8Array);
  const unixfs = UnixFS.unmarshal(node.Data as Uint8Array);
  expect(unixfs.type).toBe("file");
  expect(unixfs.fileSize()).toBe(fileSize);
  expect(node.Links).toHaveLength(shape.rootLinks ?? 0);
  if (shape.rootBlockSizes !== undefined) expect(unixfs.blockSizes).toEqual(shape.rootBlockSizes.map(BigInt));
  if (shape.childLinks !== undefined) {
    const counts = node.Links.map((link) => dagPb.decode(blocks.blocks.get(link.Hash.toString()) as Uint8Array).Links.length);
    expect(counts).toEqual(shape.childLinks);
  }
}
