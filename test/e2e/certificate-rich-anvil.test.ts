/**
 * One rich entry, end to end on real components: two anvil chains (ids 31337 and 31338), a real
 * OpenSSL RFC 3161 TSA, SQLite and IPFS; a draft and a final version (lineage) with an AI process
 * record. Its certificate in en and zh-CN is rendered page by page with pdftoppm; the PNGs are kept in
 * test-artifacts/certificate-rich/ (the path is printed) for a person to look at.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { JsonRpcProvider, NonceManager } from "ethers";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../../server/src/app.ts";
import { ensureDeployment } from "../../server/src/chain/deploy.ts";
import { startDevChain, type DevChain } from "../../server/src/chain/devchain.ts";
import { loadConfig } from "../../server/src/config.ts";
import { createTenantKey } from "../../server/src/services/keys.ts";
import { startOpensslTsa, type OpensslTsa } from "../helpers/openssl-tsa.ts";
import { devWallet } from "../helpers/service.ts";

const ARTIFACTS = resolve("test-artifacts/certificate-rich");
const dir = mkdtempSync(join(tmpdir(), "pp-rich-"));
const chains: DevChain[] = [];
let tsa: OpensslTsa;
let app: FastifyInstance;
let key: string;
let finalId: string;

function upload(name: string, bytes: Buffer, claim: object) {
  const b = "RichBoundary";
  return app.inject({
    method: "POST",
    url: "/v1/evidence",
    headers: { authorization: `Bearer ${key}`, "content-type": `multipart/form-data; boundary=${b}` },
    payload: Buffer.concat([
      Buffer.from(`--${b}\r\nContent-Disposition: form-data; name="claim"\r\n\r\n${JSON.stringify(claim)}\r\n`),
      Buffer.from(`--${b}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\nContent-Type: image/png\r\n\r\n`),
      bytes,
      Buffer.from(`\r\n--${b}--\r\n`),
    ]),
  });
}

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  for (const f of readdirSync(ARTIFACTS)) rmSync(join(ARTIFACTS, f));
  tsa = await startOpensslTsa();
  const settings = [];
  for (const [i, chainId] of [31337, 31338].entries()) {
    const chain = await startDevChain({ dataDir: join(dir, `chain-${chainId}`), chainId });
    chains.push(chain);
    const provider = new JsonRpcProvider(chain.rpcUrl, chainId, { staticNetwork: true });
    const deploymentsDir = join(dir, "deployments");
    await ensureDeployment({ deployer: new NonceManager(devWallet(0).connect(provider)), anchorers: [devWallet(1).address], deploymentsDir });
    provider.destroy();
    settings.push({
      name: i === 0 ? "anvil L2 (dev)" : "anvil L1 (dev)",
      rpcUrl: chain.rpcUrl,
      chainId,
      development: true,
      confirmations: 1,
      anchorerKey: devWallet(1).privateKey,
      deploymentsDir,
      explorerUrl: "https://explorer.example.org",
    });
  }
  app = await buildApp(
    loadConfig({
      DATA_DIR: dir,
      CHAINS: JSON.stringify(settings),
      WORKERS: "false",
      LOG_LEVEL: "silent",
      TSA_URL: tsa.url,
      TSA_CA_FILE: tsa.caPath,
      PUBLIC_URL: "https://proof.example.com",
      OPERATOR: "Example Evidence Services Ltd. (Shenzhen)",
      ORGANISATION_TIME_ZONE: "Asia/Shanghai",
    }),
    { logger: false },
  );
  await app.ready();
  key = (await createTenantKey(app.store, "shenzhen-example", "test")).key;
  const draft = Buffer.from("\x89PNG\r\n\x1a\n draft of the lamp, iteration 1 ".repeat(200));
  const final = Buffer.from("\x89PNG\r\n\x1a\n final lamp, iteration 4 ".repeat(200));
  const d = await upload("lamp-draft.png", draft, { title: "Desk lamp — draft", kind: "ai-image", claimant: "Shenzhen Example Electronics Co., Ltd." });
  const f = await upload("lamp-final.png", final, {
    title: "Desk lamp — final\napproved by design review",
    kind: "ai-image",
    author: "Li Wei",
    claimant: "Shenzhen Example Electronics Co., Ltd.",
    previous: d.json().entries[0].sha256,
    aiProcess: {
      tool: "ImageStudio 5",
      model: "diffusion-xl-2",
      prompt: "a brass desk lamp, studio light, three-quarter view",
      seed: 123456789,
      steps: 40,
      iterations: 4,
      licence: "commercial use permitted by the tool's terms",
    },
  });
  finalId = f.json().entries[0].id;
  await app.batcher.closeBatches();
  for (let i = 0; i < 10; i++) for (const a of app.anchorers.values()) await a.tick();
  await app.timestamper!.tick();
}, 180_000);
afterAll(async () => {
  await app?.close();
  for (const c of chains) await c.stop();
  await tsa?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("the certificate of a rich entry (two chains, TSA, offline proofs, lineage, AI process)", () => {
  for (const lang of ["en", "zh-CN"] as const) {
    it(`renders every page in ${lang} to PNG for review, with both chains, the token and the versions`, async () => {
      const receipt = (await app.inject({ method: "GET", url: `/v1/entries/${finalId}/receipt`, headers: { authorization: `Bearer ${key}` } })).json();
      expect(receipt.anchors.map((a: { type: string; chainId?: number }) => `${a.type}:${a.chainId ?? ""}`).sort()).toEqual([
        "evm:31337",
        "evm:31338",
        "rfc3161:",
        "rfc3161:",
      ]);
      expect(receipt.anchors.filter((a: { inclusion?: unknown }) => a.inclusion).length).toBe(2);
      const res = await app.inject({
        method: "GET",
        url: `/v1/entries/${finalId}/certificate.pdf?lang=${lang}&jurisdiction=${lang === "en" ? "us" : "cn"}`,
        headers: { authorization: `Bearer ${key}` },
      });
      expect(res.statusCode).toBe(200);
      const path = join(ARTIFACTS, `rich-${lang}.pdf`);
      writeFileSync(path, res.rawPayload);
      const text = execFileSync("pdftotext", [path, "-"], { encoding: "utf8" }).replace(/\s+/g, "");
      for (const chainId of ["31337", "31338"]) expect(text).toContain(chainId);
      expect(text).toContain(lang === "en" ? "Earlierversions(lineage)" : "先前版本（版本沿革）");
      expect(text).toContain("ImageStudio5");
      execFileSync("pdftoppm", ["-r", "100", "-png", path, join(ARTIFACTS, lang)]);
      const pngs = readdirSync(ARTIFACTS).filter((f) => f.startsWith(`${lang}-`) && f.endsWith(".png"));
      const pages = Number(/Pages:\s+(\d+)/.exec(execFileSync("pdfinfo", [path], { encoding: "utf8" }))![1]);
      expect(pngs.length).toBe(pages);
      console.log(`certificate pages (${lang}) for review: ${ARTIFACTS}/${lang}-*.png (${pages} pages)`);
    }, 120_000);
  }
});
