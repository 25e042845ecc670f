/**
 * PDF/A-3b structures, written with pdf-lib's low-level objects (pdf-lib writes none of them itself):
 * XMP metadata that matches the document information dictionary, an output intent with an embedded
 * sRGB ICC profile (server/assets/icc, zlib licence), associated files (the catalog's /AF array, each
 * file specification with its /AFRelationship, /F and /UF, and an embedded-file stream with its MIME
 * subtype and /Params /ModDate), and a file identifier in the trailer. Fonts are embedded by layout.ts.
 *
 * No PDF/A validator (veraPDF) runs here: test/server/certificate-pdfa.test.ts checks these structures
 * directly, which is not the same as a conformance verdict.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { PDFArray, type PDFDocument, PDFHexString, PDFName, type PDFRef, PDFString } from "pdf-lib";

const ICC_PATH = fileURLToPath(new URL("../../../assets/icc/sRGB.icc", import.meta.url));
let icc: Uint8Array | undefined;

export interface Attachment {
  readonly name: string;
  readonly bytes: Uint8Array;
  readonly mimeType: string;
  readonly description: string;
  readonly relationship: "Source" | "Supplement" | "Data";
}

export interface ArchivalInfo {
  readonly title: string;
  readonly author: string;
  readonly subject: string;
  readonly keywords: readonly string[];
  readonly creator: string;
  readonly producer: string;
  readonly language: string;
  readonly date: Date;
  /** Seed of the trailer /ID (the certificate number and the issuance time). */
  readonly idSeed: string;
}

const xmlEscape = (s: string) => s.replace(/[<>&'"]/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", "'": "&apos;", '"': "&quot;" })[c]!);
const xmpDate = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, "Z");

function xmp(info: ArchivalInfo): string {
  const alt = (s: string) => `<rdf:Alt><rdf:li xml:lang="x-default">${xmlEscape(s)}</rdf:li></rdf:Alt>`;
  return `<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/">
   <pdfaid:part>3</pdfaid:part>
   <pdfaid:conformance>B</pdfaid:conformance>
  </rdf:Description>
  <rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">
   <dc:format>application/pdf</dc:format>
   <dc:title>${alt(info.title)}</dc:title>
   <dc:creator><rdf:Seq><rdf:li>${xmlEscape(info.author)}</rdf:li></rdf:Seq></dc:creator>
   <dc:description>${alt(info.subject)}</dc:description>
   <dc:language><rdf:Bag><rdf:li>${xmlEscape(info.language)}</rdf:li></rdf:Bag></dc:language>
  </rdf:Description>
  <rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/">
   <xmp:CreateDate>${xmpDate(info.date)}</xmp:CreateDate>
   <xmp:ModifyDate>${xmpDate(info.date)}</xmp:ModifyDate>
   <xmp:MetadataDate>${xmpDate(info.date)}</xmp:MetadataDate>
   <xmp:CreatorTool>${xmlEscape(info.creator)}</xmp:CreatorTool>
  </rdf:Description>
  <rdf:Description rdf:about="" xmlns:pdf="http://ns.adobe.com/pdf/1.3/">
   <pdf:Producer>${xmlEscape(info.producer)}</pdf:Producer>
   <pdf:Keywords>${xmlEscape(info.keywords.join(", "))}</pdf:Keywords>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>`;
}

/** Embeds a file as a PDF/A-3 associated file, uncompressed (so a verifier can read it with no inflater). */
function attach(doc: PDFDocument, a: Attachment, date: Date): PDFRef {
  const ctx = doc.context;
  const stream = ctx.stream(a.bytes, {
    Type: "EmbeddedFile",
    Subtype: a.mimeType,
    Params: { Size: a.bytes.length, CreationDate: PDFString.fromDate(date), ModDate: PDFString.fromDate(date) },
  });
  const streamRef = ctx.register(stream);
  return ctx.register(
    ctx.obj({
      Type: "Filespec",
      F: PDFString.of(a.name),
      UF: PDFHexString.fromText(a.name),
      EF: { F: streamRef, UF: streamRef },
      Desc: PDFHexString.fromText(a.description),
      AFRelationship: a.relationship,
    }),
  );
}

/** Adds metadata, output intent, associated files and the file identifier; call once, before saving. */
export function makeArchival(doc: PDFDocument, info: ArchivalInfo, attachments: readonly Attachment[]): void {
  const ctx = doc.context;
  doc.setTitle(info.title, { showInWindowTitleBar: true });
  doc.setAuthor(info.author);
  doc.setSubject(info.subject);
  doc.setKeywords([info.keywords.join(", ")]);
  doc.setCreator(info.creator);
  doc.setProducer(info.producer);
  doc.setCreationDate(info.date);
  doc.setModificationDate(info.date);
  doc.setLanguage(info.language);

  const metadata = ctx.stream(new TextEncoder().encode(xmp(info)), { Type: "Metadata", Subtype: "XML" });
  doc.catalog.set(PDFName.of("Metadata"), ctx.register(metadata));

  icc ??= new Uint8Array(readFileSync(ICC_PATH));
  const profile = ctx.register(ctx.flateStream(icc, { N: 3 }));
  doc.catalog.set(
    PDFName.of("OutputIntents"),
    ctx.obj([
      ctx.obj({
        Type: "OutputIntent",
        S: "GTS_PDFA1",
        OutputConditionIdentifier: PDFString.of("sRGB IEC61966-2.1"),
        Info: PDFString.of("sRGB IEC61966-2.1"),
        RegistryName: PDFString.of("http://www.color.org"),
        DestOutputProfile: profile,
      }),
    ]),
  );

  const specs = [...attachments].sort((x, y) => (x.name < y.name ? -1 : 1)).map((a) => ({ name: a.name, ref: attach(doc, a, info.date) }));
  const names = PDFArray.withContext(ctx);
  for (const s of specs) {
    names.push(PDFHexString.fromText(s.name));
    names.push(s.ref);
  }
  doc.catalog.set(PDFName.of("Names"), ctx.obj({ EmbeddedFiles: ctx.obj({ Names: names }) }));
  doc.catalog.set(PDFName.of("AF"), ctx.obj(specs.map((s) => s.ref)));

  const id = createHash("md5").update(info.idSeed).digest("hex");
  ctx.trailerInfo.ID = ctx.obj([PDFHexString.of(id), PDFHexString.of(id)]);
}
