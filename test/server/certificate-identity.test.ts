/**
 * The facts a certificate prints that must not drift: the contract selectors and event topic (recomputed
 * from the signatures with keccak-256), the number (format-v2 recipe, independent of issuance time and
 * confirmations), the time bound (never before the service's receive time, even with no tolerance),
 * and printable user text.
 */
import { createHash } from "node:crypto";
import { id as keccakId } from "ethers";
import { describe, expect, it } from "vitest";
import type { Receipt } from "@priorproof/client-sdk";
import { ANCHORED_EVENT, GET_ANCHOR, VERIFY_INCLUSION } from "../../server/src/services/certificates/contract.ts";
import { anchorBound, certificateIdentity, printable } from "../../server/src/services/certificates/identity.ts";

const receipt = {
  version: "priorproof-receipt/1",
  id: "01jd-entry",
  subject: { sha256: "0x" + "aa".repeat(32) },
  leaf: { encoding: "priorproof-leaf/1", claimSha256: null, salt: "0x" + "01".repeat(16), hash: "0x" + "bb".repeat(32) },
  service: { operator: "op", receivedAt: "2026-11-30T05:26:52.323Z", software: "s" },
  anchors: [
    {
      type: "evm",
      chainId: 1,
      txHash: "0x" + "cc".repeat(32),
      proof: { root: "0x" + "dd".repeat(32), treeSize: 1, index: 0, path: [] },
      blockTime: "2026-11-30T05:26:52Z",
      confirmations: 3,
      requiredConfirmations: 12,
    },
    { type: "rfc3161", serial: "7", genTime: "2026-11-30T05:26:53.100Z", proof: { root: "0x" + "dd".repeat(32), treeSize: 1, index: 0, path: [] } },
  ],
  issuedAt: "2026-11-30T06:00:00Z",
} as unknown as Receipt;

describe("contract facts printed on the certificate", () => {
  it("are the keccak-256 of their signatures", () => {
    expect(keccakId(VERIFY_INCLUSION.signature).slice(0, 10)).toBe(VERIFY_INCLUSION.selector);
    expect(keccakId(GET_ANCHOR.signature).slice(0, 10)).toBe(GET_ANCHOR.selector);
    expect(keccakId(ANCHORED_EVENT.signature)).toBe(ANCHORED_EVENT.topic);
  });
});

describe("certificateIdentity", () => {
  it("hashes the format-v2 recipe and ignores issuance time and confirmations", () => {
    const { json, id } = certificateIdentity(receipt);
    const [aa, bb, cc, dd] = ["aa", "bb", "cc", "dd"].map((b) => `0x${b.repeat(32)}`);
    expect(json).toBe(
      `{"anchors":[{"chainId":1,"root":"${dd}","txHash":"${cc}","type":"evm"},{"root":"${dd}","serial":"7","type":"rfc3161"}],` +
        `"entry":"01jd-entry","leaf":"${bb}","sha256":"${aa}"}`,
    );
    expect(id).toBe(createHash("sha256").update(json).digest("hex").slice(0, 16).toUpperCase().match(/.{4}/g)!.join("-"));
    const later = {
      ...receipt,
      issuedAt: "2027-01-01T00:00:00Z",
      anchors: receipt.anchors.map((a) => (a.type === "evm" ? { ...a, confirmations: 900 } : a)),
    } as Receipt;
    expect(certificateIdentity(later).id).toBe(id);
    const other = { ...receipt, leaf: { ...receipt.leaf, hash: "0x" + "bc".repeat(32) } } as Receipt;
    expect(certificateIdentity(other).id).not.toBe(id);
  });
});

describe("anchorBound", () => {
  it("is never earlier than the receive time, for a block in the same second and no tolerance", () => {
    expect(anchorBound(receipt.anchors[0]!, receipt, 0)).toBe("2026-11-30T05:26:53Z");
    expect(anchorBound(receipt.anchors[0]!, receipt, 15)).toBe("2026-11-30T05:27:07Z");
    expect(anchorBound(receipt.anchors[1]!, receipt)).toBe("2026-11-30T05:26:54Z");
  });
});

describe("printable", () => {
  it("shows line breaks as ¶, other controls and bidi overrides as [U+XXXX], and cuts long text", () => {
    expect(printable("a\nb\r\nc\rd").text).toBe("a ¶ b ¶ c ¶ d");
    expect(printable("x\u202Ey\u0007\u200Bz\tw").text).toBe("x[U+202E]y[U+0007][U+200B]z w");
    expect(printable("é".repeat(10), 4)).toEqual({ text: "éééé …", cut: true });
  });
});
