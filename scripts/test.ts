/**
 * `npm test`: every check, in order, failing on the first stage that fails.
 *   0. lint and format check of the TypeScript (Biome, biome.jsonc; then no line over 160 columns): `npm run lint`,
 *      fixed by `npm run format`; lint the contracts (solhint, .solhint.json: solhint:recommended, no warning allowed)
 *   1. compile the contracts and check that contracts/build/ is what they compile to
 *   2. check that docs/vectors/merkle.json is what its generator writes
 *   3. Solidity tests (Hardhat 3, fuzzed)
 *   4. TypeScript tests (vitest: unit, server, SDK, e2e against real anvil/SQLite/PostgreSQL/IPFS/Chromium;
 *      the store and API suites run on both backends: a PostgreSQL server at TEST_DATABASE_URL, default
 *      postgres://postgres@127.0.0.1:5432/test, where each suite creates and drops its own database)
 *   5. type check (tsc --noEmit)
 * Extra arguments are passed to vitest (e.g. `npm test -- test/client-sdk`), which then runs alone.
 */
import { spawnSync } from "node:child_process";

const extra = process.argv.slice(2);
const stages: { name: string; cmd: string; args: string[] }[] = extra.length
  ? [{ name: "vitest", cmd: "vitest", args: ["run", ...extra] }]
  : [
      { name: "lint", cmd: "node", args: ["scripts/lint/run.ts"] },
      { name: "lint:sol", cmd: "solhint", args: ["--max-warnings", "0", "contracts/**/*.sol"] },
      { name: "compile", cmd: "hardhat", args: ["compile", "--quiet"] },
      { name: "artifacts", cmd: "node", args: ["scripts/export-artifacts.ts", "--check"] },
      { name: "vectors", cmd: "node", args: ["scripts/generate-merkle-vectors.ts", "--check"] },
      { name: "solidity", cmd: "hardhat", args: ["test", "solidity"] },
      { name: "vitest", cmd: "vitest", args: ["run"] },
      { name: "typecheck", cmd: "tsc", args: ["-p", "tsconfig.json", "--noEmit"] },
    ];

const results: string[] = [];
for (const stage of stages) {
  const started = Date.now();
  console.log(`\n=== ${stage.name}: ${stage.cmd} ${stage.args.join(" ")}`);
  const r = spawnSync(stage.cmd, stage.args, { stdio: "inherit", env: process.env });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  results.push(`${stage.name} ${r.status === 0 ? "ok" : "FAILED"} (${seconds} s)`);
  if (r.status !== 0) {
    console.error(`\n${results.join("\n")}\nnpm test: stage ${stage.name} failed`);
    process.exit(1);
  }
}
console.log(`\n${results.join("\n")}\nnpm test: all ${stages.length} stages passed`);
