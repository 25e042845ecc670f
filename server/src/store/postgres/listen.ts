/**
 * LISTEN/NOTIFY of committed events for the PostgreSQL store: every node hears every node's commits
 * (appendEvents notifies on the events channel inside the writing transaction).
 */
import pg from "pg";
import { EVENTS_CHANNEL } from "../outbox-sql.ts";

/** Subscriptions to committed events, and their shutdown. */
export interface PgEventListener {
  listen(l: (tenantId: string | undefined, seq: number) => void): () => void;
  stopListening(): Promise<void>;
}

/** The listener of the database at `url`; connects on the first subscription. */
export function pgEventListener(url: string, onError: ((error: Error) => void) | undefined): PgEventListener {
  // LISTEN on a dedicated connection (not a pooled one: a pooled connection is handed to other queries),
  // opened on the first subscription and re-opened after a failure. After a reconnect every listener
  // hears `undefined` (notifications may have been missed meanwhile) and reads its outbox again.
  const eventListeners = new Set<(tenantId: string | undefined, seq: number) => void>();
  let listener: pg.Client | undefined;
  let listening: Promise<void> | undefined;
  let closing = false;
  let retry: NodeJS.Timeout | undefined;
  const emit = (tenantId: string | undefined, seq: number) => {
    for (const l of eventListeners) {
      try {
        l(tenantId, seq);
      } catch {
        // a listener's failure is its own
      }
    }
  };
  const connectListener = async (reconnect: boolean): Promise<void> => {
    const client = new pg.Client({ connectionString: url, application_name: "priorproof-listen" });
    client.on("notification", (n) => {
      if (n.channel !== EVENTS_CHANNEL || !n.payload) return;
      const at = n.payload.lastIndexOf(":");
      emit(n.payload.slice(0, at), Number(n.payload.slice(at + 1)));
    });
    const lost = (e?: Error) => {
      if (listener !== client) return;
      listener = undefined;
      if (e) onError?.(e);
      client.end().catch(() => undefined);
      if (!closing && eventListeners.size > 0) scheduleListen();
    };
    client.on("error", lost);
    client.on("end", () => lost());
    try {
      await client.connect();
      await client.query(`LISTEN ${EVENTS_CHANNEL}`);
    } catch (e) {
      await client.end().catch(() => undefined);
      throw e;
    }
    listener = client;
    if (reconnect) emit(undefined, 0);
  };
  const scheduleListen = () => {
    if (retry || closing) return;
    retry = setTimeout(() => {
      retry = undefined;
      listening = connectListener(true)
        .catch((e: unknown) => {
          onError?.(e instanceof Error ? e : new Error(String(e)));
          scheduleListen();
        })
        .finally(() => {
          listening = undefined;
        });
    }, 500);
    retry.unref?.();
  };
  const listen = (l: (tenantId: string | undefined, seq: number) => void): (() => void) => {
    eventListeners.add(l);
    if (!listener && !listening && !closing) {
      listening = connectListener(false)
        .catch((e: unknown) => {
          onError?.(e instanceof Error ? e : new Error(String(e)));
          scheduleListen();
        })
        .finally(() => {
          listening = undefined;
        });
    }
    return () => eventListeners.delete(l);
  };
  const stopListening = async () => {
    closing = true;
    if (retry) clearTimeout(retry);
    await listening?.catch(() => undefined);
    const l = listener;
    listener = undefined;
    eventListeners.clear();
    await l?.end().catch(() => undefined);
  };
  return { listen, stopListening };
}
