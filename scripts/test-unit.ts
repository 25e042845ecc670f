/**
 * `npm run test:unit`: the fast loop — the vitest files that start no service (no anvil chain, no PostgreSQL, no
 * Chromium, no server process). A file counts as an integration test when it names what starts one (the markers
 * below) or lives in test/e2e/; everything else runs here, so a new unit test file is picked up without a list.
 * Extra arguments go to vitest (e.g. `npm run test:unit -- --reporter=dot`).
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { sourceFiles } from "./lint/files.ts";

/** What starts a service: the app over anvil (buildTestApp, startDevChain), a PostgreSQL database, a browser, a process. */
const NEEDS_SERVICE = /buildTestApp\(|startDevChain\(|createTestDatabase\(|TEST_BACKENDS|playwright|chromium|startService\(/i;

const unit = sourceFiles()
  .filter((p) => p.startsWith("test/") && p.endsWith(".test.ts") && !p.startsWith("test/e2e/"))
  .filter((p) => !NEEDS_SERVICE.test(readFileSync(p, "utf8")));
console.log(`test:unit: ${unit.length} files`);
const r = spawnSync("vitest", ["run", ...unit, ...process.argv.slice(2)], { stdio: "inherit" });
process.exit(r.status ?? 1);
