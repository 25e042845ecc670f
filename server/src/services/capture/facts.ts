/**
 * The facts a certificate prints for a web capture, ready to lay out: the URL asked for and the URL
 * finally shown, the TLS subject and issuer, the capture times (the capturing host's clock — the
 * anchors of the manifest's receipt are the evidence of time), the manifest digest and CID, every part
 * with its digest and the command that checks it, and the screenshot scaled to print (first page of it).
 * The certificate service (certificates.ts) owns the layout; this module owns what a capture says.
 */
import { PNG } from "pngjs";
import type { CaptureManifest } from "@priorproof/client-sdk";
import { parseCaptureManifest } from "@priorproof/client-sdk/internal/capture";
import { AppError } from "../../errors.ts";
import type { CaptureRecord } from "../../store/captures.ts";

/** One part as printed. */
export interface CapturePartFact {
  readonly name: string;
  readonly mediaType: string;
  readonly size: number;
  readonly sha256: string;
  /** CID of the stored part (fetchable by the tenant: GET /v1/captures/:id/parts/:name), or null. */
  readonly cid: string | null;
  /** How a reader checks it with public tools. */
  readonly check: string;
}

/** Everything a certificate states about one capture. */
export interface CaptureFacts {
  readonly captureId: string;
  readonly entryId: string;
  readonly url: string;
  readonly finalUrl: string;
  readonly httpStatus: number | null;
  readonly title: string;
  readonly redirects: CaptureManifest["page"]["redirects"];
  /** complete | timeout | truncated, and the notes that explain a cut-short capture. */
  readonly outcome: CaptureManifest["outcome"];
  readonly tls: {
    readonly subject: string;
    readonly issuer: string;
    readonly protocol: string;
    readonly validFrom: string;
    readonly validTo: string;
    readonly chainSha256: readonly string[];
  } | null;
  readonly remoteAddress: string | null;
  readonly dnsAddresses: readonly string[];
  /** The capturing host's clock: marked as not the evidence of time. */
  readonly startedAt: string;
  readonly finishedAt: string;
  /** The capturing host's clock and how it is kept (CAPTURE_CLOCK_SOURCE), as the manifest states it. */
  readonly clock: string;
  /** The site's own Date header, or null. */
  readonly serverDate: string | null;
  readonly browser: string;
  readonly userAgent: string;
  readonly viewport: { readonly width: number; readonly height: number };
  readonly manifestVersion: string;
  readonly manifestSha256: string;
  readonly manifestCid: string | null;
  readonly previousManifestSha256: string | null;
  readonly parts: readonly CapturePartFact[];
  /** The full-page screenshot scaled to `width` (at most) and cut to one page's height (A4 ratio). */
  readonly screenshot: { readonly png: Uint8Array; readonly width: number; readonly height: number; readonly scale: number; readonly cropped: boolean } | null;
  /** The sentences that must accompany the facts. */
  readonly statements: readonly string[];
}

export const CAPTURE_STATEMENTS = [
  "This capture shows what this service's browser received from the address named, at the times stated, through the network path it used; it does " +
    "not show who controls the site or that any other visitor saw the same.",
  "The capture times are the capturing host's clock and are not the evidence of time: the manifest's receipt anchors are.",
  "Each part is checked by its SHA-256 against the manifest; the manifest is checked against its receipt (priorproof verify-capture).",
] as const;

/**
 * Scales a PNG down (box filter) to at most `maxWidth` pixels wide and cuts it to `pageRatio` × width
 * (the first page of a long page).
 *
 * @example
 * const thumb = scalePng(screenshot, 600);
 */
export function scalePng(
  bytes: Uint8Array,
  maxWidth: number,
  pageRatio = Math.SQRT2,
): { png: Uint8Array; width: number; height: number; scale: number; cropped: boolean } {
  const src = PNG.sync.read(Buffer.from(bytes));
  const scale = Math.min(1, maxWidth / src.width);
  const width = Math.max(1, Math.round(src.width * scale));
  const fullHeight = Math.max(1, Math.round(src.height * scale));
  const height = Math.min(fullHeight, Math.round(width * pageRatio));
  const out = new PNG({ width, height });
  const step = 1 / scale;
  for (let y = 0; y < height; y++) {
    const y0 = Math.floor(y * step);
    const y1 = Math.min(src.height, Math.max(y0 + 1, Math.floor((y + 1) * step)));
    for (let x = 0; x < width; x++) {
      const x0 = Math.floor(x * step);
      const x1 = Math.min(src.width, Math.max(x0 + 1, Math.floor((x + 1) * step)));
      const acc = [0, 0, 0, 0];
      for (let sy = y0; sy < y1; sy++) {
        for (let sx = x0; sx < x1; sx++) {
          const i = (sy * src.width + sx) * 4;
          for (let k = 0; k < 4; k++) acc[k]! += src.data[i + k]!;
        }
      }
      const n = (y1 - y0) * (x1 - x0);
      const o = (y * width + x) * 4;
      for (let k = 0; k < 4; k++) out.data[o + k] = Math.round(acc[k]! / n);
    }
  }
  return { png: new Uint8Array(PNG.sync.write(out)), width, height, scale, cropped: height < fullHeight };
}

/**
 * The certificate facts of a stamped capture. `screenshot` is the stored screenshot part's bytes
 * (null: the certificate says it is not available).
 *
 * @example
 * const facts = getCaptureFacts(capture, await readAll(parts["screenshot.png"]), { screenshotWidth: 600 });
 */
export function getCaptureFacts(capture: CaptureRecord, screenshot: Uint8Array | null, options: { screenshotWidth?: number } = {}): CaptureFacts {
  if (!capture.manifest || !capture.manifestSha256 || !capture.entryId)
    throw new AppError("CAPTURE_NOT_READY", `capture ${capture.id} has no stamped manifest (status ${capture.status})`);
  const m = parseCaptureManifest(new TextEncoder().encode(capture.manifest));
  const cids = new Map(capture.parts.map((p) => [p.name, p.cid]));
  return {
    captureId: capture.id,
    entryId: capture.entryId,
    url: m.request.url,
    finalUrl: m.page.finalUrl,
    httpStatus: m.page.httpStatus,
    title: m.page.title,
    redirects: m.page.redirects,
    outcome: m.outcome,
    tls: m.connection.tls
      ? {
          subject: m.connection.tls.subjectName,
          issuer: m.connection.tls.issuer,
          protocol: m.connection.tls.protocol,
          validFrom: m.connection.tls.validFrom,
          validTo: m.connection.tls.validTo,
          chainSha256: m.connection.tls.chainSha256,
        }
      : null,
    remoteAddress: m.connection.remoteAddress ? `${m.connection.remoteAddress.ip}:${m.connection.remoteAddress.port}` : null,
    dnsAddresses: m.connection.dns.addresses,
    startedAt: m.environment.startedAt,
    finishedAt: m.environment.finishedAt,
    clock: m.environment.clock,
    serverDate: m.environment.serverDate,
    browser: m.environment.browser,
    userAgent: m.environment.userAgent,
    viewport: m.environment.viewport,
    manifestVersion: m.version,
    manifestSha256: capture.manifestSha256,
    manifestCid: capture.manifestCid,
    previousManifestSha256: m.previous,
    parts: m.parts.map((p) => ({
      name: p.name,
      mediaType: p.mediaType,
      size: p.size,
      sha256: p.sha256,
      cid: cids.get(p.name) ?? null,
      check: `sha256sum ${p.name}  (expect ${p.sha256.slice(2)}; Windows: certutil -hashfile ${p.name} SHA256)`,
    })),
    screenshot: screenshot ? scalePng(screenshot, options.screenshotWidth ?? 600) : null,
    statements: CAPTURE_STATEMENTS,
  };
}
