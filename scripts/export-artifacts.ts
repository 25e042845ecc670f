/**
 * Copies the ABI and bytecode of the deployable contracts from Hardhat's artifacts into
 * contracts/build/, which is committed: the service deploys exactly these bytes, and an expert can
 * recompile the sources with the recorded compiler settings and compare.
 *
 * Usage: hardhat compile && node scripts/export-artifacts.ts [--check]
 */
import { readFileSync, writeFileSync } from "node:fs";

const SOURCES = [{ source: "contracts/EvidenceAnchor.sol", name: "EvidenceAnchor" }];

let stale = false;
for (const { source, name } of SOURCES) {
  const artifact = JSON.parse(readFileSync(`artifacts/${source}/${name}.json`, "utf8")) as {
    abi: unknown[];
    bytecode: string;
    deployedBytecode: string;
    buildInfoId?: string;
  };
  const buildInfo = artifact.buildInfoId
    ? (JSON.parse(readFileSync(`artifacts/build-info/${artifact.buildInfoId}.json`, "utf8")) as { solcLongVersion?: string; input?: { settings?: unknown } })
    : {};
  const out = {
    contractName: name,
    sourceName: source,
    compiler: { solc: buildInfo.solcLongVersion, settings: buildInfo.input?.settings },
    abi: artifact.abi,
    bytecode: artifact.bytecode,
    deployedBytecode: artifact.deployedBytecode,
  };
  const path = `contracts/build/${name}.json`;
  const text = JSON.stringify(out, null, 2) + "\n";
  if (process.argv.includes("--check")) {
    let current = "";
    try {
      current = readFileSync(path, "utf8");
    } catch {
      // missing counts as stale
    }
    if (current !== text) {
      console.error(`${path} differs from a fresh compile: run npm run compile and commit it`);
      stale = true;
    }
  } else {
    writeFileSync(path, text);
    console.log(`wrote ${path}`);
  }
}
if (stale) process.exit(1);
