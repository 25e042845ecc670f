/**
 * The server's version: the `version` of server/package.json, read once. test/version.test.ts checks that the root,
 * server and SDK package.json files name the same version, so a release changes them together (`npm version`).
 */
import { readFileSync } from "node:fs";

/** The `version` field of server/package.json. */
export const VERSION: string = (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }).version;

/** How receipts, capture manifests and the verify page name this software: `priorproof-server/<version>`. */
export const SOFTWARE = `priorproof-server/${VERSION}`;
