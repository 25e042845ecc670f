/**
 * Certificate v2 as a reader meets it (pdftotext, pdfdetach) over a real anvil chain and SQLite:
 * one number per piece of evidence, a time bound never earlier than the service's own receipt time,
 * the submitting account named, the legal text of each jurisdiction, refusal of placeholders for a
 * non-development chain, links from PUBLIC_URL only, control characters made visible, Chinese with no
 * untranslated words, rendering cached by content, and the lineage and portfolio documents.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCertificates } from "../../server/src/services/certificates/service.ts";
import { ZH_ALLOWED_LATIN } from "../../server/src/services/certificates/i18n-zh.ts";
import { anchorAll, buildTestApp, type TestApp } from "../helpers/app.ts";

const work = mkdtempSync(join(tmpdir(), "pp-cert2-"));
let t: TestApp;
const auth = () => ({ authorization: `Bearer ${t.keys.acme}` });
const digests = ["a1", "a2", "a3"].map((b) => "0x" + b.repeat(32));
const ids: string[] = [];
const lineageIds: string[] = [];

async function pdf(url: string, headers: Record<string, string> = auth()): Promise<Buffer> {
  const res = await t.app.inject({ method: "GET", url, headers });
  expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
  expect(res.headers["content-type"]).toBe("application/pdf");
  return res.rawPayload;
}
function text(bytes: Buffer, args: string[] = []): string {
  const path = join(work, `doc-${Math.random().toString(36).slice(2)}.pdf`);
  writeFileSync(path, bytes);
  return execFileSync("pdftotext", [...args, path, "-"], { encoding: "utf8" });
}
const flat = (s: string) => s.replace(/\s+/g, "");
const number = (s: string) => /(?:Certificate|证书编号)\s*([0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4})/.exec(s)?.[1];
const receiptOf = async (id: string) => (await t.app.inject({ method: "GET", url: `/v1/entries/${id}/receipt`, headers: auth() })).json();

beforeAll(async () => {
  t = await buildTestApp({ ORGANISATION_TIME_ZONE: "Asia/Shanghai" });
  // Three digests in one request: one batch, one block, received within the same second as it.
  const res = await t.app.inject({
    method: "POST",
    url: "/v1/stamps",
    headers: auth(),
    payload: {
      items: digests.map((sha256, i) => ({
        sha256,
        claim: {
          title: `Lamp ${i}\nApproved: yes`,
          kind: "design",
          claimant: "Hangzhou Example Lighting Co., Ltd.",
          ...(i === 2 ? { aiProcess: { tool: "ImageGen", model: "img-3", prompt: "a lamp\nin brass", seed: 42, licence: "commercial" } } : {}),
        },
      })),
    },
  });
  ids.push(...res.json().entries.map((e: { id: string }) => e.id));
  // A lineage: draft → revision → final, each naming the previous version's digest.
  let previous: string | undefined;
  for (const [i, b] of ["d1", "d2", "d3"].entries()) {
    const sha256 = "0x" + b.repeat(32);
    const r = await t.app.inject({
      method: "POST",
      url: "/v1/stamps",
      headers: auth(),
      payload: { items: [{ sha256, claim: { title: `Chair v${i + 1}`, kind: "design", ...(previous ? { previous } : {}) } }] },
    });
    lineageIds.push(r.json().entries[0].id);
    previous = sha256;
  }
  await anchorAll(t);
}, 120_000);
afterAll(async () => {
  await t?.close();
  rmSync(work, { recursive: true, force: true });
});

describe("certificate number", () => {
  it("is the same on two downloads, in both languages and every jurisdiction, and says what it identifies", async () => {
    const url = `/v1/entries/${ids[0]}/certificate.pdf`;
    const a = text(await pdf(url));
    const b = text(await pdf(url));
    const zh = text(await pdf(`${url}?lang=zh-CN&jurisdiction=cn`));
    const us = text(await pdf(`${url}?jurisdiction=us`));
    expect(number(a)).toMatch(/^[0-9A-F]{4}(-[0-9A-F]{4}){3}$/);
    expect(new Set([number(a), number(b), number(zh), number(us)]).size).toBe(1);
    expect(flat(a)).toContain(flat(`The certificate number ${number(a)} identifies the evidence, not this copy`));
    // The printed recipe recomputes the printed number.
    const receipt = await receiptOf(ids[0]!);
    const { certificateIdentity } = await import("../../server/src/services/certificates/identity.ts");
    const { json, id } = certificateIdentity(receipt);
    expect(id).toBe(number(a));
    expect(flat(a)).toContain(flat(json));
  });
});

describe("time", () => {
  it("states a bound never earlier than the service's receipt time, for entries anchored in the same second", async () => {
    for (const id of ids) {
      const receipt = await receiptOf(id);
      const page = text(await pdf(`/v1/entries/${id}/certificate.pdf`));
      const bound = /Existed no later than \(UTC, conservative\s+bound\)\s+(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}) UTC/.exec(page)?.[1];
      expect(bound, page.slice(0, 2000)).toBeDefined();
      const boundMs = Date.parse(bound!.replace(" ", "T") + "Z");
      expect(boundMs).toBeGreaterThanOrEqual(Date.parse(receipt.service.receivedAt));
      expect(boundMs).toBeGreaterThanOrEqual(Date.parse(receipt.anchors[0].blockTime));
      expect(flat(page)).toContain(flat("Why the bound is later than the block time: a block time is a whole second chosen by the block producer"));
      expect(flat(page)).toContain(flat(`existed no later than ${bound} (UTC)`));
    }
  });
});

describe("who submitted it", () => {
  it("names the submitting account, apart from the declared claimant", async () => {
    const page = flat(text(await pdf(`/v1/entries/${ids[0]}/certificate.pdf`)));
    expect(page).toContain(flat('It was submitted to this service by the account "acme"'));
    expect(page).toContain(flat('the claimant it declares is "Hangzhou Example Lighting Co., Ltd." (declared, not verified'));
    expect(page).toContain(flat("Submitted by (account at this service) acme"));
  });
});

describe("claim text", () => {
  it("prints line breaks as a visible mark, never as new lines, and the AI process record as a table", async () => {
    const page = text(await pdf(`/v1/entries/${ids[2]}/certificate.pdf`), ["-layout"]);
    expect(page).toMatch(/Lamp 2 ¶ Approved: yes/);
    expect(page).not.toMatch(/^\s*Approved: yes/m);
    expect(page).toContain("¶ marks a line break in the submitted text.");
    expect(page).toMatch(/Field\s+Value/);
    expect(page).toMatch(/seed\s+42/);
    expect(page).toMatch(/prompt\s+a lamp ¶ in brass/);
    expect(page).not.toContain('{"licence"');
  });
});

describe("unconfigured instance", () => {
  it("warns in /readyz and on the certificate, and links to the configured listen address, never the Host header", async () => {
    const ready = await t.app.inject({ method: "GET", url: "/readyz" });
    expect(ready.json().warnings.map((w: { variable: string }) => w.variable)).toEqual(["OPERATOR", "PUBLIC_URL"]);
    const page = text(await pdf(`/v1/entries/${ids[0]}/certificate.pdf`, { ...auth(), host: "attacker.example", "x-forwarded-host": "attacker.example" }));
    expect(page).not.toContain("attacker.example");
    expect(page).toContain(`http://${t.config.host}:${t.config.port}/verify#sha256=`);
    expect(flat(page)).toContain(flat("This instance has no OPERATOR configured"));
    expect(flat(page)).toContain(flat("This instance has no PUBLIC_URL configured"));
    expect(page).not.toContain("set OPERATOR)");
  });

  it("refuses a certificate for a non-development chain without OPERATOR, then without PUBLIC_URL (409, code names the variable)", async () => {
    const entry = (await t.app.store.getEntry(ids[0]!))!;
    // The same evidence as a non-development chain would give it: the receipts service marks the chain.
    const receipts = {
      ...t.app.receipts,
      getReceipt: async (e: typeof entry) => {
        const r = await t.app.receipts.getReceipt(e);
        return { ...r, anchors: r.anchors.map((a) => (a.type === "evm" ? { ...a, development: false } : a)) };
      },
    };
    const base = { store: t.app.store, receipts, listenUrl: "http://127.0.0.1:8080", defaultJurisdiction: "eu" as const, software: "test" };
    await expect(createCertificates({ ...base, operatorConfigured: false }).entry(entry.tenantId, entry.id, { language: "en" })).rejects.toMatchObject({
      code: "CERTIFICATE_NEEDS_OPERATOR",
      statusCode: 409,
    });
    await expect(createCertificates({ ...base, operatorConfigured: true }).entry(entry.tenantId, entry.id, { language: "en" })).rejects.toMatchObject({
      code: "CERTIFICATE_NEEDS_PUBLIC_URL",
      statusCode: 409,
    });
    const ok = await createCertificates({ ...base, operatorConfigured: true, publicUrl: "https://proof.example.com" }).entry(entry.tenantId, entry.id, {
      language: "en",
    });
    const page = text(Buffer.from(ok));
    expect(page).toContain("https://proof.example.com/verify#sha256=");
    expect(page).not.toContain("DEVELOPMENT CHAIN");
  });
});

describe("jurisdiction packs", () => {
  const phrases = {
    cn: {
      en: ["For courts of the People's Republic of China", "Online Litigation Rules (2021)", "Art. 17", "SF/T 0076-2020"],
      "zh-CN": ["适用于中华人民共和国法院", "人民法院在线诉讼规则", "第十七条", "SF/T 0076-2020"],
    },
    us: {
      en: ["For courts of the United States", "902(13)", "902(14)", "28 U.S.C. § 1746", "under penalty of perjury"],
      "zh-CN": ["适用于美国法院", "902(13)", "28 U.S.C. § 1746", "伪证罪"],
    },
    eu: {
      en: ["For courts of the European Union (eIDAS)", "Art. 41(1)", "Art. 41(2)", "qualified electronic time stamp"],
      "zh-CN": ["欧洲联盟", "eIDAS", "第四十一条第二款"],
    },
  } as const;
  for (const j of ["cn", "us", "eu"] as const) {
    for (const lang of ["en", "zh-CN"] as const) {
      it(`prints the ${j} pack in ${lang}, and the § 1746 declaration only in the US pack`, async () => {
        const page = flat(text(await pdf(`/v1/entries/${ids[0]}/certificate.pdf?lang=${lang}&jurisdiction=${j}`)));
        for (const p of phrases[j][lang]) expect(page, p).toContain(flat(p));
        if (j !== "us") expect(page).not.toContain("1746");
      });
    }
  }

  it("takes the account's default from PUT /v1/certificate-settings, for that account only", async () => {
    const set = await t.app.inject({ method: "PUT", url: "/v1/certificate-settings", headers: auth(), payload: { jurisdiction: "us" } });
    expect(set.statusCode).toBe(200);
    expect(set.json()).toEqual({ jurisdiction: "us", effective: "us" });
    expect((await t.app.inject({ method: "GET", url: "/v1/certificate-settings", headers: { authorization: `Bearer ${t.keys.rival}` } })).json()).toEqual({
      jurisdiction: null,
      effective: "eu",
    });
    expect(flat(text(await pdf(`/v1/entries/${ids[0]}/certificate.pdf`)))).toContain(flat("For courts of the United States"));
    expect(flat(text(await pdf(`/v1/entries/${ids[0]}/certificate.pdf?jurisdiction=cn`)))).toContain(flat("For courts of the People's Republic of China"));
    expect((await t.app.inject({ method: "PUT", url: "/v1/certificate-settings", headers: auth(), payload: { jurisdiction: "fr" } })).statusCode).toBe(400);
    expect((await t.app.inject({ method: "PUT", url: "/v1/certificate-settings", headers: auth(), payload: { jurisdiction: null } })).json()).toEqual({
      jurisdiction: null,
      effective: "eu",
    });
    expect(flat(text(await pdf(`/v1/entries/${ids[0]}/certificate.pdf`)))).toContain(flat("For courts of the European Union (eIDAS)"));
  });

  it("answers 400 for an unknown jurisdiction", async () => {
    const res = await t.app.inject({ method: "GET", url: `/v1/entries/${ids[0]}/certificate.pdf?jurisdiction=xx`, headers: auth() });
    expect(res.statusCode).toBe(400);
  });
});

describe("Simplified Chinese", () => {
  it("has no untranslated Latin-script word outside hashes, addresses, URLs, data, proper names and the listed technical tokens", async () => {
    for (const id of [ids[2]!, lineageIds[2]!]) {
      for (const j of ["cn", "us", "eu"]) {
        const page = text(await pdf(`/v1/entries/${id}/certificate.pdf?lang=zh-CN&jurisdiction=${j}`));
        const receipt = await receiptOf(id);
        // Values the submitter or the configuration supplied are data, not text to translate.
        const data = [
          receipt.subject.cid,
          receipt.subject.cidProfile,
          receipt.leaf.encoding,
          receipt.service.software,
          receipt.service.requestId,
          "acme",
          ...Object.values(receipt.claim ?? {}).flatMap((v) => (typeof v === "string" ? [v] : [])),
          ...Object.entries(receipt.claim?.aiProcess ?? {})
            .flat()
            .map(String),
          "Hangzhou Example Lighting Co., Ltd.",
          "Asia/Shanghai",
        ]
          .filter(Boolean)
          .join(" ");
        const allowed = new Set<string>([...ZH_ALLOWED_LATIN, ...(data.match(/[A-Za-z][A-Za-z0-9_./-]*/g) ?? [])]);
        const stripped = page
          .replace(/https?:\/\/\S+/g, " ")
          .replace(/0x[0-9a-fA-F ]+/g, " ")
          .replace(/\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z\b/g, " ")
          .replace(/\b[0-9A-F]{4}(-[0-9A-F]{4}){3}\b/g, " ");
        // Words with their leading option dashes; hex runs and entry ids wrapped across lines are not words
        // (so an English word of the letters a-f alone, such as "face", would pass unseen).
        const words = (stripped.match(/-{0,2}[A-Za-z][A-Za-z0-9_./-]*/g) ?? []).filter((w) => !/^[0-9a-f-]+$/.test(w));
        const untranslated = [...new Set(words.filter((w) => !allowed.has(w) && !allowed.has(w.replace(/[.,;:]+$/, ""))))];
        expect(untranslated, `jurisdiction ${j}`).toEqual([]);
      }
    }
  });
});

describe("rendering", () => {
  it("renders on a worker thread: /healthz answers while a certificate is being rendered", async () => {
    const order: string[] = [];
    // A language and jurisdiction not rendered before: not in the cache.
    const cert = t.app.inject({ method: "GET", url: `/v1/entries/${ids[1]}/certificate.pdf?lang=zh-CN&jurisdiction=eu`, headers: auth() }).then((r) => {
      order.push("certificate");
      return r;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const before = t.app.certificates.renders;
    const health = await t.app.inject({ method: "GET", url: "/healthz" });
    order.push("healthz");
    expect(health.statusCode).toBe(200);
    expect((await cert).statusCode).toBe(200);
    expect(before, "the render had started when /healthz was asked").toBeGreaterThan(0);
    expect(order).toEqual(["healthz", "certificate"]);
  });

  it("renders once per content: a second download is served from the cache", async () => {
    const url = `/v1/entries/${ids[1]}/certificate.pdf?jurisdiction=us`;
    await pdf(url);
    const before = t.app.certificates.renders;
    const again = await pdf(url);
    expect(t.app.certificates.renders).toBe(before);
    expect(number(text(again))).toBeDefined();
  });
});

describe("lineage and portfolio documents", () => {
  it("GET /v1/entries/:id/lineage.pdf gives every version, each with its proof and its receipt attached", async () => {
    const doc = await pdf(`/v1/entries/${lineageIds[1]}/lineage.pdf`);
    const page = text(doc);
    for (const v of ["Chair v1", "Chair v2", "Chair v3"]) expect(page).toContain(v);
    expect(page).toContain("Version 3 of 3");
    const path = join(work, "lineage.pdf");
    writeFileSync(path, doc);
    expect(execFileSync("pdfdetach", ["-list", path], { encoding: "utf8" })).toMatch(/receipt-1\.json[\s\S]*receipt-2\.json[\s\S]*receipt-3\.json/);
    // The single certificate lists the versions too, in its own numbered section.
    const single = text(await pdf(`/v1/entries/${lineageIds[2]}/certificate.pdf`));
    expect(single).toMatch(/\d+\. Earlier versions \(lineage\)/);
    expect(flat(single)).toContain(flat("3 (this document's subject)"));
  });

  it("GET /v1/portfolio.pdf lists every entry of the account with statuses and anchors, receipts attached, nothing of another tenant", async () => {
    await t.app.inject({
      method: "POST",
      url: "/v1/stamps",
      headers: { authorization: `Bearer ${t.keys.rival}` },
      payload: { items: [{ sha256: "0x" + "ee".repeat(32) }] },
    });
    const doc = await pdf("/v1/portfolio.pdf");
    const page = flat(text(doc));
    for (const id of [...ids, ...lineageIds]) expect(page).toContain(flat(id));
    expect(page).not.toContain("ee".repeat(16));
    expect(page).toContain(flat('All 6 entries of the account "acme"'));
    const path = join(work, "portfolio.pdf");
    writeFileSync(path, doc);
    const list = execFileSync("pdfdetach", ["-list", path], { encoding: "utf8" });
    expect(list).toMatch(/^6 embedded files/m);
    const filtered = flat(text(await pdf("/v1/portfolio.pdf?kind=design&status=pending")));
    expect(filtered).toContain(flat('All 0 entries of the account "acme" matching status=pending, kind=design'));
  });
});

describe("PDF/A-3b structures (checked directly: no validator runs here)", () => {
  it(
    "carries XMP pdfaid 3B, an sRGB output intent, the receipt as an associated " + "file with AFRelationship Source, a file id and only embedded fonts",
    async () => {
      const doc = await pdf(`/v1/entries/${ids[0]}/certificate.pdf?lang=zh-CN`);
      const path = join(work, "pdfa.pdf");
      writeFileSync(path, doc);
      const raw = doc.toString("latin1");
      expect(raw.startsWith("%PDF-1.7")).toBe(true);
      expect(raw).toContain("<pdfaid:part>3</pdfaid:part>");
      expect(raw).toContain("<pdfaid:conformance>B</pdfaid:conformance>");
      expect(raw).toMatch(/\/Type \/Metadata\s*\/Subtype \/XML/);
      expect(raw).toMatch(/\/OutputIntents \[\s*<<[^>]*\/Type \/OutputIntent[^>]*\/S \/GTS_PDFA1/);
      expect(raw).toMatch(/\/DestOutputProfile \d+ 0 R/);
      expect(raw).toMatch(/\/AF \[\s*\d+ 0 R/);
      expect(raw).toMatch(/\/AFRelationship \/Source/);
      expect(raw).toMatch(/\/ID \[\s*<[0-9A-Fa-f]{32}>\s*<[0-9A-Fa-f]{32}>\s*\]/);
      expect(raw).not.toMatch(/\/Encrypt/);
      // The XMP title matches the information dictionary (a PDF/A rule).
      const info = execFileSync("pdfinfo", [path], { encoding: "utf8" });
      const title = /Title:\s+(.*)/.exec(info)![1]!.trim();
      expect(raw).toContain(`<rdf:li xml:lang="x-default">${Buffer.from(title, "utf8").toString("latin1")}</rdf:li>`);
      const fonts = execFileSync("pdffonts", [path], { encoding: "utf8" }).trim().split("\n").slice(2);
      expect(fonts.length).toBeGreaterThan(1);
      for (const line of fonts) expect(line.split(/\s+/).slice(-5, -4)[0], line).toBe("yes");
      expect(execFileSync("pdfdetach", ["-list", path], { encoding: "utf8" })).toContain("receipt.json");
      // The ICC profile is the shipped sRGB one.
      expect(readFileSync("server/assets/icc/sRGB.icc").length).toBe(6922);
      expect(readdirSync("server/assets/icc")).toContain("README.md");
    },
  );
});
