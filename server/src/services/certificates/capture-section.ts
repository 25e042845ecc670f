/**
 * The section a certificate adds when its entry stamps a web capture's manifest: what the browser was
 * asked for and what it was shown (address, redirects, TLS certificate, connection, times and their
 * clock), the screenshot scaled to print, the manifest, and every part with its digest, its CID, where
 * to get it and how to check it. Every value comes from the capture's facts (services/capture/facts.ts);
 * what a site sent (title, TLS names, notes) is printed as data, made printable and bounded.
 */
import { PNG } from "pngjs";
import type { CaptureFacts } from "../capture/facts.ts";
import type { CaptureStrings } from "./i18n-capture.ts";
import type { Strings } from "./i18n.ts";
import { printable } from "./identity.ts";
import type { Block } from "./layout.ts";

/** One file the PDF carries for the capture (manifest.json, parts), as a PDF/A-3 associated file. */
export interface CaptureFile {
  readonly name: string;
  readonly mediaType: string;
  readonly bytes: Uint8Array;
}

/** What the renderer receives for a capture entry. */
export interface CertificateCapture {
  readonly facts: CaptureFacts;
  /** manifest.json and the parts that fit the document's budget; the others are listed with their CID. */
  readonly files: readonly CaptureFile[];
}

/** Budget of attached parts: each at most 8 MiB, all together at most 16 MiB (the PDF stays cacheable). */
export const ATTACH_PART_MAX_BYTES = 8 * 1024 * 1024;
export const ATTACH_TOTAL_MAX_BYTES = 16 * 1024 * 1024;
/** Names the certificate uses for its own attachments: a part never takes one of them. */
const RESERVED = /^(receipt(-\d+)?\.json|manifest\.json|token(-\d+)?\.tsr)$/;

/**
 * Chooses the parts to attach, in manifest order, within the budget.
 *
 * @example
 * const names = partsToAttach(facts.parts); // ["screenshot.png", "dom.html", …]
 */
export function partsToAttach(parts: readonly { name: string; size: number; cid: string | null }[]): string[] {
  let total = 0;
  const out: string[] = [];
  for (const p of parts) {
    if (!p.cid || RESERVED.test(p.name) || p.size > ATTACH_PART_MAX_BYTES || total + p.size > ATTACH_TOTAL_MAX_BYTES) continue;
    total += p.size;
    out.push(p.name);
  }
  return out;
}

/**
 * The PNG with its alpha channel composed over white and dropped (colour type 2): the PDF then holds an
 * opaque DeviceRGB image with no soft mask, under the document's sRGB output intent.
 */
export function opaquePng(bytes: Uint8Array): Uint8Array {
  const src = PNG.sync.read(Buffer.from(bytes));
  const d = src.data;
  for (let i = 0; i < d.length; i += 4) {
    const a = d[i + 3]! / 255;
    for (let k = 0; k < 3; k++) d[i + k] = Math.round(d[i + k]! * a + 255 * (1 - a));
    d[i + 3] = 255;
  }
  return new Uint8Array(PNG.sync.write(src, { colorType: 2 }));
}

const field = (label: string, value: string | number | null | undefined, style?: "hex" | "mono"): Block[] =>
  value === undefined || value === null || value === "" ? [] : [{ kind: "field", label, value: String(value), ...(style ? { style } : {}) }];
/** Text a site or the capturing host supplied: printable, bounded. */
const data = (v: string, max = 500) => printable(v, max).text;

/** The capture section's blocks. */
export function captureBlocks(capture: CertificateCapture, t: Strings, c: CaptureStrings): Block[] {
  const f = capture.facts;
  const attached = new Set(capture.files.map((x) => x.name));
  const tls = f.tls;
  return [
    { kind: "para", text: c.intro },
    ...field(c.l.url, data(f.url, 1_000), "mono"),
    ...f.redirects.flatMap((r, i) => field(c.l.redirect(i + 1), `${r.status} ${data(r.url, 600)} → ${data(r.location, 600)}`, "mono")),
    ...field(c.l.finalUrl, data(f.finalUrl, 1_000), "mono"),
    ...field(c.l.httpStatus, f.httpStatus),
    ...field(c.l.title, data(f.title, 300)),
    ...field(c.l.outcome, c.outcome[f.outcome.status]),
    ...(f.outcome.notes.length > 0
      ? field(
          c.l.notes,
          f.outcome.notes
            .slice(0, 8)
            .map((n) => data(n, 300))
            .join(" · "),
        )
      : []),
    ...(f.screenshot
      ? [
          { kind: "image", png: opaquePng(f.screenshot.png), width: f.screenshot.width, height: f.screenshot.height, title: c.l.screenshot } as const,
          { kind: "para", text: c.screenshotCaption(f.screenshot), style: "small" } as const,
        ]
      : [{ kind: "para", text: c.screenshotMissing, style: "small" } as const]),
    ...(tls
      ? [
          ...field(c.l.tlsSubject, data(tls.subject, 300)),
          ...field(c.l.tlsIssuer, data(tls.issuer, 300)),
          ...field(c.l.tlsProtocol, data(tls.protocol, 50)),
          ...field(c.l.tlsValidity, `${tls.validFrom} – ${tls.validTo}`),
          ...tls.chainSha256.flatMap((h, i) => field(c.l.tlsChain(i + 1, tls.chainSha256.length), h, "hex")),
        ]
      : field(c.l.tlsSubject, c.l.tlsNone)),
    ...field(c.l.remote, f.remoteAddress, "mono"),
    ...field(c.l.dns, f.dnsAddresses.slice(0, 16).join(", "), "mono"),
    ...field(c.l.started, f.startedAt),
    ...field(c.l.finished, f.finishedAt),
    ...field(c.l.clock, data(f.clock, 400)),
    ...field(c.l.serverDate, f.serverDate === null ? null : data(f.serverDate, 100)),
    ...field(c.l.browser, data(f.browser, 200)),
    ...field(c.l.userAgent, data(f.userAgent, 400)),
    ...field(c.l.viewport, `${f.viewport.width} × ${f.viewport.height}`),
    { kind: "rule" },
    ...field(c.l.manifestVersion, f.manifestVersion, "mono"),
    ...field(c.l.manifestSha256, f.manifestSha256, "hex"),
    ...field(c.l.manifestCid, f.manifestCid, "mono"),
    ...field(c.l.previous, f.previousManifestSha256 ?? c.l.previousNone, f.previousManifestSha256 ? "hex" : undefined),
    { kind: "para", text: c.l.parts, style: "strong" },
    ...f.parts.flatMap((p): Block[] => [
      { kind: "para", text: p.name, style: "mono" },
      ...field(c.l.partMedia, data(p.mediaType, 100)),
      ...field(c.l.partSize, `${p.size.toLocaleString("en-US")} ${t.bytes}`),
      ...field(c.l.partSha256, p.sha256, "hex"),
      ...field(c.l.partCid, p.cid, "mono"),
      ...field(c.l.partWhere, attached.has(p.name) ? c.l.attached(p.name) : p.cid ? c.l.notAttached : c.l.notStored),
      { kind: "para", text: c.partCheck(p.name, p.sha256), style: "small" },
    ]),
    { kind: "rule" },
    ...c.statements.map((s): Block => ({ kind: "para", text: s })),
  ];
}
