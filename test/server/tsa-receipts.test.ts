/**
 * RFC 3161 tokens beside the chain anchor, end to end in-process: a real OpenSSL TSA (`openssl ts
 * -reply` behind a local HTTP endpoint), a real anvil chain, the SQLite store.
 */
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cachedChainReader, createChainReader, fromHex, verifyReceipt } from "../../client-sdk/src/index.ts";
import { createTimestampVerifier, opensslVerifyCommands } from "../../client-sdk/src/tsa.ts";
import { anchorAll, buildTestApp, type TestApp } from "../helpers/app.ts";
import { createTestPki, runShellLines, startOpensslTsa, type OpensslTsa } from "../helpers/openssl-tsa.ts";

const digest = "0x" + createHash("sha256").update("dual evidence").digest("hex");

let tsa: OpensslTsa;
let t: TestApp;
beforeAll(async () => {
  tsa = await startOpensslTsa();
  t = await buildTestApp({ TSA_URL: tsa.url, TSA_CA_FILE: tsa.caPath });
});
afterAll(async () => {
  await t?.close();
  await tsa?.close();
});

async function receiptOf(sha256: string) {
  const auth = { authorization: `Bearer ${t.keys.acme}` };
  const list = await t.app.inject({ method: "GET", url: `/v1/entries?sha256=${sha256}`, headers: auth });
  return (await t.app.inject({ method: "GET", url: `/v1/entries/${list.json().entries[0].id}/receipt`, headers: auth })).json();
}

describe("RFC 3161 tokens for batch roots", () => {
  it("stores one token per batch and adds it to every receipt of the batch as a second anchor", async () => {
    const other = "0x" + createHash("sha256").update("same batch").digest("hex");
    await t.app.inject({
      method: "POST",
      url: "/v1/stamps",
      headers: { authorization: `Bearer ${t.keys.acme}` },
      payload: { items: [{ sha256: digest }, { sha256: other }] },
    });
    await anchorAll(t);
    const before = tsa.requests();
    expect(await t.app.timestamper!.tick()).toBe(1);
    expect(tsa.requests() - before, "one request per batch, not per entry").toBe(1);

    for (const d of [digest, other]) {
      const receipt = await receiptOf(d);
      expect(receipt.anchors.map((a: { type: string }) => a.type)).toEqual(["evm", "rfc3161"]);
      expect(receipt.anchors[1].proof).toEqual(receipt.anchors[0].proof);
      const rpc = createChainReader(t.chain.rpcUrl);
      const verdict = await verifyReceipt(receipt, {
        sha256: fromHex(d, 32),
        chains: { "31337": cachedChainReader(rpc) },
        timestamp: createTimestampVerifier({ trustAnchors: [tsa.caDer] }),
      });
      rpc.destroy();
      expect(verdict.verified).toBe(true);
      expect(verdict.checks.find((c) => c.id === "anchors[1].tsa")).toMatchObject({ status: "passed" });
    }
  });

  it("gives a token that `openssl ts -verify` accepts for the batch root", async () => {
    const receipt = await receiptOf(digest);
    const token = receipt.anchors[1];
    const lines = opensslVerifyCommands({ digest: token.proof.root, tokenBase64: token.token, caFile: "tsa-ca.pem", genTime: new Date(token.genTime) });
    const { code, outputs } = await runShellLines(lines, { "tsa-ca.pem": tsa.caPem });
    expect(code, outputs.join("\n")).toBe(0);
    expect(outputs.join("\n")).toMatch(/Verification: OK/);
  });

  it("reports an untrusted TSA as its own failed line while the chain check still passes", async () => {
    const stranger = await createTestPki({ name: "Untrusted CA" });
    const receipt = await receiptOf(digest);
    const rpc = createChainReader(t.chain.rpcUrl);
    const verdict = await verifyReceipt(receipt, {
      sha256: fromHex(digest, 32),
      chains: { "31337": rpc },
      timestamp: createTimestampVerifier({ trustAnchors: [stranger.caDer] }),
    });
    rpc.destroy();
    expect(verdict.checks.find((c) => c.id === "anchors[1].tsa")).toMatchObject({ status: "failed", code: "TSA_UNTRUSTED" });
    expect(verdict.checks.find((c) => c.id === "anchors[0].chain")).toMatchObject({ status: "passed" });
    expect(verdict.verified).toBe(false);
  });

  it("keeps anchoring while the TSA fails, and obtains the token once it answers again", async () => {
    const late = "0x" + createHash("sha256").update("tsa outage").digest("hex");
    await t.app.inject({ method: "POST", url: "/v1/stamps", headers: { authorization: `Bearer ${t.keys.acme}` }, payload: { items: [{ sha256: late }] } });
    await anchorAll(t);
    tsa.fault({ kind: "status", status: 503 }, { kind: "status", status: 503 }, { kind: "status", status: 503 });
    expect(await t.app.timestamper!.tick()).toBe(0);
    const chainOnly = await receiptOf(late);
    expect(chainOnly.anchors.map((a: { type: string }) => a.type)).toEqual(["evm"]);
    expect(await t.app.timestamper!.tick()).toBe(1);
    expect((await receiptOf(late)).anchors.map((a: { type: string }) => a.type)).toEqual(["evm", "rfc3161"]);
  });
});
