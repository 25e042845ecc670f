/**
 * The web-capture manifest format (`priorproof-capture/1`): its limits, its types and its encoding.
 * docs/capture.md is the normative description; capture-parse.ts checks a manifest, capture.ts verifies one.
 */
import { canonicalJson } from "./leaf.ts";
import type { Hex } from "./receipt.ts";

/** The manifest format this module reads and the service writes. */
export const CAPTURE_MANIFEST_VERSION = "priorproof-capture/1";
/** The network log format (part `network.json`). */
export const CAPTURE_NETWORK_LOG_VERSION = "priorproof-network/1";
/** Largest manifest a verifier reads (bytes). */
export const MAX_MANIFEST_BYTES = 1024 * 1024;
/** Most parts a manifest may list. */
export const MAX_CAPTURE_PARTS = 32;
/** Largest part a verifier hashes (bytes); a capture's size budget is far below it. */
export const MAX_CAPTURE_PART_BYTES = 512 * 1024 * 1024;
/** A part name: a plain file name, safe as a path component on every system. */
export const CAPTURE_PART_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/** How a capture ended: `complete`, or cut short by its budgets (whatever was received is kept). */
export type CaptureOutcome = "complete" | "timeout" | "truncated";

/** One hashed file of a capture. */
export interface CapturePart {
  /** File name, e.g. `screenshot.png` (see {@link CAPTURE_PART_NAME}). */
  readonly name: string;
  readonly mediaType: string;
  readonly size: number;
  /** SHA-256 of the part's bytes, lower-case 0x hex. */
  readonly sha256: Hex;
}

/** A redirect the main document went through. */
export interface CaptureRedirect {
  readonly url: string;
  readonly status: number;
  readonly location: string;
}

/** The main document's TLS connection, as the browser reported it. */
export interface CaptureTls {
  readonly protocol: string;
  readonly subjectName: string;
  readonly issuer: string;
  readonly validFrom: string;
  readonly validTo: string;
  /** SHA-256 of each DER certificate, leaf first, as the browser received the chain (part `tls-chain.pem`). */
  readonly chainSha256: readonly Hex[];
}

/** `priorproof-capture/1` */
export interface CaptureManifest {
  readonly version: typeof CAPTURE_MANIFEST_VERSION;
  /** The capture's id at the service that made it. */
  readonly id: string;
  readonly request: {
    readonly url: string;
    readonly javascript: boolean;
    readonly viewport: { readonly width: number; readonly height: number };
    readonly timeBudgetMs: number;
    readonly sizeBudgetBytes: number;
  };
  readonly outcome: {
    readonly status: CaptureOutcome;
    /** Why a budget ended the capture, which requests were refused, and similar plain remarks. */
    readonly notes: readonly string[];
  };
  readonly page: {
    readonly finalUrl: string;
    /** HTTP status of the final main document, null when none arrived (timeout). */
    readonly httpStatus: number | null;
    readonly title: string;
    readonly redirects: readonly CaptureRedirect[];
  };
  readonly connection: {
    /** The target's host name and what the capturing host's resolver answered before loading. */
    readonly dns: { readonly host: string; readonly addresses: readonly string[] };
    /** The address the browser connected to for the main document. */
    readonly remoteAddress: { readonly ip: string; readonly port: number } | null;
    readonly tls: CaptureTls | null;
  };
  readonly environment: {
    /** e.g. `Chromium 156.0.8078.108`. */
    readonly browser: string;
    readonly userAgent: string;
    readonly viewport: { readonly width: number; readonly height: number };
    /** UTC ISO-8601 times of the capturing host's clock: NOT the evidence of time (the anchors are). */
    readonly startedAt: string;
    readonly finishedAt: string;
    readonly clock: string;
    /** The `Date` header of the main document, as the site sent it (its own clock), when present. */
    readonly serverDate: string | null;
    readonly software: string;
  };
  /** SHA-256 of the previous capture's manifest of the same URL (scheduled lineage), else null. */
  readonly previous: Hex | null;
  readonly parts: readonly CapturePart[];
}

/**
 * Encodes a manifest as stored and stamped: RFC 8785 canonical JSON in UTF-8.
 *
 * @example
 * const bytes = encodeCaptureManifest(manifest);
 * const digest = sha256(bytes); // what the service stamps
 */
export function encodeCaptureManifest(manifest: CaptureManifest): Uint8Array {
  return new TextEncoder().encode(canonicalJson(manifest));
}
