/**
 * A COMPLETE instance of a JSON Schema: every property present (optional ones too), every array with
 * one element, every nullable member with a value, open objects with an extra member. Used to check
 * that response serialization keeps everything a schema promises, so a field added to a schema is
 * covered without anyone writing a fixture for it.
 */
type Schema = {
  $ref?: string;
  type?: string | readonly string[];
  enum?: readonly unknown[];
  properties?: Record<string, Schema>;
  items?: Schema;
  additionalProperties?: boolean | Schema;
  pattern?: string;
  format?: string;
};

export function completeObject(schema: unknown, registry: ReadonlyMap<string, unknown>, path = "$"): unknown {
  const s = schema as Schema;
  if (s.$ref !== undefined) {
    const target = registry.get(s.$ref.replace(/#$/, ""));
    if (target === undefined) throw new Error(`${path}: unresolved $ref ${s.$ref}`);
    return completeObject(target, registry, path);
  }
  if (s.enum !== undefined) {
    const value = s.enum.find((v) => v !== null);
    if (value === undefined) throw new Error(`${path}: enum without a non-null value`);
    return value;
  }
  const types = s.type === undefined ? [] : typeof s.type === "string" ? [s.type] : [...s.type];
  const type = types.find((t) => t !== "null");
  switch (type) {
    case "string":
      if (s.pattern?.includes("0x")) return `0x${"ab".repeat(32)}`;
      if (s.format === "date-time") return "2026-11-30T12:00:00.000Z";
      return `text of ${path}`;
    case "integer":
      return 7;
    case "number":
      return 1.5;
    case "boolean":
      return true;
    case "array":
      return [completeObject(s.items ?? {}, registry, `${path}[0]`)];
    case "object": {
      const out: Record<string, unknown> = {};
      for (const [k, sub] of Object.entries(s.properties ?? {})) out[k] = completeObject(sub, registry, `${path}.${k}`);
      // An open object keeps members the schema does not name: one is added to prove it.
      if (s.additionalProperties === true || s.properties === undefined) out.extraMember = { nested: [1, "two", null] };
      return out;
    }
    case undefined:
      // `{}`: any value (an error's details); a structured one shows it passes whole.
      return { anything: [1, "two", { three: true }] };
    default:
      throw new Error(`${path}: unsupported type ${type}`);
  }
}
