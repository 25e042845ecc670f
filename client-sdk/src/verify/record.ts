/**
 * Where a verification writes its outcome: the checks in the order they ran, and the warnings. Every
 * step that can throw goes through {@link Recorder.runCheck}, the one place a thrown error becomes a
 * failed check.
 */
import { PriorProofError } from "../errors.ts";
import type { Check, CheckStatus, VerdictWarning } from "./types.ts";

/** The code and message of what a step threw (`UNEXPECTED` for an error the SDK did not type). */
export function failure(e: unknown): { code: string; detail: string } {
  if (e instanceof PriorProofError) return { code: e.code, detail: e.message };
  return { code: "UNEXPECTED", detail: e instanceof Error ? e.message : String(e) };
}

/** What {@link Recorder.runCheck} gives back: the step's value when it passed. */
export type CheckRun<T> = { readonly ok: true; readonly value: T } | { readonly ok: false };

/** The checks and warnings of one verification, in order. */
export class Recorder {
  readonly checks: Check[] = [];
  readonly warnings: VerdictWarning[] = [];

  /** Records one check as it stands. */
  add(id: string, title: string, status: CheckStatus, detail: string, code?: string): void {
    this.checks.push(code ? { id, title, status, detail, code } : { id, title, status, detail });
  }

  /** Records a warning once per code and anchor. */
  warn(code: string, anchor: number | undefined, message: string): void {
    if (!this.warnings.some((w) => w.code === code && w.anchor === anchor))
      this.warnings.push(anchor === undefined ? { code, message } : { code, anchor, message });
  }

  /**
   * Runs one step and records its check: passed with `detail(value)` when the step returns, failed with
   * the code and message of what it throws (`codeOf` may make the code more specific).
   *
   * @example
   * const leaf = await rec.runCheck("leaf", "Digest and claim make the leaf", () => verifyLeaf(receipt), () => `leaf ${receipt.leaf.hash}`);
   * if (leaf.ok) leaf.value // the leaf hash
   */
  async runCheck<T>(
    id: string,
    title: string,
    step: () => T | Promise<T>,
    detail: (value: T) => string,
    codeOf?: (e: unknown, code: string) => string,
  ): Promise<CheckRun<T>> {
    let value: T;
    let passed: string;
    try {
      value = await step();
      passed = detail(value);
    } catch (e) {
      const f = failure(e);
      this.add(id, title, "failed", f.detail, codeOf ? codeOf(e, f.code) : f.code);
      return { ok: false };
    }
    this.add(id, title, "passed", passed);
    return { ok: true, value };
  }
}
