/** The signer of a signed claim as a certificate prints it (status, subject, issuer, validity). */
import { PriorProofError, statementBytes, statementOfReceipt, type Receipt } from "@priorproof/client-sdk/core";
import type { PrintedSigner } from "./sections.ts";

/**
 * The signer of a cms/1 signed claim, read for print: the chain judged at the earliest anchor time against
 * the service's SIGNER_CA_FILE anchors when configured, else the signature's own signer certificate with
 * no trust decision (the verifier chooses the CA). Never throws: a bad signature is printed as such.
 */
export async function readSigner(receipt: Receipt, trustAnchors: readonly Uint8Array[]): Promise<PrintedSigner | undefined> {
  if (receipt.version !== "priorproof-receipt/2" || receipt.signature?.format !== "cms/1") return undefined;
  const times = receipt.anchors.map((a) => (a.type === "evm" ? a.blockTime : a.genTime)).sort();
  // The CMS and X.509 code (pkijs, asn1js, ethers for EIP-712) loads at the first signed claim printed.
  const { verifyClaimSignature } = await import("@priorproof/client-sdk");
  const { checkCmsSignatureMath } = await import("@priorproof/client-sdk/internal/signature/cms");
  try {
    if (trustAnchors.length > 0 && times[0]) {
      const id = await verifyClaimSignature(receipt, new Date(times[0]), { trustAnchors: [...trustAnchors] });
      if (id.kind === "x509") {
        const s = id.signer;
        return {
          status: "trusted",
          subject: s.subject,
          issuer: s.issuer,
          serial: s.serial,
          notBefore: s.notBefore,
          notAfter: s.notAfter,
          trustAnchor: id.trustAnchor.subject,
          validAt: id.validAt,
        };
      }
    }
    const s = await checkCmsSignatureMath(receipt.signature.cms, statementBytes(statementOfReceipt(receipt, receipt.signature.signedAt)));
    return { status: "unverified-chain", subject: s.subject, issuer: s.issuer, serial: s.serial, notBefore: s.notBefore, notAfter: s.notAfter };
  } catch (e) {
    return { status: "invalid", code: e instanceof PriorProofError ? e.code : "SIGNATURE_INVALID" };
  }
}
