/**
 * DER / BER helpers shared by the RFC 3161 and CMS code: a strict structure check (asn1js alone is
 * lenient about a child overrunning its parent), tree navigation, small encoders, integers and base64.
 * No I/O; no error family of its own — callers turn a problem into their own code.
 */
import * as asn1js from "asn1js";
import { toHex } from "../bytes.ts";

/** Lower-case hex without `0x`. */
export function hexOf(bytes: Uint8Array): string {
  return toHex(bytes).slice(2);
}

/** A copy of the bytes of a view or buffer. */
export function toBytes(view: ArrayBuffer | Uint8Array): Uint8Array {
  return view instanceof Uint8Array ? new Uint8Array(view) : new Uint8Array(view.slice(0));
}

export function isBytes(v: unknown): v is Uint8Array {
  return v instanceof Uint8Array;
}

/**
 * Checks that `bytes` is exactly one well-formed BER element: every definite length is exactly filled
 * by its children, indefinite lengths (constructed only) end with end-of-contents, nothing trails, and
 * nesting is at most 64 deep. Returns the problem, or undefined when the structure is sound.
 * OpenSSL is strict here, and what we accept must be what OpenSSL accepts.
 */
export function berProblem(bytes: Uint8Array): string | undefined {
  const elements = (start: number, end: number, depth: number, indefinite: boolean): number | string => {
    let pos = start;
    for (;;) {
      if (indefinite) {
        if (pos + 2 > end) return "missing end-of-contents";
        if (bytes[pos] === 0 && bytes[pos + 1] === 0) return pos + 2;
      } else if (pos === end) {
        return pos;
      }
      if (depth > 64) return "nesting too deep";
      const tag = bytes[pos++] ?? 0;
      if ((tag & 0x1f) === 0x1f) {
        let n = 0;
        while (pos < end && ((bytes[pos] ?? 0) & 0x80) !== 0 && n < 4) {
          pos++;
          n++;
        }
        if (pos >= end || n >= 4) return "bad tag";
        pos++;
      }
      if (pos >= end) return "truncated length";
      const first = bytes[pos++] ?? 0;
      const constructed = (tag & 0x20) !== 0;
      if (first === 0x80) {
        if (!constructed) return "indefinite length on a primitive";
        const r = elements(pos, end, depth + 1, true);
        if (typeof r === "string") return r;
        pos = r;
        continue;
      }
      let len = first;
      if (first > 0x80) {
        const n = first & 0x7f;
        if (n > 4 || pos + n > end) return "bad length";
        len = 0;
        for (let i = 0; i < n; i++) len = len * 256 + (bytes[pos++] ?? 0);
      }
      if (pos + len > end) return "length overruns its container";
      if (constructed) {
        const r = elements(pos, pos + len, depth + 1, false);
        if (typeof r === "string") return r;
      }
      pos += len;
      if (!indefinite && depth === 0) return pos === end ? pos : "trailing bytes";
    }
  };
  const r = elements(0, bytes.length, 0, false);
  return typeof r === "string" ? r : undefined;
}

/**
 * Decodes exactly one well-formed BER element, or says why not.
 *
 * @example
 * const r = decodeBer(der); if ("problem" in r) throw new Error(r.problem);
 */
export function decodeBer(bytes: Uint8Array): { node: asn1js.AsnType } | { problem: string } {
  if (!isBytes(bytes) || bytes.length === 0) return { problem: "expected non-empty der bytes" };
  const problem = berProblem(bytes);
  if (problem) return { problem: `malformed encoding (${problem})` };
  const r = asn1js.fromBER(bytes);
  if (r.offset === -1 || r.result.error) return { problem: `not der (${r.result.error || "decode error"})` };
  if (r.offset !== bytes.length) return { problem: `${bytes.length - r.offset} trailing bytes after the der element` };
  return { node: r.result };
}

export function isUniversal(node: unknown, tagNumber: number): node is asn1js.BaseBlock {
  return node instanceof asn1js.BaseBlock && node.idBlock.tagClass === 1 && node.idBlock.tagNumber === tagNumber;
}

export function children(node: asn1js.BaseBlock): asn1js.BaseBlock[] {
  const value = (node.valueBlock as { value?: unknown }).value;
  return Array.isArray(value) ? (value as asn1js.BaseBlock[]) : [];
}

/** Two's-complement big-endian bytes as a bigint. */
export function signedBigInt(bytes: Uint8Array): bigint {
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  if (bytes.length > 0 && ((bytes[0] ?? 0) & 0x80) !== 0) v -= 1n << BigInt(bytes.length * 8);
  return v;
}

/** An INTEGER as lower-case hex without 0x (a leading `-` when negative). */
export function integerHex(int: asn1js.Integer): string {
  const v = signedBigInt(int.valueBlock.valueHexView);
  return v < 0n ? `-${(-v).toString(16)}` : v.toString(16);
}

// ------------------------------------------------------------------------------------ DER encoding

export function derLength(n: number): Uint8Array {
  if (n < 0x80) return Uint8Array.of(n);
  const out: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) out.unshift(v % 256);
  return Uint8Array.of(0x80 | out.length, ...out);
}

/** One DER element: tag ‖ length ‖ the parts. */
export function tlv(tag: number, ...parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const len = derLength(length);
  const out = new Uint8Array(1 + len.length + length);
  out[0] = tag;
  out.set(len, 1);
  let o = 1 + len.length;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function derUnsignedInteger(v: bigint): Uint8Array {
  const bytes: number[] = [];
  for (let x = v; x > 0n; x >>= 8n) bytes.unshift(Number(x & 0xffn));
  if (bytes.length === 0 || ((bytes[0] ?? 0) & 0x80) !== 0) bytes.unshift(0);
  return tlv(0x02, Uint8Array.from(bytes));
}

export function derOid(oid: string): Uint8Array {
  const arcs = oid.split(".").map((s) => BigInt(s));
  const body: number[] = [];
  const push = (arc: bigint): void => {
    const chunk: number[] = [Number(arc & 0x7fn)];
    for (let x = arc >> 7n; x > 0n; x >>= 7n) chunk.unshift(Number(x & 0x7fn) | 0x80);
    body.push(...chunk);
  };
  push((arcs[0] ?? 0n) * 40n + (arcs[1] ?? 0n));
  for (const arc of arcs.slice(2)) push(arc);
  return tlv(0x06, Uint8Array.from(body));
}

// ---------------------------------------------------------------------------------------- base64

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** Standard base64 with padding. */
export function bytesToBase64(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i += 3) {
    const a = bytes[i] ?? 0;
    const b = bytes[i + 1];
    const c = bytes[i + 2];
    out += (B64[a >> 2] ?? "") + (B64[((a & 3) << 4) | ((b ?? 0) >> 4)] ?? "");
    out += b === undefined ? "=" : (B64[((b & 15) << 2) | ((c ?? 0) >> 6)] ?? "");
    out += c === undefined ? "=" : (B64[c & 63] ?? "");
  }
  return out;
}

/** Strict standard base64 (padding required); undefined when `text` is not base64. */
export function decodeBase64(text: string): Uint8Array | undefined {
  if (typeof text !== "string" || text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return undefined;
  const pad = text.endsWith("==") ? 2 : text.endsWith("=") ? 1 : 0;
  const out = new Uint8Array((text.length / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < text.length; i += 4) {
    const n = [0, 1, 2, 3].map((k) => {
      const ch = text[i + k] ?? "=";
      return ch === "=" ? 0 : B64.indexOf(ch);
    });
    const v = ((n[0] ?? 0) << 18) | ((n[1] ?? 0) << 12) | ((n[2] ?? 0) << 6) | (n[3] ?? 0);
    for (const byte of [(v >> 16) & 255, (v >> 8) & 255, v & 255]) if (o < out.length) out[o++] = byte;
  }
  return out;
}

/** Splits PEM text into the DER bodies of every `-----BEGIN <label>-----` block with that label, in order. */
export function pemBlocks(pem: string, label: string): Uint8Array[] {
  const out: Uint8Array[] = [];
  const re = new RegExp(`-----BEGIN ${label}-----([\\s\\S]*?)-----END ${label}-----`, "g");
  for (const m of pem.matchAll(re)) {
    const der = decodeBase64((m[1] ?? "").replace(/\s+/g, ""));
    if (der) out.push(der);
  }
  return out;
}
