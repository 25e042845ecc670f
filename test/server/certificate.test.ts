/**
 * The court certificate, as a reader and an expert meet it: the text (pdftotext), the embedded fonts
 * (pdffonts), the attached receipt (pdfdetach) verified against the chain, and the QR code decoded
 * from the rendered page (pdftoppm + jsqr). Pages are kept as PNGs in test-artifacts/certificate/.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import jsqrModule from "jsqr";
import { PNG } from "pngjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createChainReader, fromHex, verifyReceipt } from "../../client-sdk/src/index.ts";
import { anchorAll, buildTestApp, type TestApp } from "../helpers/app.ts";

// jsqr is CommonJS with a default export: under NodeNext the callable sits on `.default`.
type Decode = (data: Uint8ClampedArray, width: number, height: number) => { data: string } | null;
const jsQR: Decode = (jsqrModule as unknown as { default?: Decode }).default ?? (jsqrModule as unknown as Decode);

const ARTIFACTS = "test-artifacts/certificate";
const work = mkdtempSync(join(tmpdir(), "pp-cert-"));
const FILE = Buffer.from("Solar power bank — housing drawing, revision 3\n".repeat(300));
const CLAIM = { title: "Power bank housing, rev. 3", kind: "design", author: "Li Wei", claimant: "Shenzhen Example Electronics Co., Ltd." };
let t: TestApp;
let entryId: string;
let sha256: string;

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  t = await buildTestApp({ ORGANISATION_TIME_ZONE: "Asia/Shanghai", PUBLIC_URL: "https://proof.example.com" });
  const b = "CertBoundary";
  const body = Buffer.concat([
    Buffer.from(`--${b}\r\nContent-Disposition: form-data; name="claim"\r\n\r\n${JSON.stringify(CLAIM)}\r\n`),
    Buffer.from(`--${b}\r\nContent-Disposition: form-data; name="file"; filename="housing-rev3.dwg"\r\nContent-Type: application/acad\r\n\r\n`),
    FILE,
    Buffer.from(`\r\n--${b}--\r\n`),
  ]);
  const up = await t.app.inject({
    method: "POST",
    url: "/v1/evidence",
    headers: { authorization: `Bearer ${t.keys.acme}`, "content-type": `multipart/form-data; boundary=${b}` },
    payload: body,
  });
  entryId = up.json().entries[0].id;
  sha256 = up.json().entries[0].sha256;
  await anchorAll(t);
}, 120_000);
afterAll(async () => {
  await t?.close();
  rmSync(work, { recursive: true, force: true });
});

async function certificate(lang: "en" | "zh-CN"): Promise<string> {
  const res = await t.app.inject({
    method: "GET",
    url: `/v1/entries/${entryId}/certificate.pdf?lang=${lang}`,
    headers: { authorization: `Bearer ${t.keys.acme}` },
  });
  expect(res.statusCode).toBe(200);
  expect(res.headers["content-type"]).toBe("application/pdf");
  const path = join(work, `cert-${lang}.pdf`);
  writeFileSync(path, res.rawPayload);
  return path;
}
const normalise = (s: string) => s.replace(/\s+/g, "");

describe("GET /v1/entries/:id/certificate.pdf", () => {
  it("states the digest, transaction, block, UTC time, wording and verification steps", async () => {
    const pdf = await certificate("en");
    const text = execFileSync("pdftotext", ["-layout", pdf, "-"], { encoding: "utf8" });
    const receipt = (await t.app.inject({ method: "GET", url: `/v1/entries/${entryId}/receipt`, headers: { authorization: `Bearer ${t.keys.acme}` } })).json();
    const anchor = receipt.anchors[0];
    const flat = normalise(text);
    expect(flat).toContain(normalise(sha256));
    expect(flat).toContain(normalise(anchor.txHash));
    expect(flat).toContain(normalise(anchor.blockHash));
    expect(text).toContain(String(anchor.blockNumber));
    expect(flat).toContain(normalise(anchor.blockTime));
    for (const phrase of [
      "existed no later than",
      'It was submitted to this service by the account "acme"',
      "DEVELOPMENT CHAIN — NO EVIDENTIAL VALUE",
      "not the evidence of time",
      "What this does not prove",
      "sha256sum FILE",
      "certutil -hashfile FILE SHA256",
      "verifyInclusion(bytes32 leafHash, uint256 index, uint256 treeSize, bytes32[] path, bytes32 root)",
      "priorproof verify FILE receipt.json --rpc",
    ])
      expect(flat, phrase).toContain(normalise(phrase));
    expect(text).toMatch(/Asia\/Shanghai/);
    expect(text).toMatch(/Power bank housing, rev\. 3/);
    expect(text).toMatch(/housing-rev3\.dwg/);
    const pages = Number(/Pages:\s+(\d+)/.exec(execFileSync("pdfinfo", [pdf], { encoding: "utf8" }))![1]);
    for (let p = 1; p <= pages; p++)
      expect(flat, `page ${p} carries its number and the certificate id`).toMatch(
        new RegExp(`Certificate[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}—page${p}/${pages}`),
      );
  });

  it("embeds every font", async () => {
    const fonts = execFileSync("pdffonts", [await certificate("en")], { encoding: "utf8" })
      .trim()
      .split("\n")
      .slice(2);
    expect(fonts.length).toBeGreaterThan(1);
    for (const line of fonts) expect(line.split(/\s+/).slice(-5, -4)[0], line).toBe("yes");
  });

  it("carries the receipt as an attachment that verifies against the chain", async () => {
    const pdf = await certificate("en");
    const out = join(work, "detached");
    mkdirSync(out, { recursive: true });
    execFileSync("pdfdetach", ["-saveall", "-o", out, pdf]);
    expect(readdirSync(out)).toContain("receipt.json");
    const receipt = JSON.parse(readFileSync(join(out, "receipt.json"), "utf8"));
    const rpc = createChainReader(t.chain.rpcUrl);
    const verdict = await verifyReceipt(receipt, { sha256: fromHex(sha256, 32), chains: { "31337": rpc } });
    rpc.destroy();
    expect(verdict.verified).toBe(true);
    // The attached receipt also carries the offline proof: with no reader at all, the block hash is the one fact left.
    const offline = await verifyReceipt(receipt, { sha256: fromHex(sha256, 32) });
    expect(offline.checks.find((c) => c.id === "anchors[0].inclusion")?.status).toBe("passed");
    // evm-receipt-proof/2 carries the contract's account proof, so its code is proven offline: only the block hash is left.
    expect(receipt.anchors[0].inclusion.format).toBe("evm-receipt-proof/2");
    expect(offline.remaining).toEqual([expect.objectContaining({ scope: "block-hash", blockHash: receipt.anchors[0].blockHash })]);
  });

  it("prints the block hash as the one fact to look up when the receipt carries the offline proof", async () => {
    const receipt = (await t.app.inject({ method: "GET", url: `/v1/entries/${entryId}/receipt`, headers: { authorization: `Bearer ${t.keys.acme}` } })).json();
    const anchor = receipt.anchors[0];
    expect(anchor.inclusion).toMatchObject({ format: "evm-receipt-proof/2" });
    const flat = normalise(execFileSync("pdftotext", ["-layout", await certificate("en"), "-"], { encoding: "utf8" }));
    expect(flat).toContain(normalise(`The one fact to look up block ${anchor.blockNumber} of chain 31337 has hash`));
    expect(flat).toContain(normalise(`priorproof verify FILE receipt.json --offline`));
    expect(flat).toContain(normalise(`the one fact left to look up is that block ${anchor.blockNumber} of chain 31337 has hash ${anchor.blockHash}`));
    const zh = normalise(execFileSync("pdftotext", [await certificate("zh-CN"), "-"], { encoding: "utf8" }));
    expect(zh).toContain(normalise("唯一需查询的事实"));
    expect(zh).toContain(normalise(anchor.blockHash));
  });

  it("prints a QR code that decodes to the verification page of this digest", async () => {
    const pdf = await certificate("en");
    execFileSync("pdftoppm", ["-r", "150", "-png", pdf, join(ARTIFACTS, "en")]);
    const first = readdirSync(ARTIFACTS)
      .filter((f) => f.startsWith("en-"))
      .sort()[0]!;
    const png = PNG.sync.read(readFileSync(join(ARTIFACTS, first)));
    const code = jsQR(new Uint8ClampedArray(png.data), png.width, png.height);
    expect(code?.data).toBe(`https://proof.example.com/verify#sha256=${sha256}`);
  });

  it("renders in Simplified Chinese with an embedded CJK font", async () => {
    const pdf = await certificate("zh-CN");
    const text = execFileSync("pdftotext", [pdf, "-"], { encoding: "utf8" });
    expect(text).toContain("电子证据时间戳证书");
    expect(text).toContain("开发测试链");
    expect(text).toContain("本证书不证明");
    expect(normalise(text)).toContain(normalise(sha256));
    execFileSync("pdftoppm", ["-r", "110", "-png", pdf, join(ARTIFACTS, "zh-CN")]);
  });

  it("answers 409 RECEIPT_PENDING before anchoring and 404 to another tenant", async () => {
    const s = await t.app.inject({
      method: "POST",
      url: "/v1/stamps",
      headers: { authorization: `Bearer ${t.keys.acme}` },
      payload: { items: [{ sha256: "0x" + "cd".repeat(32) }] },
    });
    const pending = await t.app.inject({
      method: "GET",
      url: `/v1/entries/${s.json().entries[0].id}/certificate.pdf`,
      headers: { authorization: `Bearer ${t.keys.acme}` },
    });
    expect(pending.statusCode).toBe(409);
    expect(pending.json().error.code).toBe("RECEIPT_PENDING");
    const foreign = await t.app.inject({ method: "GET", url: `/v1/entries/${entryId}/certificate.pdf`, headers: { authorization: `Bearer ${t.keys.rival}` } });
    expect(foreign.statusCode).toBe(404);
    expect(foreign.json().error.code).toBe("ENTRY_NOT_FOUND");
  });
});
