/**
 * Server-side request forgery guard of webhook targets. A tenant names a URL and the service POSTs to
 * it: without a guard, a tenant could make the service call its own admin ports, the cloud metadata
 * service (169.254.169.254) or the operator's private network. A target is refused when it resolves to
 * an address that is private, loopback, link-local, multicast, unspecified or otherwise reserved, in IPv4
 * or IPv6 (IPv4-mapped, NAT64 and 6to4 addresses are judged by the IPv4 address they carry) — unless the
 * operator allows private targets (WEBHOOK_ALLOW_PRIVATE=true).
 *
 * The check runs twice: when the endpoint is created, and at every connection, inside the socket's DNS
 * lookup ({@link guardedLookup}), so that the address connected to is the address checked (a name that
 * resolved to a public address at creation and to 127.0.0.1 later — DNS rebinding — is refused).
 */
import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { isIP, type LookupFunction } from "node:net";
import { AppError } from "../errors.ts";

/** Why an address is not a public unicast address, or undefined when it is one. */
export function forbiddenAddressReason(address: string): string | undefined {
  const family = isIP(address);
  if (family === 4) return ipv4Reason(parseIpv4(address)!);
  if (family === 6) {
    const b = parseIpv6(address);
    if (!b) return "unparseable address";
    return ipv6Reason(b);
  }
  return "not an IP address";
}

function parseIpv4(s: string): number[] | undefined {
  const parts = s.split(".").map(Number);
  return parts.length === 4 && parts.every((p) => Number.isInteger(p) && p >= 0 && p <= 255) ? parts : undefined;
}

/** The 16 bytes of an IPv6 address (with `::` and a trailing dotted quad; no zone index). */
export function parseIpv6(input: string): Uint8Array | undefined {
  let s = input.replace(/^\[|\]$/g, "");
  if (s.includes("%")) s = s.slice(0, s.indexOf("%"));
  const words: number[] = [];
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (tail) {
    const v4 = parseIpv4(tail[1]!);
    if (!v4) return undefined;
    s = s.slice(0, -tail[1]!.length) + `${((v4[0]! << 8) | v4[1]!).toString(16)}:${((v4[2]! << 8) | v4[3]!).toString(16)}`;
  }
  const halves = s.split("::");
  if (halves.length > 2) return undefined;
  const parse = (h: string) => (h === "" ? [] : h.split(":").map((w) => (/^[0-9a-f]{1,4}$/i.test(w) ? parseInt(w, 16) : NaN)));
  const head = parse(halves[0]!);
  const rest = halves.length === 2 ? parse(halves[1]!) : [];
  if ([...head, ...rest].some(Number.isNaN)) return undefined;
  if (halves.length === 1 && head.length !== 8) return undefined;
  if (halves.length === 2 && head.length + rest.length > 7) return undefined;
  words.push(...head, ...Array(8 - head.length - rest.length).fill(0), ...rest);
  const bytes = new Uint8Array(16);
  words.forEach((w, i) => {
    bytes[2 * i] = w >> 8;
    bytes[2 * i + 1] = w & 0xff;
  });
  return bytes;
}

function ipv4Reason([a, b, c]: number[]): string | undefined {
  if (a === 0) return "unspecified or 'this network' (0.0.0.0/8)";
  if (a === 10) return "private (10.0.0.0/8)";
  if (a === 100 && b! >= 64 && b! <= 127) return "shared address space (100.64.0.0/10)";
  if (a === 127) return "loopback (127.0.0.0/8)";
  if (a === 169 && b === 254) return "link-local (169.254.0.0/16)";
  if (a === 172 && b! >= 16 && b! <= 31) return "private (172.16.0.0/12)";
  if (a === 192 && b === 0 && c === 0) return "IETF protocol assignments (192.0.0.0/24)";
  if (a === 192 && b === 0 && c === 2) return "documentation (192.0.2.0/24)";
  if (a === 192 && b === 168) return "private (192.168.0.0/16)";
  if (a === 198 && (b === 18 || b === 19)) return "benchmarking (198.18.0.0/15)";
  if (a === 198 && b === 51 && c === 100) return "documentation (198.51.100.0/24)";
  if (a === 203 && b === 0 && c === 113) return "documentation (203.0.113.0/24)";
  if (a! >= 224 && a! <= 239) return "multicast (224.0.0.0/4)";
  if (a! >= 240) return "reserved or broadcast (240.0.0.0/4)";
  return undefined;
}

function ipv6Reason(b: Uint8Array): string | undefined {
  const zeroUpTo = (n: number) => b.subarray(0, n).every((x) => x === 0);
  if (zeroUpTo(16)) return "unspecified (::)";
  if (zeroUpTo(15) && b[15] === 1) return "loopback (::1)";
  // IPv4-mapped ::ffff:0:0/96 and IPv4-compatible ::/96: the IPv4 address decides.
  if (zeroUpTo(10) && b[10] === 0xff && b[11] === 0xff) return ipv4Reason([...b.subarray(12)]) && `IPv4-mapped ${ipv4Reason([...b.subarray(12)])}`;
  if (zeroUpTo(12)) return "IPv4-compatible (::/96)";
  // NAT64 64:ff9b::/96 and 6to4 2002::/16 carry an IPv4 address too.
  if (b[0] === 0x00 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && b.subarray(4, 12).every((x) => x === 0)) {
    const r = ipv4Reason([...b.subarray(12)]);
    return r && `NAT64 ${r}`;
  }
  if (b[0] === 0x20 && b[1] === 0x02) {
    const r = ipv4Reason([...b.subarray(2, 6)]);
    return r && `6to4 ${r}`;
  }
  if (b[0] === 0xfe && (b[1]! & 0xc0) === 0x80) return "link-local (fe80::/10)";
  if (b[0] === 0xfe && (b[1]! & 0xc0) === 0xc0) return "site-local (fec0::/10)";
  if ((b[0]! & 0xfe) === 0xfc) return "unique local (fc00::/7)";
  if (b[0] === 0xff) return "multicast (ff00::/8)";
  if (b[0] === 0x01 && b.subarray(1, 8).every((x) => x === 0)) return "discard-only (100::/64)";
  if (b[0] === 0x20 && b[1] === 0x01 && b[2] === 0x0d && b[3] === 0xb8) return "documentation (2001:db8::/32)";
  return undefined;
}

/** A resolver of every address of a host name (node's dns.lookup with `all: true` by default). */
export type Resolver = (hostname: string) => Promise<LookupAddress[]>;

export const systemResolver: Resolver = (hostname) =>
  new Promise((resolve, reject) => dnsLookup(hostname, { all: true, verbatim: true }, (err, addresses) => (err ? reject(err) : resolve(addresses))));

/** A webhook target that resolves to an address webhooks may not reach: the registry's 400 WEBHOOK_TARGET_FORBIDDEN. */
export class ForbiddenTargetError extends AppError {
  readonly address: string;
  constructor(hostname: string, address: string, reason: string) {
    super("WEBHOOK_TARGET_FORBIDDEN", `webhook target ${hostname} resolves to ${address}: ${reason}`);
    this.name = "ForbiddenTargetError";
    this.address = address;
  }
}

/**
 * Resolves the URL's host and checks every address; resolves the addresses, or rejects with
 * {@link ForbiddenTargetError} (a forbidden address) or the resolver's error.
 */
export async function checkTarget(url: URL, allowPrivate: boolean, resolver: Resolver = systemResolver): Promise<LookupAddress[]> {
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const addresses = isIP(host) ? [{ address: host, family: isIP(host) }] : await resolver(host);
  if (addresses.length === 0) throw new Error(`webhook target ${host} has no address`);
  if (!allowPrivate) {
    for (const a of addresses) {
      const reason = forbiddenAddressReason(a.address);
      if (reason) throw new ForbiddenTargetError(host, a.address, reason);
    }
  }
  return addresses;
}

/**
 * A socket `lookup` that resolves with `resolver` and refuses forbidden addresses: passed to
 * http.request, it checks the very address the connection is made to.
 */
export function guardedLookup(allowPrivate: boolean, resolver: Resolver = systemResolver): LookupFunction {
  return ((
    hostname: string,
    options: { all?: boolean },
    callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
  ) => {
    checkTarget(new URL(`http://${isIP(hostname) === 6 ? `[${hostname}]` : hostname}/`), allowPrivate, resolver).then(
      (addresses) => (options.all ? callback(null, addresses) : callback(null, addresses[0]!.address, addresses[0]!.family)),
      (err: Error) =>
        callback(Object.assign(err, { code: err instanceof ForbiddenTargetError ? "EFORBIDDENTARGET" : (err as NodeJS.ErrnoException).code }), "", 0),
    );
  }) as LookupFunction;
}
