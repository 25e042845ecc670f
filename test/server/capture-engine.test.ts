/**
 * The capture engine against local HTTPS servers made by the test (a throw-away CA, real Chromium
 * /usr/bin/chromium, trusted through --ignore-certificate-errors-spki-list).
 */
import { execFileSync } from "node:child_process";
import { createHash, X509Certificate } from "node:crypto";
import { PNG } from "pngjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { captureWebPage, CaptureFailedError, type CaptureRequest } from "../../server/src/services/capture/browser.ts";
import { isBlockedAddress } from "../../server/src/services/capture/net-guard.ts";
import { verifyCapture, parseCaptureManifest } from "../../client-sdk/src/capture.ts";
import { serveStatic } from "../helpers/browser.ts";
import { startHttpsSite, type HttpsSite } from "../helpers/https-site.ts";

const sha = (b: Uint8Array | string) => "0x" + createHash("sha256").update(b).digest("hex");

/** A 40×30 PNG of one colour. */
function solidPng(r: number, g: number, b: number): Uint8Array {
  const png = new PNG({ width: 40, height: 30 });
  for (let i = 0; i < png.data.length; i += 4) {
    png.data[i] = r;
    png.data[i + 1] = g;
    png.data[i + 2] = b;
    png.data[i + 3] = 255;
  }
  return new Uint8Array(PNG.sync.write(png));
}

const RED = solidPng(255, 0, 0);
const BLUE = solidPng(0, 0, 255);
const SLOW_JS = "document.body.setAttribute('data-slow', 'loaded');";

const PAGE =
  `<!doctype html><html><head><title>Acme Widgets</title>
<style>body{margin:0;background:#00ff00} ` +
  `img{display:block;width:200px;height:150px}</style></head>
<body><h1 id="h">Acme</h1><img src="/red.png"><img src="/blue.png"><script ` +
  `src="/slow.js"></script>
<script>setTimeout(() => { const p = document.createElement("p"); p.id = "late"; p.textContent = ["Added", "by", ` +
  `"script", "after", "load"].join(" "); document.body.appendChild(p); }, 150);</script>
</body></html>`;

/** The MHTML's text with quoted-printable soft line breaks and escapes undone. */
function mhtmlText(bytes: Uint8Array): string {
  return new TextDecoder()
    .decode(bytes)
    .replace(/=\r?\n/g, "")
    .replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}

function chromiumChildren(): number {
  const out = execFileSync("ps", ["-eo", "ppid=,comm="], { encoding: "utf8" });
  return out.split("\n").filter((l) => l.trim().startsWith(`${process.pid} `) && /chrom/i.test(l)).length;
}

let site: HttpsSite;
const engine = () => ({
  executablePath: "/usr/bin/chromium",
  extraArgs: [`--ignore-certificate-errors-spki-list=${site.pki.spki}`],
  allowPrivate: true,
  software: "priorproof-server/test",
});
const request = (path: string, over: Partial<CaptureRequest> = {}): CaptureRequest => ({
  id: "cap-test",
  url: `${site.url}${path}`,
  javascript: true,
  viewport: { width: 800, height: 600 },
  timeBudgetMs: 30_000,
  sizeBudgetBytes: 20_000_000,
  settleMs: 500,
  previous: null,
  ...over,
});

beforeAll(async () => {
  site = await startHttpsSite({
    "/final": { body: PAGE },
    "/red.png": { type: "image/png", body: RED },
    "/blue.png": { type: "image/png", body: BLUE },
    "/slow.js": { type: "text/javascript", body: SLOW_JS, delayMs: 1_200 },
    "/start": { status: 302, body: "", headers: { location: "/hop" } },
    "/hop": { status: 301, body: "", headers: { location: "/final" } },
    "/never": { body: `<!doctype html><title>Never</title><h1>Still loading</h1><img src="/hang.png">` },
    "/hang.png": () => undefined, // never answers
  });
});
afterAll(async () => {
  await site?.close();
});

describe("captureWebPage", () => {
  describe("when a redirect chain ends at a page with images, a slow script and a late DOM change", () => {
    let result: Awaited<ReturnType<typeof captureWebPage>>;
    beforeAll(async () => {
      result = await captureWebPage(request("/start"), engine());
    }, 120_000);

    it("records the redirect chain and the final page", () => {
      const m = result.manifest;
      expect(m.outcome.status).toBe("complete");
      expect(m.page.finalUrl).toBe(`${site.url}/final`);
      expect(m.page.httpStatus).toBe(200);
      expect(m.page.title).toBe("Acme Widgets");
      expect(m.page.redirects).toEqual([
        { url: `${site.url}/start`, status: 302, location: "/hop" },
        { url: `${site.url}/hop`, status: 301, location: "/final" },
      ]);
    });

    it("takes a screenshot of the final page (pixels of both images and the page background)", () => {
      const png = PNG.sync.read(Buffer.from(result.parts.find((p) => p.name === "screenshot.png")!.bytes));
      expect(png.width).toBe(800);
      const px = (x: number, y: number) => [...png.data.subarray((y * png.width + x) * 4, (y * png.width + x) * 4 + 3)];
      const h1Bottom = 70; // below the heading, the first image starts; sample inside each image
      let redY = -1;
      for (let y = h1Bottom; y < png.height; y++)
        if (px(100, y).join() === "255,0,0") {
          redY = y;
          break;
        }
      expect(redY).toBeGreaterThan(0);
      expect(px(100, redY + 75)).toEqual([255, 0, 0]);
      expect(px(100, redY + 150 + 75)).toEqual([0, 0, 255]);
      expect(px(600, redY + 75)).toEqual([0, 255, 0]);
    });

    it("keeps the script-added text in the MHTML and the DOM, and the slow script's effect", () => {
      const mhtml = mhtmlText(result.parts.find((p) => p.name === "page.mhtml")!.bytes);
      // The sentence is joined by the script at run time: it is not in the page's source.
      expect(PAGE).not.toContain("Added by script after load");
      expect(mhtml).toContain('<p id="late">Added by script after load</p>');
      const dom = new TextDecoder().decode(result.parts.find((p) => p.name === "dom.html")!.bytes);
      expect(dom).toContain('data-slow="loaded"');
      expect(dom).toContain('<p id="late">Added by script after load</p>');
    });

    it("lists every response with the digest of the bytes the server sent", () => {
      const log = JSON.parse(new TextDecoder().decode(result.parts.find((p) => p.name === "network.json")!.bytes));
      expect(log.format).toBe("priorproof-network/1");
      const byPath = new Map<string, { status: number; bodySha256: string | null; connectedTo: string | null }>(
        log.responses.map((r: { url: string }) => [new URL(r.url).pathname, r]),
      );
      expect(byPath.get("/start")?.status).toBe(302);
      expect(byPath.get("/hop")?.status).toBe(301);
      expect(byPath.get("/final")?.bodySha256).toBe(sha(PAGE));
      expect(byPath.get("/red.png")?.bodySha256).toBe(sha(RED));
      expect(byPath.get("/blue.png")?.bodySha256).toBe(sha(BLUE));
      expect(byPath.get("/slow.js")?.bodySha256).toBe(sha(SLOW_JS));
      expect(byPath.get("/final")?.connectedTo).toBe("127.0.0.1");
      expect(result.manifest.connection.remoteAddress).toEqual({ ip: "127.0.0.1", port: Number(new URL(site.url).port) });
      expect(result.manifest.connection.dns).toEqual({ host: "127.0.0.1", addresses: ["127.0.0.1"] });
    });

    it("records the test's TLS chain as the browser received it", () => {
      const pem = new TextDecoder().decode(result.parts.find((p) => p.name === "tls-chain.pem")!.bytes);
      const certs = pem
        .split(/(?<=-----END CERTIFICATE-----\n)/)
        .filter(Boolean)
        .map((c) => new X509Certificate(c));
      expect(certs.map((c) => c.fingerprint256)).toEqual([
        new X509Certificate(site.pki.leafPem).fingerprint256,
        new X509Certificate(site.pki.caPem).fingerprint256,
      ]);
      expect(result.manifest.connection.tls?.subjectName).toBe("capture-test.localhost");
      expect(result.manifest.connection.tls?.issuer).toBe("PriorProof Capture Test CA");
      expect(result.manifest.connection.tls?.chainSha256).toEqual(certs.map((c) => sha(c.raw)));
    });

    it("records the environment", () => {
      const env = result.manifest.environment;
      expect(env.browser).toMatch(/^Chromium \d+\./);
      expect(env.userAgent).toContain("Chrome/");
      expect(Date.parse(env.finishedAt)).toBeGreaterThanOrEqual(Date.parse(env.startedAt));
      expect(env.serverDate).toMatch(/GMT$/);
    });

    it("writes a canonical manifest whose parts verify, and fails a changed byte in any part naming it", async () => {
      expect(parseCaptureManifest(result.manifestBytes).id).toBe("cap-test");
      const files = new Map(result.parts.map((p) => [p.name, p.bytes]));
      const ok = await verifyCapture({ manifest: result.manifestBytes, readPart: async (n) => files.get(n) });
      expect(ok.failedParts).toEqual([]);
      expect(ok.checks.filter((c) => c.id.startsWith("parts.")).every((c) => c.status === "passed")).toBe(true);
      for (const part of result.parts) {
        const bad = new Map(files);
        const copy = new Uint8Array(part.bytes);
        copy[Math.floor(copy.length / 2)]! ^= 0x01;
        bad.set(part.name, copy);
        const v = await verifyCapture({ manifest: result.manifestBytes, readPart: async (n) => bad.get(n) });
        expect(v.verified).toBe(false);
        expect(v.failedParts).toEqual([part.name]);
        expect(v.checks.find((c) => c.id === `parts.${part.name}`)).toMatchObject({ status: "failed", code: "PART_DIGEST_MISMATCH" });
      }
    });
  });

  it("ends a page that never finishes loading at the time budget, with outcome timeout and what was captured", async () => {
    const t0 = Date.now();
    const r = await captureWebPage(request("/never", { timeBudgetMs: 4_000 }), engine());
    expect(Date.now() - t0).toBeLessThan(45_000);
    expect(r.manifest.outcome.status).toBe("timeout");
    expect(r.manifest.outcome.notes.join(" ")).toMatch(/did not finish loading within the 4000 ms time budget/);
    expect(r.manifest.page).toMatchObject({ finalUrl: `${site.url}/never`, title: "Never", httpStatus: 200 });
    expect(r.manifest.connection.tls?.subjectName).toBe("capture-test.localhost");
    const log = JSON.parse(new TextDecoder().decode(r.parts.find((p) => p.name === "network.json")!.bytes));
    expect(log.failed.concat(log.responses).some((x: { url: string }) => x.url.endsWith("/hang.png"))).toBe(true);
    expect(mhtmlText(r.parts.find((p) => p.name === "page.mhtml")!.bytes)).toContain("Still loading");
  }, 60_000);

  it("fails, stamping nothing, when no document arrives within the time budget", async () => {
    site.set("/silent", () => undefined); // accepts the request, never answers
    await expect(captureWebPage(request("/silent", { timeBudgetMs: 2_000 }), engine())).rejects.toMatchObject({ code: "CAPTURE_NO_DOCUMENT" });
  }, 60_000);

  it("cuts a page at the size budget, with outcome truncated and what arrived", async () => {
    // A script is read to its end (an image that fails to decode may be cancelled early).
    site.set("/big.js", { type: "text/javascript", body: `/*${"x".repeat(4_000_000)}*/` });
    site.set("/heavy", { body: `<!doctype html><title>Heavy</title><h1>Heavy page</h1><script src="/big.js"></script>` });
    const r = await captureWebPage(request("/heavy", { sizeBudgetBytes: 200_000 }), engine());
    expect(r.manifest.outcome.status).toBe("truncated");
    expect(r.manifest.outcome.notes.join(" ")).toMatch(/exceeded the 200000-byte size budget/);
    const log = JSON.parse(new TextDecoder().decode(r.parts.find((p) => p.name === "network.json")!.bytes));
    expect(log.receivedBytes).toBeLessThan(4_000_000);
    expect(mhtmlText(r.parts.find((p) => p.name === "page.mhtml")!.bytes)).toContain("Heavy page");
  }, 60_000);

  it("captures a plain-HTTP page through the proxy's forwarding path, with no TLS part", async () => {
    const html = "<!doctype html><title>Plain</title><h1>Plain HTTP page</h1>";
    const plain = await serveStatic({ html });
    try {
      const r = await captureWebPage({ ...request("/"), url: `${plain.url}/` }, engine());
      expect(r.manifest.outcome.status).toBe("complete");
      expect(r.manifest.connection.tls).toBeNull();
      expect(r.parts.map((p) => p.name)).not.toContain("tls-chain.pem");
      const log = JSON.parse(new TextDecoder().decode(r.parts.find((p) => p.name === "network.json")!.bytes));
      expect(log.responses.find((x: { url: string }) => x.url === `${plain.url}/`)?.bodySha256).toBe(sha(html));
    } finally {
      await plain.close();
    }
  }, 60_000);

  it("runs no JavaScript when asked not to", async () => {
    const r = await captureWebPage(request("/final", { javascript: false, settleMs: 400 }), engine());
    expect(r.manifest.request.javascript).toBe(false);
    const dom = new TextDecoder().decode(r.parts.find((p) => p.name === "dom.html")!.bytes);
    expect(dom).toContain('<h1 id="h">Acme</h1>');
    // The script's text is in the page source; the element it would add, and the slow script's attribute, are not.
    expect(dom).not.toContain('<p id="late">');
    expect(dom).not.toContain('data-slow="loaded"');
  }, 60_000);

  it("refuses a URL that is a download", async () => {
    site.set("/file.zip", { type: "application/zip", body: new Uint8Array(1000), headers: { "content-disposition": 'attachment; filename="file.zip"' } });
    await expect(captureWebPage(request("/file.zip"), engine())).rejects.toMatchObject({ code: "CAPTURE_DOWNLOAD_REFUSED" });
  }, 60_000);

  it("refuses a loopback target unless private targets are allowed", async () => {
    await expect(captureWebPage(request("/final"), { ...engine(), allowPrivate: false })).rejects.toMatchObject({ code: "CAPTURE_TARGET_PRIVATE" });
    await expect(captureWebPage(request("/final", { url: "http://localhost:1/" }), { ...engine(), allowPrivate: false })).rejects.toBeInstanceOf(
      CaptureFailedError,
    );
  });

  describe("when only 127.0.0.2 counts as private (the test narrows the guard to reach its own loopback site)", () => {
    const narrowed = () => ({ ...engine(), allowPrivate: false, isBlocked: (ip: string) => ip === "127.0.0.2" });

    it("refuses a subresource on a private address, and the page is still captured", async () => {
      const port = new URL(site.url).port;
      site.set("/mixed", { body: `<!doctype html><title>Mixed</title><img src="https://127.0.0.2:${port}/red.png"><img src="/blue.png">` });
      const r = await captureWebPage(request("/mixed"), narrowed());
      const log = JSON.parse(new TextDecoder().decode(r.parts.find((p) => p.name === "network.json")!.bytes));
      expect(
        log.connections
          .filter((c: { refused: string | null }) => c.refused?.startsWith("CAPTURE_TARGET_PRIVATE"))
          .map((c: { host: string; refused: string }) => [c.host, c.refused.split(":")[0]]),
      ).toEqual([["127.0.0.2", "CAPTURE_TARGET_PRIVATE"]]);
      expect(log.responses.map((x: { url: string }) => new URL(x.url).pathname)).toContain("/blue.png");
      expect(log.responses.some((x: { url: string }) => x.url.includes("127.0.0.2"))).toBe(false);
      expect(log.failed.some((x: { url: string }) => x.url.includes("127.0.0.2"))).toBe(true);
    }, 60_000);

    it("refuses a WebSocket to a private address (WebSockets go through the guard proxy too)", async () => {
      const port = new URL(site.url).port;
      site.set("/ws", { body: `<!doctype html><title>WS</title><script>try { new WebSocket("wss://127.0.0.2:${port}/socket"); } catch {}</script>` });
      const r = await captureWebPage(request("/ws"), narrowed());
      const log = JSON.parse(new TextDecoder().decode(r.parts.find((p) => p.name === "network.json")!.bytes));
      expect(
        log.connections.filter((c: { refused: string | null }) => c.refused?.startsWith("CAPTURE_TARGET_PRIVATE")).map((c: { host: string }) => c.host),
      ).toEqual(["127.0.0.2"]);
    }, 60_000);

    it("refuses a redirect hop to a private address", async () => {
      const port = new URL(site.url).port;
      site.set("/to-private", { status: 302, body: "", headers: { location: `https://127.0.0.2:${port}/final` } });
      await expect(captureWebPage(request("/to-private"), narrowed())).rejects.toMatchObject({ code: "CAPTURE_TARGET_PRIVATE" });
    }, 60_000);
  });

  it("classifies loopback, private, link-local, multicast and mapped addresses as private", () => {
    for (const ip of [
      "127.0.0.1",
      "10.1.2.3",
      "172.16.0.1",
      "192.168.1.1",
      "169.254.169.254",
      "100.64.0.1",
      "0.0.0.0",
      "224.0.0.1",
      "::1",
      "::",
      "::ffff:127.0.0.1",
      "::ffff:7f00:1",
      "fe80::1",
      "fd00::1",
      "ff02::1",
    ]) {
      expect([ip, isBlockedAddress(ip)]).toEqual([ip, true]);
    }
    for (const ip of ["93.184.215.14", "8.8.8.8", "2606:4700::1111"]) expect([ip, isBlockedAddress(ip)]).toEqual([ip, false]);
  });

  it("leaves no Chromium process behind", () => {
    expect(chromiumChildren()).toBe(0);
  });
});
