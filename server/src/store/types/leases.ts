/** Leader leases and the fencing of their holders' writes (one concern of the {@link Store}). */
import { InternalError } from "../../errors.ts";

/**
 * A fencing token of a lease, passed with a write that only the lease holder may make. The store
 * checks it inside the write's own transaction and refuses the write with {@link FencedWriteError}
 * when the lease has since been taken by another holder. In PostgreSQL the check locks nothing (a
 * takeover never waits for the holder): it is the transaction's last statement, requires the lease to
 * stay valid for a guard time on the database's clock, and an idle-in-transaction timeout shorter
 * than that guard aborts the transaction if its holder stalls before COMMIT (see postgres.ts).
 */
export interface Fence {
  /** The lease name, e.g. `anchorer:31337`. */
  readonly name: string;
  /** The token `acquireLease` resolved for this holder. */
  readonly token: number;
  /** The lease's TTL (sets the guard and the timeouts of fenced transactions; default 5,000 ms). */
  readonly ttlMs?: number;
}

/** A fenced write was refused: the writer's lease token is no longer the lease's current token. */
export class FencedWriteError extends InternalError {
  readonly lease: string;
  readonly token: number;
  readonly current: number | null;
  constructor(fence: Fence, current: number | null, options?: { cause?: unknown }) {
    super(`lease ${fence.name} is no longer held with fencing token ${fence.token} (current: ${current ?? "unknown"}); write refused`, options);
    this.lease = fence.name;
    this.token = fence.token;
    this.current = current;
  }
}

/** Leader leases. */
export interface LeaseStore {
  /**
   * Leader lease with fencing: acquires or renews `name` for `holder` for `ttlMs`. Resolves the
   * fencing token (increasing each time the holder changes) when held, undefined when another holds it.
   * Another holder takes the lease over only once it has expired. `holder` must be unique per process.
   */
  acquireLease(name: string, holder: string, ttlMs: number): Promise<number | undefined>;
  /** Lets the lease expire now if `holder` holds it (a clean shutdown hands over without waiting the TTL). */
  releaseLease(name: string, holder: string): Promise<void>;
}
