/**
 * `priorproof capture` and `priorproof verify-capture` against the real service listening on loopback
 * (anvil, SQLite, embedded IPFS, its capture worker with real Chromium /usr/bin/chromium) capturing a
 * local HTTPS site with a test CA.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { crc32 } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run, type Io } from "../../client-sdk/src/cli/main.ts";
import { anchorAll, buildTestApp, type TestApp } from "../helpers/app.ts";
import { makeTestPki, startHttpsSite, type HttpsSite } from "../helpers/https-site.ts";

function captureIo(env: Record<string, string>): Io & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, out: (l) => lines.push(l), err: (l) => errors.push(l), progress: () => undefined, isTTY: false, env };
}

/** A ZIP (stored members) of `files`, for the ZIP path of verify-capture. */
function storedZip(files: Map<string, Uint8Array>): Uint8Array {
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const [name, data] of files) {
    const n = Buffer.from(name);
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(n.length, 26);
    locals.push(local, n, Buffer.from(data));
    const c = Buffer.alloc(46);
    c.writeUInt32LE(0x02014b50, 0);
    c.writeUInt16LE(20, 4);
    c.writeUInt16LE(20, 6);
    c.writeUInt32LE(crc, 16);
    c.writeUInt32LE(data.length, 20);
    c.writeUInt32LE(data.length, 24);
    c.writeUInt16LE(n.length, 28);
    c.writeUInt32LE(offset, 42);
    central.push(c, n);
    offset += 30 + n.length + data.length;
  }
  const dir = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.size, 8);
  end.writeUInt16LE(files.size, 10);
  end.writeUInt32LE(dir.length, 12);
  end.writeUInt32LE(offset, 16);
  return new Uint8Array(Buffer.concat([...locals, dir, end]));
}

describe("priorproof capture / verify-capture", () => {
  let t: TestApp;
  let site: HttpsSite;
  let base: string;
  let dir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    site = await startHttpsSite({ "/listing": { body: "<!doctype html><title>Listing 42</title><h1>Knock-off ACME widget</h1>" } });
    t = await buildTestApp({ CAPTURE_ALLOW_PRIVATE: "true", CAPTURE_TRUST_SPKI: makeTestPki().spki, CAPTURE_POLL_MS: "100" });
    await t.app.listen({ host: "127.0.0.1", port: 0 });
    const address = t.app.server.address();
    base = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
    t.app.captures.start(); // the capture worker alone (the test app runs no batcher or anchorer)
    dir = mkdtempSync(join(tmpdir(), "pp-capture-cli-"));
    env = { PRIORPROOF_URL: base, PRIORPROOF_API_KEY: t.keys.acme! };
  }, 120_000);
  afterAll(async () => {
    await t?.app.captures.stop();
    await t?.close();
    await site?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("captures a page into a directory that verifies; a changed byte fails naming the part; a ZIP of it verifies", async () => {
    const out = join(dir, "cap");
    const io = captureIo(env);
    expect(await run(["capture", `${site.url}/listing`, "-o", out, "--timeout", "120"], io)).toBe(0);
    expect(io.lines[0]).toMatch(/: complete, first; manifest 0x[0-9a-f]{64} stamped as entry /);
    expect(readdirSync(out).sort()).toEqual(["dom.html", "manifest.json", "network.json", "page.mhtml", "screenshot.png", "tls-chain.pem"]);
    expect(io.errors.join("\n")).toMatch(/not anchored yet: later, run priorproof receipt/);

    await anchorAll(t);
    const entryId = /stamped as entry (\S+)/.exec(io.lines[0]!)![1]!;
    const receipt = await (await fetch(`${base}/v1/entries/${entryId}/receipt`, { headers: { authorization: `Bearer ${t.keys.acme}` } })).text();
    writeFileSync(join(out, "receipt.json"), receipt);

    const ok = captureIo(env);
    expect(await run(["verify-capture", out, "--rpc", t.chain.rpcUrl], ok)).toBe(0);
    expect(ok.lines.at(-1)).toMatch(/^VERIFIED: capture of https:\/\/127\.0\.0\.1:\d+\/listing/);

    const files = new Map(readdirSync(out).map((n) => [n, new Uint8Array(readFileSync(join(out, n)))]));
    const zipOk = captureIo(env);
    writeFileSync(join(dir, "cap.zip"), storedZip(files));
    expect(await run(["verify-capture", join(dir, "cap.zip"), "--rpc", t.chain.rpcUrl], zipOk)).toBe(0);

    const mhtml = new Uint8Array(files.get("page.mhtml")!);
    mhtml[100]! ^= 0x20;
    writeFileSync(join(out, "page.mhtml"), mhtml);
    const bad = captureIo(env);
    expect(await run(["verify-capture", out, "--rpc", t.chain.rpcUrl], bad)).toBe(1);
    expect(bad.lines).toContain(bad.lines.find((l) => l.startsWith("FAIL  Part page.mhtml is the one listed: PART_DIGEST_MISMATCH")));
    expect(bad.lines.at(-1)).toBe("NOT VERIFIED: part page.mhtml differs from the manifest");

    const badZip = captureIo(env);
    writeFileSync(join(dir, "bad.zip"), storedZip(new Map([...files, ["page.mhtml", mhtml]])));
    expect(await run(["verify-capture", join(dir, "bad.zip"), "--offline"], badZip)).toBe(1);
    expect(badZip.lines.at(-1)).toBe("NOT VERIFIED: part page.mhtml differs from the manifest");
  }, 240_000);

  it("reports a refused target as a service error", async () => {
    const io = captureIo(env);
    const tnoPrivate = await buildTestApp();
    try {
      await tnoPrivate.app.listen({ host: "127.0.0.1", port: 0 });
      const a = tnoPrivate.app.server.address();
      const code = await run(
        ["capture", "http://127.0.0.1:9/", "--server", `http://127.0.0.1:${typeof a === "object" && a ? a.port : 0}`, "--key", tnoPrivate.keys.acme!],
        io,
      );
      expect(code).toBe(3);
      expect(io.errors.join("\n")).toMatch(/service error CAPTURE_TARGET_PRIVATE \(HTTP 400\)/);
    } finally {
      await tnoPrivate.close();
    }
  }, 120_000);
});

it("leaves no Chromium process behind", () => {
  const children = execFileSync("ps", ["-eo", "ppid=,comm="], { encoding: "utf8" })
    .split("\n")
    .filter((l) => l.trim().startsWith(`${process.pid} `) && /chrom/i.test(l));
  expect(children).toEqual([]);
});
