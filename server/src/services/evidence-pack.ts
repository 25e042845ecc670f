/**
 * The evidence pack for a lawyer (POST /v1/exports): one ZIP, streamed as it is built, holding
 *   receipts/<entryId>.json      the self-contained receipt of each anchored entry
 *   certificates/<entryId>.pdf   its PDF/A-3 certificate (the tenant's default legal pack)
 *   portfolio.pdf                the portfolio report of the selected entries
 *   index.csv, index.json        one row per entry: what it is, where it is anchored, which files hold it
 * An entry not yet anchored has no receipt nor certificate; its row says why (e.g. RECEIPT_PENDING).
 * The ZIP is written with fflate (already a dependency of the SDK): JSON and CSV deflated, PDFs stored.
 */
import { Zip, ZipDeflate, ZipPassThrough } from "fflate";
import { AppError } from "../errors.ts";
import type { EntryRecord, Store } from "../store/types.ts";
import type { Certificates } from "./certificates/service.ts";
import type { CertificateLanguage } from "./certificates/i18n.ts";
import type { Receipts } from "./receipts.ts";

export const EVIDENCE_PACK_FORMAT = "priorproof-evidence-pack/1";
/** Entries in one pack at most (the portfolio report's own limit). */
export const MAX_PACK_ENTRIES = 500;

export interface PackRow {
  readonly entryId: string;
  readonly sha256: string;
  readonly name: string | null;
  readonly title: string | null;
  readonly kind: string | null;
  readonly status: string;
  readonly receivedAt: string;
  readonly anchors: { chainId: number; txHash: string | null; blockNumber: number | null; blockTime: string | null; status: string }[];
  /** Path in the ZIP, or null with the reason in `receiptError`. */
  readonly receipt: string | null;
  readonly receiptError?: string;
  readonly certificate: string | null;
  readonly certificateError?: string;
}

export const CSV_COLUMNS = [
  "entryId",
  "sha256",
  "name",
  "title",
  "kind",
  "status",
  "receivedAt",
  "chainIds",
  "txHashes",
  "blockNumbers",
  "blockTimes",
  "receipt",
  "certificate",
] as const;

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, quote or line break; a text starting with
 * = + - @ or a tab is prefixed with ' so that a spreadsheet does not run it as a formula.
 */
export function csvField(value: string | number | null): string {
  let text = value === null ? "" : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function csvOf(rows: readonly PackRow[]): string {
  const lines = [CSV_COLUMNS.join(",")];
  for (const r of rows) {
    lines.push(
      [
        r.entryId,
        r.sha256,
        r.name,
        r.title,
        r.kind,
        r.status,
        r.receivedAt,
        r.anchors.map((a) => a.chainId).join(" "),
        r.anchors.map((a) => a.txHash ?? "").join(" "),
        r.anchors.map((a) => a.blockNumber ?? "").join(" "),
        r.anchors.map((a) => a.blockTime ?? "").join(" "),
        r.receipt,
        r.certificate,
      ]
        .map(csvField)
        .join(","),
    );
  }
  return lines.join("\r\n") + "\r\n";
}

export interface EvidencePackDeps {
  readonly store: Store;
  readonly receipts: Receipts;
  readonly certificates: Certificates;
  readonly software: string;
}

export interface EvidencePackOptions {
  readonly tenantId: string;
  readonly tenantName: string;
  readonly language: CertificateLanguage;
  /** What was asked (entry ids or the filter), recorded in index.json. */
  readonly selection: Readonly<Record<string, unknown>>;
  readonly now?: Date;
}

const codeOf = (e: unknown): string => {
  if (e instanceof AppError) return e.code;
  throw e;
};

/**
 * The ZIP's bytes, produced lazily: each file is read (receipt, certificate render) only when the
 * consumer asks for more, so a slow download holds at most one file in memory.
 *
 * @example
 * reply.send(Readable.from(evidencePack(deps, entries, { tenantId, tenantName, language: "en", selection: {} })));
 */
export async function* evidencePack(deps: EvidencePackDeps, entries: readonly EntryRecord[], o: EvidencePackOptions): AsyncGenerator<Uint8Array> {
  const out: Uint8Array[] = [];
  let failure: Error | undefined;
  const zip = new Zip((error, chunk) => {
    if (error) failure = error;
    else out.push(chunk);
  });
  const mtime = o.now ?? new Date();
  const add = (path: string, bytes: Uint8Array, compress: boolean) => {
    const file = compress ? new ZipDeflate(path, { level: 6 }) : new ZipPassThrough(path);
    file.mtime = mtime;
    zip.add(file);
    file.push(bytes, true);
  };
  const drain = function* () {
    if (failure) throw failure;
    while (out.length > 0) yield out.shift()!;
  };
  const text = new TextEncoder();

  const rows: PackRow[] = [];
  for (const entry of entries) {
    const claim = entry.claim ? (JSON.parse(entry.claim) as { title?: unknown; kind?: unknown }) : {};
    const batches = await deps.store.getEntryBatches(entry.seq);
    let receipt: string | null = null;
    let receiptError: string | undefined;
    let certificate: string | null = null;
    let certificateError: string | undefined;
    try {
      const r = await deps.receipts.getReceipt(entry);
      receipt = `receipts/${entry.id}.json`;
      add(receipt, text.encode(JSON.stringify(r, null, 2) + "\n"), true);
    } catch (e) {
      receiptError = codeOf(e);
    }
    yield* drain();
    if (receipt) {
      try {
        const pdf = await deps.certificates.entry(o.tenantId, entry.id, { language: o.language });
        certificate = `certificates/${entry.id}.pdf`;
        add(certificate, pdf, false);
      } catch (e) {
        certificateError = codeOf(e);
      }
    } else {
      certificateError = receiptError;
    }
    yield* drain();
    rows.push({
      entryId: entry.id,
      sha256: entry.sha256,
      name: entry.name,
      title: typeof claim.title === "string" ? claim.title : null,
      kind: typeof claim.kind === "string" ? claim.kind : null,
      status: entry.pinStatus === "failed" ? `${entry.status} (content not stored)` : entry.status,
      receivedAt: entry.receivedAt,
      anchors: batches.map(({ batch }) => ({
        chainId: batch.chainId,
        txHash: batch.txHash,
        blockNumber: batch.blockNumber,
        blockTime: batch.blockTime,
        status: batch.status,
      })),
      receipt,
      ...(receiptError ? { receiptError } : {}),
      certificate,
      ...(certificateError ? { certificateError } : {}),
    });
  }

  let portfolio: string | null = null;
  let portfolioError: string | undefined;
  try {
    const pdf = await deps.certificates.portfolio(o.tenantId, {
      language: o.language,
      limit: MAX_PACK_ENTRIES,
      entryIds: entries.map((e) => e.id),
      filterLabel: "evidence pack",
    });
    portfolio = "portfolio.pdf";
    add(portfolio, pdf, false);
  } catch (e) {
    portfolioError = codeOf(e);
  }
  yield* drain();

  add("index.csv", text.encode(csvOf(rows)), true);
  const index = {
    format: EVIDENCE_PACK_FORMAT,
    generatedAt: mtime.toISOString(),
    software: deps.software,
    tenant: o.tenantName,
    selection: o.selection,
    portfolio,
    ...(portfolioError ? { portfolioError } : {}),
    entries: rows,
  };
  add("index.json", text.encode(JSON.stringify(index, null, 2) + "\n"), true);
  zip.end();
  yield* drain();
}
