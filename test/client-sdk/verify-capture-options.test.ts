/**
 * `priorproof verify-capture` with the receipt trust options of `priorproof verify`, one by one, on a
 * real capture bundle: the service (anvil, SQLite, embedded IPFS, real Chromium) captures a local HTTPS
 * site with a test CA, its receipt carries an offline block proof and an RFC 3161 token from a real
 * `openssl ts` authority; a forged receipt anchored through a look-alike contract (real transaction on
 * the same anvil) stands for a receipt whose contract code is not a released build.
 */
import { createServer, type Server } from "node:net";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync, cpSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Contract, JsonRpcProvider, keccak256, NonceManager } from "ethers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import { fromHex, getLeafHash, parseVerdict, toHex, type Receipt } from "../../client-sdk/src/index.ts";
import { run, type Io } from "../../client-sdk/src/cli/main.ts";
import { anchorAll, buildTestApp, type TestApp } from "../helpers/app.ts";
import { makeTestPki, startHttpsSite, type HttpsSite } from "../helpers/https-site.ts";
import { deployLookAlike } from "../helpers/look-alike.ts";
import { createTestPki, startOpensslTsa, type OpensslTsa } from "../helpers/openssl-tsa.ts";
import { devWallet } from "../helpers/service.ts";

const work = mkdtempSync(join(tmpdir(), "pp-verify-capture-"));
const bundle = join(work, "bundle");
let t: TestApp;
let site: HttpsSite;
let tsa: OpensslTsa;
let receipt: Receipt;
let block: { chainId: number; number: number; hash: string };
let deploymentsFile: string;

interface Run {
  code: number;
  out: string[];
  err: string[];
  json?: Record<string, unknown>;
}
async function cli(...args: string[]): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (l) => out.push(l), err: (l) => err.push(l), progress: () => undefined, isTTY: false, env: {} };
  const code = await run(["verify-capture", ...args], io);
  return { code, out, err, ...(args.includes("--json") ? { json: JSON.parse(out.join("\n")) } : {}) };
}
async function rpc(method: string, params: unknown[]): Promise<unknown> {
  const res = await fetch(t.chain.rpcUrl, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  return ((await res.json()) as { result: unknown }).result;
}
const sha256 = (b: Uint8Array) => new Uint8Array(createHash("sha256").update(b).digest());
const file = (name: string, text: string) => {
  const path = join(work, name);
  writeFileSync(path, text);
  return path;
};

beforeAll(async () => {
  tsa = await startOpensslTsa();
  site = await startHttpsSite({ "/listing": { body: "<!doctype html><title>Listing 7</title><h1>ACME-like widget, 3 € off</h1>" } });
  t = await buildTestApp({
    CAPTURE_ALLOW_PRIVATE: "true",
    CAPTURE_TRUST_SPKI: makeTestPki().spki,
    CAPTURE_TIME_BUDGET_MS: "30000",
    TSA_URL: tsa.url,
    TSA_CA_FILE: tsa.caPath,
  });
  const auth = { authorization: `Bearer ${t.keys.acme}` };
  expect(
    (await t.app.inject({ method: "POST", url: "/v1/captures", headers: auth, payload: { url: `${site.url}/listing`, options: { settleMs: 100 } } }))
      .statusCode,
  ).toBe(202);
  const c = (await t.app.captures.runOnce())!;
  expect(c.status).toBe("complete");
  await anchorAll(t);
  expect(await t.app.timestamper!.tick()).toBe(1);
  mkdirSync(bundle);
  writeFileSync(join(bundle, "manifest.json"), (await t.app.inject({ method: "GET", url: `/v1/captures/${c.id}/manifest`, headers: auth })).rawPayload);
  for (const p of c.parts)
    writeFileSync(join(bundle, p.name), (await t.app.inject({ method: "GET", url: `/v1/captures/${c.id}/parts/${p.name}`, headers: auth })).rawPayload);
  const text = (await t.app.inject({ method: "GET", url: `/v1/entries/${c.entryId}/receipt`, headers: auth })).body;
  writeFileSync(join(bundle, "receipt.json"), text);
  receipt = JSON.parse(text);
  expect(receipt.anchors.map((a) => a.type)).toEqual(["evm", "rfc3161"]);
  const evm = receipt.anchors[0]!;
  if (evm.type !== "evm") throw new Error("no evm anchor");
  expect(evm.inclusion, "the receipt carries the offline block proof").toBeDefined();
  // The block hash as the test reads it from the chain itself (never copied from the receipt).
  const b = (await rpc("eth_getBlockByNumber", [`0x${evm.blockNumber.toString(16)}`, false])) as { hash: string };
  block = { chainId: evm.chainId, number: evm.blockNumber, hash: b.hash };
  deploymentsFile = join(t.config.chains[0]!.deploymentsDir, `${t.chain.chainId}.json`);
}, 180_000);
afterAll(async () => {
  await t?.close();
  await site?.close();
  await tsa?.close();
  rmSync(work, { recursive: true, force: true });
});

describe("verify-capture --offline", () => {
  it("uses no network: proves the parts, the leaf and the block proof, and leaves the block hash as TODO (exit 1)", async () => {
    const r = await cli(bundle, "--offline");
    expect(r.code, [...r.out, ...r.err].join("\n")).toBe(1);
    expect(r.out.filter((l) => l.startsWith("PASS  Part "))).toHaveLength(5);
    // The SDK hashes the manifest with both families: the receipt/2 SHA3-256 is compared, not skipped.
    expect(r.out.some((l) => l.startsWith("PASS  The file's SHA3-256 is the receipt's"))).toBe(true);
    expect(
      r.out.some(
        (l) =>
          l.startsWith(`TODO  one fact left: block ${block.number} of chain ${block.chainId}`) &&
          l.includes(`--checkpoint ${block.chainId}:${block.number}:<hash you read>`),
      ),
    ).toBe(true);
    expect(r.out.at(-1)).toMatch(/^NOT VERIFIED YET: proven offline except — /);
  });

  it("refuses --offline with --rpc (exit 2)", async () => {
    const r = await cli(bundle, "--offline", "--rpc", t.chain.rpcUrl);
    expect(r.code, [...r.out, ...r.err].join("\n")).toBe(2);
    expect(r.err.join("\n")).toContain("--offline uses no network at all");
  });
});

describe("verify-capture --checkpoint / --checkpoints", () => {
  it("verifies offline when a checkpoint you read pins the anchoring block (exit 0)", async () => {
    const r = await cli(bundle, "--offline", "--checkpoint", `${block.chainId}:${block.number}:${block.hash}`);
    expect(r.code, [...r.out, ...r.err].join("\n")).toBe(0);
    expect(r.out.some((l) => l.startsWith("FACT  anchors[0]:") && l.includes(`block ${block.number}`))).toBe(true);
    expect(r.out.at(-1)).toMatch(/^VERIFIED: capture of https:\/\/127\.0\.0\.1:\d+\/listing — every part matches the manifest/);
  });

  it("reads them from a file with comments; the same hash pinned for another chain is refused (CHECKPOINT_CHAIN_MISMATCH)", async () => {
    const good = file("checkpoints.txt", `# read from my own node\n${block.chainId}:${block.number}:${block.hash}  # block ${block.number}\n`);
    const ok = await cli(bundle, "--offline", "--checkpoints", good);
    expect(ok.code, [...ok.out, ...ok.err].join("\n")).toBe(0);
    const other = file("other-chain.txt", `1:${block.number}:${block.hash}\n`);
    const r = await cli(bundle, "--offline", "--checkpoints", other);
    expect(r.code, [...r.out, ...r.err].join("\n")).toBe(1);
    expect(r.out.at(-1), r.out.join("\n")).toMatch(/^NOT VERIFIED: .*: CHECKPOINT_CHAIN_MISMATCH$/);
    expect((await cli(bundle, "--checkpoint", "31337:12:0x1234")).code).toBe(2);
  });
});

describe("verify-capture --tsa-ca", () => {
  it("counts the RFC 3161 token as a witness with the TSA's CA, offline (exit 0); a foreign CA fails it with TSA_UNTRUSTED", async () => {
    const without = await cli(bundle, "--offline");
    expect(without.out.some((l) => l.startsWith("TODO  time-stamp token not checked: give --tsa-ca"))).toBe(true);
    const ok = await cli(bundle, "--offline", "--tsa-ca", tsa.caPath);
    expect(ok.code, [...ok.out, ...ok.err].join("\n")).toBe(0);
    expect(ok.out.some((l) => l.startsWith("FACT  anchors[1]: RFC 3161 token by"))).toBe(true);
    const foreign = await createTestPki();
    const bad = await cli(bundle, "--offline", "--tsa-ca", file("foreign-ca.pem", foreign.caPem));
    expect(bad.code, [...bad.out, ...bad.err].join("\n")).toBe(1);
    expect(bad.out.some((l) => l.startsWith("FAIL  ") && l.includes("TSA_UNTRUSTED"))).toBe(true);
  }, 60_000);
});

describe("verify-capture --rpc and --rpc-timeout", () => {
  it("verifies over RPC (exit 0)", async () => {
    const r = await cli(bundle, "--rpc", t.chain.rpcUrl);
    expect(r.code, [...r.out, ...r.err].join("\n")).toBe(0);
    expect(r.out.some((l) => l.startsWith("FACT  anchors[0]:") && l.includes(" runs "))).toBe(true);
  });

  it("gives up a silent node after --rpc-timeout seconds: exit 2, RPC_TIMEOUT, the URL (and its key) never printed", async () => {
    const silent: Server = createServer(() => undefined); // accepts, never answers
    await new Promise<void>((ok) => silent.listen(0, "127.0.0.1", ok));
    const port = (silent.address() as { port: number }).port;
    try {
      const started = performance.now();
      const r = await cli(bundle, "--rpc", `http://127.0.0.1:${port}/v3/SECRETKEY123456`, "--rpc-timeout", "1");
      const ms = performance.now() - started;
      expect(r.code, [...r.out, ...r.err].join("\n")).toBe(2);
      expect(r.err.join("\n")).toMatch(/RPC_TIMEOUT: --rpc #1/);
      expect([...r.out, ...r.err].join("\n")).not.toContain("SECRETKEY123456");
      expect(ms).toBeLessThan(5_000);
      expect((await cli(bundle, "--rpc", t.chain.rpcUrl, "--rpc-timeout", "0")).code).toBe(2);
    } finally {
      silent.close();
    }
  });
});

describe("verify-capture --deployments and --min-confirmations", () => {
  it("says the deployment is the operator's only with the operator's list; a finality policy above the depth warns NOT_FINAL", async () => {
    const other = (await cli(bundle, "--rpc", t.chain.rpcUrl, "--json")).json!;
    const witnessesOf = (j: Record<string, unknown>) =>
      (j.receipt as { witnesses: { type: string; deployment?: string }[] }).witnesses.filter((w) => w.type === "evm");
    expect(witnessesOf(other)[0]!.deployment).toBe("other");
    const operator = await cli(bundle, "--rpc", t.chain.rpcUrl, "--deployments", deploymentsFile, "--json");
    expect(operator.code, [...operator.out, ...operator.err].join("\n")).toBe(0);
    expect(witnessesOf(operator.json!)[0]!.deployment).toBe("operator");

    const strict = await cli(bundle, "--rpc", t.chain.rpcUrl, "--min-confirmations", "1000");
    expect(strict.code, [...strict.out, ...strict.err].join("\n")).toBe(0);
    expect(strict.out.some((l) => l.startsWith("WARN  NOT_FINAL"))).toBe(true);
    expect(strict.out.at(-1)).toMatch(/^VERIFIED: capture of .* — NOT FINAL \(see the warnings above\)$/);
    expect((await cli(bundle, "--min-confirmations", "0")).code).toBe(2);
  });
});

describe("verify-capture --trust-code-hash", () => {
  it("refuses a receipt anchored through a look-alike contract (CONTRACT_CODE_UNKNOWN) unless you trust its code hash", async () => {
    // A forger anchors the manifest's leaf through a look-alike of EvidenceAnchor: a real transaction.
    const provider = new JsonRpcProvider(t.chain.rpcUrl, t.chain.chainId, { staticNetwork: true });
    try {
      const forger = new NonceManager(devWallet(4).connect(provider));
      // Its getAnchor answers the block and time its own anchoring transaction gets (anvil mines one
      // block per transaction; the test sets that block's time), so only its code gives it away.
      const head = await provider.getBlock("latest");
      const anchorTime = head!.timestamp + 10;
      const lookAlike = await deployLookAlike(forger, BigInt(anchorTime), BigInt(head!.number + 2));
      await rpc("evm_setNextBlockTimestamp", [anchorTime]);
      const manifest = readFileSync(join(bundle, "manifest.json"));
      const salt = fromHex(`0x${"5a".repeat(16)}`, 16);
      const leaf = toHex(getLeafHash(sha256(manifest), undefined, salt));
      const tx = (await (await new Contract(lookAlike, ["function anchor(bytes32 root, uint64 treeSize)"], forger).getFunction("anchor")(leaf, 1n)).wait())!;
      expect([tx.blockNumber, (await provider.getBlock(tx.blockNumber))!.timestamp]).toEqual([head!.number + 2, anchorTime]);
      const b = (await provider.getBlock(tx.blockNumber))!;
      const time = new Date(b.timestamp * 1000).toISOString().replace(".000Z", "Z");
      const forged: Receipt = {
        version: "priorproof-receipt/1",
        id: "01FORGED00000000000000000",
        subject: { sha256: toHex(sha256(manifest)) },
        leaf: { encoding: "priorproof-leaf/1", claimSha256: null, salt: toHex(salt), hash: leaf },
        service: { operator: "forger", receivedAt: time, software: "priorproof/0.1.0" },
        anchors: [
          {
            type: "evm",
            proof: { root: leaf, treeSize: 1, index: 0, path: [] },
            chainId: t.chain.chainId,
            chainName: "anvil",
            development: true,
            contract: lookAlike.toLowerCase() as `0x${string}`,
            txHash: tx.hash as `0x${string}`,
            blockNumber: tx.blockNumber,
            blockHash: b.hash as `0x${string}`,
            blockTime: time,
            confirmations: 1,
            requiredConfirmations: 1,
          },
        ],
        issuedAt: time,
      };
      const forgedPath = file("forged-receipt.json", JSON.stringify(forged));
      const refused = await cli(bundle, "--receipt", forgedPath, "--rpc", t.chain.rpcUrl);
      expect(refused.code, [...refused.out, ...refused.err].join("\n")).toBe(1);
      expect(refused.out.some((l) => l.startsWith("FAIL  ") && l.includes("CONTRACT_CODE_UNKNOWN"))).toBe(true);
      const codeHash = keccak256((await provider.getCode(lookAlike)) as string);
      const trusted = await cli(bundle, "--receipt", forgedPath, "--rpc", t.chain.rpcUrl, "--trust-code-hash", codeHash);
      expect(trusted.code, [...trusted.out, ...trusted.err].join("\n")).toBe(0);
      expect(trusted.out.some((l) => l.startsWith("WARN  CODE_TRUSTED_BY_USER"))).toBe(true);
      expect((await cli(bundle, "--rpc", t.chain.rpcUrl, "--trust-code-hash", "0x1234")).code).toBe(2);
    } finally {
      provider.destroy();
    }
  }, 120_000);
});

describe("verify-capture --json", () => {
  it("prints the capture's checks, the parts that failed, hints, and the receipt's verdict in the schema of POST /v1/verify", async () => {
    const ok = await cli(bundle, "--rpc", t.chain.rpcUrl, "--tsa-ca", tsa.caPath, "--json");
    expect(ok.code, [...ok.out, ...ok.err].join("\n")).toBe(0);
    expect(ok.json, JSON.stringify(ok.json?.hints)).toMatchObject({
      source: bundle,
      url: `${site.url}/listing`,
      verified: true,
      offline: false,
      failedParts: [],
      hints: [],
    });
    const verdict = parseVerdict(ok.json!.receipt);
    expect(verdict.verified).toBe(true);
    expect(verdict).not.toHaveProperty("receipt");

    const offline = await cli(bundle, "--offline", "--json");
    expect(offline.code, [...offline.out, ...offline.err].join("\n")).toBe(1);
    expect(parseVerdict(offline.json!.receipt).remaining.map((f) => f.scope)).toContain("block-hash");
    expect((offline.json!.hints as string[]).some((h) => h.startsWith("one fact left"))).toBe(true);

    const changed = join(work, "changed");
    cpSync(bundle, changed, { recursive: true });
    const dom = readFileSync(join(changed, "dom.html"));
    dom[10]! ^= 0x01;
    writeFileSync(join(changed, "dom.html"), dom);
    const bad = await cli(changed, "--rpc", t.chain.rpcUrl, "--json");
    expect(bad.code, [...bad.out, ...bad.err].join("\n")).toBe(1);
    expect(bad.json).toMatchObject({ verified: false, failedParts: ["dom.html"] });
  });

  it("refuses a receipt with a member name twice (strict I-JSON): exit 2, DUPLICATE_KEY", async () => {
    const text = readFileSync(join(bundle, "receipt.json"), "utf8").replace(/^\{/, '{"id":"01DUPLICATE0000000000000000",');
    const r = await cli(bundle, "--receipt", file("dup.json", text), "--offline", "--json");
    expect(r.code, [...r.out, ...r.err].join("\n")).toBe(2);
    expect((r.json as { error: { code: string } }).error.code).toBe("DUPLICATE_KEY");
  });
});
