/**
 * The SDK's watch() against the service built in-process (SQLite, anvil): what a restart finds in the
 * journal — a version whose send was interrupted after the service recorded it is adopted, not sent
 * again; one the service never got is sent again with the same Idempotency-Key.
 */
import { createHash, randomUUID } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { watch, type WatchResult } from "../../client-sdk/src/watch.ts";
import { buildTestApp, type TestApp } from "../helpers/app.ts";

let t: TestApp;
let base: string;
let work: string;
beforeAll(async () => {
  t = await buildTestApp();
  base = await t.app.listen({ host: "127.0.0.1", port: 0 });
  work = mkdtempSync(join(tmpdir(), "pp-watch-unit-"));
}, 120_000);
afterAll(async () => {
  await t?.close();
  rmSync(work, { recursive: true, force: true });
});

const sha256Of = (path: string) => `0x${createHash("sha256").update(readFileSync(path)).digest("hex")}`;

async function runOnce(dir: string, requests: { url: string; headers: Headers }[] = []): Promise<WatchResult[]> {
  const results: WatchResult[] = [];
  const recording: typeof fetch = (input, init) => {
    requests.push({ url: String(input), headers: new Headers(init?.headers) });
    return fetch(input, init);
  };
  for await (const r of watch(dir, { baseUrl: base, apiKey: t.keys.acme!, once: true, settleMs: 100, fetch: recording })) results.push(r);
  return results;
}

/** Writes the journal an agent killed right after sending would leave. */
function interruptedJournal(dir: string, path: string, batchKey: string): void {
  const abs = join(dir, path);
  const s = statSync(abs);
  const job = { id: randomUUID(), path, sha256: sha256Of(abs), size: s.size, mtimeMs: s.mtimeMs, previous: null, createdAt: new Date().toISOString() };
  mkdirSync(join(dir, ".priorproof"), { recursive: true });
  writeFileSync(
    join(dir, ".priorproof", "queue.jsonl"),
    `${JSON.stringify({ op: "job", job })}\n${JSON.stringify({ op: "sent", ids: [job.id], batchKey, sentAt: job.createdAt })}\n`,
  );
}

describe("watch() after a restart", () => {
  it("adopts a version the service recorded before the agent died, instead of stamping it twice", async () => {
    const dir = join(work, "adopt");
    mkdirSync(dir);
    writeFileSync(join(dir, "logo.ai"), "logo v1");
    const sha = sha256Of(join(dir, "logo.ai"));
    interruptedJournal(dir, "logo.ai", randomUUID());
    // What the service got before the crash.
    const res = await t.app.inject({
      method: "POST",
      url: "/v1/stamps",
      headers: { authorization: `Bearer ${t.keys.acme}` },
      payload: { items: [{ sha256: sha, claim: { title: "logo.ai" } }] },
    });
    const recorded = res.json().entries[0].id as string;
    const results = await runOnce(dir);
    expect(results.filter((r) => r.type === "stamped")).toEqual([
      { type: "stamped", path: "logo.ai", sha256: sha, entryId: recorded, previous: null, recovered: true },
    ]);
    expect(results.filter((r) => r.type === "queued")).toEqual([]);
    const entries = (await t.app.inject({ method: "GET", url: `/v1/entries?sha256=${sha}`, headers: { authorization: `Bearer ${t.keys.acme}` } })).json()
      .entries;
    expect(entries.map((e: { id: string }) => e.id)).toEqual([recorded]);
  });

  it("sends again, with the same Idempotency-Key, a version the service never got", async () => {
    const dir = join(work, "resend");
    mkdirSync(dir);
    writeFileSync(join(dir, "brief.pdf"), "brief v1");
    const key = randomUUID();
    interruptedJournal(dir, "brief.pdf", key);
    const requests: { url: string; headers: Headers }[] = [];
    const results = await runOnce(dir, requests);
    expect(results.filter((r) => r.type === "stamped")).toMatchObject([{ path: "brief.pdf", sha256: sha256Of(join(dir, "brief.pdf")) }]);
    const posts = requests.filter((r) => r.url.endsWith("/v1/stamps"));
    expect(posts.map((p) => p.headers.get("idempotency-key"))).toEqual([key]);
    // A later change gets a new job, a new key, and a link to this version.
    writeFileSync(join(dir, "brief.pdf"), "brief v2");
    const again: { url: string; headers: Headers }[] = [];
    const second = await runOnce(dir, again);
    const queued = second.filter((r) => r.type === "queued");
    expect(queued).toEqual([
      { type: "queued", path: "brief.pdf", sha256: sha256Of(join(dir, "brief.pdf")), previous: results.find((r) => r.type === "stamped")!.sha256 },
    ]);
    const newKey = again.find((r) => r.url.endsWith("/v1/stamps"))!.headers.get("idempotency-key");
    expect(newKey).toMatch(/^[0-9a-f-]{36}$/);
    expect(newKey).not.toBe(key);
  });

  it("ends a one-shot run with the queue kept when the service cannot be reached", async () => {
    const dir = join(work, "offline");
    mkdirSync(dir);
    writeFileSync(join(dir, "draft.psd"), "draft");
    const results: WatchResult[] = [];
    for await (const r of watch(dir, { baseUrl: "http://127.0.0.1:9", apiKey: "pp_x", once: true, settleMs: 100 })) results.push(r);
    expect(results.map((r) => r.type)).toContain("retrying");
    expect(results.find((r) => r.type === "retrying")).toMatchObject({ code: "NETWORK_ERROR", queued: 1 });
    const journal = readFileSync(join(dir, ".priorproof", "queue.jsonl"), "utf8");
    expect(journal).toContain('"path":"draft.psd"');
    // Next run, service reachable: the kept job is sent (once).
    const next = await runOnce(dir);
    expect(next.filter((r) => r.type === "stamped").map((r) => r.type === "stamped" && r.path)).toEqual(["draft.psd"]);
    expect(next.filter((r) => r.type === "queued")).toEqual([]);
  });

  it("refuses a second agent on the same folder while the first runs (WATCH_LOCKED), and lets one start after it stopped", async () => {
    const dir = join(work, "locked");
    mkdirSync(dir);
    const controller = new AbortController();
    const first = watch(dir, { baseUrl: base, apiKey: t.keys.acme!, settleMs: 100, signal: controller.signal })[Symbol.asyncIterator]();
    expect((await first.next()).value).toMatchObject({ type: "idle" });
    const second = watch(dir, { baseUrl: base, apiKey: t.keys.acme!, once: true })[Symbol.asyncIterator]();
    await expect(second.next()).rejects.toMatchObject({ code: "WATCH_LOCKED" });
    controller.abort();
    while (!(await first.next()).done);
    const third: WatchResult[] = [];
    for await (const r of watch(dir, { baseUrl: base, apiKey: t.keys.acme!, once: true, settleMs: 100 })) third.push(r);
    expect(third.at(-1)).toMatchObject({ type: "idle", queued: 0 });
  });

  it("treats a service that accepts the connection and never answers as down (request timeout), keeping the queue", async () => {
    const dir = join(work, "hung");
    mkdirSync(dir);
    writeFileSync(join(dir, "model.step"), "step");
    const hung = createServer(() => undefined); // reads the request, never answers
    await new Promise<void>((r) => hung.listen(0, "127.0.0.1", r));
    try {
      const results: WatchResult[] = [];
      const started = Date.now();
      for await (const r of watch(dir, {
        baseUrl: `http://127.0.0.1:${(hung.address() as AddressInfo).port}`,
        apiKey: "pp_x",
        once: true,
        settleMs: 100,
        requestTimeoutMs: 500,
      }))
        results.push(r);
      expect(Date.now() - started).toBeLessThan(15_000);
      expect(results.find((r) => r.type === "retrying")).toMatchObject({ queued: 1 });
      expect(readFileSync(join(dir, ".priorproof", "queue.jsonl"), "utf8")).toContain('"path":"model.step"');
    } finally {
      hung.closeAllConnections();
      await new Promise((r) => hung.close(r));
    }
  });
});
