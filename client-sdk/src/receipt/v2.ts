/**
 * priorproof-receipt/2 (docs/design/format-v2.md): the /1 field rules, a priorproof-leaf/2 leaf, an
 * optional claimant signature (`cms/1` or `eip712/1`), stricter times, unknown members rejected.
 */
import { LEAF_ENCODING_V2 } from "../leaf.ts";
import { ADDRESS, checkAnchor, checkClaim, checkService, checkSubject, hex32, iso, obj, type Problems, str, uint } from "./fields.ts";
import { MAX_CMS_SIGNATURE_BASE64 } from "./types.ts";

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
const V2_EVM = [
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
];
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
export function receiptV2Problems(doc: Record<string, unknown>): string[] {
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
  else
    doc.anchors.forEach((a, i) => {
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
