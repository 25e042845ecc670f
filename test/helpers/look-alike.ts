/**
 * A look-alike of EvidenceAnchor for forgery tests: the same interface, but it answers "anchored" for
 * every root — `getAnchor` returns a chosen old block and time, `verifyInclusion` returns true — and its
 * `anchor` emits the genuine `Anchored(root, treeSize, anchorer)` event for anything, from anyone.
 * Compiled here from source with the npm solc package (the compiler the project pins).
 */
import { createRequire } from "node:module";
import { ContractFactory, type Signer } from "ethers";

export const LOOK_ALIKE_SOURCE = `// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

contract LookAlikeAnchor {
    struct Anchor { uint64 timestamp; uint64 blockNumber; uint64 treeSize; }
    event Anchored(bytes32 indexed root, uint64 treeSize, address indexed anchorer);
    uint64 private immutable oldTime;
    uint64 private immutable oldBlock;

    constructor(uint64 time_, uint64 block_) { oldTime = time_; oldBlock = block_; }

    function anchor(bytes32 root, uint64 treeSize) external { emit Anchored(root, treeSize, msg.sender); }

    function getAnchor(bytes32) external view returns (Anchor memory) { return Anchor(oldTime, oldBlock, 1); }

    function verifyInclusion(bytes32, uint256, uint256, bytes32[] calldata, bytes32) external view returns (bool included, uint64 anchoredAt) {
        return (true, oldTime);
    }
}
`;

/** Compiles the look-alike; returns its ABI and creation bytecode. */
export function compileLookAlike(): { abi: unknown[]; bytecode: string } {
  const solc = createRequire(import.meta.url)("solc") as { compile(input: string): string };
  const input = {
    language: "Solidity",
    sources: { "LookAlikeAnchor.sol": { content: LOOK_ALIKE_SOURCE } },
    settings: { evmVersion: "cancun", outputSelection: { "*": { "*": ["abi", "evm.bytecode.object"] } } },
  };
  const out = JSON.parse(solc.compile(JSON.stringify(input))) as {
    errors?: { severity: string; formattedMessage: string }[];
    contracts: Record<string, Record<string, { abi: unknown[]; evm: { bytecode: { object: string } } }>>;
  };
  const errors = (out.errors ?? []).filter((e) => e.severity === "error");
  if (errors.length > 0) throw new Error(errors.map((e) => e.formattedMessage).join("\n"));
  const c = out.contracts["LookAlikeAnchor.sol"]!.LookAlikeAnchor!;
  return { abi: c.abi, bytecode: `0x${c.evm.bytecode.object}` };
}

/** Deploys a look-alike that claims `oldTime` / `oldBlock` for every root; resolves its address. */
export async function deployLookAlike(signer: Signer, oldTime: bigint, oldBlock: bigint): Promise<string> {
  const { abi, bytecode } = compileLookAlike();
  const c = await new ContractFactory(abi as never, bytecode, signer).deploy(oldTime, oldBlock);
  await c.waitForDeployment();
  return c.getAddress();
}
