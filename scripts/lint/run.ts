/**
 * `npm run lint` and the first stage of `npm test`: Biome in CI mode (lint rules and formatting, biome.jsonc; writes
 * nothing), then the line-width check for what the formatter cannot wrap. Fix with `npm run format` and `npm run lint:fix`.
 */
import { spawnSync } from "node:child_process";

let failed = false;
for (const [cmd, ...args] of [
  ["node_modules/.bin/biome", "ci", "--max-diagnostics=50", "."],
  [process.execPath, "scripts/lint/check-line-width.ts"],
]) {
  const r = spawnSync(cmd!, args, { stdio: "inherit" });
  if (r.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
