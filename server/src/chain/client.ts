/**
 * One EVM chain as the anchorer and the receipts service use it: signs `anchor(root, treeSize)`
 * transactions with explicit nonces and EIP-1559 fees (so a signed transaction can be stored before it
 * is broadcast, and replaced with the same nonce), reads anchors, receipts, blocks and events.
 */
import { Contract, Interface, JsonRpcProvider, type Signer, Transaction, type Wallet, type HDNodeWallet } from "ethers";
import { evidenceAnchorArtifact } from "./artifact.ts";
import type { Deployment } from "./deploy.ts";

export interface ChainConfig {
  readonly chainId: number;
  readonly name: string;
  /** A development chain (anvil): receipts say it has no evidential value. */
  readonly development: boolean;
  readonly rpcUrl: string;
  /** RPC URL to suggest to the public (the verify page); defaults to `rpcUrl`. */
  readonly publicRpcUrl?: string;
  /** Blocks deep before entries are `confirmed`. */
  readonly confirmations: number;
  /** Block explorer base URL (…/tx/<hash>, …/block/<n>), if the chain has one. */
  readonly explorerUrl?: string;
}

export interface SignedAnchorTx {
  readonly txHash: string;
  readonly rawTx: string;
  readonly nonce: number;
  readonly maxFeePerGas: bigint;
  readonly maxPriorityFeePerGas: bigint;
}

export interface MinedAnchor {
  readonly txHash: string;
  readonly blockNumber: number;
  readonly blockHash: string;
  readonly blockTime: string;
}

export interface ChainClient {
  readonly config: ChainConfig;
  readonly deployment: Deployment;
  readonly provider: JsonRpcProvider;
  readonly anchorer: string;
  getAnchor(root: string): Promise<{ timestamp: bigint; blockNumber: bigint; treeSize: bigint }>;
  /** The `Anchored` event of `root`, when the root is on chain. */
  findAnchored(root: string): Promise<MinedAnchor | undefined>;
  pendingNonce(): Promise<number>;
  /** Signs anchor(root, treeSize) with `nonce`; `feeBump` multiplies the current fees (replacement). */
  signAnchor(root: string, treeSize: number, nonce: number, feeBump?: number): Promise<SignedAnchorTx>;
  /** Broadcasts a signed transaction; a node that already knows it is not an error. */
  broadcast(rawTx: string): Promise<void>;
  getReceipt(txHash: string): Promise<{ status: number; blockNumber: number; blockHash: string } | undefined>;
  getBlock(blockNumber: number): Promise<{ hash: string; timestamp: number } | undefined>;
  getBlockNumber(): Promise<number>;
  close(): void;
}

const ANCHORED_TOPIC = new Interface(evidenceAnchorArtifact().abi).getEvent("Anchored")!.topicHash;

/**
 * Connects to a chain whose contract is deployed (see deploy.ts) with the anchorer's signer.
 *
 * @example
 * const chain = await connectChain({ config, deployment, signer: wallet });
 */
export async function connectChain(options: { config: ChainConfig; deployment: Deployment; signer: Wallet | HDNodeWallet }): Promise<ChainClient> {
  const { config, deployment } = options;
  // No response cache (ethers keeps results 250 ms by default): a pending nonce read right after a send must be fresh.
  const provider = new JsonRpcProvider(config.rpcUrl, config.chainId, { staticNetwork: true, batchMaxCount: 1, cacheTimeout: -1 });
  provider.pollingInterval = 500;
  const signer = options.signer.connect(provider) as Signer & (Wallet | HDNodeWallet);
  const iface = new Interface(evidenceAnchorArtifact().abi);
  const registry = new Contract(deployment.address, iface, provider);
  const anchorer = await signer.getAddress();
  const blockTime = async (blockNumber: number) => {
    const b = await provider.getBlock(blockNumber);
    if (!b?.hash) throw new Error(`block ${blockNumber} not found`);
    return { hash: b.hash, time: new Date(b.timestamp * 1000).toISOString() };
  };

  const getAnchor = async (root: string) => {
    const a = (await registry.getFunction("getAnchor")(root)) as { timestamp: bigint; blockNumber: bigint; treeSize: bigint };
    return { timestamp: BigInt(a.timestamp), blockNumber: BigInt(a.blockNumber), treeSize: BigInt(a.treeSize) };
  };

  return {
    config,
    deployment,
    provider,
    anchorer,
    getAnchor,
    async findAnchored(root) {
      const a = await getAnchor(root);
      if (a.timestamp === 0n) return undefined;
      const logs = await provider.getLogs({
        address: deployment.address,
        topics: [ANCHORED_TOPIC, root],
        fromBlock: Number(a.blockNumber),
        toBlock: Number(a.blockNumber),
      });
      const log = logs[0];
      if (!log) return undefined;
      const b = await blockTime(log.blockNumber);
      return { txHash: log.transactionHash, blockNumber: log.blockNumber, blockHash: log.blockHash, blockTime: b.time };
    },
    async pendingNonce() {
      return provider.getTransactionCount(anchorer, "pending");
    },
    async signAnchor(root, treeSize, nonce, feeBump = 1) {
      const fees = await provider.getFeeData();
      const block = await provider.getBlock("latest");
      const baseFee = block?.baseFeePerGas ?? fees.gasPrice ?? 1_000_000_000n;
      const priority = fees.maxPriorityFeePerGas ?? 1_000_000_000n;
      const bump = BigInt(Math.round(feeBump * 1000));
      const maxPriorityFeePerGas = (priority * bump) / 1000n;
      const maxFeePerGas = ((baseFee * 2n + priority) * bump) / 1000n;
      const data = iface.encodeFunctionData("anchor", [root, treeSize]);
      const gasLimit = 80_000n; // anchor() uses about 49k; the margin covers a storage-cost change
      const tx = Transaction.from({
        type: 2,
        chainId: config.chainId,
        to: deployment.address,
        data,
        nonce,
        gasLimit,
        maxFeePerGas,
        maxPriorityFeePerGas,
        value: 0n,
      });
      const rawTx = await signer.signTransaction(tx);
      return { txHash: Transaction.from(rawTx).hash as string, rawTx, nonce, maxFeePerGas, maxPriorityFeePerGas };
    },
    async broadcast(rawTx) {
      try {
        await provider.send("eth_sendRawTransaction", [rawTx]);
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        if (/already known|already imported|known transaction/i.test(message)) return;
        throw e;
      }
    },
    async getReceipt(txHash) {
      const r = await provider.getTransactionReceipt(txHash);
      return r ? { status: r.status ?? 0, blockNumber: r.blockNumber, blockHash: r.blockHash } : undefined;
    },
    async getBlock(blockNumber) {
      const b = await provider.getBlock(blockNumber);
      return b?.hash ? { hash: b.hash, timestamp: b.timestamp } : undefined;
    },
    async getBlockNumber() {
      // Straight from the node: ethers caches getBlockNumber() for a polling interval.
      return Number(await provider.send("eth_blockNumber", []));
    },
    close() {
      provider.destroy();
    },
  };
}
