/**
 * The SDK's light core for servers (`@priorproof/client-sdk/core`): bytes, errors, hashing, the Merkle
 * tree, leaf encodings, receipt parsing, the chain registry, service time bounds and the well-known
 * format — everything an API node needs to accept and batch stamps, and none of the verification
 * back-ends (ethers, @ethereumjs tries, pkijs), which cost ~60 MB of memory once loaded. A server loads
 * those (`@priorproof/client-sdk`, `@priorproof/client-sdk/tsa`) only when it verifies or renders.
 */
export * from "./bytes.ts";
export * from "./errors.ts";
export * from "./merkle.ts";
export * from "./leaf.ts";
export * from "./receipt.ts";
export * from "./hash.ts";
export * from "./trust/time.ts";
export * from "./trust/chains.ts";
export * from "./trust/deployments.ts";
export * from "./signature/statement.ts";
export * from "./certificate-pdf.ts";
export * from "./trust/ijson.ts";
export { VerdictSchema as VERDICT_JSON_SCHEMA } from "./api/verdict.ts";
export type * from "./evm-inclusion.ts";
