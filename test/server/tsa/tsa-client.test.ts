import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toHex } from "../../../client-sdk/src/bytes.ts";
import {
  TimestampRejectedError,
  TimestampTokenError,
  base64ToBytes,
  opensslVerifyCommands,
  parseTimeStampResponse,
  verifyTimestampToken,
} from "../../../client-sdk/src/tsa.ts";
import { type TsaClientOptions, TsaClientError, createTsaClient } from "../../../server/src/services/tsa-client.ts";
import { type OpensslTsa, runShellLines, startOpensslTsa } from "../../helpers/openssl-tsa.ts";

let tsa: OpensslTsa;
let rogue: OpensslTsa;

beforeAll(async () => {
  [tsa, rogue] = await Promise.all([startOpensslTsa(), startOpensslTsa({ name: "Rogue Stamps" })]);
});
afterAll(async () => {
  await Promise.all([tsa?.close(), rogue?.close()]);
});

function client(overrides: Partial<TsaClientOptions> = {}) {
  return createTsaClient({ url: tsa.url, timeoutMs: 5_000, retry: { attempts: 3, baseDelayMs: 10 }, trustAnchors: [tsa.caDer], ...overrides });
}

const root = (): Uint8Array => crypto.getRandomValues(new Uint8Array(32));

async function failure(p: Promise<unknown>): Promise<{ code: string; error: unknown }> {
  try {
    await p;
  } catch (e) {
    return { code: e instanceof TsaClientError || e instanceof TimestampTokenError ? e.code : `untyped: ${String(e)}`, error: e };
  }
  return { code: "ok", error: undefined };
}

describe("requestToken against the OpenSSL TSA", () => {
  it("returns a verified token for the root, the response it came in, and the receipt anchor", async () => {
    const r = root();
    const before = tsa.requests();
    const result = await client().requestToken(r);
    expect(tsa.requests() - before).toBe(1);
    expect(result.attempts).toBe(1);
    expect(parseTimeStampResponse(result.response).token).toEqual(result.token);
    expect(result.info.messageImprint).toBe(toHex(r));
    expect(result.info.nonce).toBe(result.nonce);
    expect(result.nonce).toBeLessThan(1n << 64n);
    const again = await verifyTimestampToken(result.token, { digest: r, nonce: result.nonce, trustAnchors: [tsa.caDer] });
    expect(again).toEqual(result.info);
    expect(result.receipt).toMatchObject({
      type: "rfc3161",
      tsaUrl: tsa.url,
      stampedDigest: toHex(r),
      genTime: result.info.genTime.toISOString(),
      policy: tsa.policy,
      qualified: false,
    });
    expect(base64ToBytes(result.receipt.token)).toEqual(result.token);
  });

  it("the stored token verifies with openssl ts -verify -token_in; the response verifies with plain -in; the token without -token_in does not", async () => {
    const r = root();
    const { receipt, response, info } = await client().requestToken(r);
    const lines = opensslVerifyCommands({ digest: receipt.stampedDigest, tokenBase64: receipt.token, genTime: receipt.genTime });
    const files = { "tsa-ca.pem": tsa.caPem, "response.tsr": response };
    const viaToken = await runShellLines(lines, files);
    expect(viaToken.code).toBe(0);
    expect(viaToken.outputs.at(-1)).toContain("Verification: OK");
    const hex = toHex(r).slice(2);
    const viaResponse = await runShellLines([`openssl ts -verify -digest ${hex} -in response.tsr -CAfile tsa-ca.pem`], files);
    expect(viaResponse.outputs[0]).toContain("Verification: OK");
    const wrongForm = await runShellLines([...lines.slice(0, 1), `openssl ts -verify -digest ${hex} -in token.tst -CAfile tsa-ca.pem`], files);
    expect(wrongForm.code).not.toBe(0);
    expect(info.genTime.toISOString()).toBe(receipt.genTime);
  });

  it("requests the configured policy and insists on it", async () => {
    const result = await client({ policy: tsa.otherPolicy }).requestToken(root());
    expect(result.info.policy).toBe(tsa.otherPolicy);
  });

  it("retries on HTTP 503 and on a reset connection, then succeeds", async () => {
    tsa.fault({ kind: "status", status: 503 }, { kind: "reset" });
    const before = tsa.requests();
    const result = await client().requestToken(root());
    expect(result.attempts).toBe(3);
    expect(tsa.requests() - before).toBe(3);
  });

  it("gives up after the configured attempts with TSA_HTTP_STATUS and the last status", async () => {
    tsa.fault({ kind: "status", status: 502 }, { kind: "status", status: 503 });
    const before = tsa.requests();
    const { code, error } = await failure(client({ retry: { attempts: 2, baseDelayMs: 5 } }).requestToken(root()));
    expect(code).toBe("TSA_HTTP_STATUS");
    expect((error as TsaClientError).status).toBe(503);
    expect((error as TsaClientError).attempts).toBe(2);
    expect(tsa.requests() - before).toBe(2);
  });

  it("does not retry an HTTP 400", async () => {
    tsa.fault({ kind: "status", status: 400 });
    const before = tsa.requests();
    const { code, error } = await failure(client().requestToken(root()));
    expect(code).toBe("TSA_HTTP_STATUS");
    expect((error as TsaClientError).status).toBe(400);
    expect(tsa.requests() - before).toBe(1);
  });

  it("times out each attempt with TSA_TIMEOUT", async () => {
    tsa.fault({ kind: "hang", ms: 1_500 }, { kind: "hang", ms: 1_500 });
    const started = Date.now();
    const { code, error } = await failure(client({ timeoutMs: 150, retry: { attempts: 2, baseDelayMs: 5 } }).requestToken(root()));
    expect(code).toBe("TSA_TIMEOUT");
    expect((error as TsaClientError).attempts).toBe(2);
    expect(Date.now() - started).toBeLessThan(1_400);
  });

  it("fails with TSA_NETWORK when nothing listens, after retrying", async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((r) => closed.close(() => r()));
    let calls = 0;
    const counting: TsaClientOptions["fetch"] = (url, init) => {
      calls++;
      return fetch(url, { ...init, body: new Uint8Array(init.body) });
    };
    const { code } = await failure(client({ url: `http://127.0.0.1:${port}/tsa`, fetch: counting }).requestToken(root()));
    expect(code).toBe("TSA_NETWORK");
    expect(calls).toBe(3);
  });

  it("rejects a reply with the wrong media type (TSA_CONTENT_TYPE), without retrying", async () => {
    tsa.fault({ kind: "contentType", contentType: "text/html" });
    const before = tsa.requests();
    expect((await failure(client().requestToken(root()))).code).toBe("TSA_CONTENT_TYPE");
    expect(tsa.requests() - before).toBe(1);
  });

  it("rejects a replayed response with TSA_NONCE_MISMATCH", async () => {
    const r = root();
    await client().requestToken(r);
    tsa.fault({ kind: "replay" });
    expect((await failure(client().requestToken(r))).code).toBe("TSA_NONCE_MISMATCH");
  });

  it("rejects a token from a TSA outside the trust anchors with TSA_UNTRUSTED, without retrying", async () => {
    const before = rogue.requests();
    expect((await failure(client({ url: rogue.url }).requestToken(root()))).code).toBe("TSA_UNTRUSTED");
    expect(rogue.requests() - before).toBe(1);
  });

  it("surfaces a TSA refusal as TSA_REJECTED with its failure info", async () => {
    const { code, error } = await failure(client({ policy: "1.2.3.4.5" }).requestToken(root()));
    expect(code).toBe("TSA_REJECTED");
    expect(error).toBeInstanceOf(TimestampRejectedError);
    expect((error as TimestampRejectedError).failInfo).toEqual(["unacceptedPolicy"]);
  });

  it("refuses a bad configuration with TSA_CONFIG and a bad root with TSA_INVALID_ARGUMENT", async () => {
    expect(() => client({ trustAnchors: [] })).toThrow(TsaClientError);
    expect(() => client({ url: "ftp://example.org/tsa" })).toThrow(/http/);
    expect(() => client({ retry: { attempts: 0, baseDelayMs: 1 } })).toThrow(/attempts/);
    expect((await failure(client().requestToken(new Uint8Array(31)))).code).toBe("TSA_INVALID_ARGUMENT");
  });
});
