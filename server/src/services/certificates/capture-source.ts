/**
 * Where a certificate gets a web capture's files: the manifest exactly as stamped and the parts that fit
 * the document's budget (capture-section.ts `partsToAttach`), read from the capture service's storage.
 * A part whose bytes do not match the manifest's size and SHA-256 is not attached (the certificate then
 * lists it with its CID only) — a document never carries a copy that its own manifest refutes.
 */
import { createHash } from "node:crypto";
import type { CaptureFacts } from "../capture/facts.ts";
import type { CaptureService } from "../capture/service.ts";
import { partsToAttach, type CaptureFile, type CertificateCapture } from "./capture-section.ts";

/** What the certificate service needs of the capture service. */
export type CaptureSource = Pick<CaptureService, "getFacts" | "get" | "readPart">;

/** The manifest bytes and the attachable parts of the capture `facts` describes (manifest order). */
export async function captureFiles(source: CaptureSource, tenantId: string, facts: CaptureFacts): Promise<CaptureFile[]> {
  const record = await source.get(tenantId, facts.captureId);
  const files: CaptureFile[] = record.manifest
    ? [{ name: "manifest.json", mediaType: "application/json", bytes: new TextEncoder().encode(record.manifest) }]
    : [];
  for (const name of partsToAttach(facts.parts)) {
    const listed = facts.parts.find((p) => p.name === name)!;
    const chunks: Uint8Array[] = [];
    let size = 0;
    try {
      const { body } = await source.readPart(tenantId, facts.captureId, name);
      for await (const chunk of body) {
        size += chunk.length;
        if (size > listed.size) break;
        chunks.push(chunk);
      }
    } catch {
      continue; // not readable now: listed with its CID
    }
    const bytes = Buffer.concat(chunks);
    if (bytes.length !== listed.size || "0x" + createHash("sha256").update(bytes).digest("hex") !== listed.sha256) continue;
    // The media type without parameters: a PDF/A associated file's /Subtype is a plain MIME type.
    files.push({ name, mediaType: listed.mediaType.split(";")[0]!.trim() || "application/octet-stream", bytes: new Uint8Array(bytes) });
  }
  return files;
}

/**
 * The capture whose manifest the tenant's entry stamps, as the renderer takes it, or undefined when the
 * entry is not a capture. `partial`: the screenshot or an attachable part could not be read now (the
 * document then lists them by CID only, and is not cached).
 */
export async function captureOf(
  source: CaptureSource,
  tenantId: string,
  entryId: string,
): Promise<{ capture: CertificateCapture; partial: boolean } | undefined> {
  const facts = await source.getFacts(tenantId, { entryId });
  if (!facts) return undefined;
  const files = await captureFiles(source, tenantId, facts);
  const attachable = partsToAttach(facts.parts).length;
  const screenshotStored = facts.parts.some((p) => p.name === "screenshot.png" && p.cid);
  const partial = (screenshotStored && facts.screenshot === null) || files.filter((f) => f.name !== "manifest.json").length < attachable;
  return { capture: { facts, files }, partial };
}
