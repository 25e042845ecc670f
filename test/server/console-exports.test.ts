/**
 * Issue 18 — finding and exporting evidence from the console: GET /v1/entries filters, the evidence pack
 * (POST /v1/exports, a streamed ZIP checked with unzip and the SDK's verifyReceipt against the chain),
 * and the period report. The real app on a real anvil chain, over SQLite and PostgreSQL.
 */
import { execFileSync } from "node:child_process";
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createChainReader, fromHex, verifyReceipt } from "../../client-sdk/src/index.ts";
import { csvField } from "../../server/src/services/evidence-pack.ts";
import { anchorAll, buildTestApp, TEST_BACKENDS, type TestApp } from "../helpers/app.ts";

const PASSWORD = "correct horse battery";
type Res = { statusCode: number; headers: Record<string, unknown>; json(): any; rawPayload: Buffer };
const sha = (text: string) => "0x" + createHash("sha256").update(text).digest("hex");

describe("csvField", () => {
  it("quotes commas, quotes and line breaks, and defuses spreadsheet formulas", () => {
    expect(csvField("plain")).toBe("plain");
    expect(csvField('a,"b"\nc')).toBe('"a,""b""\nc"');
    expect(csvField('=HYPERLINK("x")')).toBe('"\'=HYPERLINK(""x"")"');
    expect(csvField("-1")).toBe("'-1");
    expect(csvField(null)).toBe("");
  });
});

describe.each(TEST_BACKENDS)("console search, evidence pack and period report over the %s store", (backend) => {
  let t: TestApp;
  let work: string;
  const ids: Record<string, string> = {};
  const digests: Record<string, string> = {};
  const sessions: Record<string, { cookie: string; csrf: string }> = {};
  const inject = (o: { method: string; url: string; headers?: Record<string, string>; payload?: unknown }) =>
    t.app.inject(o as never) as unknown as Promise<Res>;
  const as = (who: string) => ({ cookie: `pp_session=${sessions[who]!.cookie}`, "x-csrf-token": sessions[who]!.csrf });
  const find = async (query: string, who = "viewer") => {
    const res = await inject({ method: "GET", url: `/v1/entries?${query}`, headers: as(who) });
    expect(res.statusCode, res.json().error?.message).toBe(200);
    return res.json() as { entries: { id: string }[]; next: number | null };
  };
  const names = async (query: string) => {
    const byId = Object.fromEntries(Object.entries(ids).map(([k, v]) => [v, k]));
    return (await find(query)).entries.map((e) => byId[e.id] ?? "other");
  };

  beforeAll(async () => {
    t = await buildTestApp({}, backend);
    work = mkdtempSync(join(tmpdir(), "pp-export-"));
    const acme = (await t.app.store.getTenantByName("acme"))!.id;
    for (const role of ["member", "viewer"] as const) {
      await t.app.consoleAuth.createUser(acme, { email: `${role}@example.com`, password: PASSWORD, role });
      const res = await inject({ method: "POST", url: "/v1/console/login", payload: { email: `${role}@example.com`, password: PASSWORD } });
      sessions[role] = { cookie: /pp_session=([^;]+)/.exec(String(res.headers["set-cookie"]))![1]!, csrf: res.json().csrfToken };
    }
    const stamp = async (key: string, name: string, claim: Record<string, string>) => {
      digests[name] = sha(name);
      const res = await inject({
        method: "POST",
        url: "/v1/stamps",
        headers: { authorization: `Bearer ${t.keys[key]}` },
        payload: { items: [{ sha256: digests[name], claim }] },
      });
      expect(res.statusCode).toBe(202);
      ids[name] = res.json().entries[0].id;
    };
    await stamp("acme", "A", { title: "Logo draft, v1", kind: "design" });
    await stamp("acme", "B", { title: "Brand Manual", kind: "trademark" });
    const upload =
      '--XyZ\r\nContent-Disposition: form-data; name="file"; filename="Poster-final.png"\r\n' + "Content-Type: image/png\r\n\r\nposter bytes\r\n--XyZ--\r\n";
    const up = await inject({
      method: "POST",
      url: "/v1/evidence",
      headers: { authorization: `Bearer ${t.keys.acme}`, "content-type": "multipart/form-data; boundary=XyZ" },
      payload: upload,
    });
    expect(up.statusCode).toBe(202);
    ids.C = up.json().entries[0].id;
    digests.C = up.json().entries[0].sha256;
    await stamp("rival", "R", { title: "Logo draft of the rival", kind: "design" });
    await anchorAll(t);
    await stamp("acme", "D", { title: "Later LOGO", kind: "design" });
    // An upload whose content could not be stored (pin failed), recorded as ingest records it.
    const [f] = await t.app.store.insertEntries(
      [
        {
          id: randomUUID(),
          tenantId: acme,
          sha256: sha("F"),
          sha3_256: null,
          size: 1,
          name: "lost.bin",
          mediaType: null,
          cid: null,
          cidProfile: null,
          pinStatus: "failed",
          pinError: "IPFS_UNAVAILABLE",
          claim: null,
          claimSha256: null,
          previous: null,
          leafSalt: "0x" + randomBytes(16).toString("hex"),
          leafHash: "0x" + randomBytes(32).toString("hex"),
          receivedAt: new Date().toISOString(),
          requestId: null,
        },
      ],
      [t.chain.chainId],
    );
    ids.F = f!.id;
  }, 180_000);
  afterAll(async () => {
    await t?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  describe("GET /v1/entries filters", () => {
    it("q matches a title or file name case-insensitively, as a literal (no wildcards), in the tenant only", async () => {
      expect(await names("q=logo")).toEqual(["A", "D"]);
      expect(await names("q=POSTER")).toEqual(["C"]);
      expect(await names("q=draft%2C%20v1")).toEqual(["A"]);
      expect(await names("q=%25")).toEqual([]);
      expect(await names("q=_")).toEqual([]);
    });
    it("q of 8+ hex digits (with or without 0x) is a digest prefix", async () => {
      expect(await names(`q=${digests.B!.slice(2, 12)}`)).toEqual(["B"]);
      expect(await names(`q=${digests.B!.slice(0, 14).toUpperCase().replace("0X", "0x")}`)).toEqual(["B"]);
      expect(await names(`q=${digests.R!.slice(2, 12)}`)).toEqual([]);
    });
    it("kind, status (received, confirmed, failed) and chain filter, and combine", async () => {
      expect(await names("kind=design")).toEqual(["A", "D"]);
      expect(await names("status=received")).toEqual(["D", "F"]);
      expect(await names("status=confirmed")).toEqual(["A", "B", "C"]);
      expect(await names("status=failed")).toEqual(["F"]);
      expect(await names("kind=design&status=confirmed")).toEqual(["A"]);
      expect(await names(`chain=${t.chain.chainId}`)).toEqual(["A", "B", "C", "D", "F"]);
      expect(await names("chain=1")).toEqual([]);
    });
    it("from and to bound the received time; a date 'to' includes that day", async () => {
      const today = new Date().toISOString().slice(0, 10);
      const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
      expect(await names(`from=${today}&to=${today}`)).toEqual(["A", "B", "C", "D", "F"]);
      expect(await names(`from=${tomorrow}`)).toEqual([]);
      expect(await names(`to=${new Date(Date.now() - 86_400_000).toISOString().slice(0, 10)}`)).toEqual([]);
      expect(await names(`from=${encodeURIComponent(new Date(Date.now() - 3600_000).toISOString())}&kind=trademark`)).toEqual(["B"]);
    });
    it("pages newest first with order=desc and the before cursor", async () => {
      const first = await find("order=desc&limit=2&chain=" + t.chain.chainId);
      expect(first.entries.map((e) => e.id)).toEqual([ids.F, ids.D]);
      const second = await find(`order=desc&limit=10&before=${first.next}&chain=${t.chain.chainId}`);
      expect(second.entries.map((e) => e.id)).toEqual([ids.C, ids.B, ids.A]);
      expect(second.next).toBeNull();
    });
    it("refuses an unknown status and a date that is not ISO 8601 (400)", async () => {
      for (const q of ["status=lost", "from=yesterday", "to=2026-13-45T99:00Z", "from=2026-02-01&to=2026-01-01"]) {
        const res = await inject({ method: "GET", url: `/v1/entries?${q}`, headers: as("viewer") });
        expect({ q, status: res.statusCode, code: res.json().error.code }).toEqual({ q, status: 400, code: "VALIDATION_FAILED" });
      }
    });
  });

  describe("POST /v1/exports", () => {
    it("streams a ZIP whose receipts verify against the chain, with certificates, index.csv, index.json and portfolio.pdf", async () => {
      const url = await t.app.listen({ host: "127.0.0.1", port: 0 });
      const res = await fetch(`${url}/v1/exports`, {
        method: "POST",
        headers: { ...as("member"), "content-type": "application/json", origin: url },
        body: JSON.stringify({ entryIds: [ids.A, ids.B, ids.C, ids.D] }),
      });
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("application/zip");
      expect(res.headers.get("content-disposition")).toMatch(/^attachment; filename="priorproof-evidence-\d{4}-\d{2}-\d{2}\.zip"$/);
      // Streamed: sent in chunks, its length not known in advance.
      expect(res.headers.get("transfer-encoding")).toBe("chunked");
      expect(res.headers.get("content-length")).toBeNull();
      const zipPath = join(work, `pack-${backend}.zip`);
      writeFileSync(zipPath, Buffer.from(await res.arrayBuffer()));
      expect(execFileSync("unzip", ["-t", zipPath]).toString()).toContain("No errors detected");
      const dir = join(work, `pack-${backend}`);
      execFileSync("unzip", ["-q", zipPath, "-d", dir]);
      const confirmed = [ids.A!, ids.B!, ids.C!];
      expect(readdirSync(join(dir, "receipts")).sort()).toEqual(confirmed.map((id) => `${id}.json`).sort());
      expect(readdirSync(join(dir, "certificates")).sort()).toEqual(confirmed.map((id) => `${id}.pdf`).sort());
      expect(readdirSync(dir).sort()).toEqual(["certificates", "index.csv", "index.json", "portfolio.pdf", "receipts"]);

      const rpc = createChainReader(t.chain.rpcUrl);
      for (const [name, id] of [
        ["A", ids.A],
        ["B", ids.B],
        ["C", ids.C],
      ] as const) {
        const receipt = JSON.parse(readFileSync(join(dir, "receipts", `${id}.json`), "utf8"));
        const verdict = await verifyReceipt(receipt, { sha256: fromHex(digests[name]!, 32), chains: { [String(t.chain.chainId)]: rpc } });
        expect(verdict.verified, JSON.stringify(verdict.checks.filter((c) => c.status === "failed"))).toBe(true);
        expect(
          readFileSync(join(dir, "certificates", `${id}.pdf`))
            .subarray(0, 5)
            .toString(),
        ).toBe("%PDF-");
      }
      expect(readFileSync(join(dir, "portfolio.pdf")).subarray(0, 5).toString()).toBe("%PDF-");
      // The CLI: the uploaded file against its receipt from the pack, and the whole pack as a batch
      // (its index.json is skipped; without the files the receipts count as not verified, none fails).
      const poster = join(work, "Poster-final.png");
      writeFileSync(poster, "poster bytes");
      const cli = (args: string[]) => execFileSync(process.execPath, ["--conditions=source", "client-sdk/src/cli/main.ts", ...args], { encoding: "utf8" });
      expect(cli(["verify", poster, join(dir, "receipts", `${ids.C}.json`), "--rpc", t.chain.rpcUrl, "--json"])).toMatch(/"verified": true/);
      let batch = "";
      try {
        batch = cli(["verify", "--batch", zipPath, "--json"]);
      } catch (e) {
        batch = String((e as { stdout?: string }).stdout);
      }
      expect(JSON.parse(batch).summary).toMatchObject({ total: 3, failed: 0 });

      const index = JSON.parse(readFileSync(join(dir, "index.json"), "utf8"));
      expect(index).toMatchObject({
        format: "priorproof-evidence-pack/1",
        tenant: "acme",
        portfolio: "portfolio.pdf",
        selection: { entryIds: [ids.A, ids.B, ids.C, ids.D] },
      });
      expect(index.entries.map((r: { entryId: string }) => r.entryId)).toEqual([ids.A, ids.B, ids.C, ids.D]);
      expect(index.entries[3]).toMatchObject({ entryId: ids.D, status: "pending", receipt: null, receiptError: "RECEIPT_PENDING", certificate: null });
      expect(index.entries[0]).toMatchObject({
        sha256: digests.A,
        title: "Logo draft, v1",
        kind: "design",
        status: "confirmed",
        receipt: `receipts/${ids.A}.json`,
        certificate: `certificates/${ids.A}.pdf`,
      });
      expect(index.entries[0].anchors[0]).toMatchObject({ chainId: t.chain.chainId, status: "confirmed" });

      const csv = readFileSync(join(dir, "index.csv"), "utf8").trimEnd().split("\r\n");
      expect(csv[0]).toBe("entryId,sha256,name,title,kind,status,receivedAt,chainIds,txHashes,blockNumbers,blockTimes,receipt,certificate");
      expect(csv).toHaveLength(5);
      expect(csv[1]).toMatch(new RegExp(`^${ids.A},${digests.A},,"Logo draft, v1",design,confirmed,`));
      expect(csv[3]).toMatch(new RegExp(`^${ids.C},${digests.C},Poster-final.png,,,confirmed,.*,receipts/${ids.C}.json,certificates/${ids.C}.pdf$`));
      expect(csv[4]).toMatch(new RegExp(`^${ids.D},${digests.D},,Later LOGO,design,pending,.*,,$`));
    }, 120_000);

    it("exports the entries a filter matches", async () => {
      const res = await inject({ method: "POST", url: "/v1/exports", headers: as("member"), payload: { filter: { kind: "trademark" } } });
      expect(res.statusCode).toBe(200);
      const zipPath = join(work, `filter-${backend}.zip`);
      writeFileSync(zipPath, res.rawPayload);
      const listing = execFileSync("unzip", ["-Z1", zipPath]).toString().trim().split("\n").sort();
      expect(listing).toEqual([`certificates/${ids.B}.pdf`, "index.csv", "index.json", "portfolio.pdf", `receipts/${ids.B}.json`]);
    }, 60_000);

    it("refuses a viewer (403 FORBIDDEN), another tenant's entry (404) and a request without the CSRF token (403)", async () => {
      const viewer = await inject({ method: "POST", url: "/v1/exports", headers: as("viewer"), payload: { entryIds: [ids.A] } });
      expect([viewer.statusCode, viewer.json().error.code]).toEqual([403, "FORBIDDEN"]);
      const rivalId = (await inject({ method: "GET", url: `/v1/entries?sha256=${digests.R}`, headers: { authorization: `Bearer ${t.keys.rival}` } })).json()
        .entries[0].id;
      const foreign = await inject({ method: "POST", url: "/v1/exports", headers: as("member"), payload: { entryIds: [ids.A, rivalId] } });
      expect([foreign.statusCode, foreign.json().error.code]).toEqual([404, "ENTRY_NOT_FOUND"]);
      const noToken = await inject({ method: "POST", url: "/v1/exports", headers: { cookie: as("member").cookie }, payload: { entryIds: [ids.A] } });
      expect([noToken.statusCode, noToken.json().error.code]).toEqual([403, "CSRF_REFUSED"]);
    });
  });

  describe("GET /v1/reports/period", () => {
    it("lists what was stamped, what is pending and what failed in the period", async () => {
      const today = new Date().toISOString().slice(0, 10);
      const res = await inject({ method: "GET", url: `/v1/reports/period?from=${today}&to=${today}`, headers: as("viewer") });
      expect(res.statusCode).toBe(200);
      const body = res.json();
      const of = (list: { id: string }[]) => list.map((e) => e.id);
      expect(of(body.stamped)).toEqual([ids.A, ids.B, ids.C]);
      expect(of(body.pending)).toEqual([ids.D, ids.F]);
      expect(of(body.failed)).toEqual([ids.F]);
      expect(body).toMatchObject({ from: `${today}T00:00:00.000Z`, truncated: false });
      expect(body.stamped[0].status).toBe("confirmed");
    });
    it("is empty for a period without entries", async () => {
      const res = await inject({ method: "GET", url: "/v1/reports/period?from=2025-01-01&to=2025-03-31", headers: as("viewer") });
      expect(res.json()).toEqual({ from: "2025-01-01T00:00:00.000Z", to: "2025-04-01T00:00:00.000Z", stamped: [], pending: [], failed: [], truncated: false });
    });
  });
});
