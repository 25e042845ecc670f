import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TimestampRejectedError, TimestampTokenError, encodeTimeStampRequest, parseTimeStampResponse } from "../../../client-sdk/src/tsa.ts";
import { type OpensslTsa, openssl, startOpensslTsa } from "../../helpers/openssl-tsa.ts";

let tsa: OpensslTsa;
let dir: string;

beforeAll(async () => {
  tsa = await startOpensslTsa();
  dir = await mkdtemp(join(tmpdir(), "priorproof-tsq-"));
});
afterAll(async () => {
  await tsa?.close();
  await rm(dir, { recursive: true, force: true });
});

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString("hex");
}

async function reply(query: Uint8Array, name: string): Promise<Uint8Array> {
  const q = join(dir, `${name}.tsq`);
  const r = join(dir, `${name}.tsr`);
  await writeFile(q, query);
  await openssl([
    "ts",
    "-reply",
    "-queryfile",
    q,
    "-config",
    tsa.configPath,
    "-signer",
    tsa.tsaCertPath,
    "-inkey",
    tsa.tsaKeyPath,
    "-chain",
    tsa.caPath,
    "-out",
    r,
  ]);
  return new Uint8Array(await readFile(r));
}

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return e instanceof TimestampTokenError ? e.code : `untyped: ${String(e)}`;
  }
  return undefined;
}

describe("encodeTimeStampRequest", () => {
  it("encodes a TimeStampReq that openssl reads back with our digest, nonce, policy and certReq", async () => {
    const digest = crypto.getRandomValues(new Uint8Array(32));
    const nonce = 0xfedcba9876543210n;
    const der = encodeTimeStampRequest({ digest, nonce, certReq: true, policy: tsa.otherPolicy });
    const file = join(dir, "ours.tsq");
    await writeFile(file, der);
    const { stdout } = await openssl(["ts", "-query", "-in", file, "-text"]);
    expect(stdout).toContain("Hash Algorithm: sha256");
    expect(stdout).toContain(`Policy OID: ${tsa.otherPolicy}`);
    expect(stdout).toContain("Nonce: 0xFEDCBA9876543210");
    expect(stdout).toContain("Certificate required: yes");
    const messageHex = [...stdout.matchAll(/^\s+[0-9a-f]{4} - ([0-9a-f -]+?)\s{2,}/gm)].map((m) => (m[1] ?? "").replace(/[ -]/g, "")).join("");
    expect(messageHex).toBe(hex(digest));
  });

  it("produces the exact DER of RFC 3161 §2.4.1 (sha-256 without parameters, positive nonce, certReq true)", () => {
    const digest = new Uint8Array(32).fill(0x11);
    const der = encodeTimeStampRequest({ digest, nonce: 0x80n, certReq: true });
    const expected = `303b020101302f300b0609608648016503040201` + `0420${"11".repeat(32)}` + `02020080` + `0101ff`;
    expect(hex(der)).toBe(expected);
  });

  it("omits certReq when false, as DER requires for a DEFAULT FALSE field", () => {
    const der = encodeTimeStampRequest({ digest: new Uint8Array(32), nonce: 1n, certReq: false });
    expect(hex(der).endsWith("020101")).toBe(true);
    expect(hex(der)).not.toContain("0101ff");
  });

  it("rejects a digest that is not 32 bytes, a negative nonce and a malformed policy", () => {
    expect(codeOf(() => encodeTimeStampRequest({ digest: new Uint8Array(31), nonce: 1n }))).toBe("TSA_INVALID_ARGUMENT");
    expect(codeOf(() => encodeTimeStampRequest({ digest: new Uint8Array(32), nonce: -1n }))).toBe("TSA_INVALID_ARGUMENT");
    expect(codeOf(() => encodeTimeStampRequest({ digest: new Uint8Array(32), nonce: 1n, policy: "1.2.x" }))).toBe("TSA_INVALID_ARGUMENT");
    expect(codeOf(() => encodeTimeStampRequest({ digest: new Uint8Array(32), nonce: 1n, policy: "1.40.1" }))).toBe("TSA_INVALID_ARGUMENT");
  });
});

describe("parseTimeStampResponse", () => {
  it("returns exactly the token bytes openssl extracts from a granted response", async () => {
    const response = await reply(encodeTimeStampRequest({ digest: crypto.getRandomValues(new Uint8Array(32)), nonce: 7n }), "granted");
    const parsed = parseTimeStampResponse(response);
    expect(parsed.status).toBe("granted");
    const out = join(dir, "granted.tst");
    await openssl(["ts", "-reply", "-in", join(dir, "granted.tsr"), "-token_out", "-out", out]);
    expect(hex(parsed.token)).toBe(hex(new Uint8Array(await readFile(out))));
  });

  it("throws TSA_REJECTED with the failure info when the TSA refuses the policy", async () => {
    const response = await reply(encodeTimeStampRequest({ digest: new Uint8Array(32), nonce: 9n, policy: "1.2.3.4.5" }), "rejected");
    let error: unknown;
    try {
      parseTimeStampResponse(response);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TimestampRejectedError);
    const r = error as TimestampRejectedError;
    expect(r.code).toBe("TSA_REJECTED");
    expect(r.status).toBe("rejection");
    expect(r.failInfo).toEqual(["unacceptedPolicy"]);
    expect(r.message).toContain("unacceptedPolicy");
  });

  it("throws TSA_MALFORMED for garbage, truncation and trailing bytes", async () => {
    const response = await reply(encodeTimeStampRequest({ digest: new Uint8Array(32), nonce: 10n }), "ok2");
    expect(codeOf(() => parseTimeStampResponse(new Uint8Array([1, 2, 3, 4])))).toBe("TSA_MALFORMED");
    expect(codeOf(() => parseTimeStampResponse(new Uint8Array()))).toBe("TSA_MALFORMED");
    expect(codeOf(() => parseTimeStampResponse(response.slice(0, response.length - 1)))).toBe("TSA_MALFORMED");
    expect(codeOf(() => parseTimeStampResponse(new Uint8Array([...response, 0])))).toBe("TSA_MALFORMED");
    // A granted status without a token: SEQUENCE { SEQUENCE { INTEGER 0 } }
    expect(codeOf(() => parseTimeStampResponse(new Uint8Array([0x30, 0x05, 0x30, 0x03, 0x02, 0x01, 0x00])))).toBe("TSA_MALFORMED");
    expect(codeOf(() => parseTimeStampResponse(response))).toBeUndefined();
  });
});
