/**
 * The field rules every receipt version shares: the problem collector's checks (string, hex, integer,
 * strict UTC time, boolean, closed objects) and the members that are the same in /1 and /2: subject,
 * claim, service, the Merkle proof, EVM and RFC 3161 anchors and the offline EVM proof.
 */
import { isHex32 } from "../bytes.ts";
import { ASSET_KINDS } from "../leaf.ts";
import { parseUtcTime } from "../trust/time.ts";

/** Where a check writes the problems it finds: one `path: what was expected` line each. */
export type Problems = string[];

export const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

export function obj(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
export function str(p: Problems, o: Record<string, unknown>, key: string, at: string, optional = false, max = 10_000): void {
  const v = o[key];
  if (v === undefined && optional) return;
  if (typeof v !== "string" || v.length > max) p.push(`${at}.${key}: expected a string`);
}
export function hex32(p: Problems, o: Record<string, unknown>, key: string, at: string, optional = false): void {
  const v = o[key];
  if (v === undefined && optional) return;
  if (!isHex32(v)) p.push(`${at}.${key}: expected 32 bytes of lower-case 0x hex`);
}
export function uint(p: Problems, o: Record<string, unknown>, key: string, at: string, optional = false, min = 0): void {
  const v = o[key];
  if (v === undefined && optional) return;
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < min) p.push(`${at}.${key}: expected an integer ≥ ${min}`);
}
export function iso(p: Problems, o: Record<string, unknown>, key: string, at: string, optional = false): void {
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
export function known(p: Problems, o: Record<string, unknown>, at: string, keys: readonly string[]): void {
  for (const k of Object.keys(o)) if (!keys.includes(k)) p.push(`${at}.${k}: unknown field`);
}
const MAX_CHAIN_ID = 2 ** 53 - 1;
export function bool(p: Problems, o: Record<string, unknown>, key: string, at: string, optional = false): void {
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
      if (typeof a.nonce !== "string" || !/^0x(0|[1-9a-f][0-9a-f]{0,15})$/.test(a.nonce))
        p.push(`${at}.account.nonce: expected a 0x hex quantity of at most 8 bytes`);
      if (typeof a.balance !== "string" || !/^0x(0|[1-9a-f][0-9a-f]{0,63})$/.test(a.balance))
        p.push(`${at}.account.balance: expected a 0x hex quantity of at most 32 bytes`);
      hex32(p, a, "storageRoot", `${at}.account`);
      hex32(p, a, "codeHash", `${at}.account`);
      nodes(a, "proof", `${at}.account`, 1_024);
      for (const k of Object.keys(a)) if (!["nonce", "balance", "storageRoot", "codeHash", "proof"].includes(k)) p.push(`${at}.account.${k}: unknown field`);
    }
  }
  for (const k of Object.keys(v)) if (!keys.includes(k)) p.push(`${at}.${k}: unknown field`);
}

export function checkProof(p: Problems, v: unknown, at: string): void {
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
  "type",
  "proof",
  "chainId",
  "chainName",
  "development",
  "contract",
  "deployTxHash",
  "deployBlock",
  "txHash",
  "blockNumber",
  "blockHash",
  "blockTime",
  "confirmations",
  "requiredConfirmations",
  "explorerUrl",
  "inclusion",
] as const;

export function checkAnchor(p: Problems, a: unknown, at: string): void {
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

export function checkClaim(p: Problems, c: unknown): void {
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
export function checkSubject(p: Problems, s: unknown): void {
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
export function checkService(p: Problems, v: unknown): void {
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
