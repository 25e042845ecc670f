/**
 * Signature verification through WebCrypto (Node and browsers alike), for certificate signatures and
 * CMS signer infos: ECDSA P-256 / P-384 / P-521 with SHA-2, Ed25519, RSASSA-PSS and RSA PKCS#1 v1.5 with
 * SHA-2. pkijs's own engine lacks Ed25519, so the algorithm table lives here, named by OID:
 * RFC 5758 (ECDSA), RFC 8410 (Ed25519), RFC 4055 (RSASSA-PSS, sha*WithRSAEncryption).
 * Anything else is `ALGORITHM_UNSUPPORTED`; a malformed signature value verifies as false.
 */
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { PkiError } from "../errors.ts";
import { children, isUniversal } from "./der.ts";

export const OID_SHA256 = "2.16.840.1.101.3.4.2.1";
export const OID_SHA384 = "2.16.840.1.101.3.4.2.2";
export const OID_SHA512 = "2.16.840.1.101.3.4.2.3";
export const OID_SHA1 = "1.3.14.3.2.26";
export const OID_RSA_ENCRYPTION = "1.2.840.113549.1.1.1";
export const OID_RSASSA_PSS = "1.2.840.113549.1.1.10";
export const OID_MGF1 = "1.2.840.113549.1.1.8";
export const OID_ED25519 = "1.3.101.112";
export const OID_EC_PUBLIC_KEY = "1.2.840.10045.2.1";

export type HashName = "SHA-1" | "SHA-256" | "SHA-384" | "SHA-512";

/** Digest algorithm OIDs (the strong ones, and SHA-1 for legacy ESS identifiers only). */
export const HASH_BY_OID: Readonly<Record<string, HashName>> = {
  [OID_SHA1]: "SHA-1",
  [OID_SHA256]: "SHA-256",
  [OID_SHA384]: "SHA-384",
  [OID_SHA512]: "SHA-512",
};
export const STRONG_HASHES: ReadonlySet<string> = new Set(["SHA-256", "SHA-384", "SHA-512"]);

const ECDSA_BY_OID: Readonly<Record<string, HashName>> = {
  "1.2.840.10045.4.3.2": "SHA-256",
  "1.2.840.10045.4.3.3": "SHA-384",
  "1.2.840.10045.4.3.4": "SHA-512",
};
const RSA_PKCS1_BY_OID: Readonly<Record<string, HashName>> = {
  "1.2.840.113549.1.1.11": "SHA-256",
  "1.2.840.113549.1.1.12": "SHA-384",
  "1.2.840.113549.1.1.13": "SHA-512",
};
const CURVES: Readonly<Record<string, { name: "P-256" | "P-384" | "P-521"; size: number }>> = {
  "1.2.840.10045.3.1.7": { name: "P-256", size: 32 },
  "1.3.132.0.34": { name: "P-384", size: 48 },
  "1.3.132.0.35": { name: "P-521", size: 66 },
};

function subtle(): SubtleCrypto {
  const c = (globalThis as { crypto?: Crypto }).crypto;
  if (!c?.subtle) throw new PkiError("ALGORITHM_UNSUPPORTED", "globalThis.crypto.subtle is not available");
  return c.subtle;
}

/** WebCrypto digest of `data`. */
export async function digest(name: HashName, data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await subtle().digest(name, new Uint8Array(data)));
}

/** The RSASSA-PSS parameters (RFC 4055 §3.1): hash, MGF1 with the same hash, salt length; trailer field 1. */
function pssParams(alg: pkijs.AlgorithmIdentifier): { hash: HashName; saltLength: number } {
  const params = new pkijs.RSASSAPSSParams({ schema: alg.algorithmParams });
  const hash = HASH_BY_OID[params.hashAlgorithm.algorithmId];
  if (!hash || !STRONG_HASHES.has(hash)) throw new PkiError("ALGORITHM_UNSUPPORTED", `rsassa-pss with hash ${params.hashAlgorithm.algorithmId}`);
  const mgf = params.maskGenAlgorithm;
  if (mgf.algorithmId !== OID_MGF1) throw new PkiError("ALGORITHM_UNSUPPORTED", `rsassa-pss mask generation ${mgf.algorithmId}`);
  const mgfHash = new pkijs.AlgorithmIdentifier({ schema: mgf.algorithmParams });
  if (HASH_BY_OID[mgfHash.algorithmId] !== hash) throw new PkiError("ALGORITHM_UNSUPPORTED", "rsassa-pss with an mgf1 hash other than the message hash");
  if ((params.trailerField ?? 1) !== 1) throw new PkiError("ALGORITHM_UNSUPPORTED", `rsassa-pss trailer field ${params.trailerField}`);
  return { hash, saltLength: params.saltLength ?? 20 };
}

/** DER ECDSA-Sig-Value → the fixed-size r ‖ s WebCrypto expects; undefined when malformed. */
function ecdsaRaw(signature: Uint8Array, size: number): Uint8Array | undefined {
  const r = asn1js.fromBER(signature);
  if (r.offset !== signature.length || !isUniversal(r.result, 16)) return undefined;
  const ints = children(r.result as asn1js.BaseBlock);
  if (ints.length !== 2 || !ints.every((i) => i instanceof asn1js.Integer)) return undefined;
  const out = new Uint8Array(2 * size);
  for (const [k, int] of ints.entries()) {
    let v = new Uint8Array((int as asn1js.Integer).valueBlock.valueHexView);
    if (((v[0] ?? 0) & 0x80) !== 0) return undefined; // negative
    while (v.length > 1 && v[0] === 0) v = v.subarray(1);
    if (v.length > size) return undefined;
    out.set(v, k * size + size - v.length);
  }
  return out;
}

/** What `verifySignature` needs: the signer's key, the algorithm, the signed bytes and the signature. */
export interface SignatureInput {
  readonly publicKey: pkijs.PublicKeyInfo;
  readonly algorithm: pkijs.AlgorithmIdentifier;
  readonly data: Uint8Array;
  readonly signature: Uint8Array;
  /**
   * The digest algorithm when `algorithm` is bare rsaEncryption (CMS signer infos may name the key
   * algorithm and give the hash in `digestAlgorithm`).
   */
  readonly digestHint?: HashName;
}

/**
 * Verifies one signature with WebCrypto. Resolves false when the signature does not verify (or its
 * encoding is malformed); throws `ALGORITHM_UNSUPPORTED` for an algorithm outside the table, or a key
 * that does not fit the algorithm.
 *
 * @example
 * await verifySignature({ publicKey: issuer.cert.subjectPublicKeyInfo, algorithm: cert.signatureAlgorithm, data: tbs, signature })
 */
export async function verifySignature(input: SignatureInput): Promise<boolean> {
  const { publicKey, algorithm, data, signature } = input;
  const spki = new Uint8Array(publicKey.toSchema().toBER());
  const keyAlg = publicKey.algorithm.algorithmId;
  const sigAlg = algorithm.algorithmId;
  const s = subtle();
  const importKey = async (params: AlgorithmIdentifierLike): Promise<CryptoKey> => {
    try {
      return await s.importKey("spki", spki, params as Algorithm, false, ["verify"]);
    } catch (e) {
      throw new PkiError("ALGORITHM_UNSUPPORTED", `cannot use the ${keyAlg} key for ${sigAlg}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
  };
  const run = async (key: CryptoKey, params: AlgorithmIdentifierLike, sig: Uint8Array): Promise<boolean> => {
    try {
      return await s.verify(params as Algorithm, key, new Uint8Array(sig), new Uint8Array(data));
    } catch {
      return false;
    }
  };

  const ecdsaHash = ECDSA_BY_OID[sigAlg];
  if (ecdsaHash) {
    if (keyAlg !== OID_EC_PUBLIC_KEY) throw new PkiError("ALGORITHM_UNSUPPORTED", `ecdsa signature with a ${keyAlg} key`);
    const params = publicKey.algorithm.algorithmParams as unknown;
    const curve = params instanceof asn1js.ObjectIdentifier ? CURVES[params.valueBlock.toString()] : undefined;
    if (!curve) throw new PkiError("ALGORITHM_UNSUPPORTED", "ecdsa key on an unsupported curve");
    const raw = ecdsaRaw(signature, curve.size);
    if (!raw) return false;
    const key = await importKey({ name: "ECDSA", namedCurve: curve.name });
    return run(key, { name: "ECDSA", hash: ecdsaHash }, raw);
  }
  if (sigAlg === OID_ED25519) {
    if (keyAlg !== OID_ED25519) throw new PkiError("ALGORITHM_UNSUPPORTED", `ed25519 signature with a ${keyAlg} key`);
    if (algorithm.algorithmParams !== undefined && !(algorithm.algorithmParams instanceof asn1js.Any)) {
      // RFC 8410 §3: the parameters MUST be absent.
      const p = algorithm.algorithmParams as asn1js.BaseBlock;
      if (p.valueBeforeDecodeView?.length) return false;
    }
    const key = await importKey({ name: "Ed25519" });
    return run(key, { name: "Ed25519" }, signature);
  }
  if (sigAlg === OID_RSASSA_PSS) {
    if (keyAlg !== OID_RSA_ENCRYPTION && keyAlg !== OID_RSASSA_PSS) throw new PkiError("ALGORITHM_UNSUPPORTED", `rsassa-pss signature with a ${keyAlg} key`);
    const { hash, saltLength } = pssParams(algorithm);
    const key = await importKey({ name: "RSA-PSS", hash });
    return run(key, { name: "RSA-PSS", saltLength }, signature);
  }
  const pkcs1Hash = RSA_PKCS1_BY_OID[sigAlg] ?? (sigAlg === OID_RSA_ENCRYPTION ? input.digestHint : undefined);
  if (pkcs1Hash) {
    if (!STRONG_HASHES.has(pkcs1Hash)) throw new PkiError("ALGORITHM_UNSUPPORTED", `rsa with ${pkcs1Hash}`);
    if (keyAlg !== OID_RSA_ENCRYPTION) throw new PkiError("ALGORITHM_UNSUPPORTED", `rsa signature with a ${keyAlg} key`);
    const key = await importKey({ name: "RSASSA-PKCS1-v1_5", hash: pkcs1Hash });
    return run(key, { name: "RSASSA-PKCS1-v1_5" }, signature);
  }
  throw new PkiError("ALGORITHM_UNSUPPORTED", `unsupported signature algorithm ${sigAlg}`);
}

type AlgorithmIdentifierLike = { name: string; [k: string]: unknown };

/**
 * Whether `issuer`'s key made `child`'s certificate signature (over its exact tbsCertificate bytes).
 * Never throws: an unsupported algorithm is "did not sign".
 */
export async function certificateSignedBy(child: pkijs.Certificate, issuer: pkijs.Certificate): Promise<boolean> {
  try {
    if (child.signatureAlgorithm.algorithmId !== child.signature.algorithmId) return false;
    return await verifySignature({
      publicKey: issuer.subjectPublicKeyInfo,
      algorithm: child.signatureAlgorithm,
      data: new Uint8Array(child.tbsView),
      signature: new Uint8Array(child.signatureValue.valueBlock.valueHexView),
    });
  } catch {
    return false;
  }
}
