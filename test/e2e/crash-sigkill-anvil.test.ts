/**
 * Crash safety, end to end: the real server process (SQLite store, embedded IPFS blockstore) over a real
 * anvil chain, under a load of hash-only stamps and uploads, is killed with SIGKILL again and again and
 * restarted on the same data directory. Kills are timed on the server's own log lines — right after
 * "batch closed" (a batch is durable, no transaction yet), right after "anchor transaction sent", a few
 * milliseconds after a batch closes — at random moments, and inside the broadcast itself: the server
 * reaches anvil through a loopback JSON-RPC relay of this test, which holds `eth_sendRawTransaction` and
 * has the server killed while it holds it, either never delivering the transaction (killed after the
 * signed transaction was stored, before the node saw it) or delivering it first (the node has it, the
 * server never heard back).
 *
 * Afterwards, against the database and the chain:
 *   - every acknowledged (2xx) entry is confirmed and its receipt verifies with the SDK against the chain;
 *   - no entry is in two batches, no root has two `Anchored` events, every root on chain is a batch of
 *     ours, and the anchorer spent exactly one nonce per batch (no duplicate or reverted transaction);
 *   - the clients retry: every request carries an Idempotency-Key and is sent again (same key, same
 *     body) after a refused or cut connection until it is acknowledged; each digest is stored exactly
 *     once, under the ids its acknowledgement names, although requests cut after their commit were
 *     retried (duplicated = 0, counting client retries);
 *   - nothing unacknowledged is visible: every entry in the database belongs to an acknowledged request;
 *   - recovery leaves nothing behind: after a last kill in the middle of an upload, the restarted server
 *     has removed every spool file and every block that no stored entry's DAG reaches (counted on disk
 *     by this test's own DAG walk), and kept every block that one does.
 *
 * Sizes: PP_FULL=1 — 10,000 stamps + 20 uploads, 12 kills; reduced (npm test) — 1,000 stamps + 4 uploads,
 * 6 kills. PP_SEED=<n> replays the random timings of an earlier run (the seed is printed).
 */
import { randomBytes, randomUUID } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import * as dagPb from "@ipld/dag-pb";
import { base32upper } from "multiformats/bases/base32";
import { CID } from "multiformats/cid";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import type { ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cachedChainReader, createChainReader, fromHex, verifyReceipt } from "../../client-sdk/src/index.ts";
import { readDeployment } from "../../server/src/chain/deploy.ts";
import { FULL, anchoredEventsPerRoot, randomDigest, rpc, sha256Hex, sleep, waitFor } from "../helpers/faults.ts";
import { api, devWallet, startService, type RunningService } from "../helpers/service.ts";

const STAMPS = FULL ? 10_000 : 1_000;
const UPLOADS = FULL ? 20 : 4;
const KILLS = FULL ? 12 : 6;
const ITEMS_PER_REQUEST = FULL ? 25 : 10;
const WORKERS = 4;
/** The load is spread over about this long, so that the kills land in the middle of it. */
const LOAD_MS = FULL ? 90_000 : 20_000;
const SEED = Number(process.env.PP_SEED ?? Math.floor(Math.random() * 2 ** 31));

/** mulberry32: a small seeded PRNG, so that a failing run's timings can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = prng(SEED);

type Trigger =
  | { on: "batch closed" | "anchor transaction sent"; delayMs: number }
  | { on: "random"; delayMs: number }
  | { on: "broadcast held" | "broadcast delivered"; delayMs: 0 };
/** The kill schedule: log-timed, broadcast-timed and random kills, cycled. */
function schedule(n: number): Trigger[] {
  const pattern = (): Trigger[] => [
    { on: "batch closed", delayMs: 0 },
    { on: "broadcast held", delayMs: 0 },
    { on: "anchor transaction sent", delayMs: 0 },
    { on: "random", delayMs: 300 + Math.floor(random() * 2000) },
    { on: "broadcast delivered", delayMs: 0 },
    { on: "batch closed", delayMs: 1 + Math.floor(random() * 25) },
  ];
  const out: Trigger[] = [];
  while (out.length < n) out.push(...pattern());
  return out.slice(0, n);
}
const describeTrigger = (t: Trigger) =>
  t.on === "random"
    ? `random (${t.delayMs} ms after restart)`
    : t.on === "broadcast held"
      ? "eth_sendRawTransaction held, never delivered"
      : t.on === "broadcast delivered"
        ? "eth_sendRawTransaction delivered, answer never returned"
        : `"${t.on}"${t.delayMs ? ` + ${t.delayMs} ms` : ""}`;

/**
 * A loopback JSON-RPC relay in front of anvil. When armed, it catches the next eth_sendRawTransaction:
 * it delivers it to anvil first (`deliver`) or not, then calls `fire` (the test kills the server) and
 * never answers.
 */
interface Relay {
  readonly url: string;
  arm(deliver: boolean, fire: () => void): void;
  disarm(): void;
  close(): Promise<void>;
}
async function startRelay(target: string): Promise<Relay> {
  let hook: { deliver: boolean; fire: () => void } | undefined;
  const forward = async (body: string) => (await fetch(target, { method: "POST", headers: { "content-type": "application/json" }, body })).text();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      void (async () => {
        const body = Buffer.concat(chunks).toString("utf8");
        const h = hook;
        if (h && /"method"\s*:\s*"eth_sendRawTransaction"/.test(body)) {
          hook = undefined;
          if (h.deliver) await forward(body);
          h.fire();
          return; // no answer: the server is being killed
        }
        try {
          const answer = await forward(body);
          res.writeHead(200, { "content-type": "application/json" }).end(answer);
        } catch {
          res.destroy();
        }
      })();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    arm: (deliver, fire) => void (hook = { deliver, fire }),
    disarm: () => void (hook = undefined),
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

interface Attempt {
  readonly kind: "stamp" | "upload";
  readonly digests: readonly string[];
  readonly startedAt: number;
  endedAt?: number;
  /** ack: 2xx; refused: no connection (server down); lost: the connection broke; http: another status. */
  outcome?: "ack" | "refused" | "lost" | "http";
  /** Attempts that failed (refused or cut) before the acknowledged one, each retried with the same key. */
  retries: number;
  /** Retries after a cut connection (the first attempt may have been stored). */
  retriedAfterCut: number;
  status?: number;
  ids?: string[];
  cids?: (string | null)[];
  sizes?: number[];
}

interface Kill {
  readonly trigger: Trigger;
  readonly at: number;
  /** Batch statuses and queued entries the kill left in the database. */
  readonly left: string;
}

function multipart(files: { name: string; bytes: Buffer }[]): { body: Buffer; contentType: string } {
  const boundary = `----pp${randomBytes(12).toString("hex")}`;
  const parts: Buffer[] = [];
  for (const f of files) {
    parts.push(
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${f.name}"\r\nContent-Type: application/octet-stream\r\n\r\n`),
      f.bytes,
      Buffer.from("\r\n"),
    );
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}

/** Classifies a fetch failure: refused at connect (the request never reached a server) or lost mid-way. */
function failureKind(e: unknown): "refused" | "lost" {
  const cause = (e as { cause?: { code?: string } }).cause;
  return cause?.code === "ECONNREFUSED" ? "refused" : "lost";
}

function openDb(service: RunningService): DatabaseSync {
  // Read-only: a read-write connection would checkpoint the WAL on close and tidy up after the crash.
  return new DatabaseSync(join(service.dataDir, "priorproof.db"), { readOnly: true });
}

function dbState(service: RunningService): string {
  const db = openDb(service);
  try {
    const batches = db.prepare("SELECT status, COUNT(*) AS n FROM batches GROUP BY status").all() as { status: string; n: number }[];
    const queued = (db.prepare("SELECT COUNT(*) AS n FROM pending_entries").get() as { n: number }).n;
    const open = batches.filter((b) => b.status !== "confirmed").map((b) => `${b.status}=${b.n}`);
    return `${open.length ? open.join(" ") : "all batches confirmed"}; ${queued} entries queued`;
  } finally {
    db.close();
  }
}

describe("the service killed with SIGKILL under load (server process, anvil, SQLite, IPFS blockstore)", () => {
  let service: RunningService;
  let relay: Relay;
  const attempts: Attempt[] = [];
  const kills: Kill[] = [];

  beforeAll(async () => {
    service = await startService({
      // RATE_LIMIT_PER_MINUTE: one key drives the whole load and reads everything back (above the default 600 a minute).
      env: {
        LOG_LEVEL: "info",
        BATCH_INTERVAL_MS: "300",
        BATCH_MAX_SIZE: FULL ? "1000" : "200",
        ANCHOR_TICK_MS: "200",
        LEASE_TTL_MS: "600",
        RATE_LIMIT_PER_MINUTE: "100000",
      },
    });
    // From now on the server reaches anvil through the relay (the first start deployed and checked the chain directly).
    relay = await startRelay(service.rpcUrl);
    await service.restart({ env: { RPC_URL: relay.url } });
  });
  afterAll(async () => {
    await service?.stop();
    await relay?.close();
  });

  it(
    `loses no acknowledged entry and anchors nothing twice across ${KILLS} kills (${STAMPS} stamps + ${UPLOADS} uploads)`,
    async () => {
      console.log(`crash test seed: PP_SEED=${SEED}`);
      const acked = () => attempts.filter((a) => a.outcome === "ack");
      const ackedStamps = () =>
        acked()
          .filter((a) => a.kind === "stamp")
          .reduce((n, a) => n + a.digests.length, 0);
      const ackedUploads = () => acked().filter((a) => a.kind === "upload").length;
      let killsDone = false;
      const started = Date.now();

      // A client that retries: the same request with the same Idempotency-Key until it is answered.
      const record = async (attempt: Attempt, request: (key: string) => Promise<Response>) => {
        attempts.push(attempt);
        const key = randomUUID();
        for (;;) {
          try {
            const res = await request(key);
            const body = (await res.json()) as { entries?: { id: string; sha256: string; cid: string | null; size: number | null }[] };
            attempt.endedAt = Date.now();
            attempt.status = res.status;
            if (res.status === 202 && body.entries) {
              attempt.outcome = "ack";
              attempt.ids = body.entries.map((e) => e.id);
              attempt.cids = body.entries.map((e) => e.cid);
              expect(body.entries.map((e) => e.sha256)).toEqual(attempt.digests);
            } else {
              attempt.outcome = "http";
            }
            return;
          } catch (e) {
            attempt.endedAt = Date.now();
            attempt.outcome = failureKind(e);
            attempt.retries++;
            if (attempt.outcome === "lost") attempt.retriedAfterCut++;
            await sleep(100 * Math.min(8, attempt.retries)); // the server is down or restarting
          }
        }
      };

      // Stamp workers, paced so that STAMPS are spread over LOAD_MS, then a trickle (one small request a
      // second per worker, so that batches keep closing for the log-timed kills) until the kills are done.
      const stampWorker = async (w: number) => {
        for (let i = 0; i < 100_000; i++) {
          const enough = ackedStamps() >= STAMPS;
          if (killsDone && enough) return;
          const due = started + Math.min(LOAD_MS, ((i * WORKERS + w) * ITEMS_PER_REQUEST * LOAD_MS) / STAMPS);
          await sleep(enough ? 1000 : Math.max(0, due - Date.now()));
          const items = Array.from({ length: enough ? 2 : ITEMS_PER_REQUEST }, () => ({ sha256: randomDigest() }));
          await record({ kind: "stamp", digests: items.map((x) => x.sha256), startedAt: Date.now(), retries: 0, retriedAfterCut: 0 }, (key) =>
            fetch(`${service.url}/v1/stamps`, {
              method: "POST",
              headers: { authorization: `Bearer ${service.keys.acme}`, "content-type": "application/json", "idempotency-key": key },
              body: JSON.stringify({ items }),
            }),
          );
        }
      };
      // One upload worker: files of 0.5–3 MiB (FULL: up to 8 MiB), spread over the same time.
      const uploadWorker = async () => {
        for (let i = 0; i < 10_000; i++) {
          if (ackedUploads() >= UPLOADS) return;
          const due = started + Math.min(LOAD_MS, (i * LOAD_MS) / UPLOADS);
          await sleep(Math.max(0, due - Date.now()));
          const bytes = randomBytes(Math.floor((0.5 + random() * (FULL ? 7.5 : 2.5)) * 1024 * 1024));
          const { body, contentType } = multipart([{ name: `upload-${i}.bin`, bytes }]);
          const attempt: Attempt = {
            kind: "upload",
            digests: [sha256Hex(bytes)],
            startedAt: Date.now(),
            sizes: [bytes.length],
            retries: 0,
            retriedAfterCut: 0,
          };
          await record(attempt, (key) =>
            fetch(`${service.url}/v1/evidence`, {
              method: "POST",
              headers: { authorization: `Bearer ${service.keys.acme}`, "content-type": contentType, "idempotency-key": key },
              body: new Uint8Array(body),
            }),
          );
        }
      };

      // The killer: waits for each trigger on the current process's log, kills it, notes the state, restarts.
      const killer = async () => {
        for (const trigger of schedule(KILLS)) {
          const child: ChildProcess = service.process;
          const how = await new Promise<string>((resolve) => {
            let fired = false;
            let fallback: NodeJS.Timeout | undefined;
            const fire = (delayMs: number, note = "") => {
              if (fired) return;
              fired = true;
              clearTimeout(fallback);
              setTimeout(() => resolve(note), delayMs);
            };
            // A trigger that never comes (no batch to close, nothing to send) degrades to a plain kill, and says so.
            const orElse = (cleanup: () => void = () => undefined) => {
              fallback = setTimeout(() => {
                cleanup();
                fire(0, " (trigger not seen within 30 s: killed anyway)");
              }, 30_000);
            };
            if (trigger.on === "random") fire(trigger.delayMs);
            else if (trigger.on === "broadcast held" || trigger.on === "broadcast delivered") {
              relay.arm(trigger.on === "broadcast delivered", () => fire(0));
              orElse(() => relay.disarm());
            } else {
              let buffered = "";
              child.stdout?.on("data", (d: Buffer) => {
                buffered += d.toString();
                const lines = buffered.split("\n");
                buffered = lines.pop() ?? "";
                for (const line of lines) if (line.includes(`"msg":"${trigger.on}"`)) fire(trigger.delayMs);
              });
              orElse();
            }
          });
          const at = Date.now();
          const exited = new Promise((r) => child.once("exit", r));
          child.kill("SIGKILL");
          await exited;
          kills.push({ trigger, at, left: dbState(service) + how });
          await service.restart({ env: { RPC_URL: relay.url } }); // the old process is gone: this only starts a new one
          await sleep(200 + Math.floor(random() * 600));
        }
        killsDone = true;
      };

      await Promise.all([killer(), uploadWorker(), ...Array.from({ length: WORKERS }, (_, w) => stampWorker(w))]);
      const loadDone = Date.now();
      for (const k of kills) console.log(`kill at ${describeTrigger(k.trigger)} (t+${((k.at - started) / 1000).toFixed(1)} s) left: ${k.left}`);

      // Everything acknowledged must come through.
      const ackedIds = acked().flatMap((a) => a.ids ?? []);
      expect(ackedStamps()).toBeGreaterThanOrEqual(STAMPS);
      expect(ackedUploads()).toBeGreaterThanOrEqual(UPLOADS);
      const db = () => openDb(service);
      await waitFor(
        "every entry confirmed",
        async () => {
          const d = db();
          try {
            const open = (d.prepare("SELECT COUNT(*) AS n FROM entries WHERE status <> 'confirmed'").get() as { n: number }).n;
            return open === 0;
          } finally {
            d.close();
          }
        },
        FULL ? 240_000 : 90_000,
        500,
      );

      const settled = Date.now();
      const d = db();
      let stored: { id: string; sha256: string; status: string; pin: string; cid: string | null }[];
      let multiBatch: number;
      let unbatched: number;
      let batches: { id: number; root: string; status: string }[];
      try {
        stored = d.prepare("SELECT id, sha256, status, pin_status AS pin, cid FROM entries").all() as typeof stored;
        multiBatch = (
          d.prepare("SELECT COUNT(*) AS n FROM (SELECT entry_seq FROM batch_entries GROUP BY entry_seq HAVING COUNT(*) > 1)").get() as { n: number }
        ).n;
        unbatched = (
          d.prepare("SELECT COUNT(*) AS n FROM entries e WHERE NOT EXISTS (SELECT 1 FROM batch_entries be WHERE be.entry_seq = e.seq)").get() as { n: number }
        ).n;
        batches = d.prepare("SELECT id, root, status FROM batches").all() as typeof batches;
      } finally {
        d.close();
      }

      // Every request was retried until acknowledged: each digest stored once, under the acknowledged ids,
      // and nothing unacknowledged is visible.
      const byDigest = new Map(stored.map((e) => [e.sha256, e]));
      const storedTwice = stored.length - byDigest.size;
      const explained = new Set<string>();
      for (const a of attempts) {
        expect(a.outcome, "every request is acknowledged in the end (retried with its key)").toBe("ack");
        const present = a.digests.filter((x) => byDigest.has(x));
        expect(present.length, "an acknowledged request is stored whole").toBe(a.digests.length);
        for (const [i, id] of a.ids!.entries()) expect(byDigest.get(a.digests[i]!)?.id, "a retried request answers the ids that were stored").toBe(id);
        for (const x of present) explained.add(x);
      }
      expect(storedTwice, "digests stored twice (a retry that stamped again)").toBe(0);
      expect(
        stored.filter((e) => !explained.has(e.sha256)),
        "entries no request of this test made",
      ).toEqual([]);
      const retried = attempts.filter((a) => a.retries > 0).length;
      const retriedAfterCut = attempts.filter((a) => a.retriedAfterCut > 0).length;

      // Nothing anchored twice, on either side.
      const deployment = readDeployment(join(service.dataDir, "deployments"), service.chainId)!;
      const events = await anchoredEventsPerRoot(service.rpcUrl, deployment.address);
      const roots = new Set(batches.map((b) => b.root));
      const twiceOnChain = [...events.values()].filter((n) => n > 1).length;
      const nonce = Number(await rpc<string>(service.rpcUrl, "eth_getTransactionCount", [devWallet(1).address, "latest"]));
      expect(multiBatch, "entries in more than one batch").toBe(0);
      expect(unbatched, "entries in no batch").toBe(0);
      expect(roots.size, "distinct batch roots").toBe(batches.length);
      expect(twiceOnChain, "roots anchored twice").toBe(0);
      expect(
        [...events.keys()].filter((r) => !roots.has(r)),
        "roots on chain that are no batch of ours",
      ).toEqual([]);
      expect(
        batches.filter((b) => events.get(b.root) !== 1),
        "batches without exactly one Anchored event",
      ).toEqual([]);
      expect(nonce, "anchorer transactions = batches (none duplicated or reverted)").toBe(batches.length);

      // Every acknowledged entry's receipt verifies against the chain.
      const reader = createChainReader(service.rpcUrl);
      const chains = { [String(service.chainId)]: cachedChainReader(reader) };
      const digestOf = new Map(acked().flatMap((a) => a.ids!.map((id, i) => [id, a.digests[i]!] as const)));
      let verified = 0;
      const failures: string[] = [];
      try {
        const queue = [...ackedIds];
        await Promise.all(
          Array.from({ length: 8 }, async () => {
            for (let id = queue.pop(); id !== undefined; id = queue.pop()) {
              const r = await api(service, "acme", "GET", `/v1/entries/${id}/receipt`);
              const v = r.status === 200 ? await verifyReceipt(r.body, { sha256: fromHex(digestOf.get(id)!, 32), chains }) : undefined;
              if (v?.verified) verified += 1;
              else if (failures.length < 5) failures.push(`${id}: ${r.status} ${JSON.stringify(v?.checks.filter((c) => c.status === "failed"))}`);
            }
          }),
        );
      } finally {
        reader.destroy();
      }

      // Acknowledged uploads kept their content, byte for byte.
      for (const a of acked().filter((x) => x.kind === "upload")) {
        const e = byDigest.get(a.digests[0]!)!;
        expect(e.pin).toBe("pinned");
        const res = await fetch(`${service.url}/ipfs/${e.cid}`, { headers: { authorization: `Bearer ${service.keys.acme}` } });
        expect(res.status).toBe(200);
        expect(sha256Hex(new Uint8Array(await res.arrayBuffer()))).toBe(a.digests[0]);
      }

      // Recovery: one more kill in the middle of an upload, then count what is left on disk after the restart.
      const spoolDir = join(service.dataDir, "spool");
      const blocksDir = join(service.dataDir, "ipfs", "blocks");
      const spoolFiles = () => (existsSync(spoolDir) ? readdirSync(spoolDir).filter((n) => n.endsWith(".upload")).length : 0);
      const blockFiles = () =>
        readdirSync(blocksDir, { withFileTypes: true })
          .filter((d) => d.isDirectory())
          .flatMap((d) =>
            readdirSync(join(blocksDir, d.name))
              .filter((f) => f.endsWith(".data"))
              .map((f) => f.slice(0, -5)),
          );
      const big = randomBytes(48 * 1024 * 1024);
      const cut = multipart([{ name: "cut.bin", bytes: big }]);
      const child = service.process;
      const exited = new Promise((r) => child.once("exit", r));
      const blocksBefore = blockFiles().length;
      // The body stops after 32 MiB (the upload never completes on its own): the kill lands mid-import.
      let sent = 0;
      const slowBody = new ReadableStream<Uint8Array>({
        async pull(controller) {
          if (sent >= 32 * 1024 * 1024) return new Promise<void>(() => undefined);
          controller.enqueue(new Uint8Array(cut.body.subarray(sent, sent + 256 * 1024)));
          sent += 256 * 1024;
        },
      });
      const upload = fetch(`${service.url}/v1/evidence`, {
        method: "POST",
        headers: { authorization: `Bearer ${service.keys.acme}`, "content-type": cut.contentType },
        body: slowBody,
        duplex: "half",
      } as RequestInit).catch(() => undefined);
      await waitFor("the cut upload's blocks being written", async () => blockFiles().length > blocksBefore + 20 || undefined, 30_000, 20);
      child.kill("SIGKILL");
      await exited;
      await upload;
      const leftSpool = spoolFiles();
      const leftBlocks = blockFiles().length;
      await service.restart({ env: { RPC_URL: relay.url } });
      // This test's own DAG walk over the block files: what the stored entries' roots reach.
      const reach = new Set<string>();
      const walk = (cid: CID) => {
        const key = base32upper.encode(cid.multihash.bytes);
        if (reach.has(key)) return;
        reach.add(key);
        if (cid.code !== dagPb.code) return;
        for (const link of dagPb.decode(readFileSync(join(blocksDir, key.slice(-2), `${key}.data`))).Links) walk(link.Hash);
      };
      for (const e of stored) if (e.cid) walk(CID.parse(e.cid));
      const afterBlocks = new Set(blockFiles());
      const unreachableAfter = [...afterBlocks].filter((k) => !reach.has(k)).length;
      const reachableMissing = [...reach].filter((k) => !afterBlocks.has(k)).length;
      const afterSpool = spoolFiles();
      console.log(
        `crash recovery: before restart ${leftSpool} spool files, ${leftBlocks} blocks (${leftBlocks - reach.size} reached by no entry); ` +
          `after: ${afterSpool} spool files, ${afterBlocks.size} blocks, ${unreachableAfter} unreachable, ${reachableMissing} reachable missing`,
      );
      expect(leftBlocks - reach.size, "the cut upload left blocks no entry reaches").toBeGreaterThan(0);
      expect(afterSpool, "spool files after recovery").toBe(0);
      expect(unreachableAfter, "blocks no stored entry reaches, after recovery").toBe(0);
      expect(reachableMissing, "blocks of stored content removed").toBe(0);

      const confirmed = stored.filter((e) => e.status === "confirmed" && digestOf.has(e.id)).length;
      const lost = ackedIds.length - verified;
      const duplicated = storedTwice + multiBatch + twiceOnChain + Math.max(0, nonce - batches.length);
      console.log(
        `crash: acknowledged=${ackedIds.length} confirmed=${confirmed} lost=${lost} duplicated=${duplicated} kills=${kills.length} ` +
          `client-retries=${attempts.reduce((n, a) => n + a.retries, 0)}`,
      );
      console.log(
        `crash: load and kills ${((loadDone - started) / 1000).toFixed(1)} s, settling ${((settled - loadDone) / 1000).toFixed(1)} s, ` +
          `checks ${((Date.now() - settled) / 1000).toFixed(1)} s`,
      );
      console.log(
        `crash: ${attempts.length} requests (${retried} retried with their Idempotency-Key, ${retriedAfterCut} of them after a cut ` +
          `connection), ${batches.length} batches`,
      );
      expect(failures, "receipts that do not verify").toEqual([]);
      expect(lost).toBe(0);
      expect(confirmed).toBe(ackedIds.length);
      expect(kills.length).toBeGreaterThanOrEqual(5);
    },
    FULL ? 900_000 : 420_000,
  );
});
