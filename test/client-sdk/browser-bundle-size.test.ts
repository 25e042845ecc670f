/**
 * What a design tool pays for the SDK in a page: the browser core (hashing, stamping, receipts, Merkle
 * and receipt verification) stays within 120 KB gzipped; the block-header proof, chain readers (ethers)
 * and RFC 3161 (pkijs) are chunks loaded on demand. A size bound, not a timing.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BrowserBundle, buildBrowserBundle, bundleSizes } from "../../client-sdk/scripts/build-browser.ts";

const dir = mkdtempSync(join(tmpdir(), "pp-bundle-size-"));
let bundle: BrowserBundle;
beforeAll(async () => {
  bundle = await buildBrowserBundle(join(dir, "priorproof.js"));
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the browser bundle", () => {
  it("keeps its core within 120 KB gzipped", () => {
    const { core } = bundleSizes(bundle);
    expect(core.gzipped).toBeGreaterThan(5_000);
    expect(core.gzipped).toBeLessThanOrEqual(120 * 1024);
  });

  it("loads the block-header proof, the chain readers and RFC 3161 on demand, not with the core", () => {
    const core = [bundle.outfile, ...bundle.chunks.filter((c) => c.withCore).map((c) => c.file)];
    const coreInputs = [...bundle.entryInputs, ...bundle.chunks.filter((c) => c.withCore).flatMap((c) => c.inputs)];
    expect(bundle.entryInputs.some((i) => i.endsWith("client-sdk/src/verify.ts"))).toBe(true);
    for (const heavy of [
      "client-sdk/src/evm-inclusion.ts",
      "client-sdk/src/anchor.ts",
      "client-sdk/src/tsa.ts",
      "node_modules/ethers/",
      "node_modules/pkijs/",
      "node_modules/@ethereumjs/",
    ]) {
      expect(coreInputs.some((i) => i.includes(heavy))).toBe(false);
      expect(bundle.chunks.some((c) => !c.withCore && c.inputs.some((i) => i.includes(heavy)))).toBe(true);
    }
    expect(core.length).toBeGreaterThanOrEqual(1);
    expect(
      bundleSizes(bundle)
        .lazy.map((l) => l.name)
        .sort(),
    ).toEqual(expect.arrayContaining(["anchor", "evm-inclusion", "tsa"]));
  });
});
