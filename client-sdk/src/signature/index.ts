/**
 * Claimant signatures (issue 16): sign the statement where the key lives (`signClaim`), and verify a
 * receipt's signature against trust the VERIFIER chose (`verifyClaimSignature`,
 * `createClaimSignatureVerifier` for `verifyReceipt`'s `signature` option). The signed identity comes
 * back as plain data (`SignedIdentity`) for the CLI, the verify page and the certificate to print.
 * No I/O. Node keys (PEM, KeyObject, PKCS#12) are in signature/node.ts (`@priorproof/client-sdk/node`).
 */
import { fromHex, isHex32, toHex } from "../bytes.ts";
import { SignatureError } from "../errors.ts";
import type { Claim } from "../leaf.ts";
import type { ClaimSignature, CmsClaimSignature, Receipt, ReceiptV2 } from "../receipt.ts";
import type { CertificateFacts } from "../pki/certificate.ts";
import { type CmsSigningKey, createCmsSignature, type RevocationReport, verifyCmsSignature, webCryptoSigningKey } from "./cms.ts";
import { signEip712Statement, type TypedDataSigner, verifyEip712Statement } from "./eip712.ts";
import { statementBytes, type StatementFacts, statementOfReceipt } from "./statement.ts";

export * from "./statement.ts";
export * from "./cms.ts";
export * from "./eip712.ts";

/** What signs: a CMS key with its certificate chain, or an Ethereum account. */
export type ClaimSigner =
  | {
      readonly format: "cms/1";
      /** A WebCrypto private key or any `CmsSigningKey` (see signature/node.ts for Node keys). */
      readonly key: CmsSigningKey | CryptoKey;
      /** The signer's certificate first, then intermediates (DER). */
      readonly certificates: readonly Uint8Array[];
      readonly crls?: readonly Uint8Array[];
      readonly ocspResponses?: readonly Uint8Array[];
    }
  | { readonly format: "eip712/1"; readonly signer: TypedDataSigner; readonly chainId: number };

/** What is signed: the file's digests and the claim that will be stamped with it. */
export interface ClaimToSign {
  readonly sha256: Uint8Array | string;
  readonly sha3_256?: Uint8Array | string;
  readonly claim?: Claim;
  /** RFC 3339 UTC; default now (whole seconds). */
  readonly signedAt?: string;
}

function hexDigest(v: Uint8Array | string, what: string): string {
  if (typeof v === "string") {
    const h = v.toLowerCase().startsWith("0x") ? `0x${v.slice(2).toLowerCase()}` : `0x${v.toLowerCase()}`;
    if (!isHex32(h)) throw new SignatureError("INVALID_ARGUMENT", `${what} is not 32 bytes of hex`);
    return h;
  }
  return toHex(fromHex(toHex(v), 32));
}

function isCmsSigningKey(k: CmsSigningKey | CryptoKey): k is CmsSigningKey {
  return typeof (k as CmsSigningKey).sign === "function" && typeof (k as CmsSigningKey).algorithm === "string";
}

/**
 * Signs the statement of a file and claim before stamping, where the key lives; returns the
 * `signature` to send with the stamp (it is committed in the leaf).
 *
 * @example
 * const signature = await signClaim({ sha256: digest, claim }, { format: "cms/1", key, certificates: [signerDer, intermediateDer] });
 * await pp.stampDigests([{ sha256: digest, claim, signature }]);
 */
export async function signClaim(input: ClaimToSign, signer: ClaimSigner): Promise<ClaimSignature> {
  const facts: StatementFacts = {
    sha256: hexDigest(input.sha256, "sha256"),
    ...(input.sha3_256 !== undefined ? { sha3_256: hexDigest(input.sha3_256, "sha3_256") } : {}),
    ...(input.claim !== undefined ? { claim: input.claim } : {}),
    signedAt: input.signedAt ?? new Date().toISOString().replace(/\.\d{3}Z$/, "Z"),
  };
  if (signer.format === "eip712/1") return signEip712Statement(facts, signer.signer, signer.chainId);
  const key = isCmsSigningKey(signer.key) ? signer.key : webCryptoSigningKey(signer.key);
  const cms = await createCmsSignature(statementBytes(facts), {
    key,
    certificates: signer.certificates,
    ...(signer.crls ? { crls: signer.crls } : {}),
    ...(signer.ocspResponses ? { ocspResponses: signer.ocspResponses } : {}),
  });
  return { format: "cms/1", signedAt: facts.signedAt, cms } satisfies CmsClaimSignature;
}

/** The signed identity, as plain data to print (CLI, verify page, certificate). */
export type SignedIdentity =
  | {
      readonly kind: "x509";
      readonly format: "cms/1";
      /** The signer's own statement of when it signed (not evidence of time). */
      readonly signedAt: string;
      readonly signer: CertificateFacts;
      readonly chain: readonly CertificateFacts[];
      /** The trust anchor the verifier chose and the path reached. */
      readonly trustAnchor: CertificateFacts;
      /** The time the certificates were judged at (the anchor's proven time). */
      readonly validAt: string;
      readonly revocation: RevocationReport;
    }
  | {
      readonly kind: "ethereum";
      readonly format: "eip712/1";
      readonly signedAt: string;
      readonly account: string;
      readonly chainId: number;
      /** Whether the verifier pinned the accounts it trusts (else any valid account passes). */
      readonly pinned: boolean;
    };

export interface ClaimSignatureTrust {
  /** DER CA certificates the verifier trusts for X.509 signers (`--signer-ca`). */
  readonly trustAnchors?: readonly Uint8Array[];
  /** EIP-712 chain ids the verifier accepts (default any). */
  readonly eip712ChainIds?: readonly number[];
  /** Ethereum accounts the verifier trusts (default any, reported as not pinned). */
  readonly trustedAccounts?: readonly string[];
}

/**
 * Verifies a receipt's claimant signature over the statement rebuilt from the receipt, with the
 * certificates judged at `at` (the anchor's proven time, which the caller established). Throws
 * `SignatureError` / `PkiError` with their codes; returns the signed identity.
 *
 * @example
 * const identity = await verifyClaimSignature(receipt, new Date(verdict.existedNoLaterThan), { trustAnchors: [caDer] });
 */
export async function verifyClaimSignature(receipt: Receipt, at: Date, trust: ClaimSignatureTrust): Promise<SignedIdentity> {
  const signature = receipt.version === "priorproof-receipt/2" ? receipt.signature : undefined;
  if (!signature) throw new SignatureError("SIGNATURE_INVALID", "the receipt carries no claimant signature");
  const facts = statementOfReceipt(receipt, signature.signedAt);
  if (signature.format === "eip712/1") {
    const r = verifyEip712Statement(signature, facts, {
      ...(trust.eip712ChainIds ? { chainIds: trust.eip712ChainIds } : {}),
      ...(trust.trustedAccounts ? { trustedAccounts: trust.trustedAccounts } : {}),
    });
    return { kind: "ethereum", format: "eip712/1", signedAt: signature.signedAt, ...r };
  }
  if (signature.format === "cms/1") {
    const r = await verifyCmsSignature(signature.cms, statementBytes(facts), { trustAnchors: trust.trustAnchors ?? [], at });
    return { kind: "x509", format: "cms/1", signedAt: signature.signedAt, ...r, validAt: at.toISOString() };
  }
  throw new SignatureError("SIGNATURE_UNSUPPORTED", `unknown signature format ${JSON.stringify((signature as { format?: unknown }).format)}`);
}

/** One line describing a verified signed identity. */
export function describeSignedIdentity(identity: SignedIdentity): string {
  if (identity.kind === "ethereum") {
    return (
      `signed by Ethereum account ${identity.account} (EIP-712, chain ${identity.chainId}` +
      (identity.pinned ? ", trusted by this verifier" : ", account not pinned by this verifier") +
      `); signer says signed at ${identity.signedAt}`
    );
  }
  const s = identity.signer;
  return (
    `signed by ${s.subject} (issuer ${s.issuer}, serial ${s.serial}, valid ${s.notBefore} – ${s.notAfter}) through trust ` +
    `anchor ${identity.trustAnchor.subject}, certificates valid at ${identity.validAt}; ${identity.revocation.detail}; signer says signed ` +
    `at ${identity.signedAt}`
  );
}

/** Verifies the claimant signature of a v2 receipt for `verifyReceipt` (its `signature` option). */
export type ClaimSignatureVerifier = (receipt: ReceiptV2, at: Date) => Promise<{ detail: string; identity: SignedIdentity }>;

/**
 * The `signature` option of `verifyReceipt`, over trust the verifier chose.
 *
 * @example
 * await verifyReceipt(doc, { sha256, chains, signature: createClaimSignatureVerifier({ trustAnchors: [caDer] }) });
 */
export function createClaimSignatureVerifier(trust: ClaimSignatureTrust): ClaimSignatureVerifier {
  return async (receipt, at) => {
    const identity = await verifyClaimSignature(receipt, at, trust);
    return { detail: describeSignedIdentity(identity), identity };
  };
}
