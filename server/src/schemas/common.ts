/**
 * Shared JSON schemas of the REST API (referenced by `$ref`), so that validation at the edge and the
 * OpenAPI document say the same thing.
 */
import { ASSET_KINDS } from "@priorproof/client-sdk/core";

export const Hex32 = {
  $id: "Hex32",
  type: "string",
  pattern: "^0x[0-9a-f]{64}$",
  description: "32 bytes as lower-case 0x hex (a SHA-256 digest, a Merkle node)",
} as const;

export const DigestInput = {
  $id: "DigestInput",
  type: "string",
  pattern: "^(0[xX])?[0-9a-fA-F]{64}$",
  description: "A SHA-256 digest: 64 hex digits, with or without 0x",
} as const;

export const Claim = {
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

export const ErrorBody = {
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

export const EntryView = {
  $id: "EntryView",
  type: "object",
  required: ["id", "sha256", "status", "receivedAt"],
  properties: {
    id: { type: "string" },
    sha256: { $ref: "Hex32#" },
    sha3_256: { type: ["string", "null"] },
    size: { type: ["integer", "null"] },
    name: { type: ["string", "null"] },
    mediaType: { type: ["string", "null"] },
    cid: { type: ["string", "null"] },
    cidProfile: { type: ["string", "null"] },
    replicas: {
      type: "array",
      items: {
        type: "object",
        properties: {
          kind: { type: "string", enum: ["pinning-service", "ipfs-cluster"] },
          target: { type: "string" },
          status: { type: "string", enum: ["requested", "queued", "pinning", "pinned", "failed"] },
          attempts: { type: "integer" },
          lastError: { type: ["string", "null"] },
          updatedAt: { type: "string" },
        },
      },
    },
    pinStatus: { type: "string", enum: ["none", "pinned", "pending", "failed"], description: "none: hash-only; pending: IPFS was unavailable, the content is spooled and retried" },
    pinAttempts: { type: "integer" },
    pinError: { type: ["string", "null"] },
    claim: { type: ["object", "null"], additionalProperties: true },
    leafHash: { $ref: "Hex32#" },
    status: { type: "string", enum: ["pending", "batched", "anchored", "confirmed"] },
    receivedAt: { type: "string", format: "date-time" },
    anchors: {
      type: "array",
      items: {
        type: "object",
        properties: {
          chainId: { type: "integer" },
          batchId: { type: "integer" },
          status: { type: "string" },
          root: { type: "string" },
          txHash: { type: ["string", "null"] },
          blockNumber: { type: ["integer", "null"] },
          blockTime: { type: ["string", "null"] },
        },
      },
    },
    history: {
      type: "array",
      items: { type: "object", properties: { status: { type: "string" }, at: { type: "string" }, chainId: { type: "integer" } } },
    },
  },
} as const;

export const SHARED_SCHEMAS = [Hex32, DigestInput, Claim, ErrorBody, EntryView];

export const errorResponses = {
  400: { $ref: "ErrorBody#" },
  401: { $ref: "ErrorBody#" },
  404: { $ref: "ErrorBody#" },
  409: { $ref: "ErrorBody#" },
  413: { $ref: "ErrorBody#" },
  415: { $ref: "ErrorBody#" },
  429: { $ref: "ErrorBody#" },
} as const;
