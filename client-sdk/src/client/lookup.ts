/**
 * The public endpoints (no key needed): the service's verdict on a receipt, and the lookup of a digest.
 */
import { ServiceError } from "../errors.ts";
import { parseVerdict, type Verdict } from "../verify.ts";
import { digestHex, isObject, type Transport } from "./transport.ts";
import type { DigestInput, DigestLookup } from "./types.ts";

/** POST /v1/verify: the answer must be a verdict (`INVALID_RESPONSE` otherwise). */
export async function verifyOnServer(t: Transport, receipt: unknown, sha256: DigestInput | undefined, opts: { signal?: AbortSignal } = {}): Promise<Verdict> {
  const body = await t.json("POST", "/v1/verify", {
    json: sha256 !== undefined ? { receipt, sha256: digestHex(sha256, "sha256") } : { receipt },
    signal: opts.signal,
  });
  try {
    return parseVerdict(body);
  } catch (cause) {
    throw new ServiceError("INVALID_RESPONSE", `POST /v1/verify did not answer a verdict (${cause instanceof Error ? cause.message : String(cause)})`, {
      cause,
    });
  }
}

/** GET /v1/verify?sha256= */
export async function lookupDigest(t: Transport, sha256: DigestInput, opts: { signal?: AbortSignal } = {}): Promise<DigestLookup> {
  const body = await t.json("GET", `/v1/verify?sha256=${encodeURIComponent(digestHex(sha256, "sha256"))}`, { signal: opts.signal });
  if (
    typeof body.anchored !== "boolean" ||
    !Array.isArray(body.anchors) ||
    !body.anchors.every((a) => isObject(a) && typeof a.chainId === "number" && typeof a.blockNumber === "number")
  ) {
    throw new ServiceError("INVALID_RESPONSE", "GET /v1/verify did not answer a digest lookup");
  }
  return body as unknown as DigestLookup;
}
