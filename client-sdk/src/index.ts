/**
 * @priorproof/client-sdk — hash locally, stamp, wait, and verify PriorProof receipts without the
 * PriorProof server. This is the Node entry; `@priorproof/client-sdk/browser` has no Node built-ins.
 */
export * from "./bytes.ts";
export * from "./errors.ts";
export * from "./merkle.ts";
export * from "./leaf.ts";
export * from "./receipt.ts";
export * from "./anchor.ts";
export * from "./verify.ts";
export * from "./tsa.ts";
