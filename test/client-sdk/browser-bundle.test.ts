import { build } from "esbuild";
import { describe, expect, it } from "vitest";

describe("the browser entry", () => {
  it.each(["client-sdk/src/browser.ts", "examples/design-tool-plugin.ts"])(
    "bundles %s for browsers with no Node built-in",
    async (entry) => {
      const r = await build({
        entryPoints: [entry],
        bundle: true,
        write: false,
        platform: "browser",
        format: "esm",
        conditions: ["source", "browser"],
        logLevel: "silent",
      });
      const code = r.outputFiles[0]!.text;
      expect(code.length).toBeGreaterThan(10_000);
      expect(code).not.toMatch(/from\s*["']node:|require\(["']node:/);
    },
    60_000,
  );
});
