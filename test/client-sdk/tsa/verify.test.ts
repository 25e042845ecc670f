import { rm } from "node:fs/promises";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toHex } from "../../../client-sdk/src/bytes.ts";
import {
  base64ToBytes,
  bytesToBase64,
  certificatesFromPem,
  createTimestampVerifier,
  opensslVerifyCommands,
  toRfc3161AnchorReceipt,
  verifyTimestampToken,
} from "../../../client-sdk/src/tsa.ts";
import { type OpensslTsa, type TestPki, createTestPki, runShellLines, startOpensslTsa } from "../../helpers/openssl-tsa.ts";
import { type Stamp, flip, outcome, sha256Hex, signedRegions, stamp } from "../../helpers/tsa-fixtures.ts";
import { buildToken, qcStatementsDer } from "../../helpers/tsa-token-builder.ts";

let tsa: OpensslTsa;
let rogue: OpensslTsa;
let good: Stamp;
const pkis: TestPki[] = [];

beforeAll(async () => {
  [tsa, rogue] = await Promise.all([startOpensslTsa(), startOpensslTsa({ name: "Rogue Stamps", keyType: "ec" })]);
  good = await stamp(tsa);
});
afterAll(async () => {
  await Promise.all([tsa?.close(), rogue?.close(), ...pkis.map((p) => rm(p.dir, { recursive: true, force: true }))]);
});

async function pki(options: Parameters<typeof createTestPki>[0]): Promise<TestPki> {
  const p = await createTestPki(options);
  pkis.push(p);
  return p;
}

/** Runs the documented OpenSSL command lines on a token; returns the last line's output and the exit code. */
async function opensslVerdict(token: Uint8Array, digest: Uint8Array, caPem: string, genTime?: Date): Promise<{ code: number; out: string }> {
  const lines = opensslVerifyCommands({ digest, tokenBase64: bytesToBase64(token), ...(genTime ? { genTime } : {}) });
  const { outputs, code } = await runShellLines(lines, { "tsa-ca.pem": caPem });
  return { code, out: outputs.join("\n") };
}

describe("verifyTimestampToken on OpenSSL tokens", () => {
  it("accepts a token for a random root and reports what the TSA signed", async () => {
    const before = Date.now();
    const s = await stamp(tsa);
    const info = await verifyTimestampToken(s.token, { digest: s.digest, nonce: s.nonce, trustAnchors: [tsa.caDer] });
    expect(info.messageImprint).toBe(toHex(s.digest));
    expect(info.hashAlgorithm).toBe("SHA-256");
    expect(info.nonce).toBe(s.nonce);
    expect(info.policy).toBe(tsa.policy);
    expect(info.genTime.getTime()).toBeGreaterThanOrEqual(before - 2_000);
    expect(info.genTime.getTime()).toBeLessThanOrEqual(Date.now() + 2_000);
    expect(info.accuracy).toEqual({ seconds: 1, millis: 500, micros: 100 });
    expect(info.ordering).toBe(true);
    expect(info.serial).toMatch(/^[0-9a-f]+$/);
    expect(info.tsa.subject).toBe("CN=PriorProof Test TSA,O=PriorProof Test,C=DE");
    expect(info.tsa.issuer).toBe("CN=PriorProof Test Root CA,O=PriorProof Test,C=DE");
    expect(info.tsaName).toBe(info.tsa.subject);
    expect(info.tsa.sha256Fingerprint).toBe(sha256Hex(tsa.tsaCertDer));
    expect(info.chain).toEqual([sha256Hex(tsa.tsaCertDer), sha256Hex(tsa.caDer)]);
    expect(info.qualified).toBe(false);
  });

  it("accepts an ECDSA (P-256) TSA against its own anchor", async () => {
    const s = await stamp(rogue);
    const info = await verifyTimestampToken(s.token, { digest: s.digest, nonce: s.nonce, trustAnchors: [rogue.caDer] });
    expect(info.tsa.subject).toBe("CN=Rogue Stamps TSA,O=Rogue Stamps,C=DE");
  });

  it("the stored token verifies with the documented openssl ts -verify command lines, and a wrong root fails there too", async () => {
    const info = await verifyTimestampToken(good.token, { digest: good.digest, trustAnchors: [tsa.caDer] });
    const ok = await opensslVerdict(good.token, good.digest, tsa.caPem, info.genTime);
    expect(ok.code).toBe(0);
    expect(ok.out).toContain("Verification: OK");
    expect(ok.out).toContain(`Nonce: 0x${good.nonce.toString(16).toUpperCase().padStart(16, "0")}`);
    const bad = await opensslVerdict(good.token, crypto.getRandomValues(new Uint8Array(32)), tsa.caPem, info.genTime);
    expect(bad.code).not.toBe(0);
    expect(bad.out).toContain("Verification: FAILED");
  });

  it("fails with TSA_IMPRINT_MISMATCH for a token over a different root", async () => {
    const other = crypto.getRandomValues(new Uint8Array(32));
    expect(await outcome(verifyTimestampToken(good.token, { digest: other, trustAnchors: [tsa.caDer] }))).toBe("TSA_IMPRINT_MISMATCH");
  });

  it("fails with TSA_SIGNATURE_INVALID when one byte of the signature is changed (and openssl agrees)", async () => {
    const [start, end] = signedRegions(good.token, tsa.tsaCertDer).signature;
    const tampered = flip(good.token, Math.floor((start + end) / 2), 0x40);
    expect(await outcome(verifyTimestampToken(tampered, { digest: good.digest, trustAnchors: [tsa.caDer] }))).toBe("TSA_SIGNATURE_INVALID");
    expect((await opensslVerdict(tampered, good.digest, tsa.caPem)).code).not.toBe(0);
  });

  it("fails with TSA_SIGNATURE_INVALID when a byte of the TSTInfo (signed content) is changed", async () => {
    const [start] = signedRegions(good.token, tsa.tsaCertDer).tstInfo;
    // The last bytes of the TSTInfo hold the TSA name; change a character there.
    const [, end] = signedRegions(good.token, tsa.tsaCertDer).tstInfo;
    expect(end - start).toBeGreaterThan(10);
    const tampered = flip(good.token, end - 2, 0x01);
    expect(await outcome(verifyTimestampToken(tampered, { digest: good.digest, trustAnchors: [tsa.caDer] }))).toBe("TSA_SIGNATURE_INVALID");
  });

  it("fails with TSA_UNTRUSTED for a token from a TSA of another CA", async () => {
    const s = await stamp(rogue, good.digest);
    expect(await outcome(verifyTimestampToken(s.token, { digest: good.digest, trustAnchors: [tsa.caDer] }))).toBe("TSA_UNTRUSTED");
    expect((await opensslVerdict(s.token, good.digest, tsa.caPem)).code).not.toBe(0);
  });

  it("fails with TSA_NONCE_MISMATCH for another nonce, and ignores the nonce when none is expected", async () => {
    expect(await outcome(verifyTimestampToken(good.token, { digest: good.digest, nonce: good.nonce + 1n, trustAnchors: [tsa.caDer] }))).toBe(
      "TSA_NONCE_MISMATCH",
    );
    expect(await outcome(verifyTimestampToken(good.token, { digest: good.digest, trustAnchors: [tsa.caDer] }))).toBe("ok");
  });

  it("fails with TSA_MALFORMED for garbage, truncated, padded or response-instead-of-token input", async () => {
    const opts = { digest: good.digest, trustAnchors: [tsa.caDer] };
    expect(await outcome(verifyTimestampToken(crypto.getRandomValues(new Uint8Array(300)), opts))).toBe("TSA_MALFORMED");
    expect(await outcome(verifyTimestampToken(new Uint8Array([0x30, 0x00]), opts))).toBe("TSA_MALFORMED");
    expect(await outcome(verifyTimestampToken(new Uint8Array(), opts))).toBe("TSA_MALFORMED");
    expect(await outcome(verifyTimestampToken(good.token.slice(0, -1), opts))).toBe("TSA_MALFORMED");
    expect(await outcome(verifyTimestampToken(new Uint8Array([...good.token, 0]), opts))).toBe("TSA_MALFORMED");
    expect(await outcome(verifyTimestampToken(good.response, opts))).toBe("TSA_MALFORMED");
  });

  it("checks the policy when one is expected (TSA_POLICY_MISMATCH)", async () => {
    const s = await stamp(tsa, undefined, tsa.otherPolicy);
    const info = await verifyTimestampToken(s.token, { digest: s.digest, policy: tsa.otherPolicy, trustAnchors: [tsa.caDer] });
    expect(info.policy).toBe(tsa.otherPolicy);
    expect(await outcome(verifyTimestampToken(s.token, { digest: s.digest, policy: tsa.policy, trustAnchors: [tsa.caDer] }))).toBe("TSA_POLICY_MISMATCH");
  });

  it("rejects bad arguments with TSA_INVALID_ARGUMENT", async () => {
    expect(await outcome(verifyTimestampToken(good.token, { digest: new Uint8Array(20), trustAnchors: [tsa.caDer] }))).toBe("TSA_INVALID_ARGUMENT");
    expect(await outcome(verifyTimestampToken(good.token, { digest: good.digest, trustAnchors: [] }))).toBe("TSA_INVALID_ARGUMENT");
    expect(await outcome(verifyTimestampToken(good.token, { digest: good.digest, trustAnchors: [new Uint8Array([1, 2])] }))).toBe("TSA_INVALID_ARGUMENT");
  });

  it("ignores a changed byte in the token's copy of the CA certificate: the configured anchor is what counts", async () => {
    const caAt = Buffer.from(good.token).indexOf(Buffer.from(tsa.caDer));
    expect(caAt).toBeGreaterThan(0);
    // The last byte of the CA certificate is in its signature value, outside everything the TSA signed.
    const tampered = flip(good.token, caAt + tsa.caDer.length - 1, 0x01);
    const base = await verifyTimestampToken(good.token, { digest: good.digest, trustAnchors: [tsa.caDer] });
    const info = await verifyTimestampToken(tampered, { digest: good.digest, trustAnchors: [tsa.caDer] });
    expect(info).toEqual(base);
    // A change inside the copy's to-be-signed part (its subject) makes it a useless certificate; the
    // path through the configured anchor must still be found.
    const nameAt = Buffer.from(good.token).indexOf(Buffer.from("Root CA"), caAt);
    expect(nameAt).toBeGreaterThan(caAt);
    expect(nameAt).toBeLessThan(caAt + tsa.caDer.length);
    expect(await verifyTimestampToken(flip(good.token, nameAt, 0x01), { digest: good.digest, trustAnchors: [tsa.caDer] })).toEqual(base);
  });

  it("fails with TSA_MALFORMED when a length does not match its contents, even outside the signed data", async () => {
    // encapContentInfo ::= SEQUENCE (30 81 LL) { OID id-ct-TSTInfo, [0] { OCTET STRING TSTInfo } }
    const oid = Buffer.from("060b2a864886f70d0109100104", "hex");
    const at = Buffer.from(good.token).indexOf(oid);
    expect(good.token[at - 3]).toBe(0x30);
    expect(good.token[at - 2]).toBe(0x81);
    const shorter = flip(good.token, at - 1, 0x80); // the SEQUENCE now claims 128 bytes fewer than its children use
    expect(await outcome(verifyTimestampToken(shorter, { digest: good.digest, trustAnchors: [tsa.caDer] }))).toBe("TSA_MALFORMED");
    expect((await opensslVerdict(shorter, good.digest, tsa.caPem)).code).not.toBe(0);
  });
});

describe("verifyTimestampToken on tokens built with pkijs", () => {
  it("a normal built token passes both our verifier and openssl (so the builder is faithful)", async () => {
    const digest = crypto.getRandomValues(new Uint8Array(32));
    const token = await buildToken({ pki: tsa, digest, nonce: 5n });
    const info = await verifyTimestampToken(token, { digest, nonce: 5n, trustAnchors: [tsa.caDer] });
    expect(info.qualified).toBe(false);
    expect((await opensslVerdict(token, digest, tsa.caPem)).out).toContain("Verification: OK");
  });

  it("reports qualified = true for an ETSI EN 319 422 qcStatements (0.4.0.19422.1.1) in the TSTInfo", async () => {
    const digest = crypto.getRandomValues(new Uint8Array(32));
    const token = await buildToken({ pki: tsa, digest, qualified: true });
    const info = await verifyTimestampToken(token, { digest, trustAnchors: [tsa.caDer] });
    expect(info.qualified).toBe(true);
    expect((await opensslVerdict(token, digest, tsa.caPem)).out).toContain("Verification: OK");
  });

  it("reports the signer certificate's QC statements without treating them as a qualified token", async () => {
    const p = await pki({ name: "QC Cert", certQcStatementsHex: Buffer.from(qcStatementsDer(["0.4.0.1862.1.1"])).toString("hex") });
    const digest = crypto.getRandomValues(new Uint8Array(32));
    const info = await verifyTimestampToken(await buildToken({ pki: p, digest }), { digest, trustAnchors: [p.caDer] });
    expect(info.tsa.qcStatements).toEqual(["0.4.0.1862.1.1"]);
    expect(info.qualified).toBe(false);
  });

  it("fails with TSA_EKU_MISSING for a non-critical, absent or mixed timeStamping EKU (openssl refuses the first too)", async () => {
    const digest = crypto.getRandomValues(new Uint8Array(32));
    for (const eku of ["noncritical", "none", "extra"] as const) {
      const p = await pki({ name: `EKU ${eku}`, eku });
      const token = await buildToken({ pki: p, digest });
      expect(await outcome(verifyTimestampToken(token, { digest, trustAnchors: [p.caDer] })), eku).toBe("TSA_EKU_MISSING");
      if (eku === "noncritical") expect((await opensslVerdict(token, digest, p.caPem)).code).not.toBe(0);
    }
  });

  it("fails with TSA_SIGNATURE_INVALID without an ESS signing-certificate attribute or with one naming another certificate", async () => {
    const digest = crypto.getRandomValues(new Uint8Array(32));
    for (const ess of ["none", "wrong-hash"] as const) {
      const token = await buildToken({ pki: tsa, digest, ess });
      expect(await outcome(verifyTimestampToken(token, { digest, trustAnchors: [tsa.caDer] })), ess).toBe("TSA_SIGNATURE_INVALID");
    }
    for (const ess of ["v1", "v2-issuer-serial"] as const) {
      const token = await buildToken({ pki: tsa, digest, ess });
      expect(await outcome(verifyTimestampToken(token, { digest, trustAnchors: [tsa.caDer] })), ess).toBe("ok");
    }
  });

  it("finds the signer in `intermediates` when the token carries no certificate, and fails without it", async () => {
    const digest = crypto.getRandomValues(new Uint8Array(32));
    const token = await buildToken({ pki: tsa, digest, certificates: "none" });
    expect(await outcome(verifyTimestampToken(token, { digest, trustAnchors: [tsa.caDer] }))).toBe("TSA_SIGNATURE_INVALID");
    expect(await outcome(verifyTimestampToken(token, { digest, trustAnchors: [tsa.caDer], intermediates: [tsa.tsaCertDer] }))).toBe("ok");
  });

  it("accepts the TSA certificate itself as a pinned anchor", async () => {
    expect(await outcome(verifyTimestampToken(good.token, { digest: good.digest, trustAnchors: [tsa.tsaCertDer] }))).toBe("ok");
    expect(await outcome(verifyTimestampToken(good.token, { digest: good.digest, trustAnchors: [rogue.tsaCertDer] }))).toBe("TSA_UNTRUSTED");
  });

  it("validates the chain at genTime: TSA_UNTRUSTED when genTime is outside the TSA certificate's validity", async () => {
    const digest = crypto.getRandomValues(new Uint8Array(32));
    const day = 86_400_000;
    for (const genTime of [new Date(Date.now() - 2 * day), new Date(Date.now() + 400 * day)]) {
      const token = await buildToken({ pki: tsa, digest, genTime });
      expect(await outcome(verifyTimestampToken(token, { digest, trustAnchors: [tsa.caDer] })), genTime.toISOString()).toBe("TSA_UNTRUSTED");
    }
    const token = await buildToken({ pki: tsa, digest, genTime: new Date(Date.now() + 100 * day) });
    expect(await outcome(verifyTimestampToken(token, { digest, trustAnchors: [tsa.caDer] }))).toBe("ok");
  });

  it("fails with TSA_GENTIME_IN_FUTURE when genTime is after the caller's now plus skew", async () => {
    const digest = crypto.getRandomValues(new Uint8Array(32));
    const token = await buildToken({ pki: tsa, digest, genTime: new Date(Date.now() + 3_600_000) });
    expect(await outcome(verifyTimestampToken(token, { digest, trustAnchors: [tsa.caDer], now: new Date() }))).toBe("TSA_GENTIME_IN_FUTURE");
    expect(await outcome(verifyTimestampToken(token, { digest, trustAnchors: [tsa.caDer], now: new Date(Date.now() + 3_600_000) }))).toBe("ok");
  });

  it("fails with TSA_IMPRINT_MISMATCH when the imprint algorithm is not SHA-256", async () => {
    const digest = crypto.getRandomValues(new Uint8Array(32));
    const token = await buildToken({ pki: tsa, digest, imprintAlgorithm: "2.16.840.1.101.3.4.2.2" });
    expect(await outcome(verifyTimestampToken(token, { digest, trustAnchors: [tsa.caDer] }))).toBe("TSA_IMPRINT_MISMATCH");
  });

  it("fails with TSA_MALFORMED for a token with two signers", async () => {
    const ci = new pkijs.ContentInfo({ schema: asn1js.fromBER(new Uint8Array(good.token)).result });
    const sd = new pkijs.SignedData({ schema: ci.content });
    sd.signerInfos.push(sd.signerInfos[0] as pkijs.SignerInfo);
    const two = new Uint8Array(new pkijs.ContentInfo({ contentType: ci.contentType, content: sd.toSchema() }).toSchema().toBER());
    expect(await outcome(verifyTimestampToken(two, { digest: good.digest, trustAnchors: [tsa.caDer] }))).toBe("TSA_MALFORMED");
  });
});

describe("receipt anchor", () => {
  it("toRfc3161AnchorReceipt and createTimestampVerifier round-trip the stored token", async () => {
    const info = await verifyTimestampToken(good.token, { digest: good.digest, trustAnchors: [tsa.caDer] });
    const receipt = toRfc3161AnchorReceipt(good.token, info, { tsaUrl: tsa.url });
    expect(receipt).toEqual({
      type: "rfc3161",
      tsaUrl: tsa.url,
      token: Buffer.from(good.token).toString("base64"),
      genTime: info.genTime.toISOString(),
      serial: info.serial,
      policy: tsa.policy,
      tsa: { subject: info.tsa.subject, issuer: info.tsa.issuer, serial: info.tsa.serial, sha256Fingerprint: info.tsa.sha256Fingerprint },
      qualified: false,
      stampedDigest: toHex(good.digest),
    });
    expect(base64ToBytes(receipt.token)).toEqual(good.token);
    const verifier = createTimestampVerifier({ trustAnchors: certificatesFromPem(tsa.caPem) });
    const r = await verifier(receipt.token, good.digest);
    expect(r.genTime).toBe(receipt.genTime);
    expect(r.detail).toContain(receipt.stampedDigest);
    expect(await outcome(verifier(receipt.token, crypto.getRandomValues(new Uint8Array(32))))).toBe("TSA_IMPRINT_MISMATCH");
  });

  it("base64 helpers agree with Node's codec on every length", () => {
    for (let n = 0; n < 40; n++) {
      const b = crypto.getRandomValues(new Uint8Array(n));
      const text = bytesToBase64(b);
      expect(text).toBe(Buffer.from(b).toString("base64"));
      expect(base64ToBytes(text)).toEqual(b);
    }
    expect(() => base64ToBytes("abc")).toThrow(/not base64/);
  });
});
