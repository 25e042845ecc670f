import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { SERVER_NODE_FLAGS } from "../helpers/service.ts";

const worker = fileURLToPath(new URL("../../server/src/services/certificates/render-worker.ts", import.meta.url));
const script =
  `
import { createRenderWorker } from ${JSON.stringify(worker)};
const w = createRenderWorker();
const pdf = await w.render({ kind: "portfolio", ` +
  `input: { rows: [], language: "en", tenant: "acme", filter: "all", generatedAt: new Date(0), software: "test" } ` +
  `});
console.log(Buffer.from(pdf.subarray(0, 5)).toString("latin1"), pdf.byteLength);
await w.close();
`;

const entry = join(mkdtempSync(join(tmpdir(), "pp-render-")), "render.mjs");
writeFileSync(entry, script);

describe("the certificate render worker", () => {
  it("starts and renders a PDF in a process run with npm run serve's Node flags (V8 flags included, which a Worker refuses when given explicitly)", () => {
    expect(SERVER_NODE_FLAGS.some((f) => f.startsWith("--max-semi-space-size"))).toBe(true);
    const r = spawnSync(process.execPath, [...SERVER_NODE_FLAGS, entry], { encoding: "utf8", timeout: 60_000 });
    expect(r.stderr).not.toMatch(/ERR_WORKER_INVALID_EXEC_ARGV/);
    expect(r.status, r.stderr).toBe(0);
    const [magic, size] = r.stdout.trim().split(" ");
    expect(magic).toBe("%PDF-");
    expect(Number(size)).toBeGreaterThan(1000);
  }, 90_000);

  it("also starts in a process run without --conditions=source (it adds the condition for itself)", () => {
    const flags = SERVER_NODE_FLAGS.filter((f) => f !== "--conditions=source");
    const r = spawnSync(process.execPath, [...flags, entry], { encoding: "utf8", timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.startsWith("%PDF-")).toBe(true);
  }, 90_000);
});
