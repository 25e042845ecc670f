/**
 * Waiting for an entry to be anchored: Server-Sent Events wake the wait, polling (growing from 500 ms
 * to 5 s, or a slow safety poll while events flow) decides; `WAIT_TIMEOUT` and `ABORTED` end it.
 */
import { InputError, ServiceError } from "../errors.ts";
import { getEntry } from "./entries.ts";
import { getEventStream } from "./events.ts";
import type { Transport } from "./transport.ts";
import type { Entry, EntryStatus, WaitOptions } from "./types.ts";

const RANK: Record<EntryStatus, number> = { pending: 0, batched: 1, anchored: 2, confirmed: 3 };
/** While events flow, a slow poll still runs in case one is lost (a proxy that buffers, a restart). */
const SAFETY_POLL_MS = 15_000;
const MAX_POLL_MS = 5_000;

/** Resolves with the entry once it reaches `opts.status` (default `anchored`) or a later status. */
export async function waitForAnchor(t: Transport, id: string, opts: WaitOptions = {}): Promise<Entry> {
  const want = opts.status ?? "anchored";
  if (want !== "anchored" && want !== "confirmed") throw new InputError("INVALID_ARGUMENT", `cannot wait for status ${JSON.stringify(want)}`);
  const timeoutMs = opts.timeoutMs ?? 600_000;
  if (opts.signal?.aborted) throw new ServiceError("ABORTED", `stopped waiting for ${id}`, { cause: opts.signal.reason });
  // One controller ends everything this call started: the event stream, a request, a sleep.
  const stop = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    stop.abort();
  }, timeoutMs);
  const onAbort = () => stop.abort();
  opts.signal?.addEventListener("abort", onAbort, { once: true });

  let last: EntryStatus | undefined;
  let live = false;
  let kicked = false;
  let wake: (() => void) | undefined;
  const kick = () => {
    kicked = true;
    wake?.();
  };
  try {
    if (opts.events !== false) {
      // Subscribe before the first read, so that no change between the two is missed.
      try {
        const events = await getEventStream(t, { entry: id, signal: stop.signal });
        live = true;
        void (async () => {
          try {
            for await (const e of events) if (e.entryId === id) kick();
          } catch {
            // the stream broke: polling takes over
          }
          live = false;
          kick();
        })();
      } catch (e) {
        if (stop.signal.aborted) throw e;
        // No event stream (an older service, a proxy that refuses it): poll.
      }
    }
    let delay = opts.pollIntervalMs ?? 500;
    for (;;) {
      kicked = false;
      const entry = await getEntry(t, id, { signal: stop.signal });
      if (entry.status !== last) {
        last = entry.status;
        opts.onStatus?.(entry.status);
      }
      if (RANK[entry.status] >= RANK[want]) return entry;
      await new Promise<void>((resolve) => {
        let timer: ReturnType<typeof setTimeout> | undefined;
        const done = () => {
          clearTimeout(timer);
          stop.signal.removeEventListener("abort", done);
          wake = undefined;
          resolve();
        };
        timer = setTimeout(done, live ? SAFETY_POLL_MS : delay);
        wake = done;
        stop.signal.addEventListener("abort", done, { once: true });
        if (kicked || stop.signal.aborted) done();
      });
      if (stop.signal.aborted) throw new ServiceError("ABORTED", `stopped waiting for ${id}`);
      if (!live) delay = Math.min(delay * 1.5, MAX_POLL_MS);
    }
  } catch (e) {
    if (timedOut) throw new ServiceError("WAIT_TIMEOUT", `entry ${id} is still ${last ?? "unknown"} after ${timeoutMs} ms (waiting for ${want})`, { cause: e });
    if (opts.signal?.aborted) throw new ServiceError("ABORTED", `stopped waiting for ${id}`, { cause: opts.signal.reason });
    throw e;
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener("abort", onAbort);
    stop.abort();
  }
}
