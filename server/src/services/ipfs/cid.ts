/**
 * CIDs at the trust edge: parsing untrusted input, and checking that block bytes really hash to
 * the CID they are stored or served under (a CID is a hash; a block that does not match it is not
 * that block).
 */
import { createHash } from "node:crypto";
import { CID } from "multiformats/cid";
import { IpfsError } from "./errors.ts";

/** Multicodec codes this layer reads (https://github.com/multiformats/multicodec/blob/master/table.csv). */
export const CODEC_RAW = 0x55;
export const CODEC_DAG_PB = 0x70;
const MULTIHASH_IDENTITY = 0x00;
const MULTIHASH_SHA2_256 = 0x12;

/**
 * Parses a CID given as a string (any multibase, or base58btc CIDv0) or a `CID` instance.
 *
 * @throws IpfsError `INVALID_CID` for anything else.
 */
export function parseCid(input: unknown): CID {
  if (typeof input === "string") {
    try {
      return CID.parse(input.trim());
    } catch (cause) {
      throw new IpfsError("INVALID_CID", `not a CID: ${JSON.stringify(input.slice(0, 100))}`, { cause });
    }
  }
  const cid = CID.asCID(input);
  if (cid === null) throw new IpfsError("INVALID_CID", "not a CID");
  return cid;
}

/**
 * Checks that `bytes` hash to `cid`'s multihash. Only sha2-256 (what every profile writes) and
 * identity (inline data) are accepted.
 *
 * @throws IpfsError `BLOCK_HASH_MISMATCH` when they do not, `UNSUPPORTED_CID` for other hashes.
 */
export function verifyBlock(cid: CID, bytes: Uint8Array): void {
  const { code, digest } = cid.multihash;
  let actual: Uint8Array;
  if (code === MULTIHASH_SHA2_256) {
    actual = createHash("sha256").update(bytes).digest();
  } else if (code === MULTIHASH_IDENTITY) {
    actual = bytes;
  } else {
    throw new IpfsError("UNSUPPORTED_CID", `unsupported multihash 0x${code.toString(16)} in ${cid}`);
  }
  if (!equalBytes(actual, digest)) {
    throw new IpfsError("BLOCK_HASH_MISMATCH", `block bytes do not hash to ${cid}`);
  }
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}
