/**
 * Test certificates made with the openssl CLI: a root CA, an intermediate and a signer (end-entity)
 * certificate per key type (ECDSA P-256 / P-384, Ed25519, RSA for RSA-PSS signatures), certificates
 * with chosen validity dates (`openssl ca -startdate/-enddate`, OpenSSL 3.0 has no x509 -not_before),
 * a PKCS#12 file, and a loop of CA certificates that sign each other (issue 14).
 */
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openssl, pemToDer } from "./openssl-tsa.ts";

export type SignerKeyType = "ec-p256" | "ec-p384" | "ed25519" | "rsa";

export interface Issued {
  readonly name: string;
  readonly keyPath: string;
  readonly keyPem: string;
  readonly certPath: string;
  readonly certPem: string;
  readonly certDer: Uint8Array;
}

export const EXT = {
  ca: "basicConstraints = critical, CA:true\nkeyUsage = critical, keyCertSign, cRLSign\nsubjectKeyIdentifier = hash\n",
  signer: "basicConstraints = CA:false\nkeyUsage = critical, digitalSignature, nonRepudiation\nsubjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid\n",
  encipherOnly: "basicConstraints = CA:false\nkeyUsage = critical, keyEncipherment\nsubjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid\n",
  tsa: "basicConstraints = CA:false\nkeyUsage = critical, digitalSignature\nextendedKeyUsage = critical, timeStamping\nsubjectKeyIdentifier = hash\n",
  notCa: "basicConstraints = CA:false\nkeyUsage = critical, digitalSignature, keyCertSign\nsubjectKeyIdentifier = hash\n",
} as const;

function keyArgs(keyType: SignerKeyType): string[] {
  switch (keyType) {
    case "ec-p256":
      return ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"];
    case "ec-p384":
      return ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"];
    case "ed25519":
      return ["-algorithm", "ED25519"];
    case "rsa":
      return ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"];
  }
}

export class CertFactory {
  private serial = 100;
  readonly dir: string;
  private constructor(dir: string) {
    this.dir = dir;
  }

  static async create(): Promise<CertFactory> {
    return new CertFactory(await mkdtemp(join(tmpdir(), "pp-signer-pki-")));
  }

  async key(name: string, keyType: SignerKeyType): Promise<string> {
    const path = join(this.dir, `${name}.key`);
    await openssl(["genpkey", ...keyArgs(keyType), "-out", path]);
    return path;
  }

  private async done(name: string, keyPath: string, certPath: string): Promise<Issued> {
    const certPem = await readFile(certPath, "utf8");
    return { name, keyPath, keyPem: await readFile(keyPath, "utf8"), certPath, certPem, certDer: pemToDer(certPem) };
  }

  /** A self-signed CA certificate (a trust anchor). */
  async root(name: string, keyType: SignerKeyType, options: { keyPath?: string; subject?: string } = {}): Promise<Issued> {
    const keyPath = options.keyPath ?? (await this.key(name, keyType));
    const ext = join(this.dir, `${name}.ext`);
    await writeFile(ext, `[req]\ndistinguished_name = dn\n[dn]\n[sec]\n${EXT.ca}`);
    const certPath = join(this.dir, `${name}.pem`);
    await openssl([
      "req",
      "-x509",
      "-new",
      "-key",
      keyPath,
      "-out",
      certPath,
      "-days",
      "3650",
      "-subj",
      options.subject ?? `/O=PriorProof Test/CN=${name}`,
      "-config",
      ext,
      "-extensions",
      "sec",
      "-set_serial",
      String(this.serial++),
    ]);
    return this.done(name, keyPath, certPath);
  }

  /**
   * A certificate for `subject` issued by `issuer`. With `startdate`/`enddate` (YYYYMMDDHHMMSSZ) it is
   * issued through `openssl ca`, which can set validity dates in the past.
   */
  async issue(
    name: string,
    issuer: Issued,
    options: {
      keyType: SignerKeyType;
      ext: string;
      subject?: string;
      keyPath?: string;
      days?: number;
      startdate?: string;
      enddate?: string;
      pssSigned?: boolean;
    },
  ): Promise<Issued> {
    const keyPath = options.keyPath ?? (await this.key(name, options.keyType));
    const csr = join(this.dir, `${name}.csr`);
    await openssl([
      "req",
      "-new",
      "-key",
      keyPath,
      "-out",
      csr,
      "-subj",
      options.subject ?? `/O=PriorProof Test/CN=${name}`,
      "-config",
      await this.emptyConfig(),
    ]);
    const extPath = join(this.dir, `${name}.ext`);
    await writeFile(extPath, `[sec]\n${options.ext}`);
    const certPath = join(this.dir, `${name}.pem`);
    const sigopt = options.pssSigned ? ["-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:32"] : [];
    if (options.startdate || options.enddate) {
      const caDir = await mkdtemp(join(this.dir, "ca-"));
      await writeFile(join(caDir, "index.txt"), "");
      await writeFile(join(caDir, "serial"), `${(this.serial++).toString(16).padStart(4, "0")}\n`);
      const cnf = join(caDir, "ca.cnf");
      await writeFile(
        cnf,
        [
          "[ca]",
          "default_ca = d",
          "[d]",
          `database = ${join(caDir, "index.txt")}`,
          `new_certs_dir = ${caDir}`,
          `serial = ${join(caDir, "serial")}`,
          "default_md = sha256",
          "policy = p",
          "unique_subject = no",
          "preserve = yes",
          "[p]",
          "commonName = supplied",
          "organizationName = optional",
          "",
        ].join("\n"),
      );
      await openssl([
        "ca",
        "-batch",
        "-notext",
        "-config",
        cnf,
        "-cert",
        issuer.certPath,
        "-keyfile",
        issuer.keyPath,
        "-in",
        csr,
        "-out",
        certPath,
        "-startdate",
        options.startdate ?? "20200101000000Z",
        "-enddate",
        options.enddate ?? "20991231235959Z",
        "-extfile",
        extPath,
        "-extensions",
        "sec",
        ...sigopt,
      ]);
    } else {
      await openssl([
        "x509",
        "-req",
        "-in",
        csr,
        "-CA",
        issuer.certPath,
        "-CAkey",
        issuer.keyPath,
        "-set_serial",
        String(this.serial++),
        "-days",
        String(options.days ?? 365),
        "-extfile",
        extPath,
        "-extensions",
        "sec",
        "-out",
        certPath,
        ...sigopt,
      ]);
    }
    return this.done(name, keyPath, certPath);
  }

  private configPath: string | undefined;
  private async emptyConfig(): Promise<string> {
    if (!this.configPath) {
      this.configPath = join(this.dir, "req.cnf");
      await writeFile(this.configPath, "[req]\ndistinguished_name = dn\n[dn]\n");
    }
    return this.configPath;
  }

  /** A PKCS#12 file with the signer's key, certificate and chain, protected by `password`. */
  async pkcs12(signer: Issued, chain: readonly Issued[], password: string): Promise<string> {
    const chainPath = join(this.dir, `${signer.name}-chain.pem`);
    await writeFile(chainPath, chain.map((c) => c.certPem).join(""));
    const out = join(this.dir, `${signer.name}.p12`);
    await openssl(["pkcs12", "-export", "-inkey", signer.keyPath, "-in", signer.certPath, "-certfile", chainPath, "-out", out, "-passout", `pass:${password}`]);
    return out;
  }
}

/** Root → intermediate → signer, all with one key type. */
export interface SignerChain {
  readonly root: Issued;
  readonly intermediate: Issued;
  readonly signer: Issued;
}

export async function signerChain(f: CertFactory, prefix: string, keyType: SignerKeyType): Promise<SignerChain> {
  const root = await f.root(`${prefix}-root`, keyType);
  const intermediate = await f.issue(`${prefix}-int`, root, { keyType, ext: EXT.ca, days: 1825, pssSigned: keyType === "rsa" });
  const signer = await f.issue(`${prefix}-signer`, intermediate, { keyType, ext: EXT.signer, days: 365, pssSigned: keyType === "rsa" });
  return { root, intermediate, signer };
}

/**
 * A loop of CA certificates that sign each other (issue 14): `perName` certificates named X with X's
 * key issued by Y, and `perName` named Y with Y's key issued by X, so every X certificate verifies under
 * every Y certificate and back; plus an end-entity certificate issued by X with extension `leafExt`.
 */
export async function certificateLoop(f: CertFactory, perName: number, leafExt: string): Promise<{ leaf: Issued; loop: Issued[] }> {
  const kx = await f.key("loop-x", "ec-p256");
  const ky = await f.key("loop-y", "ec-p256");
  // Templates only lend their subject and key to `openssl x509 -CA`; they are not offered to the verifier.
  const tx = await f.root("loop-x-template", "ec-p256", { keyPath: kx, subject: "/O=Loop/CN=Loop X" });
  const ty = await f.root("loop-y-template", "ec-p256", { keyPath: ky, subject: "/O=Loop/CN=Loop Y" });
  const loop: Issued[] = [];
  for (let i = 0; i < perName; i++) {
    loop.push(await f.issue(`loop-x-${i}`, ty, { keyType: "ec-p256", keyPath: kx, subject: "/O=Loop/CN=Loop X", ext: EXT.ca, days: 365 }));
    loop.push(await f.issue(`loop-y-${i}`, tx, { keyType: "ec-p256", keyPath: ky, subject: "/O=Loop/CN=Loop Y", ext: EXT.ca, days: 365 }));
  }
  const leaf = await f.issue("loop-leaf", tx, { keyType: "ec-p256", ext: leafExt, days: 365 });
  return { leaf, loop };
}
