/**
 * Issue 23, points 3 and 5 — secrets never leave, and safe defaults, on the real app (real anvil,
 * SQLite, embedded blockstore). A secret is planted in RPC_URL (an RPC at a local HTTP server that
 * answers every call with HTTP 500, as a provider refusing a key does: ethers then echoes the URL as
 * `requestUrl`) and every public response and every log line is searched for it.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../../server/src/app.ts";
import { ConfigError, loadConfig } from "../../server/src/config.ts";
import { createTenantKey } from "../../server/src/services/keys.ts";
import { anchorAll, buildTestApp, type TestApp } from "../helpers/app.ts";
import { devWallet } from "../helpers/service.ts";

const SECRET = `SECRETKEY${randomBytes(8).toString("hex")}`;
const PASSWORD = `pw${randomBytes(8).toString("hex")}`;
const METRICS_TOKEN = `metrics-${randomBytes(8).toString("hex")}`;

let healthy: TestApp;
let failing: Server;
let rpcUrl = "";
let app: FastifyInstance;
let key = "";
let dataDir = "";
const logs: string[] = [];
let receipt: unknown;
let digest = "";

beforeAll(async () => {
  // A real receipt, from an app over a working anvil chain.
  healthy = await buildTestApp();
  digest = "0x" + randomBytes(32).toString("hex");
  const stamped = await healthy.app.inject({
    method: "POST",
    url: "/v1/stamps",
    headers: { authorization: `Bearer ${healthy.keys.acme}` },
    payload: { items: [{ sha256: digest }] },
  });
  const id = stamped.json().entries[0].id as string;
  await anchorAll(healthy);
  receipt = (await healthy.app.inject({ method: "GET", url: `/v1/entries/${id}/receipt`, headers: { authorization: `Bearer ${healthy.keys.acme}` } })).json();

  // An RPC that answers HTTP 500 to everything, reached through a URL carrying an API key and a password.
  failing = createServer((_req, res) => {
    res.writeHead(500, { "content-type": "text/plain" }).end("internal server error");
  });
  await new Promise<void>((r) => failing.listen(0, "127.0.0.1", r));
  rpcUrl = `http://user:${PASSWORD}@127.0.0.1:${(failing.address() as AddressInfo).port}/v3/${SECRET}?apikey=${SECRET}`;
  dataDir = mkdtempSync(join(tmpdir(), "pp-exposure-"));
  const config = loadConfig({
    DATA_DIR: dataDir,
    RPC_URL: rpcUrl,
    CHAIN_ID: String(healthy.chain.chainId),
    CONFIRMATIONS: "1",
    ANCHORER_PRIVATE_KEY: devWallet(1).privateKey,
    DEPLOYMENTS_DIR: healthy.config.chains[0]!.deploymentsDir,
    WORKERS: "false",
    METRICS_TOKEN,
  });
  app = await buildApp(config, { logger: { level: "trace", stream: { write: (line: string) => void logs.push(line) } } });
  await app.ready();
  key = (await createTenantKey(app.store, "acme", "test")).key;
}, 120_000);

afterAll(async () => {
  await app?.close();
  await new Promise((r) => failing?.close(r));
  await healthy?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe("a secret in RPC_URL", () => {
  const leaks = (text: string) => [SECRET, PASSWORD, rpcUrl, encodeURIComponent(SECRET), devWallet(1).privateKey.slice(2)].filter((s) => text.includes(s));

  it("appears in no public response, even when the RPC fails and ethers echoes its URL", async () => {
    const auth = { authorization: `Bearer ${key}` };
    const requests: { method: "GET" | "POST"; url: string; headers?: Record<string, string>; payload?: unknown }[] = [
      { method: "GET", url: "/healthz" },
      { method: "GET", url: "/readyz" },
      { method: "GET", url: "/metrics" },
      { method: "GET", url: "/metrics", headers: { authorization: `Bearer ${METRICS_TOKEN}` } },
      { method: "GET", url: "/verify" },
      { method: "GET", url: "/verify/priorproof-verify.html" },
      { method: "GET", url: "/docs" },
      { method: "GET", url: "/docs/json" },
      { method: "GET", url: "/docs/yaml" },
      { method: "GET", url: "/no/such/route" },
      { method: "GET", url: `/v1/verify?sha256=${digest}` },
      { method: "POST", url: "/v1/verify", payload: { receipt } },
      { method: "POST", url: "/v1/verify", payload: { receipt, sha256: digest } },
      { method: "POST", url: "/v1/verify", payload: { receipt: { version: "nonsense" } } },
      { method: "POST", url: "/v1/verify", payload: "{not json", headers: { "content-type": "application/json" } },
      { method: "POST", url: "/v1/stamps", headers: auth, payload: { items: [{ sha256: digest }] } },
      { method: "GET", url: "/v1/entries", headers: auth },
    ];
    const seen: string[] = [];
    for (const r of requests) {
      const res = await app.inject({
        method: r.method,
        url: r.url,
        headers: r.headers ?? {},
        ...(r.payload === undefined ? {} : { payload: r.payload as string }),
      });
      seen.push(`${r.method} ${r.url} → ${res.statusCode}`);
      const text = `${JSON.stringify(res.headers)}\n${res.body}`;
      expect(leaks(text), `${r.method} ${r.url}`).toEqual([]);
    }
    // The RPC really failed (so its error went through the redaction), and the verify page's scripts were checked too.
    const ready = await app.inject({ method: "GET", url: "/readyz" });
    expect(ready.statusCode).toBe(503);
    expect(ready.json().checks[`chain:${healthy.chain.chainId}`]).toMatchObject({ ok: false, detail: expect.stringMatching(/^rpc unreachable/) });
    const verdict = await app.inject({ method: "POST", url: "/v1/verify", payload: { receipt } });
    expect(verdict.statusCode).toBe(200);
    expect((await app.inject({ method: "GET", url: "/verify" })).body).toMatch(/<script>/);
    expect(seen.length).toBe(requests.length);
  });

  it("appears in no log line, though the failed RPC calls were logged", async () => {
    const entries = await app.inject({
      method: "POST",
      url: "/v1/stamps",
      headers: { authorization: `Bearer ${key}` },
      payload: { items: [{ sha256: "0x" + randomBytes(32).toString("hex") }] },
    });
    expect(entries.statusCode).toBe(202);
    await app.batcher.closeBatches();
    for (const a of app.anchorers.values()) await a.tick().catch(() => undefined);
    await app.inject({ method: "GET", url: "/readyz" });
    const all = logs.join("");
    expect(all).toMatch(/readiness: chain RPC unreachable/);
    expect(all).toContain("[redacted]");
    expect(leaks(all)).toEqual([]);
  });
});

describe("/metrics and /readyz", () => {
  it("serves /metrics only with METRICS_TOKEN, and /readyz without counts or tenant data", async () => {
    expect((await app.inject({ method: "GET", url: "/metrics" })).statusCode).toBe(401);
    expect((await app.inject({ method: "GET", url: "/metrics", headers: { authorization: `Bearer ${key}` } })).statusCode).toBe(401);
    const metrics = await app.inject({ method: "GET", url: "/metrics", headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(metrics.statusCode).toBe(200);
    expect(metrics.body).toMatch(/^priorproof_hash_threads 2$/m);
    // Without a token configured, there is no /metrics at all.
    expect((await healthy.app.inject({ method: "GET", url: "/metrics" })).statusCode).toBe(404);
    const ready = await healthy.app.inject({ method: "GET", url: "/readyz" });
    expect(ready.statusCode).toBe(200);
    expect(ready.body).not.toMatch(/acme|rival|entries|pending|confirmed|tenant/);
  });
});

describe("cache headers", () => {
  it("marks every answer to a request with a key private, no-store (entries, receipts, errors)", async () => {
    const auth = { authorization: `Bearer ${healthy.keys.acme}` };
    const entries = await healthy.app.inject({ method: "GET", url: "/v1/entries", headers: auth });
    const id = entries.json().entries[0].id as string;
    for (const url of ["/v1/entries", `/v1/entries/${id}`, `/v1/entries/${id}/receipt`, "/v1/entries/nope"]) {
      const res = await healthy.app.inject({ method: "GET", url, headers: auth });
      expect({ url, cache: res.headers["cache-control"] }).toEqual({ url, cache: "private, no-store" });
    }
  });
});

describe("files under the data directory", () => {
  it("are owner-only (0600, directories 0700) although the process started with umask 022", async () => {
    process.umask(0o022);
    const t = await buildTestApp();
    try {
      const up = await t.app.inject({
        method: "POST",
        url: "/v1/evidence",
        headers: { authorization: `Bearer ${t.keys.acme}`, "content-type": "multipart/form-data; boundary=B" },
        payload: `--B\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\n${"draft ".repeat(1000)}\r\n--B--\r\n`,
      });
      expect(up.statusCode).toBe(202);
      const modes: Record<string, number> = {};
      const walk = (dir: string) => {
        for (const name of readdirSync(dir)) {
          const path = join(dir, name);
          // the test's own anvil and deployment
          if (path.startsWith(join(t.config.dataDir, "chain")) || path.startsWith(join(t.config.dataDir, "deployments"))) continue;
          const s = statSync(path);
          modes[path.slice(t.config.dataDir.length)] = s.mode & 0o777;
          if (s.isDirectory()) walk(path);
        }
      };
      modes["/"] = statSync(t.config.dataDir).mode & 0o777;
      walk(t.config.dataDir);
      const blocks = Object.keys(modes).filter((p) => p.startsWith("/ipfs/blocks/") && p.endsWith(".data"));
      expect(blocks.length).toBeGreaterThan(0);
      expect(Object.keys(modes)).toEqual(expect.arrayContaining(["/", "/priorproof.db", "/ipfs", "/ipfs/blocks"]));
      for (const [path, mode] of Object.entries(modes)) {
        const isDir = statSync(join(t.config.dataDir, path)).isDirectory();
        expect({ path, mode: mode.toString(8) }).toEqual({ path, mode: isDir ? "700" : "600" });
      }
    } finally {
      await t.close();
    }
  });
});

describe("explorer links (EXPLORER_URL)", () => {
  const base = { RPC_URL: "https://rpc.example/", CHAIN_ID: "11155111" };
  it.each(["javascript:alert(1)//", "data:text/html,hi", "ftp://explorer.example", "http://explorer.example"])("refuses %s for a real chain", (url) => {
    expect(() => loadConfig({ ...base, EXPLORER_URL: url })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, CHAINS: JSON.stringify([{ rpcUrl: "https://rpc.example", chainId: 1, explorerUrl: url }]) })).toThrow(ConfigError);
  });
  it("accepts https for any chain and http only for a development chain", () => {
    expect(loadConfig({ ...base, EXPLORER_URL: "https://sepolia.etherscan.io" }).chains[0]?.explorerUrl).toBe("https://sepolia.etherscan.io");
    expect(loadConfig({ ...base, CHAIN_DEVELOPMENT: "true", EXPLORER_URL: "http://127.0.0.1:5100" }).chains[0]?.explorerUrl).toBe("http://127.0.0.1:5100");
    expect(() => loadConfig({ ...base, CHAIN_DEVELOPMENT: "true", EXPLORER_URL: "javascript:alert(1)" })).toThrow(ConfigError);
  });
});

describe("client aborts", () => {
  it("are logged at info, never as internal errors (uploads and downloads cut by the client)", async () => {
    const { connect } = await import("node:net");
    const base = new URL(await app.listen({ host: "127.0.0.1", port: 0 }));
    const big = randomBytes(3 * 1024 * 1024);
    const up = await app.inject({
      method: "POST",
      url: "/v1/evidence",
      headers: { authorization: `Bearer ${key}`, "content-type": "multipart/form-data; boundary=B" },
      payload: Buffer.concat([Buffer.from(`--B\r\nContent-Disposition: form-data; name="file"; filename="a.bin"\r\n\r\n`), big, Buffer.from("\r\n--B--\r\n")]),
    });
    expect(up.statusCode).toBe(202);
    const cid = up.json().entries[0].cid as string;
    const from = logs.length;
    // An upload cut after its first bytes.
    await new Promise<void>((resolve) => {
      const s = connect(Number(base.port), base.hostname, () => {
        s.write(
          `POST /v1/evidence HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${key}\r\nContent-Type: multipart/form-data; ` +
            `boundary=B\r\nContent-Length: 9999999\r\n\r\n--B\r\nContent-Disposition: form-data; name="file"; filename="b.bin"\r\n\r\n`,
        );
        s.write(Buffer.alloc(100_000, 1), () =>
          setTimeout(() => {
            s.destroy();
            resolve();
          }, 200),
        );
      });
    });
    // A download cut after its first bytes.
    await new Promise<void>((resolve) => {
      const s = connect(Number(base.port), base.hostname, () => s.write(`GET /ipfs/${cid} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${key}\r\n\r\n`));
      s.once("data", () => {
        s.destroy();
        resolve();
      });
    });
    const deadline = Date.now() + 10_000;
    while (!logs.slice(from).join("").includes("client aborted the request") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 300));
    const lines = logs.slice(from).map((l) => JSON.parse(l) as { level: number; msg: string });
    expect(lines.some((l) => l.level === 30 && l.msg === "client aborted the request")).toBe(true);
    expect(lines.filter((l) => l.level >= 50).map((l) => l.msg)).toEqual([]);
    const metrics = await app.inject({ method: "GET", url: "/metrics", headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(metrics.body).toMatch(/^priorproof_uploads_open 0$/m);
  }, 60_000);
});

describe("configSecrets and createRedactor", () => {
  it("redacts an RPC URL's key in its path or query, its user info, the anchorer key and tokens, but not what PUBLIC_RPC_URL publishes", async () => {
    const { configSecrets, createRedactor } = await import("../../server/src/services/redact.ts");
    const config = loadConfig({
      RPC_URL: "https://eth-sepolia.g.alchemy.com/v2/abcDEF123456",
      CHAIN_ID: "11155111",
      PUBLIC_RPC_URL: "https://rpc.sepolia.org/public",
      ANCHORER_PRIVATE_KEY: "0x" + "1f".repeat(32),
      PINNING_SERVICE_URL: "https://api.pinata.cloud/psa",
      PINNING_SERVICE_TOKEN: "pinata-token-xyz",
      DATABASE_URL: "postgres://pp:dbpassword9@db.internal/pp",
      METRICS_TOKEN: "metrics-token-1",
    });
    const redact = createRedactor(configSecrets(config));
    const text = [
      'server response 500 (info={ "requestUrl": "https://eth-sepolia.g.alchemy.com/v2/abcDEF123456" })',
      "key abcDEF123456 and %61 abcDEF123456",
      "0x" + "1f".repeat(32),
      "pinata-token-xyz",
      "dbpassword9",
      "metrics-token-1",
      "https://someone:hunter22@example.org/x",
      "public: https://rpc.sepolia.org/public",
    ].join("\n");
    const out = redact(text);
    for (const secret of ["abcDEF123456", "1f".repeat(32), "pinata-token-xyz", "dbpassword9", "metrics-token-1", "hunter22"]) expect(out).not.toContain(secret);
    expect(out).toContain("https://rpc.sepolia.org/public");
    expect(out).toContain("[redacted]");
  });
});
