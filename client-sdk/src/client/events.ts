/** The tenant's status changes as Server-Sent Events (GET /v1/events), resumable after the last one seen. */
import { ServiceError } from "../errors.ts";
import { isStatus } from "./entries.ts";
import { isObject, path, type Transport } from "./transport.ts";
import type { EntryEvent } from "./types.ts";

/** Server-Sent Events (WHATWG HTML §9.2) from a response body: `event`/`data` fields, comments skipped. */
async function* readEventStream(body: ReadableStream<Uint8Array>): AsyncGenerator<{ event: string; data: string }> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  let event = "";
  let data: string[] = [];
  try {
    for (;;) {
      const r = await reader.read();
      if (r.done) return;
      buffer += decoder.decode(r.value, { stream: true });
      let nl: number;
      while ((nl = buffer.indexOf("\n")) >= 0) {
        const line = buffer.slice(0, nl).replace(/\r$/, "");
        buffer = buffer.slice(nl + 1);
        if (line === "") {
          if (data.length > 0) yield { event: event || "message", data: data.join("\n") };
          event = "";
          data = [];
          continue;
        }
        if (line.startsWith(":")) continue;
        const colon = line.indexOf(":");
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
        if (field === "event") event = value;
        else if (field === "data") data.push(value);
      }
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

/** GET /v1/events: `entry.status` events (malformed ones skipped) until `signal` fires or the service closes. */
export async function getEventStream(t: Transport, opts: { entry?: string; after?: number; signal?: AbortSignal } = {}): Promise<AsyncIterable<EntryEvent>> {
  const where = `/v1/events${opts.entry !== undefined ? `?entry=${path(opts.entry, "entry id")}` : ""}`;
  // Resume after the last event seen (the service sends every later one: nothing is missed).
  const headers: Record<string, string> =
    opts.after !== undefined && Number.isSafeInteger(opts.after) && opts.after >= 0 ? { "last-event-id": String(opts.after) } : {};
  const res = await t.request("GET", where, { accept: "text/event-stream", signal: opts.signal, headers });
  if (!res.body || !(res.headers.get("content-type") ?? "").startsWith("text/event-stream")) {
    await res.body?.cancel().catch(() => undefined);
    throw new ServiceError("INVALID_RESPONSE", `GET ${where} is not an event stream`, { status: res.status });
  }
  const body = res.body;
  return {
    async *[Symbol.asyncIterator]() {
      try {
        for await (const { event, data } of readEventStream(body)) {
          if (event !== "entry.status") continue;
          let e: unknown;
          try {
            e = JSON.parse(data);
          } catch {
            continue; // a malformed event is skipped, like a browser's EventSource would
          }
          if (isObject(e) && typeof e.entryId === "string" && isStatus(e.status)) yield e as unknown as EntryEvent;
        }
      } catch (cause) {
        // The caller's abort ends the stream quietly; a broken connection is an error.
        if (opts.signal?.aborted) return;
        throw t.transportError(cause, opts.signal, `GET ${where}`);
      }
    },
  };
}
