/**
 * The timestamper asks an RFC 3161 time-stamping authority for one token per batch root (not per
 * entry) and stores it, so that every receipt of the batch carries a second, independent witness of
 * the same moment. It never holds back the chain anchor: a TSA that fails is retried on later passes.
 */
import { fromHex } from "@priorproof/client-sdk/core";
import { FencedWriteError, type Fence, type TimestampTokenRecord, type Store } from "../store/types.ts";
import type { TsaClient } from "./tsa-client.ts";

export interface TimestamperDeps {
  readonly store: Store;
  readonly tsa: TsaClient;
  readonly intervalMs?: number;
  readonly log?: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
  /** When given, a pass runs only while it answers true (this process holds the `timestamper` lease). */
  readonly active?: () => boolean;
  /**
   * The `timestamper` lease's fence: when given, a pass runs only while it returns one, and each token
   * is stored with it, so that a paused former holder's late writes are refused by the store.
   */
  readonly fence?: () => Fence | undefined;
}

export interface Timestamper {
  /** One pass: a token for each batch that has none yet. Resolves how many were obtained. */
  tick(): Promise<number>;
  start(): void;
  stop(): Promise<void>;
}

export function createTimestamper(deps: TimestamperDeps): Timestamper {
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<number> | undefined;

  const tickOnce = async (): Promise<number> => {
    let obtained = 0;
    if (deps.active && !deps.active()) return 0;
    const fence = deps.fence?.();
    if (deps.fence && !fence) return 0;
    for (const batch of await deps.store.listBatchesWithoutToken(50)) {
      try {
        const result = await deps.tsa.requestToken(fromHex(batch.root, 32));
        const { token: _token, stampedDigest: _digest, type: _type, ...info } = result.receipt;
        const record: TimestampTokenRecord = {
          batchId: batch.id,
          tsaUrl: deps.tsa.url,
          token: result.token,
          genTime: result.receipt.genTime,
          serial: result.receipt.serial,
          info: JSON.stringify(info),
          createdAt: new Date().toISOString(),
        };
        await deps.store.addTimestampToken(record, fence);
        obtained++;
        deps.log?.info({ batch: batch.id, genTime: record.genTime, serial: record.serial }, "rfc 3161 token stored");
      } catch (e) {
        if (e instanceof FencedWriteError) {
          deps.log?.warn({ batch: batch.id, lease: e.lease, token: e.token, current: e.current }, "timestamper lease lost: write refused, standing down");
          break;
        }
        deps.log?.warn({ batch: batch.id, err: e instanceof Error ? e.message : String(e) }, "rfc 3161 token not obtained; will retry");
        break; // the TSA is failing: try again on the next pass rather than hammering it
      }
    }
    return obtained;
  };

  const tick = (): Promise<number> => {
    const next = (current ?? Promise.resolve(0)).catch(() => 0).then(tickOnce);
    current = next;
    return next;
  };

  return {
    tick,
    start() {
      if (timer) return;
      timer = setInterval(() => void tick().catch(() => undefined), deps.intervalMs ?? 2_000);
      timer.unref?.();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await current?.catch(() => undefined);
    },
  };
}
