/**
 * The certificate PDF is enough (with the file): `POST /v1/verify/file` takes it as the receipt part
 * (its embedded receipt.json is extracted) and the public verify page in Chromium verifies a dropped
 * PDF + file; `verify/file` also takes the receipt as a file part (`curl -F receipt=@receipt.json`).
 * Real components: anvil, SQLite, Debian Chromium (playwright-core).
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { extractReceipt, extractReceipts } from "../../client-sdk/src/certificate-pdf.ts";
import { anchorAll, buildTestApp, type TestApp } from "../helpers/app.ts";
import { launchBrowser } from "../helpers/browser.ts";

const ARTIFACTS = "test-artifacts/certificate-verify";
const FILE = Buffer.from("Folding chair hinge, drawing 7 — final\n".repeat(400));
let t: TestApp;
let browser: Browser;
let base: string;
let pdf: Buffer;
let receiptJson: string;

function multipart(parts: { name: string; filename?: string; type?: string; body: Buffer | string }[]): { payload: Buffer; headers: Record<string, string> } {
  const b = "CertVerifyBoundary";
  const chunks = parts.flatMap((p) => [
    Buffer.from(
      `--${b}\r\nContent-Disposition: form-data; name="${p.name}"` +
        (p.filename ? `; filename="${p.filename}"` : "") +
        `\r\n${p.type ? `Content-Type: ${p.type}\r\n` : ""}\r\n`,
    ),
    Buffer.isBuffer(p.body) ? p.body : Buffer.from(p.body),
    Buffer.from("\r\n"),
  ]);
  return { payload: Buffer.concat([...chunks, Buffer.from(`--${b}--\r\n`)]), headers: { "content-type": `multipart/form-data; boundary=${b}` } };
}

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  t = await buildTestApp({ PUBLIC_URL: "https://proof.example.com", OPERATOR: "Example Evidence Services Ltd." });
  const up = await t.app.inject({
    method: "POST",
    url: "/v1/evidence",
    ...multipart([{ name: "file", filename: "hinge-7.dxf", type: "image/vnd.dxf", body: FILE }]),
    headers: { ...multipart([]).headers, authorization: `Bearer ${t.keys.acme}` },
  });
  const id = up.json().entries[0].id;
  await anchorAll(t);
  const auth = { authorization: `Bearer ${t.keys.acme}` };
  pdf = (await t.app.inject({ method: "GET", url: `/v1/entries/${id}/certificate.pdf`, headers: auth })).rawPayload;
  receiptJson = (await t.app.inject({ method: "GET", url: `/v1/entries/${id}/receipt`, headers: auth })).body;
  base = await t.app.listen({ host: "127.0.0.1", port: 0 });
  browser = await launchBrowser();
}, 180_000);
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

describe("extractReceipt (client-sdk/src/certificate-pdf.ts)", () => {
  it("finds the one receipt embedded in a certificate", async () => {
    const r = (await extractReceipt(new Uint8Array(pdf))) as { id: string; version: string };
    expect(r.version).toMatch(/^priorproof-receipt\//);
    expect(r.id).toBe(JSON.parse(receiptJson).id);
  });

  it("refuses a PDF without a receipt and bytes that are not a PDF, with codes", async () => {
    await expect(extractReceipts(new TextEncoder().encode("%PDF-1.7\n1 0 obj\n<< >>\nendobj\n"))).rejects.toMatchObject({ code: "PDF_NO_RECEIPT" });
    await expect(extractReceipts(new TextEncoder().encode('{"version":1}'))).rejects.toMatchObject({ code: "PDF_INVALID" });
  });
});

describe("POST /v1/verify/file with the certificate PDF", () => {
  it("verifies the file against the receipt embedded in the certificate", async () => {
    const res = await t.app.inject({
      method: "POST",
      url: "/v1/verify/file",
      ...multipart([
        { name: "certificate", filename: "certificate.pdf", type: "application/pdf", body: pdf },
        { name: "file", filename: "hinge-7.dxf", body: FILE },
      ]),
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().verified).toBe(true);
  });

  it("takes the PDF as the receipt part too, and fails a changed file", async () => {
    const changed = Buffer.from(FILE);
    changed[3] = changed[3]! ^ 1;
    const res = await t.app.inject({
      method: "POST",
      url: "/v1/verify/file",
      ...multipart([
        { name: "receipt", filename: "certificate.pdf", type: "application/pdf", body: pdf },
        { name: "file", filename: "hinge-7.dxf", body: changed },
      ]),
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().verified).toBe(false);
    expect(res.json().checks.find((c: { id: string }) => c.id === "digest").status).toBe("failed");
  });

  it("takes the receipt as a file part, as curl -F receipt=@receipt.json sends it", async () => {
    const res = await t.app.inject({
      method: "POST",
      url: "/v1/verify/file",
      ...multipart([
        { name: "receipt", filename: "receipt.json", type: "application/json", body: receiptJson },
        { name: "file", filename: "hinge-7.dxf", body: FILE },
      ]),
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().verified).toBe(true);
  });

  it("answers INVALID_RECEIPT for a PDF that carries no receipt", async () => {
    const res = await t.app.inject({
      method: "POST",
      url: "/v1/verify/file",
      ...multipart([
        { name: "receipt", filename: "x.pdf", type: "application/pdf", body: "%PDF-1.7\n%%EOF\n" },
        { name: "file", filename: "f", body: FILE },
      ]),
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe("INVALID_RECEIPT");
  });
});

describe("/verify page in Chromium with only the certificate PDF and the file", () => {
  it("verifies a dropped certificate PDF and file", async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/verify`);
    await page.setInputFiles("#pick", [
      { name: "certificate.pdf", mimeType: "application/pdf", buffer: pdf },
      { name: "hinge-7.dxf", mimeType: "application/octet-stream", buffer: FILE },
    ]);
    await page.waitForFunction(() => /SHA-256 0x/.test(document.getElementById("fileInfo")?.textContent ?? ""));
    expect(await page.innerText("#receiptInfo")).toContain("certificate.pdf");
    if (!(await page.inputValue("#rpc"))) await page.fill("#rpc", t.chain.rpcUrl);
    await page.click("#verify");
    await page.waitForSelector("#verdict[data-verified]", { timeout: 60_000 });
    await page.screenshot({ path: join(ARTIFACTS, "pdf-verified.png"), fullPage: true });
    expect(await page.getAttribute("#verdict", "data-verified")).toBe("true");
    expect(await page.innerText("#verdict")).toContain("VERIFIED");
    await page.close();
  }, 120_000);
});
