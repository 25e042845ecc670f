/** Small helpers of the capture engine (browser.ts): hashing, PEM, bounded waits, closing the browser. */
import { createHash } from "node:crypto";
import type { Browser } from "playwright-core";
import type { Hex } from "@priorproof/client-sdk";

export const sha256Hex = (bytes: Uint8Array): Hex => `0x${createHash("sha256").update(bytes).digest("hex")}`;
export const iso = (ms: number) => new Date(ms).toISOString();

/** One response in the network log (network.json). */
export interface LogEntry {
  url: string;
  method: string;
  resourceType: string;
  status: number;
  statusText: string;
  headers: [string, string][];
  bodySize: number | null;
  bodySha256: Hex | null;
  bodyNote: string | null;
  connectedTo: string | null;
}

export function pem(der: Uint8Array): string {
  const b64 = Buffer.from(der)
    .toString("base64")
    .replace(/.{1,64}/g, "$&\n");
  return `-----BEGIN CERTIFICATE-----\n${b64}-----END CERTIFICATE-----\n`;
}

export async function within<T>(ms: number, p: Promise<T>): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((ok) => {
    timer = setTimeout(() => ok(undefined), Math.max(0, ms));
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Closes the browser (and with it the temporary profile). Playwright kills the process when a graceful
 * close fails; the wait is bounded so a wedged browser cannot hold the capture queue.
 */
export async function closeBrowser(browser: Browser): Promise<void> {
  await within(
    15_000,
    browser.close().catch(() => undefined),
  );
}
