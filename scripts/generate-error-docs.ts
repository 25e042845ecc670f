/**
 * docs/errors.md, the one table of error codes, generated from the code:
 * - the SDK's families: every exported `type …ErrorCode` union of client-sdk/src (and the server's TSA client), with the
 *   one-line meaning each code has in the union's TSDoc list (`- \`CODE\`: meaning`);
 * - the service's HTTP error codes: `ERROR_STATUS` of server/src/errors.ts, with the status and the member's TSDoc.
 *
 *   node scripts/generate-error-docs.ts           writes docs/errors.md
 *   node scripts/generate-error-docs.ts --check   exits 1 when docs/errors.md is not what the code says
 * test/client-sdk/errors-doc.test.ts runs the check and holds every code to one meaning and one family.
 */
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import ts from "typescript";

/** Files whose `…ErrorCode` unions are families (the class is the union's name without `Code`). */
/** The files that declare an exported `…ErrorCode` union: found, not listed, so a moved or new family is never missed. */
export const FAMILY_FILES: string[] = execFileSync("git", ["grep", "-l", "-E", "^export type [A-Za-z]+ErrorCode\\b", "--", "client-sdk/src", "server/src"], {
  encoding: "utf8",
})
  .split("\n")
  .filter((f) => f !== "" && f !== "server/src/errors.ts")
  .sort((a, b) => (a === "client-sdk/src/errors.ts" ? -1 : b === "client-sdk/src/errors.ts" ? 1 : a.localeCompare(b)));
const SERVER_ERRORS = "server/src/errors.ts";

/**
 * The codes that stand in two families, and why (the test allows these and no other). Each names one fact reached by two
 * paths, and callers and tests already branch on the code as it is.
 */
export const SHARED_CODES: Readonly<Record<string, string>> = {
  ABORTED: "the caller's AbortSignal: an InputError while hashing, a ServiceError while calling or waiting on the service",
  INVALID_ARGUMENT: "a bad argument: InputError in general, SignatureError from the claim-signing helpers",
  CONTRACT_MISSING: "no code at the contract: AnchorError when an RPC says so, EvmInclusionError when the offline account proof does",
  TX_HASH_MISMATCH: "another transaction than the receipt's: AnchorError from an RPC, EvmInclusionError from the offline proof",
};
const OUT = "docs/errors.md";

export interface FamilyCode {
  readonly code: string;
  /** The error class: `InputError`, `ProofError`, ... (`PriorProofError` for the general codes). */
  readonly family: string;
  readonly file: string;
  /** The one-line meaning from the union's TSDoc list; undefined when the list lacks the code. */
  readonly meaning: string | undefined;
}

export interface ServiceCode {
  readonly code: string;
  readonly status: number;
  readonly meaning: string | undefined;
}

function source(path: string): ts.SourceFile {
  return ts.createSourceFile(path, readFileSync(path, "utf8"), ts.ScriptTarget.Latest, true);
}

function jsDocText(node: ts.Node): string {
  return ts
    .getJSDocCommentsAndTags(node)
    .map((d) => (typeof d.comment === "string" ? d.comment : (d.comment?.map((c) => c.text).join("") ?? "")))
    .join("\n");
}

/** `- \`A\`: meaning` and `- \`A\` / \`B\` (/2): meaning` items of a TSDoc list, continuation lines joined. */
export function meaningsOf(doc: string): Map<string, string> {
  const items: string[] = [];
  for (const line of doc.split("\n")) {
    if (/^\s*- `/.test(line)) items.push(line.trim().slice(2));
    else if (items.length > 0 && /^\s+\S/.test(line)) items[items.length - 1] += ` ${line.trim()}`;
    else if (items.length > 0 && line.trim() === "") items.push("");
  }
  const out = new Map<string, string>();
  for (const item of items) {
    const m = /^((?:`[A-Z0-9_]+`(?:\s*\/\s*)?)+)(?:\s*\([^)]*\))?:\s*(.+)$/.exec(item);
    if (!m) continue;
    for (const code of m[1]!.match(/[A-Z0-9_]+/g)!) out.set(code, m[2]!.trim());
  }
  return out;
}

/** Every code of every family, in file order. */
export function familyCodes(): FamilyCode[] {
  const rows: FamilyCode[] = [];
  for (const file of FAMILY_FILES) {
    const sf = source(file);
    for (const st of sf.statements) {
      if (!ts.isTypeAliasDeclaration(st) || !/ErrorCode$/.test(st.name.text)) continue;
      if (!st.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) continue;
      const members = ts.isUnionTypeNode(st.type) ? st.type.types : [st.type];
      const codes = members.flatMap((t) => (ts.isLiteralTypeNode(t) && ts.isStringLiteral(t.literal) ? [t.literal.text] : []));
      if (codes.length === 0) continue;
      const family = st.name.text === "GeneralErrorCode" ? "PriorProofError" : st.name.text.replace(/Code$/, "");
      const meanings = meaningsOf(jsDocText(st));
      for (const code of codes) rows.push({ code, family, file, meaning: meanings.get(code) });
    }
  }
  return rows;
}

/** The meanings a family's TSDoc lists for codes its union does not have (stale documentation). */
export function strayMeanings(): string[] {
  const stray: string[] = [];
  for (const file of FAMILY_FILES) {
    for (const st of source(file).statements) {
      if (!ts.isTypeAliasDeclaration(st) || !/ErrorCode$/.test(st.name.text)) continue;
      const members = ts.isUnionTypeNode(st.type) ? st.type.types : [st.type];
      const codes = new Set(members.flatMap((t) => (ts.isLiteralTypeNode(t) && ts.isStringLiteral(t.literal) ? [t.literal.text] : [])));
      for (const code of meaningsOf(jsDocText(st)).keys()) if (!codes.has(code)) stray.push(`${st.name.text}: ${code}`);
    }
  }
  return stray;
}

/** The service's codes: `ERROR_STATUS` members with their status and TSDoc. */
export function serviceCodes(): ServiceCode[] {
  const sf = source(SERVER_ERRORS);
  const rows: ServiceCode[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isVariableDeclaration(node) && node.name.getText() === "ERROR_STATUS" && node.initializer) {
      const init = ts.isAsExpression(node.initializer) ? node.initializer.expression : node.initializer;
      if (ts.isObjectLiteralExpression(init)) {
        for (const p of init.properties) {
          if (!ts.isPropertyAssignment(p)) continue;
          const meaning = jsDocText(p).replace(/\s+/g, " ").trim();
          rows.push({ code: p.name.getText(), status: Number(p.initializer.getText()), meaning: meaning === "" ? undefined : meaning });
        }
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return rows;
}

const cell = (s: string) => s.replace(/\|/g, "\\|");

export function renderErrorDocs(): string {
  const sdk = [...familyCodes()].sort((a, b) => a.code.localeCompare(b.code) || a.family.localeCompare(b.family));
  const service = [...serviceCodes()].sort((a, b) => a.code.localeCompare(b.code));
  return [
    "# Error codes",
    "",
    "<!-- Generated by scripts/generate-error-docs.ts from the code; test/client-sdk/errors-doc.test.ts fails when it is stale. Do not edit. -->",
    "",
    "Every failure carries a stable `code`. The SDK throws a `PriorProofError` subclass per family (branch on `instanceof`",
    'or on `code`); the service answers `{ "error": { "code", "message", "details"? } }` with an HTTP status, and the SDK',
    "passes that code on as a `ServiceError`. A verdict's failed check carries the code of the error its step threw.",
    "",
    "## SDK and CLI",
    "",
    "Each code has one meaning and, but for the few listed below, one family (the class). The type of each family's codes",
    "is exported beside its class (`InputErrorCode`, `ProofErrorCode`, `AnchorErrorCode`, ...).",
    "",
    "Codes in two families (one fact reached by two paths):",
    "",
    ...Object.entries(SHARED_CODES).map(([code, why]) => `- \`${code}\`: ${why}.`),
    "",
    "| code | family | meaning |",
    "| --- | --- | --- |",
    ...sdk.map((r) => `| \`${r.code}\` | ${r.family} | ${cell(r.meaning ?? "(no meaning written)")} |`),
    "",
    "## Service (HTTP)",
    "",
    "The codes of `server/src/errors.ts` (`ERROR_STATUS`), the only ones the service answers.",
    "",
    "| code | HTTP status | meaning |",
    "| --- | --- | --- |",
    ...service.map((r) => `| \`${r.code}\` | ${r.status} | ${cell(r.meaning ?? "")} |`),
    "",
  ].join("\n");
}

if (import.meta.main) {
  const text = renderErrorDocs();
  if (process.argv.includes("--check")) {
    if (readFileSync(OUT, "utf8") !== text) {
      console.error(`${OUT} is stale: run node scripts/generate-error-docs.ts`);
      process.exit(1);
    }
    console.log(`${OUT} is up to date`);
  } else {
    writeFileSync(OUT, text);
    console.log(`wrote ${OUT}`);
  }
}
