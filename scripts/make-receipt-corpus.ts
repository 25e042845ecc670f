/**
 * Makes the corpus of genuine version-1 receipts kept in test/fixtures/receipts-v1/ (issue 14): receipts
 * as the service issues them today, from a real run — real anvil chains, the real app, a real OpenSSL
 * TSA — so that every later verifier is held to verifying them.
 *
 *   node --conditions=source scripts/make-receipt-corpus.ts [outDir]
 *
 * What is kept, and why: the chains are gone after the run, and an offline evm-receipt-proof/1 cannot
 * establish the contract's code (it carries no account proof), so a checkpoint alone can no longer
 * verify these receipts completely. The corpus therefore keeps each chain's anvil state dump
 * (`chain-<id>.json`, written by anvil on a graceful stop with --preserve-historical-states): the test
 * starts anvil on a copy and verifies every receipt online exactly as a user would, and also checks the
 * offline proof with a checkpoint read from that chain. The TSA's root certificate is kept as the
 * trust anchor of the RFC 3161 anchors.
 *
 * Receipts: `hash-only-claim` (one chain, claim, offline proof), `upload` (one chain, SHA3-256 and CID),
 * `two-chains-tsa` (chains 31337 and 1337, plus an RFC 3161 anchor).
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { JsonRpcProvider, NonceManager } from "ethers";
import type { FastifyInstance } from "fastify";
import { buildApp } from "../server/src/app.ts";
import { ensureDeployment } from "../server/src/chain/deploy.ts";
import { startDevChain, type DevChain } from "../server/src/chain/devchain.ts";
import { loadConfig } from "../server/src/config.ts";
import { createTenantKey } from "../server/src/services/keys.ts";
import { anchorAll, type TestApp } from "../test/helpers/app.ts";
import { startOpensslTsa } from "../test/helpers/openssl-tsa.ts";
import { devWallet } from "../test/helpers/service.ts";

const out = process.argv[2] ?? "test/fixtures/receipts-v1";
const work = mkdtempSync(join(tmpdir(), "pp-corpus-"));
mkdirSync(out, { recursive: true });

interface Entry {
  readonly name: string;
  readonly receipt: string;
  readonly file: string;
  /** Chains whose state dump holds this receipt's anchors, by chain id. */
  readonly chains: Record<string, string>;
  readonly tsaCa?: string;
}

async function chainWithDeployment(name: string, chainId: number): Promise<{ chain: DevChain; deploymentsDir: string }> {
  const chain = await startDevChain({ dataDir: join(work, name), chainId });
  const provider = new JsonRpcProvider(chain.rpcUrl, chainId, { staticNetwork: true });
  const deploymentsDir = join(work, `${name}-deployments`);
  await ensureDeployment({ deployer: new NonceManager(devWallet(0).connect(provider)), anchorers: [devWallet(1).address], deploymentsDir });
  provider.destroy();
  return { chain, deploymentsDir };
}

async function receiptOf(app: FastifyInstance, key: string, id: string): Promise<string> {
  const res = await app.inject({ method: "GET", url: `/v1/entries/${id}/receipt`, headers: { authorization: `Bearer ${key}` } });
  if (res.statusCode !== 200) throw new Error(`receipt ${id}: ${res.statusCode} ${res.body}`);
  return `${JSON.stringify(res.json(), null, 2)}\n`;
}

const entries: Entry[] = [];

// 1. One chain (31337), no TSA: a hash-only stamp with a claim, and an upload (SHA3-256, CID).
{
  const { chain, deploymentsDir } = await chainWithDeployment("single", 31337);
  const app = await buildApp(
    loadConfig({
      DATA_DIR: join(work, "single-data"),
      RPC_URL: chain.rpcUrl,
      CHAIN_ID: "31337",
      CHAIN_NAME: "anvil (development chain)",
      CHAIN_DEVELOPMENT: "true",
      CONFIRMATIONS: "1",
      ANCHORER_PRIVATE_KEY: devWallet(1).privateKey,
      DEPLOYMENTS_DIR: deploymentsDir,
      WORKERS: "false",
      LOG_LEVEL: "silent",
      OPERATOR: "PriorProof corpus operator",
    }),
    { logger: false },
  );
  await app.ready();
  const key = (await createTenantKey(app.store, "acme", "corpus")).key;
  const draft = Buffer.from("ISO-10303-21; power bank housing, revision 3\n".repeat(64));
  const render = Buffer.from("PNG stand-in: rendered view of revision 3\n".repeat(32));
  const digest = `0x${createHash("sha256").update(draft).digest("hex")}`;
  const stamped = await app.inject({
    method: "POST",
    url: "/v1/stamps",
    headers: { authorization: `Bearer ${key}` },
    payload: { items: [{ sha256: digest, claim: { title: "Housing rev. 3", kind: "design", author: "Li Wei" } }] },
  });
  const B = "PpCorpus";
  const body = Buffer.concat([
    Buffer.from(`--${B}\r\nContent-Disposition: form-data; name="file"; filename="render-v3.png"\r\nContent-Type: image/png\r\n\r\n`),
    render,
    Buffer.from(`\r\n--${B}--\r\n`),
  ]);
  const uploaded = await app.inject({
    method: "POST",
    url: "/v1/evidence",
    headers: { authorization: `Bearer ${key}`, "content-type": `multipart/form-data; boundary=${B}` },
    payload: body,
  });
  await anchorAll({ app } as TestApp);
  const ids = [(stamped.json() as { entries: { id: string }[] }).entries[0]!.id, (uploaded.json() as { entries: { id: string }[] }).entries[0]!.id];
  writeFileSync(join(out, "hash-only-claim.receipt.json"), await receiptOf(app, key, ids[0]!));
  writeFileSync(join(out, "hash-only-claim.step"), draft);
  writeFileSync(join(out, "upload.receipt.json"), await receiptOf(app, key, ids[1]!));
  writeFileSync(join(out, "upload.png"), render);
  await app.close();
  await chain.stop();
  copyFileSync(chain.statePath, join(out, "state-single-31337.json"));
  entries.push({
    name: "hash-only-claim",
    receipt: "hash-only-claim.receipt.json",
    file: "hash-only-claim.step",
    chains: { "31337": "state-single-31337.json" },
  });
  entries.push({ name: "upload", receipt: "upload.receipt.json", file: "upload.png", chains: { "31337": "state-single-31337.json" } });
}

// 2. Two chains (31337 and 1337) and an RFC 3161 TSA: one receipt with three anchors.
{
  const tsa = await startOpensslTsa();
  const a = await chainWithDeployment("pair-31337", 31337);
  const b = await chainWithDeployment("pair-1337", 1337);
  const settings = [a, b].map(({ chain, deploymentsDir }) => ({
    name: `anvil ${chain.chainId} (dev)`,
    rpcUrl: chain.rpcUrl,
    chainId: chain.chainId,
    development: true,
    confirmations: 1,
    anchorerKey: devWallet(1).privateKey,
    deploymentsDir,
  }));
  const app = await buildApp(
    loadConfig({
      DATA_DIR: join(work, "pair-data"),
      CHAINS: JSON.stringify(settings),
      TSA_URL: tsa.url,
      TSA_CA_FILE: tsa.caPath,
      WORKERS: "false",
      LOG_LEVEL: "silent",
      OPERATOR: "PriorProof corpus operator",
    }),
    { logger: false },
  );
  await app.ready();
  const key = (await createTenantKey(app.store, "acme", "corpus")).key;
  const logo = Buffer.from("trademark specimen: the PriorProof word mark\n".repeat(16));
  const stamped = await app.inject({
    method: "POST",
    url: "/v1/stamps",
    headers: { authorization: `Bearer ${key}` },
    payload: { items: [{ sha256: `0x${createHash("sha256").update(logo).digest("hex")}`, claim: { title: "Word mark", kind: "trademark" } }] },
  });
  await anchorAll({ app } as TestApp);
  await app.timestamper!.tick();
  const id = (stamped.json() as { entries: { id: string }[] }).entries[0]!.id;
  writeFileSync(join(out, "two-chains-tsa.receipt.json"), await receiptOf(app, key, id));
  writeFileSync(join(out, "two-chains-tsa.txt"), logo);
  writeFileSync(join(out, "tsa-ca.pem"), readFileSync(tsa.caPath));
  await app.close();
  await tsa.close();
  for (const { chain } of [a, b]) {
    await chain.stop();
    copyFileSync(chain.statePath, join(out, `state-pair-${chain.chainId}.json`));
  }
  entries.push({
    name: "two-chains-tsa",
    receipt: "two-chains-tsa.receipt.json",
    file: "two-chains-tsa.txt",
    chains: { "31337": "state-pair-31337.json", "1337": "state-pair-1337.json" },
    tsaCa: "tsa-ca.pem",
  });
}

const CORPUS_DESCRIPTION = "Genuine priorproof-receipt/1 receipts made by scripts/make-receipt-corpus.ts from a real run; they must keep verifying.";
writeFileSync(join(out, "corpus.json"), `${JSON.stringify({ description: CORPUS_DESCRIPTION, madeAt: new Date().toISOString(), entries }, null, 2)}\n`);
rmSync(work, { recursive: true, force: true });
console.log(`corpus of ${entries.length} receipts written to ${out}`);
