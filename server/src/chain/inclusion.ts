/**
 * Captures the offline inclusion proof of a mined anchor (`evm-receipt-proof/1`, see
 * client-sdk/src/evm-inclusion.ts and docs/receipt.md): the block header, RLP-encoded with every field
 * of the fork in force; the anchor transaction's receipt as the receipt trie holds it; and the
 * Merkle-Patricia proof of that receipt under the header's `receiptsRoot`.
 *
 * Nothing is trusted as given: the header is rebuilt from the node's fields with @ethereumjs/block and
 * must hash to the node's block hash; the receipt trie is rebuilt from every receipt of the block with
 * @ethereumjs/mpt and must have the header's receiptsRoot; finally the SDK's own offline verifier must
 * accept the result for the batch. Anything that does not check throws, and nothing is stored.
 */
import { createBlockHeaderFromRPC, type JSONRPCBlock } from "@ethereumjs/block";
import { Mainnet, createCustomCommon, type Hardfork } from "@ethereumjs/common";
import { MerklePatriciaTrie, createMerkleProof } from "@ethereumjs/mpt";
import { RLP } from "@ethereumjs/rlp";
import { bigIntToUnpaddedBytes, bytesToHex, concatBytes, equalsBytes, hexToBytes } from "@ethereumjs/util";
import { EVM_INCLUSION_FORMAT, type EvmInclusion, type Hex, verifyEvmInclusion } from "@priorproof/client-sdk";
import type { ChainClient } from "./client.ts";

/** A receipt as eth_getBlockReceipts / eth_getTransactionReceipt return it (the fields the trie needs). */
interface RpcReceipt {
  readonly transactionHash: string;
  readonly transactionIndex: string;
  readonly blockHash: string;
  readonly type?: string;
  readonly status?: string;
  /** Pre-Byzantium intermediate state root instead of a status. */
  readonly root?: string;
  readonly cumulativeGasUsed: string;
  readonly logsBloom: string;
  readonly logs: readonly { readonly address: string; readonly topics: readonly string[]; readonly data: string }[];
}

/** What the capture checks the proof against: the batch as the anchorer recorded it. */
export interface AnchoredBatch {
  readonly root: string;
  readonly treeSize: number;
  readonly blockNumber: number | null;
  readonly blockHash: string | null;
  readonly blockTime: string | null;
}

/**
 * The hardfork whose header shape matches the fields the node returned: each fork only appends fields,
 * so the newest field present names it (the header's hash is checked against the node's afterwards).
 */
export function hardforkOfHeader(block: Record<string, unknown>): `${Hardfork}` {
  if (block.requestsHash !== undefined) return "prague";
  if (block.parentBeaconBlockRoot !== undefined) return "cancun";
  if (block.withdrawalsRoot !== undefined) return "shanghai";
  if (block.baseFeePerGas !== undefined) return BigInt(String(block.difficulty ?? "0x0")) === 0n ? "paris" : "london";
  return "berlin";
}

/**
 * Rebuilds a block header from a JSON-RPC block (eth_getBlockByHash) and returns its RLP; throws
 * unless it hashes to the block's `hash`.
 *
 * @example
 * const rlp = encodeHeaderFromRpc(await provider.send("eth_getBlockByHash", [hash, false]), 31337);
 */
export function encodeHeaderFromRpc(block: Record<string, unknown>, chainId: number): Uint8Array {
  const common = createCustomCommon({ chainId }, Mainnet, { hardfork: hardforkOfHeader(block) });
  // Consensus rules (difficulty, extra data of PoW chains) are not ours to judge: the hash is the check.
  const header = createBlockHeaderFromRPC(block as unknown as JSONRPCBlock, { common, skipConsensusFormatValidation: true });
  const hash = bytesToHex(header.hash());
  if (hash !== String(block.hash).toLowerCase()) {
    throw new Error(`rebuilt header of block ${String(block.number)} hashes to ${hash}, the node says ${String(block.hash)} (unsupported header fields?)`);
  }
  return header.serialize();
}

/**
 * A receipt's consensus encoding, as the receipt trie holds it: `type ‖ RLP([status, cumulativeGasUsed,
 * logsBloom, logs])` for typed transactions (EIP-2718), the RLP list alone for legacy ones.
 *
 * @example
 * encodeReceipt(await provider.send("eth_getTransactionReceipt", [txHash]))
 */
export function encodeReceipt(r: RpcReceipt): Uint8Array {
  // EIP-658: 0x01 success, empty bytes failure; before Byzantium the 32-byte state root.
  const status = r.root !== undefined && r.status === undefined ? hexToBytes(r.root as Hex) : BigInt(r.status ?? "0x0") === 1n ? Uint8Array.of(1) : new Uint8Array();
  const payload = RLP.encode([
    status,
    bigIntToUnpaddedBytes(BigInt(r.cumulativeGasUsed)),
    hexToBytes(r.logsBloom as Hex),
    r.logs.map((l) => [hexToBytes(l.address as Hex), l.topics.map((t) => hexToBytes(t as Hex)), hexToBytes(l.data as Hex)]),
  ]);
  const type = Number(r.type ?? "0x0");
  return type === 0 ? payload : concatBytes(Uint8Array.of(type), payload);
}

/**
 * Builds the receipt trie of a block (key RLP(index), value the receipt's encoding) and the proof of
 * receipt `txIndex`; throws unless the trie's root is `receiptsRoot`.
 *
 * @example
 * const { proof, receipt } = await proveReceipt(receipts, 3, header.receiptTrie);
 */
export async function proveReceipt(receipts: readonly Uint8Array[], txIndex: number, receiptsRoot: Uint8Array): Promise<{ proof: Uint8Array[]; receipt: Uint8Array }> {
  const trie = new MerklePatriciaTrie();
  for (const [i, r] of receipts.entries()) await trie.put(RLP.encode(i), r);
  if (!equalsBytes(trie.root(), receiptsRoot)) {
    throw new Error(`the block's ${receipts.length} receipts build root ${bytesToHex(trie.root())}, the header says ${bytesToHex(receiptsRoot)}`);
  }
  const receipt = receipts[txIndex];
  if (!receipt) throw new Error(`no receipt at index ${txIndex} among ${receipts.length}`);
  return { proof: await createMerkleProof(trie, RLP.encode(txIndex)), receipt };
}

/**
 * The `captureInclusion` of the anchorer for one chain: reads the block and every receipt of the
 * anchor's block from the node, rebuilds and checks header and trie, and returns the inclusion section
 * only once the SDK's offline verifier accepts it for `batch`.
 *
 * @example
 * createAnchorer({ store, chain, captureInclusion: createInclusionCapture(chain) });
 */
export function createInclusionCapture(chain: ChainClient): (txHash: string, batch: AnchoredBatch) => Promise<EvmInclusion> {
  const { provider } = chain;
  return async (txHash, batch) => {
    const tx = (await provider.send("eth_getTransactionReceipt", [txHash])) as RpcReceipt | null;
    if (!tx) throw new Error(`no receipt for ${txHash}`);
    if (batch.blockHash && tx.blockHash.toLowerCase() !== batch.blockHash.toLowerCase()) {
      throw new Error(`transaction ${txHash} is in block ${tx.blockHash}, the batch says ${batch.blockHash}`);
    }
    const block = (await provider.send("eth_getBlockByHash", [tx.blockHash, false])) as (Record<string, unknown> & { transactions: string[] }) | null;
    if (!block) throw new Error(`block ${tx.blockHash} not found`);
    const header = encodeHeaderFromRpc(block, chain.config.chainId);

    let receipts: RpcReceipt[] | null = null;
    try {
      receipts = (await provider.send("eth_getBlockReceipts", [tx.blockHash])) as RpcReceipt[] | null;
    } catch {
      receipts = null; // not every node serves it: one call per transaction instead
    }
    if (!receipts) {
      receipts = [];
      for (const h of block.transactions) {
        const r = (await provider.send("eth_getTransactionReceipt", [h])) as RpcReceipt | null;
        if (!r) throw new Error(`no receipt for ${h} of block ${tx.blockHash}`);
        receipts.push(r);
      }
    }
    if (receipts.length !== block.transactions.length) throw new Error(`block ${tx.blockHash} has ${block.transactions.length} transactions but ${receipts.length} receipts`);
    receipts.forEach((r, i) => {
      if (Number(r.transactionIndex) !== i || r.blockHash.toLowerCase() !== String(block.hash).toLowerCase()) throw new Error(`receipt ${i} of block ${tx.blockHash} is out of place`);
    });
    const txIndex = Number(tx.transactionIndex);
    const receiptsRoot = hexToBytes(String(block.receiptsRoot) as Hex);
    const { proof, receipt } = await proveReceipt(receipts.map(encodeReceipt), txIndex, receiptsRoot);
    const inclusion: EvmInclusion = {
      format: EVM_INCLUSION_FORMAT,
      header: bytesToHex(header) as Hex,
      txIndex,
      receipt: bytesToHex(receipt) as Hex,
      proof: proof.map((n) => bytesToHex(n) as Hex),
    };

    // The same check a verifier will run, against what the receipt will state.
    if (batch.blockNumber === null || !batch.blockHash || !batch.blockTime) throw new Error(`batch of root ${batch.root} is not anchored yet`);
    await verifyEvmInclusion(inclusion, {
      contract: chain.deployment.address.toLowerCase() as Hex,
      blockNumber: batch.blockNumber,
      blockHash: batch.blockHash.toLowerCase() as Hex,
      blockTime: batch.blockTime,
      proof: { root: batch.root as Hex, treeSize: batch.treeSize },
    });
    return inclusion;
  };
}
