/**
 * priorproof-aead/1 in real Chromium (the SDK's browser bundle, esbuild, playwright-core): what the
 * page encrypts from a File, Node decrypts; what Node encrypts, the page decrypts — one envelope for
 * both runtimes, on WebCrypto in each.
 */
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildBrowserBundle } from "../../client-sdk/scripts/build-browser.ts";
import { contentKeyFrom, decryptStream, encryptStream, generateContentKey, formatContentKey } from "../../client-sdk/src/encrypt.ts";
import { launchBrowser, withBrowserPage } from "../helpers/browser.ts";

const PAGE_HTML = `<!doctype html>
<meta charset="utf-8">
<title>priorproof encryption</title>
<script type="module">
import * as sdk from "./priorproof.js";
window.sdk = sdk;
window.sdkReady = true;
</script>
`;

interface PageGlobals {
  sdk: typeof import("../../client-sdk/src/browser.ts");
  sdkReady?: boolean;
}

/** Deterministic bytes, the same in the page (rebuilt there from the same formula). */
const bytesOf = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 7 + (i >> 9)) & 0xff);

async function collect(source: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const p of source) parts.push(p);
  return Buffer.concat(parts);
}

let dir: string;
let browser: Browser;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "pp-encrypt-browser-"));
  await buildBrowserBundle(join(dir, "priorproof.js"));
  writeFileSync(join(dir, "index.html"), PAGE_HTML);
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("priorproof-aead/1 in the browser bundle (real Chromium)", () => {
  it("encrypts a File in the page that Node decrypts, and decrypts in the page what Node encrypted", async () => {
    const size = 200_000 + 123; // four 64 KiB chunks, the last one short
    const key = await generateContentKey();
    const keyHex = formatContentKey(key).trim();
    const nodeSealed = await collect(
      encryptStream(
        (async function* () {
          yield bytesOf(size);
        })(),
        key,
      ),
    );
    const outcome = await withBrowserPage({ dir, browser }, async (page, url, pageErrors) => {
      await page.goto(`${url}/index.html`);
      await page.waitForFunction(() => (window as unknown as PageGlobals).sdkReady === true);
      const r = await page.evaluate(
        async ({ keyHex, size, nodeSealedB64 }) => {
          const { sdk } = window as unknown as PageGlobals;
          const key = await sdk.contentKeyFrom(keyHex);
          const file = new File([Uint8Array.from({ length: size }, (_, i) => (i * 7 + (i >> 9)) & 0xff)], "design.bin");
          const read = async function* (stream: ReadableStream<Uint8Array>) {
            const reader = stream.getReader();
            for (;;) {
              const { done, value } = await reader.read();
              if (done) return;
              yield value;
            }
          };
          const sealed: Uint8Array[] = [];
          for await (const piece of sdk.encryptStream(read(file.stream()), key)) sealed.push(piece);
          const joined = new Uint8Array(sealed.reduce((n, p) => n + p.length, 0));
          let at = 0;
          for (const p of sealed) {
            joined.set(p, at);
            at += p.length;
          }
          let b64 = "";
          for (let i = 0; i < joined.length; i += 0x8000) b64 += String.fromCharCode(...joined.subarray(i, i + 0x8000));
          const fromNode = Uint8Array.from(atob(nodeSealedB64), (c) => c.charCodeAt(0));
          const opened: Uint8Array[] = [];
          for await (const piece of sdk.decryptStream(
            (async function* () {
              yield fromNode;
            })(),
            key,
          ))
            opened.push(piece);
          const plain = new Uint8Array(opened.reduce((n, p) => n + p.length, 0));
          at = 0;
          for (const p of opened) {
            plain.set(p, at);
            at += p.length;
          }
          const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", plain));
          return { sealedB64: btoa(b64), openedSha256: sdk.toHex(digest), openedSize: plain.length };
        },
        { keyHex, size, nodeSealedB64: nodeSealed.toString("base64") },
      );
      expect(pageErrors).toEqual([]);
      return r;
    });
    const pageSealed = Buffer.from(outcome.sealedB64, "base64");
    expect(pageSealed.length).toBe(24 + size + 4 * 16);
    const opened = await collect(
      decryptStream(
        (async function* () {
          yield new Uint8Array(pageSealed);
        })(),
        await contentKeyFrom(keyHex),
      ),
    );
    expect(opened.equals(Buffer.from(bytesOf(size)))).toBe(true);
    expect(outcome).toMatchObject({ openedSize: size, openedSha256: `0x${createHash("sha256").update(bytesOf(size)).digest("hex")}` });
  }, 120_000);
});
