/**
 * Several chains: entries anchored on two real anvil chains with different chain ids; the receipt
 * carries both anchors and the verifier checks each on its own chain.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { JsonRpcProvider, NonceManager } from "ethers";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createChainReader, fromHex, verifyReceipt } from "../../client-sdk/src/index.ts";
import { buildApp } from "../../server/src/app.ts";
import { ensureDeployment } from "../../server/src/chain/deploy.ts";
import { startDevChain, type DevChain } from "../../server/src/chain/devchain.ts";
import { loadConfig } from "../../server/src/config.ts";
import { createTenantKey } from "../../server/src/services/keys.ts";
import { devWallet } from "../helpers/service.ts";

const dir = mkdtempSync(join(tmpdir(), "pp-2chains-"));
const chains: DevChain[] = [];
let app: FastifyInstance;
let key: string;
const DIGEST = "0x" + "5a".repeat(32);

async function rpc(url: string, method: string, params: unknown[] = []): Promise<unknown> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  const body = (await res.json()) as { result?: unknown; error?: { message: string } };
  if (body.error) throw new Error(body.error.message);
  return body.result;
}

beforeAll(async () => {
  const settings = [];
  for (const [i, chainId] of [31337, 31338].entries()) {
    const chain = await startDevChain({ dataDir: join(dir, `chain-${chainId}`), chainId });
    chains.push(chain);
    const provider = new JsonRpcProvider(chain.rpcUrl, chainId, { staticNetwork: true });
    const deploymentsDir = join(dir, "deployments");
    await ensureDeployment({ deployer: new NonceManager(devWallet(0).connect(provider)), anchorers: [devWallet(1).address], deploymentsDir });
    provider.destroy();
    settings.push({
      name: i === 0 ? "anvil L2 (dev)" : "anvil L1 (dev)",
      rpcUrl: chain.rpcUrl,
      chainId,
      development: true,
      confirmations: 1,
      anchorerKey: devWallet(1).privateKey,
      deploymentsDir,
    });
  }
  app = await buildApp(loadConfig({ DATA_DIR: dir, CHAINS: JSON.stringify(settings), WORKERS: "false", LOG_LEVEL: "silent" }), { logger: false });
  await app.ready();
  key = (await createTenantKey(app.store, "acme", "test")).key;
});
afterAll(async () => {
  await app?.close();
  for (const c of chains) await c.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("anchoring on two chains (two real anvil chains, ids 31337 and 31338)", () => {
  let receipt: any;
  let snapshot31338: string;

  it("anchors each entry on both chains and puts both anchors in its receipt", async () => {
    const res = await app.inject({ method: "POST", url: "/v1/stamps", headers: { authorization: `Bearer ${key}` }, payload: { items: [{ sha256: DIGEST }] } });
    const id = res.json().entries[0].id;
    // Snapshot chain 31338 before its anchor, to take the root away from it later.
    snapshot31338 = (await rpc(chains[1]!.rpcUrl, "evm_snapshot")) as string;
    await app.batcher.closeBatches();
    for (let i = 0; i < 6; i++) for (const a of app.anchorers.values()) await a.tick();
    const entry = await app.inject({ method: "GET", url: `/v1/entries/${id}`, headers: { authorization: `Bearer ${key}` } });
    expect(entry.json().status).toBe("confirmed");
    expect(
      entry
        .json()
        .anchors.map((a: { chainId: number }) => a.chainId)
        .sort(),
    ).toEqual([31337, 31338]);
    receipt = (await app.inject({ method: "GET", url: `/v1/entries/${id}/receipt`, headers: { authorization: `Bearer ${key}` } })).json();
    expect(receipt.anchors.map((a: { chainId: number }) => a.chainId).sort()).toEqual([31337, 31338]);
  });

  it("verifies both anchors, each against its own chain", async () => {
    const readers = chains.map((c) => createChainReader(c.rpcUrl));
    const verdict = await verifyReceipt(receipt, { sha256: fromHex(DIGEST, 32), chains: { "31337": readers[0]!, "31338": readers[1]! } });
    for (const r of readers) r.destroy();
    expect(verdict.verified).toBe(true);
    expect(verdict.checks.filter((c) => c.id.endsWith(".chain")).map((c) => c.status)).toEqual(["passed", "passed"]);
  });

  it("fails only the anchor whose root is no longer on its chain", async () => {
    await rpc(chains[1]!.rpcUrl, "evm_revert", [snapshot31338]);
    const readers = chains.map((c) => createChainReader(c.rpcUrl));
    const verdict = await verifyReceipt(receipt, { sha256: fromHex(DIGEST, 32), chains: { "31337": readers[0]!, "31338": readers[1]! } });
    for (const r of readers) r.destroy();
    const byChain = Object.fromEntries(
      receipt.anchors.map((a: { chainId: number }, i: number) => [a.chainId, verdict.checks.find((c) => c.id === `anchors[${i}].chain`)]),
    );
    expect(byChain[31337]).toMatchObject({ status: "passed" });
    // The anchoring transaction is gone with the reverted blocks: nothing on that chain witnesses the root.
    expect(byChain[31338]).toMatchObject({ status: "failed", code: "TX_NOT_FOUND" });
    expect(verdict.verified).toBe(false);
  });
});
