#!/usr/bin/env node
// The published CLI runs the compiled SDK (npm run build in client-sdk writes dist/).
import("../dist/cli/main.js").then((cli) => cli.main(), (error) => {
  console.error(`priorproof: ${error.message} (build the package first: npm run build -w client-sdk)`);
  process.exit(2);
});
