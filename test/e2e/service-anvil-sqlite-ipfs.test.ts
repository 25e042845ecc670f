/**
 * The evidence service end to end over real HTTP: the server process (node server/src/server.ts), a
 * real anvil chain, the SQLite store and the embedded IPFS blockstore, checked with the SDK verifier
 * against the chain and with Kubo's published CIDs.
 */
import { createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cachedChainReader, createChainReader, fromHex, verifyReceipt } from "../../client-sdk/src/index.ts";
import { api, startService, type RunningService } from "../helpers/service.ts";
import { kuboDeterministicBytes } from "../server/ipfs/helpers.ts";

interface KuboVector {
  name: string;
  profile: string;
  input: { kind: string; text?: string; seed?: string; size?: number };
  cid: string;
}
const VECTORS = (JSON.parse(readFileSync(new URL("../server/ipfs/kubo-vectors.json", import.meta.url), "utf8")) as { vectors: KuboVector[] }).vectors;
const vector = (name: string) => VECTORS.find((v) => v.profile === "unixfs-v1-2025" && v.name.startsWith(name))!;
const bytesOf = (v: KuboVector): Buffer =>
  v.input.kind === "utf8" ? Buffer.from(v.input.text!, "utf8") : Buffer.concat([...kuboDeterministicBytes(v.input.size!, v.input.seed!)]);

const BIG_SIZE = 200 * 1024 * 1024;
const sha256 = (b: Uint8Array) => "0x" + createHash("sha256").update(b).digest("hex");

/** A multipart body streamed part by part, so that the 200 MB file is never in memory. */
function multipartStream(parts: { name: string; filename?: string; type?: string; chunks: () => Iterable<Uint8Array> }[]): {
  body: ReadableStream<Uint8Array>;
  contentType: string;
} {
  const boundary = `----pp${randomBytes(12).toString("hex")}`;
  async function* gen(): AsyncGenerator<Uint8Array> {
    for (const p of parts) {
      const disposition = p.filename ? `form-data; name="${p.name}"; filename="${p.filename}"` : `form-data; name="${p.name}"`;
      yield Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}\r\n${p.type ? `Content-Type: ${p.type}\r\n` : ""}\r\n`);
      for (const c of p.chunks()) yield c;
      yield Buffer.from("\r\n");
    }
    yield Buffer.from(`--${boundary}--\r\n`);
  }
  const it = gen();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await it.next();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
  });
  return { body, contentType: `multipart/form-data; boundary=${boundary}` };
}

async function upload(service: RunningService, tenant: string, parts: Parameters<typeof multipartStream>[0]) {
  const { body, contentType } = multipartStream(parts);
  const res = await fetch(`${service.url}/v1/evidence`, {
    method: "POST",
    headers: { authorization: `Bearer ${service.keys[tenant]}`, "content-type": contentType },
    body,
    duplex: "half",
  } as RequestInit);
  return { status: res.status, body: (await res.json()) as any };
}

/** Waits until every id has `status`, reading the tenant's entries a page of 1,000 at a time. */
async function waitForStatus(service: RunningService, tenant: string, ids: string[], status: string, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const remaining = new Set(ids);
  while (remaining.size > 0) {
    if (Date.now() > deadline) throw new Error(`${remaining.size} entries not ${status} in time`);
    let after = 0;
    for (;;) {
      const page = await api(service, tenant, "GET", `/v1/entries?limit=1000&after=${after}`);
      for (const e of page.body.entries) if (e.status === status) remaining.delete(e.id);
      if (page.body.next === null) break;
      after = page.body.next;
    }
    if (remaining.size > 0) await new Promise((r) => setTimeout(r, 500));
  }
}

describe("evidence service over HTTP (real anvil, SQLite, IPFS blockstore)", () => {
  let service: RunningService;
  const digests: { id: string; sha256: string }[] = [];
  const files: { id: string; sha256: string; cid: string; expectedCid?: string; size: number }[] = [];

  beforeAll(async () => {
    // One key reads back 1,000+ receipts in well under a minute here: above the default 600 requests a
    // minute per key, so this bulk client's operator raises the limit (as docs/configuration.md says).
    service = await startService({ env: { RATE_LIMIT_PER_MINUTE: "100000" } });
  });
  afterAll(async () => {
    await service?.stop();
  });

  it("accepts 1,000 hash-only stamps in one request", async () => {
    const items = Array.from({ length: 1000 }, (_, i) => ({
      sha256: sha256(Buffer.from(`draft ${i} ${Math.random()}`)),
      ...(i === 0 ? { claim: { title: "Power bank housing, rev. 3", kind: "design" } } : {}),
    }));
    const r = await api(service, "acme", "POST", "/v1/stamps", { items });
    expect(r.status).toBe(202);
    expect(r.body.entries).toHaveLength(1000);
    for (const [i, e] of r.body.entries.entries()) {
      expect(e.sha256).toBe(items[i]!.sha256);
      expect(e.status).toBe("pending");
      digests.push({ id: e.id, sha256: e.sha256 });
    }
  });

  it("streams three uploads (one of 200 MB) through SHA-256 and the IPFS importer, with Kubo's CIDs", async () => {
    const hello = vector("small file: 'hello world'");
    const twoBlocks = vector("one chunk + 1 byte");
    const small = await upload(service, "acme", [
      { name: "title", chunks: () => [Buffer.from("Logo and packaging drafts")] },
      { name: "kind", chunks: () => [Buffer.from("trademark")] },
      { name: "file", filename: "hello.txt", type: "text/plain", chunks: () => [bytesOf(hello)] },
      {
        name: "file",
        filename: "packaging.bin",
        type: "application/octet-stream",
        chunks: () => kuboDeterministicBytes(twoBlocks.input.size!, twoBlocks.input.seed!),
      },
    ]);
    expect(small.status).toBe(202);
    expect(small.body.entries.map((e: any) => e.cid)).toEqual([hello.cid, twoBlocks.cid]);
    for (const [i, v] of [hello, twoBlocks].entries()) {
      const e = small.body.entries[i];
      expect(e.sha256).toBe(sha256(bytesOf(v)));
      expect(e.claim).toEqual({ title: "Logo and packaging drafts", kind: "trademark" });
      files.push({ id: e.id, sha256: e.sha256, cid: e.cid, expectedCid: v.cid, size: e.size });
    }

    const bigHash = createHash("sha256");
    for (const c of kuboDeterministicBytes(BIG_SIZE, "priorproof-e2e-200mb", 1 << 20)) bigHash.update(c);
    const big = await upload(service, "acme", [
      {
        name: "file",
        filename: "render-200mb.bin",
        type: "application/octet-stream",
        chunks: () => kuboDeterministicBytes(BIG_SIZE, "priorproof-e2e-200mb", 1 << 20),
      },
    ]);
    expect(big.status).toBe(202);
    const e = big.body.entries[0];
    expect(e.size).toBe(BIG_SIZE);
    expect(e.sha256).toBe("0x" + bigHash.digest("hex"));
    expect(e.cid).toMatch(/^bafybei/); // CIDv1 dag-pb root: 200 chunks of 1 MiB under one node
    files.push({ id: e.id, sha256: e.sha256, cid: e.cid, size: e.size });
  }, 180_000);

  it("brings every entry to confirmed, and every receipt verifies against the chain", async () => {
    await waitForStatus(
      service,
      "acme",
      [...digests, ...files].map((d) => d.id),
      "confirmed",
      120_000,
    );
    const rpc = createChainReader(service.rpcUrl);
    const reader = cachedChainReader(rpc);
    try {
      for (const d of [...digests, ...files]) {
        const r = await api(service, "acme", "GET", `/v1/entries/${d.id}/receipt`);
        expect(r.status).toBe(200);
        const verdict = await verifyReceipt(r.body, { sha256: fromHex(d.sha256, 32), chains: { [String(service.chainId)]: reader } });
        expect(verdict.verified, JSON.stringify(verdict.checks.filter((c) => c.status !== "passed"))).toBe(true);
        expect(verdict.warnings.map((w) => `${w.code}: ${w.message}`).join(" ")).toMatch(/DEVELOPMENT_CHAIN: .*development chain/);
      }
    } finally {
      rpc.destroy();
    }
  }, 180_000);

  it("serves the stored content back by CID, byte for byte", async () => {
    for (const f of files) {
      const res = await fetch(`${service.url}/ipfs/${f.cid}`, { headers: { authorization: `Bearer ${service.keys.acme}` } });
      expect(res.status).toBe(200);
      const h = createHash("sha256");
      let size = 0;
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        h.update(chunk);
        size += chunk.length;
      }
      expect(size).toBe(f.size);
      expect("0x" + h.digest("hex")).toBe(f.sha256);
    }
  }, 60_000);

  it("keeps every receipt valid and loses nothing pending across restarts (SIGKILL included)", async () => {
    // Hold batches back so that these entries are pending when the server dies.
    await service.restart({ env: { BATCH_INTERVAL_MS: "600000" } });
    const items = Array.from({ length: 25 }, (_, i) => ({ sha256: sha256(Buffer.from(`late ${i} ${Math.random()}`)) }));
    const r = await api(service, "acme", "POST", "/v1/stamps", { items });
    expect(r.status).toBe(202);
    const late: string[] = r.body.entries.map((e: any) => e.id);
    await service.restart({ kill: true });
    await waitForStatus(service, "acme", late, "confirmed", 60_000);

    const reader = createChainReader(service.rpcUrl);
    try {
      for (const d of [...digests.slice(0, 20), ...files, ...late.map((id, i) => ({ id, sha256: items[i]!.sha256 }))]) {
        const receipt = (await api(service, "acme", "GET", `/v1/entries/${d.id}/receipt`)).body;
        const verdict = await verifyReceipt(receipt, { sha256: fromHex(d.sha256, 32), chains: { [String(service.chainId)]: reader } });
        expect(verdict.verified).toBe(true);
      }
    } finally {
      reader.destroy();
    }
  }, 120_000);
});
