/** The verifier's chain registry and operator deployment lists: what the verdict says of chains comes from here. */
import { describe, expect, it } from "vitest";
import { createChainRegistry, DEFAULT_CHAIN_REGISTRY, explorerBlockUrl } from "../../../client-sdk/src/trust/chains.ts";
import { findOperatorDeployment, parseDeployments } from "../../../client-sdk/src/trust/deployments.ts";

describe("chain registry", () => {
  it("labels 31337 and 1337 development chains, whatever a user entry says", () => {
    expect(DEFAULT_CHAIN_REGISTRY.get(31337).development).toBe(true);
    expect(DEFAULT_CHAIN_REGISTRY.get(1337).development).toBe(true);
    expect(createChainRegistry([{ chainId: 31337, name: "Ethereum", development: false }]).get(31337)).toMatchObject({ name: "Ethereum", development: true });
  });

  it("offers https explorers only (http only on development chains), never with credentials or a query", () => {
    const r = createChainRegistry([
      {
        chainId: 5000,
        name: "x",
        explorers: [
          "http://explorer.example",
          "https://user:pw@explorer.example",
          "https://explorer.example/?a=1",
          "javascript:alert(1)",
          "https://ok.example",
        ],
      },
      { chainId: 1337, explorers: ["http://localhost:4000"] },
    ]);
    expect(r.get(5000).explorers).toEqual(["https://ok.example"]);
    expect(explorerBlockUrl(r.get(5000), 7)).toBe("https://ok.example/block/7");
    expect(explorerBlockUrl(r.get(1337), 7)).toBe("http://localhost:4000/block/7");
    expect(explorerBlockUrl(DEFAULT_CHAIN_REGISTRY.get(11155111), 12)).toBe("https://sepolia.etherscan.io/block/12");
  });

  it("knows nothing of an unknown chain: no name, no explorer, a cautious finality rule", () => {
    expect(DEFAULT_CHAIN_REGISTRY.get(999_999)).toMatchObject({
      known: false,
      explorers: [],
      development: false,
      finality: { kind: "confirmations", confirmations: 64 },
    });
  });
});

describe("operator deployment lists", () => {
  const address = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
  it("reads a deployments/<chainId>.json record, an array, and a /.well-known/priorproof.json document", () => {
    expect(parseDeployments({ chainId: 31337, address, deployBlock: 1 }, "deployments/31337.json")).toEqual([
      { chainId: 31337, address: address.toLowerCase(), source: "deployments/31337.json" },
    ]);
    expect(parseDeployments([{ chainId: 1, address }], "pinned")).toHaveLength(1);
    const list = parseDeployments(
      { format: "priorproof-service/1", operator: "x", deployments: [{ chainId: 11155111, address }] },
      "https://pp.example/.well-known/priorproof.json",
    );
    expect(findOperatorDeployment(list, 11155111, address.toUpperCase().replace("0X", "0x"))?.source).toBe("https://pp.example/.well-known/priorproof.json");
    expect(findOperatorDeployment(list, 1, address)).toBeUndefined();
  });

  it("refuses a malformed list (INVALID_DEPLOYMENTS)", () => {
    expect(() => parseDeployments({ chainId: 0, address }, "f")).toThrow(expect.objectContaining({ code: "INVALID_DEPLOYMENTS" }));
    expect(() => parseDeployments({ deployments: [{ chainId: 1, address: "0x12" }] }, "f")).toThrow(expect.objectContaining({ code: "INVALID_DEPLOYMENTS" }));
  });
});
