/**
 * `verify FILE RECEIPT`: the receipt verified on this machine, against the verifier's own trust (RPC
 * URLs, checkpoints, code hashes, deployments, TSA and signer roots: verify-options.ts, shared with
 * `verify-capture`), never the receipt's.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { toHex } from "../bytes.ts";
import { InputError } from "../errors.ts";
import { parseStrictJson } from "../trust/ijson.ts";
import { verifyReceipt } from "../verify.ts";
import { hashFile, SERVICE_OPTIONS, UsageError } from "./common.ts";
import { type Io, printVerdict, verdictHints } from "./render.ts";
import { openChains, readReceiptTrust, RECEIPT_TRUST_OPTIONS, verdictExit } from "./verify-options.ts";

/** SHA3-256 of a file, streamed (the receipt's `subject.sha3_256` is compared with it). */
async function sha3File(path: string): Promise<Uint8Array> {
  const h = createHash("sha3-256");
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
  return new Uint8Array(h.digest());
}

export async function verify(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { ...SERVICE_OPTIONS, ...RECEIPT_TRUST_OPTIONS, "signer-ca": { type: "string" } },
  });
  if (positionals.length !== 2) throw new UsageError("verify needs a file and its receipt");
  const [file, receiptPath] = positionals as [string, string];
  const trust = await readReceiptTrust(values);

  let text: string;
  try {
    text = await readFile(receiptPath, "utf8");
  } catch (e) {
    throw new InputError("FILE_UNREADABLE", `cannot read the receipt ${receiptPath}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  // Strict I-JSON: a receipt with a member name twice is refused (DUPLICATE_KEY), never "last wins".
  const doc = parseStrictJson(text);
  const sha256 = await hashFile(io, file);
  const sha3 = await sha3File(file);

  const rpc = await openChains(trust.rpcUrls, trust.rpcTimeoutMs);
  try {
    const verdict = await verifyReceipt(doc, { ...trust.options, sha256, sha3_256: sha3, chains: rpc.chains });
    const hints = verdictHints(verdict, { offline: trust.offline, rpcChains: Object.keys(rpc.chains) });
    if (values.json) {
      const { receipt: _receipt, ...rest } = verdict;
      io.out(JSON.stringify({ file, receiptFile: receiptPath, sha256: toHex(sha256), offline: trust.offline, ...rest, hints }, null, 2));
    } else {
      printVerdict(io, file, verdict, hints);
    }
    return verdictExit(verdict);
  } finally {
    rpc.close();
  }
}
