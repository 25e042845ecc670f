/**
 * The EvidenceAnchor ABI facts an expert needs to build the calls by hand (docs/verify-by-hand.md):
 * function selectors and the event topic, each the keccak-256 of the canonical signature. Printed on
 * the certificate; a test recomputes them from the signatures.
 */
export const VERIFY_INCLUSION = { signature: "verifyInclusion(bytes32,uint256,uint256,bytes32[],bytes32)", selector: "0xc080fb06" } as const;
export const GET_ANCHOR = { signature: "getAnchor(bytes32)", selector: "0x7feb51d9" } as const;
export const ANCHORED_EVENT = {
  signature: "Anchored(bytes32,uint64,address)",
  topic: "0x04c6e8902af2455403f7e7d6149fbf152c5b047361b508768fbc613faadf38bf",
} as const;
