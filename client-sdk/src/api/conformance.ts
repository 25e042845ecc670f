/**
 * Compile-time proof that the SDK's hand-documented verdict types (verify.ts) and the verdict schema
 * (verdict.ts) name the same members at every level: a member added to one and not the other fails
 * `tsc`, so the service's serializer (which keeps only what the schema names) can drop nothing.
 * Types only; nothing here runs.
 */
import type { Verdict } from "../verify.ts";
import type { VerdictJson } from "./verdict.ts";

/** Member names at every depth (optionality and leaf types aside). */
type Members<T> = T extends readonly (infer U)[] ? Members<U>[] : T extends object ? { [K in keyof T]-?: Members<Exclude<T[K], undefined>> } : "leaf";
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

// `receipt` and `signedIdentity` are open objects in the schema (receipt.ts and signature/ type them).
type Closed<T> = Omit<T, "receipt" | "signedIdentity">;
export const VERDICT_SCHEMA_MATCHES_TYPE: Same<Members<Closed<Verdict>>, Members<Closed<VerdictJson>>> = true;
export const VERDICT_OPEN_MEMBERS: Same<keyof Verdict, keyof VerdictJson> = true;
