/**
 * Web captures (`priorproof-capture/1`): the manifest format and its verification.
 *
 * A capture is what one headless Chromium received from one address at one time: a full-page
 * screenshot, an MHTML snapshot of the DOM, the serialized DOM, a HAR-like network log and the TLS
 * chain of the main document. Each of these "parts" is hashed (SHA-256); the manifest lists them with
 * the request, the outcome and the environment, and is encoded as RFC 8785 canonical JSON (UTF-8, no
 * trailing newline). The manifest's SHA-256 is what the service stamps, so a receipt for the manifest
 * covers every part. docs/capture.md is the normative description.
 *
 * The verification core does no I/O: the caller injects `readPart` (a directory, a ZIP, an HTTP fetch)
 * and, for the receipt, the chain readers of {@link verifyReceipt}.
 */
import { sha3_256 } from "@noble/hashes/sha3.js";
import { equalBytes, fromHex, toHex } from "./bytes.ts";
import { PriorProofError } from "./errors.ts";
import { sha256 } from "./sha256.ts";
import { type Check, type CheckStatus, type Verdict, type VerifyOptions, verifyReceipt } from "./verify.ts";
import { CAPTURE_MANIFEST_VERSION, type CaptureManifest, type CapturePart, MAX_CAPTURE_PART_BYTES } from "./capture-manifest.ts";
import type { Hex } from "./receipt.ts";
import { parseCaptureManifest } from "./capture-parse.ts";

export * from "./capture-manifest.ts";
export { captureManifestProblems, isCaptureDigest, parseCaptureManifest } from "./capture-parse.ts";

/** Reads one part by name; resolves undefined when there is no such part. */
export type CapturePartReader = (name: string, limits: { maxBytes: number }) => Promise<Uint8Array | undefined>;

/**
 * Throws `PART_MISSING`, `PART_TOO_LARGE`, `PART_SIZE_MISMATCH` or `PART_DIGEST_MISMATCH` (the part named
 * in the message) unless `bytes` are the part the manifest lists.
 *
 * @example
 * verifyCapturePart(manifest.parts[0], await readFile("capture/screenshot.png"));
 */
export function verifyCapturePart(part: CapturePart, bytes: Uint8Array | undefined): void {
  if (bytes === undefined) throw new CaptureError("PART_MISSING", `part ${part.name} is missing`);
  if (bytes.length !== part.size) throw new CaptureError("PART_SIZE_MISMATCH", `part ${part.name} is ${bytes.length} bytes, the manifest says ${part.size}`);
  const digest = sha256(bytes);
  if (!equalBytes(digest, fromHex(part.sha256, 32)))
    throw new CaptureError("PART_DIGEST_MISMATCH", `part ${part.name} has sha-256 ${toHex(digest)}, the manifest says ${part.sha256}`);
}

/**
 * Codes of the capture family: a part of a web capture does not match its manifest.
 * - `PART_MISSING`: a part the manifest lists was not given.
 * - `PART_SIZE_MISMATCH`: a part has another size than the manifest says.
 * - `PART_DIGEST_MISMATCH`: a part has another SHA-256 than the manifest says.
 */
export type CaptureErrorCode = "PART_MISSING" | "PART_SIZE_MISMATCH" | "PART_DIGEST_MISMATCH";

/** A capture whose parts or manifest do not match. */
export class CaptureError extends PriorProofError {
  declare readonly code: CaptureErrorCode;
  constructor(code: CaptureErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** The outcome of {@link verifyCapture}. */
export interface CaptureVerdict {
  /** True when the manifest parsed, every part matched, and the receipt verified for the manifest's digest. */
  readonly verified: boolean;
  /** `manifest`, `parts.<name>` for each part, then `receipt`. */
  readonly checks: readonly Check[];
  readonly manifest?: CaptureManifest;
  /** SHA-256 of the manifest bytes (what the receipt must stamp). */
  readonly manifestSha256?: Hex;
  /** Parts whose check failed, by name. */
  readonly failedParts: readonly string[];
  /** The receipt's own verdict, when a receipt was given. */
  readonly receipt?: Verdict;
}

/** Input of {@link verifyCapture}. */
export interface VerifyCaptureInput {
  /** The manifest bytes exactly as stored (`manifest.json`). */
  readonly manifest: Uint8Array;
  readonly readPart: CapturePartReader;
  /** The receipt of the manifest's entry (parsed JSON); absent: the receipt check is not-checked. */
  readonly receipt?: unknown;
  /** Chain readers, checkpoints, TSA verifier, code hashes, deployments, finality… for the receipt (the digests are supplied here). */
  readonly receiptOptions?: Omit<VerifyOptions, "sha256" | "sha3_256">;
}

function failureOf(e: unknown): { code: string; detail: string } {
  if (e instanceof PriorProofError) return { code: e.code, detail: e.message };
  return { code: "UNEXPECTED", detail: e instanceof Error ? e.message : String(e) };
}

/**
 * Checks a capture: the manifest (format and canonical encoding), every part against the manifest
 * (size and SHA-256; a changed byte fails with the part named), and the manifest against its receipt
 * (the receipt's subject digest must be the manifest's SHA-256, then the receipt's own proofs, via
 * {@link verifyReceipt}). Bounded: one manifest ≤ 1 MiB, ≤ 32 parts, each ≤ 512 MiB.
 *
 * @example
 * const verdict = await verifyCapture({
 *   manifest: await readFile("cap/manifest.json"),
 *   readPart: async (name) => readFile(join("cap", name)),
 *   receipt: JSON.parse(await readFile("cap/receipt.json", "utf8")),
 *   receiptOptions: { chains: { "11155111": createChainReader(rpcUrl) } },
 * });
 * if (!verdict.verified) console.log(verdict.failedParts);
 */
export async function verifyCapture(input: VerifyCaptureInput): Promise<CaptureVerdict> {
  const checks: Check[] = [];
  const add = (id: string, title: string, status: CheckStatus, detail: string, code?: string) =>
    checks.push(code ? { id, title, status, detail, code } : { id, title, status, detail });
  let manifest: CaptureManifest;
  try {
    manifest = parseCaptureManifest(input.manifest);
  } catch (e) {
    const f = failureOf(e);
    add("manifest", `Manifest follows ${CAPTURE_MANIFEST_VERSION}`, "failed", f.detail, f.code);
    return { verified: false, checks, failedParts: [] };
  }
  const manifestSha256 = toHex(sha256(input.manifest));
  add("manifest", `Manifest follows ${CAPTURE_MANIFEST_VERSION}`, "passed", `capture ${manifest.id} of ${manifest.request.url}, sha-256 ${manifestSha256}`);

  const failedParts: string[] = [];
  for (const part of manifest.parts) {
    const title = `Part ${part.name} is the one listed`;
    try {
      verifyCapturePart(part, await input.readPart(part.name, { maxBytes: Math.min(part.size, MAX_CAPTURE_PART_BYTES) + 1 }));
      add(`parts.${part.name}`, title, "passed", `${part.size} bytes, sha-256 ${part.sha256}`);
    } catch (e) {
      const f = failureOf(e);
      failedParts.push(part.name);
      add(`parts.${part.name}`, title, "failed", f.detail, f.code);
    }
  }

  let receipt: Verdict | undefined;
  if (input.receipt === undefined) {
    add("receipt", "The manifest is stamped", "not-checked", "no receipt was given");
  } else {
    // Both digests of the manifest: a receipt/2 commits to its SHA3-256 too (a second hash family).
    receipt = await verifyReceipt(input.receipt, { ...input.receiptOptions, sha256: sha256(input.manifest), sha3_256: sha3_256(input.manifest) });
    const failed = receipt.checks.find((c) => c.status === "failed");
    if (receipt.verified)
      add(
        "receipt",
        "The manifest is stamped",
        "passed",
        `receipt ${receipt.receipt?.id ?? "?"}${receipt.existedNoLaterThan ? `, existed no later than ${receipt.existedNoLaterThan}` : ""}`,
      );
    else if (failed) add("receipt", "The manifest is stamped", "failed", `${failed.title}: ${failed.detail}`, failed.code ?? "RECEIPT_FAILED");
    else
      add(
        "receipt",
        "The manifest is stamped",
        "not-checked",
        receipt.checks
          .filter((c) => c.status === "not-checked")
          .map((c) => `${c.title}: ${c.detail}`)
          .join("; "),
      );
  }
  const verified = failedParts.length === 0 && receipt?.verified === true && !checks.some((c) => c.status === "failed");
  return { verified, checks, manifest, manifestSha256, failedParts, ...(receipt ? { receipt } : {}) };
}
