/**
 * Claimant signatures on the command line: the signer of `stamp` (a PEM key and certificate chain, or
 * a PKCS#12 file and its password), and `statement`, which prints the exact bytes a receipt's
 * signature covers.
 */
import { readFile, writeFile } from "node:fs/promises";
import { basename } from "node:path";
import { parseArgs } from "node:util";
import { InputError } from "../errors.ts";
import { parseReceipt } from "../receipt.ts";
import { buildStatement, type ClaimSigner, statementOfReceipt } from "../signature/index.ts";
import { pemClaimSigner, pkcs12ClaimSigner } from "../signature/node.ts";
import { readText, UsageError } from "./common.ts";
import { EXIT } from "./help.ts";
import type { Io } from "./render.ts";

/** Reads a passphrase from the terminal without echo. */
async function promptHidden(question: string): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) throw new UsageError("no PKCS#12 password: set PRIORPROOF_P12_PASSWORD (stdin is not a terminal to ask on)");
  process.stderr.write(question);
  stdin.setRawMode(true);
  stdin.resume();
  let answer = "";
  try {
    for await (const chunk of stdin) {
      for (const ch of String(chunk)) {
        if (ch === "\r" || ch === "\n") return answer;
        if (ch === "\u0003") throw new UsageError("cancelled");
        if (ch === "\u007f") answer = answer.slice(0, -1);
        else answer += ch;
      }
    }
    return answer;
  } finally {
    stdin.setRawMode(false);
    stdin.pause();
    process.stderr.write("\n");
  }
}

/** The claim signer of `stamp` from --sign-key/--sign-cert or --sign-p12, or undefined. */
export async function claimSignerOf(
  values: { "sign-key"?: string | undefined; "sign-cert"?: string | undefined; "sign-p12"?: string | undefined },
  io: Io,
): Promise<ClaimSigner | undefined> {
  const key = values["sign-key"];
  const cert = values["sign-cert"];
  const p12 = values["sign-p12"];
  if (p12 !== undefined && (key !== undefined || cert !== undefined)) throw new UsageError("give either --sign-p12 or --sign-key with --sign-cert, not both");
  if (p12 !== undefined) {
    let bytes: Uint8Array;
    try {
      bytes = await readFile(p12);
    } catch (e) {
      throw new InputError("FILE_UNREADABLE", `cannot read --sign-p12 ${p12}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    const password = io.env.PRIORPROOF_P12_PASSWORD ?? (await promptHidden(`password of ${basename(p12)}: `));
    return pkcs12ClaimSigner(bytes, password);
  }
  if (key === undefined && cert === undefined) return undefined;
  if (key === undefined || cert === undefined)
    throw new UsageError("--sign-key and --sign-cert go together (the key, and the PEM certificate chain of its signer)");
  return pemClaimSigner(await readText(key, "--sign-key"), await readText(cert, "--sign-cert"));
}

/** `statement RECEIPT [-o FILE]`: the signed statement of a receipt/2 signature. */
export async function statement(args: string[], io: Io): Promise<number> {
  const { positionals, values } = parseArgs({ args, allowPositionals: true, options: { output: { type: "string", short: "o" } } });
  if (positionals.length !== 1) throw new UsageError("statement needs a receipt file");
  const receipt = parseReceipt(JSON.parse(await readText(positionals[0] as string, "the receipt")));
  const signature = receipt.version === "priorproof-receipt/2" ? receipt.signature : undefined;
  if (!signature) throw new InputError("NO_SIGNATURE", "the receipt carries no claimant signature");
  const text = buildStatement(statementOfReceipt(receipt, signature.signedAt));
  // -o writes exactly the signed bytes (no newline), for `openssl cms -verify -content`.
  if (values.output !== undefined) await writeFile(values.output, text);
  else io.out(text);
  return EXIT.OK;
}
