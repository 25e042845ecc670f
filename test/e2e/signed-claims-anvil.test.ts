/**
 * Signed claims end to end (issue 16), on the real server process and a real anvil chain, with a CA,
 * intermediate and signer made by openssl: the SDK signs and stamps; the service checks the signature
 * on arrival against SIGNER_CA_FILE; the v2 receipt verifies with the SDK (chain over RPC + signer CA),
 * with the CLI (`stamp --sign-key/--sign-cert`, `verify --signer-ca`), with POST /v1/verify, and with
 * `openssl cms -verify` on the extracted signature and statement; a bad signature is 400
 * INVALID_SIGNATURE; a tenant that requires signed claims (set with the keys CLI) refuses unsigned
 * stamps with 400 SIGNATURE_REQUIRED.
 */
import { execFile, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { Wallet } from "ethers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createChainReader } from "../../client-sdk/src/anchor.ts";
import { fromHex, toHex } from "../../client-sdk/src/bytes.ts";
import { createClient } from "../../client-sdk/src/client.ts";
import { sha256File } from "../../client-sdk/src/hash-node.ts";
import { decodeBase64 } from "../../client-sdk/src/pki/der.ts";
import { createClaimSignatureVerifier, signClaim } from "../../client-sdk/src/signature/index.ts";
import { pemClaimSigner } from "../../client-sdk/src/signature/node.ts";
import { verifyReceipt } from "../../client-sdk/src/verify.ts";
import { launchBrowser } from "../helpers/browser.ts";
import { api, type RunningService, startService } from "../helpers/service.ts";
import { CertFactory, type SignerChain, signerChain } from "../helpers/signer-pki.ts";

const run = promisify(execFile);
let service: RunningService;
let f: CertFactory;
let chain: SignerChain;
let other: SignerChain;
let caFile: string;
let chainFile: string;

function spawnNode(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, {
      env: { PATH: process.env.PATH ?? "", PRIORPROOF_URL: service.url, PRIORPROOF_API_KEY: service.keys.acme!, ...env },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}
const cli = (args: string[], env?: Record<string, string>) => spawnNode(["--conditions=source", "client-sdk/src/cli/main.ts", ...args], env);

beforeAll(async () => {
  f = await CertFactory.create();
  chain = await signerChain(f, "e2e", "ec-p256");
  other = await signerChain(f, "e2e-other", "ed25519");
  caFile = join(f.dir, "signer-ca.pem");
  writeFileSync(caFile, chain.root.certPem);
  chainFile = join(f.dir, "signer-chain.pem");
  writeFileSync(chainFile, chain.signer.certPem + chain.intermediate.certPem);
  service = await startService({ env: { SIGNER_CA_FILE: caFile } });
}, 180_000);
afterAll(async () => {
  await service?.stop();
});

describe("signed claims through the real service on anvil", () => {
  const file = () => join(f.dir, "logo-final.svg");
  let receiptPath: string;

  it("the SDK signs and stamps; the v2 receipt verifies with the SDK against the chain and the signer CA", async () => {
    writeFileSync(file(), "<svg>logo, final</svg>\n".repeat(100));
    const { sha256, sha3_256 } = await sha256File(file(), { alsoSha3: true });
    const claim = { title: "Logo, final", kind: "trademark" as const, claimant: "Acme GmbH" };
    const signature = await signClaim(
      { sha256, sha3_256: sha3_256!, claim },
      pemClaimSigner(chain.signer.keyPem, chain.signer.certPem + chain.intermediate.certPem),
    );
    const pp = createClient({ baseUrl: service.url, apiKey: service.keys.acme! });
    const [entry] = await pp.submitStamps([{ sha256, sha3_256: sha3_256!, claim, signature }]);
    await pp.waitForAnchor(entry!.id, { status: "anchored", timeoutMs: 60_000 });
    const receipt = await pp.getReceipt(entry!.id);
    expect(receipt.version).toBe("priorproof-receipt/2");
    expect(receipt.leaf).toMatchObject({ encoding: "priorproof-leaf/2", sha3_256: toHex(sha3_256!) });
    expect(receipt.version === "priorproof-receipt/2" && receipt.signature).toEqual(signature);
    receiptPath = join(f.dir, "receipt.json");
    writeFileSync(receiptPath, JSON.stringify(receipt, null, 2));

    const reader = createChainReader(service.rpcUrl);
    try {
      const verdict = await verifyReceipt(receipt, {
        sha256,
        sha3_256: sha3_256!,
        chains: { [String(service.chainId)]: reader },
        signature: createClaimSignatureVerifier({ trustAnchors: [chain.root.certDer] }),
      });
      expect(verdict.verified, JSON.stringify(verdict.checks, null, 2)).toBe(true);
      expect(verdict.checks.find((c) => c.id === "signature")).toMatchObject({ status: "passed" });
      expect(verdict.signedIdentity).toMatchObject({
        kind: "x509",
        signer: { subject: "CN=e2e-signer,O=PriorProof Test" },
        trustAnchor: { subject: "CN=e2e-root,O=PriorProof Test" },
      });
      // Another verifier, trusting another CA: the signature check fails on its own line.
      const distrust = await verifyReceipt(receipt, {
        sha256,
        chains: { [String(service.chainId)]: reader },
        signature: createClaimSignatureVerifier({ trustAnchors: [other.root.certDer] }),
      });
      expect(distrust.verified).toBe(false);
      expect(distrust.checks.find((c) => c.id === "signature")).toMatchObject({ status: "failed", code: "SIGNER_UNTRUSTED" });
    } finally {
      reader.destroy();
    }
  }, 120_000);

  it("the verify page in Chromium checks the signature against the CA the user picks, and fails it for another CA", async () => {
    const browser = await launchBrowser();
    try {
      const otherCa = join(f.dir, "page-other-ca.pem");
      writeFileSync(otherCa, other.root.certPem);
      const verifyWith = async (ca: string) => {
        const page = await browser.newPage();
        await page.goto(`${service.url}/verify`);
        await page.setInputFiles("#pick", [file(), receiptPath]);
        await page.waitForFunction(() => /SHA-256 0x/.test(document.getElementById("fileInfo")?.textContent ?? ""));
        await page.setInputFiles("#signerCa", ca);
        await page.fill("#rpc", service.rpcUrl);
        await page.click("#verify");
        await page.waitForSelector("#verdict[data-verified]");
        const out = {
          verified: await page.getAttribute("#verdict", "data-verified"),
          text: await page.innerText("#verdict"),
          checks: await page.innerText("#checks"),
        };
        await page.close();
        return out;
      };
      const trusted = await verifyWith(caFile);
      expect(trusted.verified, trusted.text + trusted.checks).toBe("true");
      expect(trusted.text).toContain("Signed claim: signed by CN=e2e-signer,O=PriorProof Test");
      expect(trusted.text).toContain("through trust anchor CN=e2e-root,O=PriorProof Test");
      const distrusted = await verifyWith(otherCa);
      expect(distrusted.verified).toBe("false");
      expect(distrusted.text + distrusted.checks).toContain("SIGNER_UNTRUSTED");
    } finally {
      await browser.close();
    }
  }, 120_000);

  it("the certificate prints the signed identity (subject, issuer, serial, validity) and the service's trust anchor", async () => {
    const receipt = JSON.parse(readFileSync(receiptPath, "utf8"));
    const res = await fetch(`${service.url}/v1/entries/${receipt.id}/certificate.pdf?lang=en`, { headers: { authorization: `Bearer ${service.keys.acme}` } });
    expect(res.status).toBe(200);
    const pdf = join(f.dir, "signed-certificate.pdf");
    writeFileSync(pdf, Buffer.from(await res.arrayBuffer()));
    const { stdout } = await run("pdftotext", ["-layout", pdf, "-"]);
    const text = stdout.replace(/\s+/g, " ");
    expect(text).toContain("Signer (certificate subject)");
    expect(text).toContain("CN=e2e-signer,O=PriorProof Test");
    expect(text).toContain("Issued by CN=e2e-int,O=PriorProof Test");
    expect(text).toContain("Certificate serial");
    expect(text).toMatch(/Certificate validity \d{4}-\d\d-\d\dT[\d:.]+Z – \d{4}-\d\d-\d\dT[\d:.]+Z/);
    expect(text).toContain("Trust anchor CN=e2e-root,O=PriorProof Test (this service's signer CA list)");
  }, 120_000);

  it("POST /v1/verify (the service's SIGNER_CA_FILE) reports the signature check passed", async () => {
    const receipt = JSON.parse(readFileSync(receiptPath, "utf8"));
    const r = await api(service, undefined, "POST", "/v1/verify", { receipt, sha256: receipt.subject.sha256 });
    expect(r.status).toBe(200);
    expect(r.body.checks.find((c: { id: string }) => c.id === "signature")).toMatchObject({ status: "passed" });
    expect(r.body.verified).toBe(true);
  }, 60_000);

  it("openssl cms -verify checks the extracted signature over `priorproof statement -o` output", async () => {
    const receipt = JSON.parse(readFileSync(receiptPath, "utf8"));
    const statement = join(f.dir, "statement.json");
    const st = await cli(["statement", receiptPath, "-o", statement]);
    expect(st.code, st.stderr).toBe(0);
    const der = join(f.dir, "signature.der");
    writeFileSync(der, decodeBase64(receipt.signature.cms)!);
    const at = String(Math.floor(Date.parse(receipt.anchors[0].blockTime) / 1000));
    const r = await run("openssl", [
      "cms",
      "-verify",
      "-binary",
      "-inform",
      "DER",
      "-in",
      der,
      "-content",
      statement,
      "-CAfile",
      caFile,
      "-purpose",
      "any",
      "-attime",
      at,
      "-out",
      "/dev/null",
    ]);
    expect(r.stderr).toContain("Verification successful");
  }, 60_000);

  it("the CLI stamps with --sign-key/--sign-cert and verifies with --signer-ca", async () => {
    const draft = join(f.dir, "draft.step");
    writeFileSync(draft, "ISO-10303-21; signed draft\n".repeat(200));
    const stamped = await cli(["stamp", draft, "--title", "Signed draft", "--sign-key", chain.signer.keyPath, "--sign-cert", chainFile, "--wait", "--json"]);
    expect(stamped.code, stamped.stderr).toBe(0);
    const id = JSON.parse(stamped.stdout).entries[0].id;
    const saved = join(f.dir, "cli-receipt.json");
    expect((await cli(["receipt", id, "-o", saved])).code).toBe(0);
    const receipt = JSON.parse(readFileSync(saved, "utf8"));
    expect(receipt.signature.format).toBe("cms/1");
    expect(receipt.subject.sha3_256).toBe(`0x${createHash("sha3-256").update(readFileSync(draft)).digest("hex")}`);
    const ok = await cli(["verify", draft, saved, "--rpc", service.rpcUrl, "--signer-ca", caFile]);
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/^PASS {2}The claimant signed the digest and claim: signed by CN=e2e-signer,O=PriorProof Test/m);
    const wrongCa = join(f.dir, "other-ca.pem");
    writeFileSync(wrongCa, other.root.certPem);
    const bad = await cli(["verify", draft, saved, "--rpc", service.rpcUrl, "--signer-ca", wrongCa]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/^FAIL {2}The claimant signed the digest and claim: SIGNER_UNTRUSTED/m);
  }, 120_000);

  it("the CLI signs with --sign-p12 (password from PRIORPROOF_P12_PASSWORD) and refuses a wrong password", async () => {
    const p12 = await f.pkcs12(chain.signer, [chain.intermediate], "p12 secret");
    const draft = join(f.dir, "p12-draft.txt");
    writeFileSync(draft, "signed with a PKCS#12 file\n");
    const ok = await cli(["stamp", draft, "--sign-p12", p12, "--json"], { PRIORPROOF_P12_PASSWORD: "p12 secret" });
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout).entries[0].sha256).toBe(`0x${createHash("sha256").update(readFileSync(draft)).digest("hex")}`);
    const wrong = await cli(["stamp", draft, "--sign-p12", p12], { PRIORPROOF_P12_PASSWORD: "nope" });
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toContain("INVALID_ARGUMENT");
  }, 60_000);

  it("an EIP-712 signed stamp is checked on arrival and its receipt verifies with the SDK (a wrong chain id fails)", async () => {
    const wallet = Wallet.createRandom();
    const digest = `0x${"e7".repeat(32)}`;
    const signature = await signClaim({ sha256: digest, claim: { claimant: "Acme GmbH" } }, { format: "eip712/1", signer: wallet, chainId: 1 });
    const forged = { ...signature, signer: Wallet.createRandom().address };
    const refused = await api(service, "acme", "POST", "/v1/stamps", { items: [{ sha256: digest, claim: { claimant: "Acme GmbH" }, signature: forged }] });
    expect(refused.body.error).toMatchObject({ code: "INVALID_SIGNATURE", details: { code: "SIGNATURE_INVALID" } });
    const pp = createClient({ baseUrl: service.url, apiKey: service.keys.acme! });
    const [entry] = await pp.submitStamps([{ sha256: digest, claim: { claimant: "Acme GmbH" }, signature }]);
    await pp.waitForAnchor(entry!.id, { status: "anchored", timeoutMs: 60_000 });
    const receipt = await pp.getReceipt(entry!.id);
    const reader = createChainReader(service.rpcUrl);
    try {
      const chains = { [String(service.chainId)]: reader };
      const verdict = await verifyReceipt(receipt, {
        sha256: fromHex(digest, 32),
        chains,
        signature: createClaimSignatureVerifier({ eip712ChainIds: [1], trustedAccounts: [wallet.address] }),
      });
      expect(verdict.verified, JSON.stringify(verdict.checks)).toBe(true);
      expect(verdict.signedIdentity).toEqual({
        kind: "ethereum",
        format: "eip712/1",
        signedAt: signature.signedAt,
        account: wallet.address,
        chainId: 1,
        pinned: true,
      });
      const wrongChain = await verifyReceipt(receipt, {
        sha256: fromHex(digest, 32),
        chains,
        signature: createClaimSignatureVerifier({ eip712ChainIds: [11155111] }),
      });
      expect(wrongChain.checks.find((c) => c.id === "signature")).toMatchObject({ status: "failed", code: "EIP712_DOMAIN_MISMATCH" });
    } finally {
      reader.destroy();
    }
  }, 120_000);

  it("refuses a signature over another digest (400 INVALID_SIGNATURE), and one from another CA, on arrival", async () => {
    const signer = pemClaimSigner(chain.signer.keyPem, chain.signer.certPem + chain.intermediate.certPem);
    const signature = await signClaim({ sha256: `0x${"aa".repeat(32)}` }, signer);
    const r = await api(service, "acme", "POST", "/v1/stamps", { items: [{ sha256: `0x${"bb".repeat(32)}`, signature }] });
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ code: "INVALID_SIGNATURE", details: { code: "SIGNATURE_INVALID" } });
    const foreign = await signClaim({ sha256: `0x${"bb".repeat(32)}` }, pemClaimSigner(other.signer.keyPem, other.signer.certPem + other.intermediate.certPem));
    const r2 = await api(service, "acme", "POST", "/v1/stamps", { items: [{ sha256: `0x${"bb".repeat(32)}`, signature: foreign }] });
    expect(r2.status).toBe(400);
    expect(r2.body.error).toMatchObject({ code: "INVALID_SIGNATURE", details: { code: "SIGNER_UNTRUSTED" } });
  }, 60_000);

  it("a tenant set to require signed claims (keys CLI) gets 400 SIGNATURE_REQUIRED for unsigned stamps, and 202 for signed ones", async () => {
    const set = await spawnNode(["--conditions=source", "server/src/cli/keys.ts", "require-signed-claims", "--tenant", "rival", "on"], {
      DATA_DIR: service.dataDir,
    });
    expect(set.code, set.stderr).toBe(0);
    const digest = `0x${"cd".repeat(32)}`;
    const unsigned = await api(service, "rival", "POST", "/v1/stamps", { items: [{ sha256: digest }] });
    expect(unsigned.status).toBe(400);
    expect(unsigned.body.error.code).toBe("SIGNATURE_REQUIRED");
    const signature = await signClaim({ sha256: fromHex(digest, 32) }, pemClaimSigner(chain.signer.keyPem, chain.signer.certPem + chain.intermediate.certPem));
    const signed = await api(service, "rival", "POST", "/v1/stamps", { items: [{ sha256: digest, signature }] });
    expect(signed.status, JSON.stringify(signed.body)).toBe(202);
    // Other tenants are not affected.
    expect((await api(service, "acme", "POST", "/v1/stamps", { items: [{ sha256: digest }] })).status).toBe(202);
  }, 60_000);
});
