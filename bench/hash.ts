/**
 * SDK file hashing against `sha256sum` on the same generated file, in the same run: sha256File
 * (node:crypto), sha256sum (spawned), sha256File with SHA3-256 too, and the browser path
 * (sha256Stream, @noble/hashes) for reference. Runs are interleaved after a cache-warming read; the
 * median of `runs` is reported. Prints one JSON line; not a test.
 *
 *   node --conditions=source bench/hash.ts [sizeMiB=1024] [runs=3]
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createReadStream, createWriteStream, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { toHex } from "../client-sdk/src/bytes.ts";
import { sha256Stream } from "../client-sdk/src/hash.ts";
import { sha256File } from "../client-sdk/src/hash-node.ts";

const mib = Number(process.argv[2] ?? 1024);
const runs = Number(process.argv[3] ?? 3);
const dir = mkdtempSync(join(tmpdir(), "pp-bench-hash-"));
const path = join(dir, "data.bin");

try {
  const out = createWriteStream(path);
  const block = randomBytes(1 << 20);
  for (let i = 0; i < mib; i++) if (!out.write(block)) await new Promise<void>((r) => out.once("drain", () => r()));
  await new Promise<void>((r) => out.end(() => r()));
  const expected = "0x" + execFileSync("sha256sum", [path], { encoding: "utf8" }).split(" ")[0]; // also warms the page cache

  const time = async (f: () => Promise<string> | string): Promise<number> => {
    const t = performance.now();
    const digest = await f();
    const ms = performance.now() - t;
    if (digest !== expected) throw new Error(`digest ${digest} differs from sha256sum's ${expected}`);
    return ms;
  };
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
  const mbs = (ms: number) => Math.round((mib * 1.048576) / (ms / 1000)); // MB/s, 10^6 bytes

  const sdk: number[] = [];
  const core: number[] = [];
  const both: number[] = [];
  for (let i = 0; i < runs; i++) {
    sdk.push(await time(async () => toHex((await sha256File(path)).sha256)));
    core.push(await time(() => "0x" + execFileSync("sha256sum", [path], { encoding: "utf8" }).split(" ")[0]));
    both.push(await time(async () => toHex((await sha256File(path, { alsoSha3: true })).sha256)));
  }
  const noble = await time(async () => toHex((await sha256Stream(createReadStream(path, { highWaterMark: 1 << 20 }))).sha256));

  console.log(
    JSON.stringify({
      sizeMiB: mib,
      runs,
      sha256FileMBs: mbs(median(sdk)),
      sha256sumMBs: mbs(median(core)),
      ratio: +(median(core) / median(sdk)).toFixed(2),
      sha256FilePlusSha3MBs: mbs(median(both)),
      sha256StreamNobleMBs: mbs(noble),
    }),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
