/**
 * Hostile input (issue 7, point 4): a corpus of bad requests sent as raw bytes over TCP (node:net) to
 * the real listening server (over real anvil, SQLite and the embedded blockstore), and property-based
 * fuzzing (fast-check) of the JSON endpoints. Every bad request must get a 4xx JSON error
 * `{ error: { code, message } }` with a stable code, never a 5xx; the server must stay up; and nothing
 * may be stored (the store's counts and the upload spool are the same before and after).
 */
import { existsSync, readdirSync } from "node:fs";
import { connect } from "node:net";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ERROR_STATUS, type ErrorCode } from "../../server/src/errors.ts";
import { buildTestApp, type TestApp } from "../helpers/app.ts";

const D = "ab".repeat(32);
const IDLE_MS = 1_500;
const HEADERS_MS = 1_000;
const MAX_FILE = 4_096;

let t: TestApp;
let port = 0;
let key = "";

beforeAll(async () => {
  t = await buildTestApp({
    SOCKET_IDLE_TIMEOUT_MS: String(IDLE_MS),
    HEADERS_TIMEOUT_MS: String(HEADERS_MS),
    MAX_FILE_BYTES: String(MAX_FILE),
    MAX_FILES_PER_REQUEST: "2",
  });
  const url = await t.app.listen({ host: "127.0.0.1", port: 0 });
  port = Number(new URL(url).port);
  key = t.keys.acme!;
});
afterAll(async () => {
  await t?.close();
});

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Sends `pieces` over a fresh TCP connection (waiting `gapMs` between them) and reads the answer until the server closes. */
function sendRaw(pieces: readonly (string | Buffer)[], gapMs = 0, timeoutMs = 15_000): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no complete answer within ${timeoutMs} ms; got ${JSON.stringify(Buffer.concat(chunks).toString("latin1").slice(0, 300))}`));
    }, timeoutMs);
    socket.on("data", (c) => chunks.push(c));
    socket.on("error", () => undefined); // a reset after the answer is fine; the answer is what is checked
    socket.on("close", () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString("latin1");
      const split = text.indexOf("\r\n\r\n");
      if (split < 0) return reject(new Error(`not an HTTP response: ${JSON.stringify(text.slice(0, 300))}`));
      const [statusLine, ...lines] = text.slice(0, split).split("\r\n");
      const headers: Record<string, string> = {};
      for (const l of lines) {
        const i = l.indexOf(":");
        headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
      }
      let body = text.slice(split + 4);
      if (headers["transfer-encoding"] === "chunked") {
        let out = "";
        for (let rest = body; ; ) {
          const eol = rest.indexOf("\r\n");
          const size = parseInt(rest.slice(0, eol), 16);
          if (!size) break;
          out += rest.slice(eol + 2, eol + 2 + size);
          rest = rest.slice(eol + 2 + size + 2);
        }
        body = out;
      } else if (headers["content-length"]) {
        body = body.slice(0, Number(headers["content-length"]));
      }
      resolve({ status: Number(statusLine!.split(" ")[1]), headers, body: Buffer.from(body, "latin1").toString("utf8") });
    });
    void (async () => {
      for (const [i, p] of pieces.map(bytesOf).entries()) {
        if (i > 0 && gapMs > 0) await new Promise((r) => setTimeout(r, gapMs));
        if (socket.destroyed) return;
        socket.write(p);
      }
    })();
  });
}

/** A raw HTTP/1.1 request with `Connection: close` (and Host), the body's length unless `headers` says otherwise. */
function http(method: string, path: string, headers: Record<string, string | undefined> = {}, body: string | Buffer = ""): Buffer {
  const h: Record<string, string | undefined> = {
    host: "localhost",
    connection: "close",
    ...(body.length ? { "content-length": String(Buffer.byteLength(body)) } : {}),
    ...headers,
  };
  const lines = Object.entries(h)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}: ${v}`);
  return Buffer.concat([Buffer.from(`${method} ${path} HTTP/1.1\r\n${lines.join("\r\n")}\r\n\r\n`, "latin1"), Buffer.from(body)]);
}

const json = (v: unknown) => JSON.stringify(v);
/** The key exists only once the app is up: requests carry a placeholder that `bytesOf` replaces. */
const auth = () => ({ authorization: "Bearer KEY" });
const stamp = (body: string, headers: Record<string, string | undefined> = {}) =>
  http("POST", "/v1/stamps", { ...auth(), "content-type": "application/json", ...headers }, body);
const B = "pp-hostile";
const mp = (parts: string[], boundary = B, end = `--${boundary}--\r\n`) => parts.map((p) => `--${boundary}\r\n${p}\r\n`).join("") + end;
const filePart = (name: string, data: string, filename = "a.txt") =>
  `Content-Disposition: form-data; name="${name}"; filename="${filename}"\r\nContent-Type: application/octet-stream\r\n\r\n${data}`;
const fieldPart = (name: string, value: string) => `Content-Disposition: form-data; name="${name}"\r\n\r\n${value}`;
const upload = (body: string, contentType = `multipart/form-data; boundary=${B}`, path = "/v1/evidence") =>
  http("POST", path, { ...auth(), "content-type": contentType }, body);
const deep = (n: number) => "[".repeat(n) + "]".repeat(n);

interface Case {
  readonly name: string;
  /** The request: raw bytes, or pieces sent `gapMs` apart (a slow client). */
  readonly request: Buffer | string | { pieces: (string | Buffer)[]; gapMs: number };
  readonly status: number;
  readonly code: ErrorCode;
}

// prettier-ignore
const CORPUS: readonly Case[] = [
  // --- not HTTP, or HTTP that Node's parser refuses (clientErrorHandler) ---
  { name: "a request line that is not HTTP", request: "HELLO WORLD\r\n\r\n", status: 400, code: "MALFORMED_REQUEST" },
  { name: "binary garbage", request: Buffer.from([0x16, 0x03, 0x01, 0x00, 0xff, 0x00, 0x0d, 0x0a, 0x0d, 0x0a]), status: 400, code: "MALFORMED_REQUEST" },
  { name: "an unknown HTTP version", request: "GET /healthz HTTP/7.3\r\nHost: x\r\n\r\n", status: 400, code: "MALFORMED_REQUEST" },
  { name: "a header line without a colon", request: "GET /healthz HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n", status: 400, code: "MALFORMED_REQUEST" },
  { name: "a NUL byte in a header value", request: "GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\u0000b\r\n\r\n", status: 400, code: "MALFORMED_REQUEST" },
  { name: "a space inside a header name", request: "GET /healthz HTTP/1.1\r\nHost: x\r\nBad Name: 1\r\n\r\n", status: 400, code: "MALFORMED_REQUEST" },
  { name: "a negative Content-Length", request: stamp("{}", { "content-length": "-5" }), status: 400, code: "MALFORMED_REQUEST" },
  { name: "a non-numeric Content-Length", request: stamp("{}", { "content-length": "12abc" }), status: 400, code: "MALFORMED_REQUEST" },
  { name: "a Content-Length beyond 64 bits", request: stamp("{}", { "content-length": "99999999999999999999999" }), status: 400, code: "MALFORMED_REQUEST" },
  {
    name: "two different Content-Lengths",
    request: `POST /v1/stamps HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}`,
    status: 400,
    code: "MALFORMED_REQUEST",
  },
  {
    name: "Content-Length together with Transfer-Encoding (request smuggling)",
    request: `POST /v1/stamps HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
    status: 400,
    code: "MALFORMED_REQUEST",
  },
  {
    name: "a chunk size that is not hex",
    request:
      `POST /v1/stamps HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer KEY\r\nContent-Type: application/json\r\nTransfer-Encoding: ` +
      `chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n`,
    status: 400,
    code: "MALFORMED_REQUEST",
  },
  { name: "a 100 KB header", request: http("GET", "/healthz", { "x-big": "a".repeat(100_000) }), status: 431, code: "REQUEST_HEADER_TOO_LARGE" },
  {
    name: "2,000 small headers",
    request: http("GET", "/healthz", Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`x-h${i}`, "v".repeat(10)]))),
    status: 431,
    code: "REQUEST_HEADER_TOO_LARGE",
  },
  { name: "a 100 KB URL", request: http("GET", `/v1/verify?sha256=${"a".repeat(100_000)}`), status: 431, code: "REQUEST_HEADER_TOO_LARGE" },
  // --- slow clients ---
  {
    name: "slow-loris headers (a byte at a time, never finished)",
    request: {
      pieces: ["GET /healthz HTTP/1.1\r\n", "Host: x\r\n", "X-A: 1\r\n", "X-B: 2\r\n", "X-C: 3\r\n", "X-D: 4\r\n", "X-E: 5\r\n", "X-F: 6\r\n"],
      gapMs: 400,
    },
    status: 408,
    code: "REQUEST_TIMEOUT",
  },
  {
    name: "a JSON body that stalls half-way",
    request: { pieces: [stamp(json({ items: [{ sha256: D }] }), { "content-length": "500" }).subarray(0, -10)], gapMs: 0 },
    status: 408,
    code: "REQUEST_TIMEOUT",
  },
  {
    name: "a multipart upload that stalls half-way",
    request: {
      pieces: [
        http(
          "POST",
          "/v1/evidence",
          { ...auth(), "content-type": `multipart/form-data; boundary=${B}`, "content-length": "100000" },
          `--${B}\r\n${filePart("file", "partial")}`,
        ),
      ],
      gapMs: 0,
    },
    status: 408,
    code: "REQUEST_TIMEOUT",
  },
  // --- authentication ---
  {
    name: "no API key",
    request: http("POST", "/v1/stamps", { "content-type": "application/json" }, json({ items: [{ sha256: D }] })),
    status: 401,
    code: "UNAUTHORIZED",
  },
  { name: "a Basic authorization", request: stamp(json({ items: [{ sha256: D }] }), { authorization: "Basic YTpi" }), status: 401, code: "UNAUTHORIZED" },
  {
    name: "an unknown key",
    request: stamp(json({ items: [{ sha256: D }] }), { authorization: "Bearer pp_" + "A".repeat(43) }),
    status: 401,
    code: "UNAUTHORIZED",
  },
  {
    name: "a key with non-ASCII bytes",
    request: stamp(json({ items: [{ sha256: D }] }), { authorization: "Bearer pp_\u00e9\u00ff\u00fe" }),
    status: 401,
    code: "UNAUTHORIZED",
  },
  {
    name: "a 10 KB bearer token",
    request: stamp(json({ items: [{ sha256: D }] }), { authorization: `Bearer ${"k".repeat(10_000)}` }),
    status: 401,
    code: "UNAUTHORIZED",
  },
  { name: "a key for the wrong route subtree (SSE without a key)", request: http("GET", "/v1/events"), status: 401, code: "UNAUTHORIZED" },
  // --- content types ---
  { name: "text/plain to a JSON endpoint", request: stamp("hello", { "content-type": "text/plain" }), status: 415, code: "UNSUPPORTED_MEDIA_TYPE" },
  { name: "XML to a JSON endpoint", request: stamp("<items/>", { "content-type": "application/xml" }), status: 415, code: "UNSUPPORTED_MEDIA_TYPE" },
  {
    name: "a urlencoded form to a JSON endpoint",
    request: stamp("items=1", { "content-type": "application/x-www-form-urlencoded" }),
    status: 415,
    code: "UNSUPPORTED_MEDIA_TYPE",
  },
  {
    name: "a body without a content type",
    request: stamp(json({ items: [{ sha256: D }] }), { "content-type": undefined }),
    status: 415,
    code: "UNSUPPORTED_MEDIA_TYPE",
  },
  {
    name: "a JSON body to the upload endpoint",
    request: http("POST", "/v1/evidence", { ...auth(), "content-type": "application/json" }, json({ file: "x" })),
    status: 415,
    code: "UNSUPPORTED_MEDIA_TYPE",
  },
  {
    name: "multipart/mixed to the upload endpoint",
    request: upload(mp([filePart("file", "x")]), `multipart/mixed; boundary=${B}`),
    status: 415,
    code: "UNSUPPORTED_MEDIA_TYPE",
  },
  // --- JSON syntax and bombs ---
  { name: "truncated JSON", request: stamp('{"items": [{"sha256": "'), status: 400, code: "VALIDATION_FAILED" },
  { name: "an empty JSON body", request: stamp("", { "content-length": "0" }), status: 400, code: "VALIDATION_FAILED" },
  { name: "JSON null", request: stamp("null"), status: 400, code: "VALIDATION_FAILED" },
  { name: "a JSON string", request: stamp('"items"'), status: 400, code: "VALIDATION_FAILED" },
  { name: "a JSON array", request: stamp(json([{ sha256: D }])), status: 400, code: "VALIDATION_FAILED" },
  {
    name: "a __proto__ key (prototype pollution)",
    request: stamp(`{"items":[{"sha256":"${D}"}],"__proto__":{"admin":true}}`),
    status: 400,
    code: "VALIDATION_FAILED",
  },
  {
    name: "a constructor.prototype key",
    request: stamp(`{"items":[{"sha256":"${D}"}],"constructor":{"prototype":{"admin":true}}}`),
    status: 400,
    code: "VALIDATION_FAILED",
  },
  { name: "a body nested 100,000 arrays deep", request: stamp(deep(100_000)), status: 400, code: "VALIDATION_FAILED" },
  {
    name: "a claim nested 50,000 objects deep",
    request: stamp(`{"items":[{"sha256":"${D}","claim":{"aiProcess":${'{"a":'.repeat(50_000)}1${"}".repeat(50_000)}}}]}`),
    status: 400,
    code: "VALIDATION_FAILED",
  },
  {
    name: "a claim field nested 10,000 objects deep in a multipart upload",
    request: upload(mp([fieldPart("claim", '{"aiProcess":' + '{"a":'.repeat(10_000) + "1" + "}".repeat(10_001)), filePart("file", "abc")])),
    status: 400,
    code: "INVALID_CLAIM",
  },
  {
    name: "a receipt nested 50,000 objects deep",
    request: http("POST", "/v1/verify", { "content-type": "application/json" }, `{"receipt":${'{"a":'.repeat(50_000)}1${"}".repeat(50_000)}}`),
    status: 400,
    code: "VALIDATION_FAILED",
  },
  {
    name: "a receipt field nested 20,000 arrays deep in a verify upload",
    request: upload(mp([fieldPart("receipt", deep(20_000)), filePart("file", "abc")]), `multipart/form-data; boundary=${B}`, "/v1/verify/file"),
    status: 400,
    code: "INVALID_RECEIPT",
  },
  { name: "500,000 items", request: stamp(`{"items":[${Array.from({ length: 500_000 }, () => "1").join(",")}]}`), status: 400, code: "VALIDATION_FAILED" },
  { name: "1,001 valid items", request: stamp(json({ items: Array.from({ length: 1001 }, () => ({ sha256: D })) })), status: 400, code: "VALIDATION_FAILED" },
  {
    name: "a 3 MB string as a digest (over JSON_BODY_LIMIT_BYTES, refused before parsing)",
    request: stamp(json({ items: [{ sha256: "a".repeat(3_000_000) }] })),
    status: 413,
    code: "PAYLOAD_TOO_LARGE",
  },
  {
    name: "a body over the 16 MiB limit (announced)",
    request: stamp("{}", { "content-length": String(17 * 1024 * 1024) }),
    status: 413,
    code: "PAYLOAD_TOO_LARGE",
  },
  {
    name: "a chunked body over the 16 MiB limit",
    request: Buffer.concat([
      Buffer.from(
        `POST /v1/stamps HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer KEY\r\nContent-Type: application/json\r\nTransfer-Encoding: ` +
          `chunked\r\nConnection: close\r\n\r\n`,
      ),
      ...Array.from({ length: 17 }, () => Buffer.from(`100000\r\n${"a".repeat(0x100000)}\r\n`)),
      Buffer.from("0\r\n\r\n"),
    ]),
    status: 413,
    code: "PAYLOAD_TOO_LARGE",
  },
  // --- schema: digests, fields, claims ---
  { name: "a digest that is not hex", request: stamp(json({ items: [{ sha256: "zz".repeat(32) }] })), status: 400, code: "VALIDATION_FAILED" },
  { name: "a digest of 63 hex digits", request: stamp(json({ items: [{ sha256: D.slice(1) }] })), status: 400, code: "VALIDATION_FAILED" },
  { name: "a digest of 65 hex digits", request: stamp(json({ items: [{ sha256: D + "a" }] })), status: 400, code: "VALIDATION_FAILED" },
  { name: "a SHA-512-length digest", request: stamp(json({ items: [{ sha256: D + D }] })), status: 400, code: "VALIDATION_FAILED" },
  { name: "a digest in Arabic-Indic digits", request: stamp(json({ items: [{ sha256: "\u0661".repeat(64) }] })), status: 400, code: "VALIDATION_FAILED" },
  { name: "a digest in full-width hex", request: stamp(json({ items: [{ sha256: "\uff41".repeat(64) }] })), status: 400, code: "VALIDATION_FAILED" },
  { name: "a digest with a trailing newline", request: stamp(json({ items: [{ sha256: D + "\n" }] })), status: 400, code: "VALIDATION_FAILED" },
  { name: "a digest as a number", request: stamp(`{"items":[{"sha256":1e308}]}`), status: 400, code: "VALIDATION_FAILED" },
  { name: "a digest as an object", request: stamp(json({ items: [{ sha256: { $gt: "" } }] })), status: 400, code: "VALIDATION_FAILED" },
  { name: "no items", request: stamp(json({ items: [] })), status: 400, code: "VALIDATION_FAILED" },
  { name: "items as an object", request: stamp(json({ items: { 0: { sha256: D } } })), status: 400, code: "VALIDATION_FAILED" },
  { name: "an unknown top-level field", request: stamp(json({ items: [{ sha256: D }], tenant: "rival" })), status: 400, code: "VALIDATION_FAILED" },
  { name: "an unknown item field", request: stamp(json({ items: [{ sha256: D, status: "confirmed" }] })), status: 400, code: "VALIDATION_FAILED" },
  { name: "an unknown claim field", request: stamp(json({ items: [{ sha256: D, claim: { colour: "red" } }] })), status: 400, code: "VALIDATION_FAILED" },
  {
    name: "a 2,001-character title",
    request: stamp(json({ items: [{ sha256: D, claim: { title: "t".repeat(2001) } }] })),
    status: 400,
    code: "VALIDATION_FAILED",
  },
  { name: "an unknown asset kind", request: stamp(json({ items: [{ sha256: D, claim: { kind: "painting" } }] })), status: 400, code: "VALIDATION_FAILED" },
  {
    name: "a previous that is not a digest",
    request: stamp(json({ items: [{ sha256: D, claim: { previous: "../../etc" } }] })),
    status: 400,
    code: "VALIDATION_FAILED",
  },
  {
    name: "an AI process with 51 properties",
    request: stamp(json({ items: [{ sha256: D, claim: { aiProcess: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, i])) } }] })),
    status: 400,
    code: "VALIDATION_FAILED",
  },
  {
    name: "a valid item beside a bad one (all or nothing)",
    request: stamp(json({ items: [{ sha256: D }, { sha256: "nope" }] })),
    status: 400,
    code: "VALIDATION_FAILED",
  },
  // --- multipart ---
  { name: "multipart without a boundary", request: upload(mp([filePart("file", "x")]), "multipart/form-data"), status: 400, code: "INVALID_MULTIPART" },
  {
    name: "multipart with a boundary other than the body's",
    request: upload(mp([filePart("file", "x")]), "multipart/form-data; boundary=other"),
    status: 400,
    code: "INVALID_MULTIPART",
  },
  {
    name: "a boundary of 300 characters",
    request: upload(mp([filePart("file", "x")], "b".repeat(300)), `multipart/form-data; boundary=${"b".repeat(300)}`),
    status: 400,
    code: "INVALID_MULTIPART",
  },
  { name: "truncated multipart (no closing boundary)", request: upload(`--${B}\r\n${filePart("file", "abc")}`), status: 400, code: "INVALID_MULTIPART" },
  { name: "multipart cut inside a part's headers", request: upload(`--${B}\r\nContent-Disposition: form-data; na`), status: 400, code: "INVALID_MULTIPART" },
  { name: "multipart with no file part", request: upload(mp([fieldPart("title", "only a title")])), status: 400, code: "NO_FILES" },
  {
    name: "an unknown multipart field after a file",
    request: upload(mp([filePart("file", "abc"), fieldPart("tenant", "rival")])),
    status: 400,
    code: "VALIDATION_FAILED",
  },
  {
    name: "a claim field that is not JSON",
    request: upload(mp([fieldPart("claim", "{not json"), filePart("file", "abc")])),
    status: 400,
    code: "INVALID_CLAIM",
  },
  { name: "a claim with an unknown kind", request: upload(mp([filePart("file", "abc"), fieldPart("kind", "painting")])), status: 400, code: "INVALID_CLAIM" },
  { name: "a file over MAX_FILE_BYTES", request: upload(mp([filePart("file", "x".repeat(MAX_FILE + 1))])), status: 413, code: "FILE_TOO_LARGE" },
  {
    name: "a small file beside one over MAX_FILE_BYTES",
    request: upload(mp([filePart("file", "small"), filePart("file", "x".repeat(MAX_FILE * 3))])),
    status: 413,
    code: "FILE_TOO_LARGE",
  },
  {
    name: "more files than MAX_FILES_PER_REQUEST",
    request: upload(mp([filePart("file", "1"), filePart("file", "2"), filePart("file", "3")])),
    status: 400,
    code: "TOO_MANY_FILES",
  },
  {
    name: "21 fields",
    request: upload(mp([...Array.from({ length: 21 }, () => fieldPart("note", "n")), filePart("file", "x")])),
    status: 400,
    code: "TOO_MANY_FIELDS",
  },
  {
    name: "a traversal file name in a request that fails",
    request: upload(mp([filePart("file", "abc", "../../../../etc/passwd"), fieldPart("colour", "red")])),
    status: 400,
    code: "VALIDATION_FAILED",
  },
  {
    name: "an RTL-override unicode file name in a request that fails",
    request: upload(mp([filePart("file", "abc", "invoice\u202Efdp.exe"), fieldPart("kind", "painting")])),
    status: 400,
    code: "INVALID_CLAIM",
  },
  {
    name: "a verify upload without a receipt",
    request: upload(mp([filePart("file", "abc")]), `multipart/form-data; boundary=${B}`, "/v1/verify/file"),
    status: 400,
    code: "INVALID_RECEIPT",
  },
  {
    name: "a verify upload whose receipt is not JSON",
    request: upload(mp([fieldPart("receipt", "<receipt/>"), filePart("file", "abc")]), `multipart/form-data; boundary=${B}`, "/v1/verify/file"),
    status: 400,
    code: "INVALID_RECEIPT",
  },
  // --- receipts ---
  {
    name: "a verify request without a receipt",
    request: http("POST", "/v1/verify", { "content-type": "application/json" }, json({ sha256: D })),
    status: 400,
    code: "VALIDATION_FAILED",
  },
  {
    name: "a receipt that is a string",
    request: http("POST", "/v1/verify", { "content-type": "application/json" }, json({ receipt: "priorproof-receipt/1" })),
    status: 400,
    code: "VALIDATION_FAILED",
  },
  {
    name: "a receipt that is an array",
    request: http("POST", "/v1/verify", { "content-type": "application/json" }, json({ receipt: [1, 2] })),
    status: 400,
    code: "VALIDATION_FAILED",
  },
  {
    name: "a receipt with a bad digest beside it",
    request: http("POST", "/v1/verify", { "content-type": "application/json" }, json({ receipt: {}, sha256: "xyz" })),
    status: 400,
    code: "VALIDATION_FAILED",
  },
  {
    name: "a receipt with an unknown field beside it",
    request: http("POST", "/v1/verify", { "content-type": "application/json" }, json({ receipt: {}, trust: true })),
    status: 400,
    code: "VALIDATION_FAILED",
  },
  // --- URLs, parameters and queries ---
  { name: "a query digest of the wrong length", request: http("GET", `/v1/verify?sha256=${D.slice(2)}`), status: 400, code: "VALIDATION_FAILED" },
  { name: "a verify query without a digest", request: http("GET", "/v1/verify"), status: 400, code: "VALIDATION_FAILED" },
  { name: "a negative page size", request: http("GET", "/v1/entries?limit=-1", auth()), status: 400, code: "VALIDATION_FAILED" },
  { name: "a page size of 10^20", request: http("GET", "/v1/entries?limit=100000000000000000000", auth()), status: 400, code: "VALIDATION_FAILED" },
  { name: "a negative cursor", request: http("GET", "/v1/entries?after=-7", auth()), status: 400, code: "VALIDATION_FAILED" },
  { name: "an unknown query parameter", request: http("GET", "/v1/entries?tenant=rival", auth()), status: 400, code: "VALIDATION_FAILED" },
  {
    name: "SQL in a query digest",
    request: http("GET", `/v1/entries?sha256=${encodeURIComponent("' OR 1=1 --")}`, auth()),
    status: 400,
    code: "VALIDATION_FAILED",
  },
  { name: "a malformed percent-encoding in the path", request: http("GET", "/v1/entries/%E0%A4%A", auth()), status: 404, code: "NOT_FOUND" },
  {
    name: "an entry id over the parameter length limit",
    request: http("GET", `/v1/entries/${"e".repeat(300)}`, auth()),
    status: 400,
    code: "VALIDATION_FAILED",
  },
  { name: "an unknown certificate language", request: http("GET", "/v1/entries/x/certificate.pdf?lang=xx", auth()), status: 400, code: "VALIDATION_FAILED" },
  { name: "a path traversal in a CID", request: http("GET", "/ipfs/..%2F..%2Fetc%2Fpasswd", auth()), status: 400, code: "INVALID_CID" },
  {
    name: "a CID with an unknown format (406, as the trustless gateway spec says)",
    request: http("GET", "/ipfs/bafybeigmix7t42i6jacydtquhet7srwvgpizfg7gjbq7627d35mjomtu64?format=zip", auth()),
    status: 406,
    code: "NOT_ACCEPTABLE",
  },
  { name: "an unknown route", request: http("GET", "/../../etc/passwd"), status: 404, code: "NOT_FOUND" },
  { name: "an unknown method", request: http("DELETE", "/v1/stamps", auth()), status: 404, code: "NOT_FOUND" },
  { name: "an events filter longer than an id", request: http("GET", `/v1/events?entry=${"x".repeat(100)}`, auth()), status: 400, code: "VALIDATION_FAILED" },
];

/** Replaces the KEY placeholder of the corpus's requests with the tenant's key. */
function bytesOf(r: Buffer | string): Buffer {
  const b = typeof r === "string" ? Buffer.from(r, "latin1") : r;
  return b.includes("Bearer KEY") ? Buffer.from(b.toString("latin1").replace("Bearer KEY", `Bearer ${key}`), "latin1") : b;
}

const spoolFiles = () => (existsSync(t.config.spoolDir) ? readdirSync(t.config.spoolDir).length : 0);

describe("the hostile-input corpus over raw TCP", () => {
  it("holds at least 50 distinct bad requests", () => {
    expect(CORPUS.length).toBeGreaterThanOrEqual(50);
    expect(new Set(CORPUS.map((c) => c.name)).size).toBe(CORPUS.length);
  });

  it.each(CORPUS.map((c) => [c.name, c] as const))("answers %s with its 4xx JSON error and stores nothing", async (_name, c) => {
    const before = await t.app.store.stats();
    const res = typeof c.request === "object" && "pieces" in c.request ? await sendRaw(c.request.pieces, c.request.gapMs) : await sendRaw([c.request]);
    expect(res.headers["content-type"], res.body.slice(0, 200)).toMatch(/^application\/json/);
    const body = JSON.parse(res.body) as { error: { code: string; message: string } };
    expect({ status: res.status, code: body.error.code }).toEqual({ status: c.status, code: c.code });
    expect(ERROR_STATUS[c.code]).toBe(c.status);
    expect(typeof body.error.message).toBe("string");
    expect(await t.app.store.stats()).toEqual(before);
    // The spool file of an aborted upload is removed when its stream is torn down, just after the answer.
    for (let i = 0; i < 50 && spoolFiles() > 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(spoolFiles()).toBe(0);
  });

  it("is still up and serving after the corpus", async () => {
    const res = await sendRaw([http("GET", "/healthz")]);
    expect(res.status).toBe(200);
    const ok = await sendRaw([stamp(json({ items: [{ sha256: "0x" + "cd".repeat(32) }] }))]);
    expect(ok.status).toBe(202);
  });

  it("stores hostile file names of an accepted upload as a cleaned base name, and writes nothing outside the data dir", async () => {
    const names: [string, string][] = [
      ["../../../../tmp/pp-escape.txt", "pp-escape.txt"],
      ["..\\..\\windows\\system32\\evil.dll", "evil.dll"],
      ["a\u0000b\u001fc.txt", "abc.txt"],
    ];
    for (const [sent, kept] of names) {
      const res = await sendRaw([upload(mp([filePart("file", "named", sent)]))]);
      expect(res.status, res.body).toBe(202);
      expect((JSON.parse(res.body) as { entries: { name: string }[] }).entries[0]!.name).toBe(kept);
    }
    expect(existsSync("/tmp/pp-escape.txt")).toBe(false);
    expect(spoolFiles()).toBe(0);
  });
});

describe("property-based fuzzing of the JSON endpoints", () => {
  const known = new Set(Object.keys(ERROR_STATUS));
  /** Every answer is a success or a 4xx JSON error whose code's status is the answer's status. */
  const check = (res: { statusCode: number; body: string }, okStatus: number) => {
    expect(res.statusCode, res.body.slice(0, 300)).toBeLessThan(500);
    if (res.statusCode === okStatus) return true;
    const body = JSON.parse(res.body) as { error: { code: string; message: string } };
    expect(known.has(body.error.code), body.error.code).toBe(true);
    expect(ERROR_STATUS[body.error.code as ErrorCode]).toBe(res.statusCode);
    expect(typeof body.error.message).toBe("string");
    return false;
  };
  const hexish = fc.oneof(
    fc.string({ unit: fc.constantFrom(..."0123456789abcdefABCDEFxX"), minLength: 0, maxLength: 70 }),
    fc.string({ minLength: 0, maxLength: 70 }),
    fc.string({ unit: "grapheme", maxLength: 66 }),
  );
  const claim = fc.oneof(
    fc.constant(undefined),
    fc.jsonValue({ maxDepth: 3 }),
    fc.record({ title: fc.string(), kind: fc.string(), previous: hexish }, { requiredKeys: [] }),
  );
  const stampBody = fc.oneof(
    fc.jsonValue({ maxDepth: 4 }),
    fc.record(
      { items: fc.array(fc.record({ sha256: fc.oneof(hexish, fc.jsonValue({ maxDepth: 2 })), claim }, { requiredKeys: [] }), { maxLength: 4 }) },
      { requiredKeys: [] },
    ),
    fc.dictionary(fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 4 }),
  );

  it("POST /v1/stamps: any JSON is a 202 that stores exactly its items, or a 4xx with a stable code that stores nothing", async () => {
    await fc.assert(
      fc.asyncProperty(stampBody, async (body) => {
        const before = await t.app.store.stats();
        const res = await t.app.inject({
          method: "POST",
          url: "/v1/stamps",
          headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
          payload: JSON.stringify(body),
        });
        const accepted = check(res, 202);
        const after = await t.app.store.stats();
        const added = accepted ? (JSON.parse(res.body) as { entries: unknown[] }).entries.length : 0;
        expect(after.entries.pending).toBe(before.entries.pending + added);
      }),
      { numRuns: 300 },
    );
  });

  it("POST /v1/stamps: any byte string as a body is never a 5xx", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 300 }),
        fc.constantFrom("application/json", "application/json; charset=utf-8", "application/json; charset=latin1"),
        async (bytes, type) => {
          const before = await t.app.store.stats();
          const res = await t.app.inject({
            method: "POST",
            url: "/v1/stamps",
            headers: { authorization: `Bearer ${key}`, "content-type": type },
            payload: Buffer.from(bytes),
          });
          if (!check(res, 202)) expect(await t.app.store.stats()).toEqual(before);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("POST /v1/verify: any receipt object is a verdict or a 4xx, never a 5xx", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.jsonValue({ maxDepth: 5 }),
          fc.record(
            {
              version: fc.constantFrom("priorproof-receipt/1", "x"),
              subject: fc.jsonValue({ maxDepth: 2 }),
              leaf: fc.jsonValue({ maxDepth: 2 }),
              anchors: fc.array(fc.jsonValue({ maxDepth: 3 }), { maxLength: 3 }),
            },
            { requiredKeys: [] },
          ),
        ),
        fc.option(hexish, { nil: undefined }),
        async (receipt, sha256) => {
          const res = await t.app.inject({ method: "POST", url: "/v1/verify", payload: { receipt, ...(sha256 === undefined ? {} : { sha256 }) } });
          if (check(res, 200)) expect(typeof (JSON.parse(res.body) as { verified: unknown }).verified).toBe("boolean");
        },
      ),
      { numRuns: 200 },
    );
  });

  it("GET /v1/entries and /v1/verify: any query string is a 200 or a 4xx, never a 5xx", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(fc.constantFrom("sha256", "previous", "limit", "after", "x", "__proto__"), fc.oneof(hexish, fc.integer().map(String), fc.string())),
        fc.constantFrom("/v1/entries", "/v1/verify"),
        async (query, path) => {
          const res = await t.app.inject({ method: "GET", url: `${path}?${new URLSearchParams(query)}`, headers: { authorization: `Bearer ${key}` } });
          check(res, 200);
        },
      ),
      { numRuns: 200 },
    );
  });
});
