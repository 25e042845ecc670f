/**
 * The shapes of a receipt, version 1 and 2 (docs/receipt.md, docs/design/format-v2.md): subject,
 * leaf, anchors (EVM, RFC 3161), the claimant's signature.
 */
import type { EvmInclusion } from "../evm-inclusion.ts";
import type { Claim, LEAF_ENCODING, LEAF_ENCODING_V2 } from "../leaf.ts";

export const RECEIPT_VERSION = "priorproof-receipt/1";
export const RECEIPT_VERSION_2 = "priorproof-receipt/2";

export type Hex = `0x${string}`;

/** The inclusion of the leaf in the anchored batch tree. */
export interface ReceiptProof {
  readonly root: Hex;
  readonly treeSize: number;
  readonly index: number;
  readonly path: readonly Hex[];
}

/** What the receipt says was stamped. */
export interface ReceiptSubject {
  readonly sha256: Hex;
  /** A second digest of another family (SHA3-256), present when the service saw the bytes. */
  readonly sha3_256?: Hex;
  readonly size?: number;
  /** File name as submitted. */
  readonly name?: string;
  readonly mediaType?: string;
  /** IPFS CID of the stored bytes and the import profile that recomputes it. */
  readonly cid?: string;
  readonly cidProfile?: string;
  readonly encrypted?: boolean;
}

/** An EVM chain's witness: the root is in the contract's storage since `blockNumber`. */
export interface EvmAnchor {
  readonly type: "evm";
  readonly proof: ReceiptProof;
  readonly chainId: number;
  readonly chainName: string;
  /** True for a development chain (anvil): no evidential value. */
  readonly development: boolean;
  readonly contract: Hex;
  readonly deployTxHash?: Hex;
  readonly deployBlock?: number;
  readonly txHash: Hex;
  readonly blockNumber: number;
  readonly blockHash: Hex;
  /** Block timestamp, UTC ISO-8601 (the chain holds it as Unix seconds). */
  readonly blockTime: string;
  /** Depth of the block when the receipt was issued, and the depth the operator calls final. */
  readonly confirmations: number;
  readonly requiredConfirmations: number;
  readonly explorerUrl?: string;
  /** Block header and receipt-trie proof, for verification with no RPC (optional; see evm-inclusion.ts). */
  readonly inclusion?: EvmInclusion;
}

/** An RFC 3161 time-stamp token over the batch root. */
export interface Rfc3161Anchor {
  readonly type: "rfc3161";
  readonly proof: ReceiptProof;
  readonly tsaUrl?: string;
  /** base64 DER of the TimeStampToken (CMS ContentInfo). */
  readonly token: string;
  readonly genTime: string;
  readonly serial: string;
  readonly policy: string;
  readonly tsa: { readonly subject: string; readonly issuer: string; readonly serial: string; readonly sha256Fingerprint: string };
  readonly qualified: boolean;
}

export type Anchor = EvmAnchor | Rfc3161Anchor;

/** priorproof-receipt/1 */
export interface ReceiptV1 {
  readonly version: typeof RECEIPT_VERSION;
  /** Entry id at the issuing service. */
  readonly id: string;
  readonly subject: ReceiptSubject;
  readonly claim?: Claim;
  /** `salt`: the entry's 16 random bytes (32 hex digits), which make every leaf unique. */
  readonly leaf: { readonly encoding: typeof LEAF_ENCODING; readonly claimSha256: Hex | null; readonly salt: Hex; readonly hash: Hex };
  /** The service record: not evidence of time (the anchors are). */
  readonly service: {
    readonly operator: string;
    readonly url?: string;
    /** When the service received the entry — its own clock, NOT the evidence. */
    readonly receivedAt: string;
    readonly requestId?: string;
    readonly software: string;
  };
  readonly anchors: readonly Anchor[];
  readonly issuedAt: string;
}

/**
 * A claimant's signature over the statement (see signature/statement.ts), committed in leaf/2:
 * CMS detached SignedData (RFC 5652) or an EIP-712 typed-data signature.
 */
export interface CmsClaimSignature {
  readonly format: "cms/1";
  /** RFC 3339 UTC time the signer states it signed (part of the signed statement; not evidence of time). */
  readonly signedAt: string;
  /** base64 DER ContentInfo(SignedData), detached over UTF-8(statement). */
  readonly cms: string;
}
export interface Eip712ClaimSignature {
  readonly format: "eip712/1";
  readonly signedAt: string;
  /** The signing account, 0x + 40 hex digits. */
  readonly signer: Hex;
  /** EIP-712 domain chain id. */
  readonly chainId: number;
  /** 65-byte r ‖ s ‖ v, lower-case 0x hex. */
  readonly value: Hex;
}
export type ClaimSignature = CmsClaimSignature | Eip712ClaimSignature;

/** The leaf object of priorproof-receipt/2 (priorproof-leaf/2). */
export interface LeafV2 {
  readonly encoding: typeof LEAF_ENCODING_V2;
  readonly sha3_256: Hex | null;
  readonly claimSha256: Hex | null;
  readonly signatureSha256: Hex | null;
  readonly salt: Hex;
  readonly hash: Hex;
}

/** priorproof-receipt/2: as /1, with a priorproof-leaf/2 leaf and an optional claimant signature. */
export interface ReceiptV2 extends Omit<ReceiptV1, "version" | "leaf"> {
  readonly version: typeof RECEIPT_VERSION_2;
  readonly leaf: LeafV2;
  readonly signature?: ClaimSignature;
}

/** Any receipt version this SDK reads. */
export type Receipt = ReceiptV1 | ReceiptV2;

/** Largest `signature.cms` accepted (base64 characters): a chain of a few certificates plus revocation data. */
export const MAX_CMS_SIGNATURE_BASE64 = 131_072;

/** Anchors per receipt (docs/receipt.schema.json `maxItems`): a bound on a verifier's work. */
export const MAX_ANCHORS = 16;
