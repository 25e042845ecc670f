/**
 * JSON nesting limit. Parsing a deeply nested document is fine (V8's JSON.parse is iterative), but
 * the code that walks it afterwards (claim validation, RFC 8785 canonicalisation, receipt checks)
 * recurses, so a 50,000-deep claim would overflow the stack: a 500 for a client's mistake. Every JSON
 * value from a client is checked here first, without recursion.
 */

/** Deepest nesting any request body may have: receipts and claims need well under 20 levels. */
export const MAX_JSON_DEPTH = 64;

/**
 * Whether `value` nests arrays/objects deeper than `max` levels (a scalar is depth 0).
 *
 * @example
 * jsonDepthExceeds(JSON.parse("[[[1]]]"), 2); // true
 */
export function jsonDepthExceeds(value: unknown, max = MAX_JSON_DEPTH): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== "object") continue;
    if (depth + 1 > max) return true;
    for (const child of Object.values(v as object)) if (child !== null && typeof child === "object") stack.push([child, depth + 1]);
  }
  return false;
}

/**
 * Whether the JSON text `text` opens more than `max` arrays and objects, counted on the raw text
 * (brackets inside strings skipped) before it is parsed: a body of millions of empty arrays is
 * refused in one linear scan instead of blocking the event loop in the parser and in validation.
 *
 * @example
 * jsonContainersExceed("[[],[],[]]", 3); // true (4 containers)
 */
export function jsonContainersExceed(text: string, max: number): boolean {
  let count = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if ((c === 0x5b || c === 0x7b) && ++count > max) {
      return true;
    }
  }
  return false;
}
