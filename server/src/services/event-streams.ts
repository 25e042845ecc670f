/**
 * Budgets and revocation of open event streams (GET /v1/events). A stream holds a socket and a
 * subscription for as long as the client wants, so each API key may hold `perKey` of them and the node
 * `max` in total; one more is refused (429 TOO_MANY_STREAMS). While streams are open, the keys that
 * opened them are checked against the store every `checkMs`: a revoked key's streams are closed at
 * once (within `checkMs` plus one query), whichever node or CLI revoked it. A console session's streams
 * carry an `alive` check instead (is the session still signed in and its user enabled?), asked every
 * `sessionCheckEvery`-th check: sign-out, sign-out everywhere, expiry or a disabled user end them too.
 */
import type { Store } from "../store/types.ts";

export interface StreamRegistryDeps {
  readonly store: Store;
  readonly perKey: number;
  readonly max: number;
  /** Revocation check interval (default 250 ms). */
  readonly checkMs?: number;
  /** Console sessions are checked every this many revocation checks (default 4: once a second). */
  readonly sessionCheckEvery?: number;
  readonly log?: { warn(obj: object, msg: string): void };
}

export type StreamRefusal = "key" | "node";

export interface StreamRegistry {
  /**
   * Registers a stream of `keyId` whose `close` ends it; resolves a release function, or the budget
   * that refused it. `alive`, for a console session's stream, answers whether the session still holds.
   */
  open(keyId: string, close: () => void, alive?: () => Promise<boolean>): { readonly release: () => void } | { readonly refused: StreamRefusal };
  /** Open streams (all keys) and per key. */
  counts(): { readonly total: number; readonly keys: number };
  /** One revocation check now (also what the timer runs); resolves how many streams it closed. */
  checkRevoked(): Promise<number>;
  /** Closes every stream and stops the checks. */
  closeAll(): void;
}

/**
 * @example
 * const streams = createStreamRegistry({ store, perKey: 8, max: 500 });
 * const slot = streams.open(request.apiKeyId, end);
 * if ("refused" in slot) throw new AppError("TOO_MANY_STREAMS", "…");
 */
/** The stream key of a console session (request.apiKeyId = `user:<id>`, see plugins/auth.ts). */
const CONSOLE_PREFIX = "user:";

export function createStreamRegistry(deps: StreamRegistryDeps): StreamRegistry {
  const byKey = new Map<string, Set<() => void>>();
  let total = 0;
  let timer: NodeJS.Timeout | undefined;
  let checking: Promise<number> | undefined;
  /** The console streams' session checks, by their close function. */
  const aliveOf = new Map<() => void, () => Promise<boolean>>();
  let round = 0;

  const check = async (): Promise<number> => {
    // Only API keys can be revoked here. A console session's streams are registered as `user:<id>`, an id
    // that is no api_keys row: asking the store about it answered "gone", so every console stream was
    // closed within one check (250 ms) and the page lived on EventSource reconnects.
    let closed = 0;
    if (aliveOf.size > 0 && round++ % (deps.sessionCheckEvery ?? 4) === 0) {
      const streams = [...aliveOf];
      const answers = await Promise.all(streams.map(([, alive]) => alive().catch(() => true)));
      streams.forEach(([close], i) => {
        if (!answers[i]) {
          close();
          closed++;
        }
      });
    }
    const keys = [...byKey.keys()].filter((k) => !k.startsWith(CONSOLE_PREFIX));
    if (keys.length === 0) return closed;
    for (const keyId of await deps.store.revokedApiKeys(keys)) {
      for (const close of [...(byKey.get(keyId) ?? [])]) {
        close();
        closed++;
      }
    }
    return closed;
  };
  const checkRevoked = (): Promise<number> => {
    checking ??= check().finally(() => {
      checking = undefined;
    });
    return checking;
  };
  const schedule = () => {
    if (timer || total === 0) return;
    timer = setInterval(() => {
      checkRevoked().catch((e: unknown) => deps.log?.warn({ err: e instanceof Error ? e.message : String(e) }, "event streams: revocation check failed"));
    }, deps.checkMs ?? 250);
    timer.unref?.();
  };

  return {
    open(keyId, close, alive) {
      if (total >= deps.max) return { refused: "node" };
      let set = byKey.get(keyId);
      if ((set?.size ?? 0) >= deps.perKey) return { refused: "key" };
      if (!set) byKey.set(keyId, (set = new Set()));
      set.add(close);
      if (alive) aliveOf.set(close, alive);
      total++;
      schedule();
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          set.delete(close);
          aliveOf.delete(close);
          if (set.size === 0) byKey.delete(keyId);
          total--;
          if (total === 0 && timer) {
            clearInterval(timer);
            timer = undefined;
          }
        },
      };
    },
    counts: () => ({ total, keys: byKey.size }),
    checkRevoked,
    closeAll() {
      for (const set of [...byKey.values()]) for (const close of [...set]) close();
      if (timer) clearInterval(timer);
      timer = undefined;
    },
  };
}
