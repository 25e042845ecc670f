/**
 * Verifying a portfolio: many receipts in one run (`priorproof verify --batch DIR|ZIP`).
 *
 * Every receipt goes through `verifyReceipt`, so each gets exactly the verdict it gets alone. Two things
 * make the run cheaper than verifying the receipts one by one, neither of which a single verification
 * could use:
 * - **Work shared inside one run** (`createBatchMemo`): receipts of the same batch carry the same offline
 *   block-header proof; it is checked once per distinct (inclusion section, anchor statements) and the
 *   outcome, success or failure, is reused. The memo is keyed on every byte the check reads (see
 *   `memoKey`), lives only for the run, and holds only pure results, so a hit answers exactly what the
 *   check would.
 * - **Both cores** (`verifyBatch`): receipts are sharded by batch root across worker threads
 *   (verify-batch-worker.ts), so the receipts that share work land in the same worker.
 *
 * The core (`verifyReceiptBatch`) does no I/O; `verifyBatch` starts workers (Node only, exported from
 * `@priorproof/client-sdk/node`).
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { verifyEvmInclusion } from "./evm-inclusion.ts";
import type { EvmAnchor } from "./receipt.ts";
import { PriorProofError } from "./errors.ts";
import { parseStrictJson } from "./trust/ijson.ts";
import { type Checkpoint, type EvmInclusionFacts, type EvmInclusionVerifier, type Verdict, type VerifyOptions, verifyReceipt } from "./verify.ts";

/** One receipt to verify: its name (file path) and its text, and the file's SHA-256 when known. */
export interface BatchItem {
  readonly name: string;
  readonly text: string;
  readonly sha256?: Uint8Array;
}

/** What became of one receipt. */
export type BatchOutcome = "verified" | "failed" | "not-verified";

/** The verdict of one receipt, reduced to what a portfolio report needs. */
export interface BatchResult {
  readonly name: string;
  readonly outcome: BatchOutcome;
  /** Codes of the failed checks, in check order (empty unless `failed`). */
  readonly codes: readonly string[];
  /** Every check's id, status and code (only with `checks: true`). */
  readonly checks?: readonly { readonly id: string; readonly status: string; readonly code?: string }[];
}

/** Totals of a batch run. */
export interface BatchSummary {
  readonly total: number;
  readonly verified: number;
  readonly failed: number;
  readonly notVerified: number;
  /** Receipts per failure code (a receipt with two failed checks counts under both codes). */
  readonly failedByCode: Readonly<Record<string, number>>;
}

/** Options of a batch run: those of `verifyReceipt` that a worker can receive, plus batch controls. */
export interface BatchOptions {
  /** Block hashes trusted as canonical, each bound to its chain and number (see `VerifyOptions.checkpoints`). */
  readonly checkpoints?: readonly Checkpoint[];
  /** Share the offline-proof check between receipts of one run (default true). */
  readonly memo?: boolean;
  /** Also return every check's id, status and code. */
  readonly checks?: boolean;
  /** Called as receipts finish: (done, total). */
  readonly onProgress?: (done: number, total: number) => void;
}

/** A receipt that is not JSON fails this check (the CLI's code for the same case). */
const JSON_CHECK = { id: "json", status: "failed", code: "INVALID_JSON" } as const;

/**
 * Whether JSON.stringify prints `value` faithfully: only plain objects, dense arrays, strings, booleans,
 * null and finite numbers other than -0 (-0 prints as 0, NaN and ±Infinity as null, a hole as null;
 * `toJSON`, Dates and typed arrays print as something else). Bounded by `depth`.
 */
function printsFaithfully(value: unknown, depth = 0): boolean {
  if (value === null || typeof value === "string" || typeof value === "boolean") return true;
  if (typeof value === "number") return Number.isFinite(value) && !Object.is(value, -0);
  if (typeof value !== "object" || depth > 8) return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (!(i in value) || !printsFaithfully(value[i], depth + 1)) return false;
    return true;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return false;
  for (const v of Object.values(value)) if (!printsFaithfully(v, depth + 1)) return false;
  return true;
}

/**
 * The memo key of an offline check: every byte `verifyEvmInclusion` reads — the whole inclusion section
 * and the whole anchor but for its Merkle position (`proof.index`, `proof.path`, which the offline check
 * never reads: `EvmInclusionClaim`) and the section itself (already in the key). Undefined when the
 * values cannot be printed faithfully (then the check simply runs).
 */
export function memoKey(inclusion: unknown, anchor: EvmAnchor): string | undefined {
  const { inclusion: _section, proof, ...rest } = anchor as EvmAnchor & { inclusion?: unknown };
  const { index: _index, path: _path, ...proofRest } = proof;
  const parts = [inclusion, rest, proofRest];
  return printsFaithfully(parts) ? JSON.stringify(parts) : undefined;
}

/**
 * An offline-proof checker that checks each distinct (section, anchor statements) once per run and
 * answers repeats from memory — success or the same error. At most `limit` outcomes are held; past it,
 * the memo starts over (the answers stay right, only slower).
 *
 * @example
 * const evmInclusion = createBatchMemo();
 * for (const doc of receipts) await verifyReceipt(doc, { evmInclusion });
 */
export function createBatchMemo(limit = 65_536): EvmInclusionVerifier {
  const outcomes = new Map<string, Promise<EvmInclusionFacts>>();
  return (inclusion, anchor) => {
    const key = memoKey(inclusion, anchor);
    if (key === undefined) return Promise.resolve(verifyEvmInclusion(inclusion, anchor));
    let outcome = outcomes.get(key);
    if (!outcome) {
      if (outcomes.size >= limit) outcomes.clear();
      outcome = Promise.resolve(verifyEvmInclusion(inclusion, anchor));
      // A rejection is an answer too; mark it handled so a memo entry never trips unhandled-rejection.
      outcome.catch(() => undefined);
      outcomes.set(key, outcome);
    }
    return outcome;
  };
}

/** Reduces a verdict to its outcome and failure codes. */
export function outcomeOf(name: string, verdict: Verdict, withChecks = false): BatchResult {
  const codes = verdict.checks.filter((c) => c.status === "failed").map((c) => c.code ?? "UNEXPECTED");
  const outcome: BatchOutcome = verdict.verified ? "verified" : codes.length > 0 ? "failed" : "not-verified";
  if (!withChecks) return { name, outcome, codes };
  return { name, outcome, codes, checks: verdict.checks.map((c) => (c.code ? { id: c.id, status: c.status, code: c.code } : { id: c.id, status: c.status })) };
}

/**
 * Verifies receipts one after the other in this thread, sharing the offline-proof check between them
 * (unless `memo: false`). No I/O.
 *
 * @example
 * const results = await verifyReceiptBatch([{ name: "a.json", text }], { checkpoints: [{ chainId: 11155111, number: 7012345n, hash: "0x…" }] });
 */
export async function verifyReceiptBatch(items: readonly BatchItem[], options: BatchOptions = {}): Promise<BatchResult[]> {
  const evmInclusion = options.memo === false ? undefined : createBatchMemo();
  const results: BatchResult[] = [];
  for (const [i, item] of items.entries()) {
    let doc: unknown;
    try {
      // Strict I-JSON, as every receipt reader: a member name twice is DUPLICATE_KEY, never "last wins".
      doc = parseStrictJson(item.text);
    } catch (e) {
      const check = e instanceof PriorProofError && e.code === "DUPLICATE_KEY" ? { ...JSON_CHECK, code: "DUPLICATE_KEY" } : JSON_CHECK;
      results.push({ name: item.name, outcome: "failed", codes: [check.code], ...(options.checks ? { checks: [check] } : {}) });
      options.onProgress?.(i + 1, items.length);
      continue;
    }
    const verifyOptions: VerifyOptions = {
      ...(item.sha256 ? { sha256: item.sha256 } : {}),
      ...(options.checkpoints ? { checkpoints: options.checkpoints } : {}),
      ...(evmInclusion ? { evmInclusion } : {}),
    };
    results.push(outcomeOf(item.name, await verifyReceipt(doc, verifyOptions), options.checks));
    options.onProgress?.(i + 1, items.length);
  }
  return results;
}

/** Counts outcomes and failure codes. */
export function summarize(results: readonly BatchResult[]): BatchSummary {
  const failedByCode: Record<string, number> = {};
  let verified = 0;
  let failed = 0;
  for (const r of results) {
    if (r.outcome === "verified") verified++;
    else if (r.outcome === "failed") {
      failed++;
      for (const code of new Set(r.codes)) failedByCode[code] = (failedByCode[code] ?? 0) + 1;
    }
  }
  return { total: results.length, verified, failed, notVerified: results.length - verified - failed, failedByCode };
}

/** The batch root a receipt names, read without parsing (only to send receipts of one batch to one worker). */
const ROOT = /"root"\s*:\s*"(0x[0-9a-fA-F]{8})/;

function shardOf(text: string, shards: number): number {
  const m = ROOT.exec(text);
  return m ? Number.parseInt((m[1] as string).slice(2), 16) % shards : 0;
}

/** Messages between `verifyBatch` and its workers. */
export type WorkerRequest = { readonly items: readonly BatchItem[]; readonly options: Omit<BatchOptions, "onProgress"> };
export type WorkerMessage = { readonly progress: number } | { readonly results: readonly BatchResult[] } | { readonly error: string };

/**
 * Verifies receipts on `workers` threads (default: the machine's cores, one per 256 receipts; in this
 * thread when that is one). Results come back in the order of `items`.
 *
 * @example
 * const results = await verifyBatch(items, { onProgress: (d, t) => bar.update(d, t) });
 * console.log(summarize(results));
 */
export async function verifyBatch(items: readonly BatchItem[], options: BatchOptions & { readonly workers?: number } = {}): Promise<BatchResult[]> {
  // Unless told, a worker only pays off past a few hundred receipts (each loads the verifier anew).
  const workers = Math.max(1, Math.min(items.length, options.workers ?? Math.min(availableParallelism(), Math.ceil(items.length / 256))));
  if (workers === 1) return verifyReceiptBatch(items, options);
  const shards: { items: BatchItem[]; at: number[] }[] = Array.from({ length: workers }, () => ({ items: [], at: [] }));
  for (const [i, item] of items.entries()) {
    const shard = shards[shardOf(item.text, workers)] as { items: BatchItem[]; at: number[] };
    shard.items.push(item);
    shard.at.push(i);
  }
  const { onProgress, workers: _w, ...workerOptions } = options;
  const progress = new Array<number>(workers).fill(0);
  const results = new Array<BatchResult>(items.length);
  const url = new URL(import.meta.url.endsWith(".ts") ? "./verify-batch-worker.ts" : "./verify-batch-worker.js", import.meta.url);
  await Promise.all(
    shards.map(
      (shard, s) =>
        new Promise<void>((resolve, reject) => {
          if (shard.items.length === 0) return resolve();
          const worker = new Worker(url, { workerData: { items: shard.items, options: workerOptions } satisfies WorkerRequest });
          worker.on("message", (m: WorkerMessage) => {
            if ("progress" in m) {
              progress[s] = m.progress;
              onProgress?.(
                progress.reduce((a, b) => a + b, 0),
                items.length,
              );
            } else if ("results" in m) {
              m.results.forEach((r, k) => {
                results[shard.at[k] as number] = r;
              });
              void worker.terminate();
              resolve();
            } else {
              void worker.terminate();
              reject(new Error(`verification worker failed: ${m.error}`));
            }
          });
          worker.once("error", reject);
          worker.once("exit", (code) => code !== 0 && code !== 1 && reject(new Error(`verification worker exited with ${code}`)));
        }),
    ),
  );
  return results;
}
