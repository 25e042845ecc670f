/**
 * Builds the public verification page: the SDK's browser code bundled (esbuild) and inlined into one
 * self-contained HTML file, so that it can be served by the service at /verify or saved and opened from
 * disk on a court expert's machine with no PriorProof service at all.
 *
 *   node --conditions=source client-sdk/scripts/build-verify-page.ts [out.html]
 */
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

export interface VerifyPageConfig {
  readonly rpc?: Record<string, string>;
  readonly lookupUrl?: string;
  readonly version?: string;
}

let bundled: Promise<string> | undefined;

/** The page's script, bundled once per process. */
function bundle(): Promise<string> {
  bundled ??= build({
    entryPoints: [fileURLToPath(new URL("../src/verify-page/main.ts", import.meta.url))],
    bundle: true,
    write: false,
    format: "iife",
    platform: "browser",
    target: "es2022",
    conditions: ["source", "browser"],
    minify: true,
    keepNames: true, // error classes keep their names (InputError, ProofError) in the minified page
    legalComments: "none",
    logLevel: "silent",
  }).then((r) => {
    const out = r.outputFiles[0];
    if (!out) throw new Error("esbuild produced no output");
    return out.text;
  });
  return bundled;
}

/**
 * The page as one HTML string with `config` embedded.
 *
 * @example
 * const html = await buildVerifyPageHtml({ lookupUrl: "/v1/verify", rpc: { "1": "https://eth.example" } });
 */
export async function buildVerifyPageHtml(config: VerifyPageConfig = {}): Promise<string> {
  const template = readFileSync(new URL("../src/verify-page/page.html", import.meta.url), "utf8");
  // JSON inside <script>: escape "<" so that no value can close the element.
  const json = JSON.stringify(config).replaceAll("<", "\\u003c");
  const script = (await bundle()).replaceAll("</script", "<\\/script");
  return template
    .replace("<script>/*PRIORPROOF_CONFIG*/</script>", () => `<script>window.PRIORPROOF_CONFIG = ${json};</script>`)
    .replace("<script>/*PRIORPROOF_SCRIPT*/</script>", () => `<script>${script}</script>`);
}

if (import.meta.main) {
  const out = process.argv[2] ?? "priorproof-verify.html";
  // The page names the SDK release it was built from: the version of client-sdk/package.json.
  const { version } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };
  writeFileSync(out, await buildVerifyPageHtml({ version: `priorproof-client-sdk/${version}` }));
  console.log(`wrote ${out}`);
}
