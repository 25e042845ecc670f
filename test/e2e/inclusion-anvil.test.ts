/**
 * The offline inclusion proof (block header + receipt-trie proof) captured from a real anvil chain, for
 * the current default hardfork and older header shapes (`anvil --hardfork …`), checked by the SDK's
 * offline verifier with no provider at all. Blocks hold several transactions (automine off, then one
 * `evm_mine`), so the receipt trie has branches and the proof more than one node.
 *
 * Older than Shanghai cannot run here: EvidenceAnchor is compiled by solc 0.8.30 for Cancun and uses
 * PUSH0 (EIP-3855, Shanghai), so `anvil --hardfork london` refuses its deployment. The London header
 * shape (16 fields) is covered by the mainnet vector in test/client-sdk/evm-inclusion.test.ts.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { JsonRpcProvider, NonceManager, Wallet, toBeHex } from "ethers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeBlockHeader, fromHex, verifyEvmInclusion, type EvmInclusionClaim, type Hex } from "../../client-sdk/src/index.ts";
import { connectChain, type ChainClient } from "../../server/src/chain/client.ts";
import { ensureDeployment } from "../../server/src/chain/deploy.ts";
import { startDevChain, type DevChain } from "../../server/src/chain/devchain.ts";
import { createInclusionCapture } from "../../server/src/chain/inclusion.ts";
import { devWallet } from "../helpers/service.ts";

interface Rig {
  dir: string;
  devchain: DevChain;
  chain: ChainClient;
  provider: JsonRpcProvider;
}

async function rig(hardfork: string | undefined): Promise<Rig> {
  const dir = mkdtempSync(join(tmpdir(), "pp-inclusion-"));
  const devchain = await startDevChain({ dataDir: join(dir, "chain"), ...(hardfork ? { hardfork } : {}) });
  const provider = new JsonRpcProvider(devchain.rpcUrl, devchain.chainId, { staticNetwork: true, cacheTimeout: -1 });
  const deployment = await ensureDeployment({ deployer: new NonceManager(devWallet(0).connect(provider)), anchorers: [devWallet(1).address], deploymentsDir: join(dir, "deployments") });
  const chain = await connectChain({
    config: { chainId: devchain.chainId, name: "anvil", development: true, rpcUrl: devchain.rpcUrl, confirmations: 1 },
    deployment,
    signer: devWallet(1),
  });
  return { dir, devchain, chain, provider };
}

/**
 * Mines one block holding `before` plain transfers, then the anchor of `root`, then `after` transfers;
 * returns the claim a receipt would make about it.
 */
async function anchorInBusyBlock(r: Rig, root: Hex, treeSize: number, before: number, after: number): Promise<{ txHash: string; claim: EvmInclusionClaim }> {
  await r.provider.send("evm_setAutomine", [false]);
  const sender = new NonceManager(devWallet(2).connect(r.provider));
  const transfer = async () => sender.sendTransaction({ to: Wallet.createRandom().address, value: 1n });
  for (let i = 0; i < before; i++) await transfer();
  const signed = await r.chain.signAnchor(root, treeSize, await r.chain.pendingNonce());
  await r.chain.broadcast(signed.rawTx);
  for (let i = 0; i < after; i++) await transfer();
  await r.provider.send("evm_mine", []);
  await r.provider.send("evm_setAutomine", [true]);
  const mined = await r.chain.findAnchored(root);
  if (!mined) throw new Error("anchor not mined");
  return {
    txHash: mined.txHash,
    claim: { contract: r.chain.deployment.address.toLowerCase() as Hex, blockNumber: mined.blockNumber, blockHash: mined.blockHash.toLowerCase() as Hex, blockTime: mined.blockTime, proof: { root, treeSize } },
  };
}

const randomRoot = (): Hex => toBeHex(BigInt(`0x${Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("hex")}`), 32) as Hex;

describe.each([
  { hardfork: undefined, label: "anvil's default hardfork", fields: 21 },
  { hardfork: "cancun", label: "cancun", fields: 20 },
  { hardfork: "shanghai", label: "shanghai", fields: 17 },
])("createInclusionCapture on anvil ($label)", ({ hardfork, fields }) => {
  let r: Rig;
  beforeAll(async () => {
    r = await rig(hardfork);
  }, 60_000);
  afterAll(async () => {
    r?.chain.close();
    r?.provider.destroy();
    await r?.devchain.stop();
    if (r) rmSync(r.dir, { recursive: true, force: true });
  });

  it("captures a header and receipt proof that verify with no provider", async () => {
    const root = randomRoot();
    const { txHash, claim } = await anchorInBusyBlock(r, root, 7, 5, 3);
    const inclusion = await createInclusionCapture(r.chain)(txHash, { root, treeSize: 7, blockNumber: claim.blockNumber, blockHash: claim.blockHash, blockTime: claim.blockTime });
    expect(inclusion.txIndex).toBe(5);
    expect(inclusion.proof.length).toBeGreaterThan(1);
    const header = decodeBlockHeader(fromHex(inclusion.header));
    expect(header.fieldCount).toBe(fields);
    expect(header.hash).toBe(claim.blockHash);
    const result = await verifyEvmInclusion(JSON.parse(JSON.stringify(inclusion)), claim);
    expect(result.blockNumber).toBe(BigInt(claim.blockNumber));
    expect(result.blockTime).toBe(new Date(claim.blockTime).toISOString());
    expect(result.anchorer).toBe(r.chain.anchorer.toLowerCase());
  }, 60_000);

  it("refuses to capture for a batch whose root is not in the transaction's logs", async () => {
    const root = randomRoot();
    const { txHash, claim } = await anchorInBusyBlock(r, root, 3, 0, 0);
    await expect(createInclusionCapture(r.chain)(txHash, { root: randomRoot(), treeSize: 3, blockNumber: claim.blockNumber, blockHash: claim.blockHash, blockTime: claim.blockTime })).rejects.toMatchObject({ code: "LOG_ROOT_MISMATCH" });
    await expect(createInclusionCapture(r.chain)(txHash, { root, treeSize: 3, blockNumber: claim.blockNumber, blockHash: `0x${"ab".repeat(32)}`, blockTime: claim.blockTime })).rejects.toThrow(/the batch says/);
  }, 60_000);
});
