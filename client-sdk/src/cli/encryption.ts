/**
 * The CLI's client-side encryption: `priorproof keygen` writes a content key, `stamp --encrypt` uploads
 * files encrypted with it (the stamp covers the plaintext), `priorproof decrypt` turns the stored
 * ciphertext back into the file. The key is read from a file (`--key-file`) or PRIORPROOF_CONTENT_KEY
 * and used on this machine only.
 */
import { createReadStream, createWriteStream } from "node:fs";
import { open, readFile, rename, unlink } from "node:fs/promises";
import { basename } from "node:path";
import { parseArgs } from "node:util";
import { pipeline } from "node:stream/promises";
import { Readable } from "node:stream";
import { contentKeyFrom, decryptStream, formatContentKey, generateContentKey, type ContentKey } from "../encrypt.ts";
import { submitEncryptedFile } from "../encrypted-upload.ts";
import { InputError, ServiceError } from "../errors.ts";
import type { Entry, PriorProofClient } from "../client.ts";
import type { Claim } from "../leaf.ts";
import { EXIT } from "./help.ts";
import type { Io } from "./render.ts";

/** The content key of `--key-file PATH`, else PRIORPROOF_CONTENT_KEY, else a usage error built by `usage`. */
export async function contentKeyOf(keyFile: string | undefined, io: Io, usage: (message: string) => Error): Promise<ContentKey> {
  if (keyFile !== undefined) {
    let text: string;
    try {
      text = await readFile(keyFile, "utf8");
    } catch (e) {
      throw new InputError("FILE_UNREADABLE", `cannot read the key file ${keyFile}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    return contentKeyFrom(text);
  }
  const fromEnv = io.env.PRIORPROOF_CONTENT_KEY;
  if (fromEnv) return contentKeyFrom(fromEnv);
  throw usage("--encrypt needs a content key: --key-file FILE (make one with priorproof keygen) or PRIORPROOF_CONTENT_KEY");
}

/** `stamp --encrypt`: each file in its own request, encrypted while it is read and sent. */
export async function uploadEncrypted(
  pp: PriorProofClient,
  paths: readonly string[],
  key: ContentKey,
  claim: { claim?: Claim },
  mediaTypeOf: (path: string) => Promise<string>,
): Promise<Entry[]> {
  const entries: Entry[] = [];
  for (const path of paths) {
    const data = Readable.toWeb(createReadStream(path, { highWaterMark: 1 << 20 })) as ReadableStream<Uint8Array>;
    const { entry, sha256 } = await submitEncryptedFile(pp, { name: basename(path), data, mediaType: await mediaTypeOf(path) }, key, claim);
    // The service records what the client stated: check it kept the digest computed here.
    if (entry.sha256 !== sha256)
      throw new ServiceError("DIGEST_MISMATCH", `the service recorded sha-256 ${entry.sha256} for ${path}, but the plaintext hashes to ${sha256}`);
    entries.push(entry);
  }
  return entries;
}

/** `priorproof keygen -o FILE`: a new random content key, written with mode 0600 (never over an existing file). */
export async function keygen(args: string[], io: Io, usage: (message: string) => Error): Promise<number> {
  const { values } = parseArgs({ args, options: { out: { type: "string", short: "o" }, json: { type: "boolean" } } });
  if (values.out === undefined) throw usage("keygen needs -o FILE: where to keep the key (it is never sent to the service)");
  const key = await generateContentKey();
  let fh;
  try {
    fh = await open(values.out, "wx", 0o600);
  } catch (e) {
    throw new InputError(
      "FILE_UNWRITABLE",
      `cannot create ${values.out} (an existing key is never overwritten): ${e instanceof Error ? e.message : String(e)}`,
      { cause: e },
    );
  }
  try {
    await fh.writeFile(formatContentKey(key));
    await fh.sync();
  } finally {
    await fh.close();
  }
  if (values.json) io.out(JSON.stringify({ keyFile: values.out, keyId: key.id }));
  else io.out(`wrote content key ${key.id} to ${values.out} — keep a copy: without it the stored content cannot be read`);
  return EXIT.OK;
}

/**
 * `priorproof decrypt <cid|file> -o OUT --key-file KEY`: the ciphertext from the service by CID (or a
 * local file), decrypted chunk by chunk; OUT is written only when every chunk authenticated.
 */
export async function decrypt(
  args: string[],
  io: Io,
  usage: (message: string) => Error,
  clientOf: (values: { server?: string | undefined; key?: string | undefined }) => PriorProofClient,
): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      out: { type: "string", short: "o" },
      "key-file": { type: "string" },
      server: { type: "string" },
      key: { type: "string" },
      json: { type: "boolean" },
    },
  });
  if (positionals.length !== 1 || values.out === undefined) throw usage("decrypt needs one CID (or ciphertext file) and -o FILE");
  const key = await contentKeyOf(values["key-file"], io, usage);
  const source = positionals[0] as string;
  const ciphertext: AsyncIterable<Uint8Array> | ReadableStream<Uint8Array> =
    /^(baf|Qm)[a-zA-Z0-9]+$/.test(source) && !(await exists(source))
      ? await clientOf(values).getContent(source)
      : createReadStream(source, { highWaterMark: 1 << 20 });
  const partial = `${values.out}.partial`;
  try {
    await pipeline(Readable.from(decryptStream(ciphertext, key)), createWriteStream(partial, { flags: "wx", mode: 0o600 }));
  } catch (e) {
    await unlink(partial).catch(() => undefined);
    throw e;
  }
  await rename(partial, values.out);
  if (values.json) io.out(JSON.stringify({ out: values.out, keyId: key.id }));
  else io.out(`decrypted ${source} → ${values.out}`);
  return EXIT.OK;
}

async function exists(path: string): Promise<boolean> {
  try {
    await (await open(path, "r")).close();
    return true;
  } catch {
    return false;
  }
}
