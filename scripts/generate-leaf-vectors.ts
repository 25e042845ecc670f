/**
 * Writes docs/vectors/leaf-v2.json: priorproof-leaf/2 leaves (docs/receipt.md) byte for byte, for any
 * implementation to check, and an `eip712/1` signed-statement vector: the statement's canonical JSON,
 * the EIP-712 digest computed here from its definition (typeHash, domain separator, struct hash with
 * keccak256 and ABI encoding — not through a typed-data library), and the deterministic (RFC 6979)
 * signature of the well-known anvil development key #0 (public: never use it for anything real). The expected values are computed here by a deliberately
 * separate reference:
 * the canonical JSON (RFC 8785) of every claim and signature is written out literally below (not
 * produced by the SDK's `canonicalJson`), and the leaf bytes are concatenated with node:crypto.
 * test/client-sdk/leaf-v2.test.ts checks the SDK against this file and runs `--check`.
 *
 * Usage: node scripts/generate-leaf-vectors.ts [--check]
 */
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { AbiCoder, keccak256, SigningKey, toUtf8Bytes } from "ethers";

const OUT = new URL("../docs/vectors/leaf-v2.json", import.meta.url);

const sha = (...parts: Buffer[]) => createHash("sha256").update(Buffer.concat(parts)).digest();
const hex = (b: Buffer) => "0x" + b.toString("hex");
const bytes = (h: string) => Buffer.from(h.slice(2), "hex");
const ZERO = Buffer.alloc(32);

interface Case {
  readonly name: string;
  readonly sha256: string;
  readonly sha3_256: string | null;
  readonly claim: object | null;
  /** The claim's RFC 8785 canonical JSON, written by hand. */
  readonly claimJcs: string | null;
  readonly signature: object | null;
  readonly signatureJcs: string | null;
  readonly salt: string;
}

// SHA-256 / SHA3-256 of the ASCII bytes "abc" (FIPS 180-4 / FIPS 202 examples).
const ABC_SHA256 = "0xba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
const ABC_SHA3 = "0x3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532";

/** Anvil / Hardhat development account #0 — a published test key. */
const DEV_KEY_0 = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const ZERO_WORD = "0x" + "00".repeat(32);

/** EIP-712 (docs/receipt.md): domain {name: "PriorProof", version: "2", chainId}, type Statement. */
function eip712Vector() {
  const abi = AbiCoder.defaultAbiCoder();
  const chainId = 11155111;
  const claim = { title: "Logo", previous: "0x" + "22".repeat(32) };
  const claimJcs = `{"previous":"0x${"22".repeat(32)}","title":"Logo"}`;
  const signedAt = "2026-11-30T08:00:00.5Z";
  const claimDigest = hex(sha(Buffer.from(claimJcs, "utf8")));
  const statementJcs = `{"claim":${claimJcs},"sha256":"${ABC_SHA256}","sha3_256":"${ABC_SHA3}","signedAt":"${signedAt}"}`;
  const domainTypeHash = keccak256(toUtf8Bytes("EIP712Domain(string name,string version,uint256 chainId)"));
  const domainSeparator = keccak256(
    abi.encode(["bytes32", "bytes32", "bytes32", "uint256"], [domainTypeHash, keccak256(toUtf8Bytes("PriorProof")), keccak256(toUtf8Bytes("2")), chainId]),
  );
  const typeHash = keccak256(toUtf8Bytes("Statement(bytes32 sha256,bytes32 sha3_256,bytes32 claimSha256,string signedAt)"));
  const structHash = keccak256(
    abi.encode(["bytes32", "bytes32", "bytes32", "bytes32", "bytes32"], [typeHash, ABC_SHA256, ABC_SHA3, claimDigest, keccak256(toUtf8Bytes(signedAt))]),
  );
  const digest = keccak256(Buffer.concat([Buffer.from([0x19, 0x01]), bytes(domainSeparator), bytes(structHash)]));
  const key = new SigningKey(DEV_KEY_0);
  const signer = new SigningKey(DEV_KEY_0).publicKey;
  const address = "0x" + keccak256(bytes("0x" + signer.slice(4))).slice(-40);
  const value = key.sign(digest).serialized.toLowerCase();
  const signature = { format: "eip712/1", signedAt, signer: address, chainId, value };
  const signatureJcs = `{"chainId":${chainId},"format":"eip712/1","signedAt":"${signedAt}","signer":"${address}","value":"${value}"}`;
  return {
    facts: { sha256: ABC_SHA256, sha3_256: ABC_SHA3, claim, signedAt },
    statementJcs,
    claimSha256: claimDigest,
    noClaimWord: ZERO_WORD,
    domainSeparator,
    structHash,
    eip712Digest: digest,
    privateKey: DEV_KEY_0,
    signature,
    signatureJcs,
  };
}
const EIP712 = eip712Vector();

const CASES: Case[] = [
  {
    name: "hash-only stamp: no SHA3-256, no claim, no signature",
    sha256: ABC_SHA256,
    sha3_256: null,
    claim: null,
    claimJcs: null,
    signature: null,
    signatureJcs: null,
    salt: "0x000102030405060708090a0b0c0d0e0f",
  },
  {
    name: "upload: SHA3-256 and a claim (member order and a non-ASCII title)",
    sha256: ABC_SHA256,
    sha3_256: ABC_SHA3,
    claim: { title: "Überlauf — rev. 3", kind: "design", author: "A. Designer" },
    claimJcs: '{"author":"A. Designer","kind":"design","title":"Überlauf — rev. 3"}',
    signature: null,
    signatureJcs: null,
    salt: "0xffeeddccbbaa99887766554433221100",
  },
  {
    name: "signed claim, cms/1 (placeholder CMS bytes: the leaf commits whatever signature object the receipt carries)",
    sha256: ABC_SHA256,
    sha3_256: null,
    claim: { claimant: "Acme GmbH", kind: "trademark" },
    claimJcs: '{"claimant":"Acme GmbH","kind":"trademark"}',
    signature: { signedAt: "2026-11-30T08:00:00Z", format: "cms/1", cms: "MIIBAA==" },
    signatureJcs: '{"cms":"MIIBAA==","format":"cms/1","signedAt":"2026-11-30T08:00:00Z"}',
    salt: "0x11111111111111111111111111111111",
  },
  {
    name: "signed claim, eip712/1 (the signatures.eip712 vector), with SHA3-256 (number member)",
    sha256: ABC_SHA256,
    sha3_256: ABC_SHA3,
    claim: EIP712.facts.claim,
    claimJcs: `{"previous":"0x${"22".repeat(32)}","title":"Logo"}`,
    signature: EIP712.signature,
    signatureJcs: EIP712.signatureJcs,
    salt: "0x0f0e0d0c0b0a09080706050403020100",
  },
];

function build(): object {
  const vectors = CASES.map((c) => {
    const claimSha256 = c.claimJcs === null ? null : sha(Buffer.from(c.claimJcs, "utf8"));
    const signatureSha256 = c.signatureJcs === null ? null : sha(Buffer.from(c.signatureJcs, "utf8"));
    const data = Buffer.concat([
      Buffer.from([0x02]),
      bytes(c.sha256),
      c.sha3_256 === null ? ZERO : bytes(c.sha3_256),
      claimSha256 ?? ZERO,
      signatureSha256 ?? ZERO,
      bytes(c.salt),
    ]);
    if (data.length !== 145) throw new Error(`leaf data of ${c.name} has ${data.length} bytes`);
    return {
      name: c.name,
      input: { sha256: c.sha256, sha3_256: c.sha3_256, claim: c.claim, signature: c.signature, salt: c.salt },
      claimJcs: c.claimJcs,
      claimSha256: claimSha256 ? hex(claimSha256) : null,
      signatureJcs: c.signatureJcs,
      signatureSha256: signatureSha256 ? hex(signatureSha256) : null,
      leafData: hex(data),
      leafHash: hex(sha(Buffer.from([0x00]), data)),
    };
  });
  return {
    description:
      "priorproof-leaf/2 vectors: leafData = 0x02 ‖ sha256 ‖ (sha3_256 | 32 zero bytes) ‖ (SHA-256(UTF-8(JCS(claim))) | zeros) ‖ " +
      "(SHA-256(UTF-8(JCS(signature))) | zeros) ‖ salt; leafHash = SHA-256(0x00 ‖ leafData). Generated by scripts/generate-leaf-vectors.ts.",
    vectors,
    signatures: {
      description:
        "eip712/1 over the statement JCS({sha256, sha3_256, claim, signedAt}); digest = keccak256(0x1901 ‖ domainSeparator ‖ structHash); value = " +
        "deterministic ECDSA (RFC 6979) by the published anvil development key #0.",
      eip712: EIP712,
    },
  };
}

const text = JSON.stringify(build(), null, 2) + "\n";
if (process.argv.includes("--check")) {
  const current = readFileSync(OUT, "utf8");
  if (current !== text) {
    console.error("docs/vectors/leaf-v2.json is not what scripts/generate-leaf-vectors.ts writes; run it without --check");
    process.exit(1);
  }
  console.log("docs/vectors/leaf-v2.json is up to date");
} else {
  writeFileSync(OUT, text);
  console.log(`wrote ${OUT.pathname}`);
}
