/**
 * SDK file hashing against `sha256sum` on the same generated file, in the same run.
 *   node --conditions=source bench/hash.ts [sizeMiB=1024]
 */
import { execFileSync } from "node:child_process";
import { createWriteStream, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { sha256File } from "../client-sdk/src/hash-node.ts";
import { toHex } from "../client-sdk/src/bytes.ts";

const mib = Number(process.argv[2] ?? 1024);
const dir = mkdtempSync(join(tmpdir(), "pp-bench-hash-"));
const path = join(dir, "data.bin");
const out = createWriteStream(path);
const block = randomBytes(1 << 20);
for (let i = 0; i < mib; i++) if (!out.write(block)) await new Promise<void>((r) => out.once("drain", () => r()));
await new Promise<void>((r) => out.end(() => r()));
execFileSync("sha256sum", [path]); // warm the page cache for both

const rate = (ms: number) => (mib * 1.048576) / (ms / 1000); // MB/s
let t = performance.now();
const ours = await sha256File(path);
const sdkMs = performance.now() - t;
t = performance.now();
const theirs = execFileSync("sha256sum", [path], { encoding: "utf8" }).split(" ")[0];
const coreMs = performance.now() - t;
t = performance.now();
await sha256File(path, { alsoSha3: true });
const bothMs = performance.now() - t;
if (toHex(ours.sha256) !== "0x" + theirs) throw new Error("digests differ");
rmSync(dir, { recursive: true, force: true });
console.log(JSON.stringify({
  sizeMiB: mib,
  sdkSha256MBs: Math.round(rate(sdkMs)),
  sha256sumMBs: Math.round(rate(coreMs)),
  ratio: +(coreMs / sdkMs).toFixed(2),
  sdkSha256PlusSha3MBs: Math.round(rate(bothMs)),
}));
