/**
 * Captures the offline inclusion proof of a mined anchor (`evm-receipt-proof/2`, see
 * client-sdk/src/evm-inclusion.ts and docs/receipt.md): the block header, RLP-encoded with every field
 * of the fork in force; the anchor transaction's receipt and the Merkle-Patricia proof of it under the
 * header's `receiptsRoot`; the signed transaction itself and its proof under `transactionsRoot`; and the
 * EIP-1186 account proof of the contract (`eth_getProof`) at the block, under `stateRoot`.
 *
 * Nothing is trusted as given: the header is rebuilt from the node's fields with @ethereumjs/block and
 * must hash to the node's block hash; both tries are rebuilt from every receipt and every transaction
 * of the block with @ethereumjs/mpt and must have the header's roots; every raw transaction must hash to
 * its id; finally the SDK's own offline verifier must accept the result for the batch. Anything that
 * does not check throws, and nothing is stored.
 *
 * One fallback: a node that no longer holds the state of the block (a pruned node, anvil restarted
 * without its historical states) cannot prove the account, and then the capture is the
 * `evm-receipt-proof/1` section (header + receipt proof), which binds the log but neither the
 * transaction nor the contract's code.
 */
import type { JSONRPCBlock } from "@ethereumjs/block";
import type { Hardfork } from "@ethereumjs/common";
import { MerklePatriciaTrie, createMerkleProof } from "@ethereumjs/mpt";
import { RLP } from "@ethereumjs/rlp";
import { bigIntToUnpaddedBytes, bytesToHex, concatBytes, equalsBytes, hexToBytes } from "@ethereumjs/util";
import { EvmInclusionError, type EvmInclusion, type Hex, verifyEvmInclusion } from "@priorproof/client-sdk";
import {
  EVM_INCLUSION_FORMAT,
  EVM_INCLUSION_FORMAT_V2,
  type EvmAccountProof,
  type EvmInclusionClaim,
  type EvmInclusionV1,
} from "@priorproof/client-sdk/internal/evm-inclusion";
import { Transaction, keccak256 } from "ethers";
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
 * const rlp = await encodeHeaderFromRpc(await provider.send("eth_getBlockByHash", [hash, false]), 31337);
 */
export async function encodeHeaderFromRpc(block: Record<string, unknown>, chainId: number): Promise<Uint8Array> {
  // Loaded at the first capture, not at start: an idle node never needs @ethereumjs/block, /tx and /common (~85 modules).
  const [{ createBlockHeaderFromRPC }, { Mainnet, createCustomCommon }] = await Promise.all([import("@ethereumjs/block"), import("@ethereumjs/common")]);
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
  const status =
    r.root !== undefined && r.status === undefined ? hexToBytes(r.root as Hex) : BigInt(r.status ?? "0x0") === 1n ? Uint8Array.of(1) : new Uint8Array();
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
 * Builds a block's trie keyed by RLP(index) (the receipt trie, the transactions trie: Yellow Paper
 * §4.3.1) and the proof of entry `txIndex`; throws unless the trie's root is `root`.
 *
 * @example
 * const { proof, value } = await proveIndexed(rawTransactions, 3, header.transactionsTrie, "transactions");
 */
export async function proveIndexed(
  values: readonly Uint8Array[],
  txIndex: number,
  root: Uint8Array,
  what: string,
): Promise<{ proof: Uint8Array[]; value: Uint8Array }> {
  const trie = new MerklePatriciaTrie();
  for (const [i, v] of values.entries()) await trie.put(RLP.encode(i), v);
  if (!equalsBytes(trie.root(), root)) {
    throw new Error(`the block's ${values.length} ${what} build root ${bytesToHex(trie.root())}, the header says ${bytesToHex(root)}`);
  }
  const value = values[txIndex];
  if (!value) throw new Error(`no ${what} entry at index ${txIndex} among ${values.length}`);
  return { proof: await createMerkleProof(trie, RLP.encode(txIndex)), value };
}

/**
 * Builds the receipt trie of a block (key RLP(index), value the receipt's encoding) and the proof of
 * receipt `txIndex`; throws unless the trie's root is `receiptsRoot`.
 *
 * @example
 * const { proof, receipt } = await proveReceipt(receipts, 3, header.receiptTrie);
 */
export async function proveReceipt(
  receipts: readonly Uint8Array[],
  txIndex: number,
  receiptsRoot: Uint8Array,
): Promise<{ proof: Uint8Array[]; receipt: Uint8Array }> {
  const { proof, value } = await proveIndexed(receipts, txIndex, receiptsRoot, "receipts");
  return { proof, receipt: value };
}

type Send = (method: string, params: unknown[]) => Promise<unknown>;

/**
 * The signed transactions of a block as the transactions trie holds them, each checked to hash to its
 * id: `eth_getRawTransactionByHash` (geth, anvil, most nodes), else re-encoded from the block's JSON
 * transactions with ethers where a node does not serve raw transactions.
 */
async function rawTransactions(send: Send, block: { hash: string; transactions: readonly string[] }): Promise<Uint8Array[]> {
  let raw: (string | null)[];
  try {
    raw = (await Promise.all(block.transactions.map((h) => send("eth_getRawTransactionByHash", [h])))) as (string | null)[];
  } catch {
    const full = (await send("eth_getBlockByHash", [block.hash, true])) as { transactions: Record<string, unknown>[] } | null;
    if (!full) throw new Error(`block ${block.hash} not found`);
    raw = full.transactions.map((t) => {
      try {
        return Transaction.from({
          type: Number(t.type ?? "0x0"),
          chainId: t.chainId === undefined ? undefined : BigInt(t.chainId as string),
          nonce: Number(t.nonce),
          gasLimit: BigInt(t.gas as string),
          gasPrice: t.type === "0x0" || t.type === "0x1" || t.type === undefined ? BigInt(t.gasPrice as string) : undefined,
          maxFeePerGas: t.maxFeePerGas as string | undefined,
          maxPriorityFeePerGas: t.maxPriorityFeePerGas as string | undefined,
          maxFeePerBlobGas: t.maxFeePerBlobGas as string | undefined,
          blobVersionedHashes: t.blobVersionedHashes as string[] | undefined,
          authorizationList: t.authorizationList as never,
          to: (t.to as string | null) ?? null,
          value: BigInt(t.value as string),
          data: t.input as string,
          accessList: t.accessList as never,
          signature: { r: t.r as string, s: t.s as string, v: t.v as string, ...(t.yParity ? { yParity: Number(t.yParity) as 0 | 1 } : {}) },
        }).serialized;
      } catch {
        return null; // an envelope ethers does not know (a deposit transaction): reported below
      }
    });
  }
  return raw.map((r, i) => {
    const id = String(block.transactions[i]).toLowerCase();
    if (typeof r !== "string" || keccak256(r) !== id) throw new Error(`transaction ${i} of block ${block.hash} cannot be re-encoded to its id ${id}`);
    return hexToBytes(r as Hex);
  });
}

/** The contract's account at `blockNumber` (EIP-1186), or undefined when the node no longer holds that state. */
async function accountAt(send: Send, address: string, blockNumber: number): Promise<EvmAccountProof | undefined> {
  let p: { nonce: string; balance: string; storageHash: string; codeHash: string; accountProof: string[] } | null;
  try {
    p = (await send("eth_getProof", [address, [], `0x${blockNumber.toString(16)}`])) as typeof p;
  } catch {
    return undefined;
  }
  if (!p || !Array.isArray(p.accountProof)) return undefined;
  const quantity = (q: string) => `0x${BigInt(q).toString(16)}` as Hex;
  return {
    nonce: quantity(p.nonce),
    balance: quantity(p.balance),
    storageRoot: p.storageHash.toLowerCase() as Hex,
    codeHash: p.codeHash.toLowerCase() as Hex,
    proof: p.accountProof.map((n) => n.toLowerCase() as Hex),
  };
}

/** The SDK codes that say a node served the state of another block than asked (a node without that state). */
const STATE_UNAVAILABLE = new Set(["STATE_ROOT_MISMATCH", "ACCOUNT_PROOF_INVALID", "ACCOUNT_MISMATCH"]);

/**
 * The `captureInclusion` of the anchorer for one chain: reads the block, every receipt and every raw
 * transaction of the anchor's block and the contract's account proof from the node, rebuilds and checks
 * header and tries, and returns the inclusion section only once the SDK's offline verifier accepts it
 * for `batch` (see the module comment for the one fallback to `evm-receipt-proof/1`).
 *
 * @example
 * createAnchorer({ store, chain, captureInclusion: createInclusionCapture(chain) });
 */
export function createInclusionCapture(chain: ChainClient): (txHash: string, batch: AnchoredBatch) => Promise<EvmInclusion> {
  const { provider } = chain;
  const send: Send = (method, params) => provider.send(method, params) as Promise<unknown>;
  return async (txHash, batch) => {
    const tx = (await send("eth_getTransactionReceipt", [txHash])) as RpcReceipt | null;
    if (!tx) throw new Error(`no receipt for ${txHash}`);
    if (batch.blockHash && tx.blockHash.toLowerCase() !== batch.blockHash.toLowerCase()) {
      throw new Error(`transaction ${txHash} is in block ${tx.blockHash}, the batch says ${batch.blockHash}`);
    }
    const block = (await send("eth_getBlockByHash", [tx.blockHash, false])) as (Record<string, unknown> & { hash: string; transactions: string[] }) | null;
    if (!block) throw new Error(`block ${tx.blockHash} not found`);
    const header = await encodeHeaderFromRpc(block, chain.config.chainId);

    let receipts: RpcReceipt[] | null = null;
    try {
      receipts = (await send("eth_getBlockReceipts", [tx.blockHash])) as RpcReceipt[] | null;
    } catch {
      receipts = null; // not every node serves it: one call per transaction instead
    }
    if (!receipts) {
      receipts = [];
      for (const h of block.transactions) {
        const r = (await send("eth_getTransactionReceipt", [h])) as RpcReceipt | null;
        if (!r) throw new Error(`no receipt for ${h} of block ${tx.blockHash}`);
        receipts.push(r);
      }
    }
    if (receipts.length !== block.transactions.length)
      throw new Error(`block ${tx.blockHash} has ${block.transactions.length} transactions but ${receipts.length} receipts`);
    receipts.forEach((r, i) => {
      if (Number(r.transactionIndex) !== i || r.blockHash.toLowerCase() !== String(block.hash).toLowerCase())
        throw new Error(`receipt ${i} of block ${tx.blockHash} is out of place`);
    });
    const txIndex = Number(tx.transactionIndex);
    const receiptsRoot = hexToBytes(String(block.receiptsRoot) as Hex);
    const { proof, receipt } = await proveReceipt(receipts.map(encodeReceipt), txIndex, receiptsRoot);
    const v1: EvmInclusionV1 = {
      format: EVM_INCLUSION_FORMAT,
      header: bytesToHex(header) as Hex,
      txIndex,
      receipt: bytesToHex(receipt) as Hex,
      proof: proof.map((n) => bytesToHex(n) as Hex),
    };

    // The same check a verifier will run, against what the receipt will state.
    if (batch.blockNumber === null || !batch.blockHash || !batch.blockTime) throw new Error(`batch of root ${batch.root} is not anchored yet`);
    const claim: EvmInclusionClaim = {
      contract: chain.deployment.address.toLowerCase() as Hex,
      txHash: txHash.toLowerCase() as Hex,
      blockNumber: batch.blockNumber,
      blockHash: batch.blockHash.toLowerCase() as Hex,
      blockTime: batch.blockTime,
      proof: { root: batch.root as Hex, treeSize: batch.treeSize },
    };

    const txs = await rawTransactions(send, block);
    const txProof = await proveIndexed(txs, txIndex, hexToBytes(String(block.transactionsRoot) as Hex), "transactions");
    const account = await accountAt(send, claim.contract, Number(block.number));
    if (account) {
      const v2: EvmInclusion = {
        ...v1,
        format: EVM_INCLUSION_FORMAT_V2,
        tx: bytesToHex(txProof.value) as Hex,
        txProof: txProof.proof.map((n) => bytesToHex(n) as Hex),
        account,
      };
      try {
        await verifyEvmInclusion(v2, claim);
        return v2;
      } catch (e) {
        if (!(e instanceof EvmInclusionError && STATE_UNAVAILABLE.has(e.code))) throw e;
      }
    }
    await verifyEvmInclusion(v1, claim);
    return v1;
  };
}
