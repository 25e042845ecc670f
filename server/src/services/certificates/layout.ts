/**
 * Page layout of the certificate: fonts (all embedded), text wrapping that never breaks a Latin word
 * inside Chinese text, labelled fields, tables, and section headings kept with what follows them so
 * that no heading is left alone at the bottom of a page. Knows nothing of receipts: sections.ts turns
 * a receipt into {@link Section}s and this module draws them.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import fontkit from "@pdf-lib/fontkit";
import { PDFDocument, type PDFFont, type PDFImage, type PDFPage, rgb } from "pdf-lib";
import { woffToSfnt } from "../woff.ts";

export type Block =
  | { readonly kind: "field"; readonly label: string; readonly value: string; readonly style?: "hex" | "mono" }
  | { readonly kind: "para"; readonly text: string; readonly style?: "mono" | "small" | "strong" }
  | { readonly kind: "table"; readonly head: readonly string[]; readonly rows: readonly (readonly string[])[]; readonly widths: readonly number[] }
  | { readonly kind: "rule" }
  | { readonly kind: "gap"; readonly height: number }
  /** An opaque PNG (no alpha: PDF/A), drawn at the text width or smaller, never cut; `width`/`height` in pixels. */
  | { readonly kind: "image"; readonly png: Uint8Array; readonly width: number; readonly height: number; readonly title?: string };

export interface Section {
  readonly key: string;
  readonly title: string;
  readonly blocks: readonly Block[];
}

const require = createRequire(import.meta.url);
const fontFile = (pkg: string, file: string) => woffToSfnt(readFileSync(require.resolve(`${pkg}/files/${file}`)));
let fonts: { regular: Uint8Array; bold: Uint8Array; mono: Uint8Array; cjk: Uint8Array } | undefined;
function fontBytes() {
  fonts ??= {
    regular: fontFile("@fontsource/noto-sans", "noto-sans-latin-400-normal.woff"),
    bold: fontFile("@fontsource/noto-sans", "noto-sans-latin-700-normal.woff"),
    mono: fontFile("@fontsource/noto-sans-mono", "noto-sans-mono-latin-400-normal.woff"),
    cjk: fontFile("@fontsource/noto-sans-sc", "noto-sans-sc-chinese-simplified-400-normal.woff"),
  };
  return fonts;
}

export const A4 = { width: 595.28, height: 841.89 };
export const MARGIN = 50;
const TOP = A4.height - 70;
const BOTTOM = 60;
const LABEL_W = 170;
export const INK = rgb(0.1, 0.1, 0.12);
export const BLUE = rgb(0.07, 0.2, 0.45);
export const GREY = rgb(0.35, 0.37, 0.42);
export const RED = rgb(0.64, 0.07, 0.1);

/** Groups hex in blocks of 8 for reading aloud and comparing by eye. */
export function groupHex(hex: string): string {
  const body = hex.startsWith("0x") ? hex.slice(2) : hex;
  return (hex.startsWith("0x") ? "0x " : "") + (body.match(/.{1,8}/g) ?? []).join(" ");
}

// CJK ideographs and punctuation break anywhere; Latin words, numbers and hex stay whole.
const TOKENS = /[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]|[^\s\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]+|\s+/gu;

// Closing punctuation never starts a line (Chinese line-breaking rule): it stays at the end of the
// previous line, even if that runs a few points into the margin.
const NO_LINE_START = new Set([..."，。、；：！？）】」』〉》”’…—,.;:!?)"]);

export class Writer {
  readonly doc: PDFDocument;
  readonly font: PDFFont;
  readonly bold: PDFFont;
  readonly mono: PDFFont;
  readonly width = A4.width - 2 * MARGIN;
  page!: PDFPage;
  y = TOP;
  private readonly widths = new Map<PDFFont, Map<string, number>>();
  private readonly charsets = new Map<PDFFont, Set<number>>();
  private readonly images = new Map<Uint8Array, PDFImage>();

  private constructor(doc: PDFDocument, font: PDFFont, bold: PDFFont, mono: PDFFont) {
    this.doc = doc;
    this.font = font;
    this.bold = bold;
    this.mono = mono;
    this.newPage();
  }

  static async create(chinese: boolean): Promise<Writer> {
    const doc = await PDFDocument.create({ updateMetadata: false });
    doc.registerFontkit(fontkit);
    const b = fontBytes();
    const font = await doc.embedFont(chinese ? b.cjk : b.regular, { subset: true });
    // The CJK bold face loses glyphs when pdf-lib subsets it (a CFF subsetting defect), so Chinese
    // headings use the regular face, which subsets correctly (checked on the rendered pages).
    const bold = chinese ? font : await doc.embedFont(b.bold, { subset: true });
    const mono = await doc.embedFont(b.mono, { subset: true });
    return new Writer(doc, font, bold, mono);
  }

  /** Embeds the images of `blocks` (drawing is synchronous; embedding is not). */
  async embedImages(blocks: readonly Block[]): Promise<void> {
    for (const b of blocks) if (b.kind === "image" && !this.images.has(b.png)) this.images.set(b.png, await this.doc.embedPng(b.png));
  }

  /** An image's printed size: the text width (or its pixel width, if smaller), at most one page's text height. */
  private imageSize(b: { width: number; height: number }): { w: number; h: number } {
    const w = Math.min(this.width, b.width);
    const h = (w * b.height) / b.width;
    const max = TOP - BOTTOM - 10;
    return h <= max ? { w, h } : { w: (w * max) / h, h: max };
  }

  newPage(): void {
    this.page = this.doc.addPage([A4.width, A4.height]);
    this.y = TOP;
  }

  private need(h: number): void {
    if (this.y - h < BOTTOM) this.newPage();
  }

  private widthOf(tok: string, f: PDFFont, size: number): number {
    let m = this.widths.get(f);
    if (!m) this.widths.set(f, (m = new Map()));
    let w = m.get(tok);
    if (w === undefined) {
      // Measured once per token at size 1: fontkit layout is slow for CJK, and lines are measured often.
      w = f.widthOfTextAtSize(tok, 1);
      m.set(tok, w);
    }
    return w * size;
  }

  /** Characters a font lacks print as "?" rather than as nothing (a user's claim may hold any script). */
  safe(text: string, f: PDFFont): string {
    let set = this.charsets.get(f);
    if (!set) this.charsets.set(f, (set = new Set(f.getCharacterSet())));
    const known = set;
    return [...text].map((ch) => (known.has(ch.codePointAt(0)!) || ch === "\n" ? ch : "?")).join("");
  }

  /** Splits text into lines that fit `w`: by words, CJK by characters, over-long tokens by characters. */
  wrap(text: string, f: PDFFont, size: number, w: number): string[] {
    const lines: string[] = [];
    for (const paragraph of this.safe(text, f).split("\n")) {
      let line = "";
      let lineW = 0;
      for (const tok of paragraph.match(TOKENS) ?? []) {
        const tw = this.widthOf(tok, f, size);
        if (lineW + tw <= w || (NO_LINE_START.has(tok) && line.trim() !== "")) {
          line += tok;
          lineW += tw;
          continue;
        }
        if (line.trim() !== "") lines.push(line.trimEnd());
        line = "";
        lineW = 0;
        if (tw <= w) {
          if (tok.trim() !== "") [line, lineW] = [tok, tw];
          continue;
        }
        for (const ch of tok) {
          const cw = this.widthOf(ch, f, size);
          if (lineW + cw > w && line) {
            lines.push(line);
            [line, lineW] = ["", 0];
          }
          line += ch;
          lineW += cw;
        }
      }
      lines.push(line.trimEnd());
    }
    return lines;
  }

  /** Draws wrapped text, breaking pages as needed. */
  text(text: string, o: { size?: number; f?: PDFFont; color?: ReturnType<typeof rgb>; indent?: number; right?: number; gap?: number } = {}): void {
    const size = o.size ?? 9.5;
    const f = o.f ?? this.font;
    for (const line of this.wrap(text, f, size, this.width - (o.indent ?? 0) - (o.right ?? 0))) {
      this.need(size + 4);
      this.page.drawText(line, { x: MARGIN + (o.indent ?? 0), y: this.y, size, font: f, color: o.color ?? INK });
      this.y -= size + 3.5;
    }
    this.y -= o.gap ?? 3;
  }

  /** Height a block takes (used to keep a heading with its first block). */
  measure(b: Block): number {
    switch (b.kind) {
      case "field": {
        const f = b.style ? this.mono : this.font;
        const size = b.style === "hex" ? 8.6 : 9.5;
        const value = b.style === "hex" ? groupHex(b.value) : b.value;
        return Math.max(this.wrap(b.label, this.font, 8.5, LABEL_W - 8).length * 11, this.wrap(value, f, size, this.width - LABEL_W).length * (size + 3.5)) + 3;
      }
      case "para": {
        const [f, size] = this.paraFont(b);
        return this.wrap(b.text, f, size, this.width).length * (size + 3.5) + 3;
      }
      case "table":
        return 14 + Math.min(3, b.rows.length) * 12;
      case "rule":
        return 22;
      case "gap":
        return b.height;
      case "image":
        return this.imageSize(b).h + 8 + (b.title ? 14 : 0);
    }
  }

  private paraFont(b: { style?: "mono" | "small" | "strong" }): [PDFFont, number] {
    return b.style === "mono" ? [this.mono, 7.8] : b.style === "small" ? [this.font, 8] : b.style === "strong" ? [this.bold, 9.5] : [this.font, 9.5];
  }

  draw(b: Block): void {
    switch (b.kind) {
      case "field": {
        const f = b.style ? this.mono : this.font;
        const size = b.style === "hex" ? 8.6 : 9.5;
        const labelLines = this.wrap(b.label, this.font, 8.5, LABEL_W - 8);
        const valueLines = this.wrap(b.style === "hex" ? groupHex(b.value) : b.value, f, size, this.width - LABEL_W);
        const lineH = size + 3.5;
        // Long values continue on the next page; the label stays with the value's first lines.
        this.need(Math.min(Math.max(labelLines.length * 11, valueLines.length * lineH), 4 * lineH) + 2);
        for (const [i, l] of labelLines.entries()) this.page.drawText(l, { x: MARGIN, y: this.y - i * 11, size: 8.5, font: this.font, color: GREY });
        let drawn = 0;
        let broke = false;
        for (const l of valueLines) {
          if (this.y - drawn * lineH - lineH < BOTTOM) {
            this.newPage();
            [drawn, broke] = [0, true];
          }
          this.page.drawText(l, { x: MARGIN + LABEL_W, y: this.y - drawn * lineH, size, font: f, color: INK });
          drawn++;
        }
        this.y -= (broke ? drawn * lineH : Math.max(labelLines.length * 11, drawn * lineH)) + 3;
        return;
      }
      case "para": {
        const [f, size] = this.paraFont(b);
        this.text(b.text, { f, size, ...(b.style === "small" ? { color: GREY } : {}) });
        return;
      }
      case "table":
        this.table(b.head, b.rows, b.widths);
        return;
      case "rule":
        // Drawn below the previous baseline's descenders, with room above the next line's ascenders.
        this.need(24);
        this.y -= 6;
        this.page.drawLine({ start: { x: MARGIN, y: this.y }, end: { x: MARGIN + this.width, y: this.y }, thickness: 0.5, color: GREY });
        this.y -= 16;
        return;
      case "gap":
        this.y -= b.height;
        return;
      case "image": {
        const image = this.images.get(b.png);
        if (!image) throw new Error("image block drawn before embedImages");
        let { w, h } = this.imageSize(b);
        // What is left of this page takes the image scaled down to no less than 60%; else a new page.
        // The title stays with the image.
        const titleH = b.title ? 14 : 0;
        const room = this.y - BOTTOM - 8 - titleH;
        if (h > room) {
          if (room >= 0.6 * h) [w, h] = [(w * room) / h, room];
          else this.newPage();
        }
        if (b.title) {
          this.page.drawText(this.safe(b.title, this.bold), { x: MARGIN, y: this.y, size: 9.5, font: this.bold, color: INK });
          this.y -= titleH;
        }
        this.y -= 4;
        this.page.drawImage(image, { x: MARGIN, y: this.y - h, width: w, height: h });
        this.page.drawRectangle({ x: MARGIN, y: this.y - h, width: w, height: h, borderColor: GREY, borderWidth: 0.5 });
        this.y -= h + 8;
        return;
      }
    }
  }

  /** A ruled table; `widths` are fractions of the text width. */
  private table(head: readonly string[], rows: readonly (readonly string[])[], widths: readonly number[]): void {
    const cols = widths.map((w) => w * this.width);
    const size = 8.2;
    const lineH = size + 3;
    const drawRow = (cells: readonly string[], f: PDFFont, shade: boolean) => {
      const wrapped = cells.map((c, i) => this.wrap(c, f, size, cols[i]! - 6));
      const h = Math.max(...wrapped.map((w) => w.length)) * lineH + 4;
      this.need(h);
      if (shade) this.page.drawRectangle({ x: MARGIN, y: this.y - h + lineH, width: this.width, height: h, color: rgb(0.93, 0.94, 0.97) });
      let x = MARGIN;
      wrapped.forEach((lines, i) => {
        for (const [j, l] of lines.entries()) this.page.drawText(l, { x: x + 3, y: this.y - j * lineH, size, font: f, color: INK });
        x += cols[i]!;
      });
      this.y -= h;
      this.page.drawLine({ start: { x: MARGIN, y: this.y + lineH - 2 }, end: { x: MARGIN + this.width, y: this.y + lineH - 2 }, thickness: 0.3, color: GREY });
    };
    drawRow(head, this.bold, true);
    for (const r of rows) drawRow(r, this.font, false);
    this.y -= 6;
  }

  /** Draws a numbered section: the heading is kept on the page of the section's first block. */
  section(title: string, blocks: readonly Block[]): void {
    const first = blocks[0];
    this.need(34 + (first ? Math.min(this.measure(first), 120) : 0));
    this.y -= 8;
    this.page.drawText(this.safe(title, this.bold), { x: MARGIN, y: this.y, size: 12, font: this.bold, color: BLUE });
    this.y -= 5;
    this.page.drawLine({ start: { x: MARGIN, y: this.y }, end: { x: MARGIN + this.width, y: this.y }, thickness: 0.6, color: BLUE });
    this.y -= 13;
    for (const b of blocks) this.draw(b);
  }
}
