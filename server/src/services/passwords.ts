/**
 * Console passwords: scrypt (RFC 7914, memory-hard) from node:crypto with a random 16-byte salt per
 * password and the parameters stored with the hash, so that they can be raised later without
 * invalidating stored hashes: `scrypt$ln=15,r=8,p=1$<salt base64url>$<hash base64url>`.
 * N = 2^15, r = 8, p = 1 takes 32 MiB and about 0.1 s per hash (OWASP now suggests N = 2^17 at 128 MiB;
 * since the parameters are stored per hash, DEFAULT_SCRYPT can be raised where the host has the memory).
 */
import { randomBytes, scrypt, timingSafeEqual } from "node:crypto";

export interface ScryptParams {
  /** log2 of the cost N. */
  readonly ln: number;
  readonly r: number;
  readonly p: number;
}

export const DEFAULT_SCRYPT: ScryptParams = { ln: 15, r: 8, p: 1 };
const KEY_BYTES = 32;
const SALT_BYTES = 16;
/** Longer passwords are refused before any hashing (bounded work per request). */
export const MAX_PASSWORD_CHARS = 1024;
export const MIN_PASSWORD_CHARS = 10;

function derive(password: string, salt: Buffer, p: ScryptParams): Promise<Buffer> {
  const N = 2 ** p.ln;
  // Twice the memory the parameters need (128 * N * r bytes), so node never refuses them.
  const maxmem = 2 * 128 * N * p.r + 1024 * 1024;
  return new Promise((resolve, reject) => {
    scrypt(password.normalize("NFC"), salt, KEY_BYTES, { N, r: p.r, p: p.p, maxmem }, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

/**
 * Hashes a password for storage.
 *
 * @example
 * const stored = await hashPassword("correct horse battery");
 */
export async function hashPassword(password: string, params: ScryptParams = DEFAULT_SCRYPT): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, params);
  return `scrypt$ln=${params.ln},r=${params.r},p=${params.p}$${salt.toString("base64url")}$${key.toString("base64url")}`;
}

/** Parses a stored hash; undefined when malformed or its parameters are out of the accepted bounds. */
function parse(stored: string): { params: ScryptParams; salt: Buffer; key: Buffer } | undefined {
  const m = /^scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9_-]{16,64})\$([A-Za-z0-9_-]{32,128})$/.exec(stored);
  if (!m) return undefined;
  const params = { ln: Number(m[1]), r: Number(m[2]), p: Number(m[3]) };
  if (params.ln < 10 || params.ln > 20 || params.r < 1 || params.r > 32 || params.p < 1 || params.p > 16) return undefined;
  return { params, salt: Buffer.from(m[4]!, "base64url"), key: Buffer.from(m[5]!, "base64url") };
}

let dummy: Promise<string> | undefined;

/**
 * Whether `password` matches `stored` (constant-time comparison). With `stored` undefined (an unknown
 * user) the same work is done against a dummy hash and the answer is false, so that the time taken does
 * not tell whether the account exists.
 *
 * @example
 * if (!(await verifyPassword(body.password, user?.passwordHash))) throw new AppError("LOGIN_FAILED", "…");
 */
export async function verifyPassword(password: string, stored: string | undefined): Promise<boolean> {
  dummy ??= hashPassword("dummy password of an unknown user");
  const parsed = parse(stored ?? (await dummy));
  if (!parsed) return false;
  const key = await derive(password, parsed.salt, parsed.params);
  return key.length === parsed.key.length && timingSafeEqual(key, parsed.key) && stored !== undefined;
}
