/**
 * The offline inclusion proof (`evm-receipt-proof/2`: block header, receipt-trie proof, the raw
 * transaction and its transactions-trie proof, the contract's EIP-1186 account proof) captured from a
 * real anvil chain, for the current default hardfork and older header shapes (`anvil --hardfork …`),
 * checked by the SDK's offline verifier with no provider at all. Blocks hold several transactions
 * (automine off, then one `evm_mine`), so both tries have branches and the proofs more than one node.
 *
 * The account proof names the code that emitted the log: the genuine EvidenceAnchor (whoever deployed
 * it) proves a known build's code hash; a look-alike contract deployed here from raw bytecode, which
 * emits the same `Anchored` event for anything, proves a code hash that no trusted build has. A node
 * that no longer holds the state of the block (anvil with `--prune-history`) yields the
 * `evm-receipt-proof/1` section instead; one that keeps it (`--preserve-historical-states`, across a
 * restart) still yields /2 for an old block.
 *
 * Older than Shanghai cannot run here: EvidenceAnchor is compiled by solc 0.8.30 for Cancun and uses
 * PUSH0 (EIP-3855, Shanghai), so `anvil --hardfork london` refuses its deployment. The London header
 * shape (16 fields) is covered by the mainnet vector in test/client-sdk/evm-inclusion.test.ts.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Interface, JsonRpcProvider, NonceManager, Wallet, keccak256, toBeHex } from "ethers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KNOWN_ANCHOR_CODE_HASHES, decodeBlockHeader, fromHex, isKnownAnchorCode, verifyEvmInclusion, type Hex } from "../../client-sdk/src/index.ts";
import { ANCHORED_EVENT_TOPIC } from "../../client-sdk/src/anchor-event.ts";
import { EVM_INCLUSION_FORMAT, EVM_INCLUSION_FORMAT_V2, type EvmInclusionClaim, type EvmInclusionV2 } from "../../client-sdk/src/evm-inclusion.ts";
import { connectChain, type ChainClient } from "../../server/src/chain/client.ts";
import { ensureDeployment } from "../../server/src/chain/deploy.ts";
import { DEV_MNEMONIC, anvilBinary, freePort, startDevChain, type DevChain } from "../../server/src/chain/devchain.ts";
import { createInclusionCapture } from "../../server/src/chain/inclusion.ts";
import { devWallet } from "../helpers/service.ts";

interface Rig {
  dir: string;
  devchain: DevChain;
  chain: ChainClient;
  provider: JsonRpcProvider;
}

async function rig(hardfork: string | undefined, start?: (dataDir: string) => Promise<DevChain>): Promise<Rig> {
  const dir = mkdtempSync(join(tmpdir(), "pp-inclusion-"));
  const devchain = start ? await start(join(dir, "chain")) : await startDevChain({ dataDir: join(dir, "chain"), ...(hardfork ? { hardfork } : {}) });
  const provider = new JsonRpcProvider(devchain.rpcUrl, devchain.chainId, { staticNetwork: true, cacheTimeout: -1 });
  const deployment = await ensureDeployment({
    deployer: new NonceManager(devWallet(0).connect(provider)),
    anchorers: [devWallet(1).address],
    deploymentsDir: join(dir, "deployments"),
  });
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
    claim: {
      contract: r.chain.deployment.address.toLowerCase() as Hex,
      txHash: mined.txHash.toLowerCase() as Hex,
      blockNumber: mined.blockNumber,
      blockHash: mined.blockHash.toLowerCase() as Hex,
      blockTime: mined.blockTime,
      proof: { root, treeSize },
    },
  };
}

/** The batch the anchorer would hand the capture for `claim`. */
const batchOf = (claim: EvmInclusionClaim) => ({
  root: claim.proof.root,
  treeSize: claim.proof.treeSize,
  blockNumber: claim.blockNumber,
  blockHash: claim.blockHash,
  blockTime: claim.blockTime,
});

/** The same capture pointed at another contract address (a look-alike, or another deployment). */
const captureAt = (r: Rig, address: string) => createInclusionCapture({ ...r.chain, deployment: { ...r.chain.deployment, address } } as ChainClient);

/**
 * A look-alike "anchor": 49 bytes of runtime code that, for any call, emits
 * `Anchored(calldata[4:36], calldata[36:68], msg.sender)` — the same event, with the same topics and
 * data layout, as EvidenceAnchor.anchor(root, treeSize), with no access control and no storage.
 */
const LOOKALIKE_RUNTIME = `0x602435600052336004357f${ANCHORED_EVENT_TOPIC.slice(2)}60206000a300`;
/** Init code: CODECOPY the runtime (0x31 bytes at offset 0x0b) to memory and RETURN it. */
const LOOKALIKE_INIT = `0x603180600b6000396000f3${LOOKALIKE_RUNTIME.slice(2)}`;
const ANCHOR_ABI = new Interface(["function anchor(bytes32 root, uint64 treeSize)"]);

/** Deploys the look-alike and has it log Anchored(root, treeSize) in a block with other transactions. */
async function anchorWithLookalike(r: Rig, root: Hex, treeSize: number): Promise<{ address: string; txHash: string; claim: EvmInclusionClaim }> {
  const sender = new NonceManager(devWallet(3).connect(r.provider));
  const deployed = await (await sender.sendTransaction({ data: LOOKALIKE_INIT })).wait();
  const address = deployed!.contractAddress!.toLowerCase();
  expect(keccak256(await r.provider.getCode(address))).toBe(keccak256(LOOKALIKE_RUNTIME));
  await r.provider.send("evm_setAutomine", [false]);
  await sender.sendTransaction({ to: Wallet.createRandom().address, value: 1n });
  const sent = await sender.sendTransaction({ to: address, data: ANCHOR_ABI.encodeFunctionData("anchor", [root, treeSize]) });
  await r.provider.send("evm_mine", []);
  await r.provider.send("evm_setAutomine", [true]);
  const mined = (await sent.wait())!;
  const block = (await r.provider.getBlock(mined.blockHash))!;
  return {
    address,
    txHash: mined.hash,
    claim: {
      contract: address as Hex,
      txHash: mined.hash.toLowerCase() as Hex,
      blockNumber: mined.blockNumber,
      blockHash: mined.blockHash.toLowerCase() as Hex,
      blockTime: new Date(block.timestamp * 1000).toISOString().replace(/\.000Z$/, "Z"),
      proof: { root, treeSize },
    },
  };
}

/** anvil with `--prune-history 1`: it keeps the state of the newest block only (no historical state). */
async function startPrunedAnvil(hardfork: string | undefined): Promise<DevChain> {
  const port = await freePort();
  const args = [
    "--host",
    "127.0.0.1",
    "--port",
    String(port),
    "--mnemonic",
    DEV_MNEMONIC,
    "--prune-history",
    "1",
    ...(hardfork ? ["--hardfork", hardfork] : []),
  ];
  const child = spawn(anvilBinary(), args, { stdio: "ignore" });
  const rpcUrl = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      const res = await fetch(rpcUrl, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      });
      if (res.ok) break;
    } catch {
      if (i > 300) throw new Error("anvil --prune-history did not start");
    }
    await new Promise((res) => setTimeout(res, 100));
  }
  return {
    rpcUrl,
    port,
    chainId: 31337,
    statePath: "",
    process: child,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((res) => child.once("exit", res));
      child.kill("SIGTERM");
      await exited;
    },
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

  it("captures an evm-receipt-proof/2 (header, receipt, transaction, account) that verifies with no provider and proves the EvidenceAnchor build's " +
    "code hash", async () => {
    const root = randomRoot();
    const { txHash, claim } = await anchorInBusyBlock(r, root, 7, 5, 3);
    const inclusion = await createInclusionCapture(r.chain)(txHash, batchOf(claim));
    expect(inclusion.format).toBe(EVM_INCLUSION_FORMAT_V2);
    const v2 = inclusion as EvmInclusionV2;
    expect(v2.txIndex).toBe(5);
    expect(v2.proof.length).toBeGreaterThan(1);
    expect(v2.txProof.length).toBeGreaterThan(1);
    expect(keccak256(v2.tx)).toBe(txHash.toLowerCase());
    const header = decodeBlockHeader(fromHex(v2.header));
    expect(header.fieldCount).toBe(fields);
    expect(header.hash).toBe(claim.blockHash);
    const result = await verifyEvmInclusion(JSON.parse(JSON.stringify(v2)), claim);
    expect(result.format).toBe(EVM_INCLUSION_FORMAT_V2);
    expect(result.blockNumber).toBe(BigInt(claim.blockNumber));
    expect(result.blockHash).toBe(claim.blockHash);
    expect(result.blockTimestamp).toBe(BigInt(Date.parse(claim.blockTime) / 1000));
    expect(result.blockTime).toBe(new Date(claim.blockTime).toISOString());
    expect(result.anchorer).toBe(r.chain.anchorer.toLowerCase());
    expect(result.txHash).toBe(txHash.toLowerCase());
    expect(result.codeHash).toBe(r.chain.deployment.codeHash);
    expect(KNOWN_ANCHOR_CODE_HASHES.has(result.codeHash!)).toBe(true);
    expect(isKnownAnchorCode(result.codeHash!)).toBe(true);
  }, 60_000);

  it("captures, for a look-alike contract that emits the same Anchored event, a proof that verifies but proves a code hash no trusted build has", async () => {
    const root = randomRoot();
    const { address, txHash, claim } = await anchorWithLookalike(r, root, 9);
    const inclusion = await captureAt(r, address)(txHash, batchOf(claim));
    expect(inclusion.format).toBe(EVM_INCLUSION_FORMAT_V2);
    const result = await verifyEvmInclusion(inclusion, claim);
    expect(result.codeHash).toBe(keccak256(LOOKALIKE_RUNTIME));
    expect(isKnownAnchorCode(result.codeHash!)).toBe(false);
    expect(isKnownAnchorCode(result.codeHash!, [result.codeHash!.toUpperCase()])).toBe(true); // only when the user names it
    // The look-alike's proof names nothing about the genuine contract: held to it, the log check fails.
    await expect(verifyEvmInclusion(inclusion, { ...claim, contract: r.chain.deployment.address.toLowerCase() as Hex })).rejects.toMatchObject({
      code: "LOG_ADDRESS_MISMATCH",
    });
  }, 60_000);

  it("captures, for someone else's deployment of the genuine bytecode, a proof of the known build's code hash at that other address", async () => {
    const other = await ensureDeployment({
      deployer: new NonceManager(devWallet(4).connect(r.provider)),
      anchorers: [devWallet(1).address],
      deploymentsDir: join(r.dir, "other-deployments"),
    });
    expect(other.address.toLowerCase()).not.toBe(r.chain.deployment.address.toLowerCase());
    const chain = await connectChain({ config: r.chain.config, deployment: other, signer: devWallet(1) });
    try {
      const root = randomRoot();
      const { txHash, claim } = await anchorInBusyBlock({ ...r, chain }, root, 4, 1, 1);
      expect(claim.contract).toBe(other.address.toLowerCase());
      const result = await verifyEvmInclusion(await createInclusionCapture(chain)(txHash, batchOf(claim)), claim);
      expect(result.codeHash).toBe(r.chain.deployment.codeHash);
      expect(isKnownAnchorCode(result.codeHash!)).toBe(true);
    } finally {
      chain.close();
    }
  }, 60_000);

  it("captures the same proof from a node that serves no raw transactions, " +
    "re-encoding legacy, EIP-2930 and EIP-1559 transactions from their JSON", async () => {
    const root = randomRoot();
    await r.provider.send("evm_setAutomine", [false]);
    const sender = new NonceManager(devWallet(5).connect(r.provider));
    await sender.sendTransaction({ type: 0, to: Wallet.createRandom().address, value: 1n, gasPrice: 2_000_000_000n });
    await sender.sendTransaction({
      type: 1,
      to: Wallet.createRandom().address,
      value: 1n,
      gasPrice: 2_000_000_000n,
      accessList: [{ address: r.chain.deployment.address, storageKeys: [`0x${"00".repeat(31)}01`] }],
    });
    await r.chain.broadcast((await r.chain.signAnchor(root, 3, await r.chain.pendingNonce())).rawTx);
    await sender.sendTransaction({ type: 2, to: Wallet.createRandom().address, value: 1n, data: "0x1234" });
    await r.provider.send("evm_mine", []);
    await r.provider.send("evm_setAutomine", [true]);
    const mined = (await r.chain.findAnchored(root))!;
    const claim: EvmInclusionClaim = {
      contract: r.chain.deployment.address.toLowerCase() as Hex,
      txHash: mined.txHash.toLowerCase() as Hex,
      blockNumber: mined.blockNumber,
      blockHash: mined.blockHash.toLowerCase() as Hex,
      blockTime: mined.blockTime,
      proof: { root, treeSize: 3 },
    };
    const types = ((await r.provider.send("eth_getBlockByHash", [mined.blockHash, true])) as { transactions: { type: string }[] }).transactions.map((t) =>
      Number(t.type),
    );
    expect(types.sort()).toEqual([0, 1, 2, 2]); // in the order anvil chose (by fee)
    const refused: string[] = [];
    const provider = Object.create(r.provider, {
      send: {
        value: async (method: string, params: unknown[]) => {
          if (method === "eth_getRawTransactionByHash") {
            refused.push(method);
            throw new Error("the method eth_getRawTransactionByHash does not exist/is not available");
          }
          return r.provider.send(method, params);
        },
      },
    }) as JsonRpcProvider;
    const withRaw = await createInclusionCapture(r.chain)(mined.txHash, batchOf(claim));
    const withoutRaw = await createInclusionCapture({ ...r.chain, provider } as ChainClient)(mined.txHash, batchOf(claim));
    expect(refused.length).toBeGreaterThan(0);
    expect(withoutRaw).toEqual(withRaw);
    expect((await verifyEvmInclusion(withoutRaw, claim)).codeHash).toBe(r.chain.deployment.codeHash);
  }, 60_000);

  it("refuses to capture for a batch whose root is not in the transaction's logs", async () => {
    const root = randomRoot();
    const { txHash, claim } = await anchorInBusyBlock(r, root, 3, 0, 0);
    await expect(createInclusionCapture(r.chain)(txHash, { ...batchOf(claim), root: randomRoot() })).rejects.toMatchObject({ code: "LOG_ROOT_MISMATCH" });
    await expect(
      createInclusionCapture(r.chain)(txHash, {
        root,
        treeSize: 3,
        blockNumber: claim.blockNumber,
        blockHash: `0x${"ab".repeat(32)}`,
        blockTime: claim.blockTime,
      }),
    ).rejects.toThrow(/the batch says/);
  }, 60_000);
});

describe("createInclusionCapture on anvil, for an anchor whose block is no longer the newest", () => {
  it("still captures evm-receipt-proof/2 after later anchors and a restart when anvil preserves historical states", async () => {
    const r = await rig(undefined);
    let devchain = r.devchain;
    try {
      const root = randomRoot();
      const { txHash, claim } = await anchorInBusyBlock(r, root, 5, 1, 1);
      // Later anchors change the contract's storage root: the account at the anchoring block is not the latest.
      for (let i = 0; i < 3; i++) await anchorInBusyBlock(r, randomRoot(), 2, 0, 0);
      r.chain.close();
      r.provider.destroy();
      await devchain.stop();
      devchain = await startDevChain({ dataDir: join(r.dir, "chain"), port: r.devchain.port });
      const provider = new JsonRpcProvider(devchain.rpcUrl, devchain.chainId, { staticNetwork: true, cacheTimeout: -1 });
      const chain = await connectChain({ config: r.chain.config, deployment: r.chain.deployment, signer: devWallet(1) });
      try {
        const latest = (await provider.send("eth_getProof", [claim.contract, [], "latest"])) as { storageHash: string };
        const inclusion = await createInclusionCapture(chain)(txHash, batchOf(claim));
        expect(inclusion.format).toBe(EVM_INCLUSION_FORMAT_V2);
        expect((inclusion as EvmInclusionV2).account.storageRoot).not.toBe(latest.storageHash.toLowerCase());
        const result = await verifyEvmInclusion(inclusion, claim);
        expect(result.codeHash).toBe(r.chain.deployment.codeHash);
      } finally {
        chain.close();
        provider.destroy();
      }
    } finally {
      await devchain.stop();
      rmSync(r.dir, { recursive: true, force: true });
    }
  }, 120_000);

  it("falls back to evm-receipt-proof/1 (header + receipt proof, still verified) when the node keeps no historical state", async () => {
    const r = await rig(undefined, () => startPrunedAnvil(undefined));
    try {
      const root = randomRoot();
      const { txHash, claim } = await anchorInBusyBlock(r, root, 5, 1, 1);
      for (let i = 0; i < 3; i++) await anchorInBusyBlock(r, randomRoot(), 2, 0, 0);
      const inclusion = await createInclusionCapture(r.chain)(txHash, batchOf(claim));
      expect(inclusion.format).toBe(EVM_INCLUSION_FORMAT);
      expect(Object.keys(inclusion).sort()).toEqual(["format", "header", "proof", "receipt", "txIndex"]);
      const result = await verifyEvmInclusion(inclusion, claim);
      expect(result.codeHash).toBeUndefined();
      expect(result.txHash).toBeUndefined();
      // The newest block's state is still there: an anchor in it gets the full proof.
      const fresh = await anchorInBusyBlock(r, randomRoot(), 3, 0, 0);
      expect((await createInclusionCapture(r.chain)(fresh.txHash, batchOf(fresh.claim))).format).toBe(EVM_INCLUSION_FORMAT_V2);
    } finally {
      r.chain.close();
      r.provider.destroy();
      await r.devchain.stop();
      rmSync(r.dir, { recursive: true, force: true });
    }
  }, 120_000);
});
