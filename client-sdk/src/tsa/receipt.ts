/**
 * Tokens in receipts: base64, the receipt anchor JSON, a verifier for `verifyReceipt`, PEM certificates
 * and the OpenSSL command lines an expert runs by hand.
 */
import { bytesToBase64, decodeBase64, hexOf } from "../pki/der.ts";
import { fail, type Rfc3161AnchorReceipt, type TimestampTokenInfo } from "./common.ts";
import { verifyTimestampToken } from "./token.ts";

export { bytesToBase64 };

/** Strict standard base64 (padding required); throws `TSA_MALFORMED`. */
export function base64ToBytes(text: string): Uint8Array {
  const out = decodeBase64(text);
  if (!out) return fail("TSA_MALFORMED", `not base64: ${String(text).slice(0, 40)}`);
  return out;
}

/** Builds the receipt anchor JSON for a token `verifyTimestampToken` accepted. */
export function toRfc3161AnchorReceipt(token: Uint8Array, info: TimestampTokenInfo, options: { tsaUrl?: string } = {}): Rfc3161AnchorReceipt {
  const { subject, issuer, serial, sha256Fingerprint } = info.tsa;
  return {
    type: "rfc3161",
    ...(options.tsaUrl !== undefined ? { tsaUrl: options.tsaUrl } : {}),
    token: bytesToBase64(token),
    genTime: info.genTime.toISOString(),
    serial: info.serial,
    policy: info.policy,
    tsa: { subject, issuer, serial, sha256Fingerprint },
    qualified: info.qualified,
    stampedDigest: info.messageImprint,
  };
}

/**
 * A verifier for receipt anchors (the shape verify.ts's `TimestampVerifier` expects): decodes the
 * base64 token and checks it over `root` against the configured trust anchors.
 */
export function createTimestampVerifier(options: {
  readonly trustAnchors: readonly Uint8Array[];
  readonly intermediates?: readonly Uint8Array[];
}): (tokenBase64: string, root: Uint8Array) => Promise<{ genTime: string; detail: string; info: TimestampTokenInfo }> {
  return async (tokenBase64, root) => {
    const info = await verifyTimestampToken(base64ToBytes(tokenBase64), { digest: root, ...options });
    const detail =
      `${info.tsa.subject} stamped ${info.messageImprint} at ${info.genTime.toISOString()} (serial ${info.serial}, policy ${info.policy}` +
      (info.qualified ? ", qualified" : "") +
      `)`;
    return { genTime: info.genTime.toISOString(), detail, info };
  };
}

/** Splits PEM text into DER certificates (every `-----BEGIN CERTIFICATE-----` block, in order). */
export function certificatesFromPem(pem: string): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const m of pem.matchAll(/-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g)) {
    out.push(base64ToBytes((m[1] ?? "").replace(/\s+/g, "")));
  }
  return out;
}

// ---------------------------------------------------------------------------------------- OpenSSL

export interface OpensslVerifyCommandOptions {
  /** The stamped batch root: bytes or 0x hex. */
  readonly digest: Uint8Array | string;
  /** When given, a first line writes the token file from this base64 (the receipt's `token`). */
  readonly tokenBase64?: string;
  /** genTime (Date or ISO string): adds `-attime`, validating the chain at genTime as this verifier does. */
  readonly genTime?: Date | string;
  /** The bare TimeStampToken (DER ContentInfo); default `token.tst`. */
  readonly tokenFile?: string;
  /** PEM trust anchor(s) of the TSA; default `tsa-ca.pem`. */
  readonly caFile?: string;
  /** PEM file the certificates carried in the token are extracted to; default `tsa.pem`. */
  readonly untrustedFile?: string;
}

function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:=+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * The argv of `openssl ts -verify` for a stored token (after `openssl`). We store the bare token, so the
 * command uses `-token_in -in <token>`; plain `-in` expects a whole TimeStampResp.
 */
export function opensslVerifyArgs(options: OpensslVerifyCommandOptions): string[] {
  const digest = typeof options.digest === "string" ? options.digest.replace(/^0x/, "").toLowerCase() : hexOf(options.digest);
  if (!/^[0-9a-f]{64}$/.test(digest)) fail("TSA_INVALID_ARGUMENT", `digest must be 32 bytes of hex: ${String(options.digest).slice(0, 80)}`);
  const args = [
    "ts",
    "-verify",
    "-digest",
    digest,
    "-token_in",
    "-in",
    options.tokenFile ?? "token.tst",
    "-CAfile",
    options.caFile ?? "tsa-ca.pem",
    "-untrusted",
    options.untrustedFile ?? "tsa.pem",
  ];
  if (options.genTime !== undefined) {
    const t = options.genTime instanceof Date ? options.genTime : new Date(options.genTime);
    if (Number.isNaN(t.getTime())) fail("TSA_INVALID_ARGUMENT", `genTime is not a date: ${String(options.genTime)}`);
    args.push("-attime", String(Math.floor(t.getTime() / 1000)));
  }
  return args;
}

/**
 * The shell command lines an expert runs to check a stored token with OpenSSL alone:
 * 1. (with `tokenBase64`) decode the receipt's token to `token.tst`;
 * 2. `openssl pkcs7 -inform DER -in token.tst -print_certs -out tsa.pem` — the TSA certificate(s) the
 *    token carries, passed as untrusted chain material (OpenSSL 1.1 does not use them otherwise);
 * 3. `openssl ts -reply -token_in -in token.tst -token_out -text` — print the TSTInfo (genTime, imprint, nonce);
 * 4. `openssl ts -verify -digest <root hex> -token_in -in token.tst -CAfile tsa-ca.pem -untrusted tsa.pem [-attime <genTime>]`
 *    — prints "Verification: OK". Without `-attime` OpenSSL checks the chain at the current time, which
 *    fails once the TSA certificate has expired. tsa-ca.pem is the TSA's root, obtained independently.
 */
export function opensslVerifyCommands(options: OpensslVerifyCommandOptions): string[] {
  const token = shellQuote(options.tokenFile ?? "token.tst");
  const untrusted = shellQuote(options.untrustedFile ?? "tsa.pem");
  const lines: string[] = [];
  if (options.tokenBase64 !== undefined) {
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(options.tokenBase64)) fail("TSA_INVALID_ARGUMENT", "tokenBase64 is not base64");
    lines.push(`printf '%s' '${options.tokenBase64}' | openssl base64 -d -A -out ${token}`);
  }
  lines.push(`openssl pkcs7 -inform DER -in ${token} -print_certs -out ${untrusted}`);
  lines.push(`openssl ts -reply -token_in -in ${token} -token_out -text`);
  lines.push(["openssl", ...opensslVerifyArgs(options)].map(shellQuote).join(" "));
  return lines;
}
