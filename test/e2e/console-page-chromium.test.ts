/**
 * The web console's page (issue 18) without signing in: served at /app with a 'self'-only CSP and
 * content-hashed assets, small (gzipped bundle bound), and in Debian Chromium: no CSP violation or
 * script error, labelled controls, the language from the browser and the user's choice remembered,
 * visible keyboard focus, and no horizontal scrolling at tablet width (768 px).
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import type { Browser, ConsoleMessage, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, type TestApp } from "../helpers/app.ts";
import { launchBrowser } from "../helpers/browser.ts";

const ARTIFACTS = "test-artifacts/console";
/** Upper bound of the console's gzipped script + worker + style sheet (measured about 24 KB). */
const MAX_GZIP_BYTES = 40_000;

let t: TestApp;
let base: string;
let browser: Browser;

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  t = await buildTestApp();
  base = await t.app.listen({ host: "127.0.0.1", port: 0 });
  browser = await launchBrowser();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

/** A page that records script errors and CSP violations from its first instant. */
async function watchedPage(options: { locale?: string; width?: number } = {}): Promise<{ page: Page; problems: string[] }> {
  const context = await browser.newContext({ locale: options.locale ?? "en-US", viewport: { width: options.width ?? 1200, height: 900 } });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  // Signed out, GET /v1/console/me answers 401: that is how the page learns it must show the sign-in form.
  const expected = (m: ConsoleMessage) => m.location().url.endsWith("/v1/console/me") && /status of 401/.test(m.text());
  page.on("console", (m) => {
    if (m.type() === "error" && !expected(m)) problems.push(`console: ${m.text()} (${m.location().url})`);
  });
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`));
  });
  return { page, problems };
}

describe("GET /app", () => {
  it("serves the index with a 'self'-only CSP and nothing inline, for every client route", async () => {
    for (const url of ["/app", "/app/login", "/app/entries/abc", "/app/admin/keys"]) {
      const res = await t.app.inject({ method: "GET", url });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers["content-type"]).toMatch(/^text\/html/);
      const csp = String(res.headers["content-security-policy"]);
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("style-src 'self'");
      expect(csp).not.toContain("unsafe-inline");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(res.body).not.toMatch(/<script>|<style|style=|https?:\/\//);
    }
  });

  it("serves the hashed assets for good, and 404 for any other name", async () => {
    const html = (await t.app.inject({ method: "GET", url: "/app" })).body;
    const names = [...html.matchAll(/\/app\/assets\/([\w.-]+)/g)].map((m) => m[1]!);
    expect(names).toHaveLength(3);
    let gz = 0;
    for (const name of names) {
      const res = await t.app.inject({ method: "GET", url: `/app/assets/${name}` });
      expect(res.statusCode).toBe(200);
      expect(res.headers["cache-control"]).toContain("immutable");
      expect(res.headers["content-type"]).toMatch(name.endsWith(".css") ? /^text\/css/ : /^text\/javascript/);
      gz += gzipSync(res.rawPayload, { level: 9 }).length;
    }
    console.log(`console bundle: ${gz} bytes gzipped (${names.join(", ")})`);
    expect(gz).toBeLessThan(MAX_GZIP_BYTES);
    expect((await t.app.inject({ method: "GET", url: "/app/assets/console-XXXX.js" })).statusCode).toBe(404);
  });
});

describe("the console in Chromium, signed out", () => {
  it("shows the sign-in form with labelled controls and no CSP violation or script error", async () => {
    const { page, problems } = await watchedPage();
    await page.goto(`${base}/app/entries`);
    await page.waitForSelector("#login-form");
    expect(await page.getAttribute("html", "lang")).toBe("en");
    for (const id of ["email", "password", "lang"]) {
      const labelled = await page.evaluate((i) => {
        const el = document.getElementById(i) as HTMLInputElement;
        return (el.labels?.length ?? 0) > 0 || el.hasAttribute("aria-label");
      }, id);
      expect(labelled, id).toBe(true);
    }
    await page.screenshot({ path: join(ARTIFACTS, "login.png"), fullPage: true });
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it("takes Chinese from the browser's language, and remembers the user's choice over a reload", async () => {
    const { page, problems } = await watchedPage({ locale: "zh-CN" });
    await page.goto(`${base}/app/login`);
    await page.waitForSelector("#login-form");
    expect(await page.getAttribute("html", "lang")).toBe("zh-CN");
    expect(await page.innerText("#login-form h1")).toBe("登录");
    await page.selectOption("#lang", "en");
    expect(await page.innerText("#login-form h1")).toBe("Sign in");
    await page.reload();
    await page.waitForSelector("#login-form");
    expect(await page.innerText("#login-form h1")).toBe("Sign in");
    await page.selectOption("#lang", "zh-CN");
    await page.screenshot({ path: join(ARTIFACTS, "login-zh-CN.png"), fullPage: true });
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it("setup: reads the token from the fragment only, and says so when the link is incomplete", async () => {
    const { page } = await watchedPage();
    const requests: string[] = [];
    page.on("request", (r) => requests.push(r.url()));
    await page.goto(`${base}/app/setup`);
    await page.waitForSelector("#setup-form");
    expect(await page.innerText("#setup-form .msg")).toMatch(/setup link is incomplete/);
    await page.goto(`${base}/app/setup#token=abc123`);
    await page.waitForSelector("#setup-form");
    expect(await page.innerText("#setup-form .msg")).not.toMatch(/incomplete/);
    // The fragment never reaches the server: no request URL carries the token.
    expect(requests.some((u) => u.includes("abc123"))).toBe(false);
    await page.screenshot({ path: join(ARTIFACTS, "setup.png"), fullPage: true });
    await page.context().close();
  });

  it("moves the focus by keyboard with a visible outline, and fits 768 px without horizontal scrolling", async () => {
    const { page } = await watchedPage({ width: 768 });
    await page.goto(`${base}/app/login`);
    await page.waitForSelector("#login-form");
    const seen: string[] = [];
    for (let i = 0; i < 8; i++) {
      await page.keyboard.press("Tab");
      const focus = await page.evaluate(() => {
        const el = document.activeElement as HTMLElement;
        const style = getComputedStyle(el);
        return { id: el.id || el.tagName, outline: style.outlineStyle, width: style.outlineWidth };
      });
      seen.push(focus.id);
      if (focus.id === "email" || focus.id === "password") {
        expect(focus.outline).not.toBe("none");
        expect(focus.width).not.toBe("0px");
      }
    }
    expect(seen).toContain("email");
    expect(seen).toContain("password");
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(768);
    await page.screenshot({ path: join(ARTIFACTS, "login-768.png"), fullPage: true });
    await page.context().close();
  });
});
