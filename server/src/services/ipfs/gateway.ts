/**
 * Trustless gateway responses (https://specs.ipfs.tech/http-gateways/trustless-gateway/), free of
 * any HTTP framework so the Fastify route only has to copy status, headers and body: `GET
 * /ipfs/{cid}` answered with the raw block (`application/vnd.ipld.raw`) or the DAG as a CAR
 * (`application/vnd.ipld.car`). Clients verify both against the CID, so they need not trust us.
 */
import { CarWriter } from "@ipld/car/writer";
import { parseCid } from "./cid.ts";
import { CAR_CONTENT_TYPE } from "./content.ts";
import { AppError } from "../../errors.ts";
import { IpfsError } from "./errors.ts";
import type { IpfsBackend } from "./backend.ts";
import type { ReadOptions } from "./blocks.ts";

/** The two response types of a trustless gateway. */
export type TrustlessFormat = "raw" | "car";

/** A successful gateway response; errors are thrown (see {@link gatewayErrorStatus}). */
export interface GatewayResponse {
  status: 200;
  format: TrustlessFormat;
  contentType: string;
  /** Response headers, Content-Type included. Names are lower-case. */
  headers: Record<string, string>;
  /** The response body. For CAR, the root block has already been read, so a missing root is a thrown 404, not an empty 200. */
  body: AsyncIterable<Uint8Array>;
}

const RAW_CONTENT_TYPE = "application/vnd.ipld.raw";
const CAR_MEDIA_TYPE = "application/vnd.ipld.car";

/**
 * `dag-scope` of a CAR request (trustless gateway spec): `block` — the root block alone; `entity` — the
 * blocks of the entity at the root (a whole UnixFS file, the only entity stored here); `all` — the DAG.
 */
export type DagScope = "block" | "entity" | "all";
export const DAG_SCOPES: readonly DagScope[] = ["block", "entity", "all"];

/** Options of {@link serveTrustlessGateway} besides the backend's read options. */
export interface GatewayOptions extends ReadOptions {
  /** CAR only; default `all`. */
  dagScope?: DagScope;
  /** `Content-Disposition` file name (default `<cid>.bin` / `<cid>.car`). */
  filename?: string;
}

/**
 * Answers `GET /ipfs/{cid}?format=…` with `Accept: …`.
 *
 * @param format the `format` query parameter, if any; per IPIP-523 it takes precedence over `accept`.
 * @throws IpfsError `INVALID_CID` (400), `NOT_ACCEPTABLE` (406) when neither names raw or CAR,
 * ContentNotFoundError (404), and the backend's read errors; see {@link gatewayErrorStatus}.
 */
export async function serveTrustlessGateway(
  backend: Pick<IpfsBackend, "block" | "car">,
  cid: string,
  format: string | null | undefined,
  accept: string | null | undefined,
  options: GatewayOptions = {},
): Promise<GatewayResponse> {
  const key = parseCid(cid);
  const chosen = selectTrustlessFormat(format, accept);
  const { dagScope = "all", filename, ...readOptions } = options;
  const common: Record<string, string> = {
    // The bytes behind a CID never change, but who may read them does: stored content is a tenant's,
    // so no shared cache may keep it (a browser's private cache neither, since keys can be revoked).
    "cache-control": "private, no-store",
    "x-content-type-options": "nosniff",
    vary: "Accept",
    // The path resolved and the CIDs along it (here the path is the CID alone).
    "x-ipfs-path": `/ipfs/${cid}`,
    "x-ipfs-roots": key.toString(),
  };
  // Chosen by Accept alone: name the URL of this representation, so caches keyed on URLs cannot mix them.
  if (format === undefined || format === null || format === "")
    common["content-location"] = `/ipfs/${cid}?format=${chosen}${chosen === "car" && dagScope !== "all" ? `&dag-scope=${dagScope}` : ""}`;
  const disposition = (fallback: string) => `attachment; filename="${(filename ?? fallback).replace(/["\\\r\n]/g, "_")}"`;
  if (chosen === "raw") {
    const block = await backend.block(key, readOptions);
    return {
      status: 200,
      format: "raw",
      contentType: RAW_CONTENT_TYPE,
      headers: {
        ...common,
        "content-type": RAW_CONTENT_TYPE,
        "content-length": String(block.byteLength),
        "content-disposition": disposition(`${key}.bin`),
        etag: `"${key}.raw"`,
      },
      body: (async function* () {
        yield block;
      })(),
    };
  }
  // dag-scope=block is the root block alone; entity and all are the whole DAG (every stored root is one UnixFS file).
  const body = dagScope === "block" ? singleBlockCar(key, await backend.block(key, readOptions)) : await startStream(backend.car(key, readOptions));
  return {
    status: 200,
    format: "car",
    contentType: CAR_CONTENT_TYPE,
    headers: {
      ...common,
      "content-type": CAR_CONTENT_TYPE,
      "content-disposition": disposition(`${key}.car`),
      // The scope changes the bytes, so it is part of the tag (spec: "unique prefix based on the passed scope").
      etag: dagScope === "all" ? `"${key}.car"` : `"${key}.car.${dagScope}"`,
    },
    body,
  };
}

/**
 * Picks the response type: the `format` query parameter if present, else the most preferred
 * acceptable media range of `accept` (RFC 9110 §12.5.1 q-values). CAR requests for another CAR
 * version or for duplicate blocks (`dups=y`) are not acceptable: we only write CARv1 without dups.
 *
 * @throws IpfsError `NOT_ACCEPTABLE` when nothing acceptable is asked for.
 */
export function selectTrustlessFormat(format: string | null | undefined, accept: string | null | undefined): TrustlessFormat {
  if (format !== undefined && format !== null && format !== "") {
    if (format === "raw" || format === "car") return format;
    throw new IpfsError("NOT_ACCEPTABLE", `format ${JSON.stringify(format)} is not served by a trustless gateway (raw, car)`);
  }
  const ranges = (accept ?? "")
    .split(",")
    .map((part, index) => parseMediaRange(part, index))
    .filter((range): range is MediaRange => range !== undefined && range.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  for (const range of ranges) {
    if (range.type === RAW_CONTENT_TYPE) return "raw";
    if (range.type === CAR_MEDIA_TYPE && carParamsSupported(range.params)) return "car";
  }
  throw new IpfsError("NOT_ACCEPTABLE", `accept ${JSON.stringify(accept ?? "")} names neither ${RAW_CONTENT_TYPE} nor ${CAR_MEDIA_TYPE}`);
}

/** The HTTP status for an error thrown by {@link serveTrustlessGateway}: the registry status of an `AppError`, else 500. */
export function gatewayErrorStatus(error: unknown): number {
  return error instanceof AppError ? error.statusCode : 500;
}

interface MediaRange {
  type: string;
  params: Map<string, string>;
  q: number;
  index: number;
}

function parseMediaRange(part: string, index: number): MediaRange | undefined {
  const [type, ...rawParams] = part.split(";").map((s) => s.trim());
  if (type === undefined || type === "") return undefined;
  const params = new Map<string, string>();
  let q = 1;
  for (const param of rawParams) {
    const eq = param.indexOf("=");
    if (eq <= 0) continue;
    const name = param.slice(0, eq).trim().toLowerCase();
    const value = param
      .slice(eq + 1)
      .trim()
      .replace(/^"(.*)"$/, "$1");
    if (name === "q") {
      const parsed = Number(value);
      q = Number.isFinite(parsed) ? Math.min(1, Math.max(0, parsed)) : 0;
    } else {
      params.set(name, value.toLowerCase());
    }
  }
  return { type: type.toLowerCase(), params, q, index };
}

function carParamsSupported(params: Map<string, string>): boolean {
  const version = params.get("version");
  const dups = params.get("dups");
  const order = params.get("order");
  return (version === undefined || version === "1") && (dups === undefined || dups === "n") && (order === undefined || order === "dfs" || order === "unk");
}

/** A CARv1 holding one block (dag-scope=block). */
async function* singleBlockCar(cid: ReturnType<typeof parseCid>, bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  const { writer, out } = CarWriter.create([cid]);
  const written = (async () => {
    await writer.put({ cid, bytes });
    await writer.close();
  })();
  for await (const chunk of out) yield chunk;
  await written;
}

/** Pulls the first chunk now, so that a failure to start (missing root) is thrown before any header is sent. */
async function startStream(source: AsyncIterable<Uint8Array>): Promise<AsyncIterable<Uint8Array>> {
  const iterator = source[Symbol.asyncIterator]();
  const first = await iterator.next();
  return (async function* () {
    if (first.done === true) return;
    let finished = false;
    try {
      yield first.value;
      while (true) {
        const next = await iterator.next();
        if (next.done === true) break;
        yield next.value;
      }
      finished = true;
    } finally {
      // The consumer went away (client disconnected): let the source release what it holds.
      if (!finished) await iterator.return?.();
    }
  })();
}
