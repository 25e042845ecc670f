/**
 * Node keys for claimant signatures: a `KeyObject` or PEM private key with a PEM certificate chain, or a
 * PKCS#12 (.p12/.pfx) file (parsed with pkijs: PBES2/PBKDF2 and the legacy PKCS#12 PBE, MAC checked).
 * Node only (`@priorproof/client-sdk/node`); the browser uses WebCrypto keys (`webCryptoSigningKey`).
 */
import { constants, createPrivateKey, createPublicKey, type KeyObject, sign as cryptoSign } from "node:crypto";
import * as pkijs from "pkijs";
import { SignatureError } from "../errors.ts";
import { pemBlocks } from "../pki/der.ts";
import { parseCertificate } from "../pki/certificate.ts";
import type { CmsKeyAlgorithm, CmsSigningKey } from "./cms.ts";
import type { ClaimSigner } from "./index.ts";

/**
 * A `CmsSigningKey` over a Node private key: EC P-256 / P-384 (ECDSA), Ed25519, or RSA (signed RSA-PSS,
 * SHA-256, salt 32).
 *
 * @example
 * const key = nodeSigningKey(readFileSync("signer.key", "utf8"));
 */
export function nodeSigningKey(key: KeyObject | string, passphrase?: string): CmsSigningKey {
  const k = typeof key === "string" ? createPrivateKey(passphrase === undefined ? key : { key, passphrase }) : key;
  if (k.type !== "private") throw new SignatureError("INVALID_ARGUMENT", `expected a private key, got a ${k.type} key`);
  const type = k.asymmetricKeyType;
  if (type === "ec") {
    const curve = k.asymmetricKeyDetails?.namedCurve;
    const algorithm: CmsKeyAlgorithm | undefined = curve === "prime256v1" ? "ecdsa-p256" : curve === "secp384r1" ? "ecdsa-p384" : undefined;
    if (!algorithm) throw new SignatureError("SIGNATURE_UNSUPPORTED", `ec curve ${curve} is not P-256 or P-384`);
    const hash = algorithm === "ecdsa-p256" ? "sha256" : "sha384";
    return { algorithm, sign: async (d) => new Uint8Array(cryptoSign(hash, d, { key: k, dsaEncoding: "der" })) };
  }
  if (type === "ed25519") return { algorithm: "ed25519", sign: async (d) => new Uint8Array(cryptoSign(null, d, k)) };
  if (type === "rsa" || type === "rsa-pss") {
    return {
      algorithm: "rsa-pss",
      sign: async (d) => new Uint8Array(cryptoSign("sha256", d, { key: k, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 })),
    };
  }
  throw new SignatureError("SIGNATURE_UNSUPPORTED", `key type ${type} is not EC, Ed25519 or RSA`);
}

/** Orders certificates signer first: the one whose public key matches the private key, then the rest as given. */
function signerFirst(key: KeyObject, certificates: readonly Uint8Array[]): Uint8Array[] {
  const want = Buffer.from(createPublicKey(key).export({ type: "spki", format: "der" }));
  const index = certificates.findIndex((der) => {
    const spki = new Uint8Array(parseCertificate(der).cert.subjectPublicKeyInfo.toSchema().toBER());
    return Buffer.from(spki).equals(want);
  });
  if (index < 0) throw new SignatureError("INVALID_ARGUMENT", "no certificate of the chain holds the signing key's public key");
  return [certificates[index] as Uint8Array, ...certificates.filter((_, i) => i !== index)];
}

/**
 * A `cms/1` signer from a PEM private key and a PEM file of the signer's certificate and its chain.
 *
 * @example
 * const signer = pemClaimSigner(readFileSync("key.pem", "utf8"), readFileSync("chain.pem", "utf8"));
 * await signClaim({ sha256, claim }, signer);
 */
export function pemClaimSigner(keyPem: string, chainPem: string, passphrase?: string): ClaimSigner {
  const key = createPrivateKey(passphrase === undefined ? keyPem : { key: keyPem, passphrase });
  const certificates = pemBlocks(chainPem, "CERTIFICATE");
  if (certificates.length === 0) throw new SignatureError("INVALID_ARGUMENT", "the certificate file holds no PEM certificate");
  return { format: "cms/1", key: nodeSigningKey(key), certificates: signerFirst(key, certificates) };
}

/**
 * A `cms/1` signer from a PKCS#12 file (key, signer certificate and chain), opened with `password`.
 * A wrong password or a damaged file throws `INVALID_ARGUMENT`.
 *
 * @example
 * const signer = await pkcs12ClaimSigner(readFileSync("seal.p12"), process.env.PRIORPROOF_P12_PASSWORD ?? "");
 */
export async function pkcs12ClaimSigner(p12: Uint8Array, password: string): Promise<ClaimSigner> {
  const pw = new TextEncoder().encode(password);
  const pwBuffer = pw.buffer.slice(pw.byteOffset, pw.byteOffset + pw.byteLength) as ArrayBuffer;
  const keys: Uint8Array[] = [];
  const certificates: Uint8Array[] = [];
  try {
    const pfx = pkijs.PFX.fromBER(new Uint8Array(p12));
    await pfx.parseInternalValues({ password: pwBuffer, checkIntegrity: true });
    const safe = pfx.parsedValue?.authenticatedSafe;
    if (!safe) throw new Error("no authenticated safe");
    await safe.parseInternalValues({ safeContents: safe.safeContents.map(() => ({ password: pwBuffer })) });
    for (const contents of safe.parsedValue?.safeContents ?? []) {
      for (const bag of contents.value.safeBags) {
        const value = bag.bagValue as unknown;
        if (value instanceof pkijs.PKCS8ShroudedKeyBag) {
          // Declared protected in pkijs's types, public at runtime: it decrypts the EncryptedPrivateKeyInfo.
          await (value as unknown as { parseInternalValues(p: { password: ArrayBuffer }): Promise<void> }).parseInternalValues({ password: pwBuffer });
          if (value.parsedValue) keys.push(new Uint8Array(value.parsedValue.toSchema().toBER()));
        } else if (value instanceof pkijs.PrivateKeyInfo) {
          keys.push(new Uint8Array(value.toSchema().toBER()));
        } else if (value instanceof pkijs.CertBag && value.parsedValue instanceof pkijs.Certificate) {
          certificates.push(new Uint8Array(value.parsedValue.toSchema().toBER()));
        }
      }
    }
  } catch (e) {
    throw new SignatureError(
      "INVALID_ARGUMENT",
      `cannot open the pkcs#12 file (wrong password or damaged file): ${e instanceof Error ? e.message : String(e)}`,
      { cause: e },
    );
  }
  if (keys.length !== 1) throw new SignatureError("INVALID_ARGUMENT", `the pkcs#12 file holds ${keys.length} private keys, expected one`);
  if (certificates.length === 0) throw new SignatureError("INVALID_ARGUMENT", "the pkcs#12 file holds no certificate");
  const key = createPrivateKey({ key: Buffer.from(keys[0] as Uint8Array), format: "der", type: "pkcs8" });
  return { format: "cms/1", key: nodeSigningKey(key), certificates: signerFirst(key, certificates) };
}
