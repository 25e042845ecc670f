/**
 * `priorproof watch` end to end: the CLI as a real process (node client-sdk/src/cli/main.ts watch DIR)
 * against the real service (node server/src/server.ts, SQLite, an anvil chain): files written slowly,
 * a thousand at once, versions linked, the agent SIGKILLed mid-queue and restarted, the service down for
 * 30 s, ignore patterns, receipts saved beside the work and verified with `priorproof verify`, --once.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { open } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, startService, type RunningService } from "../helpers/service.ts";

let service: RunningService;
let work: string;
const agents: Agent[] = [];

const sha256Of = (path: string) => `0x${createHash("sha256").update(readFileSync(path)).digest("hex")}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Agent {
  readonly lines: any[];
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  until(pred: (lines: any[]) => boolean, ms: number, what: string): Promise<void>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

function startAgent(dir: string, extra: string[] = []): Agent {
  const child = spawn(
    process.execPath,
    ["--conditions=source", "client-sdk/src/cli/main.ts", "watch", dir, "--json", "--settle", "1", "--interval", "0.25", ...extra],
    {
      env: { PATH: process.env.PATH ?? "", PRIORPROOF_URL: service.url, PRIORPROOF_API_KEY: service.keys.acme! },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  const lines: any[] = [];
  let buffer = "";
  let stderr = "";
  child.stdout!.on("data", (d: Buffer) => {
    buffer += d.toString();
    let nl: number;
    while ((nl = buffer.indexOf("\n")) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      if (line.trim()) lines.push(JSON.parse(line));
    }
  });
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  const agent: Agent = {
    lines,
    child,
    exited,
    async until(pred, ms, what) {
      const deadline = Date.now() + ms;
      while (!pred(lines)) {
        if (child.exitCode !== null) throw new Error(`agent exited (${child.exitCode}) waiting for ${what}: ${stderr}`);
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last lines: ${JSON.stringify(lines.slice(-5))} ${stderr}`);
        await sleep(100);
      }
    },
    async kill(signal = "SIGTERM") {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      await exited;
    },
  };
  agents.push(agent);
  return agent;
}

const of = (lines: any[], type: string) => lines.filter((l) => l.type === type);
const folder = (name: string) => {
  const d = join(work, name);
  mkdirSync(d, { recursive: true });
  return d;
};
async function entriesWith(sha256: string): Promise<any[]> {
  const r = await api(service, "acme", "GET", `/v1/entries?sha256=${sha256}`);
  expect(r.status).toBe(200);
  return r.body.entries;
}

beforeAll(async () => {
  // One key drives the agents (a thousand files) and the checks that read every entry back: the per-key
  // rate limit (600/min by default) is raised, as in the other e2e suites that read back in bulk.
  service = await startService({ env: { BATCH_INTERVAL_MS: "500", RATE_LIMIT_PER_MINUTE: "1000000" } });
  work = mkdtempSync(join(tmpdir(), "pp-watch-"));
}, 120_000);
afterAll(async () => {
  for (const a of agents) await a.kill("SIGKILL");
  await service?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe("priorproof watch (real agent process, real service on anvil)", () => {
  it("stamps a 200 MB file written slowly over several seconds once, after it is complete", async () => {
    const dir = folder("slow");
    const agent = startAgent(dir);
    await agent.until((l) => l.some((x) => x.type === "idle"), 30_000, "the agent to start");
    const path = join(dir, "master.psd");
    const fh = await open(path, "w");
    const started = Date.now();
    for (let i = 0; i < 40; i++) {
      await fh.write(randomBytes(5 * 1024 * 1024));
      await fh.sync();
      await sleep(150);
    }
    await fh.close();
    const writeMs = Date.now() - started;
    expect(writeMs).toBeGreaterThan(5_000);
    const full = sha256Of(path);
    await agent.until((l) => of(l, "stamped").length >= 1, 90_000, "the stamp");
    await sleep(2_500); // nothing more comes
    await agent.kill();
    expect(of(agent.lines, "queued")).toEqual([{ type: "queued", path: "master.psd", sha256: full, previous: null }]);
    expect(of(agent.lines, "stamped")).toHaveLength(1);
    expect(await entriesWith(full)).toHaveLength(1);
  }, 180_000);

  it("stamps 1,000 files created at once, each once", async () => {
    const dir = folder("thousand");
    for (let i = 0; i < 1000; i++) writeFileSync(join(dir, `render-${String(i).padStart(4, "0")}.png`), `render ${i} ${randomBytes(8).toString("hex")}`);
    const agent = startAgent(dir);
    await agent.until((l) => of(l, "stamped").length >= 1000, 120_000, "1,000 stamps");
    await agent.kill();
    const stamped = of(agent.lines, "stamped");
    expect(new Set(stamped.map((s) => s.path)).size).toBe(1000);
    expect(new Set(stamped.map((s) => s.entryId)).size).toBe(1000);
  }, 180_000);

  it("links a file changed three times as three versions (claim.previous = the previous version's SHA-256), and its receipts verify with priorproof " +
    "verify", async () => {
    const dir = folder("versions");
    mkdirSync(join(dir, "housing"), { recursive: true });
    const path = join(dir, "housing", "case.step");
    const agent = startAgent(dir);
    const digests: string[] = [];
    for (let v = 1; v <= 3; v++) {
      writeFileSync(path, `ISO-10303-21; housing revision ${v}\n`.repeat(1000));
      digests.push(sha256Of(path));
      await agent.until((l) => of(l, "stamped").length >= v, 60_000, `version ${v}`);
    }
    const stamped = of(agent.lines, "stamped");
    expect(stamped.map((s) => s.sha256)).toEqual(digests);
    expect(stamped.map((s) => s.previous)).toEqual([null, digests[0], digests[1]]);
    // On the service: each entry's claim names the previous version, and the lineage query finds it.
    for (let v = 0; v < 3; v++) {
      const entry = (await api(service, "acme", "GET", `/v1/entries/${stamped[v].entryId}`)).body;
      expect(entry.claim.title).toBe("housing/case.step");
      expect(entry.claim.previous).toBe(v === 0 ? undefined : digests[v - 1]);
    }
    const later = (await api(service, "acme", "GET", `/v1/entries?previous=${digests[0]}`)).body.entries;
    expect(later.map((e: any) => e.id)).toEqual([stamped[1].entryId]);
    // Receipts mirror the tree; the last one verifies against the file as it is now.
    await agent.until((l) => of(l, "receipt").length >= 3, 90_000, "three receipts");
    await agent.kill();
    const receipts = of(agent.lines, "receipt");
    for (const r of receipts) expect(r.receiptPath).toBe(join(dir, ".priorproof", "receipts", "housing", "case.step", `${r.sha256.slice(2, 18)}.receipt.json`));
    const last = receipts.find((r) => r.sha256 === digests[2])!;
    expect(existsSync(last.receiptPath)).toBe(true);
    // The last anchor may be the chain's head (1 confirmation, under the dev policy of 2); two more blocks make the
    // verdict final whatever else the suite mined meanwhile.
    for (let i = 0; i < 2; i++) {
      const mined = await fetch(service.rpcUrl, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: i, method: "evm_mine", params: [] }),
      });
      expect(mined.ok).toBe(true);
    }
    const verified = await runCli(["verify", path, last.receiptPath, "--rpc", service.rpcUrl]);
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);
    expect(verified.stdout).toMatch(/VERIFIED: /);
    // An earlier version's receipt does not verify the current file.
    const first = receipts.find((r) => r.sha256 === digests[0])!;
    expect((await runCli(["verify", path, first.receiptPath, "--rpc", service.rpcUrl])).code).toBe(1);
  }, 240_000);

  it("stamps every file exactly once when the agent is SIGKILLed mid-queue and restarted", async () => {
    const dir = folder("killed");
    const digests = new Map<string, string>();
    for (let i = 0; i < 400; i++) {
      const p = join(dir, `frame-${i}.tif`);
      writeFileSync(p, `frame ${i} ${randomBytes(16).toString("hex")}`);
      digests.set(`frame-${i}.tif`, sha256Of(p));
    }
    // Small batches so that the kill lands between requests, with some acknowledged and some not.
    const first = startAgent(dir, []);
    await first.until((l) => of(l, "queued").length >= 400 && of(l, "stamped").length >= 1, 90_000, "the first stamps");
    await first.kill("SIGKILL");
    const second = startAgent(dir);
    // The restarted agent finishes the queue: every version acknowledged and every receipt saved.
    await second.until((l) => l.some((x) => x.type === "idle" && x.queued === 0 && x.awaitingReceipts === 0), 240_000, "an empty queue");
    await second.kill();
    // Lines the first agent had not printed when it was killed are not missing work: the service and the
    // receipts on disk are the truth. Each file has exactly one entry, and its receipt beside it.
    for (const [name, sha] of digests) {
      expect(await entriesWith(sha), name).toHaveLength(1);
      expect(existsSync(join(dir, ".priorproof", "receipts", name, `${sha.slice(2, 18)}.receipt.json`)), name).toBe(true);
    }
    expect(readFileSync(join(dir, ".priorproof", "queue.jsonl"), "utf8")).toBe("");
  }, 400_000);

  it("holds the queue while the service is down for 30 s, then drains it", async () => {
    const dir = folder("outage");
    const agent = startAgent(dir);
    await agent.until((l) => l.some((x) => x.type === "idle"), 30_000, "the agent to start");
    await service.stopServer();
    const down = Date.now();
    const names = Array.from({ length: 20 }, (_, i) => `sketch-${i}.svg`);
    for (const n of names) writeFileSync(join(dir, n), `<svg>${n} ${randomBytes(8).toString("hex")}</svg>`);
    await agent.until((l) => of(l, "queued").length >= 20 && of(l, "retrying").length >= 1, 30_000, "queued while offline");
    expect(of(agent.lines, "stamped")).toHaveLength(0);
    expect(of(agent.lines, "retrying")[0].code).toBe("NETWORK_ERROR");
    await sleep(Math.max(0, 30_000 - (Date.now() - down)));
    expect(of(agent.lines, "stamped")).toHaveLength(0);
    // The queue is on disk meanwhile.
    expect(readFileSync(join(dir, ".priorproof", "state.json"), "utf8")).toContain("sketch-19.svg");
    await service.restart();
    await agent.until((l) => of(l, "stamped").length >= 20, 90_000, "the queue drained");
    await agent.kill();
    for (const n of names) expect(await entriesWith(sha256Of(join(dir, n)))).toHaveLength(1);
  }, 240_000);

  it("honours .priorproofignore (gitignore syntax) and the default temporaries", async () => {
    const dir = folder("ignored");
    writeFileSync(join(dir, ".priorproofignore"), "*.log\nbuild/\n!keep.log\n/exports/*.tmp.png\n");
    mkdirSync(join(dir, "build"), { recursive: true });
    mkdirSync(join(dir, "exports"), { recursive: true });
    const files = {
      "logo.ai": true,
      "debug.log": false,
      "keep.log": true,
      "build/out.bin": false,
      "exports/a.tmp.png": false,
      "exports/a.png": true,
      "notes.swp": false,
      "~$brief.docx": false,
    };
    for (const f of Object.keys(files)) writeFileSync(join(dir, f), `${f} ${randomBytes(4).toString("hex")}`);
    const r = await runCli(["watch", dir, "--once", "--json", "--settle", "0.3"]);
    expect(r.code, r.stderr).toBe(0);
    const stamped = r.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l))
      .filter((l) => l.type === "stamped")
      .map((l) => l.path)
      .sort();
    expect(stamped).toEqual(
      Object.entries(files)
        .filter(([, keep]) => keep)
        .map(([f]) => f)
        .sort(),
    );
  }, 120_000);

  it("--once stamps only what changed since the last run, then exits", async () => {
    const dir = folder("once");
    for (const n of ["a.txt", "b.txt", "c.txt"]) writeFileSync(join(dir, n), `${n} v1`);
    const run1 = await runCli(["watch", dir, "--once", "--json", "--settle", "0.3"]);
    expect(run1.code, run1.stderr).toBe(0);
    expect(parsed(run1.stdout).filter((l) => l.type === "stamped")).toHaveLength(3);
    const run2 = await runCli(["watch", dir, "--once", "--json", "--settle", "0.3"]);
    expect(parsed(run2.stdout).filter((l) => l.type === "queued")).toEqual([]);
    appendFileSync(join(dir, "b.txt"), " v2");
    const run3 = await runCli(["watch", dir, "--once", "--json", "--settle", "0.3", "--wait"]);
    expect(run3.code, run3.stderr).toBe(0);
    const v1: Record<string, string> = Object.fromEntries(
      parsed(run1.stdout)
        .filter((l) => l.type === "queued")
        .map((l) => [String(l.path), String(l.sha256)]),
    );
    expect(parsed(run3.stdout).filter((l) => l.type === "queued")).toEqual([
      { type: "queued", path: "b.txt", sha256: sha256Of(join(dir, "b.txt")), previous: v1["b.txt"] },
    ]);
    // --wait: the receipts of every version stamped so far are on disk when it exits, and the queue is empty.
    const receipt = (name: string, sha: string) => join(dir, ".priorproof", "receipts", name, `${sha.slice(2, 18)}.receipt.json`);
    for (const [name, sha] of [...Object.entries(v1), ["b.txt", sha256Of(join(dir, "b.txt"))] as const])
      expect(existsSync(receipt(name, sha)), name).toBe(true);
    expect(readFileSync(join(dir, ".priorproof", "queue.jsonl"), "utf8")).toBe("");
  }, 180_000);
});

const parsed = (stdout: string): any[] =>
  stdout
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l));

function runCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--conditions=source", "client-sdk/src/cli/main.ts", ...args], {
      env: { PATH: process.env.PATH ?? "", PRIORPROOF_URL: service.url, PRIORPROOF_API_KEY: service.keys.acme! },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}
