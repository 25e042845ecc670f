import type { FastifyPluginAsync } from "fastify";
import { createHash } from "node:crypto";
import { inflateSync } from "node:zlib";
import { createChainReader, extractReceipts, fromHex, isPdf, MAX_CERTIFICATE_PDF_BYTES, PriorProofError, toHex, verifyReceipt, type ChainReader, type VerifyOptions } from "@priorproof/client-sdk";
import { createTimestampVerifier } from "@priorproof/client-sdk/tsa";
import { AppError } from "../../errors.ts";
import { jsonDepthExceeds, MAX_JSON_DEPTH } from "../../schemas/json-depth.ts";
import { errorResponses } from "../../schemas/common.ts";
import { normalizeDigest } from "../../services/ingest.ts";

const CheckSchema = {
  type: "object",
  properties: { id: { type: "string" }, title: { type: "string" }, status: { type: "string", enum: ["passed", "failed", "not-checked"] }, code: { type: "string" }, detail: { type: "string" } },
} as const;
const VerdictSchema = {
  type: "object",
  properties: {
    verified: { type: "boolean" },
    existedNoLaterThan: { type: "string" },
    warnings: { type: "array", items: { type: "string" } },
    checks: { type: "array", items: CheckSchema },
  },
} as const;

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
  let receipt: unknown;
  try {
    receipt = JSON.parse(bytes.toString("utf8"));
  } catch {
    throw new AppError("INVALID_RECEIPT", "the receipt is neither JSON nor a certificate PDF");
  }
  if (jsonDepthExceeds(receipt)) throw new AppError("INVALID_RECEIPT", `the receipt nests deeper than ${MAX_JSON_DEPTH} levels`);
  return [receipt];
}

/** Public verification: anyone can ask whether a digest is anchored, or have a receipt checked. */
const verify: FastifyPluginAsync = async (app) => {
  const readers = (): Record<string, ChainReader> => {
    const out: Record<string, ChainReader> = {};
    for (const [id, chain] of app.chains) out[String(id)] = createChainReader(chain.provider);
    return out;
  };
  /** Chain readers for this instance's chains, and its TSA trust anchors when configured. */
  const witnesses = (): Pick<VerifyOptions, "chains" | "timestamp"> => ({
    chains: readers(),
    ...(app.tsaTrustAnchors.length > 0 ? { timestamp: createTimestampVerifier({ trustAnchors: app.tsaTrustAnchors }) } : {}),
  });

  app.get<{ Querystring: { sha256: string } }>(
    "/verify",
    {
      schema: {
        summary: "Is this digest anchored, and when? (public; reveals no tenant or file name)",
        tags: ["verify"],
        querystring: { type: "object", required: ["sha256"], additionalProperties: false, properties: { sha256: { $ref: "DigestInput#" } } },
        response: {
          200: {
            type: "object",
            properties: {
              sha256: { type: "string" },
              anchored: { type: "boolean" },
              anchors: { type: "array", items: { type: "object", properties: { chainId: { type: "integer" }, chainName: { type: "string" }, development: { type: "boolean" }, contract: { type: "string" }, txHash: { type: "string" }, blockNumber: { type: "integer" }, blockTime: { type: "string" }, status: { type: "string" } } } },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const sha256 = normalizeDigest(request.query.sha256);
      const entries = await app.store.findAnchoredBySha256(sha256, 20);
      const anchors = [];
      for (const e of entries) {
        for (const { batch } of await app.store.getEntryBatches(e.seq)) {
          if (batch.status !== "anchored" && batch.status !== "confirmed") continue;
          const chain = app.chains.get(batch.chainId);
          anchors.push({
            chainId: batch.chainId, chainName: chain?.config.name ?? `chain ${batch.chainId}`, development: chain?.config.development ?? false,
            contract: chain?.deployment.address ?? "", txHash: batch.txHash ?? "", blockNumber: batch.blockNumber ?? 0, blockTime: batch.blockTime ?? "", status: batch.status,
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
        body: { type: "object", required: ["receipt"], additionalProperties: false, properties: { receipt: { type: "object" }, sha256: { $ref: "DigestInput#" } } },
        response: { 200: VerdictSchema, ...errorResponses },
      },
    },
    async (request) => {
      const { receipt, sha256 } = request.body;
      return verifyReceipt(receipt, { ...(sha256 ? { sha256: fromHex(normalizeDigest(sha256), 32) } : {}), ...witnesses() });
    },
  );

  // The same with the file itself (multipart: `receipt` as a field or a file part — the JSON receipt or a
  // certificate PDF carrying it — or `certificate` (PDF), and the `file` part), hashed as it streams.
  app.post(
    "/verify/file",
    {
      schema: { summary: "Verify a receipt or a certificate PDF against an uploaded file (multipart: receipt or certificate, file); the file is hashed and discarded", tags: ["verify"], consumes: ["multipart/form-data"], response: { 200: VerdictSchema, ...errorResponses } },
    },
    async (request) => {
      if (!request.isMultipart()) throw new AppError("UNSUPPORTED_MEDIA_TYPE", "send multipart/form-data with a receipt (or certificate) part and a file part");
      let candidates: unknown[] | undefined;
      let digest: Uint8Array | undefined;
      for await (const part of request.parts()) {
        if (part.type === "file" && (part.fieldname === "receipt" || part.fieldname === "certificate")) {
          candidates = await receiptsFromDocument(await boundedBuffer(part.file, MAX_CERTIFICATE_PDF_BYTES));
        } else if (part.type === "file") {
          const h = createHash("sha256");
          for await (const chunk of part.file) h.update(chunk as Buffer);
          if (part.file.truncated) throw new AppError("FILE_TOO_LARGE", "file exceeds the upload limit");
          digest = new Uint8Array(h.digest());
        } else if (part.fieldname === "receipt") {
          candidates = await receiptsFromDocument(Buffer.from(String(part.value)));
        }
      }
      if (candidates === undefined) throw new AppError("INVALID_RECEIPT", "no receipt: send a receipt field, or a receipt or certificate file part");
      // A lineage or portfolio PDF carries several receipts: the one for the file's digest is verified.
      const hex = digest ? toHex(digest) : undefined;
      const receipt = candidates.length === 1 ? candidates[0] : candidates.find((r) => (r as { subject?: { sha256?: unknown } }).subject?.sha256 === hex);
      if (receipt === undefined) throw new AppError("INVALID_RECEIPT", `the certificate carries ${candidates.length} receipts and none is for ${hex ? "this file" : "an unnamed file: send the file too"}`);
      return verifyReceipt(receipt, { ...(digest ? { sha256: digest } : {}), ...witnesses() });
    },
  );
};

export default verify;
