/** Getting tokens from an OpenSSL test TSA over HTTP, and small byte utilities for the TSA tests. */
import { createHash } from "node:crypto";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { TimestampTokenError, encodeTimeStampRequest, parseTimeStampResponse } from "../../client-sdk/src/tsa.ts";
import type { OpensslTsa } from "./openssl-tsa.ts";

export interface Stamp {
  readonly digest: Uint8Array;
  readonly nonce: bigint;
  readonly token: Uint8Array;
  readonly response: Uint8Array;
}

/** POSTs a TimeStampReq for `digest` to the test TSA and returns the granted token. */
export async function stamp(tsa: OpensslTsa, digest: Uint8Array = crypto.getRandomValues(new Uint8Array(32)), policy?: string): Promise<Stamp> {
  const nonce = BigInt(`0x${Buffer.from(crypto.getRandomValues(new Uint8Array(8))).toString("hex")}`);
  const body = encodeTimeStampRequest({ digest, nonce, certReq: true, ...(policy ? { policy } : {}) });
  const res = await fetch(tsa.url, { method: "POST", headers: { "content-type": "application/timestamp-query" }, body: new Uint8Array(body) });
  if (res.status !== 200) throw new Error(`tsa http ${res.status}`);
  const response = new Uint8Array(await res.arrayBuffer());
  return { digest, nonce, token: parseTimeStampResponse(response).token, response };
}

export function sha256Hex(b: Uint8Array): string {
  return createHash("sha256").update(b).digest("hex");
}

/** Offset of `needle` in `hay`; throws unless it occurs exactly once. */
export function indexOfOnce(hay: Uint8Array, needle: Uint8Array): number {
  const h = Buffer.from(hay);
  const first = h.indexOf(Buffer.from(needle));
  if (first < 0 || h.indexOf(Buffer.from(needle), first + 1) >= 0) throw new Error(`needle found ${first < 0 ? "0" : "several"} times`);
  return first;
}

/** Byte ranges [start, end) of the parts of a token the TSA signature covers (directly or via the ESS hash). */
export interface SignedRegions {
  readonly tstInfo: readonly [number, number];
  readonly signedAttrs: readonly [number, number];
  readonly signature: readonly [number, number];
  readonly signerCert: readonly [number, number];
}

export function signedRegions(token: Uint8Array, signerCertDer: Uint8Array): SignedRegions {
  const ci = new pkijs.ContentInfo({ schema: asn1js.fromBER(new Uint8Array(token)).result });
  const sd = new pkijs.SignedData({ schema: ci.content });
  const eContent = new Uint8Array((sd.encapContentInfo.eContent as asn1js.OctetString).getValue());
  const si = sd.signerInfos[0] as pkijs.SignerInfo;
  const attrs = new Uint8Array(si.signedAttrs?.encodedValue ?? new ArrayBuffer(0));
  const sig = new Uint8Array(si.signature.valueBlock.valueHexView);
  const range = (needle: Uint8Array, from = 0): readonly [number, number] => {
    const at = indexOfOnce(token, needle.subarray(from)) - from;
    return [at, at + needle.length];
  };
  // signedAttrs are stored with tag [0] (0xa0) but signed with SET OF (0x31): match from byte 1.
  return { tstInfo: range(eContent), signedAttrs: range(attrs, 1), signature: range(sig), signerCert: range(signerCertDer) };
}

export function flip(token: Uint8Array, offset: number, mask = 0x01): Uint8Array {
  const out = new Uint8Array(token);
  out[offset] = (out[offset] ?? 0) ^ mask;
  return out;
}

/** Resolves to the error code of a rejected verification, or "ok". */
export async function outcome(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return "ok";
  } catch (e) {
    return e instanceof TimestampTokenError ? e.code : `untyped: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`;
  }
}
