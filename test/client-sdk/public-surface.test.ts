/**
 * The SDK's public surface is listed on purpose: the names each entry exports (index.ts, node.ts,
 * browser.ts, read with the TypeScript checker so type-only exports count) are exactly the names the
 * "Public API" tables of docs/sdk.md document, in both directions, so the two cannot drift.
 */
import { readFileSync } from "node:fs";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const SRC = "client-sdk/src";
const ENTRIES = { index: `${SRC}/index.ts`, node: `${SRC}/node.ts`, browser: `${SRC}/browser.ts` } as const;

/** Names exported by each entry, values and types alike. */
function exportedNames(): Record<keyof typeof ENTRIES, string[]> {
  const program = ts.createProgram(Object.values(ENTRIES), {
    noEmit: true,
    allowImportingTsExtensions: true,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2023,
    strict: true,
    skipLibCheck: true,
  });
  const checker = program.getTypeChecker();
  const names = (file: string) => {
    const module = checker.getSymbolAtLocation(program.getSourceFile(file)!)!;
    return checker
      .getExportsOfModule(module)
      .map((s) => s.name)
      .sort();
  };
  return { index: names(ENTRIES.index), node: names(ENTRIES.node), browser: names(ENTRIES.browser) };
}

/** The names in the first column of the "Public API" tables of docs/sdk.md, by which entry a group belongs to. */
function documentedNames(): { root: string[]; nodeOnly: string[]; browserOnly: string[] } {
  const doc = readFileSync("docs/sdk.md", "utf8");
  const start = doc.indexOf("\n## Public API\n");
  expect(start, "docs/sdk.md has a ## Public API section").toBeGreaterThan(0);
  const end = doc.indexOf("\n## ", start + 1);
  const section = doc.slice(start, end === -1 ? undefined : end);
  const out = { root: [] as string[], nodeOnly: [] as string[], browserOnly: [] as string[] };
  let group: keyof typeof out = "root";
  for (const line of section.split("\n")) {
    if (line.startsWith("### ")) {
      group = line.includes("`@priorproof/client-sdk/node` only")
        ? "nodeOnly"
        : line.includes("`@priorproof/client-sdk/browser` only")
          ? "browserOnly"
          : "root";
      continue;
    }
    const row = /^\| `([A-Za-z_$][\w$]*)` \|/.exec(line);
    if (row) out[group].push(row[1]!);
  }
  return { root: out.root.sort(), nodeOnly: out.nodeOnly.sort(), browserOnly: out.browserOnly.sort() };
}

describe("the SDK's public surface", () => {
  const exported = exportedNames();
  const documented = documentedNames();

  it("documents each name once", () => {
    const all = [...documented.root, ...documented.nodeOnly, ...documented.browserOnly];
    expect(all.filter((n, i) => all.indexOf(n) !== i)).toEqual([]);
  });

  it("exports from @priorproof/client-sdk exactly the names documented for it", () => {
    expect(exported.index.length).toBeGreaterThan(100);
    expect(exported.index).toEqual(documented.root);
  });

  it("exports from @priorproof/client-sdk/node the root names plus exactly the /node groups", () => {
    expect(exported.node).toEqual([...documented.root, ...documented.nodeOnly].sort());
  });

  it("exports from @priorproof/client-sdk/browser only documented root names plus exactly the /browser group", () => {
    const browserRoot = exported.browser.filter((n) => !documented.browserOnly.includes(n));
    expect(browserRoot.filter((n) => !documented.root.includes(n))).toEqual([]);
    expect(documented.browserOnly.filter((n) => !exported.browser.includes(n))).toEqual([]);
  });
});
