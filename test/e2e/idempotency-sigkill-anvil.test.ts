/**
 * Idempotent retries across a crash between commit and reply, end to end: the real server process
 * (SQLite, embedded IPFS, anvil) is made to die with SIGKILL right after a stamp or upload request's
 * entries are committed and before its reply is written (the `after-commit` fault point of
 * TEST_FAULT_DIR). The client sees a cut connection and retries with the same Idempotency-Key on the
 * restarted server: it gets the entries that were committed (same ids), and each digest is stored once.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomDigest, sha256Hex } from "../helpers/faults.ts";
import { api, startService, type RunningService } from "../helpers/service.ts";

describe("a retried request after a SIGKILL between commit and reply (server process, anvil, SQLite)", () => {
  let service: RunningService;
  const faultDir = mkdtempSync(join(tmpdir(), "pp-faults-"));

  beforeAll(async () => {
    service = await startService({ env: { TEST_FAULT_DIR: faultDir } });
  });
  afterAll(async () => {
    await service?.stop();
  });

  const send = (path: string, key: string, body: BodyInit, contentType: string) =>
    fetch(`${service.url}${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${service.keys.acme}`, "content-type": contentType, "idempotency-key": key },
      body,
    });

  /** Sends once with the after-commit kill armed (the connection must be cut), restarts, and retries with the same key. */
  const cutThenRetry = async (path: string, body: () => BodyInit, contentType: string) => {
    const key = randomUUID();
    writeFileSync(join(faultDir, "after-commit"), "kill");
    const first = await send(path, key, body(), contentType).then(
      () => "answered",
      () => "cut",
    );
    expect(first, "the server died before replying").toBe("cut");
    await service.restart();
    const retry = await send(path, key, body(), contentType);
    return {
      status: retry.status,
      replayed: retry.headers.get("idempotent-replayed"),
      entries: ((await retry.json()) as { entries: { id: string; sha256: string }[] }).entries,
    };
  };

  it("answers a retried stamp with the entries committed before the crash, each digest stored once", async () => {
    const items = [{ sha256: randomDigest() }, { sha256: randomDigest() }];
    const retry = await cutThenRetry("/v1/stamps", () => JSON.stringify({ items }), "application/json");
    expect(retry.status).toBe(202);
    expect(retry.replayed).toBe("true");
    for (const [i, item] of items.entries()) {
      const stored = (await api(service, "acme", "GET", `/v1/entries?sha256=${item.sha256}`)).body.entries as { id: string }[];
      expect(
        stored.map((e) => e.id),
        "stored once, under the id the retry answered",
      ).toEqual([retry.entries[i]!.id]);
    }
  }, 120_000);

  it("answers a retried upload with the entry committed before the crash, stored once", async () => {
    const bytes = randomBytes(300_000);
    const boundary = "----pp" + randomBytes(8).toString("hex");
    const multipart = () =>
      new Uint8Array(
        Buffer.concat([
          Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="draft.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`),
          bytes,
          Buffer.from(`\r\n--${boundary}--\r\n`),
        ]),
      );
    const retry = await cutThenRetry("/v1/evidence", multipart, `multipart/form-data; boundary=${boundary}`);
    expect(retry.status).toBe(202);
    expect(retry.replayed).toBe("true");
    const stored = (await api(service, "acme", "GET", `/v1/entries?sha256=${sha256Hex(bytes)}`)).body.entries as { id: string }[];
    expect(stored.map((e) => e.id)).toEqual([retry.entries[0]!.id]);
  }, 120_000);
});
