/**
 * `eip712/1` claimant signatures: an Ethereum account signs the statement as EIP-712 typed data.
 *
 *   domain      = { name: "PriorProof", version: "2", chainId }
 *   primaryType = Statement(bytes32 sha256,bytes32 sha3_256,bytes32 claimSha256,string signedAt)
 *
 * Absent digests are the zero word. Verification recovers the signer with ethers' `verifyTypedData`.
 */
import { type TypedDataDomain, type TypedDataField, verifyTypedData } from "ethers";
import { toHex } from "../bytes.ts";
import { PkiError, SignatureError } from "../errors.ts";
import { claimSha256 } from "../leaf.ts";
import type { Eip712ClaimSignature, Hex } from "../receipt.ts";
import type { StatementFacts } from "./statement.ts";

export const EIP712_DOMAIN_NAME = "PriorProof";
export const EIP712_DOMAIN_VERSION = "2";
export const EIP712_TYPES: Record<string, TypedDataField[]> = {
  Statement: [
    { name: "sha256", type: "bytes32" },
    { name: "sha3_256", type: "bytes32" },
    { name: "claimSha256", type: "bytes32" },
    { name: "signedAt", type: "string" },
  ],
};
const ZERO_WORD = `0x${"00".repeat(32)}`;

/** The EIP-712 domain of a chain id. */
export function eip712Domain(chainId: number): TypedDataDomain {
  return { name: EIP712_DOMAIN_NAME, version: EIP712_DOMAIN_VERSION, chainId };
}

/** The EIP-712 message of a statement. */
export function eip712Message(facts: StatementFacts): Record<string, string> {
  const c = claimSha256(facts.claim);
  return { sha256: facts.sha256, sha3_256: facts.sha3_256 ?? ZERO_WORD, claimSha256: c ? toHex(c) : ZERO_WORD, signedAt: facts.signedAt };
}

/** What signs typed data: an ethers `Signer` (a Wallet, a browser wallet) has this method. */
export interface TypedDataSigner {
  getAddress(): Promise<string>;
  signTypedData(domain: TypedDataDomain, types: Record<string, TypedDataField[]>, value: Record<string, unknown>): Promise<string>;
}

/**
 * Signs the statement with an Ethereum account; the `eip712/1` signature object.
 *
 * @example
 * const sig = await signEip712Statement(facts, new Wallet(privateKey), 11155111);
 */
export async function signEip712Statement(facts: StatementFacts, signer: TypedDataSigner, chainId: number): Promise<Eip712ClaimSignature> {
  if (!Number.isSafeInteger(chainId) || chainId < 1) throw new SignatureError("INVALID_ARGUMENT", `chain id must be a positive integer: ${chainId}`);
  const value = (await signer.signTypedData(eip712Domain(chainId), EIP712_TYPES, eip712Message(facts))).toLowerCase() as Hex;
  return { format: "eip712/1", signedAt: facts.signedAt, signer: (await signer.getAddress()) as Hex, chainId, value };
}

export interface VerifyEip712Options {
  /** Chain ids the verifier accepts in the domain (default: any); another is `EIP712_DOMAIN_MISMATCH`. */
  readonly chainIds?: readonly number[];
  /** Accounts the verifier trusts (default: any, reported as not pinned); another is `SIGNER_UNTRUSTED`. */
  readonly trustedAccounts?: readonly string[];
}

/**
 * Verifies an `eip712/1` signature over the statement: the domain's chain id is one the verifier
 * accepts (`EIP712_DOMAIN_MISMATCH`), the recovered account is the stated signer (`SIGNATURE_INVALID`:
 * another statement, another domain or another key), and, when the verifier pins accounts, one of them.
 *
 * @example
 * verifyEip712Statement(signature, facts, { chainIds: [1] }) // { account: "0x…", chainId: 1, pinned: false }
 */
export function verifyEip712Statement(
  signature: Eip712ClaimSignature,
  facts: StatementFacts,
  options: VerifyEip712Options = {},
): { account: string; chainId: number; pinned: boolean } {
  if (options.chainIds && !options.chainIds.includes(signature.chainId)) {
    throw new SignatureError(
      "EIP712_DOMAIN_MISMATCH",
      `signature domain chain id ${signature.chainId} is not one this verifier accepts (${options.chainIds.join(", ")})`,
    );
  }
  let recovered: string;
  try {
    recovered = verifyTypedData(eip712Domain(signature.chainId), EIP712_TYPES, eip712Message(facts), signature.value);
  } catch (e) {
    throw new SignatureError("SIGNATURE_INVALID", `eip-712 signature value is malformed: ${e instanceof Error ? e.message.slice(0, 120) : String(e)}`, {
      cause: e,
    });
  }
  if (recovered.toLowerCase() !== signature.signer.toLowerCase()) {
    throw new SignatureError(
      "SIGNATURE_INVALID",
      `eip-712 signature recovers ${recovered}, not the stated signer ${signature.signer} (another statement, domain or key)`,
    );
  }
  const pinned = options.trustedAccounts !== undefined;
  if (pinned && !options.trustedAccounts!.some((a) => a.toLowerCase() === recovered.toLowerCase())) {
    throw new PkiError("SIGNER_UNTRUSTED", `account ${recovered} is not one this verifier trusts`);
  }
  return { account: recovered, chainId: signature.chainId, pinned };
}
