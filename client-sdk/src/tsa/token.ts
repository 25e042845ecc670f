/**
 * Verification of an RFC 3161 TimeStampToken, as named steps run in order by `verifyTimestampToken`:
 *   1. readArguments      — the caller's digest, nonce, policy and trust anchors (TSA_INVALID_ARGUMENT)
 *   2. decodeToken        — CMS SignedData with one signer over an id-ct-TSTInfo (TSA_MALFORMED)
 *   3. verifySignerInfo   — signed attributes, message digest, signature, ESS binding (TSA_SIGNATURE_INVALID)
 *   4. checkTimestampingUsage — critical, sole id-kp-timeStamping EKU; key usage (TSA_EKU_MISSING)
 *   5. verifyTsaChain     — path to a caller trust anchor at genTime, through pki/ (TSA_UNTRUSTED)
 *   6. checkStampedValues — imprint, nonce, policy, genTime against now (TSA_IMPRINT_MISMATCH, …)
 */
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { equalBytes, toHex } from "../bytes.ts";
import { PkiError, PriorProofError, TimestampTokenError, type TimestampTokenErrorCode } from "../errors.ts";
import { digest as digestBytes, HASH_BY_OID, type HashName, STRONG_HASHES, verifySignature } from "../pki/algorithms.ts";
import {
  extensions,
  findSignerCertificate,
  formatName,
  getExtendedKeyUsage,
  getKeyUsage,
  OID_KEY_USAGE,
  type ParsedCertificate,
  parseCertificate,
} from "../pki/certificate.ts";
import { children, hexOf, integerHex, isUniversal, signedBigInt, toBytes } from "../pki/der.ts";
import { buildCertificationPath, type PathStats } from "../pki/path.ts";
import {
  checkDigest,
  checkOid,
  fail,
  OID_CONTENT_TYPE,
  OID_ETSI_QTST_STATEMENT,
  OID_KP_TIME_STAMPING,
  OID_MESSAGE_DIGEST,
  OID_QC_STATEMENTS,
  OID_SHA256,
  OID_SIGNED_DATA,
  OID_SIGNING_CERTIFICATE,
  OID_SIGNING_CERTIFICATE_V2,
  OID_TST_INFO,
  parseDer,
  type TimestampTokenInfo,
  type VerifyTimestampOptions,
} from "./common.ts";

function certificate(der: Uint8Array, what: string, code: TimestampTokenErrorCode): ParsedCertificate {
  try {
    return parseCertificate(der, what);
  } catch (e) {
    return fail(code, e instanceof Error ? e.message : String(e), e);
  }
}

function qcStatementIds(extnValue: Uint8Array): string[] {
  try {
    const seq = parseDer(extnValue, "qcStatements");
    if (!isUniversal(seq, 16)) return [];
    const ids: string[] = [];
    for (const st of children(seq)) {
      const id = children(st)[0];
      if (id instanceof asn1js.ObjectIdentifier) ids.push(id.valueBlock.toString());
    }
    return ids;
  } catch {
    return [];
  }
}

// ----------------------------------------------------------------------------------------- step 1

interface Arguments {
  readonly digest: Uint8Array;
  readonly nonce?: bigint;
  readonly policy?: string;
  readonly anchors: ParsedCertificate[];
  readonly intermediates: ParsedCertificate[];
}

function readArguments(options: VerifyTimestampOptions): Arguments {
  const digest = checkDigest(options?.digest);
  if (options.nonce !== undefined && typeof options.nonce !== "bigint") fail("TSA_INVALID_ARGUMENT", `nonce must be a bigint: ${String(options.nonce)}`);
  const policy = options.policy === undefined ? undefined : checkOid(options.policy, "policy");
  if (!Array.isArray(options.trustAnchors) || options.trustAnchors.length === 0) fail("TSA_INVALID_ARGUMENT", "at least one trust anchor is required");
  const anchors = options.trustAnchors.map((d, i) => certificate(d, `trust anchor ${i}`, "TSA_INVALID_ARGUMENT"));
  const intermediates = (options.intermediates ?? []).map((d, i) => certificate(d, `intermediate ${i}`, "TSA_INVALID_ARGUMENT"));
  return { digest, ...(options.nonce !== undefined ? { nonce: options.nonce } : {}), ...(policy !== undefined ? { policy } : {}), anchors, intermediates };
}

// ----------------------------------------------------------------------------------------- step 2

interface DecodedToken {
  readonly signerInfo: pkijs.SignerInfo;
  readonly tst: pkijs.TSTInfo;
  /** The exact TSTInfo bytes the message digest is over. */
  readonly eContent: Uint8Array;
  /** Certificates the token carries, with their exact bytes. */
  readonly certificates: ParsedCertificate[];
}

function decodeToken(tokenDer: Uint8Array): DecodedToken {
  const root = parseDer(tokenDer, "timestamp token");
  let signedData: pkijs.SignedData;
  let sdNode: asn1js.BaseBlock;
  try {
    const contentInfo = new pkijs.ContentInfo({ schema: root });
    if (contentInfo.contentType !== OID_SIGNED_DATA) fail("TSA_MALFORMED", `timestamp token: content type ${contentInfo.contentType} is not signedData`);
    sdNode = contentInfo.content as asn1js.BaseBlock;
    signedData = new pkijs.SignedData({ schema: sdNode });
  } catch (e) {
    if (e instanceof TimestampTokenError) throw e;
    return fail("TSA_MALFORMED", `timestamp token: not a cms signed-data (${e instanceof Error ? e.message : String(e)})`, e);
  }
  const eci = signedData.encapContentInfo;
  if (eci.eContentType !== OID_TST_INFO) fail("TSA_MALFORMED", `timestamp token: encapsulated content type ${eci.eContentType} is not id-ct-TSTInfo`);
  if (!(eci.eContent instanceof asn1js.OctetString)) fail("TSA_MALFORMED", "timestamp token: no encapsulated TSTInfo");
  const eContent = toBytes(eci.eContent.getValue());
  let tst: pkijs.TSTInfo;
  try {
    tst = new pkijs.TSTInfo({ schema: parseDer(eContent, "TSTInfo") });
  } catch (e) {
    if (e instanceof TimestampTokenError) throw e;
    return fail("TSA_MALFORMED", `timestamp token: TSTInfo does not parse (${e instanceof Error ? e.message : String(e)})`, e);
  }
  if (tst.version !== 1) fail("TSA_MALFORMED", `timestamp token: TSTInfo version ${tst.version}, expected 1`);
  if (!(tst.genTime instanceof Date) || Number.isNaN(tst.genTime.getTime())) fail("TSA_MALFORMED", "timestamp token: genTime is not a valid time");
  if (signedData.signerInfos.length !== 1) fail("TSA_MALFORMED", `timestamp token: ${signedData.signerInfos.length} signers, expected exactly one`);
  const certificates: ParsedCertificate[] = [];
  for (const node of children(sdNode)) {
    if (node.idBlock.tagClass !== 3 || node.idBlock.tagNumber !== 0) continue;
    for (const c of children(node))
      if (isUniversal(c, 16)) certificates.push(certificate(new Uint8Array(c.valueBeforeDecodeView), "token certificate", "TSA_MALFORMED"));
  }
  return { signerInfo: signedData.signerInfos[0] as pkijs.SignerInfo, tst, eContent, certificates };
}

// ----------------------------------------------------------------------------------------- step 3

interface EssCertId {
  readonly hashName: HashName;
  readonly certHash: Uint8Array;
  readonly issuerSerial?: asn1js.BaseBlock;
}

function parseEssCertId(attr: pkijs.Attribute, v2: boolean): EssCertId {
  const bad = (why: string): never => fail("TSA_SIGNATURE_INVALID", `ess signing-certificate${v2 ? "-v2" : ""} attribute: ${why}`);
  if (attr.values.length !== 1) bad("expected one value");
  const signingCertificate = attr.values[0] as unknown;
  if (!isUniversal(signingCertificate, 16)) return bad("not a SEQUENCE");
  const certs = children(signingCertificate)[0];
  if (!certs || !isUniversal(certs, 16)) return bad("no certs");
  const first = children(certs)[0];
  if (!first || !isUniversal(first, 16)) return bad("empty certs");
  const parts = children(first);
  let hashName: HashName = v2 ? "SHA-256" : "SHA-1";
  if (v2 && parts[0] && isUniversal(parts[0], 16)) {
    const algId = children(parts.shift() as asn1js.BaseBlock)[0];
    const oid = algId instanceof asn1js.ObjectIdentifier ? algId.valueBlock.toString() : "";
    const name = HASH_BY_OID[oid];
    if (!name || !STRONG_HASHES.has(name)) return bad(`unsupported hash algorithm ${oid}`);
    hashName = name;
  }
  const hash = parts[0];
  if (!(hash instanceof asn1js.OctetString)) return bad("certHash is not an OCTET STRING");
  const issuerSerial = parts[1];
  return issuerSerial
    ? { hashName, certHash: new Uint8Array(hash.valueBlock.valueHexView), issuerSerial }
    : { hashName, certHash: new Uint8Array(hash.valueBlock.valueHexView) };
}

async function checkEssBinding(attrs: pkijs.Attribute[], signer: ParsedCertificate): Promise<void> {
  const v1 = attrs.filter((a) => a.type === OID_SIGNING_CERTIFICATE);
  const v2 = attrs.filter((a) => a.type === OID_SIGNING_CERTIFICATE_V2);
  if (v1.length + v2.length === 0) fail("TSA_SIGNATURE_INVALID", "no ess signing-certificate(-v2) signed attribute");
  for (const [attr, isV2] of [...v1.map((a) => [a, false] as const), ...v2.map((a) => [a, true] as const)]) {
    const id = parseEssCertId(attr, isV2);
    const actual = await digestBytes(id.hashName, signer.der);
    if (!equalBytes(actual, id.certHash)) {
      fail("TSA_SIGNATURE_INVALID", `ess certHash ${hexOf(id.certHash)} is not the ${id.hashName} of the signer certificate ${hexOf(actual)}`);
    }
    if (id.issuerSerial) {
      const [names, serial] = isUniversal(id.issuerSerial, 16) ? children(id.issuerSerial) : [];
      let issuerOk = false;
      try {
        const generalNames = new pkijs.GeneralNames({ schema: names });
        issuerOk = generalNames.names.some((n) => n.type === 4 && n.value instanceof pkijs.RelativeDistinguishedNames && n.value.isEqual(signer.cert.issuer));
      } catch {
        issuerOk = false;
      }
      const serialOk = serial instanceof asn1js.Integer && signer.cert.serialNumber.isEqual(serial);
      if (!issuerOk || !serialOk) fail("TSA_SIGNATURE_INVALID", "ess issuerSerial does not name the signer certificate");
    }
  }
}

async function verifySignerInfo(token: DecodedToken, intermediates: readonly ParsedCertificate[]): Promise<ParsedCertificate> {
  const { signerInfo, eContent, tst } = token;
  const signer = findSignerCertificate(signerInfo, [...token.certificates, ...intermediates]);
  if (!signer) return fail("TSA_SIGNATURE_INVALID", "signer certificate not found in the token or intermediates");
  const attrs = signerInfo.signedAttrs?.attributes ?? [];
  if (!signerInfo.signedAttrs || attrs.length === 0) fail("TSA_SIGNATURE_INVALID", "signer info has no signed attributes");
  const types = attrs.map((a) => a.type);
  const dup = types.find((t, i) => types.indexOf(t) !== i);
  if (dup) fail("TSA_SIGNATURE_INVALID", `signed attribute ${dup} appears more than once`);
  const digestName = HASH_BY_OID[signerInfo.digestAlgorithm.algorithmId];
  if (!digestName || !STRONG_HASHES.has(digestName))
    return fail("TSA_SIGNATURE_INVALID", `unsupported signer digest algorithm ${signerInfo.digestAlgorithm.algorithmId}`);
  const contentType = attrs.find((a) => a.type === OID_CONTENT_TYPE);
  const ct = contentType?.values.length === 1 ? (contentType.values[0] as unknown) : undefined;
  if (!(ct instanceof asn1js.ObjectIdentifier) || ct.valueBlock.toString() !== OID_TST_INFO)
    fail("TSA_SIGNATURE_INVALID", "content-type signed attribute is not id-ct-TSTInfo");
  const messageDigest = attrs.find((a) => a.type === OID_MESSAGE_DIGEST);
  const md = messageDigest?.values.length === 1 ? (messageDigest.values[0] as unknown) : undefined;
  if (!(md instanceof asn1js.OctetString)) return fail("TSA_SIGNATURE_INVALID", "message-digest signed attribute missing");
  const eContentDigest = await digestBytes(digestName, eContent);
  if (!equalBytes(eContentDigest, new Uint8Array(md.valueBlock.valueHexView))) {
    fail(
      "TSA_SIGNATURE_INVALID",
      `message-digest ${hexOf(new Uint8Array(md.valueBlock.valueHexView))} does not match the TSTInfo ${digestName} ${hexOf(eContentDigest)}`,
    );
  }
  let signatureOk = false;
  try {
    signatureOk = await verifySignature({
      publicKey: signer.cert.subjectPublicKeyInfo,
      algorithm: signerInfo.signatureAlgorithm,
      data: new Uint8Array(signerInfo.signedAttrs.encodedValue), // raw bytes, SET OF tag (0x31)
      signature: new Uint8Array(signerInfo.signature.valueBlock.valueHexView),
      digestHint: digestName,
    });
  } catch (e) {
    fail("TSA_SIGNATURE_INVALID", `signature could not be verified: ${e instanceof Error ? e.message : String(e)}`, e);
  }
  if (!signatureOk) fail("TSA_SIGNATURE_INVALID", `signature by ${formatName(signer.cert.subject)} does not verify`);
  await checkEssBinding(attrs, signer);
  if (tst.tsa && tst.tsa.type === 4 && tst.tsa.value instanceof pkijs.RelativeDistinguishedNames && !tst.tsa.value.isEqual(signer.cert.subject)) {
    fail("TSA_SIGNATURE_INVALID", `TSTInfo tsa name ${formatName(tst.tsa.value)} is not the signer ${formatName(signer.cert.subject)}`);
  }
  return signer;
}

// ----------------------------------------------------------------------------------------- step 4

/** RFC 3161 §2.3: exactly one EKU, id-kp-timeStamping, critical; key usage (if any) digitalSignature/nonRepudiation only. */
function checkTimestampingUsage(cert: pkijs.Certificate): void {
  const eku = getExtendedKeyUsage(cert);
  if (eku?.count !== 1) fail("TSA_EKU_MISSING", `signer certificate has ${eku?.count ?? 0} extended key usage extensions, expected one`);
  if (eku.purposes.length !== 1 || eku.purposes[0] !== OID_KP_TIME_STAMPING) {
    fail("TSA_EKU_MISSING", `signer extended key usage must be exactly id-kp-timeStamping, got ${eku.purposes.join(",") || "none"}`);
  }
  if (!eku.critical) fail("TSA_EKU_MISSING", "signer extended key usage id-kp-timeStamping is not critical");
  if (extensions(cert, OID_KEY_USAGE).length > 0) {
    const ku = getKeyUsage(cert);
    const bits = ku?.bits ?? "";
    const b0 = parseInt(bits.slice(0, 2) || "0", 16);
    const b1 = parseInt(bits.slice(2, 4) || "0", 16);
    // digitalSignature (0x80) or nonRepudiation (0x40) required; no other usage allowed (as OpenSSL).
    if ((b0 & 0xc0) === 0 || (b0 & 0x3f) !== 0 || b1 !== 0) fail("TSA_EKU_MISSING", `signer key usage does not permit time-stamping only: ${bits}`);
  }
}

// ----------------------------------------------------------------------------------------- step 5

/**
 * The signer's path to a caller trust anchor, every certificate valid at genTime (pki/path.ts: bounded
 * search, loop and depth limits). Returns the SHA-256 fingerprints from the signer to the anchor.
 */
async function verifyTsaChain(
  signer: ParsedCertificate,
  args: Arguments,
  carried: readonly ParsedCertificate[],
  genTime: Date,
): Promise<{ chain: string[]; stats: PathStats }> {
  try {
    const r = await buildCertificationPath(signer, { trustAnchors: args.anchors, certificates: [...carried, ...args.intermediates], at: genTime });
    const chain = r.anchor.fingerprint === signer.fingerprint ? [signer.fingerprint] : [...r.path, r.anchor].map((c) => c.fingerprint);
    return { chain, stats: r.stats };
  } catch (e) {
    if (!(e instanceof PkiError)) throw e;
    return fail(
      "TSA_UNTRUSTED",
      `tsa certificate ${formatName(signer.cert.subject)} does not chain to a trust anchor at ${genTime.toISOString()}: ${e.code}: ${e.message}`,
      e,
    );
  }
}

// ----------------------------------------------------------------------------------------- step 6

function checkStampedValues(tst: pkijs.TSTInfo, args: Arguments, options: VerifyTimestampOptions): { imprint: Uint8Array; nonce?: bigint } {
  const imprintAlg = tst.messageImprint.hashAlgorithm;
  const params = imprintAlg.algorithmParams as unknown;
  const paramsOk = params === undefined || params instanceof asn1js.Null || (params instanceof asn1js.BaseBlock && params.valueBeforeDecodeView.length === 0);
  if (imprintAlg.algorithmId !== OID_SHA256 || !paramsOk) fail("TSA_IMPRINT_MISMATCH", `message imprint algorithm ${imprintAlg.algorithmId} is not sha-256`);
  const imprint = new Uint8Array(tst.messageImprint.hashedMessage.valueBlock.valueHexView);
  if (!equalBytes(imprint, args.digest)) fail("TSA_IMPRINT_MISMATCH", `token stamps ${toHex(imprint)}, expected ${toHex(args.digest)}`);
  const nonce = tst.nonce ? signedBigInt(tst.nonce.valueBlock.valueHexView) : undefined;
  if (args.nonce !== undefined && nonce !== args.nonce) {
    fail("TSA_NONCE_MISMATCH", `token nonce ${nonce === undefined ? "absent" : `0x${nonce.toString(16)}`}, expected 0x${args.nonce.toString(16)}`);
  }
  if (args.policy !== undefined && tst.policy !== args.policy) fail("TSA_POLICY_MISMATCH", `token policy ${tst.policy}, expected ${args.policy}`);
  if (options.now !== undefined) {
    const skew = options.maxClockSkewMs ?? 300_000;
    if (tst.genTime.getTime() > options.now.getTime() + skew)
      fail("TSA_GENTIME_IN_FUTURE", `genTime ${tst.genTime.toISOString()} is after ${options.now.toISOString()} (+${skew} ms)`);
  }
  return nonce !== undefined ? { imprint, nonce } : { imprint };
}

// -------------------------------------------------------------------------------------------- run

/**
 * Verifies an RFC 3161 TimeStampToken (DER CMS ContentInfo) over `options.digest` and returns what it
 * says. Pure: no I/O, WebCrypto only. See the module comment for the steps and their error codes.
 *
 * @example
 * const info = await verifyTimestampToken(token, { digest: root, nonce, trustAnchors: [caDer] });
 * info.genTime.toISOString()
 */
export async function verifyTimestampToken(tokenDer: Uint8Array, options: VerifyTimestampOptions): Promise<TimestampTokenInfo> {
  try {
    return await verifyToken(tokenDer, options);
  } catch (e) {
    // Hostile DER can trip the ASN.1 layer anywhere: anything not already typed is a malformed token.
    if (e instanceof PriorProofError) throw e;
    return fail("TSA_MALFORMED", `timestamp token: ${e instanceof Error ? e.message : String(e)}`, e);
  }
}

async function verifyToken(tokenDer: Uint8Array, options: VerifyTimestampOptions): Promise<TimestampTokenInfo> {
  const args = readArguments(options);
  const token = decodeToken(tokenDer);
  const signer = await verifySignerInfo(token, args.intermediates);
  checkTimestampingUsage(signer.cert);
  const { tst } = token;
  const { chain } = await verifyTsaChain(signer, args, token.certificates, tst.genTime);
  const { imprint, nonce } = checkStampedValues(tst, args, options);

  const tstQc = (tst.extensions ?? [])
    .filter((e) => e.extnID === OID_QC_STATEMENTS)
    .flatMap((e) => qcStatementIds(new Uint8Array(e.extnValue.valueBlock.valueHexView)));
  const certQc = extensions(signer.cert, OID_QC_STATEMENTS).flatMap((e) => qcStatementIds(new Uint8Array(e.extnValue.valueBlock.valueHexView)));
  const accuracy = tst.accuracy ? { seconds: tst.accuracy.seconds ?? 0, millis: tst.accuracy.millis ?? 0, micros: tst.accuracy.micros ?? 0 } : undefined;
  const tsaName = tst.tsa && tst.tsa.type === 4 && tst.tsa.value instanceof pkijs.RelativeDistinguishedNames ? formatName(tst.tsa.value) : undefined;
  return {
    genTime: tst.genTime,
    serial: integerHex(tst.serialNumber),
    policy: tst.policy,
    ...(accuracy ? { accuracy } : {}),
    ordering: tst.ordering ?? false,
    ...(nonce !== undefined ? { nonce } : {}),
    hashAlgorithm: "SHA-256",
    messageImprint: toHex(imprint),
    tsa: {
      subject: formatName(signer.cert.subject),
      issuer: formatName(signer.cert.issuer),
      serial: integerHex(signer.cert.serialNumber),
      sha256Fingerprint: signer.fingerprint,
      qcStatements: certQc,
    },
    ...(tsaName !== undefined ? { tsaName } : {}),
    qualified: tstQc.includes(OID_ETSI_QTST_STATEMENT),
    chain,
  };
}
