/**
 * @priorproof/client-sdk — hash locally, stamp, wait, and verify PriorProof receipts without the
 * PriorProof server. This entry has no Node built-ins (it runs in browsers and in Node);
 * `@priorproof/client-sdk/node` adds the Node-only file hashing.
 */
export * from "./bytes.ts";
export * from "./errors.ts";
export * from "./merkle.ts";
export * from "./leaf.ts";
export * from "./receipt.ts";
export * from "./hash.ts";
export * from "./anchor.ts";
export * from "./evm-inclusion.ts";
export * from "./verify.ts";
export * from "./certificate-pdf.ts";
export * from "./tsa.ts";
export {
  buildCertificationPath, type CertificateFacts, type CertificationPath, DEFAULT_PATH_LIMITS, describeCertificate, type ParsedCertificate,
  parseCertificate, PathBuildingError, type PathLimits, type PathOptions, type PathStats,
} from "./pki/index.ts";
export * from "./signature/index.ts";
export * from "./client.ts";
export * from "./encrypt.ts";
export * from "./encrypted-upload.ts";
export * from "./trust/time.ts";
export * from "./trust/builds.ts";
export * from "./capture.ts";
export * from "./capture-client.ts";
export * from "./trust/chains.ts";
export * from "./trust/deployments.ts";
export * from "./trust/ijson.ts";
