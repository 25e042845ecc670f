/**
 * The CLI run in process (`run(argv, io)`), against a node:http server playing the service: parsing,
 * exit codes, output (human and --json), progress bars only on a terminal, and offline verification of
 * receipts built with the real leaf and Merkle modules.
 */
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { toHex } from "../../client-sdk/src/bytes.ts";
import { HELP, run } from "../../client-sdk/src/cli/main.ts";
import type { Entry } from "../../client-sdk/src/client.ts";
import { claimSha256, getLeafHash, type Claim } from "../../client-sdk/src/leaf.ts";
import { MerkleTree } from "../../client-sdk/src/merkle.ts";
import type { EvmAnchor, Hex, Receipt } from "../../client-sdk/src/receipt.ts";
import { anchoredLog, sealBlock } from "../helpers/evm-block.ts";

const dir = mkdtempSync(join(tmpdir(), "pp-cli-unit-"));
const draft = join(dir, "housing-draft.step");
const previous = join(dir, "housing-rev2.step");
const receiptFile = join(dir, "housing-draft.receipt.json");
const sha256Of = (bytes: Uint8Array | string) => `0x${createHash("sha256").update(bytes).digest("hex")}` as Hex;

let server: Server;
let base: string;
let handler: (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;
let receipt: Receipt;

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}
async function bodyOf(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}
function entry(id: string, sha256: string, extra: Partial<Entry> = {}): Entry {
  return {
    id,
    sha256,
    sha3_256: null,
    size: null,
    name: null,
    mediaType: null,
    cid: null,
    cidProfile: null,
    pinStatus: "none",
    claim: null,
    leafHash: `0x${"cd".repeat(32)}`,
    status: "pending",
    receivedAt: "2026-11-25T08:00:00.000Z",
    anchors: [],
    history: [],
    ...extra,
  };
}

/** A valid receipt for `draft`: leaf 1 of a 3-leaf batch anchored on chain 31337. */
function buildReceipt(fileBytes: Buffer, claim: Claim): Receipt {
  const digest = createHash("sha256").update(fileBytes).digest();
  const salts = [1, 2, 3].map((i) => new Uint8Array(16).fill(i));
  const digests = [new Uint8Array(32).fill(9), new Uint8Array(digest), new Uint8Array(32).fill(7)];
  const tree = MerkleTree.fromLeafHashes(digests.map((d, i) => getLeafHash(d, i === 1 ? claim : undefined, salts[i] as Uint8Array)));
  return {
    version: "priorproof-receipt/1",
    id: "e1",
    subject: { sha256: toHex(digest) },
    claim,
    leaf: {
      encoding: "priorproof-leaf/1",
      claimSha256: toHex(claimSha256(claim) as Uint8Array),
      salt: toHex(salts[1] as Uint8Array),
      hash: toHex(getLeafHash(digest, claim, salts[1] as Uint8Array)),
    },
    service: { operator: "test operator", receivedAt: "2026-11-25T08:00:00Z", software: "priorproof-test" },
    anchors: [
      {
        type: "evm",
        chainId: 31337,
        chainName: "anvil",
        development: true,
        contract: `0x${"11".repeat(20)}`,
        txHash: `0x${"22".repeat(32)}`,
        blockNumber: 42,
        blockHash: `0x${"33".repeat(32)}`,
        blockTime: "2026-11-25T08:00:05Z",
        confirmations: 1,
        requiredConfirmations: 2,
        explorerUrl: "https://explorer.example/tx/0x22",
        proof: { root: toHex(tree.root), treeSize: 3, index: 1, path: tree.proof(1n).path.map(toHex) },
      },
    ],
    issuedAt: "2026-11-25T08:00:06Z",
  };
}

beforeAll(async () => {
  writeFileSync(draft, "ISO-10303-21; housing rev 3\n".repeat(2000));
  writeFileSync(previous, "ISO-10303-21; housing rev 2\n".repeat(2000));
  receipt = buildReceipt(readFileSync(draft), { title: "Housing rev. 3", kind: "design" });
  writeFileSync(receiptFile, JSON.stringify(receipt, null, 2));
  server = createServer(
    (req, res) => void Promise.resolve(handler(req, res)).catch((e: unknown) => json(res, 500, { error: { code: "INTERNAL", message: String(e) } })),
  );
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  handler = (_req, res) => json(res, 404, { error: { code: "NOT_FOUND", message: "no route" } });
});

async function cli(argv: string[], options: { tty?: boolean; env?: Record<string, string | undefined> } = {}) {
  let out = "";
  let err = "";
  let progress = "";
  const code = await run(argv, {
    out: (line) => void (out += `${line}\n`),
    err: (line) => void (err += `${line}\n`),
    progress: (text) => void (progress += text),
    isTTY: options.tty ?? false,
    columns: 100,
    env: { PRIORPROOF_URL: base, PRIORPROOF_API_KEY: "pp_test", ...options.env },
  });
  return { code, out, err, progress };
}

describe("priorproof (help and usage)", () => {
  it("documents every command and the exit codes, overall and per command", async () => {
    const r = await cli(["--help"]);
    expect(r.code).toBe(0);
    for (const c of ["stamp", "status", "receipt", "verify", "certificate", "lookup"]) {
      expect(r.out).toContain(`  ${c} `);
      const own = await cli([c, "--help"]);
      expect(own.code).toBe(0);
      expect(own.out).toBe(`${HELP[c]}\n`);
      expect(own.out).toMatch(/exit codes:[\s\S]*\b0\b[\s\S]*\b2\b/);
    }
    expect(r.out).toMatch(/0 {2}done; for verify: verified[\s\S]*1 {2}not verified[\s\S]*2 {2}usage or I\/O error[\s\S]*3 {2}service error/);
    expect((await cli(["help", "verify"])).out).toContain("Exit 0 only when the file matches and an independent witness confirmed the anchor");
  });

  it("exits 2 with the help when there is no command, or an unknown one", async () => {
    expect(await cli([])).toMatchObject({ code: 2, out: "" });
    const r = await cli(["frobnicate"]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/unknown command "frobnicate"/);
  });

  it.each([
    [["status", "e1", "--frob"], /Unknown option '--frob'/],
    [["stamp"], /stamp needs at least one file/],
    [["stamp", "x", "--kind", "painting"], /--kind must be one of design, trademark/],
    [["verify", "only-one"], /verify needs a file and its receipt/],
    [["verify", "a", "b", "--offline", "--rpc", "http://127.0.0.1:8545"], /--offline uses no network at all/],
    [["certificate", "e1"], /certificate needs -o FILE/],
    [["receipt", "e1", "--wait", "--timeout", "soon"], /--timeout must be a number of seconds/],
  ])("exits 2 on a usage error: %j", async (argv, message) => {
    const r = await cli(argv);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.out).toBe("");
  });

  it("exits 2 when no service is configured", async () => {
    const r = await cli(["status", "e1"], { env: { PRIORPROOF_URL: undefined } });
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/no service: give --server URL or set PRIORPROOF_URL/);
  });

  it("exits 2 on files it cannot read", async () => {
    expect(await cli(["stamp", join(dir, "missing.step")])).toMatchObject({
      code: 2,
      err: expect.stringMatching(/FILE_UNREADABLE: cannot read .*missing\.step/),
    });
    expect(await cli(["stamp", dir])).toMatchObject({ code: 2, err: expect.stringMatching(/NOT_A_FILE/) });
    expect(await cli(["verify", draft, join(dir, "missing.json")])).toMatchObject({
      code: 2,
      err: expect.stringMatching(/FILE_UNREADABLE: cannot read the receipt/),
    });
    writeFileSync(join(dir, "not-json.json"), "{receipt");
    expect(await cli(["verify", draft, join(dir, "not-json.json")])).toMatchObject({ code: 2, err: expect.stringMatching(/INVALID_JSON/) });
  });
});

describe("priorproof verify --offline with a block header and receipt proof in the receipt", () => {
  let withProof: string;
  let blockHash: Hex;
  beforeAll(async () => {
    const a = receipt.anchors[0] as EvmAnchor;
    const b = await sealBlock([{ type: 2, status: 1, logs: [anchoredLog(a.contract, a.proof.root, a.proof.treeSize, `0x${"44".repeat(20)}`)] }], 0, {
      contract: a.contract,
      root: a.proof.root,
      treeSize: a.proof.treeSize,
      number: a.blockNumber,
      timestamp: Date.parse(a.blockTime) / 1000,
    });
    blockHash = b.claim.blockHash;
    withProof = join(dir, "with-proof.receipt.json");
    writeFileSync(
      withProof,
      JSON.stringify({ ...receipt, anchors: [{ ...a, blockHash, explorerUrl: "https://explorer.example", inclusion: b.inclusion }] }, null, 2),
    );
  });

  it("checks the proof with no network and names what is left and how to confirm it, never with the receipt's own values (exit 1)", async () => {
    const r = await cli(["verify", draft, withProof, "--offline"], { env: { PRIORPROOF_URL: "http://127.0.0.1:1" } });
    expect(r.code, r.err).toBe(1);
    const lines = r.out.trimEnd().split("\n");
    expect(lines).toContainEqual(
      expect.stringMatching(/^PASS {2}Block header and receipt proof \(offline\): header of block 42 hashes to 0x[0-9a-f]{64} \(prague–osaka, 21 fields\)/),
    );
    expect(lines).toContain(
      `TODO  one fact left: block 42 of chain 31337 (anvil / Hardhat (development chain)) has hash ${blockHash} — read block 42's hash yourself ` +
        `(--rpc URL of chain 31337: eth_getBlockByNumber 0x2a (the verifier's registry lists no explorer for this chain)) and pin what you read: ` +
        `--checkpoint 31337:42:<hash you read>. Never copy the hash from the receipt: whoever wrote the receipt chose it`,
    );
    expect(lines).toContainEqual(
      expect.stringMatching(/^TODO {2}contract identity not checked offline: .* give --rpc URL of chain 31337 \(eth_getCode 0x1{40} 0x2a;/),
    );
    // The receipt's explorer URL and block hash are never offered as something to follow or pin.
    const todo = lines.filter((l) => l.startsWith("TODO")).join("\n");
    expect(todo).not.toContain("explorer.example");
    expect(r.out).not.toContain(`--checkpoint ${blockHash}`);
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^SKIP {2}What the receipt says about .*: not checked — asserted by the receipt, not checked: .*explorerUrl "https:\/\/explorer\.example"/,
      ),
    );
    expect(lines.at(-1)).toMatch(
      new RegExp(
        /^NOT VERIFIED YET: proven offline except — block 42 of chain 31337 .* has hash 0x[0-9a-f]{64}; /.source +
          /the code of 0x1{40} on chain 31337 .* is a released EvidenceAnchor build \(see TODO\)$/.source,
      ),
    );
  });

  it(
    "with a checkpoint of the block's chain, leaves only the contract's code (proof/1 has no account proof), from --checkpoint or a --checkpoints " +
      "file (exit 1)",
    async () => {
      const r = await cli(["verify", draft, withProof, "--offline", "--checkpoint", `31337:42:${blockHash}`, "--json"]);
      expect(r.code, r.out).toBe(1);
      expect(JSON.parse(r.out)).toMatchObject({ verified: false, remaining: [expect.objectContaining({ scope: "contract-code" })], offline: true });
      const file = join(dir, "checkpoints.txt");
      writeFileSync(file, `# block 42 of chain 31337, read from two explorers\n31337:42:${blockHash}\n\n31337:41:0x${"00".repeat(32)}  # another\n`);
      const j = await cli(["verify", draft, withProof, "--offline", "--checkpoints", file, "--json"]);
      expect(j.code).toBe(1);
      expect(JSON.parse(j.out).remaining).toEqual([expect.objectContaining({ scope: "contract-code" })]);
    },
  );

  it("fails a checkpoint that pins the block to another hash (CHECKPOINT_MISMATCH); a bare or malformed checkpoint is a usage error", async () => {
    const other = await cli(["verify", draft, withProof, "--offline", "--checkpoint", `31337:42:0x${"33".repeat(32)}`, "--json"]);
    expect(other.code).toBe(1);
    expect(JSON.parse(other.out).checks).toContainEqual(expect.objectContaining({ id: "anchors[0].chain", status: "failed", code: "CHECKPOINT_MISMATCH" }));
    expect(await cli(["verify", draft, withProof, "--checkpoint", blockHash])).toMatchObject({
      code: 2,
      err: expect.stringMatching(/a checkpoint is CHAINID:NUMBER:BLOCKHASH/),
    });
    expect(await cli(["verify", draft, withProof, "--checkpoint", "31337:42:0x1234"])).toMatchObject({
      code: 2,
      err: expect.stringMatching(/a checkpoint is CHAINID:NUMBER:BLOCKHASH/),
    });
  });
});

describe("priorproof verify (offline, no service)", () => {
  it("runs every offline check, says what could not be checked and how to, and does not call it verified (exit 1)", async () => {
    const r = await cli(["verify", draft, receiptFile, "--offline"], { env: { PRIORPROOF_URL: "http://127.0.0.1:1" } });
    expect(r.code, r.err).toBe(1);
    const lines = r.out.trimEnd().split("\n");
    expect(lines).toEqual([
      "PASS  Receipt follows priorproof-receipt/1: receipt e1",
      `PASS  The file is the one stamped: sha-256 ${receipt.subject.sha256}`,
      expect.stringMatching(/^PASS {2}Digest and claim make the leaf: leaf 0x[0-9a-f]{64} \(priorproof-leaf\/1\)$/),
      expect.stringMatching(/^PASS {2}Leaf is in the batch anchored on anvil \/ Hardhat \(development chain\) \(chain 31337\): index 1 of 3, root 0x/),
      `SKIP  What the receipt says about anvil / Hardhat (development chain) (chain 31337): not checked — asserted by the receipt, not checked: ` +
        `chainName "anvil", development true, confirmations 1, requiredConfirmations 2, explorerUrl "https://explorer.example/tx/0x22"`,
      "SKIP  Root is anchored on anvil / Hardhat (development chain) (chain 31337): not checked — no RPC for chain 31337 and no offline proof: the " +
        "transaction, its block and the contract's code are left to confirm",
      "WARN  DEVELOPMENT_CHAIN: chain 31337 (anvil / Hardhat (development chain)) is a development chain in the verifier's registry: anyone can " +
        "mine any block on it — no evidential value",
      "TODO  chain not checked (--offline): give --rpc URL of chain 31337 (anvil / Hardhat (development chain))",
      "NOT VERIFIED: the checks that ran passed, but no independent witness confirmed the anchor (see TODO)",
    ]);
  });

  it("prints one JSON document with every check and the hints under --json", async () => {
    const r = await cli(["verify", draft, receiptFile, "--json"]);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.out);
    expect(doc).toMatchObject({ file: draft, receiptFile, sha256: receipt.subject.sha256, offline: false, verified: false });
    expect(doc.checks.map((c: { id: string; status: string }) => `${c.id}:${c.status}`)).toEqual([
      "schema:passed",
      "digest:passed",
      "leaf:passed",
      "anchors[0].proof:passed",
      "anchors[0].asserted:not-checked",
      "anchors[0].chain:not-checked",
    ]);
    expect(doc.hints).toEqual([expect.stringMatching(/^chain not checked: give --rpc URL of chain 31337/)]);
    expect(doc.receipt).toBeUndefined();
  });

  it("fails a modified file with exit 1 and the reason", async () => {
    const changed = join(dir, "changed.step");
    writeFileSync(changed, "ISO-10303-21; housing rev 4\n".repeat(2000));
    const r = await cli(["verify", changed, receiptFile]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^FAIL {2}The file is the one stamped: DIGEST_MISMATCH: file sha-256 is 0x[0-9a-f]{64}, the receipt's is 0x/m);
    expect(r.out.trimEnd().split("\n").at(-1)).toBe("NOT VERIFIED: The file is the one stamped: DIGEST_MISMATCH");
  });

  it("fails a receipt that does not follow the schema with exit 1, naming the bad fields", async () => {
    const broken = join(dir, "broken.json");
    writeFileSync(broken, JSON.stringify({ ...receipt, issuedAt: "yesterday", leaf: { ...receipt.leaf, salt: "0x00" } }));
    const r = await cli(["verify", draft, broken]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/FAIL {2}Receipt follows priorproof-receipt\/1: INVALID_RECEIPT: .*leaf\.salt.*receipt\.issuedAt/);
  });

  it("exits 2 when an --rpc cannot be reached", async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const r = await cli(["verify", draft, receiptFile, "--rpc", `http://127.0.0.1:${port}`]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/CHAIN_UNREACHABLE: --rpc #1: chain lookup failed \(eth_chainId\): ECONNREFUSED/);
    // The URL may carry an API key: it is never echoed.
    expect(r.err).not.toContain(`127.0.0.1:${port}`);
  });
});

describe("priorproof stamp", () => {
  it("hashes here and stamps only the digest, with the claim (previous given as a file)", async () => {
    let body: { items: { sha256: string; claim?: Claim }[] } | undefined;
    handler = async (req, res) => {
      expect([req.method, req.url, req.headers.authorization]).toEqual(["POST", "/v1/stamps", "Bearer pp_test"]);
      body = JSON.parse((await bodyOf(req)).toString());
      json(res, 202, { entries: body?.items.map((it, i) => entry(`e${i}`, it.sha256, { claim: it.claim ?? null })) });
    };
    const r = await cli(["stamp", draft, "--title", "Housing rev. 3", "--kind", "design", "--previous", previous]);
    expect(r.code, r.err).toBe(0);
    expect(body).toEqual({
      items: [{ sha256: sha256Of(readFileSync(draft)), claim: { title: "Housing rev. 3", kind: "design", previous: sha256Of(readFileSync(previous)) } }],
    });
    expect(r.out).toBe(`${draft}: e0  pending  sha256 ${sha256Of(readFileSync(draft))}\n`);
    expect(r.progress).toBe("");
  });

  it("draws progress bars on a terminal only", async () => {
    handler = async (req, res) => {
      const b = JSON.parse((await bodyOf(req)).toString()) as { items: { sha256: string }[] };
      json(res, 202, { entries: b.items.map((it, i) => entry(`e${i}`, it.sha256)) });
    };
    const r = await cli(["stamp", draft], { tty: true });
    expect(r.code).toBe(0);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the progress line starts with the terminal's erase-line sequence.
    expect(r.progress).toMatch(/\r\x1b\[2Khashing housing-draft\.step \[#+\] 100% 0\.1 MB \/ 0\.1 MB/);
    expect(r.progress.endsWith("\r\x1b[2K")).toBe(true);
  });

  it("uploads with --upload and checks the digest the service recorded against the bytes sent", async () => {
    let honest = true;
    handler = async (req, res) => {
      const form = await new Response(new Uint8Array(await bodyOf(req)), { headers: { "content-type": req.headers["content-type"] ?? "" } }).formData();
      const files = form.getAll("file") as File[];
      const entries = await Promise.all(
        files.map(async (f, i) =>
          entry(`u${i}`, honest ? sha256Of(new Uint8Array(await f.arrayBuffer())) : `0x${"00".repeat(32)}`, { name: f.name, cid: "bafkreitest" }),
        ),
      );
      json(res, 202, { entries });
    };
    const ok = await cli(["stamp", draft, previous, "--upload", "--json"], { tty: true });
    expect(ok.code, ok.err).toBe(0);
    expect(JSON.parse(ok.out).entries.map((e: Entry) => [e.name, e.sha256])).toEqual([
      ["housing-draft.step", sha256Of(readFileSync(draft))],
      ["housing-rev2.step", sha256Of(readFileSync(previous))],
    ]);
    expect(ok.progress).toMatch(/uploading 2 files \[#+\] 100%/);
    honest = false;
    const lied = await cli(["stamp", draft, "--upload"]);
    expect(lied.code).toBe(3);
    expect(lied.err).toMatch(
      /service error SERVICE_DIGEST_MISMATCH: the service recorded sha-256 0x0{64} for .*housing-draft\.step, but the bytes sent hash to 0x/,
    );
  });

  it("sends each upload's real media type (leading bytes first, then the extension)", async () => {
    const png = join(dir, "logo.bin");
    writeFileSync(png, Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64, 7)]));
    const dxf = join(dir, "hinge.dxf");
    writeFileSync(dxf, "0\nSECTION\n");
    let types: string[] = [];
    handler = async (req, res) => {
      const form = await new Response(new Uint8Array(await bodyOf(req)), { headers: { "content-type": req.headers["content-type"] ?? "" } }).formData();
      const files = form.getAll("file") as File[];
      types = files.map((f) => f.type);
      json(res, 202, {
        entries: await Promise.all(files.map(async (f, i) => entry(`m${i}`, sha256Of(new Uint8Array(await f.arrayBuffer())), { name: f.name }))),
      });
    };
    const r = await cli(["stamp", png, dxf, draft, "--upload"]);
    expect(r.code, r.err).toBe(0);
    expect(types).toEqual(["image/png", "image/vnd.dxf", "model/step"]);
  });

  it("commits an AI process record read with --ai-process FILE.json, and refuses one that is not a JSON object", async () => {
    const ai = join(dir, "ai.json");
    writeFileSync(ai, JSON.stringify({ tool: "ImageStudio 5", model: "diffusion-xl-2", prompt: "a brass lamp", seed: 42, licence: "commercial" }));
    let body: { items: { claim?: unknown }[] } | undefined;
    handler = async (req, res) => {
      body = JSON.parse((await bodyOf(req)).toString());
      json(res, 202, { entries: body!.items.map((_, i) => entry(`a${i}`, sha256Of(readFileSync(draft)))) });
    };
    const r = await cli(["stamp", draft, "--kind", "ai-image", "--ai-process", ai]);
    expect(r.code, r.err).toBe(0);
    expect(body?.items[0]?.claim).toEqual({
      kind: "ai-image",
      aiProcess: { tool: "ImageStudio 5", model: "diffusion-xl-2", prompt: "a brass lamp", seed: 42, licence: "commercial" },
    });
    writeFileSync(ai, "[1, 2]");
    const bad = await cli(["stamp", draft, "--ai-process", ai]);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--ai-process .*expected a JSON object/);
  });

  it("waits with --wait until the entry is anchored", async () => {
    const D = sha256Of(readFileSync(draft));
    let gets = 0;
    handler = async (req, res) => {
      if (req.url === "/v1/stamps") return json(res, 202, { entries: [entry("w1", D)] });
      if (req.url?.startsWith("/v1/events")) return json(res, 404, { error: { code: "NOT_FOUND", message: "no events here" } });
      gets++;
      json(
        res,
        200,
        entry(
          "w1",
          D,
          gets < 2
            ? {}
            : {
                status: "anchored",
                anchors: [{ chainId: 31337, batchId: 1, status: "anchored", root: D, txHash: D, blockNumber: 9, blockTime: "2026-11-25T08:00:09Z" }],
              },
        ),
      );
    };
    const r = await cli(["stamp", draft, "--wait"]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/w1 {2}anchored {2}sha256 0x[0-9a-f]{64} {2}chain 31337 block 9 \(2026-11-25T08:00:09Z\)/);
  });
});

describe("priorproof status, receipt, certificate, lookup", () => {
  it("exits 3 on a service error, with its code on stderr and, under --json, one JSON document on stdout", async () => {
    handler = (_req, res) => json(res, 401, { error: { code: "UNAUTHORIZED", message: "invalid API key" } });
    const r = await cli(["status", "e1", "--json"]);
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/service error UNAUTHORIZED \(HTTP 401\): invalid API key — check --key or PRIORPROOF_API_KEY/);
    expect(JSON.parse(r.out)).toEqual({ error: { code: "UNAUTHORIZED", message: "invalid API key", status: 401 } });
  });

  it("exits 3 with NETWORK_ERROR when the service is down", async () => {
    const r = await cli(["status", "e1"], { env: { PRIORPROOF_URL: "http://127.0.0.1:9" } });
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/NETWORK_ERROR/);
  });

  it("tells to wait when the receipt is pending, and writes it with -o once it is there", async () => {
    handler = (_req, res) => json(res, 409, { error: { code: "RECEIPT_PENDING", message: "entry e1 is batched: no anchor yet" } });
    const pending = await cli(["receipt", "e1"]);
    expect(pending.code).toBe(3);
    expect(pending.err).toMatch(/RECEIPT_PENDING \(HTTP 409\).*retry later, or add --wait/);
    handler = (_req, res) => json(res, 200, receipt);
    const out = join(dir, "fetched.json");
    const r = await cli(["receipt", "e1", "-o", out]);
    expect(r.code).toBe(0);
    expect(JSON.parse(readFileSync(out, "utf8"))).toEqual(receipt);
    expect(r.out).toBe(`receipt of e1 written to ${out} (anchored on anvil, chain 31337, block 42 at 2026-11-25T08:00:05Z)\n`);
    const printed = await cli(["receipt", "e1"]);
    expect(JSON.parse(printed.out)).toEqual(receipt);
  });

  it("writes the certificate PDF", async () => {
    handler = (req, res) => {
      expect(req.url).toBe("/v1/entries/e1/certificate.pdf?lang=zh-CN");
      res.writeHead(200, { "content-type": "application/pdf" });
      res.end("%PDF-1.7\n%test\n");
    };
    const out = join(dir, "cert.pdf");
    const r = await cli(["certificate", "e1", "-o", out, "--lang", "zh-CN"]);
    expect(r.code, r.err).toBe(0);
    expect(readFileSync(out, "utf8")).toBe("%PDF-1.7\n%test\n");
  });

  it("looks a file or a digest up: exit 0 when anchored, 1 when not", async () => {
    const digest = sha256Of(readFileSync(draft));
    handler = (req, res) => {
      const asked = new URL(req.url ?? "/", base).searchParams.get("sha256");
      json(
        res,
        200,
        asked === digest
          ? {
              sha256: digest,
              anchored: true,
              anchors: [
                { chainId: 31337, chainName: "anvil", development: true, txHash: `0x${"22".repeat(32)}`, blockNumber: 42, blockTime: "2026-11-25T08:00:05Z" },
              ],
            }
          : { sha256: asked, anchored: false, anchors: [] },
      );
    };
    const byFile = await cli(["lookup", draft], { env: { PRIORPROOF_API_KEY: undefined } });
    expect(byFile.code).toBe(0);
    expect(byFile.out).toBe(
      `${digest}: anchored on anvil (chain 31337) in block 42 at 2026-11-25T08:00:05Z, tx 0x${"22".repeat(32)} — development chain, no evidential value\n`,
    );
    const other = `${"AB".repeat(32)}`;
    const byDigest = await cli(["lookup", other]);
    expect(byDigest.code).toBe(1);
    expect(byDigest.out).toBe(`0x${"ab".repeat(32)}: not anchored at this service\n`);
    expect((await cli(["lookup", "neither-file-nor-digest"])).code).toBe(2);
  });
});
