/**
 * Rewraps the lines the formatter leaves over its width (run by `npm run format` after `biome format`):
 * - a full-line `//` comment or a TSDoc/block comment line: refilled at word boundaries under the same prefix;
 * - a comment trailing code: moved to its own line above that code;
 * - a string or template literal: split at spaces into a `+` concatenation of the same value, which the
 *   formatter then lays out one operand a line (tagged templates, type positions, module names and property
 *   names are left alone);
 * - a regular expression literal: `new RegExp(String.raw\`…\` + String.raw\`…\`, flags)` of the same source, cut after
 *   a `|` or a space outside an escape.
 * Prints what it could not wrap; `scripts/lint/check-line-width.ts` is the check.
 * Usage: node scripts/lint/rewrap.ts [file ...]   (default: every file under the formatter)
 */
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";
import { LINE_WIDTH, lineWidth, sourceFiles } from "./files.ts";

type Edit = { start: number; end: number; text: string };

const files = process.argv.length > 2 ? process.argv.slice(2) : sourceFiles();
const changed = new Set<string>();
// Rounds: rewrap, let the formatter lay the changed files out again, until nothing changes (a split can leave a shorter
// but still long line, e.g. a nested template).
for (let round = 0, pending = files; round < 8 && pending.length > 0; round++) {
  const touched: string[] = [];
  for (const path of pending) {
    const before = readFileSync(path, "utf8");
    const after = rewrapFile(path, before);
    if (after !== before) {
      writeFileSync(path, after);
      touched.push(path);
      changed.add(path);
    }
  }
  if (touched.length > 0) {
    const r = spawnSync(join("node_modules", ".bin", "biome"), ["format", "--write", ...touched], { encoding: "utf8" });
    if (r.status !== 0) {
      console.error(r.stdout, r.stderr);
      process.exit(1);
    }
  }
  pending = touched;
}
console.log(`rewrap: ${changed.size} file(s) changed`);

function rewrapFile(path: string, text: string): string {
  // Comments first (they never move code), then literals on the lines still too wide.
  let out = applyEdits(text, commentEdits(path, text));
  out = applyEdits(out, literalEdits(path, out));
  return out;
}

function applyEdits(text: string, edits: Edit[]): string {
  let out = text;
  for (const e of edits.sort((a, b) => b.start - a.start)) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}

/** Start offsets of the lines over the width. */
function longLines(text: string): { start: number; end: number }[] {
  const lines: { start: number; end: number }[] = [];
  let start = 0;
  for (const line of text.split("\n")) {
    if (lineWidth(line) > LINE_WIDTH) lines.push({ start, end: start + line.length });
    start += line.length + 1;
  }
  return lines;
}

/** Greedy fill of words under `prefix`, each line at most the width (a single overlong word stays whole). */
function fill(words: string[], prefix: string, continuation = prefix): string[] {
  const lines: string[] = [];
  let current = "";
  for (const word of words) {
    const lead = lines.length === 0 ? prefix : continuation;
    if (current !== "" && lineWidth(lead + current + " " + word) > LINE_WIDTH) {
      lines.push(lead + current);
      current = word;
    } else current = current === "" ? word : `${current} ${word}`;
  }
  lines.push((lines.length === 0 ? prefix : continuation) + current);
  return lines;
}

function allComments(sf: ts.SourceFile): ts.CommentRange[] {
  const text = sf.getFullText();
  const seen = new Map<number, ts.CommentRange>();
  const add = (ranges: ts.CommentRange[] | undefined) => {
    for (const r of ranges ?? []) seen.set(r.pos, r);
  };
  const visit = (node: ts.Node) => {
    add(ts.getLeadingCommentRanges(text, node.pos));
    add(ts.getTrailingCommentRanges(text, node.end));
    ts.forEachChild(node, visit);
  };
  visit(sf);
  add(ts.getLeadingCommentRanges(text, sf.endOfFileToken.pos));
  return [...seen.values()];
}

function commentEdits(path: string, text: string): Edit[] {
  const long = longLines(text);
  if (long.length === 0) return [];
  const sf = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
  const comments = allComments(sf);
  const edits: Edit[] = [];
  for (const line of long) {
    const lineText = text.slice(line.start, line.end);
    const indent = /^\s*/.exec(lineText)![0];
    // The comment that reaches past the width on this line.
    const c = comments.find((r) => r.pos < line.end && r.end > line.start);
    if (!c) continue;
    if (c.kind === ts.SyntaxKind.SingleLineCommentTrivia) {
      const body = text.slice(c.pos, c.end);
      const m = /^(\/\/+\s?)(.*)$/.exec(body)!;
      const words = m[2]!.trim().split(/\s+/);
      if (c.pos === line.start + indent.length) {
        // A full-line comment: refill under the same prefix.
        edits.push({ start: line.start, end: line.end, text: fill(words, indent + m[1]!).join("\n") });
      } else {
        // A trailing comment: to its own line(s) above the code, which keeps its place.
        const code = text.slice(line.start, c.pos).trimEnd();
        const above = fill(words, indent + m[1]!).join("\n");
        edits.push({ start: line.start, end: line.end, text: `${above}\n${code}` });
      }
    } else {
      // A block comment line: ` * text` inside /** ... */, or the whole /** text */ on one line.
      const single = text.slice(c.pos, c.end);
      if (!single.includes("\n") && c.pos === line.start + indent.length && c.end === line.end) {
        const m = /^\/\*(\*?)\s*(.*?)\s*\*\/$/s.exec(single)!;
        const body = fill(m[2]!.split(/\s+/), `${indent} * `);
        edits.push({ start: line.start, end: line.end, text: [`${indent}/*${m[1]}`, ...body, `${indent} */`].join("\n") });
        continue;
      }
      const m = /^(\s*\*\s?)(\s*)(.*)$/.exec(lineText);
      if (!m || c.pos > line.start) continue;
      let prefix = m[1]! + m[2]!;
      let body = m[3]!;
      // Continuation lines of a list item keep its hanging indent; a `// …` line (a comment in an example) keeps its
      // `//`; a code line of an @example continues indented.
      let hang = /^([-*]|\d+\.)\s/.test(body) ? " ".repeat(body.indexOf(" ") + 1) : "";
      const slashes = /^\/\/+\s?/.exec(body);
      if (slashes) {
        prefix += slashes[0];
        body = body.slice(slashes[0].length);
        hang = "";
      } else if ([...text.slice(c.pos, line.start).matchAll(/@(\w+)/g)].at(-1)?.[1] === "example") hang = "  ";
      edits.push({ start: line.start, end: line.end, text: fill(body.split(/\s+/), prefix, prefix + hang).join("\n") });
    }
  }
  return edits;
}

/** Where a literal cannot become a concatenation: types, module names, keys, case labels, tagged templates. */
function splittable(node: ts.Node): boolean {
  const p = node.parent;
  if (ts.isLiteralTypeNode(p) || ts.isImportDeclaration(p) || ts.isExportDeclaration(p) || ts.isExternalModuleReference(p)) return false;
  if (ts.isImportTypeNode(p) || ts.isModuleDeclaration(p) || ts.isCaseClause(p) || ts.isTaggedTemplateExpression(p) || ts.isEnumMember(p)) return false;
  if ((ts.isPropertyAssignment(p) || ts.isPropertyDeclaration(p) || ts.isMethodDeclaration(p) || ts.isPropertySignature(p)) && p.name === node) return false;
  if (ts.isElementAccessExpression(p) && p.argumentExpression === node) return false;
  if (ts.isAsExpression(p) || ts.isSatisfiesExpression(p) || ts.isTypeAssertionExpression(p)) return false;
  if (ts.isCallExpression(p) && p.expression.kind === ts.SyntaxKind.ImportKeyword) return false;
  return true;
}

/** Whether `a + b` can stand in the literal's place without parentheses. */
function bareOk(node: ts.Node): boolean {
  const p = node.parent;
  if (ts.isCallExpression(p) || ts.isNewExpression(p)) return p.arguments?.includes(node as ts.Expression) ?? false;
  if (ts.isBinaryExpression(p)) {
    const op = p.operatorToken.kind;
    // String concatenation is associative once a string is in it: `a + "x" + "y"` equals `a + "xy"`.
    if (op === ts.SyntaxKind.PlusToken) return true;
    return (
      p.right === node &&
      [
        ts.SyntaxKind.EqualsToken,
        ts.SyntaxKind.PlusEqualsToken,
        ts.SyntaxKind.QuestionQuestionToken,
        ts.SyntaxKind.BarBarToken,
        ts.SyntaxKind.AmpersandAmpersandToken,
      ].includes(op)
    );
  }
  return (
    ts.isVariableDeclaration(p) ||
    ts.isPropertyAssignment(p) ||
    ts.isReturnStatement(p) ||
    ts.isArrayLiteralExpression(p) ||
    ts.isConditionalExpression(p) ||
    ts.isArrowFunction(p) ||
    ts.isParenthesizedExpression(p) ||
    ts.isTemplateSpan(p) ||
    ts.isParameter(p) ||
    ts.isThrowStatement(p) ||
    ts.isPropertyDeclaration(p) ||
    ts.isSpreadElement(p)
  );
}

/** Whether an expression's value is a string whatever it evaluates to (literals and conditionals of them). */
function alwaysString(e: ts.Expression): boolean {
  if (ts.isParenthesizedExpression(e)) return alwaysString(e.expression);
  if (ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e) || ts.isTemplateExpression(e)) return true;
  return ts.isConditionalExpression(e) && alwaysString(e.whenTrue) && alwaysString(e.whenFalse);
}

/** The longest substitution of a template that can become a `+` operand (a conditional of strings, 30+ characters). */
function hoistable(node: ts.Node): ts.TemplateSpan | undefined {
  if (!ts.isTemplateExpression(node)) return undefined;
  const spans = node.templateSpans.filter((s) => ts.isConditionalExpression(s.expression) && alwaysString(s.expression) && s.expression.getWidth() >= 30);
  return spans.sort((a, b) => b.expression.getWidth() - a.expression.getWidth())[0];
}

/** Offsets (absolute) after which a literal may be cut: right after a space in its literal text, not after a backslash. */
function cutPoints(node: ts.StringLiteral | ts.NoSubstitutionTemplateLiteral | ts.TemplateExpression, text: string): number[] {
  const parts: [number, number][] = [];
  if (ts.isTemplateExpression(node)) {
    parts.push([node.head.getStart() + 1, node.head.end - 2]);
    for (const span of node.templateSpans) {
      const lit = span.literal;
      parts.push([lit.getStart() + 1, ts.isTemplateTail(lit) ? lit.end - 1 : lit.end - 2]);
    }
  } else parts.push([node.getStart() + 1, node.end - 1]);
  const cuts: number[] = [];
  for (const [from, to] of parts) {
    for (let i = from; i < to - 1; i++) {
      if (text[i] === " " && text[i - 1] !== "\\" && text[i + 1] !== " ") cuts.push(i + 1);
    }
  }
  return cuts;
}

/** Offsets inside a regex literal's source after which it may be cut: after `|` or a space that no backslash escapes. */
function regexCutPoints(node: ts.RegularExpressionLiteral, text: string): number[] {
  const start = node.getStart() + 1;
  const end = node.getStart() + node.text.lastIndexOf("/");
  const cuts: number[] = [];
  let escaped = false;
  for (let i = start; i < end - 1; i++) {
    const ch = text[i]!;
    if (escaped) escaped = false;
    else if (ch === "\\") escaped = true;
    else if (ch === "|" || ch === " ") cuts.push(i + 1);
  }
  return cuts;
}

/** `new RegExp(…)` of a long regex literal, its source in pieces of at most `budget` characters; undefined if it cannot be cut. */
function regexEdit(node: ts.RegularExpressionLiteral, text: string, budget: number): Edit | undefined {
  const start = node.getStart();
  const close = start + node.text.lastIndexOf("/");
  const source = text.slice(start + 1, close);
  const flags = text.slice(close + 1, node.end);
  if (source.includes("`") || source.includes("${")) return undefined;
  const cuts = regexCutPoints(node, text);
  const pieces: string[] = [];
  let from = start + 1;
  while (close - from > budget) {
    const fit = cuts.filter((c) => c > from && c - from <= budget);
    const cut = fit.length > 0 ? fit[fit.length - 1]! : cuts.find((c) => c > from);
    if (cut === undefined) break;
    pieces.push(text.slice(from, cut));
    from = cut;
  }
  if (pieces.length === 0) return undefined;
  pieces.push(text.slice(from, close));
  // String.raw keeps every backslash as written, so the pieces join to the literal's source exactly.
  const parts = pieces.map((p) => (p.includes("\\") ? `String.raw\`${p}\`` : JSON.stringify(p)));
  return { start, end: node.end, text: `new RegExp(${parts.join(" + ")}${flags ? `, ${JSON.stringify(flags)}` : ""})` };
}

function literalEdits(path: string, text: string): Edit[] {
  const long = longLines(text);
  if (long.length === 0) return [];
  const sf = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
  type Literal = ts.StringLiteral | ts.NoSubstitutionTemplateLiteral | ts.TemplateExpression;
  const literals: Literal[] = [];
  const regexes: ts.RegularExpressionLiteral[] = [];
  // Literals inside a template's ${...} are out of the formatter's reach until that substitution is hoisted (below).
  const visit = (node: ts.Node, inSubstitution: boolean) => {
    const literal = ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node) || ts.isTemplateExpression(node);
    if (literal && !inSubstitution && splittable(node)) literals.push(node);
    if (ts.isRegularExpressionLiteral(node) && !inSubstitution) regexes.push(node);
    ts.forEachChild(node, (child) => visit(child, inSubstitution || ts.isTemplateSpan(node)));
  };
  visit(sf, false);
  const edits: Edit[] = [];
  for (const line of long) {
    // One literal a line and round: the longest one on the line that can be cut (the formatter re-lays the line out before the next round).
    const candidates = literals
      .filter((n) => n.getStart() < line.end && n.end > line.start && !edits.some((e) => e.start < n.end && n.getStart() < e.end))
      .map((n) => ({ n, cuts: cutPoints(n, text), hoist: hoistable(n) }))
      .filter((c) => c.cuts.length > 0 || c.hoist !== undefined)
      .sort((a, b) => b.n.end - b.n.getStart() - (a.n.end - a.n.getStart()));
    const pick = candidates[0];
    if (!pick) {
      // No string to cut: a regular expression literal on the line becomes a RegExp built from its source.
      const regex = regexes.find((r) => r.getStart() < line.end && r.end > line.start && !edits.some((e) => e.start < r.end && r.getStart() < e.end));
      const indent = /^\s*/.exec(text.slice(line.start, line.end))![0].length;
      const edit = regex && regexEdit(regex, text, LINE_WIDTH - indent - 24);
      if (edit) edits.push(edit);
      continue;
    }
    const { n: node, cuts, hoist } = pick;
    const start = node.getStart();
    if (hoist && ts.isTemplateExpression(node)) {
      // `a${c ? "x" : "y"}b` -> `a` + (c ? "x" : "y") + `b`: same value (the substitution is a string either way).
      const dollar = text.lastIndexOf("${", hoist.expression.getStart());
      const left = text.slice(start, dollar);
      const right = text.slice(hoist.literal.getStart() + 1, node.end);
      const pieces = [left === "`" ? "" : `${left}\``, `(${hoist.expression.getText()})`, right === "`" ? "" : `\`${right}`].filter((p) => p !== "");
      const joined = pieces.join(" + ");
      edits.push({ start, end: node.end, text: bareOk(node) ? joined : `(${joined})` });
      continue;
    }
    const indent = /^\s*/.exec(text.slice(line.start, line.end))![0].length;
    // Each operand goes on its own line, indented under the expression, followed by " +"; a literal that already fits such
    // a line (the line is long for other reasons) is cut near its middle.
    const length = node.end - start;
    const budget = Math.min(LINE_WIDTH - indent - 12, length > LINE_WIDTH - indent - 12 ? Infinity : Math.ceil(length / 2) + 8);
    const quote = text[start]!;
    const segments: string[] = [];
    let from = start;
    while (node.end - from > budget) {
      const fit = cuts.filter((c) => c > from && c - from <= budget - 1);
      const cut = fit.length > 0 ? fit[fit.length - 1]! : cuts.find((c) => c > from);
      if (cut === undefined) break;
      segments.push(text.slice(from, cut));
      from = cut;
    }
    if (segments.length === 0) continue;
    // Each segment but the first reopens the literal; each closes it.
    const pieces = [...segments.map((seg, i) => (i === 0 ? "" : quote) + seg + quote), quote + text.slice(from, node.end)];
    const joined = pieces.join(" + ");
    edits.push({ start, end: node.end, text: bareOk(node) ? joined : `(${joined})` });
  }
  return edits;
}
