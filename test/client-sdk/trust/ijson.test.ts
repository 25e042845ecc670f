/**
 * The strict I-JSON reader (RFC 7493) every receipt reader uses: same values as JSON.parse on valid
 * I-JSON, and a typed refusal of what I-JSON forbids.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseStrictJson, parseStrictJsonBytes } from "../../../client-sdk/src/trust/ijson.ts";

const code = (f: () => unknown) => {
  try {
    f();
    return "accepted";
  } catch (e) {
    return (e as { code?: string }).code;
  }
};

describe("parseStrictJson", () => {
  it("reads what JSON.parse reads, for any JSON value without duplicate names or unsafe integers", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (v) => {
        const text = JSON.stringify(v);
        fc.pre(!/\d{16,}/.test(text));
        expect(parseStrictJson(text)).toEqual(JSON.parse(text));
      }),
      { numRuns: 300 },
    );
  });

  it("refuses a member name twice in one object (DUPLICATE_KEY), also when escaped differently", () => {
    expect(code(() => parseStrictJson('{"title":"A","title":"B"}'))).toBe("DUPLICATE_KEY");
    expect(code(() => parseStrictJson('{"a":{"x":1},"b":{"x":1,"x":2}}'))).toBe("DUPLICATE_KEY");
    expect(code(() => parseStrictJson('{"title":"A","\\u0074itle":"B"}'))).toBe("DUPLICATE_KEY");
    expect(parseStrictJson('[{"x":1},{"x":2}]')).toEqual([{ x: 1 }, { x: 2 }]);
  });

  it("refuses lone surrogates, unsafe integers, trailing text, a byte order mark and nesting past the limit (INVALID_JSON)", () => {
    expect(code(() => parseStrictJson('"\\ud800"'))).toBe("INVALID_JSON");
    expect(code(() => parseStrictJson("9007199254740993"))).toBe("INVALID_JSON");
    expect(code(() => parseStrictJson("{} {}"))).toBe("INVALID_JSON");
    expect(code(() => parseStrictJson("\ufeff{}"))).toBe("INVALID_JSON");
    expect(code(() => parseStrictJson(`${"[".repeat(65)}${"]".repeat(65)}`))).toBe("INVALID_JSON");
    expect(code(() => parseStrictJson(`${"[".repeat(64)}${"]".repeat(64)}`))).toBe("accepted");
    expect(code(() => parseStrictJson(`${'{"a":'.repeat(50_000)}1${"}".repeat(50_000)}`))).toBe("INVALID_JSON");
    expect(code(() => parseStrictJsonBytes(new Uint8Array([0x22, 0xff, 0x22])))).toBe("INVALID_JSON");
  });

  it("keeps __proto__ an ordinary member", () => {
    const v = parseStrictJson('{"__proto__":{"polluted":true}}') as Record<string, unknown>;
    expect(Object.keys(v)).toEqual(["__proto__"]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
