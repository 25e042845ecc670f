/**
 * What a certificate states that must not drift: its number (docs/design/format-v2.md, "Certificate
 * identity"), the conservative time bound (the SDK's `timeBound`, so CLI, page and certificate agree),
 * and user text made printable (no control characters: a line break shows as "¶").
 */
import { createHash } from "node:crypto";
import { canonicalJson, DEFAULT_CHAIN_REGISTRY, timeBound, type Anchor, type JsonValue, type Receipt } from "@priorproof/client-sdk/core";

/** The evidence a certificate number identifies, as hashed (RFC 8785 canonical JSON). */
export function certificateIdentity(receipt: Pick<Receipt, "id" | "subject" | "leaf" | "anchors">): { json: string; id: string } {
  const anchors = receipt.anchors.map(
    (a: Anchor): Record<string, JsonValue> =>
      a.type === "evm" ? { type: a.type, chainId: a.chainId, txHash: a.txHash, root: a.proof.root } : { type: a.type, root: a.proof.root, serial: a.serial },
  );
  const json = canonicalJson({ entry: receipt.id, sha256: receipt.subject.sha256, leaf: receipt.leaf.hash, anchors });
  const hex = createHash("sha256").update(json, "utf8").digest("hex").slice(0, 16).toUpperCase();
  return { json, id: hex.match(/.{4}/g)!.join("-") };
}

/** The certificate number: the same for every download and language of one piece of evidence. */
export function certificateId(receipt: Pick<Receipt, "id" | "subject" | "leaf" | "anchors">): string {
  return certificateIdentity(receipt).id;
}

/** A number for a set of certificates (a lineage or a portfolio): SHA-256 over their numbers, in order. */
export function combinedId(ids: readonly string[]): string {
  const hex = createHash("sha256")
    .update(canonicalJson([...ids]), "utf8")
    .digest("hex")
    .slice(0, 16)
    .toUpperCase();
  return hex.match(/.{4}/g)!.join("-");
}

/** The "existed no later than" bound of one anchor (whole-second UTC ISO-8601). */
export function anchorBound(a: Anchor, receipt: Pick<Receipt, "service">, toleranceSeconds?: number): string {
  // The tolerance is the verifier's chain registry's (as the SDK's verdict uses), never the receipt's.
  return a.type === "evm"
    ? timeBound(a.blockTime, toleranceSeconds ?? DEFAULT_CHAIN_REGISTRY.get(a.chainId).blockTimeToleranceSeconds, [receipt.service.receivedAt])
    : timeBound(a.genTime, 0, [receipt.service.receivedAt]);
}

/** "2026-11-30T05:26:53Z" → "2026-11-30 05:26:53". */
export function plainTime(iso: string): string {
  return iso.replace("T", " ").replace(/(\.\d+)?Z$/, "");
}

/**
 * User-supplied text made safe to print: line breaks become a visible "¶", tabs a space, other control
 * and invisible formatting characters (bidirectional overrides, zero-width) a visible [U+XXXX], and
 * the result is cut at `max` characters.
 */
export function printable(text: string, max = 2_000): { text: string; cut: boolean } {
  const clean = text
    .replace(/\r\n|[\r\n\u2028\u2029\u0085]/g, " ¶ ")
    .replace(/\t/g, " ")
    .replace(/[\p{Cc}\p{Cf}]/gu, (c) => `[U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}]`);
  const chars = [...clean];
  return chars.length > max ? { text: chars.slice(0, max).join("") + " …", cut: true } : { text: clean, cut: false };
}
