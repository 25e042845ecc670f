/**
 * The console's entry filters (GET /v1/entries, POST /v1/exports, GET /v1/reports/period): validated
 * and normalized here, run by the store (store/console.ts `searchEntries`).
 */
import { ASSET_KINDS } from "@priorproof/client-sdk";
import { AppError } from "../errors.ts";
import { ENTRY_FILTER_STATUSES, type EntryFilterStatus, type EntrySearch } from "../store/console.ts";

/** The filter as a request gives it. */
export interface EntryFilterInput {
  readonly q?: string;
  readonly kind?: string;
  readonly status?: string;
  readonly from?: string;
  readonly to?: string;
  readonly chain?: number;
}

/** JSON schema properties of the filter (query string or body). */
export const ENTRY_FILTER_PROPERTIES = {
  q: {
    type: "string",
    minLength: 1,
    maxLength: 200,
    description: "substring of the title or file name (case-insensitive), or a SHA-256 hex prefix of 8+ digits",
  },
  kind: { type: "string", enum: [...ASSET_KINDS] },
  status: {
    type: "string",
    enum: [...ENTRY_FILTER_STATUSES],
    description: "received (queued), batched, anchored, confirmed, or failed (uploaded content could not be stored)",
  },
  from: { type: "string", maxLength: 40, description: "received at or after: an ISO 8601 date (00:00 UTC) or date-time" },
  to: { type: "string", maxLength: 40, description: "received before: an ISO 8601 date-time, or a date (that whole day UTC included)" },
  chain: { type: "integer", minimum: 1, description: "chain id: entries queued for or anchored on that chain" },
} as const;

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** An ISO 8601 date or date-time as a UTC ISO string; a date `to` is the start of the next day (inclusive day). */
export function boundOf(value: string, which: "from" | "to"): string {
  if (DATE.test(value)) {
    const t = Date.parse(`${value}T00:00:00.000Z`);
    if (Number.isNaN(t)) throw new AppError("VALIDATION_FAILED", `${which}: not a date: ${JSON.stringify(value)}`);
    return new Date(which === "to" ? t + 86_400_000 : t).toISOString();
  }
  const t = DATE_TIME.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(t)) throw new AppError("VALIDATION_FAILED", `${which}: not an ISO 8601 date or date-time: ${JSON.stringify(value.slice(0, 40))}`);
  return new Date(t).toISOString();
}

/** The store search of a filter (without paging). */
export function searchOf(f: EntryFilterInput): Omit<EntrySearch, "limit"> {
  const from = f.from !== undefined ? boundOf(f.from, "from") : undefined;
  const to = f.to !== undefined ? boundOf(f.to, "to") : undefined;
  if (from && to && from >= to) throw new AppError("VALIDATION_FAILED", "from must be before to");
  return {
    ...(f.q !== undefined && f.q.trim() !== "" ? { q: f.q.trim() } : {}),
    ...(f.kind !== undefined ? { kind: f.kind } : {}),
    ...(f.status !== undefined ? { status: f.status as EntryFilterStatus } : {}),
    ...(from ? { from } : {}),
    ...(to ? { to } : {}),
    ...(f.chain !== undefined ? { chainId: f.chain } : {}),
  };
}

/** Whether a query uses any console filter (else the plain digest/lineage lookup answers it). */
export function hasFilter(f: EntryFilterInput & { order?: string; before?: number }): boolean {
  return [f.q, f.kind, f.status, f.from, f.to, f.chain, f.order, f.before].some((v) => v !== undefined);
}
