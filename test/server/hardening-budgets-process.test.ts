/**
 * Issue 23, point 2 — uploads hashed by a fixed pool of threads, measured on the real service process
 * (`node server/src/server.ts` over real anvil and SQLite): 60 uploads stalled in the middle of their
 * file add no thread and little memory (before: one worker thread each, +59 threads and +620 MB).
 * Counts are read from /proc/<pid>/status and the service's own /metrics, never from wall time.
 */
import { readFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startService, type RunningService } from "../helpers/service.ts";
import { createTenantKey } from "../../server/src/services/keys.ts";
import { openStore } from "../../server/src/store/index.ts";
import { join } from "node:path";

const TOKEN = "budget-metrics-token";
const STALLED = 60;
let service: RunningService;

function procStatus(pid: number): { threads: number; rssKb: number } {
  const text = readFileSync(`/proc/${pid}/status`, "utf8");
  return { threads: Number(/^Threads:\s+(\d+)/m.exec(text)?.[1]), rssKb: Number(/^VmRSS:\s+(\d+)/m.exec(text)?.[1]) };
}

async function metric(name: string): Promise<number> {
  const res = await fetch(`${service.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
  return Number(new RegExp(`^${name} (\\d+)$`, "m").exec(await res.text())?.[1]);
}

async function waitUntil(what: string, f: () => Promise<boolean>, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await f()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Starts an upload of a 64 MiB file, sends its first `sent` bytes, and stalls. */
function stalledUpload(key: string, sent: number): Promise<Socket> {
  const url = new URL(service.url);
  const head = `--B\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`;
  const length = head.length + 64 * 1024 * 1024 + "\r\n--B--\r\n".length;
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname, () => {
      socket.write(
        `POST /v1/evidence HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${key}\r\nContent-Type: multipart/form-data; ` +
          `boundary=B\r\nContent-Length: ${length}\r\n\r\n${head}`,
      );
      socket.write(Buffer.alloc(sent, 7), () => resolve(socket));
    });
    socket.on("error", reject);
  });
}

beforeAll(async () => {
  service = await startService({
    env: {
      METRICS_TOKEN: TOKEN,
      MAX_UPLOADS_PER_KEY: "100",
      MAX_UPLOADS_TOTAL: "100",
      SOCKET_IDLE_TIMEOUT_MS: "300000",
      RATE_LIMIT_PER_MINUTE: "100000",
      RATE_LIMIT_ANONYMOUS_PER_MINUTE: "100000",
      DOWNLOAD_STALL_TIMEOUT_MS: "3000",
      MIN_BODY_BYTES_PER_SECOND: "0",
    },
  });
}, 120_000);
afterAll(async () => {
  await service?.stop();
});

describe("upload hashing on the service process", () => {
  it(`keeps the thread count fixed and memory bounded with ${STALLED} uploads stalled mid-file`, async () => {
    const pid = service.process.pid!;
    // Warm up: one complete upload (starts the libuv pool, the hash pool, the spool directory).
    const form = new FormData();
    form.append("file", new Blob([new Uint8Array(300_000).fill(1)]), "warm.bin");
    const warm = await fetch(`${service.url}/v1/evidence`, { method: "POST", headers: { authorization: `Bearer ${service.keys.acme}` }, body: form });
    expect(warm.status).toBe(202);
    expect(await metric("priorproof_hash_threads")).toBe(2);
    const before = procStatus(pid);

    const sockets: Socket[] = [];
    for (let i = 0; i < STALLED; i++) sockets.push(await stalledUpload(i % 2 ? service.keys.acme! : service.keys.rival!, 512 * 1024));
    await waitUntil(`${STALLED} uploads being hashed`, async () => (await metric("priorproof_hash_sessions")) === STALLED);
    const during = procStatus(pid);
    console.log(
      `threads ${before.threads} → ${during.threads}; RSS ${Math.round(before.rssKb / 1024)} MB → ${Math.round(during.rssKb / 1024)} MB ` +
        `with ${STALLED} stalled uploads`,
    );
    expect(await metric("priorproof_uploads_open")).toBe(STALLED);
    expect(during.threads - before.threads).toBeLessThanOrEqual(0);
    expect(during.rssKb - before.rssKb).toBeLessThan(200 * 1024);

    for (const s of sockets) s.destroy();
    await waitUntil(
      "the stalled uploads to be released",
      async () => (await metric("priorproof_uploads_open")) === 0 && (await metric("priorproof_hash_sessions")) === 0,
    );
    expect(procStatus(pid).threads).toBeLessThanOrEqual(before.threads);
  }, 180_000);
});

describe("downloads on the service process", () => {
  it("holds 60 slow readers of a 30 MB file to MAX_DOWNLOADS_TOTAL open streams and bounded memory, and cuts them when they stall", async () => {
    const pid = service.process.pid!;
    const file = new Uint8Array(30 * 1024 * 1024).map((_, i) => (i * 31) & 0xff);
    const form = new FormData();
    form.append("file", new Blob([file]), "30mb.bin");
    const up = await fetch(`${service.url}/v1/evidence`, { method: "POST", headers: { authorization: `Bearer ${service.keys.acme}` }, body: form });
    expect(up.status).toBe(202);
    const cid = ((await up.json()) as { entries: { cid: string }[] }).entries[0]!.cid;
    // Eight keys of the same tenant (MAX_DOWNLOADS_PER_KEY is 8 each): enough to reach the process's budget of 32.
    const store = await openStore({ sqlitePath: join(service.dataDir, "priorproof.db") });
    const keys: string[] = [];
    try {
      for (let i = 0; i < 8; i++) keys.push((await createTenantKey(store, "acme", `reader ${i}`)).key);
    } finally {
      await store.close();
    }
    const before = procStatus(pid);
    const url = new URL(service.url);
    const statuses: string[] = [];
    const sockets: Socket[] = [];
    for (let i = 0; i < 60; i++) {
      const socket = connect(Number(url.port), url.hostname, () =>
        socket.write(`GET /ipfs/${cid} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${keys[i % 8]}\r\n\r\n`),
      );
      socket.once("data", (d: Buffer) => {
        statuses.push(d.subarray(0, 12).toString("latin1"));
        socket.pause(); // a slow reader: takes its first bytes, then nothing
      });
      socket.on("error", () => undefined);
      sockets.push(socket);
    }
    await waitUntil("every reader answered", async () => statuses.length === 60);
    expect(await metric("priorproof_downloads_open")).toBe(32);
    const during = procStatus(pid);
    console.log(
      `60 slow readers of 30 MB: ${statuses.filter((s) => s.endsWith("200")).length} served, RSS ${Math.round(before.rssKb / 1024)} MB ` +
        `→ ${Math.round(during.rssKb / 1024)} MB`,
    );
    expect(statuses.filter((s) => s.endsWith("200"))).toHaveLength(32);
    expect(statuses.filter((s) => s.endsWith("503"))).toHaveLength(28);
    expect(during.rssKb - before.rssKb).toBeLessThan(150 * 1024);
    // They stall: the service cuts them and the budget comes back, without the clients doing anything.
    await waitUntil("the stalled readers cut", async () => (await metric("priorproof_downloads_open")) === 0);
    for (const s of sockets) s.destroy();
  }, 180_000);
});
