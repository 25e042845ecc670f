/**
 * The certificate's words, per language. Legal text lives in packs.ts (chosen by jurisdiction, not by
 * language); this module holds everything else. Section numbers never appear here: sections.ts
 * numbers the sections that a configuration actually has and passes `ref(key)` for cross-references.
 */
import type { AssetKind } from "@priorproof/client-sdk";
import { GET_ANCHOR, VERIFY_INCLUSION } from "./contract.ts";
import { ZH_CN } from "./i18n-zh.ts";

export type CertificateLanguage = "en" | "zh-CN";

/** A cross-reference to another section by its key ("section 4" / "第四部分"). */
export type Ref = (key: SectionKey) => string;

export type SectionKey =
  | "subject"
  | "capture"
  | "claim"
  | "signature"
  | "service"
  | "anchors"
  | "tsa"
  | "proof"
  | "lineage"
  | "statements"
  | "jurisdiction"
  | "verify"
  | "identity";

export interface StepFacts {
  readonly sha: string;
  readonly root: string;
  readonly leaf: string;
  readonly index: number;
  readonly treeSize: number;
  readonly chainId: number;
  readonly contract: string;
  readonly block: number;
  readonly hash: string;
  readonly tx: string;
  /** The leaf encoding the receipt names (`priorproof-leaf/1` or `/2`). */
  readonly leafEncoding: string;
}

export interface Strings {
  readonly title: string;
  readonly lineageTitle: string;
  readonly portfolioTitle: string;
  readonly dev: string;
  /** The boxed headline: what is proven, by when, and who submitted it. */
  readonly summary: (a: { bound: string; witness: string; tenant: string; claimant: string | undefined; ref: Ref }) => string;
  readonly certId: string;
  readonly page: string;
  readonly sectionTitle: (n: number, title: string) => string;
  readonly sectionRef: (n: number) => string;
  readonly heads: Record<SectionKey, string>;
  readonly kinds: Record<AssetKind, string>;
  readonly chainLabel: (name: string, chainId: number, development: boolean) => string;
  /** The name of a chain configured without one (`chain <id>`). */
  readonly unnamedChain: (chainId: number) => string;
  /** Printed in place of the placeholder operator of an instance without OPERATOR. */
  readonly operatorUnset: string;
  readonly witnessEvm: (block: number, chain: string) => string;
  readonly witnessTsa: (tsa: string) => string;
  readonly bytes: string;
  readonly yes: string;
  readonly no: string;
  readonly none: string;
  readonly truncated: string;
  readonly newlineNote: string;
  readonly l: {
    name: string;
    size: string;
    media: string;
    sha256: string;
    sha3: string;
    cid: string;
    cidProfile: string;
    stored: string;
    storedYes: string;
    storedNo: string;
    storedEncrypted: string;
    cidEncrypted: string;
    encryptedNote: string;
    cTitle: string;
    cKind: string;
    cAuthor: string;
    cClaimant: string;
    cPrevious: string;
    cAi: string;
    cNote: string;
    claimNone: string;
    aiKey: string;
    aiValue: string;
    sigFormat: string;
    sigSignedAt: string;
    sigSigner: string;
    sigChain: string;
    sigValue: string;
    sigNote: string;
    sigSubject: string;
    sigIssuer: string;
    sigSerial: string;
    sigValidity: string;
    sigTrust: string;
    sigTrusted: (anchor: string, at: string) => string;
    sigUntrusted: string;
    sigInvalid: (code: string) => string;
    operator: string;
    submittedBy: string;
    submittedByNote: string;
    received: string;
    requestId: string;
    software: string;
    issued: string;
    certificateIssued: string;
    chain: string;
    contract: string;
    deployTx: string;
    tx: string;
    blockNumber: string;
    blockHash: string;
    blockTime: string;
    localTime: string;
    bound: string;
    depth: string;
    final: string;
    notFinal: string;
    required: string;
    explorer: string;
    offline: string;
    offlineValue: string;
    lookup: string;
    lookupValue: (block: number, chainId: number, hash: string) => string;
    explorerBlock: string;
    tsa: string;
    tsaIssuer: string;
    tsaSerial: string;
    tsaFp: string;
    genTime: string;
    serial: string;
    policy: string;
    qualified: string;
    stamped: string;
    proofOf: (chain: string) => string;
    leafEnc: string;
    claimDigest: string;
    salt: string;
    leafHash: string;
    index: string;
    treeSize: string;
    pathNode: string;
    root: string;
    version: string;
    versionOf: (n: number, total: number) => string;
    thisVersion: string;
    entry: string;
    status: string;
    anchorsCol: string;
  };
  /** One plain sentence on why the bound is later than the block time. */
  readonly timeWhy: (toleranceSeconds: number, received: string) => string;
  readonly tsaTime: string;
  readonly statements: {
    proves: (ref: Ref) => string;
    notProves: (ref: Ref) => string;
    submitted: (tenant: string, ref: Ref) => string;
    practice: (ref: Ref) => string;
    operatorLine: (operator: string) => string;
    neutrality: string;
  };
  readonly steps: (a: StepFacts, ref: Ref) => string[];
  readonly offlineStep: (a: { chainId: number; block: number; hash: string }) => string;
  readonly tsaStep: string;
  readonly manual: string;
  readonly attachments: string;
  readonly identity: (a: { id: string; json: string }) => string[];
  readonly qr: string;
  readonly unconfigured: (variable: string) => string;
  readonly generated: string;
  readonly portfolioIntro: (tenant: string, count: number, filter: string) => string;
  readonly lineageIntro: (count: number) => string;
}

const num = (n: number) => String(n);

export const EN: Strings = {
  title: "Evidence timestamp certificate",
  lineageTitle: "Evidence timestamp certificate — version history",
  portfolioTitle: "Evidence portfolio report",
  dev: "DEVELOPMENT CHAIN — NO EVIDENTIAL VALUE",
  summary: (a) =>
    `A file whose SHA-256 digest is the value below existed no later than ${a.bound} (UTC) — ${a.witness}; ${a.ref("anchors")} explains the bound. ` +
    `It was submitted to this service by the account "${a.tenant}"` +
    (a.claimant ? `; the claimant it declares is "${a.claimant}" (declared, not verified: ${a.ref("claim")})` : "") +
    `.`,
  certId: "Certificate",
  page: "page",
  sectionTitle: (n, title) => `${num(n)}. ${title}`,
  sectionRef: (n) => `section ${num(n)}`,
  heads: {
    subject: "The file (subject)",
    capture: "Web capture (what this service's browser recorded)",
    claim: "Claim — declared by the submitter, not verified by anyone",
    signature: "Signature over the claim",
    service: "Service record (who submitted it, when the service received it)",
    anchors: "Anchors on the blockchain (the evidence of time)",
    tsa: "RFC 3161 time-stamp token (independent witness)",
    proof: "Inclusion proof (RFC 9162 Merkle tree, SHA-256)",
    lineage: "Earlier versions (lineage)",
    statements: "Statements",
    jurisdiction: "",
    verify: "How to verify with public tools (no PriorProof needed)",
    identity: "What the certificate number identifies",
  },
  kinds: { design: "design", trademark: "trademark", "ai-image": "AI-generated image", source: "source code", other: "other" },
  chainLabel: (name, chainId, development) =>
    `${name === `chain ${chainId}` ? name : `${name} — chain id ${chainId}`}${development ? " — development chain, no evidential value" : ""}`,
  unnamedChain: (chainId) => `chain ${chainId}`,
  operatorUnset: "not configured (OPERATOR is unset on this instance)",
  witnessEvm: (block, chain) => `block ${block} of ${chain}`,
  witnessTsa: (tsa) => `the RFC 3161 time stamp of ${tsa}`,
  bytes: "bytes",
  yes: "yes",
  no: "no",
  none: "none",
  truncated: "(shortened here; the full text is in the attached receipt.json)",
  newlineNote: "¶ marks a line break in the submitted text.",
  l: {
    name: "File name as submitted",
    size: "Size",
    media: "Media type",
    sha256: "SHA-256",
    sha3: "SHA3-256 (second hash family)",
    cid: "IPFS CID",
    cidProfile: "CID import profile",
    stored: "Content stored by the service",
    storedYes: "yes (private to the submitting account unless it publishes it)",
    storedNo: "no (hash-only stamp: the file never left the submitter)",
    storedEncrypted: "yes, encrypted by the submitter before upload (priorproof-aead/1, AES-256-GCM); the service never held the key",
    cidEncrypted: "IPFS CID (of the encrypted content)",
    encryptedNote:
      "The digests above are those of the original file: they are the evidence, committed on chain, and a verifier checks them against the " +
      "original file. The service stored only the encrypted form, named by the IPFS CID; it cannot read it. Whoever holds the submitter's key can " +
      "fetch the encrypted content by that CID and decrypt it: the result hashes to the SHA-256 above.",
    cTitle: "Title",
    cKind: "Asset kind",
    cAuthor: "Author",
    cClaimant: "Claimant",
    cPrevious: "Previous version (SHA-256)",
    cAi: "AI process record",
    cNote: "Note",
    claimNone: "No claim was submitted with this file.",
    aiKey: "Field",
    aiValue: "Value",
    sigFormat: "Signature format",
    sigSignedAt: "Signed at (the signer's own statement)",
    sigSigner: "Signer",
    sigChain: "Signer's chain id",
    sigValue: "Signature value",
    sigNote: "The signature is checked by the verifier against trust anchors the verifier chooses; this page only reproduces it.",
    sigSubject: "Signer (certificate subject)",
    sigIssuer: "Issued by",
    sigSerial: "Certificate serial",
    sigValidity: "Certificate validity",
    sigTrust: "Trust anchor",
    sigTrusted: (anchor, at) => `${anchor} (this service's signer CA list), certificates judged at ${at}`,
    sigUntrusted:
      "none configured at this service: the signature holds over the digest and claim, but who issued the signer's certificate must be checked " +
      "against a CA the verifier chooses",
    sigInvalid: (code) => `The signature did not verify when this certificate was issued (${code}).`,
    operator: "Operator",
    submittedBy: "Submitted by (account at this service)",
    submittedByNote: "the account that called the service, recorded by the service; distinct from the declared claimant and from any signer",
    received: "Received by the service (its own clock — not the evidence of time)",
    requestId: "Request id",
    software: "Software",
    issued: "Receipt issued",
    certificateIssued: "Certificate issued",
    chain: "Chain",
    contract: "Contract (EvidenceAnchor)",
    deployTx: "Contract deployment transaction",
    tx: "Anchoring transaction",
    blockNumber: "Block number",
    blockHash: "Block hash",
    blockTime: "Block time (UTC, as set by the block producer)",
    localTime: "Block time (local)",
    bound: "Existed no later than (UTC, conservative bound)",
    depth: "Confirmations when issued",
    final: "final",
    notFinal: "not yet final",
    required: "required",
    explorer: "Explorer",
    offline: "Offline proof",
    offlineValue: "block header and receipt-trie proof in receipt.json: they show the anchor in the block with the hash below, with no node needed",
    lookup: "The one fact to look up",
    lookupValue: (block, chainId, hash) => `block ${block} of chain ${chainId} has hash ${hash}`,
    explorerBlock: "Look it up",
    tsa: "Time-stamping authority",
    tsaIssuer: "TSA certificate issuer",
    tsaSerial: "TSA certificate serial",
    tsaFp: "TSA certificate SHA-256 fingerprint",
    genTime: "Time stamped (genTime)",
    serial: "Token serial",
    policy: "Policy OID",
    qualified: "Qualified (ETSI EN 319 422), as stated by the receipt",
    stamped: "Data stamped (the batch root)",
    proofOf: (chain) => `Proof for ${chain}`,
    leafEnc: "Leaf encoding",
    claimDigest: "Claim digest",
    salt: "Leaf salt (random, per entry)",
    leafHash: "Leaf hash",
    index: "Leaf index",
    treeSize: "Tree size",
    pathNode: "Path node",
    root: "Root (anchored)",
    version: "Version",
    versionOf: (n, total) => `Version ${n} of ${total}`,
    thisVersion: "this document's subject",
    entry: "Entry",
    status: "Status",
    anchorsCol: "Anchors",
  },
  timeWhy: (tol, received) =>
    `Why the bound is later than the block time: a block time is a whole second chosen by the block producer within this chain's tolerance ` +
    `of ${tol} s, and the service received the file at ${received}, so the bound is the block time plus that tolerance, never earlier than any time ` +
    `the service recorded, rounded up to the whole second.`,
  tsaTime: "An RFC 3161 genTime is the authority's own clock; the bound adds nothing to it but the service's receive time, whichever is later.",
  statements: {
    proves: (ref) =>
      `What this proves: the file with the SHA-256 digest in ${ref("subject")}, together with the claim in ${ref("claim")}, existed no later than ` +
      `the bound stated in ${ref("anchors")}. Changing a single bit of the file changes the digest, so no other file matches it.`,
    notProves: (ref) =>
      `What this does not prove: who created the file, who owns it or any right in it, that it was published or disclosed, or that the claim ` +
      `in ${ref("claim")} is true. The service's receive time is not evidence of time.`,
    submitted: (tenant, ref) =>
      `Who held the file: the account "${tenant}" submitted this digest to the service (${ref("service")}). That is the service's record of its ` +
      `own customer; it is not a statement about who created or owns the file.`,
    practice: (ref) =>
      `System description and regular practice: PriorProof records each submitted digest in a Merkle tree, anchors the tree's root on the chain ` +
      `named in ${ref("anchors")} through a contract that records each root once and never overwrites it, and issues this certificate from that ` +
      `record in the regular course of its operation. The verification steps in ${ref("verify")} need no cooperation from the operator.`,
    operatorLine: (operator) => `Operator of this service: ${operator}.`,
    neutrality: "Operator statement — relationship to the claimant and to the submitting account (to be completed and signed by the operator):",
  },
  steps: (a, ref) => [
    `Compute the file's SHA-256: "sha256sum FILE" (Linux/macOS) or "certutil -hashfile FILE SHA256" (Windows); it must equal ${a.sha}.`,
    `Rebuild the leaf: ` +
      (a.leafEncoding === "priorproof-leaf/2"
        ? "SHA-256(0x00 || 0x02 || SHA-256(file) || SHA3-256(file) || claim digest || signature digest || salt), an absent digest being 32 zero bytes"
        : "SHA-256(0x00 || 0x01 || SHA-256(file) || claim digest || salt)") +
      `, where || joins bytes; it must equal the leaf hash in ${ref("proof")}. Fold the path of ${ref("proof")} (RFC 9162 §2.1.3.2) to obtain the ` +
      `root ${a.root}.`,
    `Find transaction ${a.tx} and block ${a.block} (hash ${a.hash}) on chain ${a.chainId} in two independent block explorers or any RPC node: ` +
      `eth_getTransactionReceipt must show status 1 and an Anchored log of contract ${a.contract} carrying the root; eth_getBlockByHash gives the ` +
      `block time.`,
    `Call the contract's view verifyInclusion(bytes32 leafHash, uint256 index, uint256 treeSize, bytes32[] path, bytes32 root), ` +
      `selector ${VERIFY_INCLUSION.selector}, at ${a.contract} (an explorer's "Read contract" tab, or eth_call); it returns (bool included, uint64 ` +
      `anchoredAt). getAnchor(bytes32 root), selector ${GET_ANCHOR.selector}, returns the struct (uint64 timestamp, uint64 blockNumber, uint64 ` +
      `treeSize), three 32-byte words.`,
    `Or run the open-source verifier: priorproof verify FILE receipt.json --rpc <RPC URL> (receipt.json is attached to this PDF), or open the ` +
      `verification page of the QR code and drop the file and this PDF.`,
  ],
  offlineStep: (a) =>
    `With no network: priorproof verify FILE receipt.json --offline checks the block header and receipt proof in receipt.json; the one fact left ` +
    `to look up is that block ${a.block} of chain ${a.chainId} has hash ${a.hash} (any explorer or RPC node; or ` +
    `--checkpoint ${a.chainId}:${a.block}:${a.hash} once you have confirmed it there).`,
  tsaStep:
    "RFC 3161 token: extract token.tsr from this PDF's attachments (pdfdetach -saveall), take the TSA's certificates out of it (openssl pkcs7 " +
    "-inform DER -in token.tsr -print_certs -out tsa.pem) and run: openssl ts -verify -digest <root hex without 0x> -token_in -in token.tsr -CAfile " +
    "<the TSA's root certificate, obtained independently> -untrusted tsa.pem.",
  manual:
    "Every command, with the exact JSON-RPC calls and their byte layout, is in the expert's manual docs/verify-by-hand.md of the open-source " +
    "PriorProof repository.",
  attachments:
    "Attached to this PDF (PDF/A-3 associated files): receipt.json (the machine-verifiable receipt, relationship Source) and, when present, the " +
    "RFC 3161 token(s).",
  identity: (a) => [
    `The certificate number ${a.id} identifies the evidence, not this copy: the entry, the file's digest, the leaf and every anchor. Every ` +
      `download and every language of this certificate carries the same number; the issuance time and the confirmations are printed separately and do ` +
      `not change it.`,
    "Recompute it: take the first 16 hex digits (upper case, grouped 4-4-4-4) of the SHA-256 of this exact text (RFC 8785 canonical JSON, UTF-8):",
    a.json,
  ],
  qr: "Scan to verify (the file is hashed in your browser, never uploaded):",
  unconfigured: (v) => `This instance has no ${v} configured: this certificate is for development use only.`,
  generated: "Generated",
  portfolioIntro: (tenant, count, filter) =>
    `All ${count} entries of the account "${tenant}"` +
    (filter ? ` matching ${filter}` : "") +
    `, in the order received. Each anchored entry's receipt is attached (receipt-<entry>.json) and verifies on its own.`,
  lineageIntro: (count) =>
    `${count} versions of one work, linked by the "previous version" digest each version's claim declares. Each version has its own proof below ` +
    `and its own receipt attached (receipt-<n>.json).`,
};

export const STRINGS: Record<CertificateLanguage, Strings> = { en: EN, "zh-CN": ZH_CN };
