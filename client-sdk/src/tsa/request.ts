/**
 * RFC 3161 §2.4.1: the TimeStampReq a client sends for a Merkle batch root.
 */
import { derOid, derUnsignedInteger, tlv } from "../pki/der.ts";
import { checkDigest, checkOid, fail, OID_SHA256, type TimeStampRequestParams } from "./common.ts";

/**
 * Encodes a DER TimeStampReq (RFC 3161 §2.4.1): version 1, SHA-256 message imprint (AlgorithmIdentifier
 * without parameters, RFC 5754), optional reqPolicy, the nonce, certReq.
 *
 * @example
 * const req = encodeTimeStampRequest({ digest: root, nonce: randomNonce(), certReq: true });
 */
export function encodeTimeStampRequest(params: TimeStampRequestParams): Uint8Array {
  const digest = checkDigest(params?.digest);
  const { nonce } = params;
  if (typeof nonce !== "bigint" || nonce < 0n || nonce >= 1n << 160n) {
    fail("TSA_INVALID_ARGUMENT", `nonce must be a bigint in [0, 2^160): ${String(nonce)}`);
  }
  const policy = params.policy === undefined ? undefined : checkOid(params.policy, "policy");
  const certReq = params.certReq ?? true;
  const imprint = tlv(0x30, tlv(0x30, derOid(OID_SHA256)), tlv(0x04, digest));
  const parts = [derUnsignedInteger(1n), imprint];
  if (policy !== undefined) parts.push(derOid(policy));
  parts.push(derUnsignedInteger(nonce));
  if (certReq) parts.push(Uint8Array.of(0x01, 0x01, 0xff)); // certReq BOOLEAN DEFAULT FALSE: omitted when false
  return tlv(0x30, ...parts);
}

/** A random 64-bit nonce (WebCrypto), as RFC 3161 §2.4.1 suggests. */
export function randomNonce(): bigint {
  const b = new Uint8Array(8);
  globalThis.crypto.getRandomValues(b);
  let v = 0n;
  for (const x of b) v = (v << 8n) | BigInt(x);
  return v;
}
