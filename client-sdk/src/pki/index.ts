/**
 * The one PKI module of the SDK: DER helpers, X.509 certificates, WebCrypto signature algorithms and
 * bounded certification path building. Used by RFC 3161 token verification (tsa/) and by claimant
 * signatures (signature/). No I/O.
 */
export * from "./der.ts";
export * from "./certificate.ts";
export * from "./algorithms.ts";
export * from "./path.ts";
