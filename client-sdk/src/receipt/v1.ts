/** priorproof-receipt/1 (docs/receipt.md): a closed schema, a priorproof-leaf/1 leaf. */
import { LEAF_ENCODING } from "../leaf.ts";
import { checkAnchor, checkClaim, checkService, checkSubject, hex32, iso, known, obj, type Problems, str } from "./fields.ts";
import { MAX_ANCHORS } from "./types.ts";

/** Every problem of a document whose `version` is priorproof-receipt/1 (empty when it follows it). */
export function receiptV1Problems(doc: Record<string, unknown>): string[] {
  const p: Problems = [];
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
