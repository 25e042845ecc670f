/**
 * Builds RFC 3161 tokens with pkijs and a test PKI's TSA key, for cases `openssl ts -reply` will not
 * produce: a qcStatements (qualified) extension, a certificate without a critical EKU, a missing or
 * wrong ESS signing-certificate attribute, a token without certificates, any genTime.
 * The normal build is checked against `openssl ts -verify` in the tests, so it is a faithful token.
 */
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { pemToDer, type TestPki } from "./openssl-tsa.ts";

const OID_SHA256 = "2.16.840.1.101.3.4.2.1";
const OID_TST_INFO = "1.2.840.113549.1.9.16.1.4";
const OID_SIGNED_DATA = "1.2.840.113549.1.7.2";

export type EssMode = "v2" | "v2-issuer-serial" | "v1" | "none" | "wrong-hash";

export interface BuildTokenOptions {
  readonly pki: TestPki;
  readonly digest: Uint8Array;
  readonly nonce?: bigint;
  readonly policy?: string;
  readonly genTime?: Date;
  readonly serial?: bigint;
  /** Add the ETSI EN 319 422 qcStatements extension with esi4-qtstStatement-1 to the TSTInfo. */
  readonly qualified?: boolean;
  readonly ess?: EssMode;
  /** Which certificates the SignedData carries (default signer and CA). */
  readonly certificates?: "signer+ca" | "signer" | "none";
  readonly imprintAlgorithm?: string;
  /** More certificates for the SignedData to carry (e.g. a loop of CA certificates). */
  readonly extraCertificates?: readonly Uint8Array[];
}

function sortDer(values: asn1js.BaseBlock[]): asn1js.BaseBlock[] {
  // DER SET OF: elements ordered by their encodings.
  const enc = values.map((v) => ({ v, b: new Uint8Array(v.toBER()) }));
  enc.sort((x, y) => {
    for (let i = 0; i < Math.min(x.b.length, y.b.length); i++) if (x.b[i] !== y.b[i]) return (x.b[i] ?? 0) - (y.b[i] ?? 0);
    return x.b.length - y.b.length;
  });
  return enc.map((e) => e.v);
}

async function importKey(pki: TestPki): Promise<CryptoKey> {
  const der = pemToDer(pki.tsaKeyPem);
  const alg = pki.keyType === "rsa" ? { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" } : { name: "ECDSA", namedCurve: "P-256" };
  return crypto.subtle.importKey("pkcs8", new Uint8Array(der), alg, false, ["sign"]);
}

/** QCStatements ::= SEQUENCE OF QCStatement { statementId OID } with esi4-qtstStatement-1. */
export function qcStatementsDer(oids: readonly string[] = ["0.4.0.19422.1.1"]): Uint8Array {
  return new Uint8Array(new asn1js.Sequence({ value: oids.map((o) => new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: o })] })) }).toBER());
}

export async function buildToken(o: BuildTokenOptions): Promise<Uint8Array> {
  const signerCert = pkijs.Certificate.fromBER(new Uint8Array(o.pki.tsaCertDer));
  const caCert = pkijs.Certificate.fromBER(new Uint8Array(o.pki.caDer));
  const tst = new pkijs.TSTInfo({
    version: 1,
    policy: o.policy ?? "1.3.6.1.4.1.99999.3161.1",
    messageImprint: new pkijs.MessageImprint({
      hashAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: o.imprintAlgorithm ?? OID_SHA256 }),
      hashedMessage: new asn1js.OctetString({ valueHex: new Uint8Array(o.digest) }),
    }),
    serialNumber: asn1js.Integer.fromBigInt(o.serial ?? 4242n),
    genTime: o.genTime ?? new Date(),
    accuracy: new pkijs.Accuracy({ seconds: 1 }),
    ...(o.nonce !== undefined ? { nonce: asn1js.Integer.fromBigInt(o.nonce) } : {}),
    ...(o.qualified
      ? { extensions: [new pkijs.Extension({ extnID: "1.3.6.1.5.5.7.1.3", critical: false, extnValue: qcStatementsDer().buffer as ArrayBuffer })] }
      : {}),
  });
  const tstDer = new Uint8Array(tst.toSchema().toBER());

  const attrs: pkijs.Attribute[] = [
    new pkijs.Attribute({ type: "1.2.840.113549.1.9.3", values: [new asn1js.ObjectIdentifier({ value: OID_TST_INFO })] }),
    new pkijs.Attribute({
      type: "1.2.840.113549.1.9.4",
      values: [new asn1js.OctetString({ valueHex: await crypto.subtle.digest("SHA-256", new Uint8Array(tstDer)) })],
    }),
  ];
  const ess = o.ess ?? "v2";
  if (ess !== "none") {
    const certDer = ess === "wrong-hash" ? o.pki.caDer : o.pki.tsaCertDer;
    const v1 = ess === "v1";
    const hash = new Uint8Array(await crypto.subtle.digest(v1 ? "SHA-1" : "SHA-256", new Uint8Array(certDer)));
    const idParts: asn1js.BaseBlock[] = [new asn1js.OctetString({ valueHex: hash })];
    if (ess === "v2-issuer-serial") {
      idParts.push(
        new asn1js.Sequence({
          value: [
            new asn1js.Sequence({ value: [new pkijs.GeneralName({ type: 4, value: signerCert.issuer }).toSchema()] }),
            asn1js.Integer.fromBigInt(signerCert.serialNumber.toBigInt()),
          ],
        }),
      );
    }
    const value = new asn1js.Sequence({ value: [new asn1js.Sequence({ value: [new asn1js.Sequence({ value: idParts })] })] });
    attrs.push(new pkijs.Attribute({ type: v1 ? "1.2.840.113549.1.9.16.2.12" : "1.2.840.113549.1.9.16.2.47", values: [value] }));
  }
  const sortedSchemas = sortDer(attrs.map((a) => a.toSchema()));
  const sortedAttrs = sortedSchemas.map((s) => new pkijs.Attribute({ schema: asn1js.fromBER(s.toBER()).result }));

  const certs = o.certificates ?? "signer+ca";
  const sd = new pkijs.SignedData({
    version: 3,
    encapContentInfo: new pkijs.EncapsulatedContentInfo({ eContentType: OID_TST_INFO, eContent: new asn1js.OctetString({ valueHex: tstDer }) }),
    signerInfos: [
      new pkijs.SignerInfo({
        version: 1,
        sid: new pkijs.IssuerAndSerialNumber({ issuer: signerCert.issuer, serialNumber: signerCert.serialNumber }),
        signedAttrs: new pkijs.SignedAndUnsignedAttributes({ type: 0, attributes: sortedAttrs }),
      }),
    ],
    ...(certs === "none"
      ? {}
      : {
          certificates: [
            ...(certs === "signer" ? [signerCert] : [signerCert, caCert]),
            ...(o.extraCertificates ?? []).map((d) => pkijs.Certificate.fromBER(new Uint8Array(d))),
          ],
        }),
  });
  await sd.sign(await importKey(o.pki), 0, "SHA-256");
  const ci = new pkijs.ContentInfo({ contentType: OID_SIGNED_DATA, content: sd.toSchema(true) });
  return new Uint8Array(ci.toSchema().toBER());
}
