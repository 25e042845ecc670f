/**
 * Narrowing of an untrusted offline EVM inclusion section (either format), every field bounded
 * before its pattern is tested.
 */
import { EVM_INCLUSION_FORMAT, EVM_INCLUSION_FORMAT_V2, EVM_INCLUSION_LIMITS, type EvmInclusion, EvmInclusionError, tooLarge } from "./types.ts";

const BYTES_HEX = /^0x(?:[0-9a-f]{2})+$/;
const QUANTITY = (maxBytes: number) => new RegExp(`^0x(?:0|[1-9a-f][0-9a-f]{0,${maxBytes * 2 - 1}})$`);
const NONCE = QUANTITY(8);
const BALANCE = QUANTITY(32);

function malformed(at: string, why: string): EvmInclusionError {
  return new EvmInclusionError("INCLUSION_MALFORMED", `${at}: ${why}`);
}

/** A non-empty lower-case hex string of at most `max` bytes: the length is checked before the pattern. */
function bytesValue(v: unknown, at: string, max: number): void {
  if (typeof v !== "string") throw malformed(at, "expected lower-case 0x hex");
  if (v.length > 2 + 2 * max) throw tooLarge(at, Math.floor((v.length - 2) / 2), max);
  if (!BYTES_HEX.test(v)) throw malformed(at, "expected lower-case 0x hex");
}

function bytesField(o: Record<string, unknown>, key: string, at: string, max: number): void {
  bytesValue(o[key], `${at}.${key}`, max);
}

/** A list of 1 to 64 trie nodes, each at most `nodeMax` bytes, `totalMax` bytes in all. */
function nodesField(o: Record<string, unknown>, key: string, at: string, nodeMax: number, totalMax: number): void {
  const v = o[key];
  if (!Array.isArray(v) || v.length === 0) throw malformed(`${at}.${key}`, `expected 1 to ${EVM_INCLUSION_LIMITS.proofNodes} trie nodes`);
  if (v.length > EVM_INCLUSION_LIMITS.proofNodes) throw tooLarge(`${at}.${key}`, v.length, EVM_INCLUSION_LIMITS.proofNodes, "nodes");
  let total = 0;
  for (let i = 0; i < v.length; i++) {
    bytesValue(v[i], `${at}.${key}[${i}]`, nodeMax);
    total += ((v[i] as string).length - 2) / 2;
  }
  if (total > totalMax) throw tooLarge(`${at}.${key}`, total, totalMax);
}

function onlyKeys(o: Record<string, unknown>, at: string, keys: readonly string[]): void {
  for (const k of Object.keys(o)) if (!keys.includes(k)) throw malformed(`${at}.${k}`, "unknown field");
}

const V1_KEYS = ["format", "header", "txIndex", "receipt", "proof"] as const;
const V2_KEYS = [...V1_KEYS, "tx", "txProof", "account"] as const;
const ACCOUNT_KEYS = ["nonce", "balance", "storageRoot", "codeHash", "proof"] as const;

/**
 * Narrows an untrusted inclusion section of either format; throws `INCLUSION_MALFORMED` naming the first
 * bad field, or `INCLUSION_TOO_LARGE` naming the first field past `EVM_INCLUSION_LIMITS`.
 *
 * @example
 * const inc = parseEvmInclusion(anchor.inclusion);
 * inc.format // "evm-receipt-proof/2"
 */
export function parseEvmInclusion(doc: unknown): EvmInclusion {
  const L = EVM_INCLUSION_LIMITS;
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) throw malformed("inclusion", "expected an object");
  const o = doc as Record<string, unknown>;
  if (o.format !== EVM_INCLUSION_FORMAT && o.format !== EVM_INCLUSION_FORMAT_V2) {
    throw malformed("inclusion.format", `expected "${EVM_INCLUSION_FORMAT}" or "${EVM_INCLUSION_FORMAT_V2}", got ${JSON.stringify(o.format)?.slice(0, 40)}`);
  }
  const v2 = o.format === EVM_INCLUSION_FORMAT_V2;
  onlyKeys(o, "inclusion", v2 ? V2_KEYS : V1_KEYS);
  bytesField(o, "header", "inclusion", L.headerBytes);
  if (typeof o.txIndex !== "number" || !Number.isSafeInteger(o.txIndex) || o.txIndex < 0) throw malformed("inclusion.txIndex", "expected an integer ≥ 0");
  bytesField(o, "receipt", "inclusion", L.receiptBytes);
  nodesField(o, "proof", "inclusion", L.trieNodeBytes, L.trieProofBytes);
  if (v2) {
    bytesField(o, "tx", "inclusion", L.txBytes);
    nodesField(o, "txProof", "inclusion", L.trieNodeBytes, L.trieProofBytes);
    const a = o.account;
    if (typeof a !== "object" || a === null || Array.isArray(a)) throw malformed("inclusion.account", "expected an object");
    const acc = a as Record<string, unknown>;
    onlyKeys(acc, "inclusion.account", ACCOUNT_KEYS);
    if (typeof acc.nonce !== "string" || !NONCE.test(acc.nonce)) throw malformed("inclusion.account.nonce", "expected a 0x hex quantity of at most 8 bytes");
    if (typeof acc.balance !== "string" || !BALANCE.test(acc.balance))
      throw malformed("inclusion.account.balance", "expected a 0x hex quantity of at most 32 bytes");
    for (const k of ["storageRoot", "codeHash"]) {
      const h = acc[k];
      if (typeof h !== "string" || h.length !== 66 || !BYTES_HEX.test(h)) throw malformed(`inclusion.account.${k}`, "expected 32 bytes of lower-case 0x hex");
    }
    nodesField(acc, "proof", "inclusion.account", L.accountNodeBytes, L.accountProofBytes);
  }
  return doc as EvmInclusion;
}
