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
 * The shape of a JSON text, scanned before it is parsed (brackets inside strings skipped): how many
 * arrays and objects it opens and how deep it nests. A body of millions of empty arrays, or one
 * nested 100,000 deep, is refused in one linear scan instead of blocking the event loop in the parser
 * and in validation. The scan stops as soon as a limit is passed.
 *
 * @example
 * jsonTextShape("[[],[],[]]", 3, 64); // "containers" (4 containers)
 */
export function jsonTextShape(text: string, maxContainers: number, maxDepth = MAX_JSON_DEPTH): "containers" | "depth" | undefined {
  let count = 0;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > maxDepth) return "depth";
      if (++count > maxContainers) return "containers";
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return undefined;
}
