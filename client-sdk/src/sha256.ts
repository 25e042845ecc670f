/**
 * SHA-256 of small byte strings (tree nodes, leaves, claims): Node's native `crypto.hash` where it
 * exists (about twice the speed of JavaScript for 65-byte inputs, measured by `npm run bench`), and
 * the audited pure-JavaScript `@noble/hashes` in browsers and other runtimes. Both give the same
 * digest; test/client-sdk/merkle.test.ts checks them against each other and against RFC 6962 vectors.
 *
 * `process.getBuiltinModule` (Node ≥ 22.3) reaches node:crypto without an import, so bundlers for
 * the browser see no Node module.
 */
import { sha256 as nobleSha256 } from "@noble/hashes/sha2.js";

type NodeHash = (algorithm: string, data: Uint8Array, encoding: "buffer") => Uint8Array;

const nodeHash: NodeHash | undefined = (() => {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const crypto = proc?.getBuiltinModule?.("node:crypto") as { hash?: NodeHash } | undefined;
  return typeof crypto?.hash === "function" ? crypto.hash : undefined;
})();

/** The portable implementation, exported so tests can compare it with the native one. */
export const sha256Portable = (data: Uint8Array): Uint8Array => nobleSha256(data);

/**
 * SHA-256 of `data`.
 *
 * @example
 * toHex(sha256(new Uint8Array())) // "0xe3b0c442…b855"
 */
export const sha256: (data: Uint8Array) => Uint8Array = nodeHash
  ? (data) => {
      // A copy: the Buffer may be a slice of Node's shared pool, and callers may read `.buffer`.
      return new Uint8Array(nodeHash("sha256", data, "buffer"));
    }
  : sha256Portable;

/** Which implementation `sha256` uses here. */
export const sha256Implementation: "node:crypto" | "@noble/hashes" = nodeHash ? "node:crypto" : "@noble/hashes";
