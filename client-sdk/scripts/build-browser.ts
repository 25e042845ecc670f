/**
 * Bundles the SDK's browser entry (client-sdk/src/browser.ts) into a minified ES module (the core) with
 * a source map, plus the chunks it loads on demand in `chunks/` next to it (block-header proof, chain
 * readers, RFC 3161), for pages that import it with `<script type="module">` (tests, plugins).
 *
 *   node --conditions=source client-sdk/scripts/build-browser.ts [out.js=client-sdk/dist/priorproof.browser.js]
 */
import { readFileSync } from "node:fs";
import { basename, dirname, resolve, sep } from "node:path";
import { gzipSync } from "node:zlib";
import { fileURLToPath } from "node:url";
import { build, type Plugin } from "esbuild";

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
  /** Size of the core module in bytes (without the chunks loaded on demand). */
  readonly bytes: number;
  /** Source files that went into the bundle, relative to the working directory, as esbuild names them. */
  readonly inputs: readonly string[];
  /** The sources in the core module itself. */
  readonly entryInputs: readonly string[];
  /**
   * The other modules written, with the sources each holds: `withCore` ones are imported statically by
   * the core (code it shares with a lazy part) and load with it; the others load on demand.
   */
  readonly chunks: readonly { readonly file: string; readonly bytes: number; readonly inputs: readonly string[]; readonly withCore: boolean }[];
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
    entryPoints: { [basename(outfile, ".js")]: BROWSER_ENTRY },
    outdir: dirname(outfile),
    // The heavy parts (block-header proof, chain readers, RFC 3161) are dynamic imports: their own chunks.
    splitting: true,
    chunkNames: "chunks/[name]-[hash]",
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
    plugins: [lazyEvmInclusion],
  });
  const outputs = Object.entries(result.metafile.outputs).filter(([name]) => !name.endsWith(".map"));
  const entry = outputs.find(([, o]) => o.entryPoint !== undefined);
  if (!entry) throw new Error("esbuild wrote no entry module");
  // The chunks the core imports statically load with it; the others only on demand.
  const withCore = new Set<string>();
  const visit = (file: string) => {
    for (const i of result.metafile.outputs[file]?.imports ?? [])
      if (i.kind === "import-statement" && !withCore.has(i.path)) {
        withCore.add(i.path);
        visit(i.path);
      }
  };
  visit(entry[0]);
  const chunks = outputs
    .filter((o) => o !== entry)
    .map(([file, o]) => ({ file: resolve(file), bytes: o.bytes, inputs: Object.keys(o.inputs), withCore: withCore.has(file) }));
  return { outfile, bytes: entry[1].bytes, inputs: Object.keys(result.metafile.inputs), entryInputs: Object.keys(entry[1].inputs), chunks };
}

/** Minified and gzipped (level 9) sizes in bytes. */
export interface BundleSize {
  readonly name: string;
  readonly minified: number;
  readonly gzipped: number;
}

/**
 * The sizes a page pays: the core (the entry plus the chunks it imports statically) and each chunk
 * loaded on demand, named by the SDK module it holds.
 *
 * @example
 * const { core, lazy } = bundleSizes(await buildBrowserBundle("/tmp/pp/priorproof.js"));
 * core.gzipped // 18_262
 */
export function bundleSizes(bundle: BrowserBundle): { core: BundleSize; lazy: BundleSize[] } {
  const gz = (file: string) => gzipSync(readFileSync(file), { level: 9 }).length;
  const withCore = bundle.chunks.filter((c) => c.withCore);
  const core = {
    name: "core",
    minified: bundle.bytes + withCore.reduce((n, c) => n + c.bytes, 0),
    gzipped: gz(bundle.outfile) + withCore.reduce((n, c) => n + gz(c.file), 0),
  };
  const lazy = bundle.chunks
    .filter((c) => !c.withCore)
    .map((c) => {
      // Named by its top-level SDK module (evm-inclusion.ts, not evm-inclusion/types.ts), else its first SDK input;
      // a module split into a folder (tsa/index.ts) is named by its folder.
      const sdk = c.inputs.filter((i) => i.includes("client-sdk/src/"));
      const own = sdk.find((i) => !/client-sdk\/src\/.+\//.test(i)) ?? sdk[0];
      const name = own ? (basename(own, ".ts") === "index" ? basename(dirname(own)) : basename(own, ".ts")) : basename(c.file);
      return { name, minified: c.bytes, gzipped: gz(c.file) };
    });
  return { core, lazy };
}

/**
 * verify.ts imports `verifyEvmInclusion` statically (it is its default offline check); in the browser
 * bundle that import goes to evm-inclusion-lazy.ts, which loads the real module on first use, so the
 * core carries no RLP or trie code. A name verify.ts imports that the lazy module lacks fails the build.
 */
const lazyEvmInclusion: Plugin = {
  name: "lazy-evm-inclusion",
  setup(b) {
    b.onResolve({ filter: /^\.\/evm-inclusion\.ts$/ }, (args) =>
      args.importer.endsWith(`${sep}verify.ts`) && args.kind === "import-statement"
        ? { path: fileURLToPath(new URL("../src/evm-inclusion-lazy.ts", import.meta.url)) }
        : undefined,
    );
  },
};

if (import.meta.main) {
  const out = process.argv[2] ?? fileURLToPath(new URL("../dist/priorproof.browser.js", import.meta.url));
  const { bytes, inputs } = await buildBrowserBundle(out);
  console.log(`wrote ${out} (${bytes} bytes from ${inputs.length} sources)`);
}
