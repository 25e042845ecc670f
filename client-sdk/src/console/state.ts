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

export function startEvents(): void {
  if (source) return;
  source = new EventSource("/v1/events");
  source.addEventListener("entry.status", (e) => {
    const data = JSON.parse((e as MessageEvent<string>).data) as StatusEvent;
    for (const l of listeners) l(data);
  });
}
export function stopEvents(): void {
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
