/** The Node entry of @priorproof/client-sdk: the browser-safe SDK plus streamed file hashing. */
export * from "./index.ts";
export * from "./hash-node.ts";
export * from "./signature/node.ts";
export * from "./watch.ts";
export * from "./verify-batch.ts";
