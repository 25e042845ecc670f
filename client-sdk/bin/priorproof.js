#!/usr/bin/env node
// The `priorproof` command. An installed package runs its compiled CLI (dist/, from
// `npm run build -w client-sdk`). A checkout with no build runs the TypeScript sources instead: Node
// strips their types (22.18+, 23.6+) and they import no package through the "source" condition, so
// no flag is needed. In the repository, `npm run priorproof -- <command> …` does the same.
import { existsSync } from "node:fs";

const built = new URL("../dist/cli/main.js", import.meta.url);
const entry = existsSync(built) ? built : new URL("../src/cli/main.ts", import.meta.url);
try {
  const cli = await import(entry.href);
  await cli.main();
} catch (error) {
  const hint = entry === built ? "" : " (build the package first: npm run build -w client-sdk)";
  process.stderr.write(`priorproof: ${error instanceof Error ? error.message : String(error)}${hint}\n`);
  process.exitCode = 2;
}
