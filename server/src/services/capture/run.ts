/**
 * Running one claimed capture: capture the page (browser.ts), store the parts in IPFS, stamp the
 * manifest through ingest with the lineage claim, record the outcome and append its events to the
 * tenant's outbox. The queue and the schedules around it are service.ts.
 */
import type { Claim } from "@priorproof/client-sdk";
import type { CaptureRecord, StoredPart } from "../../store/captures.ts";
import type { CaptureEvent } from "../events.ts";
import type { CaptureResult } from "./engine-types.ts";
import type { Resolver } from "./net-guard.ts";
import type { CaptureServiceDeps } from "./service-types.ts";

/** Bytes as the stream the IPFS importer and ingest read (1 MiB chunks). */
async function* chunksOf(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += 1 << 20) yield bytes.subarray(i, i + (1 << 20));
}

/** The claim of a capture's manifest entry: "web capture of URL", kind other, the lineage. */
export function captureClaim(url: string, previous: string | null): Claim {
  const title = `web capture of ${url}`;
  return { title: title.length > 2_000 ? `${title.slice(0, 1_999)}…` : title, kind: "other", ...(previous ? { previous } : {}) };
}

/** The steps of running one capture, over the service's dependencies. */
export function createCaptureRunner(deps: CaptureServiceDeps, resolve: Resolver) {
  const store = deps.store.captures;

  /** Appends the capture's outcome to the tenant's outbox (GET /v1/events, webhooks); durable when it resolves. */
  const event = async (c: CaptureRecord, type: CaptureEvent["type"]) => {
    const data: CaptureEvent = {
      type,
      captureId: c.id,
      url: c.url,
      entryId: c.entryId,
      scheduleId: c.scheduleId,
      status: c.status,
      manifestSha256: c.manifestSha256,
      previousSha256: c.previousSha256,
      ...(type === "capture.changed" ? { changed: c.changed } : {}),
      ...(c.errorCode ? { errorCode: c.errorCode } : {}),
      at: c.finishedAt ?? new Date().toISOString(),
    };
    await deps.store.appendEvent({ tenantId: c.tenantId, type, entryId: c.entryId, data: { ...data } });
  };

  const storeParts = async (result: CaptureResult): Promise<StoredPart[]> => {
    const stored: StoredPart[] = [];
    for (const p of result.parts) {
      let cid: string | null = null;
      if (deps.importFile) {
        try {
          const imported = await deps.importFile(chunksOf(p.bytes), { maxBytes: p.bytes.length + 1 });
          cid = imported.cid;
        } catch (error) {
          deps.log?.warn({ err: error, part: p.name }, "storing a capture part in IPFS failed; its digest is still in the stamped manifest");
        }
      }
      stored.push({ name: p.name, mediaType: p.mediaType, size: p.size, sha256: p.sha256, cid });
    }
    return stored;
  };

  const run = async (c: CaptureRecord): Promise<CaptureRecord> => {
    const previous = await store.latestStamped(c.tenantId, c.url, c.id);
    const previousSha256 = previous?.manifestSha256 ?? null;
    const base = {
      change: null,
      changed: [],
      manifest: null,
      manifestSha256: null,
      manifestCid: null,
      entryId: null,
      previousId: previous?.id ?? null,
      previousSha256,
      parts: [],
      domSha256: null,
      screenshotSha256: null,
      finalUrl: null,
    } as const;
    let result: CaptureResult;
    // The engine (playwright-core, ~80 MB once loaded) and the facts' PNG code load at the first capture,
    // not on every API node at start.
    const { captureWebPage, CaptureFailedError } = await import("./browser.ts");
    try {
      result = await captureWebPage({ id: c.id, url: c.url, ...c.options, previous: previousSha256 as `0x${string}` | null }, { ...deps.engine, resolve });
    } catch (e) {
      const code = e instanceof CaptureFailedError ? e.code : "CAPTURE_BROWSER_FAILED";
      const message = e instanceof Error ? e.message : String(e);
      deps.log?.warn({ capture: c.id, url: c.url, code, err: e }, "capture failed");
      const held = await store.finish(c.id, deps.nodeId, {
        ...base,
        status: "failed",
        errorCode: code,
        errorMessage: message.slice(0, 2_000),
        finishedAt: new Date().toISOString(),
      });
      const failed = (await store.get(c.id))!;
      // A worker that lost its claim records nothing: the capture's outcome (and event) is the new holder's.
      if (held) await event(failed, "capture.failed");
      return failed;
    }
    const parts = await storeParts(result);
    // The manifest is stamped like an upload: hashed, imported into IPFS, recorded as one entry.
    const manifestName = `capture-${c.id}.manifest.json`;
    const upload = await deps.ingest.importUpload(chunksOf(result.manifestBytes), { name: manifestName, mediaType: "application/json" });
    let entryId: string;
    try {
      const [entry] = await deps.ingest.recordUploads(c.tenantId, [upload], captureClaim(c.url, previousSha256), `capture:${c.id}`);
      entryId = entry!.id;
    } catch (e) {
      await deps.ingest.discardUploads([upload]);
      throw e;
    }
    const changed: string[] = [];
    if (previous) {
      if (previous.domSha256 !== result.domSha256) changed.push("dom");
      if (previous.screenshotSha256 !== result.screenshotSha256) changed.push("screenshot");
    }
    const held = await store.finish(c.id, deps.nodeId, {
      ...base,
      status: result.manifest.outcome.status,
      change: previous ? (changed.length > 0 ? "changed" : "unchanged") : "first",
      changed,
      errorCode: null,
      errorMessage: null,
      manifest: new TextDecoder().decode(result.manifestBytes),
      manifestSha256: result.manifestSha256,
      manifestCid: upload.cid,
      entryId,
      parts,
      domSha256: result.domSha256,
      screenshotSha256: result.screenshotSha256,
      finalUrl: result.manifest.page.finalUrl,
      finishedAt: result.manifest.environment.finishedAt,
    });
    const done = (await store.get(c.id))!;
    deps.log?.info({ capture: c.id, url: c.url, status: done.status, change: done.change, entry: entryId }, "capture stamped");
    if (held) {
      await event(done, "capture.completed");
      if (done.change === "changed") await event(done, "capture.changed");
    }
    return done;
  };

  return { run, event };
}
