/**
 * "Constant memory" on the REST path: a 512 MiB file streamed to POST /v1/evidence of the real server
 * process (node server/src/server.ts, real anvil chain, SQLite store, embedded IPFS blockstore) must not
 * grow the server's resident memory by more than a fixed bound, whatever the file's size. The bound is
 * generous (measured growth is ~90 MiB since the hash workers hand their copy buffers back and the server
 * runs with an 8 MB young generation; ~100–140 MiB before: V8's young generation and upload buffers
 * awaiting collection) but real: an upload buffered whole would need ≥ 512 MiB.
 */
import { createHash, randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startService, type RunningService } from "../helpers/service.ts";

const SIZE_MIB = 512;
const GROWTH_LIMIT = 192 * 1024 * 1024;

const statusKb = (pid: number, field: "VmRSS" | "VmHWM") =>
  Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) * 1024;

/** A multipart body of `mib` distinct 1 MiB blocks, generated as it is sent (never whole in memory). */
function streamedUpload(mib: number, digest: ReturnType<typeof createHash>): { body: ReadableStream<Uint8Array>; contentType: string } {
  const boundary = `----pp${randomBytes(12).toString("hex")}`;
  const block = randomBytes(1 << 20);
  let i = -1;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (i === -1)
        controller.enqueue(
          Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`),
        );
      else if (i < mib) {
        // Every block differs (its first bytes count it), so the blockstore stores them all.
        block.writeUInt32BE(i, 0);
        const chunk = Buffer.from(block);
        digest.update(chunk);
        controller.enqueue(chunk);
      } else if (i === mib) controller.enqueue(Buffer.from(`\r\n--${boundary}--\r\n`));
      else controller.close();
      i++;
    },
  });
  return { body, contentType: `multipart/form-data; boundary=${boundary}` };
}

describe("POST /v1/evidence memory (real server process, anvil, SQLite, embedded IPFS)", () => {
  let service: RunningService;
  beforeAll(async () => {
    service = await startService({ tenants: ["acme"], env: { LOG_LEVEL: "error" } });
  }, 120_000);
  afterAll(async () => {
    await service?.stop();
  });

  it(`grows the server's resident memory by less than ${GROWTH_LIMIT / 2 ** 20} MiB while a ${SIZE_MIB} MiB file is uploaded`, {
    timeout: 600_000,
  }, async () => {
    const pid = service.process.pid!;
    await new Promise((r) => setTimeout(r, 1000));
    // Peak RSS is reset (Linux clear_refs 5), so VmHWM afterwards is the upload's peak, not the start's.
    writeFileSync(`/proc/${pid}/clear_refs`, "5");
    const before = statusKb(pid, "VmRSS");
    const digest = createHash("sha256");
    const { body, contentType } = streamedUpload(SIZE_MIB, digest);
    const res = await fetch(`${service.url}/v1/evidence`, {
      method: "POST",
      headers: { authorization: `Bearer ${service.keys.acme}`, "content-type": contentType },
      body,
      duplex: "half",
    } as RequestInit);
    const answer = (await res.json()) as { entries: { sha256: string }[] };
    const peak = statusKb(pid, "VmHWM");
    const growth = peak - before;
    console.info(
      `[rss] ${SIZE_MIB} MiB upload: before ${(before / 2 ** 20).toFixed(0)} MiB, peak ${(peak / 2 ** 20).toFixed(0)} MiB, ` +
        `growth ${(growth / 2 ** 20).toFixed(0)} MiB`,
    );
    expect(res.status).toBe(202);
    expect(answer.entries[0]!.sha256).toBe(`0x${digest.digest("hex")}`);
    expect(growth).toBeLessThan(GROWTH_LIMIT);
  });
});
