/**
 * Lines over the formatter's width that the formatter cannot wrap: comments and long string or template literals.
 * `node scripts/lint/check-line-width.ts` lists them as path:line:width and exits 1 when there is one;
 * `npm run format` rewraps them (scripts/lint/rewrap.ts).
 */
import { readFileSync } from "node:fs";
import { LINE_WIDTH, lineWidth, sourceFiles } from "./files.ts";

const over: string[] = [];
for (const path of sourceFiles()) {
  readFileSync(path, "utf8")
    .split("\n")
    .forEach((line, i) => {
      const width = lineWidth(line);
      if (width > LINE_WIDTH) over.push(`${path}:${i + 1}: ${width} columns`);
    });
}
if (over.length > 0) {
  console.error(`${over.join("\n")}\n${over.length} line(s) over ${LINE_WIDTH} columns; \`npm run format\` rewraps comments and splits long strings`);
  process.exit(1);
}
console.log(`line width: no line over ${LINE_WIDTH} columns`);
