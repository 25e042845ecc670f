/**
 * Helpers of the fault-injection tests (crash, chain faults, IPFS faults): bounded polling, anvil's
 * JSON-RPC, stamping random digests and reading the service's entries and the chain's anchors.
 */
import { createHash, randomBytes } from "node:crypto";
import { Interface } from "ethers";
import { createChainReader, fromHex, verifyReceipt, type Verdict } from "../../client-sdk/src/index.ts";
import { evidenceAnchorArtifact } from "../../server/src/chain/artifact.ts";
import { api, devWallet, type RunningService } from "./service.ts";

/** PP_FULL=1 selects the full size of the reliability suites; otherwise the reduced size of `npm test`. */
export const FULL = process.env.PP_FULL === "1";

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` every `everyMs` until it returns something other than undefined/false, or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 30_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${last instanceof Error ? last.message : String(last)})` : ""}`,
      );
    await sleep(everyMs);
  }
}

/** One JSON-RPC call to a node; RPC errors are thrown with their message. */
export async function rpc<T = unknown>(url: string, method: string, params: unknown[] = []): Promise<T> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  const body = (await res.json()) as { result?: T; error?: { message: string } };
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result as T;
}

export const randomDigest = () => "0x" + randomBytes(32).toString("hex");
export const sha256Hex = (b: Uint8Array) => "0x" + createHash("sha256").update(b).digest("hex");

/** Stamps `n` fresh random digests for `tenant`; throws unless the service answers 202. */
export async function stamp(service: RunningService, n: number, tenant = "acme"): Promise<{ id: string; sha256: string }[]> {
  const items = Array.from({ length: n }, () => ({ sha256: randomDigest() }));
  const r = await api(service, tenant, "POST", "/v1/stamps", { items });
  if (r.status !== 202) throw new Error(`stamp answered ${r.status}: ${JSON.stringify(r.body)}`);
  return r.body.entries.map((e: { id: string; sha256: string }) => ({ id: e.id, sha256: e.sha256 }));
}

/** Every entry of the tenant (id → status), a page of 1,000 at a time. */
export async function entryStatuses(service: RunningService, tenant = "acme"): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  let after = 0;
  for (let page = 0; page < 10_000; page++) {
    const r = await api(service, tenant, "GET", `/v1/entries?limit=1000&after=${after}`);
    if (r.status !== 200) throw new Error(`entries answered ${r.status}`);
    for (const e of r.body.entries as { id: string; status: string }[]) out.set(e.id, e.status);
    if (r.body.next === null) break;
    after = r.body.next;
  }
  return out;
}

/** Waits until every id has `status`. */
export async function waitForStatus(service: RunningService, ids: readonly string[], status: string, timeoutMs: number, tenant = "acme"): Promise<void> {
  await waitFor(
    `${ids.length} entries ${status}`,
    async () => {
      const all = await entryStatuses(service, tenant);
      return ids.every((id) => all.get(id) === status);
    },
    timeoutMs,
    300,
  );
}

/** The anchorer's transactions in the node's pool (pending and queued), by nonce. */
export async function anchorerPoolTxs(
  rpcUrl: string,
): Promise<{ hash: string; nonce: number; maxFeePerGas: bigint; maxPriorityFeePerGas: bigint; queued: boolean }[]> {
  type PoolTx = { hash: string; nonce: string; maxFeePerGas: string; maxPriorityFeePerGas: string };
  const content = await rpc<{ pending: Record<string, Record<string, PoolTx>>; queued: Record<string, Record<string, PoolTx>> }>(rpcUrl, "txpool_content");
  const me = devWallet(1).address.toLowerCase();
  const pick = (group: Record<string, Record<string, PoolTx>>, queued: boolean) =>
    Object.entries(group)
      .filter(([from]) => from.toLowerCase() === me)
      .flatMap(([, byNonce]) => Object.values(byNonce))
      .map((t) => ({
        hash: t.hash,
        nonce: Number(t.nonce),
        maxFeePerGas: BigInt(t.maxFeePerGas),
        maxPriorityFeePerGas: BigInt(t.maxPriorityFeePerGas),
        queued,
      }));
  return [...pick(content.pending, false), ...pick(content.queued, true)];
}

const ANCHORED = new Interface(evidenceAnchorArtifact().abi).getEvent("Anchored")!;

/** Every `Anchored` event of the contract: how many times each root was anchored. */
export async function anchoredEventsPerRoot(rpcUrl: string, contract: string): Promise<Map<string, number>> {
  const logs = await rpc<{ topics: string[] }[]>(rpcUrl, "eth_getLogs", [
    { address: contract, topics: [ANCHORED.topicHash], fromBlock: "0x0", toBlock: "latest" },
  ]);
  const counts = new Map<string, number>();
  for (const l of logs) counts.set(l.topics[1]!, (counts.get(l.topics[1]!) ?? 0) + 1);
  return counts;
}

/** Verifies a receipt against the chain with the SDK (a fresh reader each time: the node may have restarted). */
export async function verifyAgainstChain(rpcUrl: string, receipt: unknown, sha256: string, chainId = 31337): Promise<Verdict> {
  const reader = createChainReader(rpcUrl);
  try {
    return await verifyReceipt(receipt, { sha256: fromHex(sha256, 32), chains: { [String(chainId)]: reader } });
  } finally {
    reader.destroy();
  }
}

/** The failed checks of a verdict, for assertion messages. */
export const failedChecks = (v: Verdict) => v.checks.filter((c) => c.status === "failed").map((c) => ({ id: c.id, code: c.code, detail: c.detail }));
