/**
 * An unknown user's login costs the same as a known user's: verifyPassword runs one scrypt of the stored
 * parameters even when there is no stored hash. Counted, not timed: node:crypto's scrypt is wrapped to record
 * each derivation's cost parameters (a wall-clock comparison flakes on a loaded machine).
 */
import { describe, expect, it, vi } from "vitest";

const calls: { N: number; r: number; p: number }[] = [];
vi.mock("node:crypto", async (importOriginal) => {
  const real = await importOriginal<typeof import("node:crypto")>();
  const scrypt = (password: unknown, salt: unknown, keylen: number, options: { N: number; r: number; p: number }, cb: unknown) => {
    calls.push({ N: options.N, r: options.r, p: options.p });
    return (real.scrypt as (...a: unknown[]) => void)(password, salt, keylen, options, cb);
  };
  return { ...real, default: { ...real, scrypt }, scrypt };
});

const { hashPassword, verifyPassword } = await import("../../server/src/services/passwords.ts");

describe("verifyPassword for an unknown user", () => {
  it("answers false after exactly one scrypt derivation with the same parameters as a known user's check", async () => {
    const stored = await hashPassword("correct horse battery");
    await verifyPassword("warm-up", undefined); // the dummy hash is made once, on first use
    calls.length = 0;
    expect(await verifyPassword("correct horse battery", undefined)).toBe(false);
    const unknown = [...calls];
    calls.length = 0;
    expect(await verifyPassword("wrong password!", stored)).toBe(false);
    const known = [...calls];
    expect(unknown).toHaveLength(1);
    expect(known).toHaveLength(1);
    expect(unknown[0]).toEqual(known[0]);
    expect(unknown[0]!.N).toBe(2 ** 15);
  });
});
