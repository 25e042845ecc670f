/**
 * The SDK's browser entry, bundled with esbuild and run in real Chromium (Debian, via playwright-core):
 * a File made in the page is hashed there with sha256Blob and compared with node:crypto over the same
 * bytes, made here from the same seeded generator.
 */
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BrowserBundle, buildBrowserBundle } from "../../client-sdk/scripts/build-browser.ts";
import { launchBrowser, withBrowserPage } from "../helpers/browser.ts";

/** One seeded generator (xorshift32), loaded both by the page and by this test. */
const PRNG_JS = `export function seededBytes(seed, n) {
  const out = new Uint8Array(n);
  let x = (seed >>> 0) || 0x9e3779b9;
  for (let i = 0; i < n; i++) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}
`;

const PAGE_HTML = `<!doctype html>
<meta charset="utf-8">
<title>priorproof sdk</title>
<script type="module">
import * as sdk from "./priorproof.js";
import { seededBytes } from "./prng.js";
window.sdk = sdk;
window.seededBytes = seededBytes;
window.sdkReady = true;
</script>
`;

/** What the page exposes to `page.evaluate`. */
interface PageGlobals {
  sdk: typeof import("../../client-sdk/src/browser.ts");
  seededBytes(seed: number, n: number): Uint8Array<ArrayBuffer>;
  sdkReady?: boolean;
}

interface PageHash {
  sha256: string;
  sha3_256: string;
  size: number;
  progress: [number, number | undefined][];
}

let dir: string;
let bundle: BrowserBundle;
let browser: Browser;
let seededBytes: (seed: number, n: number) => Uint8Array;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "pp-browser-"));
  bundle = await buildBrowserBundle(join(dir, "priorproof.js"));
  writeFileSync(join(dir, "prng.js"), PRNG_JS);
  writeFileSync(join(dir, "index.html"), PAGE_HTML);
  ({ seededBytes } = (await import(/* @vite-ignore */ pathToFileURL(join(dir, "prng.js")).href)) as { seededBytes: typeof seededBytes });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Opens the page, makes a File of `size` seeded bytes in it and hashes it with sha256Blob. */
function hashInPage(seed: number, size: number): Promise<PageHash> {
  return withBrowserPage({ dir, browser }, async (page, url, pageErrors) => {
    await page.goto(`${url}/index.html`);
    await page.waitForFunction(() => (window as unknown as PageGlobals).sdkReady === true);
    const result = await page.evaluate(
      async ({ seed, size }) => {
        const w = window as unknown as PageGlobals;
        // The SDK must stream the Blob: reading it whole would fail here.
        for (const m of ["arrayBuffer", "text", "bytes"] as const) {
          Object.defineProperty(Blob.prototype, m, { value: () => Promise.reject(new Error(`Blob.${m}() called`)), configurable: true });
        }
        const file = new File([w.seededBytes(seed, size)], "evidence.bin", { type: "application/octet-stream" });
        const progress: [number, number | undefined][] = [];
        const r = await w.sdk.sha256Blob(file, { alsoSha3: true, onProgress: (done, total) => progress.push([done, total]) });
        return { sha256: w.sdk.toHex(r.sha256), sha3_256: w.sdk.toHex(r.sha3_256 ?? new Uint8Array()), size: r.size, progress };
      },
      { seed, size },
    );
    expect(pageErrors).toEqual([]);
    return result;
  });
}

describe("the SDK browser bundle in real Chromium", () => {
  it.each([
    { seed: 1, size: 6 * 1024 * 1024 + 12_345 },
    { seed: 0xdecaf, size: 3 * 1024 * 1024 },
    { seed: 7, size: 1 },
  ])(
    "hashes a $size-byte File (seed $seed) with sha256Blob to node:crypto's SHA-256 and SHA3-256 of the same bytes, without reading it whole",
    async ({ seed, size }) => {
      const bytes = seededBytes(seed, size);
      const r = await hashInPage(seed, size);
      expect(r.size).toBe(size);
      expect(r.sha256).toBe("0x" + createHash("sha256").update(bytes).digest("hex"));
      expect(r.sha3_256).toBe("0x" + createHash("sha3-256").update(bytes).digest("hex"));
    },
  );

  it("gives the FIPS 180-2 digest of the empty string for an empty File", async () => {
    const r = await hashInPage(1, 0);
    expect(r.sha256).toBe("0xe3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect(r.size).toBe(0);
    expect(r.progress).toEqual([[0, 0]]);
  });

  it("reports progress in the page: from 0, non-decreasing, in several steps, ending at the file size, with the size as total", async () => {
    const size = 5 * 1024 * 1024 + 1;
    const { progress } = await hashInPage(42, size);
    expect(progress.length, "a 5 MB file is read in more than one chunk").toBeGreaterThan(2);
    expect(progress[0]).toEqual([0, size]);
    expect(progress.at(-1)).toEqual([size, size]);
    for (let i = 1; i < progress.length; i++) expect(progress[i]![0]).toBeGreaterThanOrEqual(progress[i - 1]![0]);
    expect(progress.every(([, total]) => total === size)).toBe(true);
  });

  it("loads the block-header proof on demand and checks the evm-receipt-proof/2 vector to the proven block, as Node does", async () => {
    const vector = (JSON.parse(readFileSync("docs/vectors/evm-inclusion.json", "utf8")) as { anvilV2: { inclusion: unknown; claim: unknown } }).anvilV2;
    const outcome = await withBrowserPage({ dir, browser }, async (page, url) => {
      const chunks: string[] = [];
      page.on("request", (r) => chunks.push(r.url()));
      await page.goto(`${url}/index.html`);
      await page.waitForFunction(() => (window as unknown as PageGlobals).sdkReady === true);
      const before = chunks.some((u) => /evm-inclusion-/.test(u));
      const r = await page.evaluate(async ({ inclusion, claim }) => {
        const w = window as unknown as PageGlobals;
        const result = await w.sdk.verifyEvmInclusion(inclusion, claim as never);
        return { blockHash: result.blockHash, codeHash: result.codeHash ?? null };
      }, vector);
      return { before, after: chunks.some((u) => /evm-inclusion-/.test(u)), ...r };
    });
    const { verifyEvmInclusion } = await import("../../client-sdk/src/evm-inclusion.ts");
    const inNode = await verifyEvmInclusion(vector.inclusion, vector.claim as never);
    expect(outcome).toEqual({ before: false, after: true, blockHash: inNode.blockHash, codeHash: inNode.codeHash ?? null });
  });

  it("stops with the SDK's typed InputError ABORTED when the signal fires mid-file", async () => {
    const outcome = await withBrowserPage({ dir, browser }, async (page, url) => {
      await page.goto(`${url}/index.html`);
      await page.waitForFunction(() => (window as unknown as PageGlobals).sdkReady === true);
      return page.evaluate(async () => {
        const w = window as unknown as PageGlobals;
        const file = new File([w.seededBytes(3, 4 * 1024 * 1024)], "big.bin");
        const ac = new AbortController();
        try {
          await w.sdk.sha256Blob(file, { signal: ac.signal, onProgress: (done) => done > 0 && ac.abort() });
          return "resolved";
        } catch (e) {
          return e instanceof w.sdk.InputError ? `${e.name}:${e.code}` : `other: ${String(e)}`;
        }
      });
    });
    expect(outcome).toBe("InputError:ABORTED");
  });

  it("is an ES module with no Node built-in import, built from hash.ts but not hash-node.ts", () => {
    const code = readFileSync(bundle.outfile, "utf8");
    expect(bundle.bytes).toBe(Buffer.byteLength(code));
    expect(code).not.toMatch(/(?:from|import)\s*\(?\s*["']node:|require\(\s*["']node:/);
    expect(code).toMatch(/\bexport\s*\{/);
    expect(bundle.inputs.some((f) => f.endsWith("client-sdk/src/hash.ts"))).toBe(true);
    expect(bundle.inputs.some((f) => f.endsWith("hash-node.ts"))).toBe(false);
    expect(bundle.inputs.some((f) => f.startsWith("node:"))).toBe(false);
    expect(readFileSync(`${bundle.outfile}.map`, "utf8")).toContain('"sources"');
  });
});
