/**
 * Idempotent stamping (draft-ietf-httpapi-idempotency-key-header): a client sends an `Idempotency-Key`
 * with `POST /v1/stamps` or `POST /v1/evidence` and may retry the request (connection reset, 502/503/504)
 * without stamping twice.
 *
 * - Same key, same request (its fingerprint: SHA-256 of the canonical request) → the original entries
 *   (same ids) with the original status, whether the first attempt's reply arrived or not.
 * - Same key, another request → 422 IDEMPOTENCY_KEY_REUSED; the key is still being processed → 409
 *   IDEMPOTENCY_KEY_IN_USE (in this process; across processes the database decides at commit: the
 *   later of two concurrent attempts writes nothing and answers with the first one's entries).
 * - The key is recorded in the SAME transaction as the entries (Store.insertEntries), so a crash
 *   between the commit and the reply leaves both, and the retry finds them; a request that failed
 *   records nothing, and its retry runs anew.
 * - Keys are kept per tenant for at least `retentionMs` (≥ 24 h), then swept.
 */
import { createHash } from "node:crypto";
import { canonicalJson } from "@priorproof/client-sdk/core";
import { AppError } from "../errors.ts";
import { IdempotencyKeyTakenError, type EntryRecord, type NewIdempotencyKey, type Store } from "../store/types.ts";

/** The status of a created stamp or upload (202 Accepted: durable, anchoring follows). */
export const CREATED_STATUS = 202;
/** Keys are never forgotten sooner than this. */
export const MIN_RETENTION_MS = 24 * 60 * 60 * 1000;
const MAX_KEY_LENGTH = 255;

export interface IdempotencyDeps {
  readonly store: Store;
  /** How long a key is kept (≥ MIN_RETENTION_MS). */
  readonly retentionMs: number;
  /** How often expired keys are swept (default hourly). */
  readonly sweepIntervalMs?: number;
  readonly now?: () => number;
  readonly log?: { warn(obj: object, msg: string): void };
}

/** The outcome of an idempotent request. */
export interface IdempotentResult {
  readonly status: number;
  readonly entries: EntryRecord[];
  /** The entries were created by an earlier attempt with the same key. */
  readonly replayed: boolean;
}

/** One request holding its key while it runs (see {@link Idempotency.begin}). */
export interface IdempotentRequest {
  /**
   * Answers the request: the recorded entries when the key was used before with the same fingerprint,
   * else `create(key)`, which must pass `key` to `Store.insertEntries`. `discard` runs when this
   * attempt's work is replaced by an earlier attempt's result.
   */
  complete(
    fingerprint: string,
    create: (key: NewIdempotencyKey | undefined) => Promise<EntryRecord[]>,
    discard?: () => Promise<void>,
  ): Promise<IdempotentResult>;
  /** Releases the key (always call, in `finally`). */
  end(): void;
}

export interface Idempotency {
  /** Claims the key for one request in this process (409 while another holds it); no key: a pass-through. */
  begin(tenantId: string, header: string | string[] | undefined): IdempotentRequest;
  /** Forgets keys older than the retention; resolves how many. */
  sweep(): Promise<number>;
  start(): void;
  stop(): void;
}

/**
 * The key of an `Idempotency-Key` header: an RFC 8941 sf-string (`"…"`, as the draft specifies) or,
 * leniently, a bare token; 1–255 printable ASCII characters.
 */
export function parseIdempotencyKey(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  if (Array.isArray(header)) throw new AppError("INVALID_IDEMPOTENCY_KEY", "send one Idempotency-Key header");
  let key = header.trim();
  if (key.length >= 2 && key.startsWith('"') && key.endsWith('"')) key = key.slice(1, -1).replace(/\\(["\\])/g, "$1");
  if (key.length === 0 || key.length > MAX_KEY_LENGTH || !/^[\x20-\x7e]+$/.test(key)) {
    throw new AppError("INVALID_IDEMPOTENCY_KEY", `the Idempotency-Key must be 1 to ${MAX_KEY_LENGTH} printable ASCII characters`);
  }
  return key;
}

/** SHA-256 (0x hex) of the canonical JSON (RFC 8785) of a request. */
export function fingerprintOf(request: unknown): string {
  return "0x" + createHash("sha256").update(canonicalJson(request)).digest("hex");
}

export function createIdempotency(deps: IdempotencyDeps): Idempotency {
  const { store } = deps;
  const retentionMs = Math.max(MIN_RETENTION_MS, deps.retentionMs);
  const now = deps.now ?? Date.now;
  const inFlight = new Set<string>();
  let timer: NodeJS.Timeout | undefined;

  const replay = async (tenantId: string, key: string, fingerprint: string): Promise<IdempotentResult | undefined> => {
    const recorded = await store.getIdempotencyKey(tenantId, key);
    if (!recorded) return undefined;
    if (recorded.fingerprint !== fingerprint) {
      throw new AppError("IDEMPOTENCY_KEY_REUSED", "this Idempotency-Key was used with a different request; use a new key for a new request");
    }
    const entries = await store.getEntriesByIds(recorded.entryIds);
    if (entries.length !== recorded.entryIds.length)
      throw new Error(`idempotency key ${key}: ${recorded.entryIds.length - entries.length} of its entries are missing`);
    return { status: recorded.status, entries, replayed: true };
  };

  return {
    begin(tenantId, header) {
      const key = parseIdempotencyKey(header);
      if (key === undefined) {
        return { complete: async (_f, create) => ({ status: CREATED_STATUS, entries: await create(undefined), replayed: false }), end: () => undefined };
      }
      const slot = `${tenantId}\n${key}`;
      if (inFlight.has(slot)) throw new AppError("IDEMPOTENCY_KEY_IN_USE", "a request with this Idempotency-Key is still being processed; retry later");
      inFlight.add(slot);
      let ended = false;
      return {
        async complete(fingerprint, create, discard) {
          const earlier = await replay(tenantId, key, fingerprint);
          if (earlier) {
            await discard?.();
            return earlier;
          }
          try {
            return { status: CREATED_STATUS, entries: await create({ tenantId, key, fingerprint, status: CREATED_STATUS }), replayed: false };
          } catch (e) {
            if (!(e instanceof IdempotencyKeyTakenError)) throw e;
            // Another process recorded the key first (nothing of this attempt was written).
            const other = await replay(tenantId, key, fingerprint);
            if (!other) throw e;
            await discard?.();
            return other;
          }
        },
        end() {
          if (ended) return;
          ended = true;
          inFlight.delete(slot);
        },
      };
    },
    sweep: () => store.sweepIdempotencyKeys(now() - retentionMs),
    start() {
      if (timer) return;
      timer = setInterval(
        () => {
          store
            .sweepIdempotencyKeys(now() - retentionMs)
            .catch((e: unknown) => deps.log?.warn({ err: e instanceof Error ? e.message : String(e) }, "idempotency key sweep failed"));
        },
        deps.sweepIntervalMs ?? 60 * 60 * 1000,
      );
      timer.unref?.();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
    },
  };
}
