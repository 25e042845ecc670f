/**
 * A portfolio of real receipts: digests stamped through a running service (anvil chain) whose
 * BATCH_MAX_SIZE splits them into many batches, so the receipts carry many distinct offline inclusion
 * proofs (one anchoring transaction per batch, over several blocks).
 */
import { createHash, randomBytes } from "node:crypto";
import { toHex } from "../../client-sdk/src/index.ts";
import { api, type RunningService } from "./service.ts";

export interface PortfolioReceipt {
  readonly id: string;
  /** The stamped content (64 random bytes): its SHA-256 is `sha256`. */
  readonly content: Uint8Array;
  readonly sha256: Uint8Array;
  readonly text: string;
}

/** Stamps the digests of `count` fresh random contents and returns their receipts (text as the service served it) once all are confirmed. */
export async function stampPortfolio(service: RunningService, tenant: string, count: number, timeoutMs = 240_000): Promise<PortfolioReceipt[]> {
  const contents = Array.from({ length: count }, () => new Uint8Array(randomBytes(64)));
  const digests = contents.map((c) => new Uint8Array(createHash("sha256").update(c).digest()));
  const ids: string[] = [];
  for (let i = 0; i < count; i += 1000) {
    const r = await api(service, tenant, "POST", "/v1/stamps", { items: digests.slice(i, i + 1000).map((d) => ({ sha256: toHex(d) })) });
    if (r.status !== 202 && r.status !== 201 && r.status !== 200) throw new Error(`stamping answered ${r.status}: ${JSON.stringify(r.body)}`);
    ids.push(...r.body.entries.map((e: { id: string }) => e.id));
  }
  const deadline = Date.now() + timeoutMs;
  const out: PortfolioReceipt[] = [];
  for (const [i, id] of ids.entries()) {
    for (;;) {
      const res = await fetch(`${service.url}/v1/entries/${id}/receipt`, { headers: { authorization: `Bearer ${service.keys[tenant]}` } });
      const text = await res.text();
      // Wait for the receipt with its offline proof captured.
      if (res.status === 200 && text.includes('"inclusion"')) {
        out.push({ id, content: contents[i] as Uint8Array, sha256: digests[i] as Uint8Array, text });
        break;
      }
      if (Date.now() > deadline) throw new Error(`receipt of ${id} not ready: ${res.status} ${text.slice(0, 200)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  return out;
}
