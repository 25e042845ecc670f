/**
 * The API's view of an entry: its record, where it is anchored, and its status history (derived from
 * the times its batches changed state, so history costs no extra writes).
 */
import type { EntryBatch, EntryRecord, ReplicaRecord } from "../store/types.ts";

export interface EntryView {
  readonly id: string;
  readonly sha256: string;
  readonly sha3_256: string | null;
  readonly size: number | null;
  readonly name: string | null;
  readonly mediaType: string | null;
  readonly cid: string | null;
  readonly cidProfile: string | null;
  readonly pinStatus: string;
  /** Copies of the content at remote pinners (empty without stored content or configured pinners). */
  readonly replicas: { kind: string; target: string; status: string; attempts: number; lastError: string | null; updatedAt: string }[];
  /** IPFS import attempts so far (0 for hash-only stamps). */
  readonly pinAttempts: number;
  /** Stable code of the last failed attempt (IPFS_UNAVAILABLE, SPOOL_MISMATCH), else null. */
  readonly pinError: string | null;
  readonly claim: Record<string, unknown> | null;
  readonly leafHash: string;
  readonly status: string;
  readonly receivedAt: string;
  readonly anchors: { chainId: number; batchId: number; status: string; root: string; txHash: string | null; blockNumber: number | null; blockTime: string | null }[];
  readonly history: { status: string; at: string; chainId?: number }[];
}

export function describeEntry(entry: EntryRecord, batches: readonly EntryBatch[], replicas: readonly ReplicaRecord[] = []): EntryView {
  const history: EntryView["history"] = [{ status: "pending", at: entry.receivedAt }];
  for (const { batch } of batches) {
    history.push({ status: "batched", at: batch.createdAt, chainId: batch.chainId });
    if (batch.anchoredAt && (batch.status === "anchored" || batch.status === "confirmed")) history.push({ status: "anchored", at: batch.anchoredAt, chainId: batch.chainId });
    if (batch.confirmedAt && batch.status === "confirmed") history.push({ status: "confirmed", at: batch.confirmedAt, chainId: batch.chainId });
  }
  history.sort((a, b) => a.at.localeCompare(b.at));
  return {
    id: entry.id, sha256: entry.sha256, sha3_256: entry.sha3_256, size: entry.size, name: entry.name, mediaType: entry.mediaType,
    cid: entry.cid, cidProfile: entry.cidProfile, pinStatus: entry.pinStatus,
    replicas: replicas.map((r) => ({ kind: r.kind, target: r.target, status: r.status, attempts: r.attempts, lastError: r.lastError, updatedAt: r.updatedAt })),
    pinAttempts: entry.pinAttempts, pinError: entry.pinError,
    claim: entry.claim ? (JSON.parse(entry.claim) as Record<string, unknown>) : null,
    leafHash: entry.leafHash, status: entry.status, receivedAt: entry.receivedAt,
    anchors: batches.map(({ batch }) => ({
      chainId: batch.chainId, batchId: batch.id, status: batch.status, root: batch.root, txHash: batch.txHash,
      blockNumber: batch.blockNumber, blockTime: batch.blockTime,
    })),
    history,
  };
}
