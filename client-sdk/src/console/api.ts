/** The service's REST API from the console: same-origin, the session cookie, the CSRF token on every write. */
import type { ConsoleUser } from "../api/console.ts";
import type { EntryView } from "../api/entries.ts";

/** A console user, as the API contract (client-sdk/src/api) types it. */
export type User = ConsoleUser;

/** An entry as the API contract types it; the claim read as its known text fields, the status updated live. */
export type Entry = Omit<EntryView, "claim" | "status"> & {
  claim: { title?: string; kind?: string; author?: string; claimant?: string; previous?: string; note?: string } | null;
  status: string;
};

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly retryAfter: number | undefined;
  constructor(status: number, code: string, message: string, retryAfter?: number) {
    super(message);
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
  }
}

let csrf = "";
export const setCsrf = (token: string) => (csrf = token);
let onUnauthorized: () => void = () => undefined;
export const setUnauthorizedHandler = (fn: () => void) => (onUnauthorized = fn);

/** One request; JSON in and out unless `raw`. Throws ApiError with the service's error code. */
export async function request(method: string, path: string, body?: unknown): Promise<Response> {
  const headers: Record<string, string> = {};
  if (method !== "GET" && method !== "HEAD") headers["x-csrf-token"] = csrf;
  let payload: BodyInit | undefined;
  if (body instanceof FormData) payload = body;
  else if (body !== undefined) {
    headers["content-type"] = "application/json";
    payload = JSON.stringify(body);
  }
  const res = await fetch(path, { method, headers, body: payload ?? null, credentials: "same-origin" });
  if (!res.ok) {
    let code = `HTTP_${res.status}`;
    let message = res.statusText;
    try {
      const j = (await res.json()) as { error?: { code?: string; message?: string }; code?: string; message?: string };
      code = j.error?.code ?? j.code ?? code;
      message = j.error?.message ?? j.message ?? message;
    } catch {
      // not JSON
    }
    const retry = Number(res.headers.get("retry-after"));
    if (res.status === 401 && !path.startsWith("/v1/console/login") && !path.startsWith("/v1/console/setup")) onUnauthorized();
    throw new ApiError(res.status, code, message, Number.isFinite(retry) && retry > 0 ? retry : undefined);
  }
  return res;
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await request(method, path, body);
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

/** The query string of the non-empty values. */
export function qs(params: Record<string, string | number | undefined | null>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : "";
}
