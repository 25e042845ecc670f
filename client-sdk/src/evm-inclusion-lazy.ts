/**
 * `verifyEvmInclusion` for the browser bundle, loading evm-inclusion.ts (and its RLP and trie
 * libraries) at the first call. The bundler substitutes this module for evm-inclusion.ts where the
 * browser core imports it (build-browser.ts), so the core carries none of that code.
 */
import type { EvmInclusionClaim, EvmInclusionResult } from "./evm-inclusion.ts";

/**
 * Same contract as evm-inclusion.ts's `verifyEvmInclusion`; the module is loaded once, on first use.
 *
 * @example
 * const r = await verifyEvmInclusion(anchor.inclusion, anchor);
 */
export async function verifyEvmInclusion(inclusion: unknown, anchor: EvmInclusionClaim): Promise<EvmInclusionResult> {
  return (await import("./evm-inclusion.ts")).verifyEvmInclusion(inclusion, anchor);
}
