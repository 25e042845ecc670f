/**
 * Shapes shared by every part of the REST API: digests, the claim a stamp carries, the error body.
 * Each schema is the one definition of its shape: the service validates and serializes with it, the
 * OpenAPI document shows it, and the SDK's types are derived from it (`Infer`).
 */
import { ASSET_KINDS } from "../leaf.ts";
import type { Infer } from "./infer.ts";

/** 32 bytes as lower-case 0x hex, without an `$id` so that it can be inlined in other schemas. */
export const HEX32 = { type: "string", pattern: "^0x[0-9a-f]{64}$", description: "32 bytes as lower-case 0x hex (a SHA-256 digest, a Merkle node)" } as const;

/** Registered as `Hex32#`. */
export const Hex32Schema = { $id: "Hex32", ...HEX32 } as const;

/** A SHA-256 digest as a client may send it (registered as `DigestInput#`). */
export const DigestInputSchema = {
  $id: "DigestInput",
  type: "string",
  pattern: "^(0[xX])?[0-9a-fA-F]{64}$",
  description: "A SHA-256 digest: 64 hex digits, with or without 0x",
} as const;

/** A claim as a client sends it (registered as `Claim#`); its TypeScript type is leaf.ts's `Claim`. */
export const ClaimSchema = {
  $id: "Claim",
  type: "object",
  additionalProperties: false,
  description: "User-declared claim committed in the leaf (RFC 8785 canonical JSON, SHA-256).",
  properties: {
    title: { type: "string", maxLength: 2000 },
    kind: { type: "string", enum: [...ASSET_KINDS] },
    author: { type: "string", maxLength: 2000 },
    claimant: { type: "string", maxLength: 2000 },
    previous: { $ref: "Hex32#" },
    aiProcess: { type: "object", additionalProperties: true, maxProperties: 50 },
    note: { type: "string", maxLength: 2000 },
  },
} as const;

/** Every error answer of the service (registered as `ErrorBody#`). */
export const ErrorBodySchema = {
  $id: "ErrorBody",
  type: "object",
  required: ["error"],
  properties: {
    error: {
      type: "object",
      required: ["code", "message"],
      properties: {
        code: { type: "string", description: "Stable error code, e.g. ENTRY_NOT_FOUND" },
        message: { type: "string" },
        details: {},
      },
    },
  },
} as const;
export type ErrorBody = Infer<typeof ErrorBodySchema>;
