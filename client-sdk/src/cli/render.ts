/**
 * What the CLI prints: progress bars on a terminal, one line per entry, and a verdict with every check
 * and what is left to confirm.
 */
import type { DigestAnchor, Entry } from "../client.ts";
import type { Verdict } from "../verify.ts";

/**
 * Where the CLI writes, and what it knows of its terminal. Injected so that tests run commands in
 * process.
 *
 * @example
 * const io: Io = { out: console.log, err: console.error, progress: (t) => process.stderr.write(t), isTTY: false, env: process.env };
 */
export interface Io {
  /** One line of results (stdout). */
  out(line: string): void;
  /** One line of diagnostics (stderr). */
  err(line: string): void;
  /** Raw stderr text, for progress bars (carriage returns, no newline). */
  progress(text: string): void;
  /** Whether stderr is a terminal: progress bars are drawn only then. */
  readonly isTTY: boolean;
  readonly columns?: number;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** A fetch for the service (tests); the global one otherwise. */
  readonly fetch?: typeof fetch;
}

/**
 * A progress bar on stderr.
 *
 * @example
 * const bar = progressBar(io, "hashing draft.psd");
 * await sha256File("draft.psd", bar ? { onProgress: bar.update } : {});
 * bar?.done();
 */
export interface ProgressBar {
  update(done: number, total?: number): void;
  /** Clears the bar's line, so the result line stands alone. */
  done(): void;
}

const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

/**
 * A progress bar, or undefined when stderr is not a terminal (pipes and logs get no bars).
 *
 * @example
 * progressBar(io, "uploading render.png")?.update(5e6, 2e7) // "uploading render.png [#####---------------]  25% 5.0 MB / 20.0 MB"
 */
export function progressBar(io: Io, label: string): ProgressBar | undefined {
  if (!io.isTTY) return undefined;
  const shortLabel = label.length > 40 ? `…${label.slice(-39)}` : label;
  const width = Math.max(10, Math.min(30, (io.columns ?? 80) - shortLabel.length - 30));
  let last = 0;
  let shown = false;
  return {
    update(done, total) {
      const now = Date.now();
      const finished = total !== undefined && done >= total;
      if (shown && !finished && now - last < 100) return;
      last = now;
      shown = true;
      const fraction = total ? Math.min(1, done / total) : undefined;
      const bar = fraction === undefined ? "" : `[${"#".repeat(Math.round(fraction * width)).padEnd(width, "-")}] ${String(Math.floor(fraction * 100)).padStart(3)}% `;
      io.progress(`\r\x1b[2K${shortLabel} ${bar}${mb(done)}${total !== undefined ? ` / ${mb(total)}` : ""}`);
    },
    done() {
      if (shown) io.progress("\r\x1b[2K");
      shown = false;
    },
  };
}

/**
 * One line about an entry: id, status, digest, name, and the first mined anchor.
 *
 * @example
 * describeEntry(entry) // "01JD…  anchored  sha256 0x5e…  block 12 (2026-11-25T08:00:01Z) tx 0xab…"
 */
export function describeEntry(e: Entry): string {
  const anchor = e.anchors.find((a) => a.blockNumber !== null);
  const where = anchor ? `  chain ${anchor.chainId} block ${anchor.blockNumber} (${anchor.blockTime}) tx ${anchor.txHash}` : "";
  return `${e.id}  ${e.status}  sha256 ${e.sha256}${e.name ? `  ${e.name}` : ""}${e.cid ? `  cid ${e.cid}` : ""}${where}`;
}

/**
 * One line about a digest lookup's anchor.
 *
 * @example
 * describeLookupAnchor(digest, anchor) // "0x5e…: anchored on Sepolia (chain 11155111) in block 7 at …, tx 0x…"
 */
export function describeLookupAnchor(digest: string, a: DigestAnchor): string {
  return `${digest}: anchored on ${a.chainName} (chain ${a.chainId}) in block ${a.blockNumber} at ${a.blockTime}, tx ${a.txHash}${a.development ? " — development chain, no evidential value" : ""}`;
}

/**
 * What a verdict leaves to confirm, as instructions: one line per witness that was not checked.
 *
 * @example
 * verdictHints(verdict, { offline: true, rpcChains: [] })
 * // ["chain not checked (--offline): give --rpc URL of chain 31337 (anvil), or confirm in an explorer that block 12 of chain 31337 has hash 0x…"]
 */
export function verdictHints(v: Verdict, context: { offline: boolean; rpcChains: readonly string[] }): string[] {
  const hints: string[] = [];
  const anchors = v.receipt?.anchors ?? [];
  for (const [i, a] of anchors.entries()) {
    const check = (suffix: string) => v.checks.find((c) => c.id === `anchors[${i}].${suffix}`);
    if (a.type === "evm") {
      if (check("chain")?.status !== "not-checked") continue;
      const fact = v.remaining.find((f) => f.anchor === i);
      if (fact?.scope === "block-hash") {
        // The header and receipt proof passed offline: only the block hash is left to look up.
        hints.push(
          `one fact left: ${fact.statement} — check it with --rpc URL of chain ${a.chainId} (${fact.rpc.method} ${fact.rpc.params[0]}), ${fact.explorerUrl ? `at ${fact.explorerUrl}` : "in any explorer of the chain"}, or pin it with --checkpoint ${a.blockHash}`,
        );
        continue;
      }
      const why = context.offline
        ? " (--offline)"
        : context.rpcChains.length > 0
          ? ` (the --rpc given serve chain ${context.rpcChains.join(", ")}, not ${a.chainId})`
          : "";
      hints.push(
        `chain not checked${why}: give --rpc URL of chain ${a.chainId} (${a.chainName}), or confirm in an explorer that block ${a.blockNumber} of chain ${a.chainId} has hash ${a.blockHash} and that transaction ${a.txHash} anchored root ${a.proof.root}${a.explorerUrl ? ` (${a.explorerUrl})` : ""}`,
      );
    } else if (check("tsa")?.status === "not-checked") {
      hints.push(`time-stamp token not checked: give --tsa-ca PEM with the trust anchor of ${a.tsa.issuer}`);
    }
  }
  return hints;
}

/**
 * Prints every check, the warnings, what is left to confirm (TODO), and one closing line.
 *
 * @example
 * printVerdict(io, "draft.psd", verdict, hints)
 * // PASS  The file is the one stamped: sha-256 0x…
 * // SKIP  Root is anchored on Sepolia (chain 11155111): not checked — no RPC for chain 11155111: …
 * // TODO  chain not checked: give --rpc URL of chain 11155111 (Sepolia), or confirm in an explorer …
 * // NOT VERIFIED: the checks that ran passed, but no independent witness confirmed the anchor (see TODO)
 */
export function printVerdict(io: Io, file: string, v: Verdict, hints: readonly string[]): void {
  for (const c of v.checks) {
    if (c.status === "passed") io.out(`PASS  ${c.title}: ${c.detail}`);
    else if (c.status === "failed") io.out(`FAIL  ${c.title}: ${c.code ?? "FAILED"}: ${c.detail}`);
    else io.out(`SKIP  ${c.title}: not checked — ${c.detail}`);
  }
  for (const w of v.warnings) io.out(`WARN  ${w}`);
  if (v.verified) {
    io.out(`VERIFIED: ${file} existed no later than ${v.existedNoLaterThan}${v.warnings.length > 0 ? " (see the warnings above)" : ""}`);
    return;
  }
  for (const h of hints) io.out(`TODO  ${h}`);
  const failed = v.checks.find((c) => c.status === "failed");
  const blockHashOnly = v.remaining.length > 0 && v.remaining.every((f) => f.scope === "block-hash");
  if (failed) io.out(`NOT VERIFIED: ${failed.title}: ${failed.code ?? "FAILED"}`);
  else if (blockHashOnly) io.out(`NOT VERIFIED YET: proven offline except one outside fact — ${v.remaining.map((f) => f.statement).join("; ")} (see TODO)`);
  else io.out(`NOT VERIFIED: the checks that ran passed, but no independent witness confirmed the anchor${hints.length > 0 ? " (see TODO)" : ""}`);
}
