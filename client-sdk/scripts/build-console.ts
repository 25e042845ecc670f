/**
 * Builds the web console (issue 18): the TypeScript front end under src/console bundled by esbuild into
 * content-hashed files (the page's script, its hashing Web Worker and its style sheet) plus the
 * index.html that names them. Nothing inline, so that the console runs under a CSP of 'self' only.
 *
 *   node --conditions=source client-sdk/scripts/build-console.ts [out-dir]
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

/** One built file, served under /app/assets/<name>. */
export interface ConsoleAsset {
  readonly body: Uint8Array;
  readonly type: string;
}

/** The console: its index.html and its hashed assets by file name. */
export interface ConsoleBuild {
  readonly html: string;
  readonly assets: ReadonlyMap<string, ConsoleAsset>;
}

const TYPES: Record<string, string> = { ".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8" };
const src = (file: string) => fileURLToPath(new URL(`../src/console/${file}`, import.meta.url));

let built: Promise<ConsoleBuild> | undefined;

/**
 * The console, built once per process.
 *
 * @example
 * const { html, assets } = await buildConsole("/app/assets/");
 */
export function buildConsole(assetBase = "/app/assets/"): Promise<ConsoleBuild> {
  built ??= (async () => {
    const r = await build({
      entryPoints: { console: src("main.ts"), "hash-worker": src("hash-worker.ts"), style: src("style.css") },
      outdir: "/console-out",
      entryNames: "[name]-[hash]",
      bundle: true,
      write: false,
      format: "iife",
      platform: "browser",
      target: "es2022",
      conditions: ["source", "browser"],
      minify: true,
      legalComments: "none",
      logLevel: "silent",
    });
    const assets = new Map<string, ConsoleAsset>();
    for (const out of r.outputFiles) {
      const name = basename(out.path);
      const ext = name.slice(name.lastIndexOf("."));
      assets.set(name, { body: out.contents, type: TYPES[ext] ?? "application/octet-stream" });
    }
    const find = (prefix: string, ext: string) => {
      const name = [...assets.keys()].find((n) => n.startsWith(`${prefix}-`) && n.endsWith(ext));
      if (!name) throw new Error(`esbuild produced no ${prefix}${ext}`);
      return assetBase + name;
    };
    const html = readFileSync(src("index.html"), "utf8")
      .replace("%STYLE%", find("style", ".css"))
      .replace("%SCRIPT%", find("console", ".js"))
      .replace("%WORKER%", find("hash-worker", ".js"));
    return { html, assets };
  })();
  built.catch(() => (built = undefined));
  return built;
}

if (import.meta.main) {
  const dir = process.argv[2] ?? "console-dist";
  const { html, assets } = await buildConsole("assets/");
  mkdirSync(join(dir, "assets"), { recursive: true });
  writeFileSync(join(dir, "index.html"), html);
  for (const [name, a] of assets) writeFileSync(join(dir, "assets", name), a.body);
  console.log(`wrote ${dir}`);
}
