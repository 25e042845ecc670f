/**
 * Every configuration renders a complete document: section numbers run 1..n with no gap, every
 * "section N" / "第N部分" cross-reference names a printed section, and no heading is left alone at the
 * bottom of a page. The receipts are real (anvil + an OpenSSL TSA + SQLite); the configurations are
 * derived from them (TSA token removed, offline proof removed, a second chain's anchor added as a copy
 * under chain id 31338, long claims, lineage, a signature), since the renderer is a pure function of
 * the receipt.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Receipt } from "@priorproof/client-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderCertificate, type CertificateLanguage } from "../../server/src/services/certificates/index.ts";
import { chineseNumber } from "../../server/src/services/certificates/i18n-zh.ts";
import { anchorAll, buildTestApp, type TestApp } from "../helpers/app.ts";
import { startOpensslTsa, type OpensslTsa } from "../helpers/openssl-tsa.ts";

const work = mkdtempSync(join(tmpdir(), "pp-layout-"));
let tsa: OpensslTsa;
let t: TestApp;
let base: Receipt;

beforeAll(async () => {
  tsa = await startOpensslTsa();
  t = await buildTestApp({ TSA_URL: tsa.url, TSA_CA_FILE: tsa.caPath });
  const res = await t.app.inject({
    method: "POST",
    url: "/v1/stamps",
    headers: { authorization: `Bearer ${t.keys.acme}` },
    payload: { items: [{ sha256: "0x" + "4b".repeat(32), claim: { title: "Kettle, rev. 2", kind: "design", claimant: "Example Kettles GmbH" } }] },
  });
  await anchorAll(t);
  await t.app.timestamper!.tick();
  base = (
    await t.app.inject({ method: "GET", url: `/v1/entries/${res.json().entries[0].id}/receipt`, headers: { authorization: `Bearer ${t.keys.acme}` } })
  ).json();
  expect(base.anchors.map((a) => a.type)).toEqual(["evm", "rfc3161"]);
}, 120_000);
afterAll(async () => {
  await t?.close();
  await tsa?.close();
  rmSync(work, { recursive: true, force: true });
});

interface Variant {
  tsa: boolean;
  offline: boolean;
  chains: 1 | 2;
  long: boolean;
  lineage: boolean;
  signature: boolean;
}

function derive(v: Variant): Receipt {
  let anchors = base.anchors.filter((a) => v.tsa || a.type !== "rfc3161");
  if (!v.offline) anchors = anchors.map((a) => (a.type === "evm" ? (({ inclusion: _drop, ...rest }) => rest)(a) : a));
  if (v.chains === 2) {
    const evm = anchors.find((a) => a.type === "evm")!;
    anchors = [...anchors, { ...evm, chainId: 31338, chainName: "second anvil (dev)" }];
  }
  const claim = v.long
    ? {
        ...base.claim,
        title: "A very long title ".repeat(120),
        note: "Line one\nLine two\r\nLine three\u202Eevil".repeat(60),
        aiProcess: Object.fromEntries(
          Array.from({ length: 60 }, (_, i) => [`parameter_${i}`, i % 3 === 0 ? { nested: ["x".repeat(300)] } : "value ".repeat(50)]),
        ),
      }
    : base.claim;
  return {
    ...base,
    anchors,
    ...(claim ? { claim } : {}),
    ...(v.signature
      ? { signature: { format: "eip712/1", signedAt: "2026-11-30T05:00:00Z", signer: "0x" + "12".repeat(20), chainId: 1, value: "0x" + "ab".repeat(65) } }
      : {}),
  } as Receipt;
}

const VARIANTS: Variant[] = [
  { tsa: false, offline: false, chains: 1, long: false, lineage: false, signature: false },
  { tsa: true, offline: false, chains: 1, long: false, lineage: false, signature: false },
  { tsa: false, offline: true, chains: 1, long: false, lineage: false, signature: false },
  { tsa: true, offline: true, chains: 2, long: false, lineage: false, signature: false },
  { tsa: false, offline: false, chains: 2, long: true, lineage: false, signature: false },
  { tsa: true, offline: true, chains: 1, long: true, lineage: true, signature: false },
  { tsa: false, offline: true, chains: 2, long: false, lineage: true, signature: true },
  { tsa: true, offline: true, chains: 2, long: true, lineage: true, signature: true },
];

const EN_HEADINGS = [
  "The file",
  "Claim —",
  "Signature over",
  "Service record",
  "Anchors on",
  "RFC 3161 time-stamp token",
  "Inclusion proof",
  "Earlier versions",
  "Statements",
  "For courts",
  "How to verify",
  "What the certificate number",
];
const EN_HEADING = new RegExp(`^\\s*(\\d+)\\. (${EN_HEADINGS.join("|")})`);
const ZH_DIGITS = Array.from({ length: 20 }, (_, i) => chineseNumber(i + 1));
const ZH_HEADING = new RegExp(`^\\s*(${ZH_DIGITS.slice().reverse().join("|")})、`);

function pagesOf(pdf: Uint8Array, name: string): string[] {
  const path = join(work, `${name}.pdf`);
  writeFileSync(path, pdf);
  const count = Number(/Pages:\s+(\d+)/.exec(execFileSync("pdfinfo", [path], { encoding: "utf8" }))![1]);
  return Array.from({ length: count }, (_, i) =>
    execFileSync("pdftotext", ["-layout", "-f", String(i + 1), "-l", String(i + 1), path, "-"], { encoding: "utf8" }),
  );
}

function check(pages: string[], language: CertificateLanguage): { headings: number[] } {
  const headingOf = (line: string): number | undefined => {
    if (language === "en") {
      const m = EN_HEADING.exec(line);
      return m ? Number(m[1]) : undefined;
    }
    const m = ZH_HEADING.exec(line);
    return m ? ZH_DIGITS.indexOf(m[1]!) + 1 : undefined;
  };
  const headings: number[] = [];
  const refs: number[] = [];
  pages.forEach((page, p) => {
    const lines = page.split("\n").filter((l) => l.trim() !== "");
    for (const l of lines) {
      const h = headingOf(l);
      if (h !== undefined) headings.push(h);
      if (language === "en") for (const m of l.matchAll(/\bsections? (\d+)/g)) refs.push(Number(m[1]));
      else for (const m of l.matchAll(/第([一二三四五六七八九十]+)部分/g)) refs.push(ZH_DIGITS.indexOf(m[1]!) + 1);
    }
    // The body's last line (above the footer's number and digest) is never a heading.
    const body = lines.filter((l) => !/(Certificate|证书编号) [0-9A-F-]{19} — (page|页) \d+ \/ \d+/.test(l) && !/^\s*SHA-256 0x/.test(l));
    expect(headingOf(body[body.length - 1] ?? ""), `page ${p + 1} ends with a heading: ${body[body.length - 1]}`).toBeUndefined();
  });
  expect(headings, "section numbers run 1..n").toEqual(headings.map((_, i) => i + 1));
  for (const r of refs) expect(r, `reference to section ${r} of ${headings.length}`).toBeGreaterThanOrEqual(1);
  for (const r of refs) expect(r, `reference to section ${r} of ${headings.length}`).toBeLessThanOrEqual(headings.length);
  return { headings };
}

describe("renderCertificate in every configuration", () => {
  for (const [i, v] of VARIANTS.entries()) {
    const name = `tsa=${v.tsa} offline=${v.offline} chains=${v.chains} long=${v.long} lineage=${v.lineage} signature=${v.signature}`;
    for (const language of ["en", "zh-CN"] as const) {
      it(`numbers sections continuously and keeps headings with their text (${language}, ${name})`, async () => {
        const receipt = derive(v);
        const lineage = v.lineage
          ? [
              { entryId: "draft", sha256: "0x" + "01".repeat(32), status: "confirmed", receivedAt: "2026-11-01T00:00:00Z", bound: "2026-11-01T00:00:15Z" },
              { entryId: receipt.id, sha256: receipt.subject.sha256, status: "confirmed", receivedAt: receipt.service.receivedAt, current: true },
            ]
          : undefined;
        const pdf = await renderCertificate({
          receipt,
          language,
          jurisdiction: (["cn", "us", "eu"] as const)[i % 3]!,
          verifyUrl: "https://proof.example.com/verify",
          submittedBy: "acme",
          generatedAt: new Date("2026-11-30T06:00:00Z"),
          software: "test",
          ...(lineage ? { lineage } : {}),
        });
        const { headings } = check(pagesOf(pdf, `${i}-${language}`), language);
        const expected = 9 + (v.tsa ? 1 : 0) + (v.lineage ? 1 : 0) + (v.signature ? 1 : 0);
        expect(headings.length).toBe(expected);
      }, 120_000);
    }
  }
});
