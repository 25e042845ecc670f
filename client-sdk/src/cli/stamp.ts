/** `stamp`: hash (or upload, or encrypt and upload) files and stamp them, optionally signed by the claimant, optionally waiting. */
import { createHash, type Hash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import { parseArgs } from "node:util";
import type { Entry, UploadFile } from "../client.ts";
import { ServiceError } from "../errors.ts";
import { sha256File } from "../hash-node.ts";
import { ASSET_KINDS, type AssetKind, type Claim } from "../leaf.ts";
import { signClaim } from "../signature/index.ts";
import { clientFor, digestOf, hashFile, readHashing, regularFile, SERVICE_OPTIONS, timeoutMs, UsageError } from "./common.ts";
import { contentKeyOf, uploadEncrypted } from "./encryption.ts";
import { EXIT } from "./help.ts";
import { mediaTypeOf } from "./media-type.ts";
import { entryLine, type Io, progressBar } from "./render.ts";
import { claimSignerOf } from "./sign.ts";

/** `--ai-process FILE.json`: the AI process record (tool, model, prompt, seed, licence…), a JSON object. */
async function readAiProcess(path: string): Promise<NonNullable<Claim["aiProcess"]>> {
  let doc: unknown;
  try {
    doc = JSON.parse(await readFile(path, "utf8"));
  } catch (e) {
    throw new UsageError(`--ai-process ${path}: not a readable JSON file (${e instanceof Error ? e.message : String(e)})`);
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc))
    throw new UsageError(`--ai-process ${path}: expected a JSON object such as {"tool":…,"model":…,"prompt":…,"seed":…}`);
  return doc as NonNullable<Claim["aiProcess"]>;
}

export async function stamp(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      ...SERVICE_OPTIONS,
      upload: { type: "boolean" },
      title: { type: "string" },
      kind: { type: "string" },
      author: { type: "string" },
      claimant: { type: "string" },
      previous: { type: "string" },
      note: { type: "string" },
      "ai-process": { type: "string" },
      wait: { type: "boolean" },
      timeout: { type: "string" },
      "sign-key": { type: "string" },
      "sign-cert": { type: "string" },
      "sign-p12": { type: "string" },
      encrypt: { type: "boolean" },
      "key-file": { type: "string" },
    },
  });
  if (positionals.length === 0) throw new UsageError("stamp needs at least one file");
  if (values.encrypt && (values["sign-key"] !== undefined || values["sign-p12"] !== undefined))
    throw new UsageError("--encrypt uploads; --sign-key/--sign-p12 sign hash-only stamps: use one or the other");
  const contentKey = values.encrypt ? await contentKeyOf(values["key-file"], io, (m) => new UsageError(m)) : undefined;
  const signer = await claimSignerOf(values, io);
  if (signer && values.upload)
    throw new UsageError("--sign-key/--sign-p12 sign hash-only stamps: drop --upload (the signature covers the digest computed here)");
  const aiProcess = values["ai-process"] !== undefined ? await readAiProcess(values["ai-process"]) : undefined;
  if (values.kind !== undefined && !(ASSET_KINDS as readonly string[]).includes(values.kind))
    throw new UsageError(`--kind must be one of ${ASSET_KINDS.join(", ")}`);
  const wait = timeoutMs(values.timeout);
  const pp = clientFor(values, io);
  const claim: Claim = {
    ...(values.title !== undefined ? { title: values.title } : {}),
    ...(values.kind !== undefined ? { kind: values.kind as AssetKind } : {}),
    ...(values.author !== undefined ? { author: values.author } : {}),
    ...(values.claimant !== undefined ? { claimant: values.claimant } : {}),
    ...(values.previous !== undefined ? { previous: await digestOf(io, values.previous, "--previous") } : {}),
    ...(values.note !== undefined ? { note: values.note } : {}),
    ...(aiProcess ? { aiProcess } : {}),
  };
  const withClaim = Object.keys(claim).length > 0 ? { claim } : {};

  let entries: Entry[];
  if (contentKey) {
    // Encrypted here, file by file; the stamp covers the plaintext, the service stores the ciphertext.
    entries = await uploadEncrypted(pp, positionals, contentKey, withClaim, mediaTypeOf);
  } else if (values.upload) {
    const hashes: Hash[] = [];
    const files: UploadFile[] = [];
    for (const p of positionals) {
      const size = await regularFile(p);
      const hash = createHash("sha256");
      hashes.push(hash);
      files.push({ name: basename(p), size, mediaType: await mediaTypeOf(p), data: readHashing(p, hash) });
    }
    const bar = progressBar(io, positionals.length === 1 ? `uploading ${basename(positionals[0] as string)}` : `uploading ${positionals.length} files`);
    try {
      entries = await pp.submitFiles(files, { ...withClaim, ...(bar ? { onProgress: bar.update } : {}) });
    } finally {
      bar?.done();
    }
    // The service hashed what it received; the same bytes were hashed here as they were sent.
    for (const [i, e] of entries.entries()) {
      const sent = `0x${(hashes[i] as Hash).digest("hex")}`;
      if (e.sha256 !== sent)
        throw new ServiceError("SERVICE_DIGEST_MISMATCH", `the service recorded sha-256 ${e.sha256} for ${positionals[i]}, but the bytes sent hash to ${sent}`);
    }
  } else {
    const items = [];
    for (const p of positionals) {
      if (!signer) {
        items.push({ sha256: await hashFile(io, p), ...withClaim });
        continue;
      }
      // Signed: SHA3-256 as well (committed in the leaf and in the signed statement), then sign here.
      const { sha256, sha3_256 } = await sha256File(p, { alsoSha3: true });
      const signature = await signClaim({ sha256, ...(sha3_256 ? { sha3_256 } : {}), ...withClaim }, signer);
      items.push({ sha256, ...(sha3_256 ? { sha3_256 } : {}), ...withClaim, signature });
    }
    entries = await pp.submitStamps(items);
  }

  if (values.wait) {
    // One after the other: entries of one request share a batch, so the later waits end at once.
    for (const [i, e] of entries.entries()) {
      entries[i] = await pp.waitForAnchor(e.id, {
        status: "anchored",
        timeoutMs: wait,
        onStatus: (s) => {
          if (io.isTTY) io.err(`${e.id}: ${s}`);
        },
      });
    }
  }
  if (values.json) io.out(JSON.stringify({ entries }, null, 2));
  else for (const [i, e] of entries.entries()) io.out(`${positionals[i]}: ${entryLine(e)}`);
  return EXIT.OK;
}
