/**
 * The verdict of POST /v1/verify and POST /v1/verify/file (and of the SDK's `verifyReceipt`, as JSON).
 * verify.ts's `Verdict` interface documents each member; api/conformance.ts proves at compile time that
 * this schema and that interface name the same members at every level, so the serializer can drop none.
 */
import type { Infer } from "./infer.ts";

/**
 * The JSON Schema of a verdict (verify.ts `Verdict`) as JSON (bigints none, times as strings): the one definition the
 * service's `POST /v1/verify` serializes with and clients validate against.
 */
export const VerdictSchema = {
  $id: "PriorProofVerdict",
  type: "object",
  required: ["verified", "checks", "witnesses", "warnings", "remaining"],
  additionalProperties: false,
  properties: {
    verified: { type: "boolean" },
    existedNoLaterThan: { type: "string" },
    checks: {
      type: "array",
      items: {
        type: "object",
        required: ["id", "title", "status", "detail"],
        additionalProperties: false,
        properties: {
          id: { type: "string" },
          title: { type: "string" },
          status: { type: "string", enum: ["passed", "failed", "not-checked"] },
          code: { type: "string" },
          detail: { type: "string" },
        },
      },
    },
    witnesses: {
      type: "array",
      items: {
        type: "object",
        required: ["anchor", "type", "via", "time", "existedNoLaterThan"],
        additionalProperties: false,
        properties: {
          anchor: { type: "integer" },
          type: { type: "string", enum: ["evm", "rfc3161"] },
          via: { type: "string", enum: ["rpc", "offline-checkpoint", "tsa-token"] },
          time: { type: "string" },
          existedNoLaterThan: { type: "string" },
          chainId: { type: "integer" },
          chainName: { type: "string" },
          development: { type: "boolean" },
          blockNumber: { type: "integer" },
          blockHash: { type: "string" },
          txHash: { type: "string" },
          contract: { type: "string" },
          codeHash: { type: "string" },
          codeCheckedAt: { type: "string", enum: ["anchor-block", "latest", "account-proof"] },
          build: { type: "string" },
          deployment: { type: "string", enum: ["operator", "other"] },
          deploymentSource: { type: "string" },
          confirmations: { type: "integer" },
          final: { type: "boolean" },
          tsaSubject: { type: "string" },
          tsaIssuer: { type: "string" },
          qualified: { type: "boolean" },
        },
      },
    },
    warnings: {
      type: "array",
      items: {
        type: "object",
        required: ["code", "message"],
        additionalProperties: false,
        properties: { code: { type: "string" }, anchor: { type: "integer" }, message: { type: "string" } },
      },
    },
    remaining: {
      type: "array",
      items: {
        type: "object",
        required: ["anchor", "scope", "chainId", "chainName", "blockNumber", "blockHash", "statement", "rpc"],
        additionalProperties: false,
        properties: {
          anchor: { type: "integer" },
          scope: { type: "string", enum: ["block-hash", "anchor", "contract-code"] },
          chainId: { type: "integer" },
          chainName: { type: "string" },
          blockNumber: { type: "integer" },
          blockHash: { type: "string" },
          statement: { type: "string" },
          rpc: {
            type: "object",
            required: ["method", "params"],
            additionalProperties: false,
            properties: { method: { type: "string" }, params: { type: "array", items: { type: ["string", "boolean"] } } },
          },
          explorerUrl: { type: "string" },
        },
      },
    },
    receipt: { type: "object", additionalProperties: true },
    signedIdentity: {
      type: "object",
      required: ["kind", "format", "signedAt"],
      additionalProperties: true,
      properties: { kind: { type: "string" }, format: { type: "string" }, signedAt: { type: "string" } },
    },
  },
} as const;
/** A verdict as JSON (`receipt` an unparsed object). */
export type VerdictJson = Infer<typeof VerdictSchema>;
