/**
 * Which addresses a capture may reach. By default a capture browser must not reach the service's own
 * network: loopback, private (RFC 1918, unique-local), link-local, carrier-grade NAT, multicast,
 * reserved and unspecified addresses are refused, for the target and for every subresource. The
 * operator lifts this with CAPTURE_ALLOW_PRIVATE=true (tests do, for their loopback servers).
 */
import { BlockList, isIP } from "node:net";
import { lookup } from "node:dns/promises";
import { AppError } from "../../errors.ts";

const BLOCKED = new BlockList();
// IPv4 special-purpose ranges (RFC 6890 and successors) that no public web page lives on.
for (const [net, prefix] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.0.2.0", 24],
  ["192.88.99.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["198.51.100.0", 24],
  ["203.0.113.0", 24],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
] as const)
  BLOCKED.addSubnet(net, prefix, "ipv4");
// IPv6: unspecified, loopback, IPv4-compatible/translated, discard, documentation, ULA, link-local, site-local, multicast.
for (const [net, prefix] of [
  ["::", 128],
  ["::1", 128],
  ["64:ff9b:1::", 48],
  ["100::", 64],
  ["2001:db8::", 32],
  ["fc00::", 7],
  ["fe80::", 10],
  ["fec0::", 10],
  ["ff00::", 8],
] as const)
  BLOCKED.addSubnet(net, prefix, "ipv6");

/** The IPv4 address inside an IPv4-mapped (::ffff:a.b.c.d), NAT64 (64:ff9b::/96) or 6to4 IPv6 address. */
function embeddedIpv4(ip: string): string | undefined {
  const lower = ip.toLowerCase();
  const dotted = /^(?:::ffff:|64:ff9b::|::)(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (dotted) return dotted[1];
  const hex = /^(?:::ffff:|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (hex) {
    const hi = parseInt(hex[1]!, 16);
    const lo = parseInt(hex[2]!, 16);
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  return undefined;
}

/**
 * Whether a capture may not connect to `ip` (a literal address) unless private targets are allowed.
 *
 * @example
 * isBlockedAddress("127.0.0.1") // true
 * isBlockedAddress("93.184.215.14") // false
 */
export function isBlockedAddress(ip: string): boolean {
  const bare = ip.replace(/^\[|\]$/g, "").replace(/%.*$/, "");
  const family = isIP(bare);
  if (family === 4) return BLOCKED.check(bare, "ipv4");
  if (family === 6) {
    const v4 = embeddedIpv4(bare);
    if (v4 !== undefined) return BLOCKED.check(v4, "ipv4");
    return BLOCKED.check(bare, "ipv6");
  }
  return true; // not an address at all: refuse
}

/** A host name and the addresses the resolver gave for it. */
export interface Resolution {
  readonly host: string;
  readonly addresses: string[];
}

/** Why a target or subresource was refused: the registry's 400 CAPTURE_TARGET_PRIVATE / CAPTURE_TARGET_UNRESOLVED. */
export class TargetRefusedError extends AppError {
  declare readonly code: "CAPTURE_TARGET_PRIVATE" | "CAPTURE_TARGET_UNRESOLVED";
  constructor(code: TargetRefusedError["code"], message: string) {
    super(code, message);
    this.name = "TargetRefusedError";
  }
}

/** Resolves a host name the way the system resolver does (all addresses); a literal resolves to itself. */
export type Resolver = (host: string) => Promise<string[]>;

export const systemResolver: Resolver = async (host) => {
  const bare = host.replace(/^\[|\]$/g, "");
  if (isIP(bare)) return [bare];
  const answers = await lookup(bare, { all: true, verbatim: true });
  return answers.map((a) => a.address);
};

/**
 * Resolves `host` and refuses it when any of its addresses is blocked (a name that resolves to both
 * a public and a private address is refused: the browser might pick either), unless `allowPrivate`.
 *
 * @example
 * const r = await checkHost("example.com", { allowPrivate: false, resolve: systemResolver });
 */
export async function checkHost(host: string, options: { allowPrivate: boolean; resolve: Resolver; isBlocked?: (ip: string) => boolean }): Promise<Resolution> {
  let addresses: string[];
  try {
    addresses = await options.resolve(host);
  } catch (e) {
    throw new TargetRefusedError(
      "CAPTURE_TARGET_UNRESOLVED",
      `cannot resolve ${host}: ${(e as { code?: string }).code ?? (e instanceof Error ? e.message : String(e))}`,
    );
  }
  if (addresses.length === 0) throw new TargetRefusedError("CAPTURE_TARGET_UNRESOLVED", `${host} has no address`);
  if (!options.allowPrivate) {
    const blocked = addresses.find(options.isBlocked ?? isBlockedAddress);
    if (blocked !== undefined)
      throw new TargetRefusedError(
        "CAPTURE_TARGET_PRIVATE",
        `${host} resolves to ${blocked}, a loopback, private, link-local or reserved address (set CAPTURE_ALLOW_PRIVATE=true to allow)`,
      );
  }
  return { host, addresses };
}
