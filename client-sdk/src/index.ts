/**
 * @priorproof/client-sdk — hash locally, stamp, wait, and verify PriorProof receipts without the
 * PriorProof server. This entry has no Node built-ins (it runs in browsers and in Node);
 * `@priorproof/client-sdk/node` adds the Node-only file hashing, signing keys, watch and batch verify.
 *
 * The public surface, listed on purpose: every name here is documented in docs/sdk.md ("Public API"),
 * and test/client-sdk/public-surface.test.ts keeps the two equal. Everything else is internal and is
 * imported by its module path (`@priorproof/client-sdk/internal/<module>` or `client-sdk/src/<module>.ts`).
 */

// Bytes and hashing: SHA-256 of bytes, Blobs and streams, hex in and out.
export { fromHex, toHex } from "./bytes.ts";
export { type ByteSource, type HashOptions, type HashResult, parseDigest, sha256Blob, sha256Bytes, sha256Stream } from "./hash.ts";
export type { Hex } from "./receipt.ts";

// Stamping and waiting: the REST client of a PriorProof service.
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

// Claims and signed claims: what is stamped with a digest, and who signed it.
export { ASSET_KINDS, type AssetKind, type Claim, type JsonValue } from "./leaf.ts";
export type { ClaimSignature, CmsClaimSignature, Eip712ClaimSignature } from "./receipt.ts";
export {
  type ClaimSignatureTrust,
  type ClaimSignatureVerifier,
  type ClaimSigner,
  type ClaimToSign,
  createClaimSignatureVerifier,
  describeSignedIdentity,
  type SignedIdentity,
  signClaim,
  verifyClaimSignature,
} from "./signature/index.ts";
export { buildStatement, type StatementFacts } from "./signature/statement.ts";
export { type CmsSigningKey, webCryptoSigningKey } from "./signature/cms.ts";
export type { TypedDataSigner } from "./signature/eip712.ts";

// Receipts: types, strict parsing, and receipts embedded in a certificate PDF.
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
export { extractReceipts } from "./certificate-pdf.ts";

// Verification and the verdict: verifyReceipt, its options and outcome, the verdict's JSON Schema.
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
export { cachedChainReader, type ChainReader } from "./chain-reader.ts";
export { type ChainReaderOptions, createChainReader } from "./anchor.ts";

// Trust inputs: strict JSON, chains, operator deployments, known contract builds, time bounds.
export { parseStrictJson } from "./trust/ijson.ts";
export { type ChainInfo, type ChainRegistry, createChainRegistry, DEFAULT_CHAIN_REGISTRY } from "./trust/chains.ts";
export { type OperatorDeployment, parseDeployments } from "./trust/deployments.ts";
export { KNOWN_ANCHOR_CODE_HASHES } from "./trust/builds.ts";
export { parseUtcTime, timeBound } from "./trust/time.ts";

// Merkle tree and leaf: recompute a receipt's leaf and root independently (RFC 9162, priorproof-leaf/1 and /2).
export { hashChildren, hashLeaf, type InclusionProof, LEAF_PREFIX, MerkleTree, NODE_PREFIX, verifyInclusion } from "./merkle.ts";
export { canonicalJson, claimSha256, encodeLeaf, encodeLeafV2, getLeafHash, LEAF_ENCODING, LEAF_ENCODING_V2, signatureSha256 } from "./leaf.ts";

// Offline proofs: EVM block-header inclusion, RFC 3161 tokens, certificate paths.
export {
  decodeBlockHeader,
  decodeTransaction,
  decodeTransactionReceipt,
  EVM_INCLUSION_LIMITS,
  type EvmInclusion,
  EvmInclusionError,
  type EvmInclusionErrorCode,
  type EvmInclusionResult,
  isKnownAnchorCode,
  verifyEvmInclusion,
} from "./evm-inclusion.ts";
export { createTimestampVerifier, opensslVerifyCommands } from "./tsa/receipt.ts";
export { verifyTimestampToken } from "./tsa/token.ts";
export {
  buildCertificationPath,
  type CertificateFacts,
  type CertificationPath,
  describeCertificate,
  parseCertificate,
  PathBuildingError,
  type PathOptions,
} from "./pki/index.ts";

// Web captures: request captures of a URL and verify a capture's parts against its receipt.
export { type Capture, type CaptureClient, type CaptureSchedule, type CaptureStatus, createCaptureClient } from "./capture-client.ts";
export { CaptureError, type CaptureErrorCode, type CaptureManifest, type CaptureVerdict, type VerifyCaptureInput, verifyCapture } from "./capture.ts";

// Client-side encryption: content keys, the streamed envelope, and an encrypted upload.
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

// Errors: the base class, one class per family, and each family's code union (docs/errors.md).
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
