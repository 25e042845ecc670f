/** The IPFS node's settings (docs/configuration.md, "IPFS node"). */
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../server/src/config.ts";
import { isPrivateAddress } from "../../server/src/services/ipfs/node.ts";

describe("IPFS node settings", () => {
  it("listen on loopback only by default, with the DHT off and no delegated routing", () => {
    expect(loadConfig({}).ipfsNode).toEqual({ listen: ["/ip4/127.0.0.1/tcp/0", "/ip4/127.0.0.1/tcp/0/ws"], dht: false, bootstrap: [] });
  });

  it("are absent with IPFS_NODE=false or a Kubo backend (the Kubo node is the network node then)", () => {
    expect(loadConfig({ IPFS_NODE: "false" }).ipfsNode).toBeUndefined();
    expect(loadConfig({ IPFS_API_URL: "http://127.0.0.1:5001" }).ipfsNode).toBeUndefined();
  });

  it("take configured listen addresses, the DHT, a delegated router and bootstrap peers", () => {
    expect(
      loadConfig({
        IPFS_NODE_LISTEN: "/ip4/0.0.0.0/tcp/4001, /ip6/::/tcp/4002/ws",
        IPFS_NODE_DHT: "true",
        IPFS_NODE_DELEGATED_ROUTING_URL: "https://delegated-ipfs.dev",
        IPFS_NODE_BOOTSTRAP: "/dns4/peer.example/tcp/4001/p2p/12D3KooWAbc",
      }).ipfsNode,
    ).toEqual({
      listen: ["/ip4/0.0.0.0/tcp/4001", "/ip6/::/tcp/4002/ws"],
      dht: true,
      delegatedRoutingUrl: "https://delegated-ipfs.dev",
      bootstrap: ["/dns4/peer.example/tcp/4001/p2p/12D3KooWAbc"],
    });
  });

  it("refuse what the node cannot use: a UDP or WebRTC address, a bad flag, a non-http router", () => {
    expect(() => loadConfig({ IPFS_NODE_LISTEN: "/ip4/127.0.0.1/udp/0/webrtc-direct" })).toThrow(/not a TCP or WebSocket multiaddr/);
    expect(() => loadConfig({ IPFS_NODE: "yes" })).toThrow(/IPFS_NODE must be true or false/);
    expect(() => loadConfig({ IPFS_NODE_DHT: "1" })).toThrow(/IPFS_NODE_DHT must be true or false/);
    expect(() => loadConfig({ IPFS_NODE_DELEGATED_ROUTING_URL: "ftp://router" })).toThrow(/IPFS_NODE_DELEGATED_ROUTING_URL must be an http\(s\) URL/);
  });
});

describe("isPrivateAddress (which DHT the node joins)", () => {
  it("tells loopback and private networks from public addresses and the unspecified address", () => {
    for (const a of [
      "/ip4/127.0.0.1/tcp/0",
      "/ip4/10.1.2.3/tcp/4001",
      "/ip4/192.168.1.5/tcp/4001/ws",
      "/ip4/172.20.0.2/tcp/4001",
      "/ip6/::1/tcp/4001",
      "/ip6/fd12:3456::1/tcp/4001",
    ])
      expect(isPrivateAddress(a)).toBe(true);
    for (const a of [
      "/ip4/0.0.0.0/tcp/4001",
      "/ip4/203.0.113.9/tcp/4001",
      "/ip4/172.32.0.1/tcp/4001",
      "/ip6/::/tcp/4001",
      "/ip6/2001:db8::1/tcp/4001",
      "/dns4/node.example/tcp/4001",
    ])
      expect(isPrivateAddress(a)).toBe(false);
  });
});
