/**
 * The certificate of a web capture's entry, as a reader meets it: a real capture (real Chromium, a local
 * HTTPS site with a test CA whose page starts with a known colour block) stamped and anchored on anvil
 * (SQLite, embedded IPFS), its certificate read back with poppler (pdftotext, pdfimages, pdftoppm,
 * pdfdetach) in both languages and every jurisdiction pack, the attached capture verified by
 * `priorproof verify-capture`, and the PDF/A-3b structures checked directly (no validator runs here).
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PNG } from "pngjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run, type Io } from "../../client-sdk/src/cli/main.ts";
import type { CaptureRecord } from "../../server/src/store/captures.ts";
import { ZH_ALLOWED_LATIN } from "../../server/src/services/certificates/i18n-zh.ts";
import { anchorAll, buildTestApp, type TestApp } from "../helpers/app.ts";
import { makeTestPki, startHttpsSite, type HttpsSite } from "../helpers/https-site.ts";

/** The page's known colour: a full-width block 400 CSS pixels high at the top. */
const GREEN = [0, 200, 83] as const;
const BLOCK_CSS_HEIGHT = 400;
const page =
  `<!doctype html><html><head><title>ACME brand page</title></head><body style="margin:0;background:#fff">
<div ` +
  `style="height:${BLOCK_CSS_HEIGHT}px;background:rgb(${GREEN.join(",")})"></div><h1 style="font:40px sans-serif;margin:20px">ACME® widgets since ` +
  `1998</h1></body></html>`;

const work = mkdtempSync(join(tmpdir(), "pp-cert-capture-"));
let t: TestApp;
let site: HttpsSite;
let capture: CaptureRecord;
let plainEntry: string;
const auth = () => ({ authorization: `Bearer ${t.keys.acme}` });
const flat = (s: string) => s.replace(/\s+/g, "");
const docs = new Map<string, Buffer>();

async function certificate(id: string, lang: "en" | "zh-CN", jurisdiction: "cn" | "us" | "eu"): Promise<Buffer> {
  const key = `${id} ${lang} ${jurisdiction}`;
  if (!docs.has(key)) {
    const res = await t.app.inject({ method: "GET", url: `/v1/entries/${id}/certificate.pdf?lang=${lang}&jurisdiction=${jurisdiction}`, headers: auth() });
    expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
    docs.set(key, res.rawPayload);
  }
  return docs.get(key)!;
}
function save(bytes: Buffer, name: string): string {
  const path = join(work, name);
  writeFileSync(path, bytes);
  return path;
}
const text = (bytes: Buffer) => execFileSync("pdftotext", [save(bytes, `t-${Math.random().toString(36).slice(2)}.pdf`), "-"], { encoding: "utf8" });

beforeAll(async () => {
  site = await startHttpsSite({ "/brand": { body: page } });
  t = await buildTestApp({
    CAPTURE_ALLOW_PRIVATE: "true",
    CAPTURE_TRUST_SPKI: makeTestPki().spki,
    CAPTURE_TIME_BUDGET_MS: "30000",
    CAPTURE_CLOCK_SOURCE: "chrony (test)",
  });
  const res = await t.app.inject({ method: "POST", url: "/v1/captures", headers: auth(), payload: { url: `${site.url}/brand`, options: { settleMs: 200 } } });
  expect(res.statusCode).toBe(202);
  capture = (await t.app.captures.runOnce())!;
  expect(capture).toMatchObject({ status: "complete" });
  plainEntry = (await t.app.inject({ method: "POST", url: "/v1/stamps", headers: auth(), payload: { items: [{ sha256: "0x" + "c4".repeat(32) }] } })).json()
    .entries[0].id;
  await anchorAll(t);
}, 180_000);
afterAll(async () => {
  // Kept for a person to look at (test-artifacts/ is not committed).
  const keep = join("test-artifacts", "certificate-capture");
  mkdirSync(keep, { recursive: true });
  for (const [key, bytes] of docs) writeFileSync(join(keep, `${key.replaceAll(" ", "-")}.pdf`), bytes);
  await t?.close();
  await site?.close();
  rmSync(work, { recursive: true, force: true });
});

describe("certificate of a web capture", () => {
  for (const lang of ["en", "zh-CN"] as const) {
    for (const j of ["cn", "us", "eu"] as const) {
      it(`prints the URL, TLS subject and issuer, times and clock, manifest digest and every part with its digest and CID (${lang}, ${j})`, async () => {
        const page = flat(text(await certificate(capture.entryId!, lang, j)));
        const facts = (await t.app.captures.getFacts(capture.tenantId, { captureId: capture.id }))!;
        expect(page).toContain(flat(lang === "en" ? "2. Web capture (what this service's browser recorded)" : "二、网页取证"));
        for (const v of [
          facts.url,
          facts.finalUrl,
          facts.manifestSha256,
          facts.manifestCid!,
          facts.startedAt,
          facts.finishedAt,
          "chrony (test)",
          facts.tls!.subject,
          facts.tls!.issuer,
          facts.remoteAddress!,
        ])
          expect(page, v).toContain(flat(v));
        expect(facts.tls).toMatchObject({ subject: "capture-test.localhost", issuer: "PriorProof Capture Test CA" });
        expect(facts.parts.map((p) => p.name).sort()).toEqual(["dom.html", "network.json", "page.mhtml", "screenshot.png", "tls-chain.pem"]);
        for (const p of facts.parts) {
          for (const v of [p.name, p.sha256, p.cid!, `sha256sum ${p.name}`]) expect(page, `${p.name}: ${v}`).toContain(flat(v));
          expect(page).toContain(flat(p.sha256.slice(2))); // the hash the check prints, without 0x
        }
        expect(page).toContain(flat("priorproof verify-capture"));
        // The capture is named in the headline and in the jurisdiction pack, cross-referenced to its section.
        expect(page).toContain(flat(lang === "en" ? `That file is the manifest of a web capture of ${facts.url}` : `该文件是对 ${facts.url} 的网页取证清单`));
        expect(page).toContain(flat(lang === "en" ? "how the page was fetched and what was recorded" : "网页如何取得及所记录的内容"));
        expect(page).toContain(flat(lang === "en" ? "is in section 2." : "见第二部分。"));
        expect(page).toContain(flat(lang === "en" ? "does not show who controls the site" : "它不表明谁控制该网站"));
      }, 60_000);
    }
  }

  it("leaves the certificate of an entry that is not a capture without a capture section", async () => {
    const page = flat(text(await certificate(plainEntry, "en", "eu")));
    expect(page).toContain(flat("1. The file (subject)"));
    expect(page).toContain(flat("2. Claim"));
    expect(page).not.toContain(flat("Web capture"));
    expect(page).not.toContain("verify-capture");
  });

  it("has no untranslated Latin-script word in Chinese outside the capture's own data and the listed technical tokens", async () => {
    const receipt = (await t.app.inject({ method: "GET", url: `/v1/entries/${capture.entryId}/receipt`, headers: auth() })).json();
    const facts = (await t.app.captures.getFacts(capture.tenantId, { captureId: capture.id }))!;
    for (const j of ["cn", "us", "eu"] as const) {
      const page = text(await certificate(capture.entryId!, "zh-CN", j));
      // What the site, the browser and the capturing host recorded is data, printed as recorded.
      const data = [
        receipt.subject.cid,
        receipt.subject.cidProfile,
        receipt.subject.name,
        receipt.subject.mediaType,
        receipt.leaf.encoding,
        receipt.service.software,
        receipt.service.requestId,
        "acme",
        receipt.claim.title,
        facts.clock,
        facts.browser,
        facts.userAgent,
        facts.title,
        facts.manifestVersion,
        facts.tls!.subject,
        facts.tls!.issuer,
        facts.tls!.protocol,
        facts.serverDate ?? "",
        ...facts.outcome.notes,
        ...facts.parts.flatMap((p) => [p.name, p.mediaType, p.cid ?? ""]),
      ]
        .filter(Boolean)
        .join(" ");
      const allowed = new Set<string>([...ZH_ALLOWED_LATIN, ...(data.match(/[A-Za-z][A-Za-z0-9_./-]*/g) ?? [])]);
      // CIDs are long enough to wrap: removed wherever the line breaks them.
      const cids = [receipt.subject.cid, facts.manifestCid, ...facts.parts.map((p) => p.cid)].filter((c): c is string => typeof c === "string");
      const unwrapped = cids.reduce((s, cid) => s.replace(new RegExp(cid.split("").join("\\s*"), "g"), " "), page);
      const stripped = unwrapped
        .replace(/https?:\/\/\S+/g, " ")
        .replace(/0x[0-9a-fA-F ]+/g, " ")
        .replace(/\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z\b/g, " ")
        .replace(/\b[0-9A-F]{4}(-[0-9A-F]{4}){3}\b/g, " ");
      const words = (stripped.match(/-{0,2}[A-Za-z][A-Za-z0-9_./-]*/g) ?? []).filter((w) => !/^[0-9a-f-]+$/.test(w));
      const untranslated = [...new Set(words.filter((w) => !allowed.has(w) && !allowed.has(w.replace(/[.,;:]+$/, ""))))];
      expect(untranslated, `jurisdiction ${j}`).toEqual([]);
    }
  });

  it("draws the screenshot as one opaque RGB image whose printed region has the page's colour block", async () => {
    const path = save(await certificate(capture.entryId!, "en", "eu"), "shot.pdf");
    // page num type width height color comp bpc enc interp object ID x-ppi y-ppi size ratio
    const images = execFileSync("pdfimages", ["-list", path], { encoding: "utf8" })
      .trim()
      .split("\n")
      .slice(2)
      .map((l) => l.trim().split(/\s+/));
    expect(images).toHaveLength(1);
    const [pageNo, , type, width, height, color, , bpc] = images[0]!;
    expect([type, color, bpc]).toEqual(["image", "rgb", "8"]); // no smask row: no transparency
    const facts = (await t.app.captures.getFacts(capture.tenantId, { captureId: capture.id }))!;
    expect([Number(width), Number(height)]).toEqual([facts.screenshot!.width, facts.screenshot!.height]);
    expect(facts.screenshot!.width).toBe(600);
    // Render that page at 72 dpi (1 px = 1 pt) and find the green block.
    const prefix = join(work, "page");
    execFileSync("pdftoppm", ["-png", "-r", "72", "-f", pageNo!, "-l", pageNo!, "-singlefile", path, prefix]);
    const png = PNG.sync.read(readFileSync(`${prefix}.png`));
    let [minX, minY, maxX, maxY, count] = [Infinity, Infinity, -1, -1, 0];
    for (let y = 0; y < png.height; y++) {
      for (let x = 0; x < png.width; x++) {
        const i = (y * png.width + x) * 4;
        if (GREEN.every((c, k) => Math.abs(png.data[i + k]! - c) <= 24)) {
          count++;
          [minX, minY, maxX, maxY] = [Math.min(minX, x), Math.min(minY, y), Math.max(maxX, x), Math.max(maxY, y)];
        }
      }
    }
    const w = maxX - minX + 1;
    const h = maxY - minY + 1;
    // At least 60% of the text width (495 pt), a solid block, with the page's proportions (400 CSS px of 1280).
    expect(w).toBeGreaterThanOrEqual(0.6 * 495);
    expect(w).toBeLessThanOrEqual(496);
    expect(count).toBeGreaterThanOrEqual(0.95 * w * h);
    expect(h / w).toBeCloseTo(BLOCK_CSS_HEIGHT / 1280, 1);
    // It sits inside the margins, in the top part of the drawn image.
    expect(minX).toBeGreaterThanOrEqual(49);
  }, 60_000);

  it("attaches the manifest and the parts as PDF/A-3 associated files that priorproof verify-capture verifies as they are", async () => {
    const path = save(await certificate(capture.entryId!, "en", "us"), "attached.pdf");
    const list = execFileSync("pdfdetach", ["-list", path], { encoding: "utf8" });
    for (const name of ["receipt.json", "manifest.json", "screenshot.png", "page.mhtml", "dom.html", "network.json", "tls-chain.pem"])
      expect(list).toContain(name);
    const dir = join(work, "detached");
    mkdirSync(dir);
    execFileSync("pdfdetach", ["-saveall", "-o", dir, path]);
    expect(readdirSync(dir).sort()).toEqual(["dom.html", "manifest.json", "network.json", "page.mhtml", "receipt.json", "screenshot.png", "tls-chain.pem"]);
    const lines: string[] = [];
    const io: Io = { out: (l) => lines.push(l), err: (l) => lines.push(l), progress: () => undefined, isTTY: false, env: {} };
    expect(await run(["verify-capture", dir, "--rpc", t.chain.rpcUrl], io)).toBe(0);
    expect(lines.join("\n")).toMatch(/^VERIFIED: capture of https:\/\/127\.0\.0\.1:\d+\/brand/m);
    // One changed byte in an attached part fails, naming it.
    const shot = readFileSync(join(dir, "screenshot.png"));
    shot[shot.length - 30]! ^= 0x01;
    writeFileSync(join(dir, "screenshot.png"), shot);
    lines.length = 0;
    expect(await run(["verify-capture", dir, "--rpc", t.chain.rpcUrl], io)).toBe(1);
    expect(lines.join("\n")).toContain("NOT VERIFIED: part screenshot.png differs from the manifest");
  }, 60_000);

  it("is verified by priorproof verify-capture given the certificate PDF itself; a changed byte in an attached part names it", async () => {
    const doc = await certificate(capture.entryId!, "zh-CN", "cn");
    const path = save(doc, "cert-as-bundle.pdf");
    const lines: string[] = [];
    const io: Io = { out: (l) => lines.push(l), err: (l) => lines.push(l), progress: () => undefined, isTTY: false, env: {} };
    expect(await run(["verify-capture", path, "--rpc", t.chain.rpcUrl], io), lines.join("\n")).toBe(0);
    expect(lines.filter((l) => l.startsWith("PASS  Part "))).toHaveLength(5);
    expect(lines.at(-1)).toMatch(/^VERIFIED: capture of https:\/\/127\.0\.0\.1:\d+\/brand/);
    // The attached screenshot.png (the only PNG signature in the file: the drawn image is raw RGB).
    const png = doc.indexOf(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(png).toBeGreaterThan(0);
    expect(doc.indexOf(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), png + 1)).toBe(-1);
    const changed = Buffer.from(doc);
    changed[png + 200]! ^= 0x01;
    lines.length = 0;
    expect(await run(["verify-capture", save(changed, "cert-changed.pdf"), "--rpc", t.chain.rpcUrl], io)).toBe(1);
    expect(lines.at(-1)).toBe("NOT VERIFIED: part screenshot.png differs from the manifest");
  }, 60_000);

  it("reads the attachments past streams: a page title posing as a second file specification does not confuse verify-capture", async () => {
    // The title is recorded verbatim in manifest.json (an attached stream written after the real dom.html
    // specification): read as PDF syntax, it would name dom.html twice.
    const posingTitle = "obj << /Type /Filespec /F (dom.html) /EF << /F 1 0 R >> >> endobj";
    site.set("/posing", { body: `<!doctype html><title>${posingTitle}</title><p>listing</p>` });
    const res = await t.app.inject({
      method: "POST",
      url: "/v1/captures",
      headers: auth(),
      payload: { url: `${site.url}/posing`, options: { settleMs: 100 } },
    });
    expect(res.statusCode).toBe(202);
    const posing = (await t.app.captures.runOnce())!;
    expect(posing.status).toBe("complete");
    await anchorAll(t);
    const doc = (await t.app.inject({ method: "GET", url: `/v1/entries/${posing.entryId}/certificate.pdf`, headers: auth() })).rawPayload;
    expect(doc.includes(posingTitle)).toBe(true);
    const lines: string[] = [];
    const io: Io = { out: (l) => lines.push(l), err: (l) => lines.push(l), progress: () => undefined, isTTY: false, env: {} };
    expect(await run(["verify-capture", save(doc, "posing.pdf"), "--rpc", t.chain.rpcUrl], io), lines.join("\n")).toBe(0);
  }, 120_000);

  it("keeps the PDF/A-3b structures: XMP 3B, sRGB output intent, associated files with relationships and MIME subtypes, file id, embedded fonts", async () => {
    for (const lang of ["en", "zh-CN"] as const) {
      const doc = await certificate(capture.entryId!, lang, "cn");
      const path = save(doc, `pdfa-${lang}.pdf`);
      const raw = doc.toString("latin1");
      expect(raw.startsWith("%PDF-1.7")).toBe(true);
      expect(raw).toContain("<pdfaid:part>3</pdfaid:part>");
      expect(raw).toContain("<pdfaid:conformance>B</pdfaid:conformance>");
      expect(raw).toMatch(/\/OutputIntents \[\s*<<[^>]*\/Type \/OutputIntent[^>]*\/S \/GTS_PDFA1/);
      expect(raw).toMatch(/\/AFRelationship \/Source/);
      expect(raw).toMatch(/\/AFRelationship \/Data/);
      // Every associated file is in the catalog's /AF, with a plain MIME subtype.
      const af = /\/AF \[([^\]]*)\]/.exec(raw)![1]!.match(/\d+ 0 R/g)!;
      expect(af).toHaveLength(7);
      for (const subtype of ["image#2Fpng", "text#2Fhtml", "multipart#2Frelated", "application#2Fjson", "application#2Fx-pem-file"])
        expect(raw).toContain(`/Subtype /${subtype}`);
      expect(raw).not.toMatch(/\/SMask/);
      expect(raw).toMatch(/\/ID \[\s*<[0-9A-Fa-f]{32}>\s*<[0-9A-Fa-f]{32}>\s*\]/);
      expect(raw).not.toMatch(/\/Encrypt/);
      const info = execFileSync("pdfinfo", [path], { encoding: "utf8" });
      const title = /Title:\s+(.*)/.exec(info)![1]!.trim();
      expect(raw).toContain(`<rdf:li xml:lang="x-default">${Buffer.from(title, "utf8").toString("latin1")}</rdf:li>`);
      const fonts = execFileSync("pdffonts", [path], { encoding: "utf8" }).trim().split("\n").slice(2);
      for (const line of fonts) expect(line.split(/\s+/).slice(-5, -4)[0], line).toBe("yes");
    }
  });

  it("renders a capture's certificate once: a second download is served from the cache", async () => {
    const url = `/v1/entries/${capture.entryId}/certificate.pdf?lang=en&jurisdiction=eu`;
    const first = await t.app.inject({ method: "GET", url, headers: auth() });
    const before = t.app.certificates.renders;
    const again = await t.app.inject({ method: "GET", url, headers: auth() });
    expect(again.statusCode).toBe(200);
    expect(t.app.certificates.renders).toBe(before);
    expect(again.rawPayload.equals(first.rawPayload)).toBe(true);
  });

  it("is still recognised by the certificate reader: the one receipt it carries is the capture's", async () => {
    const { extractReceipt } = await import("../../client-sdk/src/certificate-pdf.ts");
    const { inflateSync } = await import("node:zlib");
    const receipt = (await extractReceipt(new Uint8Array(await certificate(capture.entryId!, "zh-CN", "eu")), inflateSync)) as { subject: { sha256: string } };
    expect(receipt.subject.sha256).toBe(capture.manifestSha256);
  });
});
