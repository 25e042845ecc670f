/**
 * The steps of one RFC 3161 anchor: the receipt's unchecked statements about the time-stamping
 * authority, then the token over the batch root, checked by the verifier's own TSA trust.
 */
import { fromHex } from "../bytes.ts";
import { AnchorError } from "../errors.ts";
import type { Rfc3161Anchor } from "../receipt.ts";
import { parseUtcTime, timeBound } from "../trust/time.ts";
import type { AnchorContext } from "./anchors.ts";

/**
 * The `anchors[i].asserted` and `anchors[i].tsa` checks: the token's genTime and TSA labels must be the
 * receipt's; a passing token over a batch holding the leaf (`proofOk`) is a witness.
 */
export async function checkTsaAnchor(ctx: AnchorContext, i: number, anchor: Rfc3161Anchor, proofOk: boolean): Promise<void> {
  const { rec } = ctx;
  const at = `anchors[${i}]`;
  const title = "RFC 3161 time-stamp token";
  rec.add(
    `${at}.asserted`,
    "What the receipt says about the time-stamping authority",
    "not-checked",
    `asserted by the receipt, not checked: tsa.subject ${JSON.stringify(anchor.tsa.subject)}, tsa.issuer ${JSON.stringify(anchor.tsa.issuer)}, ` +
      `qualified ${anchor.qualified}` +
      (anchor.tsaUrl ? `, tsaUrl ${JSON.stringify(anchor.tsaUrl)}` : ""),
  );
  const timestamp = ctx.options.timestamp;
  if (!timestamp) {
    rec.add(`${at}.tsa`, title, "not-checked", "no TSA trust anchors were configured for this verifier");
    return;
  }
  const run = await rec.runCheck(
    `${at}.tsa`,
    title,
    async () => {
      const r = await timestamp(anchor.token, fromHex(anchor.proof.root, 32));
      if (parseUtcTime(r.genTime) !== parseUtcTime(anchor.genTime))
        throw new AnchorError("TSA_TIME_MISMATCH", `the token says ${r.genTime}, the receipt ${anchor.genTime}`);
      const subject = r.info?.tsa?.subject;
      const issuer = r.info?.tsa?.issuer;
      const qualified = r.info?.qualified;
      if (
        (subject !== undefined && subject !== anchor.tsa.subject) ||
        (issuer !== undefined && issuer !== anchor.tsa.issuer) ||
        (qualified !== undefined && qualified !== anchor.qualified)
      ) {
        throw new AnchorError(
          "TSA_LABEL_MISMATCH",
          `the receipt's TSA labels (${JSON.stringify(anchor.tsa.subject)}, qualified ${anchor.qualified}) are not the token's ` +
            `(${JSON.stringify(subject)}, qualified ${qualified})`,
        );
      }
      return { genTime: r.genTime, detail: r.detail, subject, issuer, qualified };
    },
    (t) => t.detail,
  );
  if (!run.ok || !proofOk) return;
  const { genTime, subject, issuer, qualified } = run.value;
  const time = new Date(parseUtcTime(genTime)).toISOString();
  ctx.witnesses.push({
    anchor: i,
    type: "rfc3161",
    via: "tsa-token",
    time,
    existedNoLaterThan: timeBound(time, 0, ctx.serviceTimes),
    ...(subject !== undefined ? { tsaSubject: subject } : {}),
    ...(issuer !== undefined ? { tsaIssuer: issuer } : {}),
    ...(qualified !== undefined ? { qualified } : {}),
  });
}
