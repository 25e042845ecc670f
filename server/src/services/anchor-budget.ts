/**
 * The anchoring budget of one chain: anchor transactions cost the operator gas, so a flood of stamps
 * (or a fee spike) must not turn into a flood of spending. The anchorer asks once before it signs
 * and sends a transaction (`allow`); a refused batch simply waits (status `built`) and is anchored
 * once the budget allows, batching later entries with it meanwhile. When the budget is reached an
 * event is emitted (and logged) once per episode, not on every tick.
 */
export type AnchorBudgetRefusal = "TX_PER_HOUR" | "GAS_PRICE";

export interface AnchorBudgetEvent {
  readonly chainId: number;
  readonly reason: AnchorBudgetRefusal;
  readonly limit: string;
  readonly value: string;
}

export interface AnchorBudget {
  /**
   * Whether a transaction paying `maxFeePerGas` may be sent now; when true, it is counted.
   * When false, `onLimit` was told (once per episode).
   */
  allow(maxFeePerGas: bigint): boolean;
  /** Transactions counted in the last hour. */
  readonly sentLastHour: number;
}

export interface AnchorBudgetOptions {
  readonly chainId: number;
  /** 0: no limit. */
  readonly maxTxPerHour: number;
  /** 0n: no ceiling. */
  readonly maxGasPriceWei: bigint;
  readonly now?: () => number;
  readonly onLimit?: (event: AnchorBudgetEvent) => void;
}

const HOUR_MS = 3_600_000;

/**
 * @example
 * const budget = createAnchorBudget({ chainId: 1, maxTxPerHour: 60, maxGasPriceWei: 500n * 10n ** 9n, onLimit: (e) => log.warn(e, "anchoring budget reached")
 *   });
 * if (!budget.allow(signed.maxFeePerGas)) return; // the batch waits
 */
export function createAnchorBudget(options: AnchorBudgetOptions): AnchorBudget {
  const now = options.now ?? Date.now;
  const sent: number[] = [];
  let refusing: AnchorBudgetRefusal | undefined;
  const prune = () => {
    const since = now() - HOUR_MS;
    while (sent.length > 0 && (sent[0] as number) <= since) sent.shift();
  };
  const refuse = (reason: AnchorBudgetRefusal, limit: string, value: string) => {
    if (refusing !== reason) options.onLimit?.({ chainId: options.chainId, reason, limit, value });
    refusing = reason;
    return false;
  };
  return {
    allow(maxFeePerGas) {
      prune();
      if (options.maxGasPriceWei > 0n && maxFeePerGas > options.maxGasPriceWei)
        return refuse("GAS_PRICE", options.maxGasPriceWei.toString(), maxFeePerGas.toString());
      if (options.maxTxPerHour > 0 && sent.length >= options.maxTxPerHour) return refuse("TX_PER_HOUR", String(options.maxTxPerHour), String(sent.length));
      refusing = undefined;
      sent.push(now());
      return true;
    },
    get sentLastHour() {
      prune();
      return sent.length;
    },
  };
}
