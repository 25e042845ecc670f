/**
 * Uploads: POST /v1/evidence as a multipart body, streamed where the runtime can send a stream (each
 * file read once, progress counted as bytes are handed to the connection), else as a Blob.
 */
import { toHex } from "../bytes.ts";
import { InputError, PriorProofError } from "../errors.ts";
import { readStream } from "../read-stream.ts";
import { asEntries } from "./entries.ts";
import { describeCause, type Transport } from "./transport.ts";
import type { Entry, SubmitFilesOptions, UploadFile } from "./types.ts";

/** RFC 6838 type/subtype with optional parameters, and nothing that could end the part header. */
const MEDIA_TYPE = /^[A-Za-z0-9][\w!#$&^.+-]*\/[A-Za-z0-9][\w!#$&^.+-]*(\s*;[^\r\n]*)?$/;

/** A file name as a quoted multipart parameter: UTF-8 as it is (busboy decodes it), minus what would end the quote. */
function quoteName(name: string): string {
  return name.replace(/["\\\r\n]/g, "_");
}

let requestStreams: boolean | undefined;
/** Whether `fetch` here can send a ReadableStream body (the `duplex` probe from the Fetch standard). */
function canStreamRequests(): boolean {
  if (requestStreams !== undefined) return requestStreams;
  try {
    let duplexAccessed = false;
    const init = {
      body: new ReadableStream(),
      method: "POST",
      get duplex() {
        duplexAccessed = true;
        return "half";
      },
    };
    const hasContentType = new Request("http://probe.invalid/", init as RequestInit).headers.has("content-type");
    requestStreams = duplexAccessed && !hasContentType;
  } catch {
    requestStreams = false;
  }
  return requestStreams;
}

async function* chunksOf(data: UploadFile["data"], name: string): AsyncGenerator<Uint8Array> {
  const stream = data instanceof Blob ? data.stream() : data;
  let source: AsyncIterable<unknown>;
  if (typeof (stream as ReadableStream<Uint8Array>).getReader === "function") {
    source = readStream(stream as ReadableStream<unknown>);
  } else if (typeof (stream as AsyncIterable<unknown>)[Symbol.asyncIterator] === "function") {
    source = stream as AsyncIterable<unknown>;
  } else {
    throw new InputError("INVALID_ARGUMENT", `data of ${name} is neither a Blob, a ReadableStream nor an async iterable`);
  }
  for await (const chunk of source) {
    if (!(chunk instanceof Uint8Array))
      throw new InputError("INVALID_CHUNK", `data of ${name} yielded ${chunk === null ? "null" : typeof chunk}, not a Uint8Array`);
    yield chunk;
  }
}

/** POST /v1/evidence: one entry per file, in order. */
export async function submitFiles(t: Transport, files: readonly UploadFile[], opts: SubmitFilesOptions = {}): Promise<Entry[]> {
  if (!Array.isArray(files) || files.length === 0) throw new InputError("NO_FILES", "submitFiles needs at least one file");
  for (const f of files) {
    if (typeof f.name !== "string" || f.name === "") throw new InputError("INVALID_ARGUMENT", "every file needs a name");
    if (f.mediaType !== undefined && !MEDIA_TYPE.test(f.mediaType))
      throw new InputError("INVALID_MEDIA_TYPE", `not a media type: ${JSON.stringify(f.mediaType.slice(0, 100))}`);
  }
  const random = crypto.getRandomValues(new Uint8Array(16));
  const boundary = `priorproof-${toHex(random).slice(2)}`;
  const enc = new TextEncoder();
  const claimPart = opts.claim
    ? enc.encode(`--${boundary}\r\nContent-Disposition: form-data; name="claim"\r\n\r\n${JSON.stringify(opts.claim)}\r\n`)
    : undefined;
  const head = (f: UploadFile) =>
    enc.encode(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; ` +
        `filename="${quoteName(f.name)}"\r\nContent-Type: ${f.mediaType ?? "application/octet-stream"}\r\n\r\n`,
    );
  const crlf = enc.encode("\r\n");
  const trailer = () =>
    enc.encode(
      Object.entries(opts.trailingFields?.() ?? {})
        .map(([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name="${quoteName(name)}"\r\n\r\n${value}\r\n`)
        .join(""),
    );
  const end = enc.encode(`--${boundary}--\r\n`);
  const sizes = files.map((f) => f.size ?? (f.data instanceof Blob ? f.data.size : undefined));
  const total = sizes.every((s) => s !== undefined) ? sizes.reduce<number>((a, b) => a + (b ?? 0), 0) : undefined;
  const headers = { "content-type": `multipart/form-data; boundary=${boundary}`, ...t.idempotencyHeader(opts.idempotencyKey) };
  // Only Blobs can be read again for a retry.
  const rereadable = files.every((f) => f.data instanceof Blob);
  return t.withRetries(
    async () => {
      opts.onProgress?.(0, total);

      const streaming = opts.stream ?? canStreamRequests();
      let body: BodyInit;
      let sourceError: unknown;
      if (streaming) {
        let sent = 0;
        async function* parts(): AsyncGenerator<Uint8Array> {
          if (claimPart) yield claimPart;
          for (const f of files) {
            yield head(f);
            for await (const chunk of chunksOf(f.data, f.name)) {
              if (chunk.length === 0) continue;
              yield chunk;
              // Counted when handed to the connection: fetch pulls the next chunk once this one is taken.
              sent += chunk.length;
              opts.onProgress?.(sent, total);
            }
            yield crlf;
          }
          const fields = trailer();
          if (fields.length > 0) yield fields;
          yield end;
        }
        const it = parts();
        body = new ReadableStream<Uint8Array>({
          async pull(controller) {
            try {
              const next = await it.next();
              if (next.done) controller.close();
              else controller.enqueue(next.value);
            } catch (e) {
              sourceError = e;
              controller.error(e);
            }
          },
          async cancel() {
            await it.return(undefined);
          },
        });
      } else {
        const blobParts: BlobPart[] = [];
        if (claimPart) blobParts.push(claimPart);
        for (const f of files) {
          blobParts.push(head(f));
          if (f.data instanceof Blob) blobParts.push(f.data);
          else {
            const chunks: Uint8Array[] = [];
            for await (const chunk of chunksOf(f.data, f.name)) chunks.push(chunk);
            blobParts.push(new Blob(chunks as BlobPart[]));
          }
          blobParts.push(crlf);
        }
        blobParts.push(trailer());
        blobParts.push(end);
        body = new Blob(blobParts);
      }
      let answer: Record<string, unknown>;
      try {
        answer = await t.json("POST", "/v1/evidence", { body, headers, signal: opts.signal });
      } catch (e) {
        // A file that could not be read fails the upload: report that, not the connection it broke.
        if (sourceError !== undefined)
          throw sourceError instanceof PriorProofError
            ? sourceError
            : new InputError("FILE_UNREADABLE", `cannot read an upload: ${describeCause(sourceError)}`, { cause: sourceError });
        throw e;
      }
      const entries = asEntries(answer, "POST /v1/evidence", files.length);
      if (total !== undefined && !streaming) opts.onProgress?.(total, total);
      return entries;
    },
    opts.signal,
    rereadable,
  );
}
