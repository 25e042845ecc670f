/**
 * One web capture: a fresh headless Chromium (playwright-core, the system browser, a new temporary
 * profile each time) loads one URL through the guard proxy (proxy.ts) and records the screenshot,
 * the MHTML snapshot (CDP `Page.captureSnapshot`), the serialized DOM, every response (status, headers,
 * body SHA-256) and the TLS chain of the main document (CDP `Network.getCertificate`). The result is the
 * parts and a `priorproof-capture/1` manifest (client-sdk/src/capture.ts) listing them.
 *
 * Budgets: the time budget bounds loading (a page that never finishes loading is captured as it stands
 * at the budget, outcome `timeout`); the size budget bounds the bytes received (outcome `truncated`,
 * every connection cut). After either, taking the snapshot has a fixed grace period of its own, and the
 * browser is always closed (killed if it does not close).
 */
import { X509Certificate } from "node:crypto";
import { chromium, type Browser, type CDPSession, type Response } from "playwright-core";
import type { CaptureManifest } from "@priorproof/client-sdk";
import { CAPTURE_NETWORK_LOG_VERSION, encodeCaptureManifest, type CaptureRedirect, type CaptureTls } from "@priorproof/client-sdk/internal/capture";
import { checkHost, systemResolver, TargetRefusedError } from "./net-guard.ts";
import { startGuardProxy, type GuardProxy } from "./proxy.ts";
import {
  CAPTURE_CHROMIUM_ARGS,
  CaptureFailedError,
  type CapturedPart,
  type CaptureEngineOptions,
  type CaptureRequest,
  type CaptureResult,
} from "./engine-types.ts";
import { closeBrowser, iso, type LogEntry, pem, sha256Hex, within } from "./engine-util.ts";

// Moved names, re-exported from their old module path.
export { CAPTURE_CHROMIUM_ARGS, CaptureFailedError } from "./engine-types.ts";
export type { CapturedPart, CaptureEngineOptions, CaptureRequest, CaptureResult } from "./engine-types.ts";

/**
 * Captures one URL. Resolves the parts and the manifest (outcome complete, timeout or truncated), or
 * throws CaptureFailedError when nothing could be captured.
 *
 * @example
 * const r = await captureWebPage({ id, url: "https://example.com/", javascript: true, viewport: { width: 1280, height: 800 },
 *   timeBudgetMs: 60_000, sizeBudgetBytes: 50e6, settleMs: 1_000, previous: null },
 *   { executablePath: "/usr/bin/chromium", allowPrivate: false, software: "priorproof-server/0.1.0" });
 */
export async function captureWebPage(req: CaptureRequest, opts: CaptureEngineOptions): Promise<CaptureResult> {
  let target: URL;
  try {
    target = new URL(req.url);
  } catch {
    throw new CaptureFailedError("CAPTURE_INVALID_URL", `not a URL: ${JSON.stringify(req.url.slice(0, 200))}`);
  }
  if (target.protocol !== "http:" && target.protocol !== "https:")
    throw new CaptureFailedError("CAPTURE_INVALID_URL", `only http and https URLs can be captured, not ${target.protocol}`);
  if (target.username || target.password) throw new CaptureFailedError("CAPTURE_INVALID_URL", "a URL with credentials cannot be captured");
  const resolve = opts.resolve ?? systemResolver;
  const host = target.hostname.replace(/^\[|\]$/g, "");
  let dns;
  try {
    dns = await checkHost(host, { allowPrivate: opts.allowPrivate, resolve, ...(opts.isBlocked ? { isBlocked: opts.isBlocked } : {}) });
  } catch (e) {
    if (e instanceof TargetRefusedError) throw new CaptureFailedError(e.code, e.message);
    throw e;
  }

  const started = Date.now();
  // The time budget counts from navigation: launching the browser is the service's time, not the page's.
  let deadline = started + req.timeBudgetMs;
  const notes: string[] = [];
  let proxy: GuardProxy | undefined;
  let browser: Browser | undefined;
  try {
    proxy = await startGuardProxy({
      allowPrivate: opts.allowPrivate,
      resolve,
      maxBytes: req.sizeBudgetBytes,
      ...(opts.isBlocked ? { isBlocked: opts.isBlocked } : {}),
    });
    browser = await chromium.launch({
      executablePath: opts.executablePath,
      args: [...CAPTURE_CHROMIUM_ARGS, `--proxy-server=${proxy.url}`, "--proxy-bypass-list=<-loopback>", ...(opts.extraArgs ?? [])],
      timeout: 30_000,
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
    });
    const context = await browser.newContext({
      acceptDownloads: false,
      serviceWorkers: "block",
      javaScriptEnabled: req.javascript,
      viewport: req.viewport,
      deviceScaleFactor: 1,
    });
    const page = await context.newPage();
    const cdp: CDPSession = await context.newCDPSession(page);
    await cdp.send("Network.enable");
    page.on("download", (d) => {
      notes.push(`download refused: ${d.url()}`);
      void d.cancel().catch(() => undefined);
    });

    const log: LogEntry[] = [];
    const failed: { url: string; method: string; resourceType: string; failure: string }[] = [];
    const bodies: Promise<void>[] = [];
    const connectedTo = (url: string): string | null => {
      try {
        const u = new URL(url);
        const port = u.port ? Number(u.port) : u.protocol === "https:" ? 443 : 80;
        const h = u.hostname.replace(/^\[|\]$/g, "");
        const c = [...(proxy?.connections ?? [])].reverse().find((x) => x.host === h && x.port === port && x.connectedTo);
        return c?.connectedTo ?? null;
      } catch {
        return null;
      }
    };
    // The main document's last response: goto() gives none when the budget ends before `load`.
    let lastDocument: Response | null = null;
    page.on("response", (response: Response) => {
      const request = response.request();
      if (request.isNavigationRequest() && response.frame() === page.mainFrame()) lastDocument = response;
      const entry: LogEntry = {
        url: response.url(),
        method: request.method(),
        resourceType: request.resourceType(),
        status: response.status(),
        statusText: response.statusText(),
        headers: [],
        bodySize: null,
        bodySha256: null,
        bodyNote: null,
        connectedTo: connectedTo(response.url()),
      };
      log.push(entry);
      bodies.push(
        (async () => {
          entry.headers = (await response.headersArray().catch(() => [])).map((h) => [h.name, h.value]);
          if (response.status() >= 300 && response.status() < 400) {
            entry.bodyNote = "redirect: no body";
            return;
          }
          try {
            const body = await response.body();
            entry.bodySize = body.length;
            entry.bodySha256 = sha256Hex(body);
          } catch (e) {
            entry.bodyNote = `body not available: ${(e instanceof Error ? e.message : String(e)).split("\n")[0]}`;
          }
        })(),
      );
    });
    page.on("requestfailed", (r) =>
      failed.push({ url: r.url(), method: r.method(), resourceType: r.resourceType(), failure: r.failure()?.errorText ?? "failed" }),
    );

    let outcome: "complete" | "timeout" | "truncated" = "complete";
    let main: Response | null = null;
    deadline = Date.now() + req.timeBudgetMs;
    try {
      main = await page.goto(req.url, { waitUntil: "load", timeout: Math.max(1, deadline - Date.now()) });
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      if (proxy.exceeded()) outcome = "truncated";
      else if (/Timeout .*exceeded/i.test(message)) outcome = "timeout";
      else if (/Download is starting/i.test(message))
        throw new CaptureFailedError("CAPTURE_DOWNLOAD_REFUSED", `${req.url} is a download, not a page; downloads are refused`);
      else {
        // A redirect hop the proxy refused: name the refused address.
        const refusal = proxy.connections.find((c) => c.refused?.startsWith("CAPTURE_TARGET_PRIVATE"));
        if (refusal && /ERR_TUNNEL_CONNECTION_FAILED|ERR_HTTP_RESPONSE_CODE_FAILURE|ERR_PROXY/.test(message)) {
          throw new CaptureFailedError("CAPTURE_TARGET_PRIVATE", `navigation refused: ${refusal.host}:${refusal.port}: ${refusal.refused}`);
        }
        throw new CaptureFailedError("CAPTURE_NAVIGATION_FAILED", `navigation to ${req.url} failed: ${message.split("\n")[0]}`, { cause: e });
      }
    }
    if (outcome === "complete") {
      // Late DOM changes (scripts after load) and late requests: wait for quiet, within the budget.
      await page.waitForLoadState("networkidle", { timeout: Math.max(1, Math.min(deadline - Date.now(), 5_000)) }).catch(() => undefined);
      const settle = Math.min(req.settleMs, deadline - Date.now());
      if (settle > 0) await page.waitForTimeout(settle);
      if (proxy.exceeded()) outcome = "truncated";
    }
    main ??= lastDocument;
    if (outcome !== "complete" && page.url() === "about:blank") {
      throw new CaptureFailedError(
        outcome === "timeout" ? "CAPTURE_NO_DOCUMENT" : "CAPTURE_TRUNCATED_NO_DOCUMENT",
        `no document arrived from ${req.url} within the ` +
          (outcome === "timeout" ? `${req.timeBudgetMs} ms time budget` : `${req.sizeBudgetBytes}-byte size budget`),
      );
    }
    if (outcome === "timeout") notes.push(`the page did not finish loading within the ${req.timeBudgetMs} ms time budget: captured as it stood then`);
    if (outcome === "truncated")
      notes.push(`the page exceeded the ${req.sizeBudgetBytes}-byte size budget: connections were cut and the page captured as it stood then`);
    // Stop loading whatever is still in flight, so the snapshot is of one moment.
    await cdp.send("Page.stopLoading").catch(() => undefined);

    const grace = opts.snapshotGraceMs ?? 20_000;
    const snapshotDeadline = Date.now() + grace;
    const left = () => Math.max(1, snapshotDeadline - Date.now());
    const screenshot = await page.screenshot({ fullPage: true, type: "png", timeout: left() }).catch(async (e: unknown) => {
      notes.push(`full-page screenshot failed (${(e instanceof Error ? e.message : String(e)).split("\n")[0]}); viewport screenshot taken instead`);
      return page.screenshot({ fullPage: false, type: "png", timeout: left() });
    });
    const mhtml = await within(left(), cdp.send("Page.captureSnapshot", { format: "mhtml" }));
    if (!mhtml) throw new CaptureFailedError("CAPTURE_SNAPSHOT_FAILED", "the MHTML snapshot did not finish in time");
    const dom = await within(
      left(),
      page.content().catch(() => ""),
    );
    const title =
      (await within(
        left(),
        page.title().catch(() => ""),
      )) ?? "";
    const finalUrl = page.url();
    const userAgent =
      (await within(
        left(),
        page.evaluate(() => navigator.userAgent).catch(() => ""),
      )) || "";

    let tls: CaptureTls | null = null;
    let chainPem = "";
    const finalOrigin = new URL(finalUrl).origin;
    if (finalOrigin.startsWith("https:")) {
      const cert = await within(
        left(),
        cdp.send("Network.getCertificate", { origin: finalOrigin }).catch(() => undefined),
      );
      const ders = (cert?.tableNames ?? []).map((b64) => new Uint8Array(Buffer.from(b64, "base64")));
      chainPem = ders.map(pem).join("");
      const details = main ? await main.securityDetails().catch(() => null) : null;
      if (details || ders.length > 0) {
        const leaf = ders[0] ? new X509Certificate(ders[0]) : undefined;
        tls = {
          protocol: details?.protocol ?? "",
          subjectName: details?.subjectName ?? leaf?.subject.replace(/\n/g, ", ") ?? "",
          issuer: details?.issuer ?? leaf?.issuer.replace(/\n/g, ", ") ?? "",
          validFrom: details?.validFrom !== undefined ? iso(details.validFrom * 1000) : leaf ? new Date(leaf.validFrom).toISOString() : iso(0),
          validTo: details?.validTo !== undefined ? iso(details.validTo * 1000) : leaf ? new Date(leaf.validTo).toISOString() : iso(0),
          chainSha256: ders.map(sha256Hex),
        };
      }
      if (ders.length === 0) notes.push("the browser did not give the TLS certificate chain");
    }
    await within(left(), Promise.all(bodies));
    for (const e of log) if (e.bodySha256 === null && e.bodyNote === null) e.bodyNote = "body not received before the snapshot";

    const redirects: CaptureRedirect[] = [];
    for (let r = main?.request().redirectedFrom() ?? null; r; r = r.redirectedFrom()) {
      const resp = await r.response().catch(() => null);
      redirects.unshift({ url: r.url(), status: resp?.status() ?? 0, location: (await resp?.headerValue("location").catch(() => null)) ?? "" });
    }
    const serverDate = main ? await main.headerValue("date").catch(() => null) : null;
    const browserVersion = `Chromium ${browser.version()}`;
    const finished = Date.now();
    const network = {
      format: CAPTURE_NETWORK_LOG_VERSION,
      responses: log,
      failed,
      connections: proxy.connections,
      receivedBytes: proxy.received(),
    };
    const enc = new TextEncoder();
    const partBytes: { name: string; mediaType: string; bytes: Uint8Array }[] = [
      { name: "screenshot.png", mediaType: "image/png", bytes: new Uint8Array(screenshot) },
      { name: "page.mhtml", mediaType: "multipart/related", bytes: enc.encode(mhtml.data) },
      { name: "dom.html", mediaType: "text/html; charset=utf-8", bytes: enc.encode(dom ?? "") },
      { name: "network.json", mediaType: "application/json", bytes: enc.encode(JSON.stringify(network, null, 1)) },
      ...(chainPem ? [{ name: "tls-chain.pem", mediaType: "application/x-pem-file", bytes: enc.encode(chainPem) }] : []),
    ];
    const parts: CapturedPart[] = partBytes.map((p) => ({ ...p, size: p.bytes.length, sha256: sha256Hex(p.bytes) }));
    const mainConnection = connectedTo(finalUrl);
    const finalPort = new URL(finalUrl).port;
    const manifest: CaptureManifest = {
      version: "priorproof-capture/1",
      id: req.id,
      request: {
        url: req.url,
        javascript: req.javascript,
        viewport: { ...req.viewport },
        timeBudgetMs: req.timeBudgetMs,
        sizeBudgetBytes: req.sizeBudgetBytes,
      },
      outcome: { status: outcome, notes },
      page: { finalUrl, httpStatus: main ? main.status() : null, title: title.slice(0, 2_000), redirects },
      connection: {
        dns,
        remoteAddress: mainConnection ? { ip: mainConnection, port: finalPort ? Number(finalPort) : finalUrl.startsWith("https:") ? 443 : 80 } : null,
        tls,
      },
      environment: {
        browser: browserVersion,
        userAgent,
        viewport: { ...req.viewport },
        startedAt: iso(started),
        finishedAt: iso(finished),
        clock:
          `the capturing host's system clock, kept by: ${opts.clockSource ?? "not stated"} (not the evidence of time: the anchors of the manifest's ` +
          `receipt are)`,
        serverDate,
        software: opts.software,
      },
      previous: req.previous,
      parts: parts.map(({ name, mediaType, size, sha256 }) => ({ name, mediaType, size, sha256 })),
    };
    const manifestBytes = encodeCaptureManifest(manifest);
    return {
      manifest,
      manifestBytes,
      manifestSha256: sha256Hex(manifestBytes),
      parts,
      domSha256: parts.find((p) => p.name === "dom.html")!.sha256,
      screenshotSha256: parts.find((p) => p.name === "screenshot.png")!.sha256,
    };
  } catch (e) {
    if (e instanceof CaptureFailedError) throw e;
    throw new CaptureFailedError("CAPTURE_BROWSER_FAILED", `the capture browser failed: ${(e instanceof Error ? e.message : String(e)).split("\n")[0]}`, {
      cause: e,
    });
  } finally {
    if (browser) await closeBrowser(browser);
    await proxy?.close();
  }
}
