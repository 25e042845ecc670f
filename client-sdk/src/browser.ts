/**
 * The browser entry of @priorproof/client-sdk: hashing, stamping (the REST client), receipts, the
 * Merkle tree and receipt verification, small enough for a design tool's plugin. The heavy parts load
 * on demand, each as its own chunk of the bundle (a dynamic `import()`):
 * - the offline block-header proof (`@ethereumjs` RLP and tries): `verifyEvmInclusion`, or all of
 *   evm-inclusion.ts through `loadEvmInclusion()`; `verifyReceipt` loads it at its first offline proof;
 * - chain readers over JSON-RPC (ethers): `loadChainReaders()`;
 * - RFC 3161 tokens and signatures (pkijs, asn1js): `loadTsa()`.
 * Node-only file hashing is in `@priorproof/client-sdk/node`.
 */
export * from "./bytes.ts";
export * from "./errors.ts";
export * from "./merkle.ts";
export * from "./leaf.ts";
export * from "./receipt.ts";
export * from "./hash.ts";
export * from "./verify.ts";
export * from "./client.ts";
export * from "./encrypt.ts";
export * from "./encrypted-upload.ts";
export * from "./trust/time.ts";
export * from "./trust/builds.ts";
export type * from "./evm-inclusion.ts";
export type * from "./anchor.ts";
export type * from "./tsa.ts";
export { verifyEvmInclusion } from "./evm-inclusion-lazy.ts";

/**
 * The offline EVM proof module (evm-inclusion.ts: `verifyEvmInclusion`, `decodeBlockHeader`,
 * `isKnownAnchorCode`, `EVM_INCLUSION_LIMITS`…), loaded on first call.
 *
 * @example
 * const { decodeBlockHeader } = await loadEvmInclusion();
 */
export const loadEvmInclusion = () => import("./evm-inclusion.ts");

/**
 * Chain readers over JSON-RPC (anchor.ts: `createChainReader`, `cachedChainReader`), loaded on first call.
 *
 * @example
 * const { createChainReader } = await loadChainReaders();
 * await verifyReceipt(doc, { chains: { "11155111": createChainReader("https://rpc.sepolia.org") } });
 */
export const loadChainReaders = () => import("./anchor.ts");

/**
 * RFC 3161 and certificate-path checks (tsa.ts: `createTimestampVerifier`, `verifyTimestampToken`…), loaded on first call.
 *
 * @example
 * const { createTimestampVerifier } = await loadTsa();
 */
export const loadTsa = () => import("./tsa.ts");
