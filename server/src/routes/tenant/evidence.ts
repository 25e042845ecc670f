import type { FastifyPluginAsync } from "fastify";
import type { Claim } from "@priorproof/client-sdk";
import { AppError } from "../../errors.ts";
import { EntriesAcceptedSchema } from "@priorproof/client-sdk/api";
import { errorResponses } from "../../schemas/common.ts";
import { describeEntry } from "../../services/entries.ts";
import { fingerprintOf } from "../../services/idempotency.ts";
import { clientEncryption, ENCRYPTION_FIELDS } from "../../services/client-encryption.ts";
import type { UploadedFile } from "../../services/ingest.ts";

const CLAIM_FIELDS = new Set(["title", "kind", "author", "claimant", "previous", "note"]);

/** Keeps a submitted file name as evidence of what was sent, minus control characters and excess length. */
function cleanName(name: string | undefined): string | null {
  if (!name) return null;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this strips from a file name.
  const cleaned = name.replace(/[\u0000-\u001f\u007f]/g, "").slice(0, 255);
  return cleaned || null;
}

/**
 * POST /v1/evidence — multipart upload of one or more files (plus optional claim fields, which apply to
 * every file of the request). Each file is streamed once through SHA-256, SHA3-256 and the IPFS
 * importer; entries are recorded only when the whole request succeeded. With an `Idempotency-Key`, a
 * retry of the same request (same files and fields, by their digests) answers the entries of the first.
 */
const evidence: FastifyPluginAsync = async (app) => {
  app.post(
    "/evidence",
    {
      schema: {
        summary:
          "Upload files as evidence (multipart/form-data; fields: file…, claim JSON or title/kind/author/claimant/previous/note; encryption, " +
          "plaintextSha256, plaintextSha3_256, plaintextSize for one client-side encrypted file; public=true|false)",
        tags: ["evidence"],
        security: [{ bearer: [] }],
        consumes: ["multipart/form-data"],
        headers: { type: "object", properties: { "idempotency-key": { type: "string", maxLength: 300 } } },
        response: { 202: EntriesAcceptedSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      if (!request.isMultipart()) throw new AppError("UNSUPPORTED_MEDIA_TYPE", "send multipart/form-data with one or more file parts");
      const files: UploadedFile[] = [];
      const fields: Record<string, string> = {};
      let claimJson: unknown;
      let publish: boolean | undefined;
      let result;
      const idempotent = app.idempotency.begin(request.tenantId, request.headers["idempotency-key"]);
      try {
        for await (const part of request.parts()) {
          if (part.type === "file") {
            const uploaded = await app.ingest.importUpload(part.file, { name: cleanName(part.filename), mediaType: part.mimetype || null });
            files.push(uploaded);
            if (part.file.truncated) throw new AppError("FILE_TOO_LARGE", `file exceeds the ${app.config.maxFileBytes}-byte limit`);
          } else if (part.fieldname === "claim") {
            try {
              claimJson = JSON.parse(String(part.value));
            } catch {
              throw new AppError("INVALID_CLAIM", "the claim field must be a JSON object");
            }
          } else if (part.fieldname === "public") {
            // Publish the content to the IPFS network (absent: the account's default, GET /v1/ipfs-settings).
            const value = String(part.value);
            if (value !== "true" && value !== "false") throw new AppError("VALIDATION_FAILED", "the public field must be true or false");
            publish = value === "true";
          } else if (CLAIM_FIELDS.has(part.fieldname) || ENCRYPTION_FIELDS.has(part.fieldname)) {
            fields[part.fieldname] = String(part.value);
          } else {
            throw new AppError("VALIDATION_FAILED", `unknown field ${JSON.stringify(part.fieldname.slice(0, 50))}`);
          }
        }
        if (files.length === 0) throw new AppError("NO_FILES", "the request holds no file part");
        // Client-side encryption: the fields (sent after the file, once the client has hashed the plaintext) name the evidence.
        const encrypted = clientEncryption(fields, files.length);
        if (encrypted) files[0] = { ...files[0]!, encrypted };
        for (const name of ENCRYPTION_FIELDS) delete fields[name];
        const claim = (claimJson !== undefined ? { ...(claimJson as object), ...fields } : Object.keys(fields).length ? fields : undefined) as
          | Claim
          | undefined;
        // The canonical request: each file by its digests, size, name and type, and the claim as sent.
        const fingerprint =
          request.headers["idempotency-key"] === undefined
            ? ""
            : fingerprintOf({
                request: "POST /v1/evidence",
                files: files.map((f) => ({
                  sha256: f.sha256,
                  sha3_256: f.sha3_256,
                  size: f.size,
                  name: f.name,
                  mediaType: f.mediaType,
                  ...(f.encrypted ? { encrypted: f.encrypted } : {}),
                })),
                ...(claim !== undefined ? { claim } : {}),
                ...(publish !== undefined ? { public: publish } : {}),
              });
        result = await idempotent.complete(
          fingerprint,
          (key) => app.ingest.recordUploads(request.tenantId, files, claim, request.id, key, publish === undefined ? {} : { public: publish }),
          () => app.ingest.discardUploads(files), // the first attempt's entries hold the content
        );
      } catch (error) {
        // Nothing of a failed request is kept: not even the spooled bytes of its files.
        await app.ingest.discardUploads(files);
        throw error;
      } finally {
        idempotent.end();
      }
      app.faultPoint("after-commit");
      if (result.replayed) void reply.header("idempotent-replayed", "true");
      return reply.code(result.status as 202).send({ entries: result.entries.map((e) => describeEntry(e, [])) });
    },
  );
};

export default evidence;
