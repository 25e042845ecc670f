/**
 * `cms/1` claimant signatures: RFC 5652 SignedData, content type id-data, content detached (the
 * statement travels in the receipt), one SignerInfo with signed attributes content-type and
 * message-digest, the signer's certificate chain in `certificates`, optional CRLs / OCSP responses
 * captured at signing in `crls`. Algorithms: ECDSA P-256 (SHA-256) and P-384 (SHA-384), Ed25519
 * (message digest SHA-512, RFC 8419), RSASSA-PSS (SHA-256, MGF1-SHA-256, salt 32). What `openssl cms
 * -verify -binary -content statement.json` checks by hand. No I/O: keys sign through an injected
 * `CmsSigningKey` (WebCrypto here; Node KeyObjects and PKCS#12 in signature/node.ts).
 */
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { equalBytes } from "../bytes.ts";
import { PkiError, PriorProofError, SignatureError } from "../errors.ts";
import {
  digest,
  HASH_BY_OID,
  type HashName,
  OID_MGF1,
  OID_RSASSA_PSS,
  OID_SHA256,
  OID_SHA384,
  OID_SHA512,
  STRONG_HASHES,
  verifySignature,
} from "../pki/algorithms.ts";
import {
  type CertificateFacts,
  describeCertificate,
  findSignerCertificate,
  formatName,
  getExtendedKeyUsage,
  getKeyUsage,
  OID_ANY_EXTENDED_KEY_USAGE,
  type ParsedCertificate,
  parseCertificate,
} from "../pki/certificate.ts";
import { bytesToBase64, children, decodeBase64, decodeBer, hexOf, isUniversal } from "../pki/der.ts";
import { buildCertificationPath, type PathLimits } from "../pki/path.ts";

export const OID_SIGNED_DATA = "1.2.840.113549.1.7.2";
export const OID_DATA = "1.2.840.113549.1.7.1";
const OID_CONTENT_TYPE = "1.2.840.113549.1.9.3";
const OID_MESSAGE_DIGEST = "1.2.840.113549.1.9.4";
const OID_OCSP_RESPONSE_REVINFO = "1.3.6.1.5.5.7.16.2"; // id-ri-ocsp-response (RFC 5940)
const OID_EMAIL_PROTECTION = "1.3.6.1.5.5.7.3.4";
const OID_DOCUMENT_SIGNING = "1.3.6.1.5.5.7.3.36"; // id-kp-documentSigning (RFC 9336)
const OID_CODE_SIGNING = "1.3.6.1.5.5.7.3.3";
const OID_CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";

/** Extended key usages that permit signing a statement (when the certificate has the extension at all). */
export const SIGNING_EKUS: ReadonlySet<string> = new Set([
  OID_ANY_EXTENDED_KEY_USAGE,
  OID_EMAIL_PROTECTION,
  OID_DOCUMENT_SIGNING,
  OID_CODE_SIGNING,
  OID_CLIENT_AUTH,
]);

export type CmsKeyAlgorithm = "ecdsa-p256" | "ecdsa-p384" | "ed25519" | "rsa-pss";

/** A private key that signs the signed attributes; ECDSA values in the CMS (DER) encoding. */
export interface CmsSigningKey {
  readonly algorithm: CmsKeyAlgorithm;
  sign(data: Uint8Array): Promise<Uint8Array>;
}

const ALGORITHMS: Readonly<Record<CmsKeyAlgorithm, { hash: HashName; hashOid: string; signatureAlgorithm: () => pkijs.AlgorithmIdentifier }>> = {
  "ecdsa-p256": { hash: "SHA-256", hashOid: OID_SHA256, signatureAlgorithm: () => new pkijs.AlgorithmIdentifier({ algorithmId: "1.2.840.10045.4.3.2" }) },
  "ecdsa-p384": { hash: "SHA-384", hashOid: OID_SHA384, signatureAlgorithm: () => new pkijs.AlgorithmIdentifier({ algorithmId: "1.2.840.10045.4.3.3" }) },
  ed25519: { hash: "SHA-512", hashOid: OID_SHA512, signatureAlgorithm: () => new pkijs.AlgorithmIdentifier({ algorithmId: "1.3.101.112" }) },
  "rsa-pss": {
    hash: "SHA-256",
    hashOid: OID_SHA256,
    signatureAlgorithm: () => {
      const sha256 = new pkijs.AlgorithmIdentifier({ algorithmId: OID_SHA256, algorithmParams: new asn1js.Null() });
      const params = new pkijs.RSASSAPSSParams({
        hashAlgorithm: sha256,
        maskGenAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: OID_MGF1, algorithmParams: sha256.toSchema() }),
        saltLength: 32,
      });
      return new pkijs.AlgorithmIdentifier({ algorithmId: OID_RSASSA_PSS, algorithmParams: params.toSchema() });
    },
  },
};

/** Raw r ‖ s (WebCrypto) → DER ECDSA-Sig-Value (CMS). */
export function ecdsaRawToDer(raw: Uint8Array): Uint8Array {
  const half = raw.length / 2;
  const int = (b: Uint8Array) => {
    let v = b;
    while (v.length > 1 && v[0] === 0 && ((v[1] ?? 0) & 0x80) === 0) v = v.subarray(1);
    return new asn1js.Integer({ valueHex: ((v[0] ?? 0) & 0x80) !== 0 ? new Uint8Array([0, ...v]) : new Uint8Array(v) });
  };
  return new Uint8Array(new asn1js.Sequence({ value: [int(raw.subarray(0, half)), int(raw.subarray(half))] }).toBER());
}

/**
 * A `CmsSigningKey` over a WebCrypto private key (browsers, or Node's WebCrypto): ECDSA P-256/P-384,
 * Ed25519, or RSA-PSS (imported with hash SHA-256).
 *
 * @example
 * const key = webCryptoSigningKey((await crypto.subtle.generateKey({ name: "Ed25519" }, false, ["sign", "verify"])).privateKey);
 */
export function webCryptoSigningKey(key: CryptoKey): CmsSigningKey {
  const alg = key.algorithm as { name: string; namedCurve?: string; hash?: { name: string } };
  const subtle = globalThis.crypto.subtle;
  if (alg.name === "ECDSA" && (alg.namedCurve === "P-256" || alg.namedCurve === "P-384")) {
    const hash = alg.namedCurve === "P-256" ? "SHA-256" : "SHA-384";
    return {
      algorithm: alg.namedCurve === "P-256" ? "ecdsa-p256" : "ecdsa-p384",
      sign: async (d) => ecdsaRawToDer(new Uint8Array(await subtle.sign({ name: "ECDSA", hash }, key, new Uint8Array(d)))),
    };
  }
  if (alg.name === "Ed25519")
    return { algorithm: "ed25519", sign: async (d) => new Uint8Array(await subtle.sign({ name: "Ed25519" }, key, new Uint8Array(d))) };
  if (alg.name === "RSA-PSS" && alg.hash?.name === "SHA-256")
    return { algorithm: "rsa-pss", sign: async (d) => new Uint8Array(await subtle.sign({ name: "RSA-PSS", saltLength: 32 }, key, new Uint8Array(d))) };
  throw new SignatureError(
    "SIGNATURE_UNSUPPORTED",
    `webcrypto key ${alg.name}${alg.namedCurve ? ` ${alg.namedCurve}` : ""} is not one of ECDSA P-256/P-384, Ed25519, RSA-PSS/SHA-256`,
  );
}

function sortDer(values: asn1js.BaseBlock[]): asn1js.BaseBlock[] {
  // DER SET OF: elements ordered by their encodings (X.690 §11.6).
  const enc = values.map((v) => ({ v, b: new Uint8Array(v.toBER()) }));
  enc.sort((x, y) => {
    for (let i = 0; i < Math.min(x.b.length, y.b.length); i++) if (x.b[i] !== y.b[i]) return (x.b[i] ?? 0) - (y.b[i] ?? 0);
    return x.b.length - y.b.length;
  });
  return enc.map((e) => e.v);
}

export interface CreateCmsOptions {
  readonly key: CmsSigningKey;
  /** The signer's certificate (DER), first, then its intermediates (the trust anchor may be left out). */
  readonly certificates: readonly Uint8Array[];
  /** DER CRLs captured at signing, carried in `crls`. */
  readonly crls?: readonly Uint8Array[];
  /** DER OCSPResponses captured at signing, carried as otherRevInfo id-ri-ocsp-response (RFC 5940). */
  readonly ocspResponses?: readonly Uint8Array[];
}

/**
 * A detached CMS SignedData over `content`, base64 DER — the `cms` member of a `cms/1` signature.
 *
 * @example
 * const cms = await createCmsSignature(statementBytes(facts), { key, certificates: [signerDer, intermediateDer] });
 */
export async function createCmsSignature(content: Uint8Array, options: CreateCmsOptions): Promise<string> {
  const spec = ALGORITHMS[options.key.algorithm];
  if (!spec) throw new SignatureError("SIGNATURE_UNSUPPORTED", `unknown key algorithm ${String(options.key.algorithm)}`);
  if (options.certificates.length === 0) throw new SignatureError("INVALID_ARGUMENT", "the signer's certificate is required");
  const certs = options.certificates.map((d, i) => parseCertificate(d, i === 0 ? "signer certificate" : `chain certificate ${i}`));
  const signer = certs[0] as ParsedCertificate;
  const attrs = sortDer([
    new pkijs.Attribute({ type: OID_CONTENT_TYPE, values: [new asn1js.ObjectIdentifier({ value: OID_DATA })] }).toSchema(),
    new pkijs.Attribute({ type: OID_MESSAGE_DIGEST, values: [new asn1js.OctetString({ valueHex: await digest(spec.hash, content) })] }).toSchema(),
  ]).map((s) => new pkijs.Attribute({ schema: asn1js.fromBER(s.toBER()).result }));
  const signedAttrs = new pkijs.SignedAndUnsignedAttributes({ type: 0, attributes: attrs });
  // RFC 5652 §5.4: the signature is over the DER of the attributes as a SET OF (tag 0x31), not [0].
  const toSign = new Uint8Array(signedAttrs.toSchema().toBER());
  toSign[0] = 0x31;
  const signature = await options.key.sign(toSign);
  const ok = await verifySignature({ publicKey: signer.cert.subjectPublicKeyInfo, algorithm: spec.signatureAlgorithm(), data: toSign, signature });
  if (!ok) throw new SignatureError("SIGNATURE_INVALID", `the key does not match the signer certificate ${formatName(signer.cert.subject)}`);
  const revocation: pkijs.SignedDataCRL[] = [
    ...(options.crls ?? []).map((d) => pkijs.CertificateRevocationList.fromBER(new Uint8Array(d))),
    ...(options.ocspResponses ?? []).map(
      (d) => new pkijs.OtherRevocationInfoFormat({ otherRevInfoFormat: OID_OCSP_RESPONSE_REVINFO, otherRevInfo: asn1js.fromBER(new Uint8Array(d)).result }),
    ),
  ];
  const sd = new pkijs.SignedData({
    version: 1,
    digestAlgorithms: [new pkijs.AlgorithmIdentifier({ algorithmId: spec.hashOid })],
    encapContentInfo: new pkijs.EncapsulatedContentInfo({ eContentType: OID_DATA }),
    certificates: certs.map((c) => c.cert),
    ...(revocation.length > 0 ? { crls: revocation } : {}),
    signerInfos: [
      new pkijs.SignerInfo({
        version: 1,
        sid: new pkijs.IssuerAndSerialNumber({ issuer: signer.cert.issuer, serialNumber: signer.cert.serialNumber }),
        digestAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: spec.hashOid }),
        signedAttrs,
        signatureAlgorithm: spec.signatureAlgorithm(),
        signature: new asn1js.OctetString({ valueHex: signature }),
      }),
    ],
  });
  const ci = new pkijs.ContentInfo({ contentType: OID_SIGNED_DATA, content: sd.toSchema(true) });
  return bytesToBase64(new Uint8Array(ci.toSchema().toBER()));
}

// ---------------------------------------------------------------------------------- verification

/** Revocation information the SignedData carried, as found (times are the issuers' statements). */
export interface RevocationReport {
  /** False when the SignedData carries no CRL or OCSP response for the signer: "revocation not checked". */
  readonly checked: boolean;
  readonly detail: string;
}

export interface VerifyCmsOptions {
  /** DER certificates of the CAs the VERIFIER trusts for signers (never taken from the signature). */
  readonly trustAnchors: readonly Uint8Array[];
  /** The time the certificates must be valid at: the anchor's proven time. */
  readonly at: Date;
  readonly limits?: Partial<PathLimits>;
}

export interface CmsVerification {
  readonly signer: CertificateFacts;
  /** Intermediates from the signer to the anchor. */
  readonly chain: readonly CertificateFacts[];
  readonly trustAnchor: CertificateFacts;
  readonly revocation: RevocationReport;
}

function invalid(message: string, cause?: unknown): never {
  throw new SignatureError("SIGNATURE_INVALID", message, cause === undefined ? undefined : { cause });
}

/** Key usage permits signing statements: digitalSignature or nonRepudiation; an EKU, if any, one of SIGNING_EKUS. */
export function assertSigningUsage(c: ParsedCertificate): void {
  const ku = getKeyUsage(c.cert);
  if (ku && !ku.digitalSignature && !ku.nonRepudiation) {
    throw new PkiError(
      "SIGNER_KEY_USAGE",
      `signer certificate ${formatName(c.cert.subject)} key usage (${ku.bits}) permits neither digitalSignature nor nonRepudiation`,
    );
  }
  const eku = getExtendedKeyUsage(c.cert);
  if (eku && !eku.purposes.some((p) => SIGNING_EKUS.has(p))) {
    throw new PkiError(
      "SIGNER_KEY_USAGE",
      `signer certificate ${formatName(c.cert.subject)} extended key usage (${eku.purposes.join(",")}) does not permit signing documents`,
    );
  }
}

async function revocationOf(sd: pkijs.SignedData, signer: ParsedCertificate, issuer: ParsedCertificate, at: Date): Promise<RevocationReport> {
  const found: string[] = [];
  for (const item of sd.crls ?? []) {
    if (item instanceof pkijs.CertificateRevocationList) {
      if (!item.issuer.isEqual(signer.cert.issuer)) continue;
      let signed = false;
      try {
        signed = await verifySignature({
          publicKey: issuer.cert.subjectPublicKeyInfo,
          algorithm: item.signatureAlgorithm,
          data: new Uint8Array(item.tbsView),
          signature: new Uint8Array(item.signatureValue.valueBlock.valueHexView),
        });
      } catch {
        signed = false;
      }
      if (!signed) {
        found.push(`a CRL naming ${formatName(item.issuer)} whose signature does not verify (ignored)`);
        continue;
      }
      const revoked = (item.revokedCertificates ?? []).find((r) => r.userCertificate.isEqual(signer.cert.serialNumber));
      if (revoked && revoked.revocationDate.value.getTime() <= at.getTime()) {
        throw new PkiError(
          "SIGNER_REVOKED",
          `signer certificate was revoked at ${revoked.revocationDate.value.toISOString()} (CRL of ${formatName(item.issuer)}), before ${at.toISOString()}`,
        );
      }
      found.push(
        `CRL of ${formatName(item.issuer)} issued ${item.thisUpdate.value.toISOString()}` +
          (item.nextUpdate ? `, next update ${item.nextUpdate.value.toISOString()}` : "") +
          `: signer ` +
          (revoked ? `revoked later, at ${revoked.revocationDate.value.toISOString()}` : "not revoked"),
      );
    } else if (item instanceof pkijs.OtherRevocationInfoFormat && item.otherRevInfoFormat === OID_OCSP_RESPONSE_REVINFO) {
      found.push("an OCSP response captured at signing (carried, not evaluated by this verifier)");
    }
  }
  const checked = found.some((f) => f.startsWith("CRL of"));
  return { checked, detail: found.length > 0 ? found.join("; ") : "revocation not checked (no CRL or OCSP response captured at signing)" };
}

/**
 * Verifies a `cms/1` signature over `content` (the statement bytes): structure, message digest,
 * signature, signer key usage, and a path to a verifier trust anchor with every certificate valid at
 * `options.at`. Throws `SignatureError` (`SIGNATURE_INVALID`) or `PkiError` (`SIGNER_UNTRUSTED`,
 * `SIGNER_EXPIRED`, `SIGNER_NOT_YET_VALID`, `SIGNER_KEY_USAGE`, `CHAIN_LOOP`, `CHAIN_TOO_LONG`, …).
 *
 * @example
 * const v = await verifyCmsSignature(signature.cms, statementBytes(facts), { trustAnchors: [caDer], at: anchorTime });
 * v.signer.subject // "CN=Acme Seal,O=Acme GmbH,C=DE"
 */
export async function verifyCmsSignature(cmsBase64: string, content: Uint8Array, options: VerifyCmsOptions): Promise<CmsVerification> {
  try {
    return await verifyCms(cmsBase64, content, options);
  } catch (e) {
    if (e instanceof PriorProofError) throw e;
    return invalid(`cms signature: ${e instanceof Error ? e.message : String(e)}`, e);
  }
}

/** Structure, message digest and signature of a detached SignedData over `content`; no chain, no trust. */
async function checkSignedData(
  cmsBase64: string,
  content: Uint8Array,
): Promise<{ sd: pkijs.SignedData; signer: ParsedCertificate; carried: ParsedCertificate[] }> {
  const der = decodeBase64(cmsBase64);
  if (!der) return invalid("cms signature is not base64");
  const decoded = decodeBer(der);
  if ("problem" in decoded) return invalid(`cms signature: ${decoded.problem}`);
  const ci = new pkijs.ContentInfo({ schema: decoded.node });
  if (ci.contentType !== OID_SIGNED_DATA) invalid(`cms content type ${ci.contentType} is not signedData`);
  const sdNode = ci.content as asn1js.BaseBlock;
  const sd = new pkijs.SignedData({ schema: sdNode });
  if (sd.encapContentInfo.eContentType !== OID_DATA) invalid(`encapsulated content type ${sd.encapContentInfo.eContentType} is not id-data`);
  if (sd.encapContentInfo.eContent !== undefined) invalid("the signature is not detached: it carries its own content");
  if (sd.signerInfos.length !== 1) invalid(`${sd.signerInfos.length} signers, expected exactly one`);
  const signerInfo = sd.signerInfos[0] as pkijs.SignerInfo;

  const carried: ParsedCertificate[] = [];
  for (const node of children(sdNode)) {
    if (node.idBlock.tagClass !== 3 || node.idBlock.tagNumber !== 0) continue;
    for (const c of children(node)) if (isUniversal(c, 16)) carried.push(parseCertificate(new Uint8Array(c.valueBeforeDecodeView), "carried certificate"));
  }
  const signer = findSignerCertificate(signerInfo, carried);
  if (!signer) return invalid("the signer's certificate is not in the signature");

  // Signed attributes: exactly one content-type (id-data) and message-digest (of the statement).
  const attrs = signerInfo.signedAttrs?.attributes ?? [];
  if (!signerInfo.signedAttrs || attrs.length === 0) invalid("signer info has no signed attributes");
  const types = attrs.map((a) => a.type);
  const dup = types.find((t, i) => types.indexOf(t) !== i);
  if (dup) invalid(`signed attribute ${dup} appears more than once`);
  const hash = HASH_BY_OID[signerInfo.digestAlgorithm.algorithmId];
  if (!hash || !STRONG_HASHES.has(hash)) return invalid(`unsupported digest algorithm ${signerInfo.digestAlgorithm.algorithmId}`);
  const ct = attrs.find((a) => a.type === OID_CONTENT_TYPE);
  const ctValue = ct?.values.length === 1 ? (ct.values[0] as unknown) : undefined;
  if (!(ctValue instanceof asn1js.ObjectIdentifier) || ctValue.valueBlock.toString() !== OID_DATA) invalid("content-type signed attribute is not id-data");
  const md = attrs.find((a) => a.type === OID_MESSAGE_DIGEST);
  const mdValue = md?.values.length === 1 ? (md.values[0] as unknown) : undefined;
  if (!(mdValue instanceof asn1js.OctetString)) return invalid("message-digest signed attribute missing");
  const actual = await digest(hash, content);
  if (!equalBytes(actual, new Uint8Array(mdValue.valueBlock.valueHexView))) {
    invalid(
      `the signature is over another statement: message-digest ${hexOf(new Uint8Array(mdValue.valueBlock.valueHexView))}, the statement's ${hash} ` +
        `is ${hexOf(actual)}`,
    );
  }
  let ok = false;
  try {
    ok = await verifySignature({
      publicKey: signer.cert.subjectPublicKeyInfo,
      algorithm: signerInfo.signatureAlgorithm,
      data: new Uint8Array(signerInfo.signedAttrs.encodedValue),
      signature: new Uint8Array(signerInfo.signature.valueBlock.valueHexView),
      digestHint: hash,
    });
  } catch (e) {
    invalid(`signature could not be verified: ${e instanceof Error ? e.message : String(e)}`, e);
  }
  if (!ok) invalid(`the signature by ${formatName(signer.cert.subject)} does not verify`);

  return { sd, signer, carried };
}

/**
 * The signature math and the statement binding of a `cms/1` signature, without any trust decision:
 * the structure, the message digest of `content` and the signature by the certificate the SignedData
 * names, and its key usage. What a service checks on arrival when it has no signer CAs configured.
 * Throws `SIGNATURE_INVALID` or `SIGNER_KEY_USAGE`; returns the (unverified) signer certificate's facts.
 *
 * @example
 * const signer = await checkCmsSignatureMath(signature.cms, statementBytes(facts));
 */
export async function checkCmsSignatureMath(cmsBase64: string, content: Uint8Array): Promise<CertificateFacts> {
  try {
    const { signer } = await checkSignedData(cmsBase64, content);
    assertSigningUsage(signer);
    return describeCertificate(signer);
  } catch (e) {
    if (e instanceof PriorProofError) throw e;
    return invalid(`cms signature: ${e instanceof Error ? e.message : String(e)}`, e);
  }
}

async function verifyCms(cmsBase64: string, content: Uint8Array, options: VerifyCmsOptions): Promise<CmsVerification> {
  if (!Array.isArray(options.trustAnchors) || options.trustAnchors.length === 0)
    throw new PkiError("SIGNER_UNTRUSTED", "no signer trust anchor was configured by the verifier");
  const anchors = options.trustAnchors.map((d, i) => parseCertificate(d, `signer trust anchor ${i}`));
  const { sd, signer, carried } = await checkSignedData(cmsBase64, content);
  assertSigningUsage(signer);
  const { path, anchor } = await buildCertificationPath(signer, {
    trustAnchors: anchors,
    certificates: carried,
    at: options.at,
    ...(options.limits ? { limits: options.limits } : {}),
  });
  const issuer = path[1] ?? anchor;
  const revocation = await revocationOf(sd, signer, issuer, options.at);
  return { signer: describeCertificate(signer), chain: path.slice(1).map(describeCertificate), trustAnchor: describeCertificate(anchor), revocation };
}
