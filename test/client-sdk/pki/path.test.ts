/**
 * Certification path building (client-sdk/src/pki/path.ts) on certificates made with openssl: a good
 * chain, each failure with its own code, and the bounded search over a loop of CA certificates that
 * sign each other — the denial of service of issue 14 (12 such certificates in a TSA token made chain
 * building exponential: 8.9 s per request).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { PkiError } from "../../../client-sdk/src/errors.ts";
import { parseCertificate } from "../../../client-sdk/src/pki/certificate.ts";
import { buildCertificationPath, PathBuildingError } from "../../../client-sdk/src/pki/path.ts";
import { verifyTimestampToken } from "../../../client-sdk/src/tsa.ts";
import { CertFactory, certificateLoop, EXT, type Issued, type SignerChain, signerChain } from "../../helpers/signer-pki.ts";
import { buildToken } from "../../helpers/tsa-token-builder.ts";
import type { TestPki } from "../../helpers/openssl-tsa.ts";

const parse = (i: Issued) => parseCertificate(i.certDer, i.name);
const codeOf = async (p: Promise<unknown>): Promise<string> => {
  try {
    await p;
    return "ok";
  } catch (e) {
    return e instanceof PkiError ? e.code : `untyped: ${String(e)}`;
  }
};

let f: CertFactory;
let chain: SignerChain;
let other: SignerChain;
let loop: { leaf: Issued; loop: Issued[] };
let tsaLoop: { leaf: Issued; loop: Issued[] };
beforeAll(async () => {
  f = await CertFactory.create();
  chain = await signerChain(f, "good", "ec-p256");
  other = await signerChain(f, "other", "ec-p256");
  loop = await certificateLoop(f, 6, EXT.signer);
}, 120_000);

describe("buildCertificationPath", () => {
  it("finds signer → intermediate → root and validates it at the given time", async () => {
    const r = await buildCertificationPath(parse(chain.signer), {
      trustAnchors: [parse(chain.root)],
      certificates: [parse(chain.intermediate)],
      at: new Date(),
    });
    expect(r.path.map((c) => c.fingerprint)).toEqual([parse(chain.signer).fingerprint, parse(chain.intermediate).fingerprint]);
    expect(r.anchor.fingerprint).toBe(parse(chain.root).fingerprint);
  });

  it("fails SIGNER_UNTRUSTED for a certificate of another CA, and when the intermediate is missing", async () => {
    expect(
      await codeOf(
        buildCertificationPath(parse(other.signer), { trustAnchors: [parse(chain.root)], certificates: [parse(other.intermediate)], at: new Date() }),
      ),
    ).toBe("SIGNER_UNTRUSTED");
    expect(await codeOf(buildCertificationPath(parse(chain.signer), { trustAnchors: [parse(chain.root)], certificates: [], at: new Date() }))).toBe(
      "SIGNER_UNTRUSTED",
    );
  });

  it("judges validity at the given time: SIGNER_EXPIRED after notAfter, SIGNER_NOT_YET_VALID before notBefore", async () => {
    const signer = parse(chain.signer);
    const opts = { trustAnchors: [parse(chain.root)], certificates: [parse(chain.intermediate)] };
    const after = new Date(signer.cert.notAfter.value.getTime() + 86_400_000);
    const before = new Date(signer.cert.notBefore.value.getTime() - 86_400_000);
    expect(await codeOf(buildCertificationPath(signer, { ...opts, at: after }))).toBe("SIGNER_EXPIRED");
    expect(await codeOf(buildCertificationPath(signer, { ...opts, at: before }))).toBe("SIGNER_NOT_YET_VALID");
  });

  it("fails SIGNER_KEY_USAGE when an issuer is not a CA", async () => {
    const notCa = await f.issue("not-ca", chain.root, { keyType: "ec-p256", ext: EXT.notCa });
    const below = await f.issue("below-not-ca", notCa, { keyType: "ec-p256", ext: EXT.signer });
    expect(await codeOf(buildCertificationPath(parse(below), { trustAnchors: [parse(chain.root)], certificates: [parse(notCa)], at: new Date() }))).toBe(
      "SIGNER_KEY_USAGE",
    );
  });

  it("fails CHAIN_TOO_LONG for a path deeper than the limit, and CERT_BAG_TOO_LARGE for too many certificates", async () => {
    const opts = { trustAnchors: [parse(chain.root)], certificates: [parse(chain.intermediate)], at: new Date() };
    expect(await codeOf(buildCertificationPath(parse(chain.signer), { ...opts, limits: { maxDepth: 1 } }))).toBe("CHAIN_TOO_LONG");
    expect(
      await codeOf(
        buildCertificationPath(parse(chain.signer), {
          ...opts,
          certificates: [parse(chain.intermediate), ...loop.loop.map(parse)],
          limits: { maxCertificates: 4 },
        }),
      ),
    ).toBe("CERT_BAG_TOO_LARGE");
  });

  it(
    "stops a loop of 12 mutually-signing CA certificates with CHAIN_LOOP after bounded work (each pair verified once, each certificate expanded at " +
      "most once per depth)",
    async () => {
      const started = performance.now();
      let error: unknown;
      try {
        await buildCertificationPath(parse(loop.leaf), { trustAnchors: [parse(chain.root)], certificates: loop.loop.map(parse), at: new Date() });
      } catch (e) {
        error = e;
      }
      const ms = performance.now() - started;
      expect(error).toBeInstanceOf(PathBuildingError);
      const e = error as PathBuildingError;
      expect(e.code).toBe("CHAIN_LOOP");
      // Every (child, issuer) pair is verified at most once: 13 children × 12 candidates at most.
      expect(e.stats.signatureChecks).toBeLessThanOrEqual(13 * 12);
      // Each certificate is expanded at most once per depth (6): far from the 6·5·5·… simple paths.
      expect(e.stats.expansions).toBeLessThanOrEqual(13 * 6);
      expect(e.stats.loops).toBeGreaterThan(0);
      expect(ms).toBeLessThan(5_000);
      console.log(
        `loop of 12: ${e.stats.expansions} expansions, ${e.stats.signatureChecks} signature checks, ${e.stats.candidates} candidates, ${ms.toFixed(0)} ms`,
      );
    },
  );
});

describe("a TSA token carrying a loop of mutually-signing CA certificates (issue 14)", () => {
  beforeAll(async () => {
    tsaLoop = await certificateLoop(f, 6, EXT.tsa);
  }, 120_000);

  it("is refused TSA_UNTRUSTED (cause CHAIN_LOOP) fast", async () => {
    const pki = { tsaKeyPem: tsaLoop.leaf.keyPem, tsaCertDer: tsaLoop.leaf.certDer, caDer: tsaLoop.loop[0]!.certDer, keyType: "ec" } as unknown as TestPki;
    const digest = crypto.getRandomValues(new Uint8Array(32));
    const token = await buildToken({ pki, digest, extraCertificates: tsaLoop.loop.slice(1).map((c) => c.certDer) });
    const started = performance.now();
    let error: unknown;
    try {
      await verifyTimestampToken(token, { digest, trustAnchors: [chain.root.certDer] });
    } catch (e) {
      error = e;
    }
    const ms = performance.now() - started;
    expect((error as { code?: string }).code).toBe("TSA_UNTRUSTED");
    const cause = (error as { cause?: unknown }).cause as PathBuildingError;
    expect(cause).toBeInstanceOf(PathBuildingError);
    expect(cause.code).toBe("CHAIN_LOOP");
    expect(cause.stats.signatureChecks).toBeLessThanOrEqual(13 * 12);
    expect(ms).toBeLessThan(5_000);
    console.log(`tsa token with a loop of 12: refused in ${ms.toFixed(0)} ms after ${cause.stats.signatureChecks} signature checks`);
  });
});
