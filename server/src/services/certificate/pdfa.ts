/**
 * PDF/A-3B markings that pdf-lib does not write itself (ISO 19005-3, which builds on ISO 19005-2):
 * the XMP metadata stream with the PDF/A identification and the same document information as the
 * Info dictionary (§6.6.2), an sRGB output intent so that DeviceRGB colours are defined (§6.2.4.3),
 * and the file identifier in the trailer (§6.1.3). Embedded files, their /AF relationships and the
 * catalog's /AF array come from pdf-lib's `attach`; fonts are embedded by the caller.
 *
 * No validator (veraPDF) runs here: this declares conformance level B and provides what it requires
 * of a document like ours, but the claim is unverified until a validator has read the output.
 */
import { createHash } from "node:crypto";
import { PDFArray, PDFDict, PDFHexString, PDFName, PDFString, type PDFDocument } from "pdf-lib";

/** What the XMP packet and the Info dictionary both state (they must agree, ISO 19005-2 §6.6.2.3). */
export interface DocumentInfo {
  readonly title: string;
  readonly author: string;
  readonly subject: string;
  readonly keywords: readonly string[];
  readonly creator: string;
  readonly producer: string;
  readonly language: string;
  readonly date: Date;
}

/**
 * Writes the Info dictionary, the XMP metadata, the sRGB output intent and the trailer /ID.
 * `idSeed` makes the file identifier deterministic (the same certificate gets the same /ID).
 *
 * @example
 * markPdfA3b(doc, { title, author, subject, keywords, creator, producer, language: "en", date }, certificateId);
 */
export function markPdfA3b(doc: PDFDocument, info: DocumentInfo, idSeed: string): void {
  // Info dates carry whole seconds; the XMP copy must state the same instant.
  const date = new Date(Math.floor(info.date.getTime() / 1000) * 1000);
  doc.setTitle(info.title);
  doc.setAuthor(info.author);
  doc.setSubject(info.subject);
  doc.setKeywords([...info.keywords]);
  doc.setCreator(info.creator);
  doc.setProducer(info.producer);
  doc.setCreationDate(date);
  doc.setModificationDate(date);
  doc.setLanguage(info.language);

  const { context, catalog } = doc;
  const xmp = new TextEncoder().encode(xmpPacket({ ...info, date }));
  // The metadata stream stays unfiltered so that any tool can read it (ISO 19005-2 §6.6.2.1 note).
  const metadata = context.stream(xmp, { Type: "Metadata", Subtype: "XML", Length: xmp.length });
  catalog.set(PDFName.of("Metadata"), context.register(metadata));

  const icc = srgbIccProfile();
  const profile = context.flateStream(icc, { N: 3 });
  const intent = context.obj({
    Type: "OutputIntent",
    S: "GTS_PDFA1",
    OutputConditionIdentifier: PDFString.of("sRGB IEC61966-2.1"),
    Info: PDFString.of("sRGB IEC61966-2.1"),
    RegistryName: PDFString.of("http://www.color.org"),
    DestOutputProfile: context.register(profile),
  });
  catalog.set(PDFName.of("OutputIntents"), context.obj([context.register(intent)]));

  const id = createHash("md5").update(idSeed).digest("hex");
  context.trailerInfo.ID = context.obj([PDFHexString.of(id), PDFHexString.of(id)]);
}

/**
 * Adds a URI link annotation over a rectangle of `page` (printable, borderless: PDF/A wants /F 4).
 *
 * @example
 * addLink(doc, page.node, [x, y, x + w, y + h], "https://etherscan.io/tx/0x…");
 */
export function addLink(doc: PDFDocument, pageNode: PDFDict, rect: readonly [number, number, number, number], uri: string): void {
  const annot = doc.context.obj({
    Type: "Annot",
    Subtype: "Link",
    Rect: [...rect],
    Border: [0, 0, 0],
    F: 4,
    A: { Type: "Action", S: "URI", URI: PDFString.of(uri) },
  });
  const ref = doc.context.register(annot);
  const annots = pageNode.lookupMaybe(PDFName.of("Annots"), PDFArray);
  if (annots) annots.push(ref);
  else pageNode.set(PDFName.of("Annots"), doc.context.obj([ref]));
}

const escapeXml = (s: string) => s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

function xmpPacket(info: DocumentInfo): string {
  const iso = info.date.toISOString().replace(/\.\d{3}Z$/, "Z");
  const alt = (v: string) => `<rdf:Alt><rdf:li xml:lang="x-default">${escapeXml(v)}</rdf:li></rdf:Alt>`;
  return `<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/"
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:pdf="http://ns.adobe.com/pdf/1.3/">
   <pdfaid:part>3</pdfaid:part>
   <pdfaid:conformance>B</pdfaid:conformance>
   <dc:format>application/pdf</dc:format>
   <dc:title>${alt(info.title)}</dc:title>
   <dc:creator><rdf:Seq><rdf:li>${escapeXml(info.author)}</rdf:li></rdf:Seq></dc:creator>
   <dc:description>${alt(info.subject)}</dc:description>
   <dc:language><rdf:Bag><rdf:li>${escapeXml(info.language)}</rdf:li></rdf:Bag></dc:language>
   <pdf:Keywords>${escapeXml(info.keywords.join(" "))}</pdf:Keywords>
   <pdf:Producer>${escapeXml(info.producer)}</pdf:Producer>
   <xmp:CreatorTool>${escapeXml(info.creator)}</xmp:CreatorTool>
   <xmp:CreateDate>${iso}</xmp:CreateDate>
   <xmp:ModifyDate>${iso}</xmp:ModifyDate>
   <xmp:MetadataDate>${iso}</xmp:MetadataDate>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>`;
}

let icc: Uint8Array | undefined;

/**
 * An ICC v2 display profile of sRGB (IEC 61966-2.1): D50-adapted primaries (Bradford) and the sRGB
 * transfer curve sampled at 1024 points. Built here, deterministically, so that no binary profile
 * has to ship with the service.
 *
 * @example
 * srgbIccProfile().length // 2,468
 */
export function srgbIccProfile(): Uint8Array {
  if (icc) return icc;
  const ascii = (s: string) => new TextEncoder().encode(s);
  const s15 = (v: number) => Math.round(v * 65536);
  const xyz = (x: number, y: number, z: number) => {
    const b = new DataView(new ArrayBuffer(20));
    b.setUint32(0, 0x58595a20); // 'XYZ '
    b.setInt32(8, s15(x));
    b.setInt32(12, s15(y));
    b.setInt32(16, s15(z));
    return new Uint8Array(b.buffer);
  };
  const text = (s: string) => {
    const b = new Uint8Array(8 + s.length + 1);
    b.set(ascii("text"), 0);
    b.set(ascii(s), 8);
    return b;
  };
  const desc = (s: string) => {
    // textDescriptionType (ICC.1:2001-04 §6.5.17): ASCII, then empty Unicode and ScriptCode parts.
    const b = new Uint8Array(12 + s.length + 1 + 4 + 4 + 2 + 1 + 67);
    const v = new DataView(b.buffer);
    b.set(ascii("desc"), 0);
    v.setUint32(8, s.length + 1);
    b.set(ascii(s), 12);
    return b;
  };
  const curve = (() => {
    const n = 1024;
    const b = new DataView(new ArrayBuffer(12 + 2 * n));
    b.setUint32(0, 0x63757276); // 'curv'
    b.setUint32(8, n);
    for (let i = 0; i < n; i++) {
      const c = i / (n - 1);
      const linear = c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
      b.setUint16(12 + 2 * i, Math.round(linear * 65535));
    }
    return new Uint8Array(b.buffer);
  })();
  const tags: [string, Uint8Array][] = [
    ["desc", desc("sRGB IEC61966-2.1")],
    ["cprt", text("No copyright, use freely")],
    ["wtpt", xyz(0.9642, 1.0, 0.8249)],
    ["rXYZ", xyz(0.4360747, 0.2225045, 0.0139322)],
    ["gXYZ", xyz(0.3850649, 0.7168786, 0.0971045)],
    ["bXYZ", xyz(0.1430804, 0.0606169, 0.7141733)],
    ["rTRC", curve],
    ["gTRC", curve],
    ["bTRC", curve],
  ];
  const pad = (n: number) => (n + 3) & ~3;
  let offset = 128 + 4 + tags.length * 12;
  const placed = new Map<Uint8Array, number>();
  const table: { sig: string; offset: number; size: number }[] = [];
  for (const [sig, data] of tags) {
    let at = placed.get(data);
    if (at === undefined) {
      at = offset;
      placed.set(data, at);
      offset += pad(data.length);
    }
    table.push({ sig, offset: at, size: data.length });
  }
  const out = new Uint8Array(offset);
  const v = new DataView(out.buffer);
  v.setUint32(0, offset); // profile size
  v.setUint32(8, 0x02100000); // version 2.1
  out.set(ascii("mntrRGB XYZ "), 12); // device class, colour space, PCS
  [2026, 1, 1, 0, 0, 0].forEach((n, i) => v.setUint16(24 + 2 * i, n));
  out.set(ascii("acsp"), 36);
  v.setInt32(68, s15(0.9642)); // PCS illuminant D50
  v.setInt32(72, s15(1.0));
  v.setInt32(76, s15(0.8249));
  v.setUint32(128, tags.length);
  table.forEach((t, i) => {
    out.set(ascii(t.sig), 132 + i * 12);
    v.setUint32(136 + i * 12, t.offset);
    v.setUint32(140 + i * 12, t.size);
  });
  for (const [data, at] of placed) out.set(data, at);
  icc = out;
  return out;
}
