/**
 * The capture manifest format (priorproof-capture/1) and verifyCapture, on the shared vector in
 * docs/vectors/capture/ (a manifest and its parts, the manifest's SHA-256 stated in docs/capture.md).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CAPTURE_PART_NAME, captureManifestProblems, encodeCaptureManifest, parseCaptureManifest, verifyCapture } from "../../client-sdk/src/capture.ts";
import { toHex } from "../../client-sdk/src/bytes.ts";
import { sha256 } from "../../client-sdk/src/sha256.ts";

const DIR = "docs/vectors/capture";
const MANIFEST = new Uint8Array(readFileSync(join(DIR, "manifest.json")));
const MANIFEST_SHA256 = "0xf5761ec06eeec66b48da5e0888b2f3300c427b99fc0bf69aee0e5906988f5125";
const files = new Map(["dom.html", "network.json"].map((n) => [n, new Uint8Array(readFileSync(join(DIR, n)))]));
const reader = (map: Map<string, Uint8Array>) => async (name: string) => map.get(name);
const enc = (doc: unknown) => new TextEncoder().encode(JSON.stringify(doc));

describe("parseCaptureManifest", () => {
  it("reads the shared vector, whose digest is the one documented", () => {
    expect(toHex(sha256(MANIFEST))).toBe(MANIFEST_SHA256);
    const m = parseCaptureManifest(MANIFEST);
    expect(m.parts.map((p) => p.name)).toEqual(["dom.html", "network.json"]);
    expect(encodeCaptureManifest(m)).toEqual(MANIFEST);
  });

  it("refuses bytes that are not the canonical encoding", () => {
    const pretty = new TextEncoder().encode(JSON.stringify(JSON.parse(new TextDecoder().decode(MANIFEST)), null, 2));
    expect(() => parseCaptureManifest(pretty)).toThrow(expect.objectContaining({ code: "MANIFEST_NOT_CANONICAL" }));
    const withNewline = new Uint8Array([...MANIFEST, 0x0a]);
    expect(() => parseCaptureManifest(withNewline)).toThrow(expect.objectContaining({ code: "MANIFEST_NOT_CANONICAL" }));
  });

  it("lists every bad field: unknown members, path-like or duplicate part names, bad digests", () => {
    const doc = JSON.parse(new TextDecoder().decode(MANIFEST));
    doc.extra = 1;
    doc.parts.push({ ...doc.parts[0] }, { name: "../etc/passwd", mediaType: "x", size: 1, sha256: "0x12" });
    doc.outcome.status = "partial";
    const problems = captureManifestProblems(doc);
    expect(problems).toEqual(
      expect.arrayContaining([
        "manifest.extra: unknown field",
        "parts[2].name: duplicate part dom.html",
        `parts[3].name: expected a plain file name (${CAPTURE_PART_NAME.source})`,
        "parts[3].sha256: expected 32 bytes of lower-case 0x hex",
        "outcome.status: expected complete, timeout or truncated",
      ]),
    );
    expect(() => parseCaptureManifest(enc(doc))).toThrow(expect.objectContaining({ code: "INVALID_MANIFEST" }));
    expect(captureManifestProblems({ version: "priorproof-capture/2" })).toEqual(['version: expected "priorproof-capture/1", got "priorproof-capture/2"']);
    expect(() => parseCaptureManifest(new Uint8Array([0xff, 0xfe]))).toThrow(expect.objectContaining({ code: "INVALID_MANIFEST" }));
  });
});

describe("verifyCapture", () => {
  it("passes every part of the vector and leaves the receipt not-checked when none is given", async () => {
    const v = await verifyCapture({ manifest: MANIFEST, readPart: reader(files) });
    expect(v.checks.map((c) => [c.id, c.status])).toEqual([
      ["manifest", "passed"],
      ["parts.dom.html", "passed"],
      ["parts.network.json", "passed"],
      ["receipt", "not-checked"],
    ]);
    expect(v.manifestSha256).toBe(MANIFEST_SHA256);
    expect(v.verified).toBe(false); // no receipt: nothing proves when
  });

  it("names the part that changed, that is missing, or whose size differs", async () => {
    const changed = new Map(files);
    const dom = new Uint8Array(files.get("dom.html")!);
    dom[10]! ^= 1;
    changed.set("dom.html", dom);
    changed.delete("network.json");
    const v = await verifyCapture({ manifest: MANIFEST, readPart: reader(changed) });
    expect(v.failedParts).toEqual(["dom.html", "network.json"]);
    expect(v.checks.find((c) => c.id === "parts.dom.html")).toMatchObject({ status: "failed", code: "PART_DIGEST_MISMATCH" });
    expect(v.checks.find((c) => c.id === "parts.network.json")).toMatchObject({ status: "failed", code: "PART_MISSING" });
    const longer = new Map(files).set("dom.html", new Uint8Array([...files.get("dom.html")!, 0x20]));
    expect((await verifyCapture({ manifest: MANIFEST, readPart: reader(longer) })).checks.find((c) => c.id === "parts.dom.html")).toMatchObject({
      code: "PART_SIZE_MISMATCH",
    });
  });

  it("fails a receipt that stamps another digest than the manifest's", async () => {
    const receipt = { version: "priorproof-receipt/1", id: "x" };
    const v = await verifyCapture({ manifest: MANIFEST, readPart: reader(files), receipt });
    expect(v.verified).toBe(false);
    expect(v.checks.at(-1)).toMatchObject({ id: "receipt", status: "failed" });
  });

  it("stops at a manifest that does not parse, reading no part", async () => {
    let reads = 0;
    const v = await verifyCapture({
      manifest: enc({ version: "priorproof-capture/1" }),
      readPart: async () => {
        reads++;
        return undefined;
      },
    });
    expect(v.checks).toHaveLength(1);
    expect(v.checks[0]).toMatchObject({ id: "manifest", status: "failed", code: "INVALID_MANIFEST" });
    expect(reads).toBe(0);
  });
});
