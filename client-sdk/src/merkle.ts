/**
 * The one RFC 6962 / RFC 9162 Merkle tree of PriorProof (Certificate Transparency's tree, SHA-256):
 * leaf and node hashing, tree heads, inclusion proofs and their verification. The server builds its
 * batches with these functions and every verifier checks with them, so there is no second copy.
 */
import { sha256 } from "./sha256.ts";
import { concatBytes, equalBytes, toHex } from "./bytes.ts";
import { InputError, ProofError } from "./errors.ts";

/** RFC 9162 §2.1.1: a leaf is hashed as SHA-256(0x00 ‖ data). */
export const LEAF_PREFIX = 0x00;
/** RFC 9162 §2.1.1: an inner node is hashed as SHA-256(0x01 ‖ left ‖ right). */
export const NODE_PREFIX = 0x01;

/** An inclusion proof: the leaf's position, the tree's size, and the sibling hashes leaf → root. */
export interface InclusionProof {
  readonly index: bigint;
  readonly treeSize: bigint;
  readonly path: readonly Uint8Array[];
}

/**
 * Hashes leaf data with the leaf prefix.
 *
 * @example
 * toHex(hashLeaf(new Uint8Array())) // "0x6e340b9c…a01d" (RFC 6962 test vector)
 */
export function hashLeaf(data: Uint8Array): Uint8Array {
  return sha256(concatBytes(Uint8Array.of(LEAF_PREFIX), data));
}

/**
 * Hashes two children with the inner-node prefix.
 *
 * @example
 * hashChildren(hashLeaf(a), hashLeaf(b)) // head of the two-leaf tree [a, b]
 */
export function hashChildren(left: Uint8Array, right: Uint8Array): Uint8Array {
  const buf = new Uint8Array(65);
  buf[0] = NODE_PREFIX;
  buf.set(left, 1);
  buf.set(right, 33);
  return sha256(buf);
}

/**
 * A tree built once over its leaf hashes, keeping every level so that heads and proofs cost no
 * rehashing. RFC 9162 §2.1.1 splits n leaves at the largest power of two below n; building levels
 * bottom-up and carrying an unpaired last node up unchanged gives exactly that tree.
 *
 * @example
 * const tree = MerkleTree.fromLeafHashes(leaves.map(hashLeaf));
 * const proof = tree.proof(3n); // verifyInclusion(leaves[3] hash, proof, tree.root) passes
 */
export class MerkleTree {
  readonly levels: readonly (readonly Uint8Array[])[];

  private constructor(levels: Uint8Array[][]) {
    this.levels = levels;
  }

  /** Builds the tree over leaf hashes (each 32 bytes); at least one leaf. */
  static fromLeafHashes(leafHashes: readonly Uint8Array[]): MerkleTree {
    if (leafHashes.length === 0) throw new InputError("EMPTY_TREE", "a tree needs at least one leaf");
    const levels: Uint8Array[][] = [leafHashes.slice()];
    let level = levels[0] as Uint8Array[];
    while (level.length > 1) {
      const next: Uint8Array[] = [];
      for (let i = 0; i + 1 < level.length; i += 2) next.push(hashChildren(level[i] as Uint8Array, level[i + 1] as Uint8Array));
      if (level.length % 2 === 1) next.push(level[level.length - 1] as Uint8Array);
      levels.push(next);
      level = next;
    }
    return new MerkleTree(levels);
  }

  /** Number of leaves. */
  get size(): bigint {
    return BigInt((this.levels[0] as readonly Uint8Array[]).length);
  }

  /** The tree head. */
  get root(): Uint8Array {
    return (this.levels[this.levels.length - 1] as readonly Uint8Array[])[0] as Uint8Array;
  }

  /** The inclusion proof of leaf `index` (RFC 9162 §2.1.3.1 audit path, leaf to root). */
  proof(index: bigint): InclusionProof {
    if (index < 0n || index >= this.size) {
      throw new ProofError("INDEX_OUT_OF_RANGE", `index ${index} is outside a tree of ${this.size}`);
    }
    const path: Uint8Array[] = [];
    let i = Number(index);
    for (let depth = 0; depth < this.levels.length - 1; depth++) {
      const level = this.levels[depth] as readonly Uint8Array[];
      const sibling = i ^ 1;
      // An unpaired last node has no sibling at this level: it is carried up as it is.
      if (sibling < level.length) path.push(level[sibling] as Uint8Array);
      i >>= 1;
    }
    return { index, treeSize: this.size, path };
  }
}

/**
 * Recomputes the tree head from a leaf hash and its proof by the RFC 9162 §2.1.3.2 algorithm.
 * Bounds first, then the path length that (index, treeSize) dictates, then the fold.
 *
 * Throws `ProofError` with `INDEX_OUT_OF_RANGE`, `PATH_TOO_LONG` or `PATH_TOO_SHORT`.
 *
 * @example
 * toHex(rootFromInclusionProof(leafHash, proof)) === receiptRoot
 */
export function rootFromInclusionProof(leafHash: Uint8Array, proof: InclusionProof): Uint8Array {
  const { index, treeSize, path } = proof;
  if (treeSize < 1n || index < 0n || index >= treeSize) {
    throw new ProofError("INDEX_OUT_OF_RANGE", `index ${index} is outside a tree of ${treeSize}`);
  }
  if (leafHash.length !== 32) throw new InputError("INVALID_LENGTH", `leaf hash has ${leafHash.length} bytes, not 32`);
  const expected = inclusionPathLength(index, treeSize);
  if (path.length > expected) throw new ProofError("PATH_TOO_LONG", `path has ${path.length} nodes, the tree needs ${expected}`);
  if (path.length < expected) throw new ProofError("PATH_TOO_SHORT", `path has ${path.length} nodes, the tree needs ${expected}`);

  let fn = index;
  let sn = treeSize - 1n;
  let r = leafHash;
  for (const p of path) {
    if (p.length !== 32) throw new InputError("INVALID_LENGTH", `path node has ${p.length} bytes, not 32`);
    if ((fn & 1n) === 1n || fn === sn) {
      r = hashChildren(p, r);
      // A right-most node with no right sibling climbs until it is a right child (§2.1.3.2 step 4b).
      while ((fn & 1n) === 0n && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      r = hashChildren(r, p);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  return r;
}

/**
 * Verifies that `leafHash` is included at `proof.index` of the tree with head `root`.
 * Throws `ProofError` (`ROOT_MISMATCH` when the fold does not reach `root`).
 *
 * @example
 * verifyInclusion(hashLeaf(leafData), proof, root) // returns nothing, or throws
 */
export function verifyInclusion(leafHash: Uint8Array, proof: InclusionProof, root: Uint8Array): void {
  const computed = rootFromInclusionProof(leafHash, proof);
  if (!equalBytes(computed, root)) {
    throw new ProofError("ROOT_MISMATCH", `path leads to ${toHex(computed)}, not ${toHex(root)}`);
  }
}

/** Tests whether `leafHash` is included at `proof.index` of the tree with head `root`. */
export function isIncluded(leafHash: Uint8Array, proof: InclusionProof, root: Uint8Array): boolean {
  try {
    verifyInclusion(leafHash, proof, root);
    return true;
  } catch {
    return false;
  }
}

/**
 * Number of nodes in the inclusion path of leaf `index` in a tree of `treeSize` leaves: the levels
 * at which the leaf's ancestor has a sibling (the last node of an odd level has none).
 */
export function inclusionPathLength(index: bigint, treeSize: bigint): number {
  let length = 0;
  let fn = index;
  let last = treeSize - 1n;
  while (last > 0n) {
    if ((fn & 1n) === 1n || fn !== last) length++;
    fn >>= 1n;
    last >>= 1n;
  }
  return length;
}
