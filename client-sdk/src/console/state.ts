/** The console's shared state: the signed-in user, the router, the live event stream. */
import type { Entry, User } from "./api.ts";

export const state = {
  user: undefined as User | undefined,
  /** Entry ids picked in the evidence list, for the export screen. */
  selected: new Set<string>(),
};

export type Render = () => void;
let rerender: Render = () => undefined;
export const setRerender = (fn: Render) => (rerender = fn);

/** Client-side navigation under /app. */
export function go(path: string, replace = false): void {
  if (replace) history.replaceState(null, "", path);
  else history.pushState(null, "", path);
  rerender();
}

export const can = {
  stamp: () => state.user?.role === "admin" || state.user?.role === "member",
  admin: () => state.user?.role === "admin",
};

/** Live entry status from GET /v1/events (SSE): listeners get every `entry.status` event. */
type StatusEvent = { entryId: string; status: string; at: string; chainId?: number; txHash?: string | null; blockNumber?: number | null };
const listeners = new Set<(e: StatusEvent) => void>();
let source: EventSource | undefined;
let retry: ReturnType<typeof setTimeout> | undefined;
let failures = 0;
/** The last event id seen: a new stream asks for what came after it (`?after=`), so nothing is missed. */
let lastEventId: string | undefined;

/**
 * Opens the stream. EventSource reconnects by itself after a network error, but gives up for good on an
 * HTTP error (a 502 from a proxy while the service restarts, a 429 when the user has too many streams):
 * then a new stream is opened after 1, 2, 4… s (at most 30 s), from the last event seen.
 */
export function startEvents(): void {
  if (source || retry) return;
  const s = new EventSource(lastEventId === undefined ? "/v1/events" : `/v1/events?after=${encodeURIComponent(lastEventId)}`);
  source = s;
  s.addEventListener("open", () => {
    failures = 0;
  });
  s.addEventListener("entry.status", (e) => {
    const m = e as MessageEvent<string>;
    if (m.lastEventId) lastEventId = m.lastEventId;
    const data = JSON.parse(m.data) as StatusEvent;
    for (const l of listeners) l(data);
  });
  s.addEventListener("error", () => {
    if (s.readyState !== EventSource.CLOSED || source !== s) return;
    source = undefined;
    const delay = Math.min(30_000, 1000 * 2 ** failures++);
    retry = setTimeout(() => {
      retry = undefined;
      startEvents();
    }, delay);
  });
}
export function stopEvents(): void {
  if (retry) clearTimeout(retry);
  retry = undefined;
  failures = 0;
  lastEventId = undefined;
  source?.close();
  source = undefined;
}
export function onStatus(fn: (e: StatusEvent) => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

export function applyStatus(entries: Entry[], e: StatusEvent): Entry | undefined {
  const hit = entries.find((x) => x.id === e.entryId);
  if (hit) hit.status = e.status;
  return hit;
}

/** Cleanups of the current screen (event listeners), run when the next screen renders. */
export const disposers: (() => void)[] = [];
