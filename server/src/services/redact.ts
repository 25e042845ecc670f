/**
 * Secrets never leave the process: the RPC URLs of the chains (which carry provider API keys in their
 * path, query or user info), private keys, passwords and tokens of the configuration are replaced by
 * `[redacted]` in every response body and every log line (see plugins/exposure.ts). Library errors
 * echo them freely — ethers puts `requestUrl` in the message of an HTTP error — so redaction works on
 * the final text rather than on known fields.
 */
import type { Config } from "../config.ts";

export const REDACTED = "[redacted]";

/** Parts of a URL that may be credentials: user info, long path segments, query values; and the URL itself when it has any. */
function urlSecrets(raw: string | undefined, publicUrl?: string): string[] {
  if (!raw) return [];
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return raw.length >= 6 ? [raw] : [];
  }
  const parts: string[] = [];
  if (url.username) parts.push(decodeURIComponent(url.username));
  if (url.password) parts.push(decodeURIComponent(url.password));
  for (const segment of url.pathname.split("/")) if (segment.length >= 6) parts.push(decodeURIComponent(segment));
  for (const [name, value] of url.searchParams) {
    if (value.length >= 6) parts.push(value);
    else if (name.length >= 6 && value === "") parts.push(name);
  }
  if (parts.length === 0) return [];
  // What the operator chose to publish is not a secret.
  const published = new Set(publicUrl ? urlSecrets(publicUrl) : []);
  return [raw, url.href, ...parts].filter((p) => !published.has(p) && p !== publicUrl);
}

/** Every secret of a configuration, longest first. */
export function configSecrets(config: Config): string[] {
  const found: (string | undefined)[] = [config.metricsToken];
  for (const c of config.chains) {
    found.push(...urlSecrets(c.rpcUrl, c.publicRpcUrl), c.anchorerKey, c.anchorerKey?.replace(/^0x/, ""), c.anchorerKeystorePassword);
  }
  found.push(...urlSecrets(config.databaseUrl), ...urlSecrets(config.ipfsApiUrl), ...urlSecrets(config.tsaUrl));
  const { pinningService, cluster } = config.replication;
  found.push(pinningService?.accessToken, ...urlSecrets(pinningService?.endpoint), cluster?.basicAuth, ...urlSecrets(cluster?.url));
  const secrets = new Set<string>();
  for (const s of found) {
    if (!s || s.length < 6) continue;
    secrets.add(s);
    const encoded = encodeURIComponent(s);
    if (encoded !== s) secrets.add(encoded);
  }
  return [...secrets].sort((a, b) => b.length - a.length);
}

/**
 * A function replacing every occurrence of `secrets` (and the user info of any URL) in a text.
 *
 * @example
 * const redact = createRedactor(configSecrets(config));
 * log(redact(error.message));
 */
export function createRedactor(secrets: readonly string[]): (text: string) => string {
  const escaped = secrets.filter((s) => s.length > 0).map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  const pattern = escaped.length > 0 ? new RegExp(escaped.join("|"), "g") : undefined;
  const userInfo = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@"'<>]+@/gi;
  return (text) => {
    let out = text;
    if (pattern && out.length > 0) out = out.replace(pattern, REDACTED);
    if (out.includes("@")) out = out.replace(userInfo, `$1${REDACTED}@`);
    return out;
  };
}
