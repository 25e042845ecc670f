/**
 * priorproof-leaf/2 and priorproof-receipt/2: the SDK against the shared vectors (docs/vectors/leaf-v2.json,
 * written by an independent reference in scripts/generate-leaf-vectors.ts), the leaf checks of a v2
 * receipt (SHA3_MISMATCH, SIGNATURE_STRIPPED, SIGNATURE_MISMATCH), and the JSON Schema and the parser
 * giving the same accept/reject answer over one corpus of v2 documents.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { Ajv2020 } from "ajv/dist/2020.js";
import { describe, expect, it } from "vitest";
import { fromHex, toHex } from "../../client-sdk/src/bytes.ts";
import { type Claim, canonicalJson, claimSha256, encodeLeaf, encodeLeafV2, LEAF_V2_LENGTH, signatureSha256 } from "../../client-sdk/src/leaf.ts";
import { hashLeaf } from "../../client-sdk/src/merkle.ts";
import { type ClaimSignature, type Eip712ClaimSignature, parseReceipt, type ReceiptV2, receiptProblems } from "../../client-sdk/src/receipt.ts";
import { buildStatement, eip712Domain, eip712Message, EIP712_TYPES, verifyEip712Statement } from "../../client-sdk/src/signature/index.ts";
import { TypedDataEncoder, Wallet } from "ethers";
import { verifyDigest, verifyLeaf, verifyReceipt } from "../../client-sdk/src/verify.ts";

interface Vector {
  name: string;
  input: { sha256: string; sha3_256: string | null; claim: Claim | null; signature: ClaimSignature | null; salt: string };
  claimJcs: string | null;
  claimSha256: string | null;
  signatureJcs: string | null;
  signatureSha256: string | null;
  leafData: string;
  leafHash: string;
}
const file = JSON.parse(readFileSync(new URL("../../docs/vectors/leaf-v2.json", import.meta.url), "utf8")) as {
  vectors: Vector[];
  signatures: {
    eip712: {
      facts: { sha256: string; sha3_256: string; claim: Claim; signedAt: string };
      statementJcs: string;
      eip712Digest: string;
      signature: Eip712ClaimSignature;
      signatureJcs: string;
    };
  };
};
const { vectors } = file;
const schema = JSON.parse(readFileSync(new URL("../../docs/receipt.schema.json", import.meta.url), "utf8")) as object;
const validate = new Ajv2020({ allErrors: true, strict: false }).compile(schema);

/** A v2 receipt of a one-leaf tree (root = leaf hash) from a vector. */
function receiptOf(v: Vector): ReceiptV2 {
  const { sha256, sha3_256, claim, signature, salt } = v.input;
  return {
    version: "priorproof-receipt/2",
    id: "e1",
    subject: { sha256: sha256 as `0x${string}`, ...(sha3_256 ? { sha3_256: sha3_256 as `0x${string}` } : {}) },
    ...(claim ? { claim } : {}),
    leaf: {
      encoding: "priorproof-leaf/2",
      sha3_256: sha3_256 as `0x${string}` | null,
      claimSha256: v.claimSha256 as `0x${string}` | null,
      signatureSha256: v.signatureSha256 as `0x${string}` | null,
      salt: salt as `0x${string}`,
      hash: v.leafHash as `0x${string}`,
    },
    ...(signature ? { signature } : {}),
    service: { operator: "test", receivedAt: "2026-11-30T08:00:01.123Z", software: "priorproof/test" },
    anchors: [
      {
        type: "evm",
        proof: { root: v.leafHash as `0x${string}`, treeSize: 1, index: 0, path: [] },
        chainId: 31337,
        chainName: "anvil",
        development: true,
        contract: `0x${"12".repeat(20)}`,
        txHash: `0x${"34".repeat(32)}`,
        blockNumber: 5,
        blockHash: `0x${"56".repeat(32)}`,
        blockTime: "2026-11-30T08:00:02Z",
        confirmations: 1,
        requiredConfirmations: 1,
      },
    ],
    issuedAt: "2026-11-30T08:00:03Z",
  };
}

const codeOf = (f: () => unknown): string | undefined => {
  try {
    f();
    return undefined;
  } catch (e) {
    return (e as { code?: string }).code;
  }
};

describe("priorproof-leaf/2 vectors (docs/vectors/leaf-v2.json)", () => {
  it("is what scripts/generate-leaf-vectors.ts writes", () => {
    const out = execFileSync(process.execPath, ["scripts/generate-leaf-vectors.ts", "--check"], { encoding: "utf8" });
    expect(out).toContain("up to date");
  });

  it.each(vectors.map((v) => [v.name, v] as const))("rebuilds %s byte for byte", (_name, v) => {
    const { sha256, sha3_256, claim, signature, salt } = v.input;
    expect(claim ? canonicalJson(claim) : null).toBe(v.claimJcs);
    expect(claim ? toHex(claimSha256(claim)!) : null).toBe(v.claimSha256);
    expect(signature ? canonicalJson(signature) : null).toBe(v.signatureJcs);
    expect(signature ? toHex(signatureSha256(signature)!) : null).toBe(v.signatureSha256);
    const data = encodeLeafV2({
      sha256: fromHex(sha256, 32),
      sha3_256: sha3_256 ? fromHex(sha3_256, 32) : undefined,
      claimSha256: claimSha256(claim),
      signatureSha256: signatureSha256(signature),
      salt: fromHex(salt, 16),
    });
    expect(data.length).toBe(LEAF_V2_LENGTH);
    expect(toHex(data)).toBe(v.leafData);
    expect(toHex(hashLeaf(data))).toBe(v.leafHash);
    // The version byte separates the encodings: the same inputs as leaf/1 give another leaf.
    expect(toHex(hashLeaf(encodeLeaf(fromHex(sha256, 32), claimSha256(claim), fromHex(salt, 16))))).not.toBe(v.leafHash);
  });

  it("refuses digests of the wrong length", () => {
    const base = { sha256: new Uint8Array(32), salt: new Uint8Array(16) };
    expect(codeOf(() => encodeLeafV2({ ...base, sha3_256: new Uint8Array(31) }))).toBe("INVALID_LENGTH");
    expect(codeOf(() => encodeLeafV2({ ...base, signatureSha256: new Uint8Array(33) }))).toBe("INVALID_LENGTH");
    expect(codeOf(() => encodeLeafV2({ ...base, salt: new Uint8Array(15) }))).toBe("INVALID_LENGTH");
  });
});

describe("the eip712/1 signed-statement vector", () => {
  const v = file.signatures.eip712;
  it("rebuilds the statement JCS, the EIP-712 digest and the signature, and verifies it", async () => {
    expect(buildStatement(v.facts)).toBe(v.statementJcs);
    expect(TypedDataEncoder.hash(eip712Domain(v.signature.chainId), EIP712_TYPES, eip712Message(v.facts))).toBe(v.eip712Digest);
    expect(canonicalJson(v.signature)).toBe(v.signatureJcs);
    expect(verifyEip712Statement(v.signature, v.facts)).toEqual({ account: "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266", chainId: 11155111, pinned: false });
    // The SDK's signing path gives the same deterministic value.
    const wallet = new Wallet("0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80");
    expect((await wallet.signTypedData(eip712Domain(v.signature.chainId), EIP712_TYPES, eip712Message(v.facts))).toLowerCase()).toBe(v.signature.value);
  });
});

describe("verifyLeaf on priorproof-receipt/2", () => {
  const signed = vectors.find((v) => v.input.signature?.format === "eip712/1")!;
  const plain = vectors[0]!;

  it("accepts every vector's receipt and returns its leaf hash", () => {
    for (const v of vectors) {
      const r = parseReceipt(receiptOf(v));
      expect(toHex(verifyLeaf(r))).toBe(v.leafHash);
    }
  });

  it("fails SHA3_MISMATCH when subject.sha3_256 is removed, added or changed", () => {
    const r = receiptOf(signed);
    const { sha3_256: _, ...noSha3 } = r.subject;
    expect(codeOf(() => verifyLeaf({ ...r, subject: noSha3 }))).toBe("SHA3_MISMATCH");
    expect(codeOf(() => verifyLeaf({ ...r, subject: { ...r.subject, sha3_256: `0x${"77".repeat(32)}` } }))).toBe("SHA3_MISMATCH");
    const p = receiptOf(plain);
    expect(codeOf(() => verifyLeaf({ ...p, subject: { ...p.subject, sha3_256: `0x${"77".repeat(32)}` } }))).toBe("SHA3_MISMATCH");
  });

  it("fails SIGNATURE_STRIPPED when the leaf commits a signature the receipt no longer carries", () => {
    const { signature: _, ...stripped } = receiptOf(signed);
    expect(codeOf(() => verifyLeaf(stripped))).toBe("SIGNATURE_STRIPPED");
  });

  it("fails SIGNATURE_MISMATCH for a swapped signature, and for one added to an unsigned leaf", () => {
    const r = receiptOf(signed);
    const other = { ...(r.signature as ClaimSignature), signedAt: "2026-11-30T09:00:00Z" };
    expect(codeOf(() => verifyLeaf({ ...r, signature: other }))).toBe("SIGNATURE_MISMATCH");
    expect(codeOf(() => verifyLeaf({ ...receiptOf(plain), signature: other }))).toBe("SIGNATURE_MISMATCH");
  });

  it("fails CLAIM_MISMATCH for a changed claim and LEAF_MISMATCH for a changed salt", () => {
    const r = receiptOf(signed);
    expect(codeOf(() => verifyLeaf({ ...r, claim: { ...r.claim, title: "Logo 2" } }))).toBe("CLAIM_MISMATCH");
    expect(codeOf(() => verifyLeaf({ ...r, leaf: { ...r.leaf, salt: `0x${"00".repeat(16)}` } }))).toBe("LEAF_MISMATCH");
  });

  it("lets verifyDigest compare SHA3-256 when the caller gives it", () => {
    const r = receiptOf(signed);
    expect(() => verifyDigest(r, fromHex(r.subject.sha256, 32), fromHex(r.subject.sha3_256!, 32))).not.toThrow();
    expect(codeOf(() => verifyDigest(r, fromHex(r.subject.sha256, 32), new Uint8Array(32)))).toBe("DIGEST_MISMATCH");
  });

  it("reports the failed leaf check in the verdict", async () => {
    const { signature: _, ...stripped } = receiptOf(signed);
    const verdict = await verifyReceipt(stripped);
    expect(verdict.checks.find((c) => c.id === "schema")).toMatchObject({ status: "passed", title: "Receipt follows priorproof-receipt/2" });
    expect(verdict.checks.find((c) => c.id === "leaf")).toMatchObject({ status: "failed", code: "SIGNATURE_STRIPPED" });
    expect(verdict.verified).toBe(false);
  });
});

describe("the receipt/2 schema and parser agree", () => {
  const good = receiptOf(vectors.find((v) => v.input.signature?.format === "cms/1")!);
  const eip = receiptOf(vectors.find((v) => v.input.signature?.format === "eip712/1")!);
  const corpus: [string, unknown, boolean][] = [
    ["a cms/1 signed receipt", good, true],
    ["an eip712/1 signed receipt", eip, true],
    ["an unsigned receipt", receiptOf(vectors[0]!), true],
    ["an unknown top-level member", { ...good, extra: 1 }, false],
    ["an unknown leaf member", { ...good, leaf: { ...good.leaf, salt2: good.leaf.salt } }, false],
    [
      "a leaf/1 leaf in a receipt/2",
      { ...good, leaf: { encoding: "priorproof-leaf/1", claimSha256: good.leaf.claimSha256, salt: good.leaf.salt, hash: good.leaf.hash } },
      false,
    ],
    ["a leaf without signatureSha256", { ...good, leaf: { ...good.leaf, signatureSha256: undefined } }, false],
    ["an unknown signature format", { ...good, signature: { format: "pgp/1", signedAt: "2026-11-30T08:00:00Z" } }, false],
    ["a cms signature that is not base64", { ...good, signature: { ...good.signature, cms: "not base64!" } }, false],
    ["a cms signature over the size limit", { ...good, signature: { ...good.signature, cms: "A".repeat(131_076) } }, false],
    ["a cms signature with an extra member", { ...good, signature: { ...good.signature, certs: [] } }, false],
    ["an eip712 value of 64 bytes", { ...eip, signature: { ...eip.signature, value: `0x${"ab".repeat(64)}` } }, false],
    ["an eip712 chain id of 0", { ...eip, signature: { ...eip.signature, chainId: 0 } }, false],
    ["an eip712 signer that is not an address", { ...eip, signature: { ...eip.signature, signer: "0x1234" } }, false],
    ["a signedAt that is not UTC", { ...good, signature: { ...good.signature, signedAt: "2026-11-30T08:00:00+01:00" } }, false],
    ["an unknown anchor member", { ...good, anchors: [{ ...good.anchors[0], note: "x" }] }, false],
  ];
  it.each(corpus)("%s", (_name, doc, valid) => {
    expect(validate(doc), JSON.stringify(validate.errors)).toBe(valid);
    expect(receiptProblems(doc).length === 0).toBe(valid);
  });

  it("rejects an impossible date the schema pattern cannot see (the parser is stricter)", () => {
    const doc = { ...good, signature: { ...good.signature, signedAt: "2026-11-31T08:00:00Z" } };
    expect(receiptProblems(doc)).toEqual(["signature.signedAt: expected a UTC ISO-8601 time (a real date)"]);
  });
});
