/** Web capture settings (CAPTURE_*; docs/capture.md). */
import { ConfigError, int, type Env } from "./env.ts";

export interface CaptureSettings {
  /** The Chromium the capture worker runs (CAPTURE_CHROMIUM_PATH, default /usr/bin/chromium). */
  readonly chromiumPath: string;
  /** Allow loopback, private and link-local targets (CAPTURE_ALLOW_PRIVATE=true); refused by default. */
  readonly allowPrivate: boolean;
  /**
   * base64 SHA-256 SPKI hashes of certificates Chromium accepts although no public CA issued them
   * (CAPTURE_TRUST_SPKI, comma-separated): a corporate CA, or a test CA.
   */
  readonly trustSpki: readonly string[];
  readonly defaultTimeBudgetMs: number;
  readonly maxTimeBudgetMs: number;
  readonly defaultSizeBudgetBytes: number;
  readonly maxSizeBudgetBytes: number;
  /** How often an idle capture worker looks for queued captures and due schedules. */
  readonly pollMs: number;
  /** Run a capture worker in this process (CAPTURE_WORKER; default: WORKERS). */
  readonly worker: boolean;
  /** How the host keeps its clock, as the operator states it (CAPTURE_CLOCK_SOURCE), recorded in each manifest. */
  readonly clockSource: string;
}

export function parseCapture(env: Env): CaptureSettings {
  const trustSpki = (env.CAPTURE_TRUST_SPKI ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  for (const h of trustSpki)
    if (!/^[A-Za-z0-9+/]{43}=$/.test(h)) throw new ConfigError(`CAPTURE_TRUST_SPKI must list base64 SHA-256 hashes, got ${JSON.stringify(h)}`);
  for (const key of ["CAPTURE_ALLOW_PRIVATE", "CAPTURE_WORKER"]) {
    if (env[key] !== undefined && !["true", "false", ""].includes(env[key])) throw new ConfigError(`${key} must be true or false`);
  }
  const settings = {
    chromiumPath: env.CAPTURE_CHROMIUM_PATH || "/usr/bin/chromium",
    allowPrivate: env.CAPTURE_ALLOW_PRIVATE === "true",
    trustSpki,
    defaultTimeBudgetMs: int(env, "CAPTURE_TIME_BUDGET_MS", 60_000, 1_000),
    maxTimeBudgetMs: int(env, "CAPTURE_MAX_TIME_BUDGET_MS", 300_000, 1_000),
    defaultSizeBudgetBytes: int(env, "CAPTURE_SIZE_BUDGET_BYTES", 50 * 1024 * 1024, 1_024),
    maxSizeBudgetBytes: int(env, "CAPTURE_MAX_SIZE_BUDGET_BYTES", 200 * 1024 * 1024, 1_024),
    pollMs: int(env, "CAPTURE_POLL_MS", 2_000, 10),
    worker: env.CAPTURE_WORKER === undefined || env.CAPTURE_WORKER === "" ? env.WORKERS !== "false" : env.CAPTURE_WORKER === "true",
    clockSource: (env.CAPTURE_CLOCK_SOURCE ?? "").trim().slice(0, 500) || "not stated by the operator (CAPTURE_CLOCK_SOURCE)",
  };
  if (settings.defaultTimeBudgetMs > settings.maxTimeBudgetMs) throw new ConfigError("CAPTURE_TIME_BUDGET_MS must be ≤ CAPTURE_MAX_TIME_BUDGET_MS");
  if (settings.defaultSizeBudgetBytes > settings.maxSizeBudgetBytes) throw new ConfigError("CAPTURE_SIZE_BUDGET_BYTES must be ≤ CAPTURE_MAX_SIZE_BUDGET_BYTES");
  return settings;
}
