/** The capture engine's request, options, result and error (browser.ts runs it). */
import type { CaptureManifest, Hex } from "@priorproof/client-sdk";
import type { CapturePart } from "@priorproof/client-sdk/internal/capture";
import { InternalError } from "../../errors.ts";
import type { Resolver } from "./net-guard.ts";

/** What to capture and how. */
export interface CaptureRequest {
  readonly id: string;
  readonly url: string;
  readonly javascript: boolean;
  readonly viewport: { readonly width: number; readonly height: number };
  readonly timeBudgetMs: number;
  readonly sizeBudgetBytes: number;
  /** Extra wait after the load event for late DOM changes (within the time budget). */
  readonly settleMs: number;
  /** SHA-256 of the previous manifest of the same URL (lineage), else null. */
  readonly previous: Hex | null;
}

export interface CaptureEngineOptions {
  readonly executablePath: string;
  /** Extra Chromium flags (e.g. `--ignore-certificate-errors-spki-list=…` for a private CA). */
  readonly extraArgs?: readonly string[];
  readonly allowPrivate: boolean;
  readonly resolve?: Resolver;
  /** Which addresses are private (default isBlockedAddress); only tests narrow it. */
  readonly isBlocked?: (ip: string) => boolean;
  /** `priorproof-server/x.y.z`, recorded in the manifest. */
  readonly software: string;
  /** How the host keeps its clock, as the operator states it (e.g. "chrony, NTS to ptbtime1.ptb.de"). */
  readonly clockSource?: string;
  /** Grace period for the snapshot after the load phase ended (default 20 s). */
  readonly snapshotGraceMs?: number;
}

/** One part with its bytes. */
export interface CapturedPart extends CapturePart {
  readonly bytes: Uint8Array;
}

export interface CaptureResult {
  readonly manifest: CaptureManifest;
  readonly manifestBytes: Uint8Array;
  readonly manifestSha256: Hex;
  readonly parts: readonly CapturedPart[];
  /** SHA-256 of the serialized DOM and of the screenshot, for change detection between captures. */
  readonly domSha256: Hex;
  readonly screenshotSha256: Hex;
}

/** A capture that produced nothing to stamp (refused target, navigation error, browser failure). */
export class CaptureFailedError extends InternalError {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** The flags every capture browser runs with (as the test harness's, plus the proxy). */
export const CAPTURE_CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-quic",
  "--no-first-run",
  "--disable-component-update",
  "--disable-sync",
  "--disable-extensions",
  "--disable-default-apps",
  "--mute-audio",
] as const;
