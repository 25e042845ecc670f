/**
 * The public verification page in a real browser (Debian Chromium through playwright-core): drop a
 * file and its receipt, see the verdict; a changed file is "not verified" with the reason; the
 * standalone page still verifies with the service stopped, given only an RPC URL.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { anchorAll, buildTestApp, type TestApp } from "../helpers/app.ts";
import { launchBrowser } from "../helpers/browser.ts";

const ARTIFACTS = "test-artifacts/verify-page";
const FILE = Buffer.from("Power bank housing, revision 3 — final design\n".repeat(1000));

let t: TestApp;
let browser: Browser;
let base: string;
let receipt: string;

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  t = await buildTestApp();
  const boundary = "PpBoundary";
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="housing-rev3.step"\r\nContent-Type: application/octet-stream\r\n\r\n`),
    FILE,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  const up = await t.app.inject({
    method: "POST",
    url: "/v1/evidence",
    headers: { authorization: `Bearer ${t.keys.acme}`, "content-type": `multipart/form-data; boundary=${boundary}` },
    payload: body,
  });
  const id = up.json().entries[0].id;
  await anchorAll(t);
  receipt = (await t.app.inject({ method: "GET", url: `/v1/entries/${id}/receipt`, headers: { authorization: `Bearer ${t.keys.acme}` } })).body;
  base = await t.app.listen({ host: "127.0.0.1", port: 0 });
  browser = await launchBrowser();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

async function dropAndVerify(page: Page, file: Buffer, rpc?: string): Promise<{ verified: string; text: string }> {
  await page.setInputFiles("#pick", [
    { name: "housing-rev3.step", mimeType: "application/octet-stream", buffer: file },
    { name: "receipt.json", mimeType: "application/json", buffer: Buffer.from(receipt) },
  ]);
  await page.waitForFunction(() => /SHA-256 0x/.test(document.getElementById("fileInfo")?.textContent ?? ""));
  if (rpc) await page.fill("#rpc", rpc);
  await page.click("#verify");
  await page.waitForSelector("#verdict[data-verified]");
  return { verified: (await page.getAttribute("#verdict", "data-verified")) ?? "", text: await page.innerText("#verdict") };
}

describe("/verify in Chromium", () => {
  it("verifies a dropped file and receipt against the chain and shows the block time", async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/verify`);
    // The instance has no PUBLIC_RPC_URL: its own RPC_URL (which may carry a key) is never handed to the page.
    expect(await page.content()).not.toContain(t.chain.rpcUrl);
    const { verified, text } = await dropAndVerify(page, FILE, t.chain.rpcUrl);
    const blockTime = (JSON.parse(receipt) as { anchors: { blockTime: string }[] }).anchors[0]!.blockTime;
    expect(verified).toBe("true");
    expect(text).toContain("VERIFIED");
    expect(text).toContain(blockTime.replace("T", " ").replace("Z", " UTC"));
    expect(await page.getAttribute('tr[data-check="anchors[0].chain"]', "data-status")).toBe("passed");
    expect(await page.innerText("#warnings")).toMatch(/development chain/);
    await page.screenshot({ path: join(ARTIFACTS, "verified.png"), fullPage: true });
    await page.close();
  });

  it("shows a changed file as not verified, and why", async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/verify`);
    const changed = Buffer.from(FILE);
    changed[10] = changed[10]! ^ 1;
    const { verified, text } = await dropAndVerify(page, changed);
    expect(verified).toBe("false");
    expect(text).toContain("NOT VERIFIED");
    expect(text).toMatch(/file is the one stamped.*receipt's is/i);
    expect(await page.getAttribute('tr[data-check="digest"]', "data-status")).toBe("failed");
    await page.screenshot({ path: join(ARTIFACTS, "not-verified.png"), fullPage: true });
    await page.close();
  });

  it("with no RPC, checks the receipt's block-header proof and names the one fact left (the block hash)", async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/verify`);
    await page.setInputFiles("#pick", [
      { name: "housing-rev3.step", mimeType: "application/octet-stream", buffer: FILE },
      { name: "receipt.json", mimeType: "application/json", buffer: Buffer.from(receipt) },
    ]);
    await page.waitForFunction(() => /SHA-256 0x/.test(document.getElementById("fileInfo")?.textContent ?? ""));
    await page.fill("#rpc", "");
    await page.click("#verify");
    await page.waitForSelector("#verdict[data-verified]");
    const anchor = (JSON.parse(receipt) as { anchors: { blockHash: string; blockNumber: number }[] }).anchors[0]!;
    expect(await page.getAttribute("#verdict", "data-verified")).toBe("false");
    expect(await page.innerText("#verdict")).toMatch(/block-header proof holds; left to confirm/);
    expect(await page.getAttribute('tr[data-check="anchors[0].inclusion"]', "data-status")).toBe("passed");
    const todo = await page.innerText(`[data-remaining="${anchor.blockHash}"][data-scope="block-hash"]`);
    expect(todo).toContain(anchor.blockHash);
    expect(todo).toContain("eth_getBlockByNumber");
    await page.screenshot({ path: join(ARTIFACTS, "offline-one-fact-left.png"), fullPage: true });
    await page.close();
  });

  it("looks a digest up from a QR link (#sha256=…)", async () => {
    const page = await browser.newPage();
    const sha = (JSON.parse(receipt) as { subject: { sha256: string } }).subject.sha256;
    await page.goto(`${base}/verify#sha256=${sha}`);
    await page.waitForSelector('#lookupResult[data-anchored="true"]');
    expect(await page.innerText("#lookupResult")).toMatch(/was anchored on .* at \d{4}-\d\d-\d\dT/);
    await page.close();
  });

  it("still verifies from the saved standalone page with the service stopped, given an RPC URL", async () => {
    const html = await (await fetch(`${base}/verify/priorproof-verify.html`)).text();
    const path = join(process.cwd(), ARTIFACTS, "priorproof-verify.html");
    writeFileSync(path, html);
    await t.app.close(); // the PriorProof service is gone; the chain is not
    const page = await browser.newPage();
    await page.goto(`file://${path}`);
    const { verified, text } = await dropAndVerify(page, FILE, t.chain.rpcUrl);
    expect(text).toContain("VERIFIED");
    expect(verified).toBe("true");
    await page.screenshot({ path: join(ARTIFACTS, "standalone-verified.png"), fullPage: true });
    await page.close();
  });
});
