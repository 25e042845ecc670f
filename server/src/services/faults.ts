/**
 * Fault points for the crash and failover suites (TEST_FAULT_DIR; off in production): a named place in
 * the code where a test can make this very process stop (SIGSTOP, as a GC pause or a VM stall would) or
 * die (SIGKILL) at exactly that instant — inside a fenced transaction, right after a batch close, right
 * before a broadcast, between a commit and its reply. Signalling from outside cannot hit such a window.
 *
 * A test arms a point by writing a file named after it in the directory, holding `stop` or `kill`. The
 * first process to reach the point claims the file (an atomic rename, so exactly one process fires),
 * writes `at <point>` to stderr synchronously, then signals itself.
 */
import { readFileSync, renameSync, writeSync } from "node:fs";
import { join } from "node:path";

/** Reaches a named fault point (a no-op unless the point is armed). */
export type FaultPoint = (point: string) => void;

/** The fault points of this process: a no-op without a directory. */
export function createFaultPoints(dir: string | undefined): FaultPoint {
  if (!dir) return () => undefined;
  return (point) => {
    const claimed = join(dir, `${point}.fired-${process.pid}`);
    try {
      renameSync(join(dir, point), claimed);
    } catch {
      return; // not armed, or another process claimed it
    }
    const action = readFileSync(claimed, "utf8").trim();
    writeSync(2, `at ${point} (pid ${process.pid}): ${action}\n`);
    process.kill(process.pid, action === "kill" ? "SIGKILL" : "SIGSTOP");
  };
}
