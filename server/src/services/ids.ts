/**
 * Entry ids: UUID version 7 (RFC 9562 §5.7): 48 bits of Unix milliseconds, then random bits. Ids
 * that grow with time keep the store's id index append-only (random v4 ids scatter every insert).
 */
import { randomFillSync } from "node:crypto";

let pool = new Uint8Array(0);
let at = 0;

/**
 * A new UUIDv7 string.
 *
 * @example
 * uuidv7() // "019abc12-3def-7a01-8b2c-3d4e5f607182"
 */
export function uuidv7(now = Date.now()): string {
  if (at + 10 > pool.length) {
    pool = randomFillSync(new Uint8Array(4096));
    at = 0;
  }
  const b = new Uint8Array(16);
  let ms = now;
  for (let i = 5; i >= 0; i--) {
    b[i] = ms % 256;
    ms = Math.floor(ms / 256);
  }
  b.set(pool.subarray(at, at + 10), 6);
  at += 10;
  b[6] = 0x70 | (b[6]! & 0x0f); // version 7
  b[8] = 0x80 | (b[8]! & 0x3f); // RFC 9562 variant
  const h = Buffer.from(b).toString("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
