/**
 * X.509 certificates (RFC 5280) as the verifiers need them: strict parsing that keeps the exact DER,
 * RFC 4514-style names, extensions (key usage, extended key usage, basic constraints), validity at a
 * given time, and the plain facts a report prints (subject, issuer, serial, validity, fingerprint).
 */
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { PkiError } from "../errors.ts";
import { sha256 } from "../sha256.ts";
import { children, decodeBer, hexOf, integerHex, isUniversal } from "./der.ts";

export const OID_KEY_USAGE = "2.5.29.15";
export const OID_EXT_KEY_USAGE = "2.5.29.37";
export const OID_BASIC_CONSTRAINTS = "2.5.29.19";
export const OID_SUBJECT_KEY_IDENTIFIER = "2.5.29.14";
export const OID_AUTHORITY_KEY_IDENTIFIER = "2.5.29.35";
export const OID_ANY_EXTENDED_KEY_USAGE = "2.5.29.37.0";

/** A parsed certificate with the exact bytes it came as (fingerprints and ESS hashes are over those). */
export interface ParsedCertificate {
  readonly der: Uint8Array;
  readonly cert: pkijs.Certificate;
  /** SHA-256 of `der`, lower-case hex without 0x. */
  readonly fingerprint: string;
}

/**
 * Parses one DER certificate; throws `CERT_MALFORMED` naming `what`.
 *
 * @example
 * const ca = parseCertificate(caDer, "trust anchor 0");
 */
export function parseCertificate(der: Uint8Array, what = "certificate"): ParsedCertificate {
  const r = decodeBer(der);
  if ("problem" in r) throw new PkiError("CERT_MALFORMED", `${what}: ${r.problem}`);
  try {
    const bytes = new Uint8Array(der);
    return { der: bytes, cert: new pkijs.Certificate({ schema: r.node }), fingerprint: hexOf(sha256(bytes)) };
  } catch (e) {
    throw new PkiError("CERT_MALFORMED", `${what}: not an x.509 certificate`, { cause: e });
  }
}

const NAME_ATTRS: Readonly<Record<string, string>> = {
  "2.5.4.3": "CN",
  "2.5.4.4": "SN",
  "2.5.4.5": "serialNumber",
  "2.5.4.6": "C",
  "2.5.4.7": "L",
  "2.5.4.8": "ST",
  "2.5.4.9": "STREET",
  "2.5.4.10": "O",
  "2.5.4.11": "OU",
  "2.5.4.12": "title",
  "2.5.4.42": "GN",
  "2.5.4.97": "organizationIdentifier",
  "0.9.2342.19200300.100.1.1": "UID",
  "0.9.2342.19200300.100.1.25": "DC",
  "1.2.840.113549.1.9.1": "emailAddress",
};

function escapeDnValue(v: string): string {
  let s = v.replace(/[\\,+"<>;=]/g, (c) => `\\${c}`);
  if (s.startsWith(" ") || s.startsWith("#")) s = `\\${s}`;
  if (s.endsWith(" ") && s.length > 1) s = `${s.slice(0, -1)}\\ `;
  return s;
}

/**
 * RFC 4514-style rendering of an X.500 Name: the last RDN first, `+` inside multi-valued RDNs.
 *
 * @example
 * formatName(cert.subject) // "CN=Acme Seal,O=Acme GmbH,C=DE"
 */
export function formatName(name: pkijs.RelativeDistinguishedNames): string {
  // pkijs flattens RDNs into typesAndValues; group them back through the raw RDNSequence when possible.
  const seq = name.valueBeforeDecode.byteLength > 0 ? asn1js.fromBER(name.valueBeforeDecode).result : undefined;
  const rdns: pkijs.AttributeTypeAndValue[][] = [];
  if (seq && isUniversal(seq, 16)) {
    for (const set of children(seq)) rdns.push(children(set).map((atv) => new pkijs.AttributeTypeAndValue({ schema: atv })));
  } else {
    for (const atv of name.typesAndValues) rdns.push([atv]);
  }
  return rdns
    .reverse()
    .map((rdn) =>
      rdn
        .map((atv) => {
          const key = NAME_ATTRS[atv.type] ?? atv.type;
          const value = (atv.value.valueBlock as { value?: unknown }).value;
          if (typeof value === "string" && key !== atv.type) return `${key}=${escapeDnValue(value)}`;
          return `${atv.type}=#${hexOf(new Uint8Array(atv.value.toBER()))}`;
        })
        .join("+"),
    )
    .join(",");
}

export function extensions(cert: pkijs.Certificate, oid: string): pkijs.Extension[] {
  return (cert.extensions ?? []).filter((e) => e.extnID === oid);
}

/** Key usage bits (RFC 5280 §4.2.1.3), or undefined when the extension is absent. */
export interface KeyUsage {
  readonly digitalSignature: boolean;
  readonly nonRepudiation: boolean;
  readonly keyCertSign: boolean;
  readonly cRLSign: boolean;
  /** The raw BIT STRING bytes, lower-case hex. */
  readonly bits: string;
}

export function getKeyUsage(cert: pkijs.Certificate): KeyUsage | undefined {
  const ku = extensions(cert, OID_KEY_USAGE)[0];
  if (!ku) return undefined;
  const bits = ku.parsedValue instanceof asn1js.BitString ? ku.parsedValue.valueBlock.valueHexView : new Uint8Array();
  const b0 = bits[0] ?? 0;
  return {
    digitalSignature: (b0 & 0x80) !== 0,
    nonRepudiation: (b0 & 0x40) !== 0,
    keyCertSign: (b0 & 0x04) !== 0,
    cRLSign: (b0 & 0x02) !== 0,
    bits: hexOf(bits),
  };
}

/** Extended key usage purposes, or undefined when the extension is absent. */
export function getExtendedKeyUsage(cert: pkijs.Certificate): { purposes: string[]; critical: boolean; count: number } | undefined {
  const all = extensions(cert, OID_EXT_KEY_USAGE);
  const ext = all[0];
  if (!ext) return undefined;
  const purposes = ext.parsedValue instanceof pkijs.ExtKeyUsage ? ext.parsedValue.keyPurposes : [];
  return { purposes, critical: ext.critical, count: all.length };
}

/** Basic constraints (RFC 5280 §4.2.1.9): whether the certificate is a CA and its path length limit. */
export function getBasicConstraints(cert: pkijs.Certificate): { cA: boolean; pathLenConstraint?: number } {
  const ext = extensions(cert, OID_BASIC_CONSTRAINTS)[0];
  if (!ext || !(ext.parsedValue instanceof pkijs.BasicConstraints)) return { cA: false };
  const bc = ext.parsedValue;
  const len =
    typeof bc.pathLenConstraint === "number"
      ? bc.pathLenConstraint
      : bc.pathLenConstraint instanceof asn1js.Integer
        ? bc.pathLenConstraint.valueBlock.valueDec
        : undefined;
  return len === undefined ? { cA: bc.cA === true } : { cA: bc.cA === true, pathLenConstraint: len };
}

/** The Subject Key Identifier, lower-case hex, when present. */
export function getSubjectKeyId(cert: pkijs.Certificate): string | undefined {
  const ski = extensions(cert, OID_SUBJECT_KEY_IDENTIFIER)[0]?.parsedValue;
  return ski instanceof asn1js.OctetString ? hexOf(new Uint8Array(ski.valueBlock.valueHexView)) : undefined;
}

/**
 * Throws `SIGNER_EXPIRED` / `SIGNER_NOT_YET_VALID` unless `at` is within the certificate's validity.
 *
 * @example
 * assertValidAt(signer, new Date("2026-11-30T08:00:00Z"), "signer certificate")
 */
export function assertValidAt(c: ParsedCertificate, at: Date, what: string): void {
  const notBefore = c.cert.notBefore.value;
  const notAfter = c.cert.notAfter.value;
  if (at.getTime() < notBefore.getTime()) {
    throw new PkiError(
      "SIGNER_NOT_YET_VALID",
      `${what} ${formatName(c.cert.subject)} is not valid before ${notBefore.toISOString()}, judged at ${at.toISOString()}`,
    );
  }
  if (at.getTime() > notAfter.getTime()) {
    throw new PkiError("SIGNER_EXPIRED", `${what} ${formatName(c.cert.subject)} expired at ${notAfter.toISOString()}, judged at ${at.toISOString()}`);
  }
}

/** What a report prints about a certificate: plain data, no objects of the ASN.1 layer. */
export interface CertificateFacts {
  /** RFC 4514-style distinguished names, most specific RDN first. */
  readonly subject: string;
  readonly issuer: string;
  /** Serial number, lower-case hex without 0x. */
  readonly serial: string;
  /** Validity, UTC ISO-8601. */
  readonly notBefore: string;
  readonly notAfter: string;
  /** SHA-256 of the DER, lower-case hex without 0x. */
  readonly sha256Fingerprint: string;
}

/**
 * The printable facts of a certificate.
 *
 * @example
 * describeCertificate(parseCertificate(der)).subject // "CN=Acme Seal,O=Acme GmbH,C=DE"
 */
export function describeCertificate(c: ParsedCertificate): CertificateFacts {
  return {
    subject: formatName(c.cert.subject),
    issuer: formatName(c.cert.issuer),
    serial: integerHex(c.cert.serialNumber),
    notBefore: c.cert.notBefore.value.toISOString(),
    notAfter: c.cert.notAfter.value.toISOString(),
    sha256Fingerprint: c.fingerprint,
  };
}

/** The certificate a SignerInfo names (issuer + serial, or subject key identifier), among `candidates`. */
export function findSignerCertificate(signerInfo: pkijs.SignerInfo, candidates: readonly ParsedCertificate[]): ParsedCertificate | undefined {
  const sid = signerInfo.sid as unknown;
  for (const c of candidates) {
    if (sid instanceof pkijs.IssuerAndSerialNumber) {
      if (c.cert.issuer.isEqual(sid.issuer) && c.cert.serialNumber.isEqual(sid.serialNumber)) return c;
    } else if (sid instanceof asn1js.BaseBlock) {
      // [0] SubjectKeyIdentifier (implicit OCTET STRING; pkijs may keep it constructed)
      const inner = children(sid)[0];
      const keyId = ((inner ?? sid).valueBlock as { valueHexView?: Uint8Array }).valueHexView;
      if (keyId && getSubjectKeyId(c.cert) === hexOf(new Uint8Array(keyId))) return c;
    }
  }
  return undefined;
}
