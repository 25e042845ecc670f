/**
 * The outcome of a verification (what makes it `verified`, its time bound) and the verdict as JSON:
 * its schema and the parser of an untrusted one.
 */
import { VerdictSchema } from "../api/verdict.ts";
import { InputError } from "../errors.ts";
import { parseReceipt, type Receipt } from "../receipt.ts";
import type { SignedIdentity } from "../signature/index.ts";
import type { Recorder } from "./record.ts";
import type { OutsideFact, Verdict, Witness } from "./types.ts";

/**
 * The verdict of the checks recorded: verified when no check failed, the file matched, the leaf was
 * rebuilt and at least one witness confirmed the root; `existedNoLaterThan` is the earliest witness bound.
 */
export function verdictOf(
  rec: Recorder,
  receipt: Receipt,
  facts: {
    fileMatched: boolean;
    leafOk: boolean;
    witnesses: readonly Witness[];
    remaining: readonly OutsideFact[];
    signedIdentity: SignedIdentity | undefined;
  },
): Verdict {
  const { checks, warnings } = rec;
  const { witnesses, remaining } = facts;
  const anyFailed = checks.some((c) => c.status === "failed");
  const verified = !anyFailed && facts.fileMatched && facts.leafOk && witnesses.length > 0;
  const existedNoLaterThan = witnesses.map((w) => w.existedNoLaterThan).sort()[0];
  const identity = facts.signedIdentity ? { signedIdentity: facts.signedIdentity } : {};
  return { verified, checks, ...(existedNoLaterThan ? { existedNoLaterThan } : {}), witnesses, warnings, remaining, receipt, ...identity };
}

/**
 * The JSON Schema of a {@link Verdict} as JSON (api/verdict.ts): the one definition the service's
 * `POST /v1/verify` serializes with and clients validate against.
 */
export const VERDICT_JSON_SCHEMA = VerdictSchema;

/**
 * Narrows an untrusted JSON verdict (a service's `POST /v1/verify` answer) against
 * {@link VERDICT_JSON_SCHEMA}'s shape; throws `INVALID_VERDICT` naming the first bad member.
 *
 * @example
 * const verdict = parseVerdict(await res.json());
 */
export function parseVerdict(doc: unknown): Verdict {
  const fail = (at: string): never => {
    throw new InputError("INVALID_VERDICT", `not a verdict: ${at}`);
  };
  const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
  const check = (
    v: unknown,
    schema: {
      type?: unknown;
      required?: readonly string[];
      properties?: Record<string, unknown>;
      items?: unknown;
      enum?: readonly unknown[];
      additionalProperties?: unknown;
    },
    at: string,
  ): void => {
    const types = Array.isArray(schema.type) ? (schema.type as string[]) : schema.type ? [schema.type as string] : [];
    const ok =
      types.length === 0 ||
      types.some((t) =>
        t === "object"
          ? isObj(v)
          : t === "array"
            ? Array.isArray(v)
            : t === "integer"
              ? Number.isSafeInteger(v)
              : t === "string"
                ? typeof v === "string"
                : t === "boolean"
                  ? typeof v === "boolean"
                  : false,
      );
    if (!ok) fail(`${at}: expected ${types.join(" or ")}`);
    if (schema.enum && !schema.enum.includes(v)) fail(`${at}: unexpected value`);
    if (Array.isArray(v) && schema.items) for (const [i, x] of v.entries()) check(x, schema.items as never, `${at}[${i}]`);
    if (isObj(v) && schema.properties) {
      for (const k of schema.required ?? []) if (!(k in v)) fail(`${at}.${k}: missing`);
      for (const [k, x] of Object.entries(v)) {
        const sub = schema.properties[k];
        if (sub) check(x, sub as never, `${at}.${k}`);
        else if (schema.additionalProperties === false) fail(`${at}.${k}: unknown member`);
      }
    }
  };
  check(doc, VERDICT_JSON_SCHEMA as never, "verdict");
  const v = doc as Verdict;
  return v.receipt === undefined ? v : { ...v, receipt: parseReceipt(v.receipt) };
}
