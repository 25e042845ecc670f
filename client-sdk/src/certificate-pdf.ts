/**
 * Reads the receipt(s) a PriorProof certificate carries as PDF embedded files, so that the certificate
 * PDF alone (with the file) is enough to verify. The PDF is hostile input: the scan is bounded in size
 * and in embedded files, reads only streams whose dictionary says `/Type /EmbeddedFile` with the JSON
 * media type, and returns only documents whose `version` is a PriorProof receipt version; the caller
 * verifies them as it verifies any receipt. No I/O: an inflater for compressed streams is injected.
 */
import { InputError, PriorProofError } from "./errors.ts";
import { parseStrictJson } from "./trust/ijson.ts";

/** Largest certificate PDF read (bytes). */
export const MAX_CERTIFICATE_PDF_BYTES = 64 * 1024 * 1024;
/** Most embedded receipts read from one PDF (a portfolio report carries one per entry). */
export const MAX_EMBEDDED_RECEIPTS = 1_000;
const MAX_RECEIPT_BYTES = 8 * 1024 * 1024;

/** Decompresses a FlateDecode (zlib) stream; inject `zlib.inflateSync` or a DecompressionStream wrapper. */
export type Inflate = (bytes: Uint8Array) => Uint8Array | Promise<Uint8Array>;

const ascii = (bytes: Uint8Array, from: number, to: number): string => {
  let s = "";
  for (let i = from; i < to; i++) s += String.fromCharCode(bytes[i]!);
  return s;
};

function indexOf(bytes: Uint8Array, needle: string, from: number): number {
  const first = needle.charCodeAt(0);
  outer: for (let i = bytes.indexOf(first, from); i !== -1 && i <= bytes.length - needle.length; i = bytes.indexOf(first, i + 1)) {
    for (let j = 1; j < needle.length; j++) if (bytes[i + j] !== needle.charCodeAt(j)) continue outer;
    return i;
  }
  return -1;
}

/** The integer value of `/Length`: direct, or an indirect reference resolved to `N G obj <int> endobj`. */
function streamLength(bytes: Uint8Array, dict: string): number | undefined {
  const direct = /\/Length\s+(\d+)(?!\s+\d+\s+R)/.exec(dict);
  if (direct) return Number(direct[1]);
  const ref = /\/Length\s+(\d+)\s+(\d+)\s+R/.exec(dict);
  if (!ref) return undefined;
  const at = indexOf(bytes, `${ref[1]} ${ref[2]} obj`, 0);
  if (at === -1) return undefined;
  const m = /obj\s+(\d+)\s+endobj/.exec(ascii(bytes, at, Math.min(bytes.length, at + 64)));
  return m ? Number(m[1]) : undefined;
}

/**
 * Every PriorProof receipt embedded in a PDF, in file order (unparsed JSON values: verify each with
 * `verifyReceipt`, which validates it). Throws `PDF_INVALID` for something that is not a PDF or is too
 * large, and `PDF_NO_RECEIPT` when none is embedded.
 *
 * @example
 * const [receipt] = await extractReceipts(new Uint8Array(await readFile("certificate.pdf")), zlib.inflateSync);
 */
export async function extractReceipts(pdf: Uint8Array, inflate?: Inflate): Promise<unknown[]> {
  if (pdf.length > MAX_CERTIFICATE_PDF_BYTES) throw new InputError("PDF_INVALID", `pdf larger than ${MAX_CERTIFICATE_PDF_BYTES} bytes`);
  if (ascii(pdf, 0, Math.min(pdf.length, 1024)).indexOf("%PDF-") === -1) throw new InputError("PDF_INVALID", "not a pdf (no %PDF- header)");
  const found: unknown[] = [];
  for (let at = indexOf(pdf, "/EmbeddedFile", 0); at !== -1; at = indexOf(pdf, "/EmbeddedFile", at + 1)) {
    // The stream dictionary around this name: from the preceding "<<" of its object to "stream".
    const objStart = Math.max(0, at - 2048);
    const open = ascii(pdf, objStart, at).lastIndexOf("obj");
    const kw = indexOf(pdf, "stream", at);
    if (open === -1 || kw === -1 || kw - at > 4096) continue;
    const dict = ascii(pdf, objStart + open, kw);
    if (!/\/Type\s*\/EmbeddedFile\b/.test(dict) || !/\/Subtype\s*\/application#2[Ff]json\b/.test(dict)) continue;
    const length = streamLength(pdf, dict);
    if (length === undefined || length > MAX_RECEIPT_BYTES) continue;
    let start = kw + "stream".length;
    if (pdf[start] === 0x0d) start++;
    if (pdf[start] === 0x0a) start++;
    if (start + length > pdf.length) continue;
    let body = pdf.subarray(start, start + length);
    if (/\/Filter\s*\/FlateDecode\b/.test(dict)) {
      if (!inflate) continue;
      body = await inflate(body);
      if (body.length > MAX_RECEIPT_BYTES) continue;
    } else if (/\/Filter\b/.test(dict)) continue;
    let doc: unknown;
    try {
      doc = parseStrictJson(new TextDecoder("utf-8", { fatal: true }).decode(body));
    } catch (e) {
      // An embedded file that is not JSON is not a receipt; one with a member name twice is a forgery.
      if (e instanceof PriorProofError && e.code === "DUPLICATE_KEY") throw e;
      continue;
    }
    const version = (doc as { version?: unknown } | null)?.version;
    if (typeof version === "string" && version.startsWith("priorproof-receipt/")) found.push(doc);
    if (found.length >= MAX_EMBEDDED_RECEIPTS) break;
    at = start + length - 1;
  }
  if (found.length === 0) throw new InputError("PDF_NO_RECEIPT", "the pdf carries no embedded priorproof receipt");
  return found;
}

/**
 * The one receipt of a single-entry certificate; `PDF_SEVERAL_RECEIPTS` for a lineage or portfolio
 * document (use {@link extractReceipts} and pick by digest).
 */
export async function extractReceipt(pdf: Uint8Array, inflate?: Inflate): Promise<unknown> {
  const all = await extractReceipts(pdf, inflate);
  if (all.length > 1) throw new InputError("PDF_SEVERAL_RECEIPTS", `the pdf carries ${all.length} receipts: choose one by the file's digest`);
  return all[0];
}

/** Whether bytes look like a PDF (the verify page and `verify/file` accept a certificate in place of a receipt). */
export function isPdf(bytes: Uint8Array): boolean {
  return ascii(bytes, 0, Math.min(bytes.length, 1024)).includes("%PDF-");
}

/** Most embedded files read from one PDF by {@link extractEmbeddedFiles}. */
export const MAX_EMBEDDED_FILES = 64;

/**
 * The files a PDF carries as embedded files (PDF/A-3 associated files, as a capture's certificate
 * carries its manifest, parts and receipt), by the name of their file specification (`/F`), for the
 * names `accept` allows; streams uncompressed, or FlateDecode with `inflate`. Bounded: the PDF
 * ≤ 64 MiB, ≤ 64 files. A name given twice is refused (`PDF_DUPLICATE_ATTACHMENT`): which copy counts
 * would be the writer's choice. Nothing here is trusted: the caller checks every file it reads (a
 * capture's parts against the manifest, the manifest against the receipt).
 *
 * @example
 * const files = await extractEmbeddedFiles(pdf, (n) => n === "manifest.json" || CAPTURE_PART_NAME.test(n), zlib.inflateSync);
 */
export async function extractEmbeddedFiles(pdf: Uint8Array, accept: (name: string) => boolean, inflate?: Inflate): Promise<Map<string, Uint8Array>> {
  if (pdf.length > MAX_CERTIFICATE_PDF_BYTES) throw new InputError("PDF_INVALID", `pdf larger than ${MAX_CERTIFICATE_PDF_BYTES} bytes`);
  if (!isPdf(pdf)) throw new InputError("PDF_INVALID", "not a pdf (no %PDF- header)");
  const files = new Map<string, Uint8Array>();
  // File specifications are looked for between streams only: a stream's bytes (a captured page, say)
  // are skipped by their /Length, so text inside them cannot pose as a file specification.
  let pos = 0;
  for (;;) {
    const at = indexOf(pdf, "/Filespec", pos);
    if (at === -1) break;
    const kw = nextStreamKeyword(pdf, pos);
    if (kw !== -1 && kw < at) {
      const dictStart = ascii(pdf, Math.max(0, kw - 4096), kw).lastIndexOf(" obj");
      const length = dictStart === -1 ? undefined : streamLength(pdf, ascii(pdf, Math.max(0, kw - 4096) + dictStart, kw));
      pos = kw + "stream".length + (length ?? 0);
      continue;
    }
    pos = at + "/Filespec".length;
    // The file specification's dictionary: from its "obj" to its "endobj".
    const objStart = Math.max(0, at - 1024);
    const open = ascii(pdf, objStart, at).lastIndexOf("obj");
    const end = indexOf(pdf, "endobj", at);
    if (open === -1 || end === -1 || end - at > 8192) continue;
    const dict = ascii(pdf, objStart + open, end);
    const name = /\/F\s*\(([^()\\]{1,255})\)/.exec(dict)?.[1];
    const ref = /\/EF\s*<<[^>]*?\/F\s+(\d{1,9})\s+(\d{1,5})\s+R/.exec(dict);
    if (!name || !ref || !accept(name)) continue;
    if (files.has(name)) throw new InputError("PDF_DUPLICATE_ATTACHMENT", `the pdf carries two attachments named ${name}`);
    if (files.size >= MAX_EMBEDDED_FILES) throw new InputError("PDF_INVALID", `the pdf carries more than ${MAX_EMBEDDED_FILES} attachments`);
    // The embedded file stream the specification points to.
    const obj = indexOf(pdf, `\n${ref[1]} ${ref[2]} obj`, 0);
    const skw = obj === -1 ? -1 : indexOf(pdf, "stream", obj);
    if (skw === -1 || skw - obj > 4096) continue;
    const streamDict = ascii(pdf, obj, skw);
    if (!/\/Type\s*\/EmbeddedFile\b/.test(streamDict)) continue;
    const length = streamLength(pdf, streamDict);
    let start = skw + "stream".length;
    if (pdf[start] === 0x0d) start++;
    if (pdf[start] === 0x0a) start++;
    if (length === undefined || start + length > pdf.length) continue;
    let body = pdf.subarray(start, start + length);
    if (/\/Filter\s*\/FlateDecode\b/.test(streamDict)) {
      if (!inflate) continue;
      body = await inflate(body);
    } else if (/\/Filter\b/.test(streamDict)) continue;
    files.set(name, body);
  }
  return files;
}

/** The next `stream` keyword at or after `from` (not the end of an `endstream`), or -1. */
function nextStreamKeyword(pdf: Uint8Array, from: number): number {
  for (let at = indexOf(pdf, "stream", from); at !== -1; at = indexOf(pdf, "stream", at + 1)) {
    if (ascii(pdf, Math.max(0, at - 3), at) !== "end") return at;
  }
  return -1;
}
