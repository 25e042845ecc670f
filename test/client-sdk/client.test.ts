/**
 * The REST client against a real HTTP server (node:http) that plays the service's part per test:
 * request shapes, the streamed multipart upload, error mapping, and waiting through Server-Sent Events
 * with polling as fallback.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createClient, type Entry, type EntryStatus } from "../../client-sdk/src/client.ts";
import { InputError, ServiceError } from "../../client-sdk/src/errors.ts";

type Handler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;
let server: Server;
let base: string;
let handler: Handler;
const open = new Set<ServerResponse>();

beforeAll(async () => {
  server = createServer((req, res) => {
    open.add(res);
    res.on("close", () => open.delete(res));
    Promise.resolve(handler(req, res)).catch((e: unknown) => {
      if (!res.headersSent) res.writeHead(500);
      res.end(String(e));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const res of open) res.destroy();
  await new Promise((r) => server.close(r));
});
beforeEach(() => {
  handler = (_req, res) => json(res, 404, { error: { code: "NOT_FOUND", message: "no route" } });
});

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

async function bodyOf(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

const D1 = `0x${"ab".repeat(32)}`;
function entry(id: string, status: EntryStatus = "pending", extra: Partial<Entry> = {}): Entry {
  return {
    id,
    sha256: D1,
    sha3_256: null,
    size: null,
    name: null,
    mediaType: null,
    cid: null,
    cidProfile: null,
    pinStatus: "none",
    claim: null,
    leafHash: `0x${"cd".repeat(32)}`,
    status,
    receivedAt: "2026-11-25T08:00:00.000Z",
    anchors: [],
    history: [{ status: "pending", at: "2026-11-25T08:00:00.000Z" }],
    ...extra,
  };
}

async function rejection(p: Promise<unknown>): Promise<ServiceError & InputError> {
  try {
    await p;
  } catch (e) {
    return e as ServiceError & InputError;
  }
  throw new Error("expected a rejection");
}

describe("createClient", () => {
  it("rejects a base URL that is not http(s)", () => {
    for (const baseUrl of ["ftp://example.com", "not a url"]) {
      expect(() => createClient({ baseUrl })).toThrow(InputError);
    }
  });
});

describe("submitStamps", () => {
  it("posts the digests (bytes as lower-case hex) and claims with the key, and returns the entries", async () => {
    let seen: { auth?: string; body?: unknown } = {};
    handler = async (req, res) => {
      seen = { auth: req.headers.authorization, body: JSON.parse((await bodyOf(req)).toString()) };
      json(res, 202, { entries: [entry("e1"), entry("e2")] });
    };
    const pp = createClient({ baseUrl: `${base}/`, apiKey: "pp_test" });
    const entries = await pp.submitStamps([{ sha256: new Uint8Array(32).fill(0xab), claim: { title: "Logo v2", kind: "trademark" } }, { sha256: D1 }]);
    expect(entries.map((e) => e.id)).toEqual(["e1", "e2"]);
    expect(seen).toEqual({ auth: "Bearer pp_test", body: { items: [{ sha256: D1, claim: { title: "Logo v2", kind: "trademark" } }, { sha256: D1 }] } });
  });

  it("rejects an answer with fewer entries than items as INVALID_RESPONSE", async () => {
    handler = (_req, res) => json(res, 202, { entries: [entry("e1")] });
    const e = await rejection(createClient({ baseUrl: base }).submitStamps([{ sha256: D1 }, { sha256: D1 }]));
    expect(e).toBeInstanceOf(ServiceError);
    expect(e.code).toBe("INVALID_RESPONSE");
  });
});

describe("submitFiles", () => {
  interface Received {
    headers: IncomingMessage["headers"];
    form: FormData;
  }
  /** Answers like POST /v1/evidence, keeping what arrived (parsed by the Fetch standard's multipart parser). */
  function evidenceServer(received: Received[]): Handler {
    return async (req, res) => {
      const raw = await bodyOf(req);
      const form = await new Response(new Uint8Array(raw), { headers: { "content-type": req.headers["content-type"] ?? "" } }).formData();
      received.push({ headers: req.headers, form });
      json(res, 202, { entries: form.getAll("file").map((_, i) => entry(`up${i}`)) });
    };
  }

  it("streams a multipart body (chunked, no length) with the claim, names, media types and bytes", async () => {
    const received: Received[] = [];
    handler = evidenceServer(received);
    const png = new Uint8Array(300_000).map((_, i) => i % 251);
    async function* step() {
      yield new TextEncoder().encode("ISO-10303-21;\n");
      yield new TextEncoder().encode("END-ISO-10303-21;\n");
    }
    const entries = await createClient({ baseUrl: base }).submitFiles(
      [
        { name: "render.png", data: new Blob([png]), mediaType: "image/png" },
        { name: '外观设计 "v3".step', data: step() },
      ],
      { claim: { title: "Housing", kind: "design" } },
    );
    expect(entries).toHaveLength(2);
    const [r] = received as [Received];
    expect(r.headers["transfer-encoding"]).toBe("chunked");
    expect(r.headers["content-length"]).toBeUndefined();
    expect(JSON.parse(r.form.get("claim") as string)).toEqual({ title: "Housing", kind: "design" });
    const [a, b] = r.form.getAll("file") as [File, File];
    expect([a.name, a.type, a.size]).toEqual(["render.png", "image/png", png.length]);
    expect(new Uint8Array(await a.arrayBuffer())).toEqual(png);
    expect([b.name, b.type]).toEqual(["外观设计 _v3_.step", "application/octet-stream"]);
    expect(await b.text()).toBe("ISO-10303-21;\nEND-ISO-10303-21;\n");
  });

  it("reports progress from 0 to the total, never decreasing", async () => {
    handler = evidenceServer([]);
    const calls: [number, number | undefined][] = [];
    const data = new Blob([new Uint8Array(1_000_000), new Uint8Array(234_567)]);
    await createClient({ baseUrl: base }).submitFiles(
      [
        { name: "a.bin", data },
        { name: "b.bin", data: new Blob(["xyz"]) },
      ],
      { onProgress: (sent, total) => calls.push([sent, total]) },
    );
    const total = 1_234_567 + 3;
    expect(calls[0]).toEqual([0, total]);
    expect(calls.at(-1)).toEqual([total, total]);
    expect(calls.every(([sent], i) => i === 0 || sent >= (calls[i - 1]?.[0] ?? Infinity))).toBe(true);
    expect(calls.length).toBeGreaterThan(2);
  });

  it("sends the first bytes before the source has produced the last (never holds the body whole)", async () => {
    let arrived!: () => void;
    const firstBytes = new Promise<void>((r) => (arrived = r));
    handler = async (req, res) => {
      let n = 0;
      for await (const c of req) {
        n += (c as Buffer).length;
        arrived();
      }
      json(res, 202, { entries: [entry("big", "pending", { size: n })] });
    };
    async function* slowSource() {
      yield new Uint8Array(64 * 1024).fill(1);
      // Produced only once the server has bytes: a client that buffered the body would wait forever.
      await firstBytes;
      yield new Uint8Array(10).fill(2);
    }
    const [e] = await createClient({ baseUrl: base }).submitFiles([{ name: "big.bin", data: slowSource() }]);
    expect(e?.size).toBeGreaterThan(64 * 1024);
  }, 10_000);

  it("sends a Blob body with a length when streaming is turned off", async () => {
    const received: Received[] = [];
    handler = evidenceServer(received);
    const calls: number[] = [];
    await createClient({ baseUrl: base }).submitFiles([{ name: "a.txt", data: new Blob(["hello"]), mediaType: "text/plain" }], {
      stream: false,
      onProgress: (s) => calls.push(s),
    });
    expect(received[0]?.headers["content-length"]).toBeDefined();
    expect(await (received[0]!.form.get("file") as File).text()).toBe("hello");
    expect(calls).toEqual([0, 5]);
  });

  it("fails with the source's error when a file cannot be read, not with a network error", async () => {
    handler = async (req, res) => {
      await bodyOf(req).catch(() => undefined);
      json(res, 400, { error: { code: "INVALID_MULTIPART", message: "truncated" } });
    };
    async function* broken() {
      yield new Uint8Array(1000);
      throw new InputError("FILE_UNREADABLE", "cannot read draft.psd: EIO");
    }
    const e = await rejection(createClient({ baseUrl: base }).submitFiles([{ name: "draft.psd", data: broken() }]));
    expect(e).toBeInstanceOf(InputError);
    expect(e.code).toBe("FILE_UNREADABLE");
  });

  it("rejects no files and a media type that would break the part header", async () => {
    const pp = createClient({ baseUrl: base });
    expect((await rejection(pp.submitFiles([]))).code).toBe("NO_FILES");
    expect((await rejection(pp.submitFiles([{ name: "a", data: new Blob(["x"]), mediaType: "text/plain\r\nX-Evil: 1" }]))).code).toBe("INVALID_MEDIA_TYPE");
  });
});

describe("errors", () => {
  it("carries the service's error code, status and details", async () => {
    handler = (_req, res) => json(res, 404, { error: { code: "ENTRY_NOT_FOUND", message: "no entry nope", details: { id: "nope" } } });
    const e = await rejection(createClient({ baseUrl: base }).getEntry("nope"));
    expect(e).toBeInstanceOf(ServiceError);
    expect([e.code, e.status, e.message, e.details]).toEqual(["ENTRY_NOT_FOUND", 404, "no entry nope", { id: "nope" }]);
  });

  it("reports RECEIPT_PENDING (409) before anchoring, with the entry's status", async () => {
    handler = (_req, res) =>
      json(res, 409, { error: { code: "RECEIPT_PENDING", message: "entry e1 is batched: no anchor yet", details: { status: "batched" } } });
    const e = await rejection(createClient({ baseUrl: base }).getReceipt("e1"));
    expect([e.code, e.status, e.details]).toEqual(["RECEIPT_PENDING", 409, { status: "batched" }]);
  });

  it("reports HTTP_<status> for an error page that is not the service's", async () => {
    handler = (_req, res) => {
      res.writeHead(502, { "content-type": "text/html" });
      res.end("<h1>Bad Gateway</h1>");
    };
    const e = await rejection(createClient({ baseUrl: base }).getEntry("e1"));
    expect([e.code, e.status]).toEqual(["HTTP_502", 502]);
  });

  it("reports NETWORK_ERROR when the service cannot be reached", async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const e = await rejection(createClient({ baseUrl: `http://127.0.0.1:${port}` }).getEntry("e1"));
    expect(e).toBeInstanceOf(ServiceError);
    expect(e.code).toBe("NETWORK_ERROR");
    expect(e.status).toBeUndefined();
  });

  it("reports INVALID_RESPONSE for a success that is not what the API promises", async () => {
    const pp = createClient({ baseUrl: base });
    handler = (_req, res) => json(res, 200, { id: "e1", status: "lost" });
    expect((await rejection(pp.getEntry("e1"))).code).toBe("INVALID_RESPONSE");
    handler = (_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end("{not json");
    };
    expect((await rejection(pp.getEntry("e1"))).code).toBe("INVALID_RESPONSE");
    handler = (_req, res) => json(res, 200, { version: "priorproof-receipt/1", id: "e1" });
    const bad = await rejection(pp.getReceipt("e1"));
    expect(bad.code).toBe("INVALID_RESPONSE");
    expect(bad.details).toEqual(expect.arrayContaining(["subject: expected an object"]));
  });

  it("reports ABORTED when the caller's signal fires", async () => {
    handler = () => undefined; // never answers
    const e = await rejection(createClient({ baseUrl: base }).getEntry("e1", { signal: AbortSignal.timeout(50) }));
    expect(e.code).toBe("ABORTED");
  });
});

describe("findEntries", () => {
  it("asks by digest or by previous version, with the page cursor", async () => {
    let url = "";
    handler = (req, res) => {
      url = req.url ?? "";
      json(res, 200, { entries: [entry("v2")], next: 17 });
    };
    const page = await createClient({ baseUrl: base }).findEntries({ previous: new Uint8Array(32).fill(0xab), limit: 1, after: 3 });
    expect(url).toBe(`/v1/entries?previous=${D1}&limit=1&after=3`);
    expect(page.next).toBe(17);
    expect(page.entries.map((e) => e.id)).toEqual(["v2"]);
  });
});

describe("waitForAnchor", () => {
  /** A service whose entry `e1` changes status when the test says, pushing events to subscribers. */
  function statusService(options: { events: "stream" | "none" | "close" } = { events: "stream" }) {
    const state = { status: "pending" as EntryStatus, gets: 0, subscribers: [] as ServerResponse[], subscribed: 0 };
    handler = (req, res) => {
      const url = new URL(req.url ?? "/", base);
      if (url.pathname === "/v1/events") {
        if (options.events === "none") return json(res, 404, { error: { code: "NOT_FOUND", message: "no route" } });
        expect(url.searchParams.get("entry")).toBe("e1");
        res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8" });
        res.write(": priorproof events\n\n");
        state.subscribed++;
        if (options.events === "close") return void res.end();
        state.subscribers.push(res);
        res.on("close", () => state.subscribers.splice(state.subscribers.indexOf(res), 1));
        return;
      }
      if (url.pathname === "/v1/entries/e1") {
        state.gets++;
        return json(res, 200, entry("e1", state.status));
      }
      json(res, 404, { error: { code: "ENTRY_NOT_FOUND", message: "no entry" } });
    };
    return {
      state,
      /** Changes the status; with `push`, tells subscribers (split across writes, CRLF line ends). */
      set(status: EntryStatus, push = true) {
        state.status = status;
        if (!push) return;
        const data = JSON.stringify({ type: "entry.status", entryId: "e1", status, at: new Date().toISOString() });
        for (const s of state.subscribers) {
          s.write("event: entry.sta");
          s.write(`tus\r\ndata: ${data}\r\n\r\n`);
        }
      },
    };
  }
  const until = async (f: () => boolean) => {
    while (!f()) await new Promise((r) => setTimeout(r, 5));
  };

  it("resolves on the pushed event, long before the next poll", async () => {
    const svc = statusService();
    const seen: EntryStatus[] = [];
    const started = Date.now();
    const waiting = createClient({ baseUrl: base }).waitForAnchor("e1", { pollIntervalMs: 60_000, onStatus: (s) => seen.push(s) });
    await until(() => svc.state.subscribed === 1 && svc.state.gets === 1);
    svc.set("batched");
    await until(() => svc.state.gets === 2);
    svc.set("anchored");
    expect((await waiting).status).toBe("anchored");
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(seen).toEqual(["pending", "batched", "anchored"]);
    await until(() => svc.state.subscribers.length === 0); // the event stream is closed after the wait
  });

  it("waits past anchored when asked for confirmed", async () => {
    const svc = statusService();
    const waiting = createClient({ baseUrl: base }).waitForAnchor("e1", { status: "confirmed", pollIntervalMs: 60_000 });
    await until(() => svc.state.gets === 1);
    svc.set("anchored");
    await until(() => svc.state.gets === 2);
    svc.set("confirmed");
    expect((await waiting).status).toBe("confirmed");
  });

  it("returns at once when the entry is already there", async () => {
    const svc = statusService();
    svc.set("confirmed", false);
    expect((await createClient({ baseUrl: base }).waitForAnchor("e1")).status).toBe("confirmed");
    expect(svc.state.gets).toBe(1);
  });

  it("polls when the service has no event stream", async () => {
    const svc = statusService({ events: "none" });
    const waiting = createClient({ baseUrl: base }).waitForAnchor("e1", { pollIntervalMs: 10 });
    await until(() => svc.state.gets >= 3);
    svc.set("anchored", false);
    expect((await waiting).status).toBe("anchored");
  });

  it("falls back to polling when the event stream closes", async () => {
    const svc = statusService({ events: "close" });
    const waiting = createClient({ baseUrl: base }).waitForAnchor("e1", { pollIntervalMs: 10 });
    await until(() => svc.state.gets >= 2);
    svc.set("anchored", false);
    expect((await waiting).status).toBe("anchored");
    expect(svc.state.subscribed).toBe(1);
  });

  it("throws WAIT_TIMEOUT after timeoutMs, and closes the event stream", async () => {
    const svc = statusService();
    const e = await rejection(createClient({ baseUrl: base }).waitForAnchor("e1", { timeoutMs: 200 }));
    expect(e).toBeInstanceOf(ServiceError);
    expect(e.code).toBe("WAIT_TIMEOUT");
    expect(e.message).toMatch(/still pending after 200 ms/);
    await until(() => svc.state.subscribers.length === 0);
  });

  it("throws ABORTED when the caller's signal fires", async () => {
    statusService();
    const e = await rejection(createClient({ baseUrl: base }).waitForAnchor("e1", { signal: AbortSignal.timeout(100) }));
    expect(e.code).toBe("ABORTED");
  });

  it("passes the service's errors through (an unknown entry is not a timeout)", async () => {
    statusService();
    const e = await rejection(createClient({ baseUrl: base }).waitForAnchor("nope", { events: false }));
    expect([e.code, e.status]).toEqual(["ENTRY_NOT_FOUND", 404]);
  });
});

describe("getEventStream", () => {
  it("yields the typed status events, skipping comments, other events and malformed data", async () => {
    handler = (_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write(": hello\n\nevent: other\ndata: {}\n\nevent: entry.status\ndata: {not json\n\n");
      res.write(
        `event: ` +
          `entry.status\ndata: ${JSON.stringify({ type: "entry.status", entryId: "e9", status: "anchored", chainId: 31337, at: "2026-11-25T08:00:00Z" })}\n\n`,
      );
      res.end();
    };
    const events = [];
    for await (const e of await createClient({ baseUrl: base }).getEventStream()) events.push(e);
    expect(events).toEqual([{ type: "entry.status", entryId: "e9", status: "anchored", chainId: 31337, at: "2026-11-25T08:00:00Z" }]);
  });
});

describe("verifyOnServer, lookupDigest, getCertificate, getContent", () => {
  it("posts the receipt and digest for the service's verdict", async () => {
    let body: unknown;
    handler = async (req, res) => {
      body = JSON.parse((await bodyOf(req)).toString());
      json(res, 200, {
        verified: false,
        checks: [{ id: "schema", title: "t", status: "failed", code: "INVALID_RECEIPT", detail: "d" }],
        witnesses: [],
        warnings: [],
        remaining: [],
      });
    };
    const v = await createClient({ baseUrl: base }).verifyOnServer({ version: "x" }, new Uint8Array(32).fill(0xab));
    expect(body).toEqual({ receipt: { version: "x" }, sha256: D1 });
    expect(v.checks[0]?.code).toBe("INVALID_RECEIPT");
  });

  it("looks a digest up publicly", async () => {
    let url = "";
    handler = (req, res) => {
      url = req.url ?? "";
      json(res, 200, {
        sha256: D1,
        anchored: true,
        anchors: [{ chainId: 31337, chainName: "anvil", development: true, txHash: D1, blockNumber: 7, blockTime: "2026-11-25T08:00:00Z" }],
      });
    };
    const r = await createClient({ baseUrl: base }).lookupDigest(D1);
    expect(url).toBe(`/v1/verify?sha256=${encodeURIComponent(D1)}`);
    expect(r.anchors[0]?.blockNumber).toBe(7);
  });

  it("downloads the certificate in the asked language, and rejects what is not a PDF", async () => {
    let url = "";
    let pdf = true;
    handler = (req, res) => {
      url = req.url ?? "";
      res.writeHead(200, { "content-type": pdf ? "application/pdf" : "text/html" });
      res.end(pdf ? "%PDF-1.7\n…" : "<html>");
    };
    const pp = createClient({ baseUrl: base });
    const bytes = await pp.getCertificate("e1", { lang: "zh-CN" });
    expect(url).toBe("/v1/entries/e1/certificate.pdf?lang=zh-CN");
    expect(new TextDecoder().decode(bytes.subarray(0, 5))).toBe("%PDF-");
    pdf = false;
    expect((await rejection(pp.getCertificate("e1"))).code).toBe("INVALID_RESPONSE");
  });

  it("streams stored content by CID", async () => {
    handler = (req, res) => {
      expect(req.url).toBe("/ipfs/bafkreitest");
      res.writeHead(200, { "content-type": "application/octet-stream" });
      res.end(Buffer.from("stored bytes"));
    };
    const stream = await createClient({ baseUrl: base, apiKey: "k" }).getContent("bafkreitest");
    expect(await new Response(stream).text()).toBe("stored bytes");
  });
});

describe("strict answers", () => {
  it("refuses a service answer with a member name twice (a receipt whose reader and verifier would see two ids)", async () => {
    handler = async (_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end('{"version":"priorproof-receipt/1","id":"01SHOWN","id":"01VERIFIED"}');
    };
    await expect(createClient({ baseUrl: base }).getReceipt("01SHOWN")).rejects.toMatchObject({
      code: "INVALID_RESPONSE",
      message: expect.stringMatching(/a member name twice/),
    });
  });
});
