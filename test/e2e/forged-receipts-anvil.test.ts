/**
 * Forged receipts against every verifier — the SDK, the `priorproof verify` CLI (a child process),
 * `POST /v1/verify` (the real app in-process) and the verify page (Debian Chromium) — on a real anvil
 * chain whose genesis lies 420 days in the past, so that genuinely old blocks exist to backdate to.
 *
 * Each forgery is refused with its own code, within the 2 s bound; a genuine receipt still verifies.
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Contract, JsonRpcProvider, NonceManager } from "ethers";
import type { FastifyInstance } from "fastify";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  cachedChainReader,
  createChainReader,
  fromHex,
  getLeafHash,
  parseStrictJson,
  toHex,
  verifyReceipt,
  type Receipt,
  type Verdict,
  type VerifyOptions,
} from "../../client-sdk/src/index.ts";
import { KNOWN_ANCHOR_BUILDS } from "../../client-sdk/src/trust/builds.ts";
import { buildApp } from "../../server/src/app.ts";
import { ensureDeployment, type Deployment } from "../../server/src/chain/deploy.ts";
import { startDevChain, type DevChain } from "../../server/src/chain/devchain.ts";
import { loadConfig } from "../../server/src/config.ts";
import { createTenantKey } from "../../server/src/services/keys.ts";
import { anchorAll, type TestApp } from "../helpers/app.ts";
import { launchBrowser } from "../helpers/browser.ts";
import { deployLookAlike } from "../helpers/look-alike.ts";
import { devWallet } from "../helpers/service.ts";

const DAY = 86_400;
const dir = mkdtempSync(join(tmpdir(), "pp-forged-"));
let chain: DevChain;
let provider: JsonRpcProvider;
let app: FastifyInstance;
let apiKey: string;
let operator: Deployment;
let stranger: Deployment;
let lookAlike: string;
let lookAlikeTx: string;
let old: { number: number; hash: string; time: string };
let genuine: Receipt;
let genuineFile: Buffer;
let strangerReceipt: Receipt;
let strangerFile: Buffer;
const neverStamped = Buffer.from("a design that was never stamped by anyone\n");

const sha256 = (b: Uint8Array) => new Uint8Array(createHash("sha256").update(b).digest());
const sha3 = (b: Uint8Array) => new Uint8Array(createHash("sha3-256").update(b).digest());
const rpc = (method: string, params: unknown[] = []) => provider.send(method, params);
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
const failedCodes = (v: { checks: readonly { status: string; code?: string }[] }) => v.checks.filter((c) => c.status === "failed").map((c) => c.code);

/** The SDK as a user runs it: a fresh reader of the chain, the verifier's time measured. */
async function sdkVerify(receipt: unknown, file: Uint8Array, options: VerifyOptions = {}): Promise<Verdict & { ms: number }> {
  const reader = createChainReader(chain.rpcUrl, { timeoutMs: 5_000 });
  const t0 = performance.now();
  const v = await verifyReceipt(receipt, { sha256: sha256(file), sha3_256: sha3(file), chains: { "31337": cachedChainReader(reader) }, ...options });
  return { ...v, ms: performance.now() - t0 };
}

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string; ms: number }> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--conditions=source", "client-sdk/src/cli/main.ts", ...args], { env: { PATH: process.env.PATH ?? "" } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr, ms: performance.now() - t0 }));
  });
}

/** Writes the file and the receipt (as text, so a forger's exact bytes can be kept) and runs `priorproof verify`. */
async function cliVerify(
  name: string,
  file: Uint8Array,
  receipt: unknown,
  extra: string[] = ["--rpc", ""],
): Promise<{ code: number; stdout: string; stderr: string; ms: number }> {
  const f = join(dir, `${name}.bin`);
  const r = join(dir, `${name}.receipt.json`);
  writeFileSync(f, file);
  writeFileSync(r, typeof receipt === "string" ? receipt : JSON.stringify(receipt, null, 2));
  return cli(["verify", f, r, ...extra.map((a) => (a === "" ? chain.rpcUrl : a))]);
}

async function postVerify(receipt: unknown, file: Uint8Array): Promise<{ status: number; body: Record<string, unknown> & Partial<Verdict> }> {
  const payload =
    typeof receipt === "string" ? `{"receipt":${receipt},"sha256":"${toHex(sha256(file))}"}` : JSON.stringify({ receipt, sha256: toHex(sha256(file)) });
  const res = await app.inject({ method: "POST", url: "/v1/verify", headers: { "content-type": "application/json" }, payload });
  return { status: res.statusCode, body: res.json() };
}

beforeAll(async () => {
  const now = Math.floor(Date.now() / 1000);
  chain = await startDevChain({ dataDir: join(dir, "chain"), genesisTimestamp: now - 420 * DAY });
  provider = new JsonRpcProvider(chain.rpcUrl, chain.chainId, { staticNetwork: true });
  // Old blocks, 420 days ago; then the chain's clock jumps to today.
  for (let i = 0; i < 3; i++) await rpc("evm_mine");
  const b = (await rpc("eth_getBlockByNumber", ["0x2", false])) as { hash: string; timestamp: string };
  old = { number: 2, hash: b.hash, time: new Date(Number(b.timestamp) * 1000).toISOString().replace(".000Z", "Z") };
  await rpc("evm_setNextBlockTimestamp", [now]);
  await rpc("evm_mine");

  // The operator's deployment (the service's), and a stranger's deployment of the same genuine build.
  operator = await ensureDeployment({
    deployer: new NonceManager(devWallet(0).connect(provider)),
    anchorers: [devWallet(1).address],
    deploymentsDir: join(dir, "deployments"),
  });
  stranger = await ensureDeployment({
    deployer: new NonceManager(devWallet(2).connect(provider)),
    anchorers: [devWallet(3).address],
    deploymentsDir: join(dir, "stranger"),
  });
  expect(stranger.address).not.toBe(operator.address);
  // The look-alike: claims block 2 (420 days ago) for every root, and emits Anchored for anything.
  const forger = new NonceManager(devWallet(4).connect(provider));
  lookAlike = await deployLookAlike(forger, BigInt(Date.parse(old.time) / 1000), 2n);

  const config = loadConfig({
    DATA_DIR: join(dir, "data"),
    RPC_URL: chain.rpcUrl,
    CHAIN_ID: String(chain.chainId),
    CHAIN_DEVELOPMENT: "true",
    CONFIRMATIONS: "1",
    ANCHORER_PRIVATE_KEY: devWallet(1).privateKey,
    DEPLOYMENTS_DIR: join(dir, "deployments"),
    WORKERS: "false",
    LOG_LEVEL: "silent",
  });
  app = await buildApp(config, { logger: false });
  await app.ready();
  apiKey = (await createTenantKey(app.store, "acme", "test")).key;

  // A genuine receipt from the service.
  genuineFile = Buffer.from("housing revision 7, genuinely stamped\n");
  const stamped = await app.inject({
    method: "POST",
    url: "/v1/stamps",
    headers: { authorization: `Bearer ${apiKey}` },
    payload: { items: [{ sha256: toHex(sha256(genuineFile)) }] },
  });
  const id = (stamped.json() as { entries: { id: string }[] }).entries[0]!.id;
  await anchorAll({ app } as TestApp);
  genuine = parseStrictJson(
    (await app.inject({ method: "GET", url: `/v1/entries/${id}/receipt`, headers: { authorization: `Bearer ${apiKey}` } })).body,
  ) as Receipt;

  // The forger anchors the never-stamped file's leaf through the look-alike (a real transaction, today).
  const salt = fromHex(`0x${"5a".repeat(16)}`, 16);
  const leaf = toHex(getLeafHash(sha256(neverStamped), undefined, salt));
  const la = new Contract(lookAlike, ["function anchor(bytes32 root, uint64 treeSize)"], forger);
  lookAlikeTx = (await (await la.getFunction("anchor")(leaf, 1n)).wait())!.hash;

  // The stranger's deployment anchors a real root for its own file.
  strangerFile = Buffer.from("stamped through someone else's EvidenceAnchor\n");
  const sLeaf = toHex(getLeafHash(sha256(strangerFile), undefined, salt));
  const sc = new Contract(stranger.address, ["function anchor(bytes32 root, uint64 treeSize)"], new NonceManager(devWallet(3).connect(provider)));
  const sTx = (await (await sc.getFunction("anchor")(sLeaf, 1n)).wait())!;
  const sBlock = (await provider.getBlock(sTx.blockNumber))!;
  strangerReceipt = forge(sLeaf, salt, strangerFile, {
    contract: stranger.address,
    txHash: sTx.hash,
    blockNumber: sTx.blockNumber,
    blockHash: sBlock.hash!,
    blockTime: new Date(sBlock.timestamp * 1000).toISOString().replace(".000Z", "Z"),
  });
  await rpc("evm_mine");
  await rpc("evm_mine");
}, 180_000);

afterAll(async () => {
  await app?.close();
  provider?.destroy();
  await chain?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** A one-leaf receipt for `file` naming the given anchor facts (what a forger writes by hand). */
function forge(
  leaf: string,
  salt: Uint8Array,
  file: Uint8Array,
  a: { contract: string; txHash: string; blockNumber: number; blockHash: string; blockTime: string },
): Receipt {
  return {
    version: "priorproof-receipt/1",
    id: "01FORGED00000000000000000",
    subject: { sha256: toHex(sha256(file)) },
    leaf: { encoding: "priorproof-leaf/1", claimSha256: null, salt: toHex(salt), hash: leaf as `0x${string}` },
    service: { operator: "PriorProof e2e test operator", receivedAt: a.blockTime, software: "priorproof/0.1.0" },
    anchors: [
      {
        type: "evm",
        proof: { root: leaf as `0x${string}`, treeSize: 1, index: 0, path: [] },
        chainId: 31337,
        chainName: "anvil (development chain)",
        development: true,
        contract: a.contract.toLowerCase() as `0x${string}`,
        txHash: a.txHash as `0x${string}`,
        blockNumber: a.blockNumber,
        blockHash: a.blockHash as `0x${string}`,
        blockTime: a.blockTime,
        confirmations: 100,
        requiredConfirmations: 2,
      },
    ],
    issuedAt: a.blockTime,
  };
}

function lookAlikeReceipt(): Receipt {
  const salt = fromHex(`0x${"5a".repeat(16)}`, 16);
  const leaf = toHex(getLeafHash(sha256(neverStamped), undefined, salt));
  return forge(leaf, salt, neverStamped, { contract: lookAlike, txHash: lookAlikeTx, blockNumber: old.number, blockHash: old.hash, blockTime: old.time });
}

describe("a look-alike contract that answers 'anchored' for everything, with a block 400+ days old", () => {
  it("the chain really has that old block (the forgery's dates are the chain's own)", () => {
    expect(Date.now() / 1000 - Date.parse(old.time) / 1000).toBeGreaterThan(400 * DAY);
  });

  it("is refused by the SDK with CONTRACT_CODE_UNKNOWN, printing no old date, within 2 s", async () => {
    const v = await sdkVerify(lookAlikeReceipt(), neverStamped);
    expect(v.verified).toBe(false);
    expect(failedCodes(v)).toEqual(["CONTRACT_CODE_UNKNOWN"]);
    expect(v.existedNoLaterThan).toBeUndefined();
    expect(v.witnesses).toEqual([]);
    expect(v.ms).toBeLessThan(2_000);
  });

  it("is refused by the CLI: exit 1, CONTRACT_CODE_UNKNOWN", async () => {
    const r = await cliVerify("look-alike", neverStamped, lookAlikeReceipt());
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toMatch(
      /FAIL {2}Root is anchored on .*: CONTRACT_CODE_UNKNOWN: the code at 0x[0-9a-f]{40} on chain 31337 .* is no released EvidenceAnchor build/,
    );
    expect(r.stdout).toMatch(/^NOT VERIFIED: .*CONTRACT_CODE_UNKNOWN$/m);
    expect(r.stdout).not.toMatch(/^VERIFIED/m);
  }, 60_000);

  it("is refused by POST /v1/verify: verified false, CONTRACT_CODE_UNKNOWN", async () => {
    const r = await postVerify(lookAlikeReceipt(), neverStamped);
    expect(r.status).toBe(200);
    expect(r.body.verified).toBe(false);
    expect(failedCodes(r.body as Verdict)).toEqual(["CONTRACT_CODE_UNKNOWN"]);
  });

  it("is still refused when the forger names the old block's own transaction instead (the look-alike had no code then)", async () => {
    const r = lookAlikeReceipt();
    const tx = (await rpc("eth_getBlockByNumber", ["0x1", false])) as { transactions: string[] };
    (r.anchors[0] as { txHash: string }).txHash = tx.transactions[0] ?? `0x${"11".repeat(32)}`;
    const v = await sdkVerify(r, neverStamped);
    expect(v.verified).toBe(false);
    expect(failedCodes(v)).toEqual(["CONTRACT_CODE_UNKNOWN"]);
  });

  it(
    "verifies only when the user explicitly trusts that code hash, and then with " + "the time of the look-alike's own transaction, never the old block",
    async () => {
      const code = (await rpc("eth_getCode", [lookAlike, "latest"])) as string;
      const { keccak256 } = await import("ethers");
      const v = await sdkVerify(lookAlikeReceipt(), neverStamped, { trustedCodeHashes: [keccak256(code)] });
      // Trusted, the look-alike's Anchored log is a real witness — of today's block: the receipt's old block and time are refused.
      expect(v.verified).toBe(false);
      expect(failedCodes(v)).toEqual(["BLOCK_NUMBER_MISMATCH"]);
    },
  );
});

describe("a genuine receipt", () => {
  it("verifies in the SDK with the chain's own facts, deployment 'operator' against the operator's list", async () => {
    const v = await sdkVerify(genuine, genuineFile, {
      deployments: [{ chainId: 31337, address: operator.address.toLowerCase() as `0x${string}`, source: "deployments/31337.json" }],
    });
    expect(v.verified, JSON.stringify(v.checks)).toBe(true);
    expect(v.witnesses[0]).toMatchObject({
      via: "rpc",
      deployment: "operator",
      deploymentSource: "deployments/31337.json",
      codeHash: KNOWN_ANCHOR_BUILDS[0]!.codeHash,
      codeCheckedAt: "anchor-block",
      development: true,
    });
    expect(v.warnings.map((w) => w.code)).toContain("DEVELOPMENT_CHAIN");
  });

  it("survives the HTTP round trip of POST /v1/verify exactly as the SDK returns it, with remaining and warnings", async () => {
    // Two anchors: the service's, verified; a copy relabelled as Sepolia (no RPC there) leaves a fact remaining.
    const r = clone(genuine);
    const copy = clone(r.anchors[0]!) as Receipt["anchors"][number] & { chainId: number; chainName: string; development: boolean };
    copy.chainId = 11155111;
    copy.development = false;
    (r as unknown as { anchors: unknown[] }).anchors = [r.anchors[0], copy];
    const http = await postVerify(r, genuineFile);
    expect(http.status).toBe(200);
    const local = await verifyReceipt(r, {
      sha256: sha256(genuineFile),
      chains: { "31337": createChainReader(chain.rpcUrl) },
      deployments: [{ chainId: 31337, address: operator.address.toLowerCase() as `0x${string}`, source: "this service's deployment record" }],
    });
    expect(http.body.remaining!.length).toBeGreaterThan(0);
    expect(http.body.warnings!.length).toBeGreaterThan(0);
    const strip = (v: Verdict) =>
      JSON.parse(
        JSON.stringify({
          ...v,
          checks: v.checks.map((c) => ({ ...c, detail: c.detail.replace(/\d+ confirmations, [^;]*$/, "") })),
          witnesses: v.witnesses.map(({ confirmations: _c, final: _f, ...w }) => w),
          warnings: v.warnings.filter((w) => w.code !== "NOT_FINAL"),
        }),
      ) as unknown;
    expect(strip(http.body as Verdict)).toEqual(strip(local));
  });

  it("is shown 'not final' when below the verifier's policy: SDK warning, CLI WARN line, POST /v1/verify warning", async () => {
    const v = await sdkVerify(genuine, genuineFile, { minConfirmations: 1_000 });
    expect(v.verified).toBe(true);
    expect(v.warnings.map((w) => w.code)).toContain("NOT_FINAL");
    const r = await cliVerify("not-final", genuineFile, genuine, ["--rpc", "", "--min-confirmations", "1000"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^WARN {2}NOT_FINAL: /m);
    expect(r.stdout).toMatch(/^VERIFIED \(NOT FINAL\): /m);
    // The service judges by the registry's rule for a development chain (2 confirmations): a receipt
    // fresh from the chain's head (1 confirmation) is verified, not final.
    const fresh = Buffer.from("stamped a moment ago\n");
    const stamped = await app.inject({
      method: "POST",
      url: "/v1/stamps",
      headers: { authorization: `Bearer ${apiKey}` },
      payload: { items: [{ sha256: toHex(sha256(fresh)) }] },
    });
    await anchorAll({ app } as TestApp);
    const id = (stamped.json() as { entries: { id: string }[] }).entries[0]!.id;
    const receipt = parseStrictJson(
      (await app.inject({ method: "GET", url: `/v1/entries/${id}/receipt`, headers: { authorization: `Bearer ${apiKey}` } })).body,
    );
    const http = await postVerify(receipt, fresh);
    expect(http.body.verified).toBe(true);
    expect(http.body.warnings!.map((w) => w.code)).toContain("NOT_FINAL");
    expect(http.body.witnesses![0]).toMatchObject({ final: false, confirmations: 1 });
  }, 60_000);
});

describe("someone else's deployment of the genuine bytecode", () => {
  it("verifies (a released build proves a true time) but the verdict states deployment 'other', in the SDK, the CLI and POST /v1/verify", async () => {
    const v = await sdkVerify(strangerReceipt, strangerFile, {
      deployments: [{ chainId: 31337, address: operator.address.toLowerCase() as `0x${string}`, source: "deployments/31337.json" }],
    });
    expect(v.verified, JSON.stringify(v.checks)).toBe(true);
    expect(v.witnesses[0]).toMatchObject({ deployment: "other", contract: stranger.address.toLowerCase() });
    expect(v.checks.find((c) => c.id === "anchors[0].deployment")?.detail).toMatch(/not in the operator deployments this verifier holds/);
    const deployments = join(dir, "operator-deployments.json");
    writeFileSync(deployments, JSON.stringify(operator));
    const r = await cliVerify("stranger", strangerFile, strangerReceipt, ["--rpc", "", "--deployments", deployments]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/deployment: other — not in the operator deployments you gave/);
    const http = await postVerify(strangerReceipt, strangerFile);
    expect(http.body.verified).toBe(true);
    expect(http.body.witnesses![0]).toMatchObject({ deployment: "other" });
  }, 60_000);
});

describe("the operator's published deployments", () => {
  it("GET /.well-known/priorproof.json lists them, and the CLI given that document says 'operator' for the service's own receipt", async () => {
    const res = await app.inject({ method: "GET", url: "/.well-known/priorproof.json" });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      format: "priorproof-service/1",
      deployments: [{ chainId: 31337, address: operator.address.toLowerCase(), codeHash: KNOWN_ANCHOR_BUILDS[0]!.codeHash }],
    });
    const wellKnown = join(dir, "well-known.json");
    writeFileSync(wellKnown, res.body);
    const r = await cliVerify("well-known", genuineFile, genuine, ["--rpc", "", "--deployments", wellKnown]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`deployment: operator (${wellKnown})`);
  }, 60_000);
});

describe("receipts edited field by field", () => {
  const cases: { name: string; edit: (r: Receipt & Record<string, unknown>) => void; code: string; exit: number; file?: () => Buffer }[] = [
    {
      name: "an EOA as the contract",
      edit: (r) => void ((r.anchors[0] as { contract: string }).contract = devWallet(5).address.toLowerCase()),
      code: "CONTRACT_MISSING",
      exit: 1,
    },
    {
      name: "an unrelated txHash (the contract's deployment)",
      edit: (r) => void ((r.anchors[0] as { txHash: string }).txHash = operator.txHash),
      code: "TX_NOT_ANCHOR",
      exit: 1,
    },
    {
      name: "a txHash of no transaction",
      edit: (r) => void ((r.anchors[0] as { txHash: string }).txHash = `0x${"ab".repeat(32)}`),
      code: "TX_NOT_FOUND",
      exit: 1,
    },
    {
      name: "a relabelled chain (Ethereum, not development, on 31337)",
      edit: (r) => Object.assign(r.anchors[0]!, { chainName: "Ethereum", development: false }),
      code: "CHAIN_RELABELLED",
      exit: 1,
    },
    {
      name: "an impossible date (30 November + 1 day = '31 November')",
      edit: (r) => void ((r.anchors[0] as { blockTime: string }).blockTime = "2026-11-31T00:00:05Z"),
      code: "INVALID_TIME",
      exit: 1,
    },
    {
      name: "a real but different block time",
      edit: (r) =>
        void ((r.anchors[0] as { blockTime: string }).blockTime = new Date(
          Date.parse((r.anchors[0] as { blockTime: string }).blockTime) - DAY * 1000,
        ).toISOString()),
      code: "BLOCK_TIME_MISMATCH",
      exit: 1,
    },
    { name: "an unknown top-level field", edit: (r) => void (r.trustedBy = "the court"), code: "UNKNOWN_FIELD", exit: 1 },
    {
      name: "an unknown anchor field",
      edit: (r) => void ((r.anchors[0] as unknown as Record<string, unknown>).verified = true),
      code: "UNKNOWN_FIELD",
      exit: 1,
    },
    {
      name: "a swapped SHA3-256 (another file's)",
      edit: (r) => void ((r as { subject: unknown }).subject = { ...r.subject, sha3_256: toHex(sha256(Buffer.from("other"))) }),
      code: "SHA3_MISMATCH",
      exit: 1,
    },
    {
      name: "too many anchors (17 copies of one)",
      edit: (r) => void ((r as unknown as { anchors: unknown[] }).anchors = Array.from({ length: 17 }, () => r.anchors[0])),
      code: "TOO_MANY_ANCHORS",
      exit: 1,
    },
  ];
  for (const c of cases) {
    it(`refuses ${c.name} with ${c.code}: SDK, CLI (exit ${c.exit}), POST /v1/verify — each within 2 s`, async () => {
      const r = clone(genuine) as Receipt & Record<string, unknown>;
      c.edit(r);
      const v = await sdkVerify(r, genuineFile);
      expect(v.verified).toBe(false);
      expect(failedCodes(v)).toContain(c.code);
      expect(v.ms).toBeLessThan(2_000);
      const out = await cliVerify(c.code, genuineFile, r);
      expect(out.code, out.stdout + out.stderr).toBe(c.exit);
      expect(out.stdout).toContain(c.code);
      const http = await postVerify(r, genuineFile);
      expect(http.status).toBe(200);
      if (c.code === "SHA3_MISMATCH" && r.version === "priorproof-receipt/1") {
        // Given only a SHA-256 digest, the service cannot compare SHA3-256, and leaf/1 does not commit it:
        // the receipt's value is shown as unchecked. (leaf/2 commits it, so a v2 receipt fails below.)
        expect(http.body.checks!.find((x) => x.id === "digest.sha3")).toMatchObject({ status: "not-checked" });
        expect(http.body.checks!.find((x) => x.id === "digest.sha3")?.detail).toMatch(/asserted by the receipt/);
        return;
      }
      expect(http.body.verified).toBe(false);
      expect(failedCodes(http.body as Verdict)).toContain(c.code);
    }, 60_000);
  }

  it("verifies 16 copies of one anchor (the maximum) on POST /v1/verify within its RPC budget, in well under 2 s", async () => {
    const r = clone(genuine) as Receipt;
    (r as unknown as { anchors: unknown[] }).anchors = Array.from({ length: 16 }, () => r.anchors[0]);
    const t0 = performance.now();
    const http = await postVerify(r, genuineFile);
    const ms = performance.now() - t0;
    expect(http.body.verified, JSON.stringify(failedCodes(http.body as Verdict))).toBe(true);
    expect(http.body.witnesses).toHaveLength(16);
    expect(ms).toBeLessThan(2_000);
    console.log(`POST /v1/verify, 16 anchors of one root: ${ms.toFixed(0)} ms`);
  });

  it("refuses duplicate member names (last-wins titles) with DUPLICATE_KEY: SDK parser, CLI exit 2, POST /v1/verify 400", async () => {
    const version = JSON.stringify(genuine.version);
    const text = JSON.stringify(genuine).replace(`"version":${version}`, `"version":${version},"id":"01SHOWN","id":"01VERIFIED"`);
    expect(text).toContain('"id":"01SHOWN"');
    expect(() => parseStrictJson(text)).toThrow(/duplicate member "id"/);
    const out = await cliVerify("duplicate", genuineFile, text);
    expect(out.code).toBe(2);
    expect(out.stderr).toContain("DUPLICATE_KEY");
    const http = await postVerify(text, genuineFile);
    expect(http.status).toBe(400);
    expect((http.body as { error: { code: string } }).error.code).toBe("DUPLICATE_KEY");
  }, 60_000);

  it("refuses a checkpoint for another chain (the receipt relabelled as chain 1) with CHECKPOINT_CHAIN_MISMATCH, offline", async () => {
    const a = genuine.anchors[0] as Receipt["anchors"][number] & { blockNumber: number; blockHash: string; inclusion?: unknown };
    expect(a.inclusion, "the service captured an offline proof").toBeDefined();
    const r = clone(genuine);
    Object.assign(r.anchors[0]!, { chainId: 1, chainName: "Ethereum", development: false });
    const v = await verifyReceipt(r, { sha256: sha256(genuineFile), checkpoints: [{ chainId: 31337, number: a.blockNumber, hash: a.blockHash }] });
    expect(v.verified).toBe(false);
    expect(failedCodes(v)).toEqual(["CHECKPOINT_CHAIN_MISMATCH"]);
    const out = await cliVerify("checkpoint", genuineFile, r, ["--offline", "--checkpoint", `31337:${a.blockNumber}:${a.blockHash}`]);
    expect(out.code).toBe(1);
    expect(out.stdout).toContain("CHECKPOINT_CHAIN_MISMATCH");
  }, 60_000);

  it("offline without a checkpoint, never suggests the receipt's own block hash", async () => {
    const a = genuine.anchors[0] as { blockHash: string };
    const out = await cliVerify("offline", genuineFile, genuine, ["--offline"]);
    expect(out.code).toBe(1);
    const todo = out.stdout.split("\n").filter((l) => l.startsWith("TODO"));
    expect(todo.length).toBeGreaterThan(0);
    expect(todo.join("\n")).not.toContain(`--checkpoint ${a.blockHash}`);
    expect(todo.join("\n")).not.toMatch(/--checkpoint [^ ]*0x[0-9a-f]{64}/);
    expect(todo.join("\n")).toMatch(/<hash you read>/);
  }, 60_000);
});

describe("a silent RPC (accepts the connection, never answers)", () => {
  let silent: Server;
  let url: string;
  const sockets: Socket[] = [];
  beforeAll(async () => {
    silent = createServer((s) => void sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(silent.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((r) => silent.close(r));
  });

  it("gives RPC_TIMEOUT in the SDK within the timeout", async () => {
    const t0 = performance.now();
    const v = await verifyReceipt(genuine, { sha256: sha256(genuineFile), chains: { "31337": createChainReader(url, { timeoutMs: 1_000 }) } });
    const ms = performance.now() - t0;
    expect(failedCodes(v)).toEqual(["RPC_TIMEOUT"]);
    expect(ms).toBeLessThan(2_500);
  });

  it("bounds an injected reader that never settles (RPC_TIMEOUT from the verifier's own guard)", async () => {
    const never = new Promise<never>(() => {});
    const reader = {
      getChainId: () => never,
      getBlockNumber: () => never,
      getBlock: () => never,
      getBlockByHash: () => never,
      getTransactionReceipt: () => never,
      getCode: () => never,
      getAnchor: () => never,
      verifyInclusionOnChain: () => never,
    };
    const t0 = performance.now();
    const v = await verifyReceipt(genuine, { sha256: sha256(genuineFile), chains: { "31337": reader }, rpcTimeoutMs: 500 });
    expect(failedCodes(v)).toEqual(["RPC_TIMEOUT"]);
    expect(performance.now() - t0).toBeLessThan(1_500);
  });

  it("makes the CLI exit 2 with RPC_TIMEOUT after --rpc-timeout, never hang, and never echo the URL", async () => {
    const r = await cliVerify("silent", genuineFile, genuine, ["--rpc", url, "--rpc-timeout", "1"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("RPC_TIMEOUT");
    expect(r.stderr + r.stdout).not.toContain(url);
    expect(r.ms).toBeLessThan(15_000);
  }, 30_000);
});

describe("the verify page (Debian Chromium)", () => {
  let browser: Browser;
  let base: string;
  beforeAll(async () => {
    base = await app.listen({ host: "127.0.0.1", port: 0 });
    browser = await launchBrowser();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });

  it("shows the look-alike forgery as NOT VERIFIED with CONTRACT_CODE_UNKNOWN, and no old date", async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/verify`);
    await page.setInputFiles("#pick", [
      { name: "design.step", mimeType: "application/octet-stream", buffer: neverStamped },
      { name: "receipt.json", mimeType: "application/json", buffer: Buffer.from(JSON.stringify(lookAlikeReceipt())) },
    ]);
    await page.waitForFunction(() => /SHA-256 0x/.test(document.getElementById("fileInfo")?.textContent ?? ""));
    await page.fill("#rpc", chain.rpcUrl);
    await page.click("#verify");
    await page.waitForSelector("#verdict[data-verified]");
    expect(await page.getAttribute("#verdict", "data-verified")).toBe("false");
    const text = await page.innerText("#verdict");
    expect(text).toContain("NOT VERIFIED");
    expect(text).toContain("CONTRACT_CODE_UNKNOWN");
    expect(text).not.toContain(old.time.slice(0, 10));
    expect(await page.getAttribute('tr[data-check="anchors[0].chain"]', "data-status")).toBe("failed");
    await page.close();
  }, 60_000);
});

describe("the public endpoint's own bounds (a second app whose chain RPC is down)", () => {
  let down: FastifyInstance;
  const secret = "k3y-0f-the-operator";
  beforeAll(async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const port = (closed.address() as { port: number }).port;
    await new Promise((r) => closed.close(r));
    down = await buildApp(
      loadConfig({
        DATA_DIR: join(dir, "down-data"),
        RPC_URL: `http://127.0.0.1:${port}/${secret}`,
        CHAIN_ID: "31337",
        CHAIN_DEVELOPMENT: "true",
        CONFIRMATIONS: "1",
        ANCHORER_PRIVATE_KEY: devWallet(1).privateKey,
        DEPLOYMENTS_DIR: join(dir, "deployments"),
        WORKERS: "false",
        LOG_LEVEL: "silent",
      }),
      { logger: false },
    );
    await down.ready();
  }, 60_000);
  afterAll(async () => {
    await down?.close();
  });

  it("answers a verdict with the chain check failed and never echoes the RPC URL or its key", async () => {
    const res = await down.inject({ method: "POST", url: "/v1/verify", payload: { receipt: genuine, sha256: toHex(sha256(genuineFile)) } });
    expect(res.statusCode).toBe(200);
    const v = res.json() as Verdict;
    expect(v.verified).toBe(false);
    expect(failedCodes(v)).toEqual([expect.stringMatching(/^(CHAIN_UNREACHABLE|RPC_ERROR|RPC_TIMEOUT)$/)]);
    expect(res.body).not.toContain(secret);
    expect(res.body).not.toContain("127.0.0.1:");
  }, 30_000);

  it("has its own rate limit per client address (429 RATE_LIMITED past 60 a minute)", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 61; i++)
      statuses.push((await down.inject({ method: "POST", url: "/v1/verify", payload: { receipt: {} }, remoteAddress: "198.51.100.7" })).statusCode);
    expect(statuses.slice(0, 59).every((s) => s === 200)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
    // Another address is not affected.
    expect((await down.inject({ method: "POST", url: "/v1/verify", payload: { receipt: {} }, remoteAddress: "198.51.100.8" })).statusCode).toBe(200);
  }, 60_000);
});
