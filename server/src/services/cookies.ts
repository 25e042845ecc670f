/**
 * The Cookie request header (RFC 6265 §5.4: `name=value; name2=value2`) and the console's session
 * cookie. Written here rather than with @fastify/cookie, which the project does not install, because
 * the console needs one cookie.
 */

export const SESSION_COOKIE = "pp_session";

/**
 * Cookie name → value (the first of duplicates wins, as browsers send the most specific first;
 * percent-decoded when valid; surrounding double quotes removed). Bounded: at most 100 pairs read.
 *
 * @example
 * parseCookies("a=1; pp_session=abc") // { a: "1", pp_session: "abc" }
 */
export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  if (!header) return out;
  let n = 0;
  for (const pair of header.split(";")) {
    if (++n > 100) break;
    const eq = pair.indexOf("=");
    if (eq <= 0) continue;
    const name = pair.slice(0, eq).trim();
    if (!name || name in out) continue;
    let value = pair.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    try {
      value = decodeURIComponent(value);
    } catch {
      // not percent-encoded: kept as sent
    }
    out[name] = value;
  }
  return out;
}

/**
 * The Set-Cookie value of the session cookie: HttpOnly, SameSite=Strict, Path=/, Secure over TLS;
 * `value` null clears it.
 *
 * @example
 * reply.header("set-cookie", sessionCookie(sessionId, { secure: request.protocol === "https", maxAgeSeconds: 604800 }));
 */
export function sessionCookie(value: string | null, o: { secure: boolean; maxAgeSeconds?: number }): string {
  const parts = [`${SESSION_COOKIE}=${value ?? ""}`, "Path=/", "HttpOnly", "SameSite=Strict"];
  if (value === null) parts.push("Max-Age=0");
  else if (o.maxAgeSeconds !== undefined) parts.push(`Max-Age=${o.maxAgeSeconds}`);
  if (o.secure) parts.push("Secure");
  return parts.join("; ");
}
