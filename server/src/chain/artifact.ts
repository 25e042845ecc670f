/**
 * The compiled anchoring contract as committed in contracts/build/ (see scripts/export-artifacts.ts).
 */
import { readFileSync } from "node:fs";
import type { InterfaceAbi } from "ethers";

export interface ContractArtifact {
  readonly contractName: string;
  readonly sourceName: string;
  readonly compiler: { readonly solc?: string; readonly settings?: unknown };
  readonly abi: InterfaceAbi;
  readonly bytecode: string;
  readonly deployedBytecode: string;
}

let cached: ContractArtifact | undefined;

/** Loads contracts/build/EvidenceAnchor.json once. */
export function evidenceAnchorArtifact(): ContractArtifact {
  cached ??= JSON.parse(readFileSync(new URL("../../../contracts/build/EvidenceAnchor.json", import.meta.url), "utf8")) as ContractArtifact;
  return cached;
}
