/**
 * Receipt and leaf versions at the service, over both stores (migration 7): new stamps get
 * priorproof-leaf/2 and priorproof-receipt/2 (client SHA3-256 and signature committed); entries stored
 * as leaf/1 rows (written before format 2) keep producing priorproof-receipt/1 receipts that verify;
 * tenant settings round-trip; malformed signatures are 400 INVALID_SIGNATURE before anything is stored.
 */
import { randomBytes } from "node:crypto";
import { Wallet } from "ethers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fromHex, toHex } from "../../client-sdk/src/bytes.ts";
import { createChainReader } from "../../client-sdk/src/anchor.ts";
import { getLeafHash } from "../../client-sdk/src/leaf.ts";
import { createClaimSignatureVerifier, signClaim } from "../../client-sdk/src/signature/index.ts";
import { verifyLeaf, verifyReceipt } from "../../client-sdk/src/verify.ts";
import { anchorAll, buildTestApp, TEST_BACKENDS, type TestApp } from "../helpers/app.ts";

describe.each(TEST_BACKENDS)("receipt versions over the %s store", (backend) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp({}, backend);
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });
  const auth = (tenant: string) => ({ authorization: `Bearer ${t.keys[tenant]}` });
  const receiptOf = async (id: string) => (await t.app.inject({ method: "GET", url: `/v1/entries/${id}/receipt`, headers: auth("acme") })).json();

  it("issues receipt/2 with the client's SHA3-256 and an EIP-712 signature committed, and a leaf/1 row keeps its receipt/1", async () => {
    const sha256 = toHex(randomBytes(32));
    const sha3 = toHex(randomBytes(32));
    const wallet = Wallet.createRandom();
    const claim = { title: "Label", kind: "trademark" as const };
    const signature = await signClaim({ sha256, sha3_256: sha3, claim }, { format: "eip712/1", signer: wallet, chainId: 1 });
    const res = await t.app.inject({
      method: "POST",
      url: "/v1/stamps",
      headers: auth("acme"),
      payload: { items: [{ sha256, sha3_256: sha3, claim, signature }] },
    });
    expect(res.statusCode, res.body).toBe(202);
    const v2Id = res.json().entries[0].id;

    // A row as written before format 2: a leaf/1 hash, no leaf version (the migration's default 1).
    const tenant = (await t.app.store.getTenantByName("acme"))!;
    const oldDigest = randomBytes(32);
    const salt = randomBytes(16);
    const [old] = await t.app.store.insertEntries(
      [
        {
          id: `old-${backend}`,
          tenantId: tenant.id,
          sha256: toHex(oldDigest),
          sha3_256: null,
          size: null,
          name: null,
          mediaType: null,
          cid: null,
          cidProfile: null,
          pinStatus: "none",
          claim: null,
          claimSha256: null,
          previous: null,
          leafSalt: toHex(salt),
          leafHash: toHex(getLeafHash(oldDigest, null, salt)),
          receivedAt: new Date().toISOString(),
          requestId: null,
        },
      ],
      [...t.app.chains.keys()],
    );
    expect(old!.leafVersion).toBe(1);
    await anchorAll(t);

    const v2 = await receiptOf(v2Id);
    expect(v2).toMatchObject({
      version: "priorproof-receipt/2",
      subject: { sha256, sha3_256: sha3 },
      leaf: { encoding: "priorproof-leaf/2", sha3_256: sha3 },
      signature,
    });
    const v1 = await receiptOf(old!.id);
    expect(v1).toMatchObject({ version: "priorproof-receipt/1", leaf: { encoding: "priorproof-leaf/1" } });
    expect(v1.signature).toBeUndefined();

    const reader = createChainReader(t.chain.rpcUrl);
    try {
      const chains = { [String(t.chain.chainId)]: reader };
      const verdict2 = await verifyReceipt(v2, {
        sha256: fromHex(sha256, 32),
        sha3_256: fromHex(sha3, 32),
        chains,
        signature: createClaimSignatureVerifier({ trustedAccounts: [wallet.address] }),
      });
      expect(verdict2.verified, JSON.stringify(verdict2.checks)).toBe(true);
      expect(verdict2.checks.find((c) => c.id === "signature")?.status).toBe("passed");
      const verdict1 = await verifyReceipt(v1, { sha256: oldDigest, chains });
      expect(verdict1.verified, JSON.stringify(verdict1.checks)).toBe(true);
      expect(() => verifyLeaf(v1)).not.toThrow();
      // The file's SHA3-256 is compared when the verifier gives it.
      const wrong3 = await verifyReceipt(v2, { sha256: fromHex(sha256, 32), sha3_256: new Uint8Array(32), chains });
      expect(wrong3.verified).toBe(false);
      expect(wrong3.checks.find((c) => c.id === "digest.sha3")).toMatchObject({ status: "failed", code: "SHA3_MISMATCH" });
    } finally {
      reader.destroy();
    }
  }, 120_000);

  it("stores tenant settings (requireSignedClaims) and refuses unsigned stamps and uploads of that tenant", async () => {
    const rival = (await t.app.store.getTenantByName("rival"))!;
    expect(await t.app.store.getTenantSettings(rival.id)).toEqual({ requireSignedClaims: false, publicContent: false });
    await t.app.store.setTenantSettings(rival.id, { requireSignedClaims: true });
    expect(await t.app.store.getTenantSettings(rival.id)).toEqual({ requireSignedClaims: true, publicContent: false });
    const before = await t.app.store.stats();
    const res = await t.app.inject({ method: "POST", url: "/v1/stamps", headers: auth("rival"), payload: { items: [{ sha256: toHex(randomBytes(32)) }] } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe("SIGNATURE_REQUIRED");
    expect(await t.app.store.stats()).toEqual(before);
    await t.app.store.setTenantSettings(rival.id, { requireSignedClaims: false });
    const ok = await t.app.inject({ method: "POST", url: "/v1/stamps", headers: auth("rival"), payload: { items: [{ sha256: toHex(randomBytes(32)) }] } });
    expect(ok.statusCode).toBe(202);
  });

  it("refuses more than 100 signed items in one request (each costs a bounded chain search) with 400 INVALID_SIGNATURE", async () => {
    const signature = await signClaim({ sha256: toHex(randomBytes(32)) }, { format: "eip712/1", signer: Wallet.createRandom(), chainId: 1 });
    const items = Array.from({ length: 101 }, () => ({ sha256: toHex(randomBytes(32)), signature }));
    const before = await t.app.store.stats();
    const res = await t.app.inject({ method: "POST", url: "/v1/stamps", headers: auth("acme"), payload: { items } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: "INVALID_SIGNATURE", details: { code: "TOO_MANY_SIGNATURES" } });
    expect(await t.app.store.stats()).toEqual(before);
  });

  it.each([
    ["an unknown format", { format: "pgp/1", signedAt: "2026-11-30T08:00:00Z" }],
    ["a cms value that is not base64", { format: "cms/1", signedAt: "2026-11-30T08:00:00Z", cms: "not base64!" }],
    ["a cms value that is not a SignedData", { format: "cms/1", signedAt: "2026-11-30T08:00:00Z", cms: "MIIBAA==" }],
    [
      "an impossible signedAt",
      { format: "eip712/1", signedAt: "2026-11-31T08:00:00Z", signer: `0x${"11".repeat(20)}`, chainId: 1, value: `0x${"ab".repeat(65)}` },
    ],
    [
      "an eip712 value that does not recover the signer",
      { format: "eip712/1", signedAt: "2026-11-30T08:00:00Z", signer: `0x${"11".repeat(20)}`, chainId: 1, value: `0x${"ab".repeat(64)}1b` },
    ],
  ])("answers %s with 400 INVALID_SIGNATURE and stores nothing", async (_name, signature) => {
    const before = await t.app.store.stats();
    const res = await t.app.inject({
      method: "POST",
      url: "/v1/stamps",
      headers: auth("acme"),
      payload: { items: [{ sha256: toHex(randomBytes(32)), signature }] },
    });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().error.code).toBe("INVALID_SIGNATURE");
    expect(await t.app.store.stats()).toEqual(before);
  });
});
