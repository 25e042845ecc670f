/**
 * The PriorProof receipt: a self-contained, versioned JSON document that proves a file digest (and its
 * claim) was included in a batch whose Merkle root was witnessed by one or more anchors (an EVM chain,
 * an RFC 3161 time-stamping authority). Specified in docs/receipt.md with a JSON Schema
 * (docs/receipt.schema.json) and vectors.
 *
 * `parseReceipt` validates an untrusted document, collecting every bad field path before failing.
 */
import { fromHex, isHex32 } from "./bytes.ts";
import { InputError } from "./errors.ts";
import { parseStrictJson } from "./trust/ijson.ts";
import { parseUtcTime } from "./trust/time.ts";
import type { EvmInclusion } from "./evm-inclusion.ts";
import { ASSET_KINDS, type Claim, LEAF_ENCODING, LEAF_ENCODING_V2 } from "./leaf.ts";

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

type Problems = string[];

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

function obj(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
function str(p: Problems, o: Record<string, unknown>, key: string, at: string, optional = false, max = 10_000): void {
  const v = o[key];
  if (v === undefined && optional) return;
  if (typeof v !== "string" || v.length > max) p.push(`${at}.${key}: expected a string`);
}
function hex32(p: Problems, o: Record<string, unknown>, key: string, at: string, optional = false): void {
  const v = o[key];
  if (v === undefined && optional) return;
  if (!isHex32(v)) p.push(`${at}.${key}: expected 32 bytes of lower-case 0x hex`);
}
function uint(p: Problems, o: Record<string, unknown>, key: string, at: string, optional = false, min = 0): void {
  const v = o[key];
  if (v === undefined && optional) return;
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < min) p.push(`${at}.${key}: expected an integer ≥ ${min}`);
}
function iso(p: Problems, o: Record<string, unknown>, key: string, at: string, optional = false): void {
  const v = o[key];
  if (v === undefined && optional) return;
  if (typeof v !== "string") {
    p.push(`${at}.${key}: expected a UTC ISO-8601 time`);
    return;
  }
  // Strict RFC 3339: `2026-11-31T00:00:05Z` is an impossible date, not 1 December.
  try {
    parseUtcTime(v);
  } catch {
    p.push(`${at}.${key}: expected a UTC ISO-8601 time (a real date)`);
  }
}
/** Version 1 is closed: a member its schema does not name is an error, never ignored. */
function known(p: Problems, o: Record<string, unknown>, at: string, keys: readonly string[]): void {
  for (const k of Object.keys(o)) if (!keys.includes(k)) p.push(`${at}.${k}: unknown field`);
}
const MAX_CHAIN_ID = 2 ** 53 - 1;
/** Anchors per receipt (docs/receipt.schema.json `maxItems`): a bound on a verifier's work. */
export const MAX_ANCHORS = 16;
function bool(p: Problems, o: Record<string, unknown>, key: string, at: string, optional = false): void {
  const v = o[key];
  if (v === undefined && optional) return;
  if (typeof v !== "boolean") p.push(`${at}.${key}: expected a boolean`);
}

// Non-capturing: the same language, without a capture per byte (10× faster on a 6 KB header, measured by bench verify).
const BYTES_HEX = /^0x(?:[0-9a-f]{2})+$/;

/**
 * `evm-receipt-proof/1` or `/2` (docs/receipt.md; the tags and the bounds of evm-inclusion.ts's
 * `EVM_INCLUSION_LIMITS` are repeated here so that this module imports no trie code): each format with
 * exactly its fields, hex of at most the sizes the verifier accepts.
 */
function checkInclusion(p: Problems, v: unknown, at: string): void {
  if (!obj(v)) {
    p.push(`${at}: expected an object`);
    return;
  }
  const v2 = v.format === "evm-receipt-proof/2";
  if (v.format !== "evm-receipt-proof/1" && !v2) p.push(`${at}.format: expected "evm-receipt-proof/1" or "evm-receipt-proof/2"`);
  const bytes = (x: unknown, path: string, max: number) => {
    if (typeof x !== "string" || x.length > 2 + 2 * max || !BYTES_HEX.test(x)) p.push(`${path}: expected lower-case 0x hex of at most ${max} bytes`);
  };
  const nodes = (o: Record<string, unknown>, key: string, path: string, max: number) => {
    const list = o[key];
    if (!Array.isArray(list) || list.length === 0 || list.length > 64) p.push(`${path}.${key}: expected 1 to 64 trie nodes`);
    else for (const [i, n] of list.entries()) bytes(n, `${path}.${key}[${i}]`, max);
  };
  bytes(v.header, `${at}.header`, 8_192);
  uint(p, v, "txIndex", at);
  bytes(v.receipt, `${at}.receipt`, 4_096);
  nodes(v, "proof", at, 5_120);
  const keys = ["format", "header", "txIndex", "receipt", "proof"];
  if (v2) {
    keys.push("tx", "txProof", "account");
    bytes(v.tx, `${at}.tx`, 4_096);
    nodes(v, "txProof", at, 5_120);
    const a = v.account;
    if (!obj(a)) p.push(`${at}.account: expected an object`);
    else {
      if (typeof a.nonce !== "string" || !/^0x(0|[1-9a-f][0-9a-f]{0,15})$/.test(a.nonce)) p.push(`${at}.account.nonce: expected a 0x hex quantity of at most 8 bytes`);
      if (typeof a.balance !== "string" || !/^0x(0|[1-9a-f][0-9a-f]{0,63})$/.test(a.balance)) p.push(`${at}.account.balance: expected a 0x hex quantity of at most 32 bytes`);
      hex32(p, a, "storageRoot", `${at}.account`);
      hex32(p, a, "codeHash", `${at}.account`);
      nodes(a, "proof", `${at}.account`, 1_024);
      for (const k of Object.keys(a)) if (!["nonce", "balance", "storageRoot", "codeHash", "proof"].includes(k)) p.push(`${at}.account.${k}: unknown field`);
    }
  }
  for (const k of Object.keys(v)) if (!keys.includes(k)) p.push(`${at}.${k}: unknown field`);
}

function checkProof(p: Problems, v: unknown, at: string): void {
  if (!obj(v)) {
    p.push(`${at}: expected an object`);
    return;
  }
  hex32(p, v, "root", at);
  uint(p, v, "treeSize", at, false, 1);
  uint(p, v, "index", at);
  if (!Array.isArray(v.path) || v.path.length > 64) p.push(`${at}.path: expected an array of at most 64 nodes`);
  else for (const [i, n] of v.path.entries()) if (!isHex32(n)) p.push(`${at}.path[${i}]: expected 32 bytes of lower-case 0x hex`);
  known(p, v, at, ["root", "treeSize", "index", "path"]);
}

const EVM_ANCHOR_FIELDS = [
  "type", "proof", "chainId", "chainName", "development", "contract", "deployTxHash", "deployBlock", "txHash",
  "blockNumber", "blockHash", "blockTime", "confirmations", "requiredConfirmations", "explorerUrl", "inclusion",
] as const;

function checkAnchor(p: Problems, a: unknown, at: string): void {
  if (!obj(a)) {
    p.push(`${at}: expected an object`);
    return;
  }
  checkProof(p, a.proof, `${at}.proof`);
  if (a.type === "evm") {
    uint(p, a, "chainId", at, false, 1);
    if (typeof a.chainId === "number" && a.chainId > MAX_CHAIN_ID) p.push(`${at}.chainId: out of range`);
    str(p, a, "chainName", at);
    bool(p, a, "development", at);
    if (typeof a.contract !== "string" || !ADDRESS.test(a.contract)) p.push(`${at}.contract: expected a 20-byte 0x address`);
    hex32(p, a, "deployTxHash", at, true);
    uint(p, a, "deployBlock", at, true);
    hex32(p, a, "txHash", at);
    uint(p, a, "blockNumber", at);
    hex32(p, a, "blockHash", at);
    iso(p, a, "blockTime", at);
    uint(p, a, "confirmations", at);
    uint(p, a, "requiredConfirmations", at);
    str(p, a, "explorerUrl", at, true);
    if (a.inclusion !== undefined) checkInclusion(p, a.inclusion, `${at}.inclusion`);
    known(p, a, at, EVM_ANCHOR_FIELDS);
  } else if (a.type === "rfc3161") {
    str(p, a, "tsaUrl", at, true);
    if (typeof a.token !== "string" || !/^[A-Za-z0-9+/]+={0,2}$/.test(a.token)) p.push(`${at}.token: expected base64`);
    iso(p, a, "genTime", at);
    str(p, a, "serial", at);
    str(p, a, "policy", at);
    if (!obj(a.tsa)) p.push(`${at}.tsa: expected an object`);
    else {
      for (const k of ["subject", "issuer", "serial", "sha256Fingerprint"]) str(p, a.tsa, k, `${at}.tsa`);
      known(p, a.tsa, `${at}.tsa`, ["subject", "issuer", "serial", "sha256Fingerprint"]);
    }
    bool(p, a, "qualified", at);
    known(p, a, at, ["type", "proof", "tsaUrl", "token", "genTime", "serial", "policy", "tsa", "qualified"]);
  } else {
    p.push(`${at}.type: expected "evm" or "rfc3161"`);
  }
}

function checkClaim(p: Problems, c: unknown): void {
  if (!obj(c)) {
    p.push("claim: expected an object");
    return;
  }
  for (const k of ["title", "author", "claimant", "note"]) str(p, c, k, "claim", true, 2_000);
  if (c.kind !== undefined && !(ASSET_KINDS as readonly unknown[]).includes(c.kind)) p.push(`claim.kind: expected one of ${ASSET_KINDS.join(", ")}`);
  hex32(p, c, "previous", "claim", true);
  if (c.aiProcess !== undefined && !obj(c.aiProcess)) p.push("claim.aiProcess: expected an object");
  for (const k of Object.keys(c)) {
    if (!["title", "kind", "author", "claimant", "previous", "aiProcess", "note"].includes(k)) p.push(`claim.${k}: unknown field`);
  }
}

/** `subject`: the same members and rules in every receipt version. */
function checkSubject(p: Problems, s: unknown): void {
  if (!obj(s)) {
    p.push("subject: expected an object");
    return;
  }
  hex32(p, s, "sha256", "subject");
  hex32(p, s, "sha3_256", "subject", true);
  uint(p, s, "size", "subject", true);
  str(p, s, "name", "subject", true, 1_000);
  str(p, s, "mediaType", "subject", true, 255);
  str(p, s, "cid", "subject", true, 200);
  str(p, s, "cidProfile", "subject", true, 100);
  bool(p, s, "encrypted", "subject", true);
  known(p, s, "subject", ["sha256", "sha3_256", "size", "name", "mediaType", "cid", "cidProfile", "encrypted"]);
}

/** `service`: the service record, the same in every receipt version (its times are not evidence). */
function checkService(p: Problems, v: unknown): void {
  if (!obj(v)) {
    p.push("service: expected an object");
    return;
  }
  str(p, v, "operator", "service", false, 1_000);
  str(p, v, "url", "service", true, 2_000);
  iso(p, v, "receivedAt", "service");
  str(p, v, "requestId", "service", true, 200);
  str(p, v, "software", "service", false, 200);
  known(p, v, "service", ["operator", "url", "receivedAt", "requestId", "software"]);
}

/**
 * Lists every problem of an untrusted claim (empty when it is a valid claim).
 *
 * @example
 * claimProblems({ kind: "painting" }) // ["claim.kind: expected one of design, trademark, ai-image, source, other"]
 */
export function claimProblems(claim: unknown): string[] {
  const p: Problems = [];
  checkClaim(p, claim);
  return p;
}

/**
 * Lists every problem of an untrusted receipt document (empty when it follows priorproof-receipt/1).
 *
 * @example
 * receiptProblems(JSON.parse(text)) // ["anchors[0].blockHash: expected 32 bytes of lower-case 0x hex"]
 */
export function receiptProblems(doc: unknown): string[] {
  const p: Problems = [];
  if (!obj(doc)) return ["receipt: expected a JSON object"];
  if (doc.version === RECEIPT_VERSION_2) return receiptV2Problems(doc);
  if (doc.version !== RECEIPT_VERSION) return [`version: expected "${RECEIPT_VERSION}" or "${RECEIPT_VERSION_2}", got ${JSON.stringify(doc.version)}`];
  str(p, doc, "id", "receipt", false, 200);
  checkSubject(p, doc.subject);
  if (doc.claim !== undefined) checkClaim(p, doc.claim);
  if (!obj(doc.leaf)) p.push("leaf: expected an object");
  else {
    if (doc.leaf.encoding !== LEAF_ENCODING) p.push(`leaf.encoding: expected "${LEAF_ENCODING}"`);
    if (doc.leaf.claimSha256 !== null) hex32(p, doc.leaf, "claimSha256", "leaf");
    if (typeof doc.leaf.salt !== "string" || !/^0x[0-9a-f]{32}$/.test(doc.leaf.salt)) p.push("leaf.salt: expected 16 bytes of lower-case 0x hex");
    hex32(p, doc.leaf, "hash", "leaf");
    known(p, doc.leaf, "leaf", ["encoding", "claimSha256", "salt", "hash"]);
  }
  checkService(p, doc.service);
  if (!Array.isArray(doc.anchors) || doc.anchors.length === 0) p.push("anchors: expected at least one anchor");
  else if (doc.anchors.length > MAX_ANCHORS) p.push(`anchors: expected at most ${MAX_ANCHORS} anchors`);
  else for (const [i, a] of doc.anchors.entries()) checkAnchor(p, a, `anchors[${i}]`);
  iso(p, doc, "issuedAt", "receipt");
  known(p, doc, "receipt", ["version", "id", "subject", "claim", "leaf", "service", "anchors", "issuedAt"]);
  return p;
}

/**
 * Narrows an untrusted document to a receipt or throws `INVALID_RECEIPT` listing every bad field.
 *
 * @example
 * const receipt = parseReceipt(JSON.parse(await readFile("receipt.json", "utf8")));
 */
export function parseReceipt(doc: unknown): Receipt {
  const problems = receiptProblems(doc);
  if (problems.length > 0) {
    const version = obj(doc) && doc.version === RECEIPT_VERSION_2 ? RECEIPT_VERSION_2 : RECEIPT_VERSION;
    throw new InputError("INVALID_RECEIPT", `receipt is not ${version}: ${problems.slice(0, 5).join("; ")}${problems.length > 5 ? ` (+${problems.length - 5} more)` : ""}`, { cause: problems });
  }
  return doc as unknown as Receipt;
}

// ------------------------------------------------------------------------ priorproof-receipt/2

function unknownFields(p: Problems, o: Record<string, unknown>, allowed: readonly string[], at: string): void {
  for (const k of Object.keys(o)) if (!allowed.includes(k)) p.push(`${at}${at ? "." : ""}${k}: unknown field`);
}
/** RFC 3339 UTC, strictly (no rolled-over dates): the same rule and message as version 1. */
function utc(p: Problems, o: Record<string, unknown>, key: string, at: string, optional = false): void {
  if (typeof o[key] === "string" && (o[key] as string).length > 40) p.push(`${at}.${key}: expected a UTC ISO-8601 time`);
  else iso(p, o, key, at, optional);
}
function hex32OrNull(p: Problems, o: Record<string, unknown>, key: string, at: string): void {
  if (!(key in o)) p.push(`${at}.${key}: expected 32 bytes of lower-case 0x hex or null`);
  else if (o[key] !== null) hex32(p, o, key, at);
}

const V2_TOP = ["version", "id", "subject", "claim", "leaf", "signature", "service", "anchors", "issuedAt"];
const V2_LEAF = ["encoding", "sha3_256", "claimSha256", "signatureSha256", "salt", "hash"];
const V2_PROOF = ["root", "treeSize", "index", "path"];
const V2_EVM = ["type", "proof", "chainId", "chainName", "development", "contract", "deployTxHash", "deployBlock", "txHash", "blockNumber",
  "blockHash", "blockTime", "confirmations", "requiredConfirmations", "explorerUrl", "inclusion"];
const V2_RFC3161 = ["type", "proof", "tsaUrl", "token", "genTime", "serial", "policy", "tsa", "qualified"];
const V2_TSA = ["subject", "issuer", "serial", "sha256Fingerprint"];
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * Lists every problem of an untrusted claimant signature object (`cms/1` or `eip712/1`); empty when valid.
 *
 * @example
 * signatureProblems({ format: "pgp/1" }) // ['signature.format: expected "cms/1" or "eip712/1"']
 */
export function signatureProblems(v: unknown, at = "signature"): string[] {
  const p: Problems = [];
  if (!obj(v)) return [`${at}: expected an object`];
  utc(p, v, "signedAt", at);
  if (v.format === "cms/1") {
    if (typeof v.cms !== "string" || v.cms.length === 0 || v.cms.length > MAX_CMS_SIGNATURE_BASE64 || v.cms.length % 4 !== 0 || !BASE64.test(v.cms)) {
      p.push(`${at}.cms: expected base64 of at most ${MAX_CMS_SIGNATURE_BASE64} characters`);
    }
    unknownFields(p, v, ["format", "signedAt", "cms"], at);
  } else if (v.format === "eip712/1") {
    if (typeof v.signer !== "string" || !ADDRESS.test(v.signer)) p.push(`${at}.signer: expected a 20-byte 0x address`);
    uint(p, v, "chainId", at, false, 1);
    if (typeof v.value !== "string" || !/^0x[0-9a-f]{130}$/.test(v.value)) p.push(`${at}.value: expected 65 bytes of lower-case 0x hex`);
    unknownFields(p, v, ["format", "signedAt", "signer", "chainId", "value"], at);
  } else {
    p.push(`${at}.format: expected "cms/1" or "eip712/1"`);
  }
  return p;
}

/** priorproof-receipt/2: the /1 field rules, a leaf/2 leaf, an optional signature, unknown members rejected. */
function receiptV2Problems(doc: Record<string, unknown>): string[] {
  const p: Problems = [];
  unknownFields(p, doc, V2_TOP, "");
  str(p, doc, "id", "receipt", false, 200);
  checkSubject(p, doc.subject);
  if (doc.claim !== undefined) checkClaim(p, doc.claim);
  if (!obj(doc.leaf)) p.push("leaf: expected an object");
  else {
    const l = doc.leaf;
    if (l.encoding !== LEAF_ENCODING_V2) p.push(`leaf.encoding: expected "${LEAF_ENCODING_V2}"`);
    hex32OrNull(p, l, "sha3_256", "leaf");
    hex32OrNull(p, l, "claimSha256", "leaf");
    hex32OrNull(p, l, "signatureSha256", "leaf");
    if (typeof l.salt !== "string" || !/^0x[0-9a-f]{32}$/.test(l.salt)) p.push("leaf.salt: expected 16 bytes of lower-case 0x hex");
    hex32(p, l, "hash", "leaf");
    unknownFields(p, l, V2_LEAF, "leaf");
  }
  if (doc.signature !== undefined) p.push(...signatureProblems(doc.signature));
  checkService(p, doc.service);
  if (!Array.isArray(doc.anchors) || doc.anchors.length === 0 || doc.anchors.length > 16) p.push("anchors: expected 1 to 16 anchors");
  else doc.anchors.forEach((a, i) => {
    const at = `anchors[${i}]`;
    checkAnchor(p, a, at);
    if (!obj(a)) return;
    if (obj(a.proof)) unknownFields(p, a.proof, V2_PROOF, `${at}.proof`);
    if (a.type === "evm") {
      unknownFields(p, a, V2_EVM, at);
      utc(p, a, "blockTime", at);
    } else if (a.type === "rfc3161") {
      unknownFields(p, a, V2_RFC3161, at);
      utc(p, a, "genTime", at);
      if (obj(a.tsa)) unknownFields(p, a.tsa, V2_TSA, `${at}.tsa`);
    }
  });
  utc(p, doc, "issuedAt", "receipt");
  return [...new Set(p)];
}

/**
 * Reads a receipt from its JSON text strictly (I-JSON: a duplicate member name is `DUPLICATE_KEY`, see
 * trust/ijson.ts) and narrows it with {@link parseReceipt}. Every reader of receipt files should use it:
 * `JSON.parse` keeps the last of two equal names, so a person and a verifier could read different titles.
 *
 * @example
 * const receipt = parseReceiptJson(await readFile("receipt.json", "utf8"));
 */
export function parseReceiptJson(text: string): Receipt {
  return parseReceipt(parseStrictJson(text));
}

/** The proof of a receipt anchor in the Merkle module's terms. */
export function getInclusionProof(proof: ReceiptProof): { index: bigint; treeSize: bigint; path: Uint8Array[] } {
  return { index: BigInt(proof.index), treeSize: BigInt(proof.treeSize), path: proof.path.map((n) => fromHex(n, 32)) };
}
