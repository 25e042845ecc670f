/**
 * Claimant signatures (issue 16) with certificates made by openssl in the test: CMS detached SignedData
 * with ECDSA P-256 / P-384, Ed25519 and RSA-PSS (PEM key + chain, PKCS#12, WebCrypto key), verified by
 * the SDK and by `openssl cms -verify` on the extracted signature and statement; every failure with
 * its own code; EIP-712 the same way. Receipts are priorproof-receipt/2 built with the real leaf code.
 */
import { execFile } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import * as asn1js from "asn1js";
import { Wallet } from "ethers";
import * as pkijs from "pkijs";
import { beforeAll, describe, expect, it } from "vitest";
import { fromHex, toHex } from "../../../client-sdk/src/bytes.ts";
import { type Claim, claimSha256, encodeLeafV2, signatureSha256 } from "../../../client-sdk/src/leaf.ts";
import { hashLeaf } from "../../../client-sdk/src/merkle.ts";
import { bytesToBase64, decodeBase64 } from "../../../client-sdk/src/pki/der.ts";
import type { ClaimSignature, Hex, ReceiptV2 } from "../../../client-sdk/src/receipt.ts";
import {
  buildStatement,
  type ClaimSigner,
  createCmsSignature,
  describeSignedIdentity,
  eip712Domain,
  EIP712_TYPES,
  eip712Message,
  signClaim,
  statementOfReceipt,
  verifyClaimSignature,
  webCryptoSigningKey,
} from "../../../client-sdk/src/signature/index.ts";
import { nodeSigningKey, pemClaimSigner, pkcs12ClaimSigner } from "../../../client-sdk/src/signature/node.ts";
import { verifyLeaf } from "../../../client-sdk/src/verify.ts";
import { pemToDer } from "../../helpers/openssl-tsa.ts";
import { CertFactory, certificateLoop, EXT, type Issued, type SignerChain, signerChain, type SignerKeyType } from "../../helpers/signer-pki.ts";

const run = promisify(execFile);
const SHA256 = "0xba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
const SHA3 = "0x3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532";
const CLAIM: Claim = { title: "Power bank, rev. 3", kind: "design", claimant: "Acme GmbH" };
const NOW = () => new Date();

/** A v2 receipt of a one-leaf tree committing `signature`. */
function receiptOf(signature: ClaimSignature | undefined, over: { sha256?: string; sha3_256?: string; claim?: Claim } = {}): ReceiptV2 {
  const sha256 = (over.sha256 ?? SHA256) as Hex;
  const sha3 = (over.sha3_256 ?? SHA3) as Hex;
  const claim = over.claim ?? CLAIM;
  const salt = `0x${"5a".repeat(16)}` as Hex;
  const c = claimSha256(claim);
  const s = signatureSha256(signature);
  const leaf = toHex(
    hashLeaf(encodeLeafV2({ sha256: fromHex(sha256, 32), sha3_256: fromHex(sha3, 32), claimSha256: c, signatureSha256: s, salt: fromHex(salt, 16) })),
  );
  return {
    version: "priorproof-receipt/2",
    id: "e1",
    subject: { sha256, sha3_256: sha3 },
    claim,
    leaf: { encoding: "priorproof-leaf/2", sha3_256: sha3, claimSha256: c ? toHex(c) : null, signatureSha256: s ? toHex(s) : null, salt, hash: leaf },
    ...(signature ? { signature } : {}),
    service: { operator: "test", receivedAt: "2026-11-30T08:00:01Z", software: "priorproof/test" },
    anchors: [
      {
        type: "evm",
        proof: { root: leaf, treeSize: 1, index: 0, path: [] },
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

async function codeOf(p: Promise<unknown> | (() => unknown)): Promise<string> {
  try {
    await (typeof p === "function" ? p() : p);
    return "ok";
  } catch (e) {
    return (e as { code?: string }).code ?? `untyped: ${String(e)}`;
  }
}

const claimInput = { sha256: SHA256, sha3_256: SHA3, claim: CLAIM };

let f: CertFactory;
const chains = {} as Record<SignerKeyType, SignerChain>;
let other: SignerChain;
beforeAll(async () => {
  f = await CertFactory.create();
  for (const t of ["ec-p256", "ec-p384", "ed25519", "rsa"] as const) chains[t] = await signerChain(f, t, t);
  other = await signerChain(f, "other", "ec-p256");
}, 180_000);

/** `openssl cms -verify` on the signature and statement extracted from the receipt. */
async function opensslVerify(receipt: ReceiptV2, caPem: string): Promise<string> {
  const sig = receipt.signature as Extract<ClaimSignature, { format: "cms/1" }>;
  const der = join(f.dir, `sig-${Math.random().toString(16).slice(2)}.der`);
  const statement = `${der}.statement.json`;
  const ca = `${der}.ca.pem`;
  await writeFile(der, decodeBase64(sig.cms)!);
  await writeFile(statement, buildStatement(statementOfReceipt(receipt, sig.signedAt)));
  await writeFile(ca, caPem);
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
    ca,
    "-purpose",
    "any",
    "-out",
    "/dev/null",
  ]).catch((e: { stderr: string }) => ({ stderr: e.stderr }));
  return r.stderr;
}

/**
 * OpenSSL 3.0 cannot verify Ed25519 CMS ("invalid digest"); check the same bytes with its EdDSA
 * primitive instead: the message-digest attribute is SHA-512 of the statement (openssl dgst), and the
 * signature verifies over the DER signed attributes (openssl pkeyutl -rawin).
 */
async function opensslPkeyutlVerify(receipt: ReceiptV2, signer: Issued): Promise<string> {
  const sig = receipt.signature as Extract<ClaimSignature, { format: "cms/1" }>;
  const ci = new pkijs.ContentInfo({ schema: asn1js.fromBER(decodeBase64(sig.cms)!).result });
  const si = new pkijs.SignedData({ schema: ci.content }).signerInfos[0] as pkijs.SignerInfo;
  const base = join(f.dir, `ed-${Math.random().toString(16).slice(2)}`);
  await writeFile(`${base}.attrs`, new Uint8Array(si.signedAttrs!.encodedValue));
  await writeFile(`${base}.sig`, new Uint8Array(si.signature.valueBlock.valueHexView));
  await writeFile(`${base}.statement`, buildStatement(statementOfReceipt(receipt, sig.signedAt)));
  await run("openssl", ["x509", "-in", signer.certPath, "-pubkey", "-noout", "-out", `${base}.pub`]);
  const md = (await run("openssl", ["dgst", "-sha512", "-r", `${base}.statement`])).stdout.split(" ")[0];
  const attrs = new Uint8Array(si.signedAttrs!.encodedValue);
  if (
    !Buffer.from(attrs)
      .toString("hex")
      .includes(md as string)
  )
    return "message digest is not SHA-512 of the statement";
  const r = await run("openssl", ["pkeyutl", "-verify", "-pubin", "-inkey", `${base}.pub`, "-rawin", "-in", `${base}.attrs`, "-sigfile", `${base}.sig`]).catch(
    (e: { stdout: string }) => e,
  );
  return r.stdout;
}

describe("signClaim / verifyClaimSignature, cms/1", () => {
  it.each(["ec-p256", "ec-p384", "ed25519", "rsa"] as const)(
    "%s (PEM key + chain): verified by the SDK and by openssl (cms -verify; for Ed25519, which OpenSSL 3.0's CMS lacks, pkeyutl over the signed attributes)",
    async (t) => {
      const chain = chains[t];
      const signer = pemClaimSigner(chain.signer.keyPem, chain.signer.certPem + chain.intermediate.certPem);
      const signature = await signClaim(claimInput, signer);
      const receipt = receiptOf(signature);
      expect(() => verifyLeaf(receipt)).not.toThrow();
      const identity = await verifyClaimSignature(receipt, NOW(), { trustAnchors: [chain.root.certDer] });
      expect(identity).toMatchObject({ kind: "x509", signer: { subject: `O=PriorProof Test,CN=${t}-signer`.split(",").reverse().join(",") } });
      if (identity.kind !== "x509") throw new Error("x509 expected");
      expect(identity.trustAnchor.subject).toBe(`CN=${t}-root,O=PriorProof Test`);
      expect(identity.chain.map((c) => c.subject)).toEqual([`CN=${t}-int,O=PriorProof Test`]);
      expect(identity.revocation).toEqual({ checked: false, detail: "revocation not checked (no CRL or OCSP response captured at signing)" });
      expect(describeSignedIdentity(identity)).toContain(`signed by CN=${t}-signer`);
      if (t === "ed25519") {
        expect(await opensslPkeyutlVerify(receipt, chain.signer)).toContain("Signature Verified Successfully");
        return;
      }
      expect(await opensslVerify(receipt, chain.root.certPem)).toContain("Verification successful");
      // openssl agrees that another CA does not verify it
      expect(await opensslVerify(receipt, other.root.certPem)).not.toContain("Verification successful");
    },
    60_000,
  );

  it("signs with a PKCS#12 file (and refuses a wrong password)", async () => {
    const chain = chains["ec-p256"];
    const p12 = await readFile(await f.pkcs12(chain.signer, [chain.intermediate], "s3cret pass"));
    const signer = await pkcs12ClaimSigner(p12, "s3cret pass");
    const receipt = receiptOf(await signClaim(claimInput, signer));
    expect((await verifyClaimSignature(receipt, NOW(), { trustAnchors: [chain.root.certDer] })).kind).toBe("x509");
    expect(await opensslVerify(receipt, chain.root.certPem)).toContain("Verification successful");
    expect(await codeOf(pkcs12ClaimSigner(p12, "wrong"))).toBe("INVALID_ARGUMENT");
  }, 60_000);

  it("signs with WebCrypto keys (as in the browser): Ed25519 and ECDSA P-256", async () => {
    for (const t of ["ed25519", "ec-p256"] as const) {
      const chain = chains[t];
      const alg = t === "ed25519" ? { name: "Ed25519" } : { name: "ECDSA", namedCurve: "P-256" };
      const key = await crypto.subtle.importKey(
        "pkcs8",
        new Uint8Array(pemToDer(chain.signer.keyPem.replace(/-----(BEGIN|END) PRIVATE KEY-----/g, (m) => m.replace("PRIVATE KEY", "CERTIFICATE")))),
        alg,
        false,
        ["sign"],
      );
      const receipt = receiptOf(await signClaim(claimInput, { format: "cms/1", key, certificates: [chain.signer.certDer, chain.intermediate.certDer] }));
      expect((await verifyClaimSignature(receipt, NOW(), { trustAnchors: [chain.root.certDer] })).kind).toBe("x509");
      expect(webCryptoSigningKey(key).algorithm).toBe(t === "ed25519" ? "ed25519" : "ecdsa-p256");
    }
  });
});

describe("cms/1 failures, each with its own code", () => {
  let good: ReceiptV2;
  let chain: SignerChain;
  beforeAll(async () => {
    chain = chains["ec-p256"];
    good = receiptOf(await signClaim(claimInput, pemClaimSigner(chain.signer.keyPem, chain.signer.certPem + chain.intermediate.certPem)));
  });
  const trust = () => ({ trustAnchors: [chain.root.certDer] });
  const signWith = async (signer: Issued, chainCerts: Issued[]) =>
    receiptOf(await signClaim(claimInput, pemClaimSigner(signer.keyPem, [signer, ...chainCerts].map((c) => c.certPem).join(""))));

  it("tampered claim: SIGNATURE_INVALID (and the leaf check CLAIM_MISMATCH)", async () => {
    const tampered = { ...good, claim: { ...CLAIM, claimant: "Knock-off Ltd" } };
    expect(await codeOf(verifyClaimSignature(tampered, NOW(), trust()))).toBe("SIGNATURE_INVALID");
    expect(await codeOf(() => verifyLeaf(tampered))).toBe("CLAIM_MISMATCH");
  });

  it("tampered digest: SIGNATURE_INVALID", async () => {
    const tampered = { ...good, subject: { ...good.subject, sha256: `0x${"ee".repeat(32)}` as Hex } };
    expect(await codeOf(verifyClaimSignature(tampered, NOW(), trust()))).toBe("SIGNATURE_INVALID");
  });

  it("signature from another key (the certificate names one key, another signed): SIGNATURE_INVALID", async () => {
    const second = await f.issue("second-signer", chain.intermediate, { keyType: "ec-p256", ext: EXT.signer });
    const byOther = (await signWith(second, [chain.intermediate])).signature as Extract<ClaimSignature, { format: "cms/1" }>;
    // Re-label the SignedData: it names the first signer's certificate, but the second key signed.
    const ci = new pkijs.ContentInfo({ schema: asn1js.fromBER(decodeBase64(byOther.cms)!).result });
    const sd = new pkijs.SignedData({ schema: ci.content });
    const first = pkijs.Certificate.fromBER(new Uint8Array(chain.signer.certDer));
    sd.certificates = [first, pkijs.Certificate.fromBER(new Uint8Array(chain.intermediate.certDer))];
    (sd.signerInfos[0] as pkijs.SignerInfo).sid = new pkijs.IssuerAndSerialNumber({ issuer: first.issuer, serialNumber: first.serialNumber });
    const cms = bytesToBase64(new Uint8Array(new pkijs.ContentInfo({ contentType: ci.contentType, content: sd.toSchema(true) }).toSchema().toBER()));
    const relabelled = receiptOf({ ...byOther, cms });
    expect(await codeOf(verifyClaimSignature(relabelled, NOW(), trust()))).toBe("SIGNATURE_INVALID");
  });

  it("certificate of another CA: SIGNER_UNTRUSTED", async () => {
    const foreign = await signWith(other.signer, [other.intermediate]);
    expect(await codeOf(verifyClaimSignature(foreign, NOW(), trust()))).toBe("SIGNER_UNTRUSTED");
    // The verifier chose no anchor: nothing in the signature is trusted on its own.
    expect(await codeOf(verifyClaimSignature(good, NOW(), { trustAnchors: [] }))).toBe("SIGNER_UNTRUSTED");
  });

  it("certificate expired before the anchor time: SIGNER_EXPIRED (validity judged at the anchor time, not now)", async () => {
    const expired = await f.issue("expired-signer", chain.intermediate, {
      keyType: "ec-p256",
      ext: EXT.signer,
      startdate: "20200101000000Z",
      enddate: "20210101000000Z",
    });
    const r = await signWith(expired, [chain.intermediate]);
    expect(await codeOf(verifyClaimSignature(r, NOW(), trust()))).toBe("SIGNER_EXPIRED");
  });

  it("certificate not yet valid at the anchor time: SIGNER_NOT_YET_VALID", async () => {
    const future = await f.issue("future-signer", chain.intermediate, {
      keyType: "ec-p256",
      ext: EXT.signer,
      startdate: "20980101000000Z",
      enddate: "20990101000000Z",
    });
    expect(await codeOf(verifyClaimSignature(await signWith(future, [chain.intermediate]), NOW(), trust()))).toBe("SIGNER_NOT_YET_VALID");
  });

  it("wrong key usage (keyEncipherment only): SIGNER_KEY_USAGE", async () => {
    const enc = await f.issue("encipher-signer", chain.intermediate, { keyType: "ec-p256", ext: EXT.encipherOnly });
    expect(await codeOf(verifyClaimSignature(await signWith(enc, [chain.intermediate]), NOW(), trust()))).toBe("SIGNER_KEY_USAGE");
  });

  it("chain loop (the signature carries CA certificates that sign each other): CHAIN_LOOP, fast", async () => {
    const { leaf, loop } = await certificateLoop(f, 6, EXT.signer);
    const r = await signWith(leaf, loop);
    const started = performance.now();
    expect(await codeOf(verifyClaimSignature(r, NOW(), trust()))).toBe("CHAIN_LOOP");
    expect(performance.now() - started).toBeLessThan(5_000);
  }, 60_000);

  it("signature moved to another leaf: SIGNATURE_MISMATCH at the leaf, SIGNATURE_INVALID over the other statement", async () => {
    const otherEntry = receiptOf(undefined, { sha256: `0x${"42".repeat(32)}` });
    const moved = { ...otherEntry, signature: good.signature };
    expect(await codeOf(() => verifyLeaf(moved))).toBe("SIGNATURE_MISMATCH");
    expect(await codeOf(verifyClaimSignature(moved, NOW(), trust()))).toBe("SIGNATURE_INVALID");
  });

  it("stripped signature on a v2 leaf: SIGNATURE_STRIPPED", async () => {
    const { signature: _, ...stripped } = good;
    expect(await codeOf(() => verifyLeaf(stripped))).toBe("SIGNATURE_STRIPPED");
  });

  it("a changed signature byte: SIGNATURE_INVALID (and openssl agrees)", async () => {
    const sig = good.signature as Extract<ClaimSignature, { format: "cms/1" }>;
    const der = decodeBase64(sig.cms)!;
    der[der.length - 5] = (der[der.length - 5] ?? 0) ^ 0x01; // inside the signature value, the last field
    const broken = receiptOf({ ...sig, cms: bytesToBase64(der) });
    expect(await codeOf(verifyClaimSignature(broken, NOW(), trust()))).toBe("SIGNATURE_INVALID");
    expect(await opensslVerify(broken, chain.root.certPem)).not.toContain("Verification successful");
  });

  it("refuses to create a signature whose key is not the certificate's", async () => {
    const key = nodeSigningKey(other.signer.keyPem);
    expect(await codeOf(createCmsSignature(new Uint8Array([1]), { key, certificates: [chain.signer.certDer] }))).toBe("SIGNATURE_INVALID");
  });
});

describe("eip712/1", () => {
  const wallet = Wallet.createRandom();
  it("verifies, and fails on a wrong chain id, another domain, a tampered claim or an unpinned account", async () => {
    const signer: ClaimSigner = { format: "eip712/1", signer: wallet, chainId: 11155111 };
    const signature = await signClaim(claimInput, signer);
    const receipt = receiptOf(signature);
    expect(() => verifyLeaf(receipt)).not.toThrow();
    const identity = await verifyClaimSignature(receipt, NOW(), { eip712ChainIds: [11155111] });
    expect(identity).toEqual({ kind: "ethereum", format: "eip712/1", signedAt: signature.signedAt, account: wallet.address, chainId: 11155111, pinned: false });
    expect(await verifyClaimSignature(receipt, NOW(), { trustedAccounts: [wallet.address] })).toMatchObject({ pinned: true });

    expect(await codeOf(verifyClaimSignature(receipt, NOW(), { eip712ChainIds: [1] }))).toBe("EIP712_DOMAIN_MISMATCH");
    // Signed for chain 1 but stated as chain 11155111: recovers another account.
    const facts = statementOfReceipt(receipt, signature.signedAt);
    const chain1 = (await wallet.signTypedData(eip712Domain(1), EIP712_TYPES, eip712Message(facts))).toLowerCase() as Hex;
    expect(await codeOf(verifyClaimSignature(receiptOf({ ...signature, value: chain1 } as ClaimSignature), NOW(), {}))).toBe("SIGNATURE_INVALID");
    const otherDomain = (await wallet.signTypedData({ ...eip712Domain(11155111), name: "Other" }, EIP712_TYPES, eip712Message(facts))).toLowerCase() as Hex;
    expect(await codeOf(verifyClaimSignature(receiptOf({ ...signature, value: otherDomain } as ClaimSignature), NOW(), {}))).toBe("SIGNATURE_INVALID");
    expect(await codeOf(verifyClaimSignature({ ...receipt, claim: { ...CLAIM, title: "x" } }, NOW(), {}))).toBe("SIGNATURE_INVALID");
    expect(await codeOf(verifyClaimSignature(receipt, NOW(), { trustedAccounts: [Wallet.createRandom().address] }))).toBe("SIGNER_UNTRUSTED");
  });
});

describe("revocation captured at signing (CRL in the SignedData)", () => {
  /** An `openssl ca` directory for an intermediate: issues the signer, revokes it if asked, writes a CRL. */
  async function crlFor(name: string, revoke: boolean): Promise<{ signer: Issued; crlDer: Uint8Array; chain: SignerChain }> {
    const chain = chains["ec-p256"];
    const dir = join(f.dir, `crl-${name}`);
    await run("mkdir", ["-p", dir]);
    await writeFile(join(dir, "index.txt"), "");
    await writeFile(join(dir, "serial"), "1000\n");
    await writeFile(join(dir, "crlnumber"), "01\n");
    const cnf = join(dir, "ca.cnf");
    await writeFile(
      cnf,
      [
        "[ca]",
        "default_ca = d",
        "[d]",
        `database = ${dir}/index.txt`,
        `new_certs_dir = ${dir}`,
        `serial = ${dir}/serial`,
        `crlnumber = ${dir}/crlnumber`,
        "default_md = sha256",
        "default_crl_days = 30",
        "policy = p",
        "unique_subject = no",
        "preserve = yes",
        "[p]",
        "commonName = supplied",
        "organizationName = optional",
        "[sec]",
        EXT.signer,
      ].join("\n"),
    );
    const key = join(dir, "signer.key");
    await run("openssl", ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key]);
    await run("openssl", ["req", "-new", "-key", key, "-subj", `/O=PriorProof Test/CN=${name}`, "-out", join(dir, "signer.csr"), "-config", cnf]).catch(
      async () => run("openssl", ["req", "-new", "-key", key, "-subj", `/O=PriorProof Test/CN=${name}`, "-out", join(dir, "signer.csr")]),
    );
    const certPath = join(dir, "signer.pem");
    await run("openssl", [
      "ca",
      "-batch",
      "-notext",
      "-config",
      cnf,
      "-cert",
      chain.intermediate.certPath,
      "-keyfile",
      chain.intermediate.keyPath,
      "-in",
      join(dir, "signer.csr"),
      "-out",
      certPath,
      "-days",
      "365",
      "-extensions",
      "sec",
    ]);
    if (revoke) await run("openssl", ["ca", "-config", cnf, "-cert", chain.intermediate.certPath, "-keyfile", chain.intermediate.keyPath, "-revoke", certPath]);
    const crl = join(dir, "crl.der");
    await run("openssl", [
      "ca",
      "-gencrl",
      "-config",
      cnf,
      "-cert",
      chain.intermediate.certPath,
      "-keyfile",
      chain.intermediate.keyPath,
      "-out",
      join(dir, "crl.pem"),
    ]);
    await run("openssl", ["crl", "-in", join(dir, "crl.pem"), "-outform", "DER", "-out", crl]);
    const certPem = await readFile(certPath, "utf8");
    const signer: Issued = { name, keyPath: key, keyPem: await readFile(key, "utf8"), certPath, certPem, certDer: pemToDer(certPem) };
    return { signer, crlDer: new Uint8Array(await readFile(crl)), chain };
  }

  it("reports a CRL that does not list the signer, with its time (and openssl accepts the SignedData carrying it)", async () => {
    const { signer, crlDer, chain } = await crlFor("crl-good", false);
    const key = nodeSigningKey(signer.keyPem);
    const signature = await signClaim(claimInput, { format: "cms/1", key, certificates: [signer.certDer, chain.intermediate.certDer], crls: [crlDer] });
    const identity = await verifyClaimSignature(receiptOf(signature), NOW(), { trustAnchors: [chain.root.certDer] });
    if (identity.kind !== "x509") throw new Error("x509 expected");
    expect(identity.revocation.checked).toBe(true);
    expect(identity.revocation.detail).toMatch(/^CRL of CN=ec-p256-int,O=PriorProof Test issued \d{4}-\d\d-\d\dT.*: signer not revoked$/);
    expect(await opensslVerify(receiptOf(signature), chain.root.certPem)).toContain("Verification successful");
  }, 60_000);

  it("fails SIGNER_REVOKED when the carried CRL lists the signer as revoked before the anchor time", async () => {
    const { signer, crlDer, chain } = await crlFor("crl-revoked", true);
    const signature = await signClaim(claimInput, {
      format: "cms/1",
      key: nodeSigningKey(signer.keyPem),
      certificates: [signer.certDer, chain.intermediate.certDer],
      crls: [crlDer],
    });
    expect(await codeOf(verifyClaimSignature(receiptOf(signature), new Date(Date.now() + 60_000), { trustAnchors: [chain.root.certDer] }))).toBe(
      "SIGNER_REVOKED",
    );
  }, 60_000);
});
