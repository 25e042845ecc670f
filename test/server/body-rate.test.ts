/**
 * The minimum request-body rate (MIN_BODY_BYTES_PER_SECOND, body-rate.ts) on the real listening server:
 * a body that trickles one byte just under every idle timeout is cut off with a JSON 408 once its
 * average rate falls below the minimum, and stores nothing; a body at a normal rate is unaffected.
 */
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, type TestApp } from "../helpers/app.ts";

const IDLE_MS = 1_500;
let t: TestApp;
let port = 0;

beforeAll(async () => {
  t = await buildTestApp({ SOCKET_IDLE_TIMEOUT_MS: String(IDLE_MS), MIN_BODY_BYTES_PER_SECOND: "100", MIN_BODY_RATE_GRACE_MS: "1000" });
  port = Number(new URL(await t.app.listen({ host: "127.0.0.1", port: 0 })).port);
});
afterAll(async () => {
  await t?.close();
});

/** Sends the head at once, then the body one byte every `gapMs`; resolves the answer and how long the connection lived. */
function trickle(head: string, body: string, gapMs: number): Promise<{ text: string; openMs: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const socket = connect(port, "127.0.0.1");
    const chunks: Buffer[] = [];
    let i = 0;
    let timer: NodeJS.Timeout | undefined;
    const next = () => {
      if (socket.destroyed || i >= body.length) return;
      socket.write(body[i++]!);
      timer = setTimeout(next, gapMs);
    };
    const guard = setTimeout(() => {
      socket.destroy();
      reject(new Error("the connection was still open after 30 s"));
    }, 30_000);
    socket.on("connect", () => {
      socket.write(head);
      next();
    });
    socket.on("data", (c) => chunks.push(c));
    socket.on("error", () => undefined);
    socket.on("close", () => {
      clearTimeout(timer);
      clearTimeout(guard);
      resolve({ text: Buffer.concat(chunks).toString("latin1"), openMs: performance.now() - started });
    });
  });
}

describe("the minimum request-body rate", () => {
  const digest = "cd".repeat(32);
  const body = JSON.stringify({ items: [{ sha256: digest }] });
  const head = () =>
    `POST /v1/stamps HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${t.keys.acme}\r\nContent-Type: ` +
    `application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`;

  it("cuts off a body that trickles one byte under every idle timeout with a JSON 408, and stores nothing", async () => {
    const { text, openMs } = await trickle(head(), body, IDLE_MS - 300);
    expect(text).toMatch(/^HTTP\/1\.1 408 /);
    const json = JSON.parse(text.slice(text.indexOf("\r\n\r\n") + 4)) as { error: { code: string; message: string } };
    expect(json.error.code).toBe("REQUEST_TIMEOUT");
    expect(json.error.message).toMatch(/slower than 100 bytes a second/);
    // Each byte arrived within the idle timeout: only the rate ended it, after the grace and one check.
    expect(openMs).toBeLessThan(5_000);
    expect((await t.app.store.findEntries((await t.app.store.getTenantByName("acme"))!.id, { sha256: "0x" + digest, limit: 10 })).length).toBe(0);
  });

  it("accepts the same request sent at a normal rate", async () => {
    const { text } = await trickle(head() + body, "", 0);
    expect(text).toMatch(/^HTTP\/1\.1 202 /);
  });
});
