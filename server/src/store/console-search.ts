/**
 * The console's entry search (migration 12's indexes): a digest prefix or a title / file-name
 * substring, kind, status, date range and chain, in arrival order either way. One statement for both
 * dialects but the JSON field of a claim (claimFieldSql).
 */
import type { SqlRunner } from "./captures.ts";
import { toEntry } from "./sql.ts";
import type { ConsoleStore } from "./console.ts";

/** Entry statuses of the console's filter: `received` is an entry still queued (`pending` in the store). */
export const ENTRY_FILTER_STATUSES = ["received", "batched", "anchored", "confirmed", "failed"] as const;
export type EntryFilterStatus = (typeof ENTRY_FILTER_STATUSES)[number];

export interface EntrySearch {
  /** A hex digest prefix (8 to 64 hex digits, optional 0x), else a case-insensitive substring of the title or file name. */
  readonly q?: string;
  readonly kind?: string;
  readonly status?: EntryFilterStatus;
  /** Received at or after (ISO-8601). */
  readonly from?: string;
  /** Received before (ISO-8601). */
  readonly to?: string;
  readonly chainId?: number;
  readonly sha256?: string;
  readonly previous?: string;
  readonly limit: number;
  /** Ascending by arrival after this seq, or with `beforeSeq` descending (newest first) before it. */
  readonly afterSeq?: number;
  readonly beforeSeq?: number;
  readonly order?: "asc" | "desc";
}

/** SQL reading one text field of an entry's claim JSON (the same text in the index and the queries). */
export function claimFieldSql(dialect: "sqlite" | "postgres", field: string): string {
  if (!/^\w+$/.test(field)) throw new Error(`bad claim field ${field}`);
  return dialect === "sqlite" ? `json_extract(claim, '$.${field}')` : `((claim::jsonb) ->> '${field}')`;
}

/** `LIKE` pattern of a literal substring (with `ESCAPE '\'`). */
function likeSubstring(text: string): string {
  return `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** Whether JSON writes the text otherwise than as is (a quote, a backslash or a control character). */
function jsonEscapes(text: string): boolean {
  return JSON.stringify(text).length !== text.length + 2;
}

/** Whether a search text is a digest prefix: 8 to 64 hex digits, optionally 0x-prefixed. */
export function digestPrefixOf(q: string): string | undefined {
  const m = /^(?:0x)?([0-9a-fA-F]{8,64})$/.exec(q.trim());
  return m?.[1]?.toLowerCase();
}

/** The console store's `searchEntries` over a SQL runner. */
export function createEntrySearch(sql: SqlRunner): ConsoleStore["searchEntries"] {
  const kindSql = claimFieldSql(sql.dialect, "kind");
  const titleSql = claimFieldSql(sql.dialect, "title");
  return async (tenantId, s) => {
    const where = ["e.tenant_id = ?"];
    const args: unknown[] = [tenantId];
    const desc = s.order === "desc" || s.beforeSeq !== undefined;
    if (desc && s.beforeSeq !== undefined) {
      where.push("e.seq < ?");
      args.push(s.beforeSeq);
    }
    if (!desc && s.afterSeq !== undefined) {
      where.push("e.seq > ?");
      args.push(s.afterSeq);
    }
    if (s.sha256) {
      where.push("e.sha256 = ?");
      args.push(s.sha256);
    }
    if (s.previous) {
      where.push("e.previous = ?");
      args.push(s.previous);
    }
    if (s.q) {
      const prefix = digestPrefixOf(s.q);
      if (prefix) {
        // A range on the digest index (stored as 0x + 64 lower-case hex digits).
        where.push("e.sha256 >= ? AND e.sha256 <= ?");
        args.push(`0x${prefix}`, `0x${prefix.padEnd(64, "f")}`);
      } else {
        const needle = s.q.trim();
        const like = likeSubstring(needle);
        // The claim's raw JSON text first (cheap), then its title field (parsed): a title holds the
        // needle only if the JSON text does, unless the needle has characters JSON escapes.
        const raw = jsonEscapes(needle) ? "" : `lower(e.claim) LIKE ? ESCAPE '\\' AND `;
        where.push(`((${raw}lower(${titleSql}) LIKE ? ESCAPE '\\') OR lower(e.name) LIKE ? ESCAPE '\\')`);
        args.push(...(raw ? [like] : []), like, like);
      }
    }
    if (s.kind) {
      where.push(`${kindSql} = ?`);
      args.push(s.kind);
    }
    if (s.status === "failed") {
      where.push("e.pin_status = 'failed'");
    } else if (s.status) {
      where.push("e.status = ?");
      args.push(s.status === "received" ? "pending" : s.status);
      // Lets the planner use the partial index of entries not yet confirmed.
      if (s.status !== "confirmed") where.push("e.status <> 'confirmed'");
    }
    if (s.from) {
      where.push("e.received_at >= ?");
      args.push(s.from);
    }
    if (s.to) {
      where.push("e.received_at < ?");
      args.push(s.to);
    }
    if (s.chainId !== undefined) {
      where.push(`(EXISTS (SELECT 1 FROM pending_entries p WHERE p.entry_seq = e.seq AND p.chain_id = ?)
        OR EXISTS (SELECT 1 FROM batch_entries be JOIN batches b ON b.id = be.batch_id WHERE be.entry_seq = e.seq AND b.chain_id = ?))`);
      args.push(s.chainId, s.chainId);
    }
    args.push(s.limit);
    const rows = await sql.all(`SELECT e.* FROM entries e WHERE ${where.join(" AND ")} ORDER BY e.seq ${desc ? "DESC" : "ASC"} LIMIT ?`, args);
    return rows.map(toEntry);
  };
}
