/**
 * A strict I-JSON reader (RFC 7493) for documents a verifier must treat as hostile: receipts above all.
 *
 * `JSON.parse` keeps the last of two members with the same name, so a person reading the file can see one
 * title while a verifier checks another. I-JSON forbids duplicate names (RFC 7493 §2.3); this parser
 * rejects them, and also rejects what I-JSON rules out or what no receipt needs: lone surrogates
 * (§2.1), numbers that do not survive as IEEE 754 doubles when they are integers beyond 2^53 (§2.2),
 * nesting deeper than a limit, and text longer than a limit. It is a small recursive-descent parser
 * (RFC 8259 grammar) with bounded depth; nothing here does I/O.
 */
import { InputError } from "../errors.ts";

/** Limits of {@link parseStrictJson}. */
export interface StrictJsonLimits {
  /** Maximum nesting of arrays and objects (default 64). */
  readonly maxDepth?: number;
  /** Maximum length of the text in UTF-16 code units (default 16 MiB). */
  readonly maxLength?: number;
}

const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Parses JSON text strictly; throws `INVALID_JSON` (malformed text, too deep, too long, lone surrogate,
 * unsafe integer) or `DUPLICATE_KEY` (a member name twice in one object), naming the position.
 *
 * @example
 * parseStrictJson('{"a":1,"a":2}') // throws InputError DUPLICATE_KEY: duplicate member "a" at offset 7
 */
export function parseStrictJson(text: string, limits: StrictJsonLimits = {}): unknown {
  const maxDepth = limits.maxDepth ?? 64;
  const maxLength = limits.maxLength ?? 16 * 1024 * 1024;
  if (text.length > maxLength) throw new InputError("INVALID_JSON", `json text is longer than ${maxLength} characters`);
  let i = 0;
  const fail = (why: string): never => {
    throw new InputError("INVALID_JSON", `${why} at offset ${i}`);
  };
  const skip = () => {
    while (i < text.length && WS.has(text.charCodeAt(i))) i++;
  };

  const parseString = (): string => {
    // text[i] === '"'
    i++;
    let out = "";
    let start = i;
    for (;;) {
      if (i >= text.length) fail("unterminated string");
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        out += text.slice(start, i);
        i++;
        break;
      }
      if (c < 0x20) fail("control character in string");
      if (c === 0x5c) {
        out += text.slice(start, i);
        const e = text[i + 1];
        i += 2;
        if (e === '"') out += '"';
        else if (e === "\\") out += "\\";
        else if (e === "/") out += "/";
        else if (e === "b") out += "\b";
        else if (e === "f") out += "\f";
        else if (e === "n") out += "\n";
        else if (e === "r") out += "\r";
        else if (e === "t") out += "\t";
        else if (e === "u") {
          const hex = text.slice(i, i + 4);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail("bad \\u escape");
          out += String.fromCharCode(parseInt(hex, 16));
          i += 4;
        } else fail("bad escape");
        start = i;
        continue;
      }
      i++;
    }
    // RFC 7493 §2.1: no unpaired surrogates, escaped or not.
    if (LONE_SURROGATE.test(out)) fail("lone surrogate in string");
    return out;
  };

  const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
  const parseNumber = (): number => {
    NUMBER.lastIndex = i;
    const m = NUMBER.exec(text);
    if (!m) return fail("bad number");
    i += m[0].length;
    const n = Number(m[0]);
    if (!Number.isFinite(n)) fail("number out of range");
    // RFC 7493 §2.2: an integer beyond 2^53 cannot be represented exactly; refuse rather than round.
    if (/^-?\d+$/.test(m[0]) && !Number.isSafeInteger(n)) fail("integer beyond ±2^53");
    return n;
  };

  const parseValue = (depth: number): unknown => {
    skip();
    if (i >= text.length) fail("unexpected end of text");
    const c = text[i];
    if (c === "{") {
      if (depth >= maxDepth) fail(`nesting deeper than ${maxDepth}`);
      i++;
      const obj: Record<string, unknown> = {};
      const seen = new Set<string>();
      skip();
      if (text[i] === "}") {
        i++;
        return obj;
      }
      for (;;) {
        skip();
        if (text[i] !== '"') fail("expected a member name");
        const at = i;
        const key = parseString();
        if (seen.has(key)) throw new InputError("DUPLICATE_KEY", `duplicate member ${JSON.stringify(key.slice(0, 60))} at offset ${at}`);
        seen.add(key);
        skip();
        if (text[i] !== ":") fail("expected ':'");
        i++;
        const value = parseValue(depth + 1);
        // defineProperty: "__proto__" is an ordinary member here, never the prototype.
        Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
        skip();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "}") {
          i++;
          return obj;
        }
        fail("expected ',' or '}'");
      }
    }
    if (c === "[") {
      if (depth >= maxDepth) fail(`nesting deeper than ${maxDepth}`);
      i++;
      const arr: unknown[] = [];
      skip();
      if (text[i] === "]") {
        i++;
        return arr;
      }
      for (;;) {
        arr.push(parseValue(depth + 1));
        skip();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "]") {
          i++;
          return arr;
        }
        fail("expected ',' or ']'");
      }
    }
    if (c === '"') return parseString();
    if (text.startsWith("true", i)) {
      i += 4;
      return true;
    }
    if (text.startsWith("false", i)) {
      i += 5;
      return false;
    }
    if (text.startsWith("null", i)) {
      i += 4;
      return null;
    }
    return parseNumber();
  };

  // A UTF-8 byte order mark is not JSON (RFC 8259 §8.1 lets a parser ignore it; I-JSON texts have none).
  const value = parseValue(0);
  skip();
  if (i !== text.length) fail("trailing text after the JSON value");
  return value;
}

/**
 * Decodes UTF-8 bytes strictly (invalid sequences are an error, RFC 7493 §2.1) and parses them with
 * {@link parseStrictJson}.
 *
 * @example
 * parseStrictJsonBytes(await readFile("receipt.json"))
 */
export function parseStrictJsonBytes(bytes: Uint8Array, limits: StrictJsonLimits = {}): unknown {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch (cause) {
    throw new InputError("INVALID_JSON", "json text is not valid UTF-8", { cause });
  }
  return parseStrictJson(text, limits);
}
