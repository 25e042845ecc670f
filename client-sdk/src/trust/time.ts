/**
 * Time semantics of the evidence (docs/design/format-v2.md, "Time semantics").
 *
 * A block's timestamp is whole seconds chosen by its producer, and a transaction can arrive after the
 * timestamp of the block that includes it. So the single time PriorProof states as "existed no later
 * than" is a conservative bound: the witness time plus the chain's tolerance, and never earlier than any
 * time the service itself recorded for the entry, rounded up to the whole second. Taking the service's
 * times from a hostile receipt is safe: they can only make the bound later, never earlier.
 */
import { InputError } from "../errors.ts";

const RFC3339_UTC = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?Z$/;

/**
 * Parses an RFC 3339 UTC time strictly (no rolled-over dates such as `2026-11-31`, no leap-second 60),
 * to milliseconds since the epoch; throws `INVALID_TIME` otherwise.
 *
 * @example
 * parseUtcTime("2026-11-30T05:26:52Z") // 1796016412000
 */
export function parseUtcTime(text: string): number {
  const m = RFC3339_UTC.exec(text);
  if (!m) throw new InputError("INVALID_TIME", `not an RFC 3339 UTC time: ${JSON.stringify(text.slice(0, 40))}`);
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const ms = Date.UTC(y, mo - 1, d, h, mi, s) + (m[7] ? Math.floor(Number(m[7]) * 1000) : 0);
  const back = new Date(ms);
  if (
    back.getUTCFullYear() !== y ||
    back.getUTCMonth() !== mo - 1 ||
    back.getUTCDate() !== d ||
    back.getUTCHours() !== h ||
    back.getUTCMinutes() !== mi ||
    back.getUTCSeconds() !== s
  ) {
    throw new InputError("INVALID_TIME", `impossible date or time: ${text}`);
  }
  return ms;
}

/** Whole-second UTC ISO-8601 (`2026-11-30T05:26:53Z`). */
function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/**
 * The conservative "existed no later than" bound for one witness.
 *
 * @param witnessTime the proven time (a block timestamp read from the chain or a header; an RFC 3161 genTime)
 * @param toleranceSeconds how far the witness clock may run behind the real arrival (the chain registry's
 *   block-time tolerance; 0 for an RFC 3161 genTime, whose accuracy is the TSA's statement)
 * @param serviceTimes every time the service recorded for the entry (at least `service.receivedAt`)
 * @example
 * timeBound("2026-11-30T05:26:52Z", 0, ["2026-11-30T05:26:52.323Z"]) // "2026-11-30T05:26:53Z"
 */
export function timeBound(witnessTime: string, toleranceSeconds: number, serviceTimes: readonly string[] = []): string {
  let latest = parseUtcTime(witnessTime) + Math.max(0, toleranceSeconds) * 1000;
  for (const t of serviceTimes) latest = Math.max(latest, parseUtcTime(t));
  return isoSeconds(Math.ceil(latest / 1000) * 1000);
}
