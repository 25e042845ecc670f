import { createHash, randomBytes } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { createHashPool } from "../../server/src/services/hash-worker.ts";

describe("the hash pool's copy buffers", () => {
  const pool = createHashPool(1);
  afterAll(() => pool.close());

  it("are handed back by the worker and reused: 128 MiB in 64 KiB chunks makes about 4 MiB / 64 KiB buffers, not 2,048, and the digest is right", async () => {
    const chunk = randomBytes(64 * 1024);
    const expected = createHash("sha3-256");
    const session = pool.hash("sha3-256", 4 * 1024 * 1024);
    const before = pool.buffersAllocated;
    for (let i = 0; i < 2048; i++) {
      chunk[0] = i & 0xff;
      chunk[1] = i >> 8;
      expected.update(chunk);
      await session.update(chunk);
    }
    expect(await session.digest()).toBe(expected.digest("hex"));
    const made = pool.buffersAllocated - before;
    // At most maxInFlight (4 MiB) of one session waits on the worker: 64 chunks, plus the one that crosses it.
    expect(made).toBeGreaterThan(0);
    expect(made).toBeLessThanOrEqual(72);
  });

  it("copies odd-sized chunks into larger recycled buffers without passing on the spare bytes", async () => {
    const sizes = [1, 4095, 4096, 4097, 70_000, 1 << 20, (4 << 20) + 1];
    const expected = createHash("sha256");
    const session = pool.hash("sha256");
    for (let round = 0; round < 3; round++) {
      for (const n of sizes) {
        const c = randomBytes(n);
        expected.update(c);
        await session.update(c);
      }
    }
    expect(await session.digest()).toBe(expected.digest("hex"));
  });
});
