import { describe, expect, it } from "vitest";
import { parseUtcTime, timeBound } from "../../../client-sdk/src/index.ts";

describe("parseUtcTime", () => {
  it("reads a whole-second and a fractional UTC time", () => {
    expect(parseUtcTime("2026-11-30T05:26:52Z")).toBe(Date.UTC(2026, 10, 30, 5, 26, 52));
    expect(parseUtcTime("2026-11-30T05:26:52.323Z")).toBe(Date.UTC(2026, 10, 30, 5, 26, 52, 323));
  });
  it.each([
    "2026-11-31T00:00:05Z",
    "2026-02-29T00:00:00Z",
    "2026-12-01T24:00:00Z",
    "2026-12-01T00:60:00Z",
    "2026-12-01T00:00:60Z",
    "2026-12-01 00:00:00Z",
    "2026-12-01T00:00:00+01:00",
    "x",
  ])("rejects %s", (t) => expect(() => parseUtcTime(t)).toThrow(expect.objectContaining({ code: "INVALID_TIME" })));
});

describe("timeBound", () => {
  it("is never earlier than a service time recorded within the block's second", () => {
    expect(timeBound("2026-11-30T05:26:52Z", 0, ["2026-11-30T05:26:52.323Z"])).toBe("2026-11-30T05:26:53Z");
  });
  it("adds the chain's tolerance to the witness time", () => {
    expect(timeBound("2026-11-30T05:26:52Z", 12, ["2026-11-30T05:26:40.000Z"])).toBe("2026-11-30T05:27:04Z");
  });
  it("keeps a whole-second witness time when nothing later was recorded", () => {
    expect(timeBound("2026-11-30T05:26:52Z", 0, ["2026-11-30T05:26:51.999Z"])).toBe("2026-11-30T05:26:52Z");
  });
});
