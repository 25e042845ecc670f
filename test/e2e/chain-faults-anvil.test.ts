/**
 * Anchoring through chain faults, end to end: the real server process over a real anvil chain and the
 * SQLite store. The test drives anvil's mining by hand (interval mining off) to hold a transaction in
 * the pool, drop it, price it out, or reorganise the block that holds it, and stops anvil to make the
 * RPC unreachable. Sizes: PP_FULL=1 keeps the RPC down 30 s; the reduced run (npm test) 8 s.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readDeployment } from "../../server/src/chain/deploy.ts";
import { startDevChain, type DevChain } from "../../server/src/chain/devchain.ts";
import {
  FULL,
  anchorerPoolTxs,
  anchoredEventsPerRoot,
  failedChecks,
  rpc,
  sleep,
  stamp,
  verifyAgainstChain,
  waitFor,
  waitForStatus,
} from "../helpers/faults.ts";
import { api, devWallet, startService, type RunningService } from "../helpers/service.ts";

const OUTAGE_MS = FULL ? 30_000 : 8_000;
const REPLACE_AFTER_MS = 3_000;
const GWEI = 10n ** 9n;

let service: RunningService;
/** The anvil process now serving the chain (the service's own one until the outage test restarts it). */
let chain: DevChain;
const rpcUrl = () => service.rpcUrl;
const all: { id: string; sha256: string }[] = [];

const pauseMining = () => rpc(rpcUrl(), "evm_setIntervalMining", [0]);
const resumeMining = () => rpc(rpcUrl(), "evm_setIntervalMining", [1]);
const mine = () => rpc(rpcUrl(), "evm_mine", []);
const entry = async (id: string) => (await api(service, "acme", "GET", `/v1/entries/${id}`)).body;
const receipt = async (id: string) => {
  const r = await api(service, "acme", "GET", `/v1/entries/${id}/receipt`);
  if (r.status !== 200) throw new Error(`receipt answered ${r.status}`);
  return r.body;
};
const txByHash = (hash: string) =>
  rpc<{ nonce: string; maxFeePerGas: string; blockNumber: string | null } | null>(rpcUrl(), "eth_getTransactionByHash", [hash]);
/** The one anchor transaction in the pool, once the anchorer has sent it. */
const onePoolTx = (what: string, accept: (t: Awaited<ReturnType<typeof anchorerPoolTxs>>[number]) => boolean = () => true, timeoutMs = 20_000) =>
  waitFor(what, async () => (await anchorerPoolTxs(rpcUrl())).find(accept), timeoutMs);
const anchorCode = (v: Awaited<ReturnType<typeof verifyAgainstChain>>) => v.checks.find((c) => c.id === "anchors[0].chain")?.code;

beforeAll(async () => {
  service = await startService({
    env: { ANCHOR_REPLACE_AFTER_MS: String(REPLACE_AFTER_MS), BATCH_INTERVAL_MS: "300", ANCHOR_TICK_MS: "200", LOG_LEVEL: "info" },
  });
  chain = service.chain;
});
afterAll(async () => {
  if (chain && chain !== service?.chain) await chain.stop();
  await service?.stop();
});

describe("anchorer against chain faults (server process, anvil, SQLite)", () => {
  it(
    `keeps stamping while the RPC is unreachable for ${OUTAGE_MS / 1000} s, reports it on /readyz, and anchors everything once the chain is back`,
    async () => {
      await pauseMining();
      const before = await stamp(service, 5);
      await onePoolTx("the anchor transaction of the first entries");
      await chain.stop(); // anvil dumps its state; its transaction pool is lost with it
      const down = Date.now();

      const during = await stamp(service, 5);
      const ready = await waitFor(
        "/readyz to report the chain",
        async () => {
          const r = await api(service, undefined, "GET", "/readyz");
          return r.status === 503 && r.body.checks["chain:31337"]?.ok === false ? r.body : undefined;
        },
        15_000,
        250,
      );
      expect(ready.status).toBe("not-ready");
      expect(ready.checks.store.ok).toBe(true);
      expect(ready.checks["chain:31337"].detail).toMatch(/rpc unreachable|anchorer failing/);
      await sleep(Math.max(0, OUTAGE_MS - (Date.now() - down)));

      chain = await startDevChain({ dataDir: join(service.dataDir, "chain"), port: service.chain.port, blockTime: 1 });
      await waitFor("/readyz to recover", async () => (await api(service, undefined, "GET", "/readyz")).status === 200, 20_000, 250);
      await waitForStatus(
        service,
        [...before, ...during].map((e) => e.id),
        "confirmed",
        60_000,
      );
      for (const e of [...before, ...during]) {
        const v = await verifyAgainstChain(rpcUrl(), await receipt(e.id), e.sha256);
        expect(v.verified, JSON.stringify(failedChecks(v))).toBe(true);
      }
      all.push(...before, ...during);
    },
    OUTAGE_MS + 120_000,
  );

  it("re-broadcasts its stored transaction when the node drops it from the pool", async () => {
    await pauseMining();
    const items = await stamp(service, 3);
    const sent = await onePoolTx("the anchor transaction");
    expect(await rpc(rpcUrl(), "anvil_dropTransaction", [sent.hash]), "anvil removed it from its pool").toBe(sent.hash);
    const again = await onePoolTx("the same transaction back in the pool", (t) => t.hash === sent.hash);
    expect(again.nonce).toBe(sent.nonce);
    await mine();
    await mine();
    await waitForStatus(
      service,
      items.map((e) => e.id),
      "confirmed",
      20_000,
    );
    expect((await entry(items[0]!.id)).anchors[0].txHash).toBe(sent.hash);
    all.push(...items);
  }, 60_000);

  /** Mines, waits for the entries to be confirmed, and checks they were anchored by `txHash` with `nonce`. */
  const expectConfirmedBy = async (items: { id: string }[], txHash: string, nonce: number) => {
    await mine();
    await mine();
    await waitForStatus(
      service,
      items.map((e) => e.id),
      "confirmed",
      20_000,
    );
    const mined = (await entry(items[0]!.id)).anchors[0].txHash;
    expect(mined).toBe(txHash);
    expect(Number((await txByHash(mined))!.nonce)).toBe(nonce);
  };

  it(`replaces a transaction left unmined for ANCHOR_REPLACE_AFTER_MS (${REPLACE_AFTER_MS} ms) with higher fees and the same nonce`, async () => {
    await pauseMining();
    const items = await stamp(service, 3);
    const first = await onePoolTx("the anchor transaction");
    const replacement = await onePoolTx("its replacement", (t) => t.hash !== first.hash, REPLACE_AFTER_MS + 15_000);
    expect(replacement.nonce).toBe(first.nonce);
    expect(replacement.maxPriorityFeePerGas).toBeGreaterThan(first.maxPriorityFeePerGas);
    await expectConfirmedBy(items, replacement.hash, first.nonce);
    expect(await txByHash(first.hash), "the replaced transaction was never mined").toBeNull();
    all.push(...items);
  }, 60_000);

  it("replaces a transaction priced out by a base-fee spike with one that pays the new base fee, same nonce", async () => {
    await pauseMining();
    const items = await stamp(service, 3);
    const first = await onePoolTx("the anchor transaction");
    const spike = 1_000n * GWEI;
    expect(first.maxFeePerGas).toBeLessThan(spike);
    await rpc(rpcUrl(), "anvil_setNextBlockBaseFeePerGas", ["0x" + spike.toString(16)]);
    await mine(); // a block at 1,000 gwei: the transaction cannot pay it and anvil evicts it
    const replacement = await onePoolTx(
      "a replacement that pays the spiked base fee",
      (t) => t.hash !== first.hash && t.maxFeePerGas >= spike / 2n,
      REPLACE_AFTER_MS + 15_000,
    );
    expect(replacement.nonce).toBe(first.nonce);
    await expectConfirmedBy(items, replacement.hash, first.nonce);
    // Back to a cheap chain for the next tests.
    await rpc(rpcUrl(), "anvil_setNextBlockBaseFeePerGas", ["0x" + GWEI.toString(16)]);
    await mine();
    all.push(...items);
  }, 60_000);

  describe("when a reorganisation removes the anchoring block", () => {
    it("puts the entries back to batched and re-anchors them (same nonce); the receipt issued before fails with TX_NOT_FOUND (its transaction is in " +
      "no block), the new one verifies", async () => {
      await pauseMining();
      const items = await stamp(service, 3);
      const first = await onePoolTx("the anchor transaction");
      await mine();
      await waitForStatus(
        service,
        items.map((e) => e.id),
        "anchored",
        20_000,
      );
      const old = await receipt(items[0]!.id);
      expect(old.anchors[0].txHash).toBe(first.hash);
      const before = await verifyAgainstChain(rpcUrl(), old, items[0]!.sha256);
      expect(before.verified, JSON.stringify(failedChecks(before))).toBe(true);

      await rpc(rpcUrl(), "anvil_reorg", [1, []]); // the block is replaced by an empty one at the same height
      const gone = await verifyAgainstChain(rpcUrl(), old, items[0]!.sha256);
      expect(gone.verified).toBe(false);
      expect(anchorCode(gone)).toBe("TX_NOT_FOUND");

      await waitForStatus(
        service,
        items.map((e) => e.id),
        "batched",
        20_000,
      );
      expect(await api(service, "acme", "GET", `/v1/entries/${items[0]!.id}/receipt`)).toMatchObject({
        status: 409,
        body: { error: { code: "RECEIPT_PENDING" } },
      });
      const resent = await onePoolTx("a new anchor transaction", (t) => t.hash !== first.hash);
      expect(resent.queued, "the new transaction is executable, not waiting behind a nonce gap").toBe(false);
      expect(resent.nonce, "the nonce the reorganisation freed is reused").toBe(first.nonce);
      await mine();
      await mine();
      await waitForStatus(
        service,
        items.map((e) => e.id),
        "confirmed",
        20_000,
      );

      const fresh = await receipt(items[0]!.id);
      expect(fresh.anchors[0].txHash).toBe(resent.hash);
      const now = await verifyAgainstChain(rpcUrl(), fresh, items[0]!.sha256);
      expect(now.verified, JSON.stringify(failedChecks(now))).toBe(true);
      const stale = await verifyAgainstChain(rpcUrl(), old, items[0]!.sha256);
      expect(stale.verified).toBe(false);
      expect(anchorCode(stale)).toBe("TX_NOT_FOUND");
      all.push(...items);
    }, 60_000);

    it("follows its transaction into the replacing block; the receipt issued before fails with BLOCK_HASH_MISMATCH, the new one verifies", async () => {
      await pauseMining();
      const items = await stamp(service, 3);
      const first = await onePoolTx("the anchor transaction");
      const raw = await rpc<string>(rpcUrl(), "eth_getRawTransactionByHash", [first.hash]);
      await mine();
      await waitForStatus(
        service,
        items.map((e) => e.id),
        "anchored",
        20_000,
      );
      const old = await receipt(items[0]!.id);

      await rpc(rpcUrl(), "anvil_reorg", [1, [[raw, 0]]]); // same height, same transaction, another block
      const fresh = await waitFor(
        "a receipt naming the new block",
        async () => {
          const r = await receipt(items[0]!.id);
          return r.anchors[0].blockHash !== old.anchors[0].blockHash ? r : undefined;
        },
        20_000,
      );
      expect(fresh.anchors[0]).toMatchObject({ txHash: first.hash, blockNumber: old.anchors[0].blockNumber });
      const stale = await verifyAgainstChain(rpcUrl(), old, items[0]!.sha256);
      expect(stale.verified).toBe(false);
      expect(anchorCode(stale)).toBe("BLOCK_HASH_MISMATCH");
      const now = await verifyAgainstChain(rpcUrl(), fresh, items[0]!.sha256);
      expect(now.verified, JSON.stringify(failedChecks(now))).toBe(true);
      await mine();
      await waitForStatus(
        service,
        items.map((e) => e.id),
        "confirmed",
        20_000,
      );
      all.push(...items);
    }, 60_000);
  });

  it("anchored every root once and spent one nonce per anchor: no duplicate, no reverted transaction", async () => {
    await resumeMining();
    const deployment = readDeployment(join(service.dataDir, "deployments"), 31337)!;
    const events = await anchoredEventsPerRoot(rpcUrl(), deployment.address);
    expect([...events.values()].every((n) => n === 1)).toBe(true);
    const nonce = Number(await rpc<string>(rpcUrl(), "eth_getTransactionCount", [devWallet(1).address, "latest"]));
    expect(nonce, "every transaction of the anchorer anchored a root").toBe(events.size);
    const roots = new Set<string>();
    for (const e of all) roots.add((await entry(e.id)).anchors[0].root);
    for (const r of roots) expect(events.get(r), `root ${r}`).toBe(1);
  });
});
