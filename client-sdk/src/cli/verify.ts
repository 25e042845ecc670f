/**
 * `verify FILE RECEIPT`: the receipt verified on this machine, against the verifier's own trust (RPC
 * URLs, checkpoints, code hashes, deployments, TSA and signer roots), never the receipt's.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { cachedChainReader, createChainReader, DEFAULT_RPC_TIMEOUT_MS, type ChainReader } from "../anchor.ts";
import { isHex32, toHex } from "../bytes.ts";
import { AnchorError, InputError, PriorProofError } from "../errors.ts";
import { certificatesFromPem, createTimestampVerifier } from "../tsa.ts";
import { type Checkpoint, type VerifyOptions, verifyReceipt } from "../verify.ts";
import { createClaimSignatureVerifier } from "../signature/index.ts";
import { type OperatorDeployment, parseDeployments } from "../trust/deployments.ts";
import { parseStrictJson } from "../trust/ijson.ts";
import { hashFile, readText, SERVICE_OPTIONS, UsageError } from "./common.ts";
import { EXIT } from "./help.ts";
import { type Io, printVerdict, verdictHints } from "./render.ts";

/**
 * One checkpoint as the CLI takes it: `CHAINID:NUMBER:BLOCKHASH` (e.g. `31337:12:0x5e…`), bound to its
 * chain so that a hash pinned for one chain never confirms a receipt relabelled as another.
 *
 * @example
 * parseCheckpoint("11155111:7012345:0xab…") // { chainId: 11155111, number: 7012345n, hash: "0xab…" }
 */
export function parseCheckpoint(text: string): Checkpoint {
  const m = /^(\d{1,16}):(\d{1,20}):(0x[0-9a-fA-F]{64})$/.exec(text.trim());
  if (!m || Number(m[1]) < 1 || !Number.isSafeInteger(Number(m[1]))) {
    throw new UsageError(`a checkpoint is CHAINID:NUMBER:BLOCKHASH (e.g. 11155111:7012345:0x…64 hex digits), not ${JSON.stringify(text.slice(0, 100))}`);
  }
  return { chainId: Number(m[1]), number: BigInt(m[2] as string), hash: (m[3] as string).toLowerCase() };
}

/** A checkpoints file: one `CHAINID:NUMBER:BLOCKHASH` per line; `#` starts a comment (e.g. where the hash was read). */
async function readCheckpoints(path: string): Promise<Checkpoint[]> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    throw new InputError("FILE_UNREADABLE", `cannot read --checkpoints ${path}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  return text.split("\n").map((l) => l.replace(/#.*/, "").trim()).filter((l) => l !== "").map(parseCheckpoint);
}

/** An operator deployment list (deployments/<chainId>.json, a /.well-known/priorproof.json, or an array). */
async function readDeploymentsFile(path: string): Promise<OperatorDeployment[]> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    throw new InputError("FILE_UNREADABLE", `cannot read --deployments ${path}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  return parseDeployments(parseStrictJson(text), path);
}

function secondsOption(value: string | undefined, name: string, fallbackMs: number): number {
  if (value === undefined) return fallbackMs;
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 3_600) throw new UsageError(`${name} must be a number of seconds (0 < s ≤ 3600), not ${JSON.stringify(value)}`);
  return seconds * 1000;
}

/** Failures that are the verifier's I/O, not the receipt's fault (exit 2). */
const IO_CODES = new Set(["CHAIN_UNREACHABLE", "RPC_TIMEOUT", "RPC_ERROR", "RPC_BUDGET_EXCEEDED"]);

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
    options: {
      ...SERVICE_OPTIONS,
      rpc: { type: "string", multiple: true },
      "rpc-timeout": { type: "string" },
      "tsa-ca": { type: "string" },
      "signer-ca": { type: "string" },
      offline: { type: "boolean" },
      checkpoint: { type: "string", multiple: true },
      checkpoints: { type: "string" },
      "trust-code-hash": { type: "string", multiple: true },
      deployments: { type: "string", multiple: true },
      "min-confirmations": { type: "string" },
    },
  });
  if (positionals.length !== 2) throw new UsageError("verify needs a file and its receipt");
  const [file, receiptPath] = positionals as [string, string];
  const rpcUrls = values.rpc ?? [];
  const offline = values.offline ?? false;
  if (offline && rpcUrls.length > 0) throw new UsageError("--offline uses no network at all: drop --rpc, or drop --offline");
  const rpcTimeoutMs = secondsOption(values["rpc-timeout"], "--rpc-timeout", DEFAULT_RPC_TIMEOUT_MS);

  let text: string;
  try {
    text = await readFile(receiptPath, "utf8");
  } catch (e) {
    throw new InputError("FILE_UNREADABLE", `cannot read the receipt ${receiptPath}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  // Strict I-JSON: a receipt with a member name twice is refused (DUPLICATE_KEY), never "last wins".
  const doc = parseStrictJson(text);
  const checkpoints = (values.checkpoint ?? []).map(parseCheckpoint);
  if (values.checkpoints !== undefined) checkpoints.push(...(await readCheckpoints(values.checkpoints)));
  const trustedCodeHashes = (values["trust-code-hash"] ?? []).map((h) => {
    if (!isHex32(h.toLowerCase())) throw new UsageError(`--trust-code-hash must be a keccak-256 code hash (0x and 64 hex digits), not ${JSON.stringify(h)}`);
    return h.toLowerCase();
  });
  const deployments: OperatorDeployment[] = [];
  for (const f of values.deployments ?? []) deployments.push(...(await readDeploymentsFile(f)));
  let minConfirmations: number | undefined;
  if (values["min-confirmations"] !== undefined) {
    minConfirmations = Number(values["min-confirmations"]);
    if (!Number.isSafeInteger(minConfirmations) || minConfirmations < 1) throw new UsageError("--min-confirmations must be a positive integer");
  }
  const sha256 = await hashFile(io, file);
  const sha3 = await sha3File(file);
  const options: { -readonly [K in keyof VerifyOptions]: VerifyOptions[K] } = {
    sha256, sha3_256: sha3, checkpoints, trustedCodeHashes, deployments, rpcTimeoutMs, ...(minConfirmations !== undefined ? { minConfirmations } : {}),
  };
  const signerCa = values["signer-ca"];
  if (signerCa !== undefined) {
    const anchors = certificatesFromPem(await readText(signerCa, "--signer-ca"));
    if (anchors.length === 0) throw new UsageError(`--signer-ca ${signerCa} holds no PEM certificate`);
    options.signature = createClaimSignatureVerifier({ trustAnchors: anchors });
  }
  const tsaCa = values["tsa-ca"];
  if (tsaCa !== undefined) {
    let pem: string;
    try {
      pem = await readFile(tsaCa, "utf8");
    } catch (e) {
      throw new InputError("FILE_UNREADABLE", `cannot read --tsa-ca ${tsaCa}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    options.timestamp = createTimestampVerifier({ trustAnchors: certificatesFromPem(pem) });
  }

  const chains: Record<string, ChainReader> = {};
  const owned: { destroy(): void }[] = [];
  try {
    for (const [n, url] of rpcUrls.entries()) {
      const reader = createChainReader(url, { timeoutMs: rpcTimeoutMs });
      owned.push(reader);
      let chainId: bigint;
      try {
        chainId = await reader.getChainId();
      } catch (e) {
        // The URL may carry an API key: name the option by position, never echo it.
        const code = e instanceof PriorProofError && e.code === "RPC_TIMEOUT" ? "RPC_TIMEOUT" : "CHAIN_UNREACHABLE";
        throw new AnchorError(code, `--rpc #${n + 1}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
      }
      chains[String(chainId)] = cachedChainReader(reader);
    }
    options.chains = chains;
    const verdict = await verifyReceipt(doc, options);
    const hints = verdictHints(verdict, { offline, rpcChains: Object.keys(chains) });
    if (values.json) {
      const { receipt: _receipt, ...rest } = verdict;
      io.out(JSON.stringify({ file, receiptFile: receiptPath, sha256: toHex(sha256), offline, ...rest, hints }, null, 2));
    } else {
      printVerdict(io, file, verdict, hints);
    }
    if (verdict.verified) return EXIT.OK;
    // An RPC that failed mid-way says nothing about the receipt: an I/O error, not a verdict.
    const failed = verdict.checks.filter((c) => c.status === "failed");
    if (failed.length > 0 && failed.every((c) => IO_CODES.has(c.code ?? ""))) return EXIT.USAGE;
    return EXIT.NOT_VERIFIED;
  } finally {
    for (const r of owned) r.destroy();
  }
}
