/**
 * The README's statements about requirements, each held to what enforces or provides it: package.json (devEngines, the
 * Node dev dependency), the Node the scripts run on, .ci/run (the system packages and PostgreSQL it sets up) and the test
 * helpers (Chromium's path, the PostgreSQL URL).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CHROMIUM_PATH } from "./helpers/browser.ts";
import { ADMIN_DATABASE_URL } from "./helpers/postgres.ts";

const README = readFileSync("README.md", "utf8");
const pkg = JSON.parse(readFileSync("package.json", "utf8")) as {
  devEngines: { runtime: { name: string; version: string }; packageManager: { name: string; version: string } };
  devDependencies: Record<string, string>;
  scripts: Record<string, string>;
};
const CI = readFileSync(".ci/run", "utf8");
const requirements = README.slice(README.indexOf("Requirements:"), README.indexOf("## What `npm start` gives you"));

describe("README requirements", () => {
  it("states the Node and npm that run npm install as package.json devEngines does (npm enforces it)", () => {
    const m = /Node\.js ≥ ([\d.]+) with npm ≥ ([\d.]+)/.exec(requirements);
    expect(m, "the README names the Node and npm versions").not.toBeNull();
    expect(pkg.devEngines.runtime).toMatchObject({ name: "node", version: `>=${m![1]}` });
    expect(pkg.devEngines.packageManager).toMatchObject({ name: "npm", version: `>=${m![2]}` });
    // Stated once: no other Node version requirement in the README.
    expect(README.match(/Node(\.js)? ≥/g)).toHaveLength(1);
  });

  it("says the scripts run on the Node 24 the project installs, and they do", () => {
    expect(requirements).toContain("installs Node 24 for\nitself as a dev dependency");
    expect(pkg.devDependencies.node).toMatch(/^\^24\./);
    expect(process.versions.node.split(".")[0]).toBe("24");
  });

  it("names the commands it documents as package.json scripts", () => {
    for (const script of ["start", "test", "test:unit", "lint", "format", "serve", "test:full", "bench", "deploy", "priorproof"]) {
      expect(pkg.scripts[script], script).toBeDefined();
    }
    for (const command of ["npm run test:unit", "npm run lint", "npm run format", "npm run test:full"]) expect(README).toContain(command);
  });

  it("lists what npm test needs, and .ci/run installs or starts each of it", () => {
    // PostgreSQL: the URL the README gives is the helpers' default, and .ci/run starts the server.
    expect(requirements).toContain("`postgres://postgres@127.0.0.1:5432/test`");
    expect(readFileSync("test/helpers/postgres.ts", "utf8")).toContain('process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test"');
    expect(typeof ADMIN_DATABASE_URL).toBe("string");
    expect(CI).toMatch(/pg_ctlcluster .* start/);
    // Chromium at the path the browser helper launches.
    expect(requirements).toContain(`Chromium at \`${CHROMIUM_PATH}\``);
    // Each Debian package the README names is one .ci/run installs when its command is missing.
    const packages = [...CI.matchAll(/command -v (\S+) .*need\+=\((\S+)\)/g)].map((m) => ({ command: m[1]!, pkg: m[2]! }));
    expect(packages.map((p) => p.pkg).sort()).toEqual(["chromium", "openssl", "poppler-utils", "python3"]);
    for (const name of ["poppler-utils", "openssl", "python3", "Chromium"]) expect(requirements).toContain(name);
    expect(CI).toContain("npm ci");
    expect(CI).toContain("npm test");
  });
});
