/**
 * Real-browser test harness: Debian Chromium (/usr/bin/chromium) driven by playwright-core, pages
 * served over node:http on 127.0.0.1 (a free port), everything closed afterwards.
 *
 * @example
 * await withBrowserPage({ dir: outDir }, async (page, baseUrl) => {
 *   await page.goto(`${baseUrl}/index.html`);
 * });
 */
import { createServer, type Server } from "node:http";
import { readFile, stat } from "node:fs/promises";
import { extname, join, resolve, sep } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";

/**
 * Debian's Chromium, and the flags every suite launches it with (headless, no sandbox in containers,
 * no background traffic).
 *
 * @example
 * chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS] })
 */
export const CHROMIUM_PATH = "/usr/bin/chromium";
/** See CHROMIUM_PATH. @example chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS] }) */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-quic",
  "--no-first-run",
  "--disable-component-update",
  "--disable-sync",
] as const;

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".wasm": "application/wasm",
  ".png": "image/png",
  ".svg": "image/svg+xml",
};

/**
 * Launches Debian Chromium headless with the project's flags, for suites that reuse one browser.
 * The caller closes it.
 *
 * @example
 * const browser = await launchBrowser();
 * try { const page = await browser.newPage(); … } finally { await browser.close(); }
 */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS] });
}

/**
 * What `serveStatic` serves: a directory, and/or an HTML page at `/` (taking precedence there).
 *
 * @example
 * const site: StaticSite = { dir: outDir, html: "<script type=module src=./priorproof.js></script>" };
 */
export interface StaticSite {
  /** Directory whose files are served (no listing, no path escaping it). */
  readonly dir?: string;
  /** HTML served at `/` and `/index.html`. */
  readonly html?: string;
}

/**
 * A running static server.
 *
 * @example
 * const { url, close } = await serveStatic({ dir }); await page.goto(url); await close();
 */
export interface StaticServer {
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Serves `site` over node:http on 127.0.0.1 at a free port; GET/HEAD only, no caching.
 *
 * @example
 * const server = await serveStatic({ dir: "test-artifacts/browser" });
 * try { await page.goto(`${server.url}/index.html`); } finally { await server.close(); }
 */
export async function serveStatic(site: StaticSite): Promise<StaticServer> {
  const root = site.dir === undefined ? undefined : resolve(site.dir);
  const server: Server = createServer(async (req, res) => {
    const send = (status: number, body: string | Uint8Array, type = "text/plain; charset=utf-8") => {
      res.writeHead(status, { "content-type": type, "cache-control": "no-store", "content-length": Buffer.byteLength(body) });
      res.end(req.method === "HEAD" ? undefined : body);
    };
    if (req.method !== "GET" && req.method !== "HEAD") return send(405, "method not allowed");
    let pathname: string;
    try {
      pathname = decodeURIComponent(new URL(req.url ?? "/", "http://localhost").pathname);
    } catch {
      return send(400, "bad path");
    }
    if (site.html !== undefined && (pathname === "/" || pathname === "/index.html")) return send(200, site.html, TYPES[".html"]);
    if (root === undefined) return send(404, "not found");
    const file = resolve(join(root, pathname));
    if (file !== root && !file.startsWith(root + sep)) return send(403, "outside the served directory");
    try {
      const target = (await stat(file)).isDirectory() ? join(file, "index.html") : file;
      send(200, await readFile(target), TYPES[extname(target)] ?? "application/octet-stream");
    } catch {
      // Browsers ask for a favicon on their own; answering 404 would log a console error.
      if (pathname === "/favicon.ico") return send(204, "");
      send(404, "not found");
    }
  });
  await new Promise<void>((ok, fail) => {
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => ok());
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("the static server has no TCP address");
  return {
    url: `http://127.0.0.1:${address.port}`,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}

/**
 * Serves `site`, opens a page in a fresh Chromium (or in `browser` when given, which is left open),
 * runs `fn(page, baseUrl)`, and closes page, browser and server whatever happens. Page errors and
 * console errors are collected and passed to `fn` so tests can assert there were none.
 *
 * @example
 * const title = await withBrowserPage({ html: "<title>hi</title>" }, async (page, url) => {
 *   await page.goto(url);
 *   return page.title();
 * });
 */
export async function withBrowserPage<T>(
  site: StaticSite & { readonly browser?: Browser },
  fn: (page: Page, baseUrl: string, pageErrors: readonly string[]) => Promise<T>,
): Promise<T> {
  const server = await serveStatic(site);
  let browser: Browser | undefined;
  let page: Page | undefined;
  try {
    browser = site.browser ?? (await launchBrowser());
    page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(`console: ${m.text()}`);
    });
    return await fn(page, server.url, errors);
  } finally {
    await page?.close().catch(() => undefined);
    if (browser && browser !== site.browser) await browser.close().catch(() => undefined);
    await server.close();
  }
}
