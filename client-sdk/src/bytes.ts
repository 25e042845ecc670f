import { InputError } from "./errors.ts";

const HEX = /^0x[0-9a-f]*$/;
/** Byte → two hex digits, and char code → nibble (-1 for anything but 0-9 a-f): hex is on every hot path. */
const BYTE_HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, "0"));
const NIBBLE = new Int8Array(128).fill(-1);
for (let c = 0; c < 16; c++) NIBBLE["0123456789abcdef".charCodeAt(c)] = c;

/**
 * Encodes bytes as lower-case `0x` hex, the only hex form PriorProof writes.
 *
 * @example
 * toHex(new Uint8Array([1, 255])) // "0x01ff"
 */
export function toHex(bytes: Uint8Array): `0x${string}` {
  let out = "0x";
  for (let i = 0; i < bytes.length; i++) out += BYTE_HEX[bytes[i] as number];
  return out as `0x${string}`;
}

/**
 * Decodes lower-case `0x` hex; throws `INVALID_HEX` for anything else and `INVALID_LENGTH` when
 * `length` (in bytes) is given and not met.
 *
 * @example
 * fromHex("0x01ff") // Uint8Array [1, 255]
 */
export function fromHex(hex: string, length?: number): Uint8Array {
  const bad = () => new InputError("INVALID_HEX", `not lower-case 0x hex: ${JSON.stringify(String(hex)).slice(0, 80)}`);
  if (typeof hex !== "string" || hex.length % 2 !== 0 || hex.charCodeAt(0) !== 48 || hex.charCodeAt(1) !== 120) throw bad();
  const out = new Uint8Array((hex.length - 2) / 2);
  for (let i = 0, j = 2; i < out.length; i++, j += 2) {
    const hi = NIBBLE[hex.charCodeAt(j)] ?? -1;
    const lo = NIBBLE[hex.charCodeAt(j + 1)] ?? -1;
    if (hi < 0 || lo < 0) throw bad();
    out[i] = (hi << 4) | lo;
  }
  if (length !== undefined && out.length !== length) {
    throw new InputError("INVALID_LENGTH", `expected ${length} bytes, got ${out.length}: ${hex.slice(0, 80)}`);
  }
  return out;
}

/** Tests whether `hex` is lower-case `0x` hex of exactly 32 bytes (a SHA-256 digest or tree node). */
export function isHex32(hex: unknown): hex is `0x${string}` {
  return typeof hex === "string" && hex.length === 66 && HEX.test(hex);
}

/** Concatenates byte arrays. */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** Constant-shape byte equality (the verifier compares public values, so timing does not matter). */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}
