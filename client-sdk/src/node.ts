/**
 * The Node entry of @priorproof/client-sdk: the browser-safe SDK (index.ts) plus what needs Node —
 * streamed file hashing, signing keys from PEM/PKCS#12 files, watching a folder, verifying many receipts
 * on worker threads. Listed on purpose and documented in docs/sdk.md ("Public API").
 */
export * from "./index.ts";

// File hashing: a file streamed from disk.
export { type FileHashOptions, sha256File } from "./hash-node.ts";

// Signing keys: Node KeyObjects, PEM and PKCS#12 files as claim signers.
export { nodeSigningKey, pemClaimSigner, pkcs12ClaimSigner } from "./signature/node.ts";

// Watch: stamp every new or changed file in a folder.
export { watch, WATCH_DEFAULT_IGNORES, type WatchOptions, type WatchResult } from "./watch.ts";

// Batch verify: many receipts, on worker threads (verifyBatch) or in this thread (verifyReceiptBatch).
export {
  type BatchItem,
  type BatchOptions,
  type BatchOutcome,
  type BatchResult,
  type BatchSummary,
  summarize,
  verifyBatch,
  verifyReceiptBatch,
} from "./verify-batch.ts";
