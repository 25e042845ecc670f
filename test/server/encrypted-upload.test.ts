/**
 * Client-side encryption end to end over real components: the service (SQLite store, embedded IPFS
 * blockstore, anvil chain) listening on loopback, and the SDK's HTTP client uploading through it.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createChainReader,
  createClient,
  decryptStream,
  EncryptionError,
  generateContentKey,
  submitEncryptedFile,
  verifyReceipt,
  type ContentKey,
  type EncryptedUpload,
  type PriorProofClient,
} from "../../client-sdk/src/index.ts";
import { run } from "../../client-sdk/src/cli/main.ts";
import { anchorAll, buildTestApp, TEST_BACKENDS, type TestApp } from "../helpers/app.ts";

/** A distinctive, long marker: a scan that finds it has found plaintext. */
const MARKER = "PRIORPROOF-PLAINTEXT-MARKER-7f3a9c-UNRELEASED-DESIGN-";

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const path = join(dir, d.name);
    return d.isDirectory() ? filesUnder(path) : d.isFile() ? [path] : [];
  });
}

/** Files under `dir` whose bytes contain `needle`. */
function filesHolding(dir: string, needle: Buffer): string[] {
  return filesUnder(dir).filter((f) => statSync(f).size >= needle.length && readFileSync(f).includes(needle));
}

async function collect(source: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const p of source) parts.push(p);
  return Buffer.concat(parts);
}

describe("an encrypted upload (priorproof-aead/1) through the SDK client to the service", () => {
  let t: TestApp;
  let client: PriorProofClient;
  let base: string;
  let key: ContentKey;
  let upload: EncryptedUpload;
  /** Every byte the client sent: URLs, headers and bodies. */
  const sent: Buffer[] = [];
  // 3 MiB + a bit: several 1 MiB IPFS blocks and many 64 KiB envelope chunks, the marker all through it.
  const plaintext = Buffer.concat(Array.from({ length: 3 * 1024 + 7 }, (_, i) => Buffer.from(`${MARKER}${String(i).padStart(6, "0")}`.padEnd(1024, "~"))));
  const plaintextSha256 = createHash("sha256").update(plaintext).digest("hex");

  const recordingFetch: typeof fetch = async (input, init) => {
    sent.push(Buffer.from(String(input instanceof Request ? input.url : input)));
    sent.push(Buffer.from(JSON.stringify(Object.fromEntries(new Headers(init?.headers).entries()))));
    let body = init?.body;
    if (body instanceof ReadableStream) {
      const [forward, copy] = body.tee();
      body = forward;
      void collect(copy as unknown as AsyncIterable<Uint8Array>).then((b) => sent.push(b));
    } else if (body instanceof Blob) sent.push(Buffer.from(await body.arrayBuffer()));
    else if (typeof body === "string") sent.push(Buffer.from(body));
    return fetch(input, { ...init, body } as RequestInit);
  };

  beforeAll(async () => {
    t = await buildTestApp({ PUBLIC_URL: "https://proof.example.com" });
    base = await t.app.listen({ port: 0, host: "127.0.0.1" });
    client = createClient({ baseUrl: base, apiKey: t.keys.acme, fetch: recordingFetch, retry: false });
    key = await generateContentKey();
    upload = await submitEncryptedFile(client, { name: "design.bin", data: new Blob([plaintext]), mediaType: "application/octet-stream" }, key);
    await anchorAll(t);
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  it("stamps the plaintext's digest and pins the ciphertext, recording both", async () => {
    expect(upload.sha256).toBe(`0x${plaintextSha256}`);
    expect(upload.size).toBe(plaintext.length);
    const entry = await client.getEntry(upload.entry.id);
    expect(entry.sha256).toBe(`0x${plaintextSha256}`);
    expect(entry.size).toBe(plaintext.length);
    expect(entry.pinStatus).toBe("pinned");
    expect(entry.cid).toMatch(/^bafy/);
    expect(entry.encryption?.scheme).toBe("priorproof-aead/1");
    const ciphertext = await collect((await client.getContent(entry.cid!)) as unknown as AsyncIterable<Uint8Array>);
    expect(entry.encryption?.contentSha256).toBe(`0x${createHash("sha256").update(ciphertext).digest("hex")}`);
    expect(entry.encryption?.contentSha256).not.toBe(entry.sha256);
  });

  it("leaves no plaintext in any stored block (or anywhere in the data directory)", async () => {
    const needle = Buffer.from(MARKER);
    expect(filesUnder(t.config.dataDir).length).toBeGreaterThan(3);
    expect(filesHolding(t.config.dataDir, needle)).toEqual([]);
    // Every stored block, read back through the IPFS layer by the multihashes the import recorded.
    const entry = await client.getEntry(upload.entry.id);
    const blocks = await collect(t.app.ipfs.car(entry.cid!));
    expect(blocks.length).toBeGreaterThan(plaintext.length);
    expect(blocks.includes(needle)).toBe(false);
  });

  it("issues a receipt that verifies against the plaintext file and says the stored content is encrypted", async () => {
    const receipt = await client.getReceipt(upload.entry.id);
    expect(receipt.version).toBe("priorproof-receipt/2");
    expect(receipt.subject).toMatchObject({ sha256: `0x${plaintextSha256}`, encrypted: true, cid: upload.entry.cid, size: plaintext.length });
    const reader = createChainReader(t.chain.rpcUrl);
    try {
      const fileDigest = createHash("sha256").update(plaintext).digest();
      const fileSha3 = createHash("sha3-256").update(plaintext).digest();
      const verdict = await verifyReceipt(receipt, {
        sha256: new Uint8Array(fileDigest),
        sha3_256: new Uint8Array(fileSha3),
        chains: { [String(t.chain.chainId)]: reader },
      });
      expect(verdict.verified).toBe(true);
      // The ciphertext is not the evidence: its digest does not verify.
      const ciphertext = await collect((await client.getContent(upload.entry.cid!)) as unknown as AsyncIterable<Uint8Array>);
      const wrong = await verifyReceipt(receipt, {
        sha256: new Uint8Array(createHash("sha256").update(ciphertext).digest()),
        chains: { [String(t.chain.chainId)]: reader },
      });
      expect(wrong.verified).toBe(false);
    } finally {
      reader.destroy();
    }
  });

  it.each([
    ["en", ["encrypted by the submitter before upload", "IPFS CID (of the encrypted content)", "The digests above are those of the original file"]],
    ["zh-CN", ["由提交方在上传前加密", "IPFS CID（加密后内容）", "上述摘要为原始文件的摘要"]],
  ])(
    "explains on the %s certificate that the digest is the original's and the CID the encrypted content's",
    async (lang, phrases) => {
      const res = await t.app.inject({
        method: "GET",
        url: `/v1/entries/${upload.entry.id}/certificate.pdf?lang=${lang}`,
        headers: { authorization: `Bearer ${t.keys.acme}` },
      });
      expect(res.statusCode).toBe(200);
      const text = execFileSync("pdftotext", ["-", "-"], { input: res.rawPayload, encoding: "utf8" }).replace(/\s+/g, "");
      for (const phrase of phrases) expect(text).toContain(phrase.replace(/\s+/g, ""));
      expect(text).toContain(upload.entry.cid!);
      expect(text).toContain(upload.sha256);
    },
    60_000,
  );

  it("gives the file back when the ciphertext fetched by CID is decrypted with the key", async () => {
    const plain = await collect(decryptStream(await client.getContent(upload.entry.cid!), key));
    expect(plain.equals(plaintext)).toBe(true);
  });

  it("fails decryption with a clear error when one ciphertext byte is altered", async () => {
    const ciphertext = await collect((await client.getContent(upload.entry.cid!)) as unknown as AsyncIterable<Uint8Array>);
    ciphertext[24 + 2 * 65_552 + 100]! ^= 0x40; // a byte inside chunk 2
    const failure = await collect(
      decryptStream(
        (async function* () {
          yield ciphertext;
        })(),
        key,
      ),
    ).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(EncryptionError);
    expect((failure as EncryptionError).code).toBe("DECRYPTION_FAILED");
    expect((failure as EncryptionError).message).toBe("chunk 2 does not authenticate: the ciphertext was altered, or it was sealed with another key");
  });

  it("never sends the key: no request URL, header or body holds its bytes, hex or base64", async () => {
    await new Promise((r) => setTimeout(r, 50)); // the tee'd copies of streamed bodies settle
    const all = Buffer.concat(sent);
    expect(all.length).toBeGreaterThan(plaintext.length); // the upload's body was recorded
    const raw = Buffer.from(key.bytes);
    for (const form of [
      raw,
      Buffer.from(raw.toString("hex")),
      Buffer.from(raw.toString("hex").toUpperCase()),
      Buffer.from(raw.toString("base64")),
      Buffer.from(raw.toString("base64url")),
    ]) {
      expect(all.includes(form)).toBe(false);
    }
    // The recording does see what was sent: the plaintext digest travels as a form field.
    expect(all.includes(Buffer.from(plaintextSha256))).toBe(true);
  });

  it("is found by the scan once the same plaintext is uploaded unencrypted (the scan sees stored blocks)", async () => {
    await client.submitFiles([{ name: "plain.bin", data: new Blob([plaintext]) }]);
    expect(filesHolding(t.config.dataDir, Buffer.from(MARKER)).length).toBeGreaterThan(0);
  });

  describe("when the encryption fields are wrong", () => {
    const form = (fields: Record<string, string>, files = 1) => {
      const b = "XyZ";
      let body = "";
      for (let i = 0; i < files; i++)
        body +=
          `--${b}\r\nContent-Disposition: form-data; name="file"; filename="f${i}.bin"\r\nContent-Type: ` +
          `application/octet-stream\r\n\r\nPPAEAD\x01\x10ciphertext\r\n`;
      for (const [k, v] of Object.entries(fields)) body += `--${b}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`;
      return { headers: { authorization: `Bearer ${t.keys.acme}`, "content-type": `multipart/form-data; boundary=${b}` }, payload: `${body}--${b}--\r\n` };
    };
    it.each([
      ["an unknown scheme", { encryption: "rot13", plaintextSha256: "11".repeat(32) }, 1, "INVALID_ENCRYPTION"],
      ["no plaintext digest", { encryption: "priorproof-aead/1" }, 1, "INVALID_ENCRYPTION"],
      ["a plaintext digest without a scheme", { plaintextSha256: "11".repeat(32) }, 1, "INVALID_ENCRYPTION"],
      ["two files", { encryption: "priorproof-aead/1", plaintextSha256: "11".repeat(32) }, 2, "INVALID_ENCRYPTION"],
      ["a bad size", { encryption: "priorproof-aead/1", plaintextSha256: "11".repeat(32), plaintextSize: "-1" }, 1, "INVALID_ENCRYPTION"],
      ["a bad digest", { encryption: "priorproof-aead/1", plaintextSha256: "11" }, 1, "INVALID_DIGEST"],
    ])("rejects %s with 400 and stores nothing", async (_name, fields, files, code) => {
      const before = await t.app.store.stats();
      const res = await t.app.inject({ method: "POST", url: "/v1/evidence", ...form(fields, files) });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe(code);
      expect(await t.app.store.stats()).toEqual(before);
    });
  });

  describe("the CLI: keygen, stamp --encrypt, decrypt", () => {
    const work = mkdtempSync(join(tmpdir(), "pp-encrypt-cli-"));
    afterAll(() => rmSync(work, { recursive: true, force: true }));
    const cli = async (argv: string[], env: Record<string, string> = {}) => {
      let out = "";
      let err = "";
      const code = await run(argv, {
        out: (line) => void (out += `${line}\n`),
        err: (line) => void (err += `${line}\n`),
        progress: () => undefined,
        isTTY: false,
        columns: 100,
        env: { PRIORPROOF_URL: base, PRIORPROOF_API_KEY: t.keys.acme!, ...env },
      });
      return { code, out, err };
    };

    it("stamps the plaintext, stores ciphertext, and decrypts the download back to the file; a tampered copy fails", async () => {
      const keyFile = join(work, "design.key");
      expect((await cli(["keygen", "-o", keyFile])).code).toBe(0);
      expect(statSync(keyFile).mode & 0o777).toBe(0o600);
      expect((await cli(["keygen", "-o", keyFile])).code).toBe(2); // never overwrites a key
      const file = join(work, "housing.step");
      const bytes = Buffer.concat([Buffer.from(MARKER.repeat(100)), Buffer.alloc(200_000, 3)]);
      writeFileSync(file, bytes);
      const stamped = await cli(["stamp", file, "--encrypt", "--key-file", keyFile, "--title", "Housing", "--json"]);
      expect(stamped.err).toBe("");
      expect(stamped.code).toBe(0);
      const [entry] = JSON.parse(stamped.out).entries;
      expect(entry.sha256).toBe(`0x${createHash("sha256").update(bytes).digest("hex")}`);
      expect(entry.encryption.scheme).toBe("priorproof-aead/1");
      expect((await collect(t.app.ipfs.car(entry.cid))).includes(Buffer.from(MARKER))).toBe(false);
      const out = join(work, "housing.out.step");
      const decrypted = await cli(["decrypt", entry.cid, "-o", out, "--key-file", keyFile]);
      expect(decrypted).toMatchObject({ code: 0, err: "" });
      expect(readFileSync(out).equals(bytes)).toBe(true);
      // A local copy of the ciphertext with one byte flipped: DECRYPTION_FAILED, exit 2, and no output file.
      const ciphertext = await collect((await client.getContent(entry.cid)) as unknown as AsyncIterable<Uint8Array>);
      ciphertext[ciphertext.length - 5]! ^= 1;
      const tampered = join(work, "tampered.ppaead");
      writeFileSync(tampered, ciphertext);
      const failed = await cli(["decrypt", tampered, "-o", join(work, "never.step"), "--key-file", keyFile]);
      expect(failed.code).toBe(2);
      expect(failed.err).toMatch(/DECRYPTION_FAILED: chunk 3 does not authenticate/);
      expect(() => statSync(join(work, "never.step"))).toThrow();
    });

    it("refuses --encrypt without a key", async () => {
      const file = join(work, "x.bin");
      writeFileSync(file, "x");
      const r = await cli(["stamp", file, "--encrypt"]);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/--encrypt needs a content key/);
    });
  });
});

describe("an encrypted upload while the embedded blockstore is unavailable (fault injection: block directory replaced by a file)", () => {
  let t: TestApp;
  let blocks: string;
  beforeAll(async () => {
    t = await buildTestApp();
    blocks = join(t.config.dataDir, "ipfs", "blocks");
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  it("spools the ciphertext, and the pin retry checks it against the ciphertext's digest and pins it", async () => {
    const base = await t.app.listen({ port: 0, host: "127.0.0.1" });
    const client = createClient({ baseUrl: base, apiKey: t.keys.acme, retry: false });
    const key = await generateContentKey();
    const plaintext = Buffer.from(`${MARKER}spooled while IPFS was down\n`.repeat(5_000));
    renameSync(blocks, `${blocks}.away`);
    writeFileSync(blocks, "not a directory: the blockstore's disk is gone");
    const { entry } = await submitEncryptedFile(client, { name: "spooled.bin", data: new Blob([plaintext]) }, key);
    expect(entry).toMatchObject({ pinStatus: "pending", cid: null, sha256: `0x${createHash("sha256").update(plaintext).digest("hex")}` });
    // The spool holds the ciphertext, never the plaintext.
    expect(filesHolding(t.config.dataDir, Buffer.from(MARKER))).toEqual([]);
    rmSync(blocks);
    renameSync(`${blocks}.away`, blocks);
    expect(await t.app.pinner.tick()).toEqual({ pinned: 1, failed: 0, skipped: 0 });
    const pinned = await client.getEntry(entry.id);
    expect(pinned.pinStatus).toBe("pinned");
    const back = await collect(decryptStream(await client.getContent(pinned.cid!), key));
    expect(back.equals(plaintext)).toBe(true);
  });
});

describe.each(TEST_BACKENDS)("an encrypted upload's record on the %s store", (backend) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp({}, backend);
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  it("keeps the scheme and the ciphertext digest beside the plaintext digest, and the receipt says encrypted; a plain upload has neither", async () => {
    const base = await t.app.listen({ port: 0, host: "127.0.0.1" });
    const client = createClient({ baseUrl: base, apiKey: t.keys.acme, retry: false });
    const key = await generateContentKey();
    const plaintext = Buffer.from(`${MARKER}${backend}\n`.repeat(2_000));
    const { entry } = await submitEncryptedFile(client, { name: "a.bin", data: new Blob([plaintext]) }, key);
    const [plain] = await client.submitFiles([{ name: "b.bin", data: new Blob([plaintext]) }]);
    const stored = await t.app.store.getEntry(entry.id);
    const ciphertext = await collect((await client.getContent(entry.cid!)) as unknown as AsyncIterable<Uint8Array>);
    expect(stored).toMatchObject({
      sha256: `0x${createHash("sha256").update(plaintext).digest("hex")}`,
      sha3_256: `0x${createHash("sha3-256").update(plaintext).digest("hex")}`,
      size: plaintext.length,
      encryption: "priorproof-aead/1",
      contentSha256: `0x${createHash("sha256").update(ciphertext).digest("hex")}`,
      cid: entry.cid,
    });
    expect(await t.app.store.getEntry(plain!.id)).toMatchObject({ sha256: stored!.sha256, encryption: null, contentSha256: null });
    await anchorAll(t);
    expect((await client.getReceipt(entry.id)).subject.encrypted).toBe(true);
    expect((await client.getReceipt(plain!.id)).subject.encrypted).toBeUndefined();
  });
});
