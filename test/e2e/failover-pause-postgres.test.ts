/**
 * A leader that freezes and wakes up, end to end: three `node server/src/server.ts` processes on one
 * PostgreSQL database and one anvil chain, under stamping load whose clients retry with an
 * Idempotency-Key. Three times, the anchorer leader stops itself (SIGSTOP, through the TEST_FAULT_DIR
 * fault points) at one of the worst moments — inside a fenced transaction after its fence check, right
 * after a batch close, right before a broadcast — and stays stopped past its lease. Another process
 * must take the lease over within LEASE_TTL_MS plus one renewal round, and send the next anchor
 * transaction within LEASE_TTL_MS + 2 s; then the frozen process is resumed (SIGCONT) and its late
 * writes must be refused (counted from its log). In the end: every acknowledged digest confirmed with a
 * verified receipt (lost = 0), each digest stored once although requests were retried (duplicated = 0),
 * every batch root anchored exactly once.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Interface, JsonRpcProvider } from "ethers";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cachedChainReader, createChainReader, fromHex, verifyReceipt } from "../../client-sdk/src/index.ts";
import { evidenceAnchorArtifact } from "../../server/src/chain/artifact.ts";
import { readDeployment } from "../../server/src/chain/deploy.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/postgres.ts";
import { startService, type RunningService } from "../helpers/service.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const LEASE_TTL_MS = 3_000;
const RENEW_MS = LEASE_TTL_MS / 3;
const REFUSED = /write refused|broadcast refused|close refused/;

interface Node {
  readonly id: string;
  readonly url: string;
  readonly pid: number;
  readonly output: string[];
}

/** Whether a process is stopped (state T in /proc/<pid>/stat). */
const isStopped = (pid: number) => / T /.test(readFileSync(`/proc/${pid}/stat`, "utf8").replace(/^.*\)/, ")"));

describe("a frozen anchorer leader wakes up fenced (three server processes, PostgreSQL, anvil)", () => {
  let db: TestDatabase;
  let service: RunningService;
  let sql: pg.Pool;
  let faultDir: string;
  const nodes: Node[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    faultDir = mkdtempSync(join("/tmp", "pp-faults-"));
    // One key drives the whole load and reads every receipt back: the per-key rate limit is raised.
    const env = {
      BATCH_INTERVAL_MS: "500",
      ANCHOR_TICK_MS: "250",
      LEASE_TTL_MS: String(LEASE_TTL_MS),
      TEST_FAULT_DIR: faultDir,
      LOG_LEVEL: "warn",
      RATE_LIMIT_PER_MINUTE: "1000000",
    };
    service = await startService({ databaseUrl: db.url, env: { ...env, NODE_ID: "node-1" } });
    nodes.push({ id: "node-1", url: service.url, pid: service.process.pid!, output: service.output });
    for (const id of ["node-2", "node-3"]) {
      const n = await service.startNode({ NODE_ID: id });
      nodes.push({ id, url: n.url, pid: n.process.pid!, output: n.output });
    }
    sql = new pg.Pool({ connectionString: db.url, max: 2 });
  });
  afterAll(async () => {
    // Each process's log, for a failure's post-mortem.
    for (const n of nodes) writeFileSync(join(faultDir, `${n.id}.log`), n.output.join(""));
    for (const n of nodes) {
      try {
        process.kill(n.pid, "SIGCONT");
      } catch {
        // already gone
      }
    }
    await sql?.end();
    await service?.stop();
    await db?.drop();
  });

  it("hands the lease over within the TTL at each worst moment, refuses the woken leader's late writes, and anchors every batch once", async () => {
    const lease = `anchorer:${service.chainId}`;
    const holder = async () =>
      (await sql.query("SELECT holder, fencing_token FROM leases WHERE name = $1", [lease])).rows[0] as { holder: string; fencing_token: string };
    const auth = { authorization: `Bearer ${service.keys.acme}`, "content-type": "application/json" };

    // Load: each request has its own Idempotency-Key and is retried (same key, next node) until acknowledged.
    const acknowledged = new Map<string, string>();
    let requests = 0;
    let retries = 0;
    let stop = false;
    const worker = async (w: number) => {
      for (let i = w; !stop; i++) {
        const items = Array.from({ length: 10 }, () => ({ sha256: "0x" + randomBytes(32).toString("hex") }));
        const key = randomUUID();
        requests++;
        for (let attempt = 0; ; attempt++) {
          const node = nodes[(i + attempt) % nodes.length]!;
          try {
            const res = await fetch(`${node.url}/v1/stamps`, {
              method: "POST",
              headers: { ...auth, "idempotency-key": key },
              body: JSON.stringify({ items }),
              signal: AbortSignal.timeout(2_000),
            });
            const body = (await res.json()) as { entries?: { id: string; sha256: string }[] };
            if (res.ok) {
              for (const e of body.entries!) acknowledged.set(e.id, e.sha256);
              break;
            }
            if (res.status !== 409 && res.status < 500) throw new Error(`stamp refused: ${res.status} ${JSON.stringify(body)}`);
          } catch (e) {
            if (e instanceof Error && e.message.startsWith("stamp refused")) throw e;
            // a frozen node (timeout) or a reset connection: not acknowledged, retried below
          }
          retries++;
          await sleep(Math.min(1_000, 50 * 2 ** attempt));
        }
        await sleep(40);
      }
    };
    const workers = [0, 1, 2].map(worker);

    const ready = Date.now() + 30_000;
    while ((await sql.query("SELECT 1 FROM batches WHERE status = 'confirmed' LIMIT 1")).rowCount === 0) {
      if (Date.now() > ready) throw new Error("no batch confirmed before the first pause");
      await sleep(200);
    }

    const episodes: { point: string; node: string; takeoverS: number; nextTxS: number; refused: number }[] = [];
    for (const point of ["fenced-tx", "after-batch-close", "before-broadcast"]) {
      const before = await holder();
      writeFileSync(join(faultDir, point), "stop");
      // The leader reaches the point and stops itself; the test sees its "at <point>" line.
      const armedAt = Date.now();
      let frozen: Node | undefined;
      let seenLines = new Map(nodes.map((n) => [n.id, n.output.length]));
      while (!frozen) {
        if (Date.now() - armedAt > 30_000) throw new Error(`no process reached ${point}`);
        frozen = nodes.find((n) => n.output.slice(seenLines.get(n.id)).some((l) => l.includes(`at ${point} (pid ${n.pid})`)));
        await sleep(20);
      }
      const frozenAt = performance.now();
      const frozenIso = new Date().toISOString();
      expect(frozen.id, `the ${point} pause hit the lease holder`).toBe(before.holder);
      await sleep(50);
      expect(isStopped(frozen.pid)).toBe(true);

      let takeoverS = Number.NaN;
      while (performance.now() - frozenAt < LEASE_TTL_MS + 15_000) {
        const now = await holder();
        if (now.holder !== frozen.id && Number(now.fencing_token) > Number(before.fencing_token)) {
          takeoverS = (performance.now() - frozenAt) / 1000;
          break;
        }
        await sleep(50);
      }
      // The next anchor transaction (stored signed, then broadcast) from the new leader.
      let nextTxS = Number.NaN;
      while (performance.now() - frozenAt < LEASE_TTL_MS + 20_000) {
        const r = (await sql.query("SELECT MIN(sent_at) AS at FROM batches WHERE sent_at > $1", [frozenIso])).rows[0] as { at: string | null };
        if (r.at) {
          nextTxS = (Date.parse(r.at) - Date.parse(frozenIso)) / 1000;
          break;
        }
        await sleep(50);
      }
      const firstBatch = (await sql.query("SELECT MIN(created_at) AS at FROM batches WHERE created_at > $1", [frozenIso])).rows[0] as { at: string | null };
      const firstBatchS = firstBatch.at ? (Date.parse(firstBatch.at) - Date.parse(frozenIso)) / 1000 : Number.NaN;
      // Let the new leader write for a while under its token, then wake the frozen one.
      await sleep(1_000);
      expect(isStopped(frozen.pid)).toBe(true);
      seenLines = new Map(nodes.map((n) => [n.id, n.output.length]));
      process.kill(frozen.pid, "SIGCONT");
      await sleep(3_000);
      const refused = frozen.output
        .slice(seenLines.get(frozen.id))
        .join("")
        .split("\n")
        .filter((l) => REFUSED.test(l)).length;
      episodes.push({ point, node: frozen.id, takeoverS, nextTxS, refused });
      console.log(
        `pause at ${point}: froze ${frozen.id}; takeover=${takeoverS.toFixed(2)}s first-batch=${firstBatchS.toFixed(2)}s ` +
          `next-anchor-tx=${nextTxS.toFixed(2)}s late-writes-refused=${refused} (logs: ${faultDir})`,
      );
    }

    await sleep(2_000);
    stop = true;
    await Promise.all(workers);
    expect(acknowledged.size).toBeGreaterThan(300);

    const ids = [...acknowledged.keys()];
    const confirmedIds = async () =>
      new Set(
        ((await sql.query("SELECT id FROM entries WHERE id = ANY($1::text[]) AND status = 'confirmed'", [ids])).rows as { id: string }[]).map((r) => r.id),
      );
    const deadline = Date.now() + 45_000;
    let confirmedSet = await confirmedIds();
    while (confirmedSet.size < ids.length && Date.now() < deadline) {
      await sleep(500);
      confirmedSet = await confirmedIds();
    }

    const rpc = createChainReader(service.rpcUrl);
    const reader = cachedChainReader(rpc);
    const verified = new Set<string>();
    const failures: string[] = [];
    try {
      let next = 0;
      const check = async (k: number) => {
        for (let i = next++; i < ids.length; i = next++) {
          const id = ids[i]!;
          const res = await fetch(`${nodes[(i + k) % nodes.length]!.url}/v1/entries/${id}/receipt`, { headers: auth });
          if (res.status !== 200) {
            failures.push(`${id}: receipt ${res.status}`);
            continue;
          }
          const verdict = await verifyReceipt(await res.json(), { sha256: fromHex(acknowledged.get(id)!, 32), chains: { [String(service.chainId)]: reader } });
          if (verdict.verified) verified.add(id);
          else failures.push(`${id}: ${JSON.stringify(verdict.checks.filter((c) => c.status !== "passed"))}`);
        }
      };
      await Promise.all(Array.from({ length: 16 }, (_, k) => check(k)));
    } finally {
      rpc.destroy();
    }
    const lost = ids.filter((id) => !confirmedSet.has(id) || !verified.has(id)).length;

    // Duplicated: a digest stored twice (every request had fresh digests and was retried until acknowledged),
    // or an entry stored that no acknowledgement names.
    const dupDigests = (await sql.query("SELECT sha256 FROM entries GROUP BY sha256 HAVING COUNT(*) > 1")).rowCount ?? 0;
    const stored = Number((await sql.query("SELECT COUNT(*) AS n FROM entries")).rows[0].n);
    const duplicated = dupDigests + (stored - ids.length);

    const dupRoots = (await sql.query("SELECT root FROM batches GROUP BY root HAVING COUNT(*) > 1")).rowCount ?? 0;
    const dupEntries =
      (await sql.query("SELECT be.entry_seq FROM batch_entries be JOIN batches b ON b.id = be.batch_id GROUP BY be.entry_seq, b.chain_id HAVING COUNT(*) > 1"))
        .rowCount ?? 0;
    const batches = (await sql.query("SELECT id, root FROM batches WHERE chain_id = $1", [service.chainId])).rows as { id: string; root: string }[];
    const deployment = readDeployment(join(service.dataDir, "deployments"), service.chainId)!;
    const provider = new JsonRpcProvider(service.rpcUrl, service.chainId, { staticNetwork: true });
    const events = new Map<string, number>();
    try {
      const topic = new Interface(evidenceAnchorArtifact().abi).getEvent("Anchored")!.topicHash;
      for (const log of await provider.getLogs({ address: deployment.address, topics: [topic], fromBlock: deployment.deployBlock, toBlock: "latest" })) {
        const root = log.topics[1]!.toLowerCase();
        events.set(root, (events.get(root) ?? 0) + 1);
      }
    } finally {
      provider.destroy();
    }
    const anchoredTwice = [...events.values()].filter((n) => n > 1).length;
    const batchesNotOnce = batches.filter((b) => events.get(b.root.toLowerCase()) !== 1).length;
    const doubly = dupRoots + dupEntries + anchoredTwice;
    const refusedTotal = episodes.reduce((a, e) => a + e.refused, 0);
    // One change of hands per pause, none without a fault (renewals never queue behind the leader's work).
    const finalToken = Number((await holder()).fencing_token);
    const worstTakeover = Math.max(...episodes.map((e) => e.takeoverS));
    const worstTx = Math.max(...episodes.map((e) => e.nextTxS));

    console.log(
      `paused-leader failover: acknowledged=${ids.length} confirmed=${confirmedSet.size} lost=${lost} duplicated=${duplicated} doubly-anchored=${doubly}` +
        ` takeover<=${worstTakeover.toFixed(2)}s next-anchor-tx<=${worstTx.toFixed(2)}s (lease ${LEASE_TTL_MS} ms) late-writes-refused=${refusedTotal}` +
        ` (${requests} requests, ${retries} client retries; ${batches.length} batches)`,
    );
    expect(failures.slice(0, 5)).toEqual([]);
    expect(lost).toBe(0);
    expect(duplicated).toBe(0);
    expect(doubly).toBe(0);
    expect(batchesNotOnce).toBe(0);
    expect(finalToken, "the lease changed hands once per pause, never without a fault").toBe(1 + episodes.length);
    for (const e of episodes) {
      expect(e.takeoverS, `${e.point}: takeover within the TTL plus one renewal round`).toBeLessThanOrEqual((LEASE_TTL_MS + RENEW_MS + 250) / 1000);
      expect(e.nextTxS, `${e.point}: next anchor transaction within the TTL + 2 s`).toBeLessThanOrEqual((LEASE_TTL_MS + 2_000) / 1000);
    }
    // Woken inside its fenced transaction or before its broadcast, the old leader tried to write: refused.
    expect(episodes.find((e) => e.point === "fenced-tx")!.refused).toBeGreaterThanOrEqual(1);
    expect(episodes.find((e) => e.point === "before-broadcast")!.refused).toBeGreaterThanOrEqual(1);
  }, 240_000);
});
