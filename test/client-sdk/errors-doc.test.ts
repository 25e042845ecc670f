import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { familyCodes, renderErrorDocs, SHARED_CODES, serviceCodes, strayMeanings } from "../../scripts/generate-error-docs.ts";

describe("docs/errors.md", () => {
  it("is what scripts/generate-error-docs.ts makes of the code", () => {
    expect(readFileSync("docs/errors.md", "utf8")).toBe(renderErrorDocs());
  });

  it("gives every code of every SDK family a one-line meaning, and no meaning to a code the union lacks", () => {
    const rows = familyCodes();
    expect(rows.length).toBeGreaterThan(100);
    expect(rows.filter((r) => r.meaning === undefined).map((r) => `${r.family} ${r.code}`)).toEqual([]);
    expect(strayMeanings()).toEqual([]);
  });

  it("puts each code in one family, but for the listed shared codes", () => {
    const families = new Map<string, string[]>();
    for (const r of familyCodes()) families.set(r.code, [...(families.get(r.code) ?? []), r.family]);
    const shared = [...families].filter(([, f]) => f.length > 1).map(([code]) => code);
    expect(shared.sort()).toEqual(Object.keys(SHARED_CODES).sort());
    // The two codes the error table merged or moved.
    expect(families.get("DIGEST_MISMATCH")).toEqual(["ProofError"]);
    expect(families.has("RPC_UNREACHABLE")).toBe(false);
    expect(families.get("CHAIN_UNREACHABLE")).toEqual(["AnchorError"]);
  });

  it("lists every code the service answers with its HTTP status", () => {
    const codes = serviceCodes();
    expect(codes.find((c) => c.code === "ENTRY_NOT_FOUND")).toMatchObject({ status: 404 });
    expect(codes.every((c) => Number.isInteger(c.status) && c.status >= 400 && c.status < 600)).toBe(true);
  });

  it("names no code in the SDK's sources that the table lacks (literal codes given to the error classes)", () => {
    // A ServiceError may carry the service's own codes (the SDK's docs show RECEIPT_PENDING, for one).
    const known = new Set([...familyCodes().map((r) => r.code), ...serviceCodes().map((r) => r.code)]);
    const grep = execFileSync("git", ["grep", "-h", "-o", "-E", String.raw`new [A-Za-z]*Error\("[A-Z0-9_]+"`, "--", "client-sdk/src"], { encoding: "utf8" });
    const used = new Set([...grep.matchAll(/"([A-Z0-9_]+)"/g)].map((m) => m[1]!));
    expect([...used].filter((c) => !known.has(c))).toEqual([]);
  });
});
