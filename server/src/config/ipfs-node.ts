/** The embedded store's IPFS node (libp2p, Bitswap): IPFS_NODE, IPFS_NODE_LISTEN, _DHT, _BOOTSTRAP, _DELEGATED_ROUTING_URL. */
import { ConfigError, type Env } from "./env.ts";

export interface IpfsNodeSettings {
  /** libp2p listen multiaddrs (TCP and WebSocket). */
  readonly listen: readonly string[];
  /** Run the Amino DHT in server mode and announce published content on it. */
  readonly dht: boolean;
  /** Delegated Routing V1 HTTP endpoint. */
  readonly delegatedRoutingUrl?: string;
  /** Peers dialled at start (multiaddrs with /p2p/), e.g. DHT bootstrap peers. */
  readonly bootstrap: readonly string[];
}

/** Loopback only, ports chosen at start: reachable from this host, never from the network unless configured. */
const DEFAULT_IPFS_NODE_LISTEN = "/ip4/127.0.0.1/tcp/0,/ip4/127.0.0.1/tcp/0/ws";

export function parseIpfsNode(env: Env): IpfsNodeSettings | undefined {
  const enabled = env.IPFS_NODE ?? "true";
  if (enabled !== "true" && enabled !== "false") throw new ConfigError(`IPFS_NODE must be true or false, got ${JSON.stringify(enabled)}`);
  if (enabled === "false" || env.IPFS_API_URL) return undefined;
  const list = (key: string, fallback = "") =>
    (env[key] ?? fallback)
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
  const listen = list("IPFS_NODE_LISTEN", DEFAULT_IPFS_NODE_LISTEN);
  for (const address of [...listen, ...list("IPFS_NODE_BOOTSTRAP")]) {
    if (!/^\/(ip4|ip6|dns|dns4|dns6)\/[^/]+\/tcp\/\d+(\/(ws|wss|p2p\/\w+))*$/.test(address))
      throw new ConfigError(`not a TCP or WebSocket multiaddr: ${JSON.stringify(address)} (IPFS_NODE_LISTEN, IPFS_NODE_BOOTSTRAP)`);
  }
  const dht = env.IPFS_NODE_DHT ?? "false";
  if (dht !== "true" && dht !== "false") throw new ConfigError(`IPFS_NODE_DHT must be true or false, got ${JSON.stringify(dht)}`);
  const routingUrl = env.IPFS_NODE_DELEGATED_ROUTING_URL;
  if (routingUrl) {
    let ok = false;
    try {
      ok = ["http:", "https:"].includes(new URL(routingUrl).protocol);
    } catch {
      // reported below
    }
    if (!ok) throw new ConfigError(`IPFS_NODE_DELEGATED_ROUTING_URL must be an http(s) URL, got ${JSON.stringify(routingUrl)}`);
  }
  return { listen, dht: dht === "true", ...(routingUrl ? { delegatedRoutingUrl: routingUrl } : {}), bootstrap: list("IPFS_NODE_BOOTSTRAP") };
}
