/** Hash-only stamping: POST /v1/stamps with 1 to 1,000 digests, under an Idempotency-Key, retried. */
import { InputError } from "../errors.ts";
import { asEntries } from "./entries.ts";
import { digestHex, type Transport } from "./transport.ts";
import type { Entry, StampItem, SubmitOptions } from "./types.ts";

/** POST /v1/stamps: one entry per item, in order. */
export async function submitStamps(t: Transport, items: readonly StampItem[], opts: SubmitOptions = {}): Promise<Entry[]> {
  if (!Array.isArray(items) || items.length === 0) throw new InputError("INVALID_ARGUMENT", "submitStamps needs at least one item");
  const body = {
    items: items.map((it, i) => ({
      sha256: digestHex(it.sha256, `items[${i}].sha256`),
      ...(it.sha3_256 !== undefined ? { sha3_256: digestHex(it.sha3_256, `items[${i}].sha3_256`) } : {}),
      ...(it.claim ? { claim: it.claim } : {}),
      ...(it.signature ? { signature: it.signature } : {}),
    })),
  };
  const headers = t.idempotencyHeader(opts.idempotencyKey);
  return t.withRetries(
    async () => asEntries(await t.json("POST", "/v1/stamps", { json: body, headers, signal: opts.signal }), "POST /v1/stamps", items.length),
    opts.signal,
  );
}
