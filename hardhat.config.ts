import { createRequire } from "node:module";
import { defineConfig } from "hardhat/config";

const require = createRequire(import.meta.url);

/**
 * Hardhat cannot download compilers on an offline machine, so it runs the solc-js build that ships in
 * the npm `solc` package pinned in package.json (the version below must match it).
 */
export const SOLC_VERSION = "0.8.30";

export default defineConfig({
  solidity: {
    version: SOLC_VERSION,
    path: require.resolve("solc/soljson.js"),
    settings: {
      optimizer: { enabled: true, runs: 10_000 },
      evmVersion: "cancun",
      viaIR: true,
    },
  },
  test: {
    solidity: {
      fsPermissions: { readFile: ["./docs/vectors/merkle.json"] },
      fuzz: { runs: 1000 },
    },
  },
  paths: {
    sources: "./contracts",
    tests: { solidity: "./test/contracts" },
    cache: "./cache",
    artifacts: "./artifacts",
  },
});
