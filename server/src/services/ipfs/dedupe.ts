/**
 * A blockstore front that writes each block at most once.
 *
 * Content addressing makes a second write of a key a no-op in meaning, but not in cost: blockstore-fs
 * writes through steno, whose temporary file name is fixed per target, so two concurrent writes of the
 * same block race for one temp file, and the loser's rename is retried ten times at 100 ms intervals.
 * A file of repeated content (zeros, one repeated byte) yields the same leaf block again and again
 * while the importer writes blocks concurrently: that was ~120 ms per repeated 1 MiB chunk. Here a
 * write of a key already being written joins that write, and a key already stored is not written again.
 */
import type { Blockstore } from "interface-blockstore";
import type { CID } from "multiformats/cid";

/** Counters of {@link dedupeWrites}, for tests and metrics. */
export interface WriteStats {
  /** `put` calls received. */
  puts: number;
  /** Writes passed to the underlying store. */
  writes: number;
}

/**
 * Wraps `store` so that concurrent `put`s of one key share one write and a key the store already holds
 * is not rewritten. Every other method is the store's own.
 *
 * @example
 * const blockstore = dedupeWrites(await openFsBlockstore(dir));
 */
export function dedupeWrites<T extends Blockstore>(store: T): T & { readonly writeStats: WriteStats } {
  const inFlight = new Map<string, Promise<CID>>();
  const writeStats: WriteStats = { puts: 0, writes: 0 };
  const put = async (key: CID, value: Uint8Array, options?: Parameters<Blockstore["put"]>[2]): Promise<CID> => {
    writeStats.puts++;
    const id = key.multihash.bytes.toString();
    const pending = inFlight.get(id);
    if (pending) return pending.then(() => key);
    const write = (async () => {
      if (await store.has(key, options)) return key;
      writeStats.writes++;
      return store.put(key, value, options);
    })();
    inFlight.set(id, write);
    try {
      await write;
      return key;
    } finally {
      inFlight.delete(id);
    }
  };
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === "put") return put;
      if (prop === "writeStats") return writeStats;
      const value = Reflect.get(target, prop, receiver) as unknown;
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  }) as T & { readonly writeStats: WriteStats };
}
