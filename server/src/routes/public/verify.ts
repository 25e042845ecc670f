import type { FastifyPluginAsync } from "fastify";
import { createHash } from "node:crypto";
import { inflateSync } from "node:zlib";
import type { ChainReader, OperatorDeployment, VerifyOptions } from "@priorproof/client-sdk";
import { extractReceipts, fromHex, isPdf, MAX_CERTIFICATE_PDF_BYTES, PriorProofError, parseStrictJson, toHex } from "@priorproof/client-sdk/core";
import { type DigestAnchor, type DigestLookup, DigestLookupSchema, VerdictSchema } from "@priorproof/client-sdk/api";
import { AppError } from "../../errors.ts";
import { MAX_JSON_DEPTH } from "../../schemas/json-depth.ts";
import { errorResponses } from "../../schemas/common.ts";
import { normalizeDigest } from "../../services/ingest.ts";

/**
 * Bounds of the public endpoint: anchors per receipt (the SDK's own bound, 16), chain calls per request,
 * the time of each call, and requests per minute per client address (its own limit, on top of the
 * service-wide one).
 */
export const VERIFY_ENDPOINT_LIMITS = { rpcBudget: 64, rpcTimeoutMs: 10_000, perMinute: 60, bodyBytes: 2 * 1024 * 1024 } as const;

/** A strict I-JSON body (RFC 7493: duplicate member names refused), as a 400 with its own code. */
function strictJson(text: string): unknown {
  try {
    return parseStrictJson(text, { maxDepth: MAX_JSON_DEPTH });
  } catch (e) {
    const message = e instanceof Error ? e.message : "not JSON";
    if (e instanceof PriorProofError && e.code === "DUPLICATE_KEY") throw new AppError("DUPLICATE_KEY", `the body is not I-JSON: ${message}`);
    if (message.startsWith("nesting deeper")) throw new AppError("VALIDATION_FAILED", `the body nests deeper than ${MAX_JSON_DEPTH} levels`);
    throw new AppError("INVALID_JSON", message);
  }
}

async function boundedBuffer(stream: AsyncIterable<unknown> & { truncated?: boolean }, max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += (chunk as Buffer).length;
    if (size > max) throw new AppError("PAYLOAD_TOO_LARGE", `the receipt or certificate exceeds ${max} bytes`);
    chunks.push(chunk as Buffer);
  }
  if (stream.truncated) throw new AppError("FILE_TOO_LARGE", "the receipt or certificate exceeds the upload limit");
  return Buffer.concat(chunks);
}

/** The receipt(s) in a JSON receipt or in a certificate PDF (its embedded receipt.json). */
async function receiptsFromDocument(bytes: Buffer): Promise<unknown[]> {
  if (isPdf(bytes)) {
    try {
      return await extractReceipts(new Uint8Array(bytes), (b) => new Uint8Array(inflateSync(b, { maxOutputLength: 8 * 1024 * 1024 })));
    } catch (e) {
      if (e instanceof PriorProofError) throw new AppError("INVALID_RECEIPT", `certificate pdf: ${e.message}`, { code: e.code });
      throw e;
    }
  }
  // Strict I-JSON (a member twice is DUPLICATE_KEY), bounded depth.
  try {
    return [parseStrictJson(bytes.toString("utf8"), { maxDepth: MAX_JSON_DEPTH })];
  } catch (e) {
    if (e instanceof PriorProofError && e.code === "DUPLICATE_KEY") throw new AppError("DUPLICATE_KEY", `the receipt is not I-JSON: ${e.message}`);
    if (e instanceof Error && e.message.startsWith("nesting deeper"))
      throw new AppError("INVALID_RECEIPT", `the receipt nests deeper than ${MAX_JSON_DEPTH} levels`);
    throw new AppError("INVALID_RECEIPT", "the receipt is neither JSON nor a certificate PDF");
  }
}

/** Public verification: anyone can ask whether a digest is anchored, or have a receipt checked. */
const verify: FastifyPluginAsync = async (app) => {
  // Every JSON body of these routes is read strictly: a receipt with a member twice is refused.
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string", bodyLimit: VERIFY_ENDPOINT_LIMITS.bodyBytes }, (_request, body, done) => {
    try {
      done(null, strictJson(body as string));
    } catch (e) {
      done(e as Error, undefined);
    }
  });
  // This service's own deployments: the verdict says "operator" for them, "other" for any other.
  const deployments: OperatorDeployment[] = [...app.chains].map(([id, chain]) => ({
    chainId: id,
    address: chain.deployment.address.toLowerCase() as `0x${string}`,
    source: "this service's deployment record",
  }));
  // The verifier (ethers readers, the offline trie proofs, RFC 3161 and CMS code) loads at the first
  // verification, not when an API node starts.
  const sdk = () => import("@priorproof/client-sdk");
  const readers = async (): Promise<Record<string, ChainReader>> => {
    const { cachedChainReader, createChainReader } = await sdk();
    const out: Record<string, ChainReader> = {};
    for (const [id, chain] of app.chains)
      out[String(id)] = cachedChainReader(createChainReader(chain.provider, { timeoutMs: VERIFY_ENDPOINT_LIMITS.rpcTimeoutMs }));
    return out;
  };
  /** Chain readers for this instance's chains (bounded), its deployments, and its TSA trust anchors. */
  const witnesses = async (): Promise<VerifyOptions> => ({
    chains: await readers(),
    deployments,
    rpcBudget: VERIFY_ENDPOINT_LIMITS.rpcBudget,
    rpcTimeoutMs: VERIFY_ENDPOINT_LIMITS.rpcTimeoutMs,
    ...(app.tsaTrustAnchors.length > 0
      ? { timestamp: (await import("@priorproof/client-sdk/tsa")).createTimestampVerifier({ trustAnchors: app.tsaTrustAnchors }) }
      : {}),
    // Claimant signatures against the operator's signer CAs (SIGNER_CA_FILE), judged at the anchor time.
    ...(app.signerTrustAnchors.length > 0 ? { signature: (await sdk()).createClaimSignatureVerifier({ trustAnchors: app.signerTrustAnchors }) } : {}),
  });
  // Its own limit, on top of the service-wide one (which counts every route together): verification is
  // public and costs chain calls, so one address gets at most `perMinute` of them (fixed window).
  const windows = new Map<string, { start: number; count: number }>();
  const verifyLimit = async (request: { ip: string }) => {
    const now = Date.now();
    if (windows.size > 10_000) for (const [k, w] of windows) if (now - w.start >= 60_000) windows.delete(k);
    const w = windows.get(request.ip);
    if (!w || now - w.start >= 60_000) windows.set(request.ip, { start: now, count: 1 });
    else if (++w.count > VERIFY_ENDPOINT_LIMITS.perMinute)
      throw new AppError("RATE_LIMITED", `verification is limited to ${VERIFY_ENDPOINT_LIMITS.perMinute} requests a minute per address`);
  };

  app.get<{ Querystring: { sha256: string } }>(
    "/verify",
    {
      schema: {
        summary: "Is this digest anchored, and when? (public; reveals no tenant or file name)",
        tags: ["verify"],
        querystring: { type: "object", required: ["sha256"], additionalProperties: false, properties: { sha256: { $ref: "DigestInput#" } } },
        response: {
          200: DigestLookupSchema,
          ...errorResponses,
        },
      },
    },
    async (request): Promise<DigestLookup> => {
      const sha256 = normalizeDigest(request.query.sha256);
      const entries = await app.store.findAnchoredBySha256(sha256, 20);
      const anchors: DigestAnchor[] = [];
      for (const e of entries) {
        for (const { batch } of await app.store.getEntryBatches(e.seq)) {
          if (batch.status !== "anchored" && batch.status !== "confirmed") continue;
          const chain = app.chains.get(batch.chainId);
          anchors.push({
            chainId: batch.chainId,
            chainName: chain?.config.name ?? `chain ${batch.chainId}`,
            development: chain?.config.development ?? false,
            contract: chain?.deployment.address ?? "",
            txHash: batch.txHash ?? "",
            blockNumber: batch.blockNumber ?? 0,
            blockTime: batch.blockTime ?? "",
            status: batch.status,
          });
        }
      }
      anchors.sort((a, b) => a.blockTime.localeCompare(b.blockTime));
      return { sha256, anchored: anchors.length > 0, anchors };
    },
  );

  app.post<{ Body: { receipt: unknown; sha256?: string } }>(
    "/verify",
    {
      schema: {
        summary: "Verify a receipt (and optionally a file digest) against the chain: every check with its outcome",
        tags: ["verify"],
        body: {
          type: "object",
          required: ["receipt"],
          additionalProperties: false,
          properties: { receipt: { type: "object" }, sha256: { $ref: "DigestInput#" } },
        },
        response: { 200: VerdictSchema, ...errorResponses },
      },
      bodyLimit: VERIFY_ENDPOINT_LIMITS.bodyBytes,
      onRequest: verifyLimit,
    },
    async (request) => {
      const { receipt, sha256 } = request.body;
      return (await sdk()).verifyReceipt(receipt, { ...(sha256 ? { sha256: fromHex(normalizeDigest(sha256), 32) } : {}), ...(await witnesses()) });
    },
  );

  // The same with the file itself (multipart: `receipt` as a field or a file part — the JSON receipt or a
  // certificate PDF carrying it — or `certificate` (PDF), and the `file` part), hashed as it streams.
  app.post(
    "/verify/file",
    {
      schema: {
        summary: "Verify a receipt or a certificate PDF against an uploaded file (multipart: receipt or certificate, file); the file is hashed and discarded",
        tags: ["verify"],
        consumes: ["multipart/form-data"],
        response: { 200: VerdictSchema, ...errorResponses },
      },
      onRequest: verifyLimit,
    },
    async (request) => {
      if (!request.isMultipart()) throw new AppError("UNSUPPORTED_MEDIA_TYPE", "send multipart/form-data with a receipt (or certificate) part and a file part");
      let candidates: unknown[] | undefined;
      let digest: Uint8Array | undefined;
      let digest3: Uint8Array | undefined;
      for await (const part of request.parts()) {
        if (part.type === "file" && (part.fieldname === "receipt" || part.fieldname === "certificate")) {
          candidates = await receiptsFromDocument(await boundedBuffer(part.file, MAX_CERTIFICATE_PDF_BYTES));
        } else if (part.type === "file") {
          // Both families in one pass: the receipt's subject.sha3_256 is then checked, not only shown.
          const h = createHash("sha256");
          const h3 = createHash("sha3-256");
          for await (const chunk of part.file) {
            h.update(chunk as Buffer);
            h3.update(chunk as Buffer);
          }
          if (part.file.truncated) throw new AppError("FILE_TOO_LARGE", "file exceeds the upload limit");
          digest = new Uint8Array(h.digest());
          digest3 = new Uint8Array(h3.digest());
        } else if (part.fieldname === "receipt") {
          candidates = await receiptsFromDocument(Buffer.from(String(part.value)));
        }
      }
      if (candidates === undefined) throw new AppError("INVALID_RECEIPT", "no receipt: send a receipt field, or a receipt or certificate file part");
      // A lineage or portfolio PDF carries several receipts: the one for the file's digest is verified.
      const hex = digest ? toHex(digest) : undefined;
      const receipt = candidates.length === 1 ? candidates[0] : candidates.find((r) => (r as { subject?: { sha256?: unknown } }).subject?.sha256 === hex);
      if (receipt === undefined)
        throw new AppError(
          "INVALID_RECEIPT",
          `the certificate carries ${candidates.length} receipts and none is for ${hex ? "this file" : "an unnamed file: send the file too"}`,
        );
      return (await sdk()).verifyReceipt(receipt, { ...(digest ? { sha256: digest } : {}), ...(digest3 ? { sha3_256: digest3 } : {}), ...(await witnesses()) });
    },
  );
};

export default verify;
