/**
 * Writes docs/vectors/merkle.json: RFC 6962 / RFC 9162 tree heads and inclusion proofs, positive and
 * negative, that the TypeScript verifier and the Solidity contract both check.
 *
 * The expected values are computed here by a deliberately separate reference: the recursive
 * definitions of RFC 6962 §2.1 (MTH) and §2.1.1 (PATH) written out literally with node:crypto, not the
 * SDK's iterative tree. Sizes 1..8 use the Certificate Transparency leaves, whose heads are published.
 *
 * Usage: node scripts/generate-merkle-vectors.ts [--check]
 */
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";

const OUT = new URL("../docs/vectors/merkle.json", import.meta.url);

const sha = (...parts: Buffer[]) => createHash("sha256").update(Buffer.concat(parts)).digest();
const leafHash = (d: Buffer) => sha(Buffer.from([0x00]), d);
const nodeHash = (l: Buffer, r: Buffer) => sha(Buffer.from([0x01]), l, r);
const hex = (b: Buffer) => "0x" + b.toString("hex");

/** Largest power of two strictly less than n (n ≥ 2). */
function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** RFC 6962 §2.1: MTH(D[n]) over leaf hashes. */
function mth(leaves: Buffer[]): Buffer {
  if (leaves.length === 1) return leaves[0]!;
  const k = split(leaves.length);
  return nodeHash(mth(leaves.slice(0, k)), mth(leaves.slice(k)));
}

/** RFC 6962 §2.1.1: PATH(m, D[n]), leaf to root. */
function path(m: number, leaves: Buffer[]): Buffer[] {
  if (leaves.length === 1) return [];
  const k = split(leaves.length);
  return m < k ? [...path(m, leaves.slice(0, k)), mth(leaves.slice(k))] : [...path(m - k, leaves.slice(k)), mth(leaves.slice(0, k))];
}

const CT_LEAF_DATA = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"];
/** Published Certificate Transparency heads for the first n CT leaves (n = 1..8). */
const CT_ROOTS = [
  "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
  "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
  "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
  "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
  "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
  "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
  "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
  "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];

function leavesFor(size: number): Buffer[] {
  if (size <= 8) return CT_LEAF_DATA.slice(0, size).map((h) => leafHash(Buffer.from(h, "hex")));
  // Larger trees: leaf i's data is i as a 4-byte big-endian integer.
  return Array.from({ length: size }, (_, i) => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(i);
    return leafHash(b);
  });
}

interface Vector {
  name: string;
  leafHash: string;
  index: number;
  treeSize: number;
  path: string[];
  root: string;
  /** The tree size recorded with `root` on chain; a proof naming another size is not a proof of it. */
  anchoredTreeSize: number;
  valid: boolean;
  /**
   * The error code the SDK verifier must raise (TREE_SIZE_MISMATCH: the proof's size is not the anchored
   * one; RFC 9162 binds a proof to a tree size only through the signed — here anchored — tree head).
   * The contract reverts on INDEX_OUT_OF_RANGE and returns false for every other failure.
   */
  error?: string;
}

const SIZES = [1, 2, 3, 4, 5, 6, 7, 8, 1000, 1023, 1024, 1025];
const trees: { size: number; leafData: string; root: string }[] = [];
const inclusion: Vector[] = [];

for (const size of SIZES) {
  const leaves = leavesFor(size);
  const root = mth(leaves);
  if (size <= 8 && root.toString("hex") !== CT_ROOTS[size - 1]) {
    throw new Error(`reference MTH disagrees with the published CT head for size ${size}`);
  }
  trees.push({ size, leafData: size <= 8 ? "certificate-transparency" : "uint32-be(i)", root: hex(root) });
  const indices = size <= 8 ? [...Array(size).keys()] : [0, 1, Math.floor(size / 2), size - 2, size - 1];
  for (const m of indices) {
    inclusion.push({
      name: `size ${size} leaf ${m}`,
      leafHash: hex(leaves[m]!),
      index: m,
      treeSize: size,
      path: path(m, leaves).map(hex),
      root: hex(root),
      anchoredTreeSize: size,
      valid: true,
    });
  }
}

// Negative vectors, built on valid ones.
function negatives(size: number, m: number): void {
  const leaves = leavesFor(size);
  const root = mth(leaves);
  const p = path(m, leaves);
  const base = { leafHash: hex(leaves[m]!), index: m, treeSize: size, path: p.map(hex), root: hex(root), anchoredTreeSize: size };
  const flip = (b: Buffer) => {
    const c = Buffer.from(b);
    c[31]! ^= 0x01;
    return c;
  };
  if (p.length > 0) {
    inclusion.push({
      ...base,
      name: `size ${size} leaf ${m}: flipped sibling`,
      path: [hex(flip(p[0]!)), ...p.slice(1).map(hex)],
      valid: false,
      error: "ROOT_MISMATCH",
    });
    inclusion.push({ ...base, name: `size ${size} leaf ${m}: short path`, path: p.slice(0, -1).map(hex), valid: false, error: "PATH_TOO_SHORT" });
  }
  inclusion.push({ ...base, name: `size ${size} leaf ${m}: long path`, path: [...p, leaves[0]!].map(hex), valid: false, error: "PATH_TOO_LONG" });
  inclusion.push({ ...base, name: `size ${size} leaf ${m}: wrong root`, root: hex(flip(root)), valid: false, error: "ROOT_MISMATCH" });
  inclusion.push({ ...base, name: `size ${size} leaf ${m}: wrong leaf`, leafHash: hex(flip(leaves[m]!)), valid: false, error: "ROOT_MISMATCH" });
  inclusion.push({ ...base, name: `size ${size} leaf ${m}: index = size`, index: size, valid: false, error: "INDEX_OUT_OF_RANGE" });
  if (size > 1) {
    const other = m === 0 ? 1 : m - 1;
    inclusion.push({
      ...base,
      name: `size ${size} leaf ${m}: wrong index`,
      index: other,
      valid: false,
      error: path(other, leaves).length === p.length ? "ROOT_MISMATCH" : undefined,
    });
    inclusion.push({ ...base, name: `size ${size} leaf ${m}: wrong tree size`, treeSize: size + 1, valid: false, error: "TREE_SIZE_MISMATCH" });
  }
}
for (const [size, m] of [
  [1, 0],
  [2, 1],
  [3, 2],
  [5, 4],
  [7, 3],
  [8, 5],
  [1000, 999],
  [1023, 511],
  [1025, 1024],
] as const)
  negatives(size, m);
// Drop `error` where either of two codes may apply (the verifier must still fail).
for (const v of inclusion) if (v.error === undefined) delete v.error;

// An inner node presented as a leaf: the node over leaves 0 and 1 of an 8-leaf tree, index 0, with the
// remaining path. The tree size fixes the path length at 3, so this 2-node path fails.
{
  const leaves = leavesFor(8);
  const inner = nodeHash(leaves[0]!, leaves[1]!);
  inclusion.push({
    name: "inner node of size 8 presented as leaf 0",
    leafHash: hex(inner),
    index: 0,
    treeSize: 8,
    path: path(0, leaves).slice(1).map(hex),
    root: hex(mth(leaves)),
    anchoredTreeSize: 8,
    valid: false,
    error: "PATH_TOO_SHORT",
  });
}

// Domain separation: the children of an inner node given as leaf *data* hash (with 0x00) to something
// else than the inner node, so even against a 4-leaf reading of the upper levels the proof fails.
const leaves8 = leavesFor(8);
const upper = [0, 2, 4, 6].map((i) => nodeHash(leaves8[i]!, leaves8[i + 1]!));
const domainSeparation = {
  description:
    "leafData is the two children of the first inner node of the size-8 CT tree. Read as a 4-leaf tree of inner nodes the path below leads to the " +
    "size-8 head, but a verifier that hashes leafData with the 0x00 leaf prefix gets another leaf hash, so it must fail (ROOT_MISMATCH).",
  leafData: hex(Buffer.concat([leaves8[0]!, leaves8[1]!])),
  index: 0,
  treeSize: 4,
  path: path(0, upper).map(hex),
  root: hex(mth(leaves8)),
  anchoredTreeSize: 4,
  valid: false,
  error: "ROOT_MISMATCH",
};
if (!mth(upper).equals(mth(leaves8))) throw new Error("the upper levels should reproduce the head");

const doc = {
  description:
    "PriorProof RFC 6962 / RFC 9162 vectors (SHA-256). Heads of sizes 1-8 are the published Certificate Transparency values; everything is " +
    "recomputed by scripts/generate-merkle-vectors.ts from the RFC's recursive definitions.",
  leafPrefix: "0x00",
  nodePrefix: "0x01",
  trees,
  inclusion,
  domainSeparation,
};
const text = JSON.stringify(doc, null, 2) + "\n";
if (process.argv.includes("--check")) {
  if (readFileSync(OUT, "utf8") !== text) {
    console.error("docs/vectors/merkle.json is stale: run node scripts/generate-merkle-vectors.ts");
    process.exit(1);
  }
  console.log(`docs/vectors/merkle.json is current (${inclusion.length} inclusion vectors)`);
} else {
  writeFileSync(OUT, text);
  console.log(`wrote docs/vectors/merkle.json (${inclusion.length} inclusion vectors)`);
}
