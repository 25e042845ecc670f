import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Contract, HDNodeWallet, JsonRpcProvider, Mnemonic, NonceManager } from "ethers";
import { afterAll, describe, expect, it } from "vitest";
import { evidenceAnchorArtifact } from "../../server/src/chain/artifact.ts";
import { ensureDeployment, readDeployment } from "../../server/src/chain/deploy.ts";
import { DEV_MNEMONIC, startDevChain } from "../../server/src/chain/devchain.ts";

const dir = mkdtempSync(join(tmpdir(), "pp-devchain-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function wallet(i: number, provider: JsonRpcProvider) {
  return HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(DEV_MNEMONIC), `m/44'/60'/0'/0/${i}`).connect(provider);
}

describe("startDevChain (real anvil)", () => {
  it("keeps a deployment and its anchors across a stop and a start on the same data dir", async () => {
    const root = "0x" + "ab".repeat(32);
    let address: string;
    let anchoredBlock: number;
    let anchoredBlockHash: string;
    {
      const chain = await startDevChain({ dataDir: join(dir, "chain") });
      const provider = new JsonRpcProvider(chain.rpcUrl, undefined, { staticNetwork: true });
      const admin = new NonceManager(wallet(0, provider));
      const anchorer = wallet(1, provider);
      const d = await ensureDeployment({ deployer: admin, anchorers: [anchorer.address], deploymentsDir: join(dir, "deployments") });
      address = d.address;
      const registry = new Contract(d.address, evidenceAnchorArtifact().abi, anchorer);
      const receipt = await (await registry.getFunction("anchor")(root, 7)).wait(1);
      anchoredBlock = receipt.blockNumber;
      // Whole transaction, intrinsic 21,000 and calldata included: the budget is 50,000.
      console.log(`anchor() transaction gas used: ${receipt.gasUsed}`);
      expect(receipt.gasUsed).toBeLessThanOrEqual(50_000n);
      anchoredBlockHash = receipt.blockHash;
      provider.destroy();
      await chain.stop();
    }
    {
      const chain = await startDevChain({ dataDir: join(dir, "chain") });
      const provider = new JsonRpcProvider(chain.rpcUrl, undefined, { staticNetwork: true });
      const again = await ensureDeployment({
        deployer: wallet(0, provider),
        anchorers: [wallet(1, provider).address],
        deploymentsDir: join(dir, "deployments"),
      });
      expect(again.address, "the recorded deployment is reused").toBe(address);
      const registry = new Contract(address, evidenceAnchorArtifact().abi, provider);
      const a = (await registry.getFunction("getAnchor")(root)) as { timestamp: bigint; blockNumber: bigint; treeSize: bigint };
      expect(a.treeSize).toBe(7n);
      expect(Number(a.blockNumber)).toBe(anchoredBlock);
      const block = await provider.getBlock(anchoredBlock);
      expect(block?.hash, "the anchoring block survives the restart").toBe(anchoredBlockHash);
      expect(BigInt(block!.timestamp)).toBe(a.timestamp);
      provider.destroy();
      await chain.stop();
    }
    expect(readDeployment(join(dir, "deployments"), 31337)?.address).toBe(address);
  });
});
