/**
 * Bundles the SDK's browser entry (client-sdk/src/browser.ts) into one minified ES module with a
 * source map, for pages that import it with `<script type="module">` (tests, the verify page, plugins).
 *
 *   node --conditions=source client-sdk/scripts/build-browser.ts [out.js=client-sdk/dist/priorproof.browser.js]
 */
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

/**
 * Absolute path of the browser entry that is bundled.
 *
 * @example
 * BROWSER_ENTRY // "/…/client-sdk/src/browser.ts"
 */
export const BROWSER_ENTRY = fileURLToPath(new URL("../src/browser.ts", import.meta.url));

/**
 * What `buildBrowserBundle` wrote.
 *
 * @example
 * const { outfile, bytes, inputs } = await buildBrowserBundle("/tmp/pp/priorproof.js");
 */
export interface BrowserBundle {
  /** The module written (its source map is `${outfile}.map`). */
  readonly outfile: string;
  /** Size of the module in bytes. */
  readonly bytes: number;
  /** Source files that went into the bundle, relative to the working directory, as esbuild names them. */
  readonly inputs: readonly string[];
}

/**
 * Bundles the browser entry to `outfile` as an ES2022 module for browsers (conditions `source`,
 * `browser`), minified (class names kept, so errors keep theirs), with an external source map next to
 * it. Throws esbuild's error (with its messages) when the entry does not bundle, e.g. when it reaches
 * a Node built-in.
 *
 * @example
 * await buildBrowserBundle("test-artifacts/browser/priorproof.js");
 * // <script type="module">import { sha256Blob } from "./priorproof.js";</script>
 */
export async function buildBrowserBundle(outfile: string): Promise<BrowserBundle> {
  const result = await build({
    entryPoints: [BROWSER_ENTRY],
    outfile,
    bundle: true,
    format: "esm",
    platform: "browser",
    conditions: ["source", "browser"],
    target: "es2022",
    minify: true,
    // Minifying renames classes; PriorProofError sets `name` from its class, which callers show and test.
    keepNames: true,
    sourcemap: true,
    legalComments: "none",
    metafile: true,
    logLevel: "silent",
  });
  const outputs = Object.entries(result.metafile.outputs).filter(([name]) => !name.endsWith(".map"));
  const bytes = outputs.reduce((sum, [, o]) => sum + o.bytes, 0);
  return { outfile, bytes, inputs: Object.keys(result.metafile.inputs) };
}

if (import.meta.main) {
  const out = process.argv[2] ?? fileURLToPath(new URL("../dist/priorproof.browser.js", import.meta.url));
  const { bytes, inputs } = await buildBrowserBundle(out);
  console.log(`wrote ${out} (${bytes} bytes from ${inputs.length} sources)`);
}
