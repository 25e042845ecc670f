/**
 * The verify page's reading of a certificate PDF: its embedded receipt(s) (client-sdk/src/certificate-pdf.ts),
 * compressed streams inflated with the browser's DecompressionStream. A lineage or portfolio PDF carries
 * several receipts; the one whose subject digest is the dropped file's is verified.
 */
import { toHex } from "../bytes.ts";
import { extractReceipts } from "../certificate-pdf.ts";

async function inflate(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(new DecompressionStream("deflate"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** Whether a dropped file is a PDF (by name or media type). */
export function isPdfFile(f: File): boolean {
  return f.type === "application/pdf" || f.name.toLowerCase().endsWith(".pdf");
}

/** The receipts a certificate PDF carries (throws with a code when it carries none). */
export async function receiptsFromCertificate(f: File): Promise<unknown[]> {
  return extractReceipts(new Uint8Array(await f.arrayBuffer()), inflate);
}

/** The receipt to verify: the only one, or the one for `digest` among several. */
export function receiptForDigest(candidates: readonly unknown[], digest: Uint8Array): unknown {
  if (candidates.length === 1) return candidates[0];
  const hex = toHex(digest);
  return candidates.find((r) => (r as { subject?: { sha256?: unknown } }).subject?.sha256 === hex) ?? candidates[0];
}
