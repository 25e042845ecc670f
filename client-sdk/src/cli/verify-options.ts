/**
 * What the verifier chooses to trust, as the CLI takes it: the options `priorproof verify` and
 * `priorproof verify-capture` share (RPC nodes and their timeout, offline, checkpoints, TSA trust
 * anchors, code hashes, operator deployments, finality policy), read into `verifyReceipt` options,
 * and the chain readers opened for the --rpc URLs. Nothing here comes from the receipt.
 */
import { readFile } from "node:fs/promises";
import { cachedChainReader, createChainReader, DEFAULT_RPC_TIMEOUT_MS, type ChainReader } from "../anchor.ts";
import { isHex32 } from "../bytes.ts";
import { AnchorError, InputError, PriorProofError } from "../errors.ts";
import { createClaimSignatureVerifier } from "../signature/index.ts";
import { parseDeployments, type OperatorDeployment } from "../trust/deployments.ts";
import { parseStrictJson } from "../trust/ijson.ts";
import { certificatesFromPem, createTimestampVerifier } from "../tsa.ts";
import type { Checkpoint, Verdict, VerifyOptions } from "../verify.ts";
import { EXIT } from "./help.ts";
import { UsageError } from "./usage.ts";

/** The parseArgs options of receipt trust (spread into a command's own options). */
export const RECEIPT_TRUST_OPTIONS = {
  rpc: { type: "string", multiple: true },
  "rpc-timeout": { type: "string" },
  "tsa-ca": { type: "string" },
  offline: { type: "boolean" },
  checkpoint: { type: "string", multiple: true },
  checkpoints: { type: "string" },
  "trust-code-hash": { type: "string", multiple: true },
  deployments: { type: "string", multiple: true },
  "min-confirmations": { type: "string" },
} as const;

/** The values parseArgs gives for {@link RECEIPT_TRUST_OPTIONS} (and `--signer-ca`, where a command takes it). */
export interface ReceiptTrustValues {
  readonly rpc?: string[] | undefined;
  readonly "rpc-timeout"?: string | undefined;
  readonly "tsa-ca"?: string | undefined;
  readonly "signer-ca"?: string | undefined;
  readonly offline?: boolean | undefined;
  readonly checkpoint?: string[] | undefined;
  readonly checkpoints?: string | undefined;
  readonly "trust-code-hash"?: string[] | undefined;
  readonly deployments?: string[] | undefined;
  readonly "min-confirmations"?: string | undefined;
}

/** Receipt trust as read: `verifyReceipt` options except the subject's digests and the chain readers. */
export interface ReceiptTrust {
  readonly offline: boolean;
  readonly rpcUrls: readonly string[];
  readonly rpcTimeoutMs: number;
  readonly options: Omit<VerifyOptions, "sha256" | "sha3_256" | "chains">;
}

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

async function readOptionFile(path: string, option: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (e) {
    throw new InputError("FILE_UNREADABLE", `cannot read ${option} ${path}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}

/** A checkpoints file: one `CHAINID:NUMBER:BLOCKHASH` per line; `#` starts a comment (e.g. where the hash was read). */
async function readCheckpoints(path: string): Promise<Checkpoint[]> {
  const text = await readOptionFile(path, "--checkpoints");
  return text
    .split("\n")
    .map((l) => l.replace(/#.*/, "").trim())
    .filter((l) => l !== "")
    .map(parseCheckpoint);
}

/** An operator deployment list (deployments/<chainId>.json, a /.well-known/priorproof.json, or an array). */
async function readDeploymentsFile(path: string): Promise<OperatorDeployment[]> {
  return parseDeployments(parseStrictJson(await readOptionFile(path, "--deployments")), path);
}

function secondsOption(value: string | undefined, name: string, fallbackMs: number): number {
  if (value === undefined) return fallbackMs;
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 3_600)
    throw new UsageError(`${name} must be a number of seconds (0 < s ≤ 3600), not ${JSON.stringify(value)}`);
  return seconds * 1000;
}

/**
 * Reads the trust options into `verifyReceipt` options; throws `UsageError` for a bad option and
 * `InputError` for an unreadable file.
 *
 * @example
 * const trust = await readReceiptTrust(values); // values from parseArgs({ options: RECEIPT_TRUST_OPTIONS })
 */
export async function readReceiptTrust(values: ReceiptTrustValues): Promise<ReceiptTrust> {
  const rpcUrls = values.rpc ?? [];
  const offline = values.offline ?? false;
  if (offline && rpcUrls.length > 0) throw new UsageError("--offline uses no network at all: drop --rpc, or drop --offline");
  const rpcTimeoutMs = secondsOption(values["rpc-timeout"], "--rpc-timeout", DEFAULT_RPC_TIMEOUT_MS);
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
  const options: { -readonly [K in keyof VerifyOptions]: VerifyOptions[K] } = {
    checkpoints,
    trustedCodeHashes,
    deployments,
    rpcTimeoutMs,
    ...(minConfirmations !== undefined ? { minConfirmations } : {}),
  };
  const signerCa = values["signer-ca"];
  if (signerCa !== undefined) {
    const anchors = certificatesFromPem(await readOptionFile(signerCa, "--signer-ca"));
    if (anchors.length === 0) throw new UsageError(`--signer-ca ${signerCa} holds no PEM certificate`);
    options.signature = createClaimSignatureVerifier({ trustAnchors: anchors });
  }
  const tsaCa = values["tsa-ca"];
  if (tsaCa !== undefined) {
    options.timestamp = createTimestampVerifier({ trustAnchors: certificatesFromPem(await readOptionFile(tsaCa, "--tsa-ca")) });
  }
  return { offline, rpcUrls, rpcTimeoutMs, options };
}

/**
 * Opens a reader per --rpc URL, keyed by the chain id the node reports (each call bounded by
 * `timeoutMs`). An unreachable or silent node is an I/O error naming the option by position: the URL
 * may carry an API key and is never echoed. `close` destroys them.
 *
 * @example
 * const rpc = await openChains(trust.rpcUrls, trust.rpcTimeoutMs);
 * try { await verifyReceipt(doc, { ...trust.options, chains: rpc.chains }); } finally { rpc.close(); }
 */
export async function openChains(rpcUrls: readonly string[], timeoutMs: number): Promise<{ chains: Record<string, ChainReader>; close(): void }> {
  const chains: Record<string, ChainReader> = {};
  const owned: { destroy(): void }[] = [];
  const close = () => {
    for (const r of owned) r.destroy();
  };
  try {
    for (const [n, url] of rpcUrls.entries()) {
      const reader = createChainReader(url, { timeoutMs });
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
  } catch (e) {
    close();
    throw e;
  }
  return { chains, close };
}

/** Failures that are the verifier's I/O, not the receipt's fault (exit 2). */
const IO_CODES = new Set(["CHAIN_UNREACHABLE", "RPC_TIMEOUT", "RPC_ERROR", "RPC_BUDGET_EXCEEDED"]);

/**
 * The exit code of a receipt verdict: 0 verified; 2 when every failed check is the verifier's own I/O
 * (an RPC that failed mid-way says nothing about the receipt); else 1.
 *
 * @example
 * return verdictExit(await verifyReceipt(doc, options));
 */
export function verdictExit(verdict: Pick<Verdict, "verified" | "checks">): number {
  if (verdict.verified) return EXIT.OK;
  const failed = verdict.checks.filter((c) => c.status === "failed");
  if (failed.length > 0 && failed.every((c) => IO_CODES.has(c.code ?? ""))) return EXIT.USAGE;
  return EXIT.NOT_VERIFIED;
}
