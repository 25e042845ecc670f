/**
 * Property: flipping any single bit of a real OpenSSL token either makes verification fail with a
 * TSA_ code, or — when the bit is in a part nothing depends on (e.g. the token's own copy of the CA
 * certificate, the SignedData digestAlgorithms set) — leaves every reported field unchanged.
 *
 * Guarding against a vacuous pass:
 * - the unmodified token is first shown to verify (else every flip "fails" trivially);
 * - half of the generated offsets are drawn from the byte ranges the TSA signature covers (TSTInfo,
 *   signed attributes, signature value, signer certificate), located in the token by content; for
 *   those the verification MUST fail — "passes with the same fields" is not accepted there;
 * - a pass anywhere must reproduce the baseline result exactly (genTime, imprint, serial, nonce,
 *   policy, signer fingerprint, chain), so a flip that changes what is reported cannot slip through;
 * - an exception that is not a TimestampTokenError (a crash in the ASN.1 layer) fails the property;
 * - after the run we assert that signed-region flips were actually exercised and all failed.
 */
import fc from "fast-check";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type TimestampTokenInfo, verifyTimestampToken } from "../../../client-sdk/src/tsa.ts";
import { type OpensslTsa, startOpensslTsa } from "../../helpers/openssl-tsa.ts";
import { type SignedRegions, type Stamp, flip, outcome, signedRegions, stamp } from "../../helpers/tsa-fixtures.ts";

let tsa: OpensslTsa;
let good: Stamp;
let baseline: TimestampTokenInfo;
let regions: SignedRegions;

beforeAll(async () => {
  tsa = await startOpensslTsa();
  good = await stamp(tsa);
  baseline = await verifyTimestampToken(good.token, { digest: good.digest, nonce: good.nonce, trustAnchors: [tsa.caDer] });
  regions = signedRegions(good.token, tsa.tsaCertDer);
});
afterAll(async () => {
  await tsa?.close();
});

function inSigned(offset: number): boolean {
  return Object.values(regions).some(([s, e]) => offset >= s && offset < e);
}

it("a single flipped bit anywhere in the token fails with a TSA_ code or changes nothing reported", async () => {
  const ranges = Object.values(regions);
  expect(ranges.every(([s, e]) => e > s)).toBe(true);
  const signedOffset = fc.integer({ min: 0, max: ranges.length - 1 }).chain((i) => {
    const [s, e] = ranges[i] as readonly [number, number];
    return fc.integer({ min: s, max: e - 1 });
  });
  const anyOffset = fc.integer({ min: 0, max: good.token.length - 1 });
  const stats = { signedHits: 0, signedFailed: 0, otherPasses: 0, failures: new Map<string, number>() };

  await fc.assert(
    fc.asyncProperty(fc.oneof(signedOffset, anyOffset), fc.integer({ min: 0, max: 7 }), async (offset, bit) => {
      const mutated = flip(good.token, offset, 1 << bit);
      let info: TimestampTokenInfo | undefined;
      const code = await outcome(
        verifyTimestampToken(mutated, { digest: good.digest, nonce: good.nonce, trustAnchors: [tsa.caDer] }).then((i) => {
          info = i;
        }),
      );
      const signed = inSigned(offset);
      if (signed) stats.signedHits++;
      if (code === "ok") {
        expect(signed, `flip at ${offset} bit ${bit} is inside signed data yet verified`).toBe(false);
        expect(info).toEqual(baseline);
        stats.otherPasses++;
      } else {
        expect(code, `flip at ${offset} bit ${bit}`).toMatch(/^TSA_(MALFORMED|SIGNATURE_INVALID|IMPRINT_MISMATCH|NONCE_MISMATCH|EKU_MISSING|UNTRUSTED)$/);
        if (signed) stats.signedFailed++;
        stats.failures.set(code, (stats.failures.get(code) ?? 0) + 1);
      }
    }),
    { numRuns: 60 },
  );

  // The property was exercised where it matters: flips inside signed data happened, and all failed.
  expect(stats.signedHits).toBeGreaterThanOrEqual(15);
  expect(stats.signedFailed).toBe(stats.signedHits);
  expect([...stats.failures.values()].reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
});
