/**
 * A real RFC 3161 TSA for tests, built from the `openssl` CLI: a throw-away root CA, a TSA certificate
 * (critical extendedKeyUsage timeStamping) and an `openssl ts -reply` behind a node:http server on
 * 127.0.0.1. Each `startOpensslTsa()` call creates an independent PKI, so a second call is an
 * "untrusted" TSA from the first one's point of view.
 *
 * Faults can be queued to exercise clients: HTTP statuses, hangs, connection resets, a wrong media
 * type, or replaying the previous response.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export async function openssl(args: readonly string[], cwd?: string): Promise<{ stdout: string; stderr: string }> {
  const r = await run("openssl", [...args], { cwd, encoding: "utf8", maxBuffer: 16 << 20 });
  return { stdout: r.stdout, stderr: r.stderr };
}

export function pemToDer(pem: string): Uint8Array {
  const m = /-----BEGIN [A-Z ]+-----([\s\S]*?)-----END [A-Z ]+-----/.exec(pem);
  if (!m) throw new Error("no pem block");
  return new Uint8Array(Buffer.from((m[1] ?? "").replace(/\s+/g, ""), "base64"));
}

export type KeyType = "rsa" | "ec";
/** How the TSA certificate's extendedKeyUsage looks; openssl ts -reply itself only signs with "critical". */
export type EkuMode = "critical" | "noncritical" | "none" | "extra";

export interface TestPki {
  readonly dir: string;
  readonly name: string;
  readonly caPem: string;
  readonly caDer: Uint8Array;
  readonly caKeyPath: string;
  readonly caPath: string;
  readonly tsaCertPem: string;
  readonly tsaCertDer: Uint8Array;
  readonly tsaCertPath: string;
  readonly tsaKeyPem: string;
  readonly tsaKeyPath: string;
  readonly keyType: KeyType;
}

export interface TestPkiOptions {
  /** Distinguishes the PKI in names ("PriorProof Test" by default). */
  readonly name?: string;
  readonly keyType?: KeyType;
  readonly eku?: EkuMode;
  /** DER hex of a qcStatements extension value to put in the TSA certificate. */
  readonly certQcStatementsHex?: string;
  /** TSA certificate validity, as openssl x509 -days (default 365). */
  readonly days?: number;
}

function keyArgs(keyType: KeyType): string[] {
  return keyType === "rsa" ? ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"] : ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"];
}

/** Creates a root CA and a TSA certificate in `dir` (or a new temp dir). */
export async function createTestPki(options: TestPkiOptions = {}, dir?: string): Promise<TestPki> {
  const d = dir ?? (await mkdtemp(join(tmpdir(), "priorproof-tsa-")));
  const name = options.name ?? "PriorProof Test";
  const keyType = options.keyType ?? "rsa";
  const eku = options.eku ?? "critical";
  const ekuLine =
    eku === "critical"
      ? "extendedKeyUsage = critical, timeStamping"
      : eku === "noncritical"
        ? "extendedKeyUsage = timeStamping"
        : eku === "extra"
          ? "extendedKeyUsage = critical, timeStamping, serverAuth"
          : "";
  const ext = [
    "[v3_ca]",
    "basicConstraints = critical, CA:true",
    "keyUsage = critical, keyCertSign, cRLSign",
    "subjectKeyIdentifier = hash",
    "[v3_tsa]",
    "basicConstraints = critical, CA:false",
    "keyUsage = critical, digitalSignature, nonRepudiation",
    ekuLine,
    "subjectKeyIdentifier = hash",
    "authorityKeyIdentifier = keyid:always",
    options.certQcStatementsHex ? `1.3.6.1.5.5.7.1.3 = DER:${options.certQcStatementsHex}` : "",
    "",
  ].join("\n");
  await writeFile(join(d, "ext.cnf"), ext);
  await openssl(["genpkey", ...keyArgs(keyType), "-out", "ca.key"], d);
  await openssl(
    [
      "req",
      "-x509",
      "-new",
      "-key",
      "ca.key",
      "-out",
      "ca.pem",
      "-days",
      "3650",
      "-subj",
      `/C=DE/O=${name}/CN=${name} Root CA`,
      "-config",
      "ext.cnf",
      "-extensions",
      "v3_ca",
    ],
    d,
  );
  await openssl(["genpkey", ...keyArgs(keyType), "-out", "tsa.key"], d);
  await openssl(["req", "-new", "-key", "tsa.key", "-out", "tsa.csr", "-subj", `/C=DE/O=${name}/CN=${name} TSA`], d);
  await openssl(
    [
      "x509",
      "-req",
      "-in",
      "tsa.csr",
      "-CA",
      "ca.pem",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-days",
      String(options.days ?? 365),
      "-extfile",
      "ext.cnf",
      "-extensions",
      "v3_tsa",
      "-out",
      "tsa.pem",
    ],
    d,
  );
  const caPem = await readFile(join(d, "ca.pem"), "utf8");
  const tsaCertPem = await readFile(join(d, "tsa.pem"), "utf8");
  return {
    dir: d,
    name,
    caPem,
    caDer: pemToDer(caPem),
    caKeyPath: join(d, "ca.key"),
    caPath: join(d, "ca.pem"),
    tsaCertPem,
    tsaCertDer: pemToDer(tsaCertPem),
    tsaCertPath: join(d, "tsa.pem"),
    tsaKeyPem: await readFile(join(d, "tsa.key"), "utf8"),
    tsaKeyPath: join(d, "tsa.key"),
    keyType,
  };
}

export type TsaFault =
  | { readonly kind: "status"; readonly status: number }
  | { readonly kind: "hang"; readonly ms: number }
  | { readonly kind: "reset" }
  | { readonly kind: "contentType"; readonly contentType: string }
  | { readonly kind: "replay" };

export interface OpensslTsa extends TestPki {
  readonly url: string;
  /** Default policy OID the TSA stamps under; `otherPolicy` is accepted too. */
  readonly policy: string;
  readonly otherPolicy: string;
  readonly configPath: string;
  /** POSTs received (including faulted ones). */
  readonly requests: () => number;
  /** Queues faults for the next requests, in order. */
  readonly fault: (...faults: TsaFault[]) => void;
  readonly close: () => Promise<void>;
}

export interface OpensslTsaOptions extends TestPkiOptions {
  readonly policy?: string;
}

/** Writes the `[tsa]` configuration for `openssl ts -reply`. */
async function writeTsaConfig(dir: string, policy: string, otherPolicy: string): Promise<string> {
  const cfg = [
    "[tsa]",
    "default_tsa = tsa_section",
    "[tsa_section]",
    `serial = ${join(dir, "tsaserial")}`,
    "crypto_device = builtin",
    `signer_cert = ${join(dir, "tsa.pem")}`,
    `certs = ${join(dir, "ca.pem")}`,
    `signer_key = ${join(dir, "tsa.key")}`,
    "signer_digest = sha256",
    `default_policy = ${policy}`,
    `other_policies = ${otherPolicy}`,
    "digests = sha256, sha384, sha512",
    "accuracy = secs:1, millisecs:500, microsecs:100",
    "clock_precision_digits = 3",
    "ordering = yes",
    "tsa_name = yes",
    "ess_cert_id_chain = no",
    "ess_cert_id_alg = sha256",
    "",
  ].join("\n");
  const path = join(dir, "tsa.cnf");
  await writeFile(path, cfg);
  await writeFile(join(dir, "tsaserial"), "01\n");
  return path;
}

async function readBody(req: IncomingMessage): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return new Uint8Array(Buffer.concat(chunks));
}

/**
 * Starts an OpenSSL-backed TSA on 127.0.0.1 with a fresh PKI.
 *
 * @example
 * const tsa = await startOpensslTsa();
 * const rogue = await startOpensslTsa({ name: "Rogue" }); // a second, untrusted CA/TSA
 */
export async function startOpensslTsa(options: OpensslTsaOptions = {}): Promise<OpensslTsa> {
  const pki = await createTestPki(options);
  const policy = options.policy ?? "1.3.6.1.4.1.99999.3161.1";
  const otherPolicy = "1.3.6.1.4.1.99999.3161.2";
  const configPath = await writeTsaConfig(pki.dir, policy, otherPolicy);
  const faults: TsaFault[] = [];
  let count = 0;
  let seq = 0;
  let last: Uint8Array | undefined;
  let queue: Promise<unknown> = Promise.resolve();

  // openssl ts -reply increments a serial file: run one at a time.
  const reply = (query: Uint8Array): Promise<Uint8Array> => {
    const job = queue.then(async () => {
      const n = ++seq;
      const q = join(pki.dir, `q${n}.tsq`);
      const r = join(pki.dir, `r${n}.tsr`);
      await writeFile(q, query);
      await openssl([
        "ts",
        "-reply",
        "-queryfile",
        q,
        "-config",
        configPath,
        "-signer",
        pki.tsaCertPath,
        "-inkey",
        pki.tsaKeyPath,
        "-chain",
        pki.caPath,
        "-out",
        r,
      ]);
      return new Uint8Array(await readFile(r));
    });
    queue = job.catch(() => undefined);
    return job;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== "POST") {
      res.writeHead(405).end();
      return;
    }
    count++;
    const body = await readBody(req);
    const fault = faults.shift();
    if (fault?.kind === "status") {
      res.writeHead(fault.status, { "content-type": "text/plain" }).end(`fault ${fault.status}`);
      return;
    }
    if (fault?.kind === "hang") {
      await new Promise((r) => setTimeout(r, fault.ms));
      if (!res.destroyed) res.writeHead(503).end();
      return;
    }
    if (fault?.kind === "reset") {
      req.socket.destroy();
      return;
    }
    if (fault?.kind === "replay" && last) {
      res.writeHead(200, { "content-type": "application/timestamp-reply" }).end(last);
      return;
    }
    if ((req.headers["content-type"] ?? "").split(";")[0]?.trim() !== "application/timestamp-query") {
      res.writeHead(415, { "content-type": "text/plain" }).end("expected application/timestamp-query");
      return;
    }
    const out = await reply(body);
    last = out;
    res.writeHead(200, { "content-type": fault?.kind === "contentType" ? fault.contentType : "application/timestamp-reply" }).end(out);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" }).end(String(e));
      else res.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    ...pki,
    url: `http://127.0.0.1:${port}/tsa`,
    policy,
    otherPolicy,
    configPath,
    requests: () => count,
    fault: (...f) => {
      faults.push(...f);
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(pki.dir, { recursive: true, force: true });
    },
  };
}

/** Writes `files` into a fresh temp dir and runs each shell `line` there; returns stdout+stderr per line. */
export async function runShellLines(
  lines: readonly string[],
  files: Readonly<Record<string, Uint8Array | string>>,
): Promise<{ outputs: string[]; code: number }> {
  const dir = await mkdtemp(join(tmpdir(), "priorproof-ossl-"));
  try {
    for (const [name, content] of Object.entries(files)) await writeFile(join(dir, name), content);
    const outputs: string[] = [];
    for (const line of lines) {
      try {
        const r = await run("/bin/sh", ["-c", line], { cwd: dir, encoding: "utf8", maxBuffer: 16 << 20 });
        outputs.push(r.stdout + r.stderr);
      } catch (e) {
        const err = e as { stdout?: string; stderr?: string; code?: number };
        outputs.push(`${err.stdout ?? ""}${err.stderr ?? ""}`);
        return { outputs, code: typeof err.code === "number" ? err.code : 1 };
      }
    }
    return { outputs, code: 0 };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
