/**
 * An attacker's corpus, built here independently of the verifier's own tests: every field of a genuine
 * receipt (real service, real anvil) is mutated in every way that keeps it well-typed or breaks it, unknown
 * members are injected at every level, duplicate member names are written into the JSON text, and the
 * anchors list is inflated. For each forgery the verifier must return a verdict (never throw or hang),
 * within 2 s, and either refuse it or print nothing the forgery could move: the same or a later
 * "existed no later than", the development-chain warning still there, the digest still the genuine one.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createChainReader, parseStrictJson, verifyReceipt, type Verdict } from "../../client-sdk/src/index.ts";
import { api, startService, type RunningService } from "../helpers/service.ts";

let service: RunningService;
let genuineText: string;
let genuine: Record<string, unknown>;
let genuineVerdict: Verdict;
const sha256 = Buffer.from("5a".repeat(32), "hex");
let reader: ReturnType<typeof createChainReader>;

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

beforeAll(async () => {
  service = await startService({ tenants: ["acme"] });
  const r = await api(service, "acme", "POST", "/v1/stamps", {
    items: [{ sha256: `0x${"5a".repeat(32)}`, claim: { title: "Housing rev. 3", kind: "design", claimant: "Acme Ltd" } }],
  });
  expect(r.status).toBe(202);
  const id = r.body.entries[0].id as string;
  const deadline = Date.now() + 90_000;
  for (;;) {
    const e = await api(service, "acme", "GET", `/v1/entries/${id}`);
    if (e.body.status === "confirmed") break;
    if (Date.now() > deadline) throw new Error(`entry ${id} not confirmed: ${JSON.stringify(e.body)}`);
    await new Promise((x) => setTimeout(x, 300));
  }
  const res = await fetch(`${service.url}/v1/entries/${id}/receipt`, { headers: { authorization: `Bearer ${service.keys.acme}` } });
  genuineText = await res.text();
  genuine = JSON.parse(genuineText) as Record<string, unknown>;
  reader = createChainReader(service.rpcUrl);
  genuineVerdict = await verifyReceipt(parseStrictJson(genuineText), { sha256, chains: { [String(service.chainId)]: reader } });
  expect(genuineVerdict.verified).toBe(true);
}, 180_000);

afterAll(async () => {
  reader?.destroy();
  await service?.stop();
});

/** Every well-typed and ill-typed variant of one JSON value. */
function variants(v: Json): Json[] {
  if (typeof v === "string") {
    const out: Json[] = ["", `${v}x`, v.toUpperCase(), " ".repeat(3) + v, "Ethereum", "2026-11-31T00:00:05Z", "1970-01-01T00:00:00Z", 1, null];
    if (/^0x[0-9a-f]+$/.test(v)) {
      const last = v.at(-1) === "0" ? "1" : "0";
      out.push(v.slice(0, -1) + last, `0x${"00".repeat((v.length - 2) / 2)}`, v.slice(0, -2));
    }
    if (/^\d{4}-\d\d-\d\dT/.test(v)) out.push(new Date(Date.parse(v) - 400 * 86_400_000).toISOString(), v.replace(/Z$/, "+00:00"));
    return out;
  }
  if (typeof v === "number") return [v + 1, v - 1, -1, 0, 2 ** 53, 1.5, "1"];
  if (typeof v === "boolean") return [!v, "true", null];
  if (v === null) return [{}, "0x"];
  return [];
}

interface Forgery {
  name: string;
  doc?: unknown;
  text?: string;
}

function* forgeries(): Generator<Forgery> {
  function* walk(node: Json, path: (string | number)[]): Generator<Forgery> {
    if (Array.isArray(node)) {
      for (const [i, child] of node.entries()) yield* walk(child, [...path, i]);
      if (node.length > 0) {
        yield { name: `${path.join(".")}: element duplicated`, doc: setAt(genuine as Json, path, [...node, node[0]!]) };
        yield { name: `${path.join(".")}: emptied`, doc: setAt(genuine as Json, path, []) };
      }
      return;
    }
    if (node !== null && typeof node === "object") {
      yield { name: `${path.join(".") || "(top)"}: unknown member`, doc: setAt(genuine as Json, path, { ...node, note2: "x" }) };
      for (const key of Object.keys(node)) {
        const { [key]: _, ...rest } = node;
        yield { name: `${[...path, key].join(".")}: removed`, doc: setAt(genuine as Json, path, rest) };
        yield* walk(node[key]!, [...path, key]);
      }
      return;
    }
    for (const v of variants(node)) yield { name: `${path.join(".")} = ${JSON.stringify(v).slice(0, 40)}`, doc: setAt(genuine as Json, path, v) };
  }
  yield* walk(genuine as Json, []);
  // Duplicate member names: a forged value first, the genuine one last (JSON.parse keeps the last).
  for (const key of Object.keys(genuine)) {
    const forged = JSON.stringify({ [key]: key === "claim" ? { title: "Somebody else's design" } : "forged" }).slice(1, -1);
    yield { name: `duplicate member ${key}`, text: `{${forged},${genuineText.trim().slice(1)}` };
  }
  const anchors = genuine.anchors as Json[];
  yield { name: "1,000 copies of the anchor", doc: { ...genuine, anchors: Array.from({ length: 1000 }, () => anchors[0]!) } };
}

function setAt(root: Json, path: (string | number)[], value: Json): Json {
  if (path.length === 0) return value;
  const [head, ...rest] = path;
  if (Array.isArray(root)) return root.map((c, i) => (i === head ? setAt(c, rest, value) : c));
  const obj = root as Record<string, Json>;
  return { ...obj, [head as string]: setAt(obj[head as string]!, rest, value) };
}

describe("verifyReceipt against an independent forgery corpus (real anvil)", () => {
  it("refuses every forgery or prints only facts the forgery could not move, each within 2 s", async () => {
    const chains = { [String(service.chainId)]: reader };
    const devWarning = (v: Verdict) => v.warnings.some((w) => /develop/i.test(typeof w === "string" ? w : `${w.code} ${w.message}`));
    expect(devWarning(genuineVerdict)).toBe(true);
    let count = 0;
    let refused = 0;
    const slow: string[] = [];
    const moved: string[] = [];
    const accepted: string[] = [];
    for (const f of forgeries()) {
      count++;
      const started = performance.now();
      let verdict: Verdict | undefined;
      try {
        verdict = await verifyReceipt(f.text === undefined ? f.doc : parseStrictJson(f.text), { sha256, chains });
      } catch (e) {
        // Only the strict JSON reader may throw, and only for text with duplicate names.
        expect(f.text, `${f.name}: verifyReceipt threw ${String(e)}`).toBeDefined();
      }
      const ms = performance.now() - started;
      if (ms > 2000) slow.push(`${f.name} (${Math.round(ms)} ms)`);
      if (!verdict?.verified) {
        refused++;
        continue;
      }
      accepted.push(f.name);
      if (verdict.existedNoLaterThan === undefined || verdict.existedNoLaterThan < genuineVerdict.existedNoLaterThan!)
        moved.push(`${f.name}: time ${verdict.existedNoLaterThan}`);
      if (!devWarning(verdict)) moved.push(`${f.name}: development warning gone`);
      if (
        JSON.stringify((verdict.receipt as { subject?: { sha256?: string } } | undefined)?.subject?.sha256) !==
        JSON.stringify((genuine.subject as { sha256: string }).sha256)
      )
        moved.push(`${f.name}: digest`);
      if (f.text !== undefined) moved.push(`${f.name}: duplicate names accepted`);
    }
    console.log(`forgery corpus: ${count} forgeries, ${refused} refused, ${count - refused} verified with unmoved facts:\n  ${accepted.join("\n  ")}`);
    expect(slow).toEqual([]);
    expect(moved).toEqual([]);
    expect(count).toBeGreaterThan(200);
  }, 600_000);
});
