/**
 * The REST API's contract: one JSON Schema per shape, from which the service's route schemas and
 * response serialization and the SDK's types are all derived (`@priorproof/client-sdk/api`). The SDK
 * imports this folder for types only, so the browser bundle carries none of it (verify.ts excepted,
 * which validates a service's verdict against `VerdictSchema`).
 */
export type { Infer } from "./infer.ts";
export * from "./common.ts";
export * from "./entries.ts";
export * from "./verdict.ts";
export * from "./captures.ts";
export * from "./webhooks.ts";
export * from "./service.ts";
export * from "./console.ts";
