/**
 * Reading settings from the environment: the error every bad setting raises, and the integer reader
 * every area of the configuration shares.
 */
import { InternalError } from "../errors.ts";

/** The environment the configuration is read from (`process.env`, or a test's own object). */
export type Env = Record<string, string | undefined>;

/** A setting that cannot be used: the process refuses to start with it. */
export class ConfigError extends InternalError {}

/** The integer setting `key` (≥ `min`), or `fallback` when unset or empty. */
export function int(env: Env, key: string, fallback: number, min = 0): number {
  const raw = env[key];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < min) throw new ConfigError(`${key} must be an integer ≥ ${min}, got ${JSON.stringify(raw)}`);
  return n;
}
