/**
 * The TypeScript/JavaScript files under the formatter's care: tracked by git (plus new, not ignored), the same
 * set biome.jsonc includes. Shared by the line-width check and the rewrap tool.
 */
import { execFileSync } from "node:child_process";

/** The formatter's line width (biome.jsonc `formatter.lineWidth`). */
export const LINE_WIDTH = 160;

const EXCLUDED = [/^contracts\/build\//, /(^|\/)dist\//, /(^|\/)node_modules\//];

/** Repository-relative paths of the .ts/.js files to check, sorted. */
export function sourceFiles(cwd = process.cwd()): string[] {
  const out = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "-z", "--", "*.ts", "*.js"], { cwd, encoding: "utf8" });
  return [...new Set(out.split("\0").filter((p) => p !== "" && !EXCLUDED.some((re) => re.test(p))))].sort();
}

/** Width of a line as the formatter counts it: code points, a tab as 2 columns (the indent width). */
export function lineWidth(line: string): number {
  let width = 0;
  for (const ch of line) width += ch === "\t" ? 2 : 1;
  return width;
}
