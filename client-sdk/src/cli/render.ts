/**
 * What the CLI prints: progress bars on a terminal, one line per entry, and a verdict with every check
 * and what is left to confirm.
 */
import type { DigestAnchor, Entry } from "../client.ts";
import type { Verdict, Witness } from "../verify.ts";

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
      const bar =
        fraction === undefined ? "" : `[${"#".repeat(Math.round(fraction * width)).padEnd(width, "-")}] ${String(Math.floor(fraction * 100)).padStart(3)}% `;
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
 * entryLine(entry) // "01JD…  anchored  sha256 0x5e…  block 12 (2026-11-25T08:00:01Z) tx 0xab…"
 */
export function entryLine(e: Entry): string {
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
  return (
    `${digest}: anchored on ${a.chainName} (chain ${a.chainId}) in block ${a.blockNumber} at ${a.blockTime}, tx ${a.txHash}` +
    (a.development ? " — development chain, no evidential value" : "")
  );
}

/**
 * What a verdict leaves to confirm, as instructions: one line per fact left. Every way offered comes
 * from the verifier (its chain registry's explorers, an RPC call); a value taken from the receipt is
 * never suggested as something to pin or trust.
 *
 * @example
 * verdictHints(verdict, { offline: true, rpcChains: [] })
 * // ["one fact left: block 12 of chain 11155111 … — read block 12's hash yourself (--rpc …, or https://sepolia.etherscan.io/block/12) and pin what you read:
 * // --checkpoint 11155111:12:<hash you read>; never copy it from the receipt"]
 */
export function verdictHints(v: Verdict, context: { offline: boolean; rpcChains: readonly string[] }): string[] {
  const hints: string[] = [];
  const anchors = v.receipt?.anchors ?? [];
  for (const [i, a] of anchors.entries()) {
    const check = (suffix: string) => v.checks.find((c) => c.id === `anchors[${i}].${suffix}`);
    if (a.type === "evm") {
      if (check("chain")?.status !== "not-checked") continue;
      for (const fact of v.remaining.filter((f) => f.anchor === i)) {
        const where = fact.explorerUrl ? `, or ${fact.explorerUrl}` : " (the verifier's registry lists no explorer for this chain)";
        if (fact.scope === "block-hash") {
          hints.push(
            `one fact left: ${fact.statement} — read block ${fact.blockNumber}'s hash yourself (--rpc URL of ` +
              `chain ${fact.chainId}: ${fact.rpc.method} ${fact.rpc.params[0]}${where}) and pin what you read: ` +
              `--checkpoint ${fact.chainId}:${fact.blockNumber}:<hash you read>. Never copy the hash from the receipt: whoever wrote the receipt ` +
              `chose it`,
          );
        } else if (fact.scope === "contract-code") {
          hints.push(
            `contract identity not checked offline: ${fact.statement} — give --rpc URL of chain ${fact.chainId} ` +
              `(${fact.rpc.method} ${fact.rpc.params.join(" ")}; its keccak-256 must be a released build)`,
          );
        } else {
          const why = context.offline
            ? " (--offline)"
            : context.rpcChains.length > 0
              ? ` (the --rpc given serve chain ${context.rpcChains.join(", ")}, not ${fact.chainId})`
              : "";
          hints.push(
            `chain not checked${why}: give --rpc URL of chain ${fact.chainId} (${fact.chainName})` +
              (fact.explorerUrl ? `, or look the transaction up in the registry's explorer (${fact.explorerUrl.replace(/\/block\/\d+$/, "")})` : ""),
          );
        }
      }
    } else if (check("tsa")?.status === "not-checked") {
      hints.push("time-stamp token not checked: give --tsa-ca PEM with the TSA trust anchors YOU trust (the receipt's TSA name is its own assertion)");
    }
  }
  return hints;
}

/** One line of derived facts about a witness. */
export function describeWitness(w: Witness): string {
  if (w.type === "rfc3161") {
    return (
      `anchors[${w.anchor}]: RFC 3161 token by ${w.tsaSubject ?? "a TSA (name not reported by the token verifier)"}` +
      (w.tsaIssuer ? `, issued by ${w.tsaIssuer}` : "") +
      (w.qualified !== undefined ? `, qualified: ${w.qualified ? "yes" : "no"}` : "") +
      `; genTime ${w.time}; existed no later than ${w.existedNoLaterThan}`
    );
  }
  const code =
    w.codeCheckedAt === "anchor-block" ? "at the anchoring block" : w.codeCheckedAt === "latest" ? "at the head (node keeps no history)" : "by account proof";
  const final = w.final === undefined ? "" : `; ${w.confirmations} confirmations, ${w.final ? "final" : "NOT FINAL"}`;
  return (
    `anchors[${w.anchor}]: ${w.chainName} (chain ${w.chainId}` +
    (w.development ? ", development chain" : "") +
    `) block ${w.blockNumber} mined ${w.time}; contract ${w.contract} runs ${w.build} (code checked ${code}); deployment: ` +
    (w.deployment === "operator" ? `operator (${w.deploymentSource})` : "other — not in the operator deployments you gave") +
    `${final}; existed no later than ${w.existedNoLaterThan}`
  );
}

/** One PASS / FAIL / SKIP line per check. */
export function printChecks(io: Io, checks: Verdict["checks"]): void {
  for (const c of checks) {
    if (c.status === "passed") io.out(`PASS  ${c.title}: ${c.detail}`);
    else if (c.status === "failed") io.out(`FAIL  ${c.title}: ${c.code ?? "FAILED"}: ${c.detail}`);
    else io.out(`SKIP  ${c.title}: not checked — ${c.detail}`);
  }
}

/** Every check of a receipt's verdict, the witnesses' derived facts (FACT) and the warnings (WARN). */
export function printVerdictLines(io: Io, v: Verdict): void {
  printChecks(io, v.checks);
  for (const w of v.witnesses) io.out(`FACT  ${describeWitness(w)}`);
  for (const w of v.warnings) io.out(`WARN  ${w.code}: ${w.message}`);
}

/**
 * Prints every check, the derived witness facts, the warnings (with their codes), what is left to
 * confirm (TODO), and one closing line.
 *
 * @example
 * printVerdict(io, "draft.psd", verdict, hints)
 * // PASS  The file is the one stamped: sha-256 0x…
 * // SKIP  Root is anchored on Sepolia (chain 11155111): not checked — no RPC for chain 11155111 …
 * // TODO  chain not checked: give --rpc URL of chain 11155111 …
 * // NOT VERIFIED: the checks that ran passed, but no independent witness confirmed the anchor (see TODO)
 */
export function printVerdict(io: Io, file: string, v: Verdict, hints: readonly string[]): void {
  printVerdictLines(io, v);
  if (v.verified) {
    const notFinal = v.warnings.some((w) => w.code === "NOT_FINAL");
    io.out(
      `VERIFIED${notFinal ? " (NOT FINAL)" : ""}: ${file} existed no later than ${v.existedNoLaterThan}` +
        (v.warnings.length > 0 ? " (see the warnings above)" : ""),
    );
    return;
  }
  for (const h of hints) io.out(`TODO  ${h}`);
  const failed = v.checks.find((c) => c.status === "failed");
  const provenOffline = v.remaining.length > 0 && v.remaining.every((f) => f.scope !== "anchor");
  if (failed) io.out(`NOT VERIFIED: ${failed.title}: ${failed.code ?? "FAILED"}`);
  else if (provenOffline) io.out(`NOT VERIFIED YET: proven offline except — ${v.remaining.map((f) => f.statement).join("; ")} (see TODO)`);
  else io.out(`NOT VERIFIED: the checks that ran passed, but no independent witness confirmed the anchor${hints.length > 0 ? " (see TODO)" : ""}`);
}
