/**
 * The `Anchored` event of EvidenceAnchor (contracts/IEvidenceAnchor.sol), in a module of its own so that
 * the online verifier can read it without loading the offline proof code (the browser core stays small).
 */
import { keccak_256 } from "@noble/hashes/sha3.js";
import { toHex } from "./bytes.ts";
import type { Hex } from "./receipt.ts";

/** keccak256("Anchored(bytes32,uint64,address)"), topic 0 of the contract's event (IEvidenceAnchor.sol). */
export const ANCHORED_EVENT_TOPIC: Hex = toHex(keccak_256(new TextEncoder().encode("Anchored(bytes32,uint64,address)")));
