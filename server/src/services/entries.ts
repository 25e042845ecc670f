/**
 * The API's view of an entry: its record, where it is anchored, and its status history (derived from
 * the times its batches changed state, so history costs no extra writes).
 */
import type { EntryView } from "@priorproof/client-sdk/api";
import type { EntryBatch, EntryRecord, ReplicaRecord } from "../store/types.ts";

export type { EntryView };

export function describeEntry(entry: EntryRecord, batches: readonly EntryBatch[], replicas: readonly ReplicaRecord[] = []): EntryView {
  const history: { status: string; at: string; chainId?: number }[] = [{ status: "pending", at: entry.receivedAt }];
  for (const { batch } of batches) {
    history.push({ status: "batched", at: batch.createdAt, chainId: batch.chainId });
    if (batch.anchoredAt && (batch.status === "anchored" || batch.status === "confirmed"))
      history.push({ status: "anchored", at: batch.anchoredAt, chainId: batch.chainId });
    if (batch.confirmedAt && batch.status === "confirmed") history.push({ status: "confirmed", at: batch.confirmedAt, chainId: batch.chainId });
  }
  history.sort((a, b) => a.at.localeCompare(b.at));
  return {
    id: entry.id,
    sha256: entry.sha256,
    sha3_256: entry.sha3_256,
    size: entry.size,
    name: entry.name,
    mediaType: entry.mediaType,
    cid: entry.cid,
    cidProfile: entry.cidProfile,
    pinStatus: entry.pinStatus as EntryView["pinStatus"],
    public: entry.public === true,
    replicas: replicas.map((r) => ({ kind: r.kind, target: r.target, status: r.status, attempts: r.attempts, lastError: r.lastError, updatedAt: r.updatedAt })),
    pinAttempts: entry.pinAttempts,
    pinError: entry.pinError,
    encryption: entry.encryption ? { scheme: entry.encryption, contentSha256: entry.contentSha256 } : null,
    claim: entry.claim ? (JSON.parse(entry.claim) as Record<string, unknown>) : null,
    leafHash: entry.leafHash,
    status: entry.status,
    receivedAt: entry.receivedAt,
    anchors: batches.map(({ batch }) => ({
      chainId: batch.chainId,
      batchId: batch.id,
      status: batch.status,
      root: batch.root,
      txHash: batch.txHash,
      blockNumber: batch.blockNumber,
      blockTime: batch.blockTime,
    })),
    history,
  };
}
