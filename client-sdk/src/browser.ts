/**
 * The browser entry of @priorproof/client-sdk: hashing, stamping (the REST client), receipts, the
 * Merkle tree and receipt verification, small enough for a design tool's plugin. The heavy parts load
 * on demand, each as its own chunk of the bundle (a dynamic `import()`):
 * - the offline block-header proof (`@ethereumjs` RLP and tries): `verifyEvmInclusion`, or all of
 *   evm-inclusion.ts through `loadEvmInclusion()`; `verifyReceipt` loads it at its first offline proof;
 * - chain readers over JSON-RPC (ethers): `loadChainReaders()`;
 * - RFC 3161 tokens and signatures (pkijs, asn1js): `loadTsa()`.
 * Node-only file hashing is in `@priorproof/client-sdk/node`.
 */
// The public names of index.ts whose modules are light enough to load up front (docs/sdk.md, "Public API").
// Bytes and hashing.
export { fromHex, toHex } from "./bytes.ts";
export { type ByteSource, type HashOptions, type HashResult, parseDigest, sha256Blob, sha256Bytes, sha256Stream } from "./hash.ts";
export type { Hex } from "./receipt.ts";

// Stamping and waiting.
export {
  createClient,
  ENTRY_STATUSES,
  type ClientOptions,
  type DigestAnchor,
  type DigestInput,
  type DigestLookup,
  type Entry,
  type EntryAnchor,
  type EntryEvent,
  type EntryPage,
  type EntryStatus,
  type PriorProofClient,
  type StampItem,
  type SubmitFilesOptions,
  type SubmitOptions,
  type UploadFile,
  type WaitOptions,
} from "./client.ts";

// Claims.
export { ASSET_KINDS, type AssetKind, type Claim, type JsonValue } from "./leaf.ts";
export type { ClaimSignature, CmsClaimSignature, Eip712ClaimSignature } from "./receipt.ts";

// Receipts.
export {
  type Anchor,
  type EvmAnchor,
  parseReceipt,
  parseReceiptJson,
  type Receipt,
  RECEIPT_VERSION,
  RECEIPT_VERSION_2,
  type ReceiptProof,
  receiptProblems,
  type ReceiptSubject,
  type ReceiptV1,
  type ReceiptV2,
  type Rfc3161Anchor,
} from "./receipt.ts";

// Verification and the verdict.
export {
  type Check,
  type Checkpoint,
  type CheckStatus,
  type EvmInclusionVerifier,
  parseVerdict,
  type TimestampVerifier,
  type Verdict,
  VERDICT_JSON_SCHEMA,
  type VerdictWarning,
  type VerifyOptions,
  verifyReceipt,
  type Witness,
} from "./verify.ts";
export type { ChainReader } from "./chain-reader.ts";
export type { ChainReaderOptions } from "./anchor.ts";

// Trust inputs.
export { KNOWN_ANCHOR_CODE_HASHES } from "./trust/builds.ts";
export { parseUtcTime, timeBound } from "./trust/time.ts";

// Merkle tree and leaf.
export { hashChildren, hashLeaf, type InclusionProof, LEAF_PREFIX, MerkleTree, NODE_PREFIX, verifyInclusion } from "./merkle.ts";
export { canonicalJson, claimSha256, encodeLeaf, encodeLeafV2, getLeafHash, LEAF_ENCODING, LEAF_ENCODING_V2, signatureSha256 } from "./leaf.ts";

// Offline proofs (types here; the code loads on demand, below).
export type { EvmInclusion, EvmInclusionError, EvmInclusionErrorCode, EvmInclusionResult } from "./evm-inclusion.ts";

// Client-side encryption.
export {
  type ContentKey,
  contentKeyFrom,
  decryptStream,
  type EncryptOptions,
  EncryptionError,
  type EncryptionErrorCode,
  encryptStream,
  type EnvelopeHeader,
  formatContentKey,
  generateContentKey,
  parseEnvelopeHeader,
} from "./encrypt.ts";
export { type EncryptedUpload, submitEncryptedFile } from "./encrypted-upload.ts";

// Errors.
export {
  AnchorError,
  type AnchorErrorCode,
  type GeneralErrorCode,
  InputError,
  type InputErrorCode,
  PkiError,
  type PkiErrorCode,
  PriorProofError,
  ProofError,
  type ProofErrorCode,
  ServiceError,
  type ServiceErrorCode,
  SignatureError,
  type SignatureErrorCode,
  TimestampRejectedError,
  TimestampTokenError,
  type TimestampTokenErrorCode,
} from "./errors.ts";

// Loaded on demand.
export { verifyEvmInclusion } from "./evm-inclusion-lazy.ts";

/**
 * The offline EVM proof module (evm-inclusion.ts: `verifyEvmInclusion`, `decodeBlockHeader`,
 * `isKnownAnchorCode`, `EVM_INCLUSION_LIMITS`…), loaded on first call.
 *
 * @example
 * const { decodeBlockHeader } = await loadEvmInclusion();
 */
export const loadEvmInclusion = () => import("./evm-inclusion.ts");

/**
 * Chain readers over JSON-RPC (anchor.ts: `createChainReader`, `cachedChainReader`), loaded on first call.
 *
 * @example
 * const { createChainReader } = await loadChainReaders();
 * await verifyReceipt(doc, { chains: { "11155111": createChainReader("https://rpc.sepolia.org") } });
 */
export const loadChainReaders = () => import("./anchor.ts");

/**
 * RFC 3161 and certificate-path checks (tsa.ts: `createTimestampVerifier`, `verifyTimestampToken`…), loaded on first call.
 *
 * @example
 * const { createTimestampVerifier } = await loadTsa();
 */
export const loadTsa = () => import("./tsa.ts");
