/** The browser entry of @priorproof/client-sdk: everything but Node-only file hashing. */
export * from "./index.ts";
