/**
 * RFC 3161 time-stamp tokens: the package entry `@priorproof/client-sdk/tsa`. The code lives in tsa/
 * (request, response, token verification as named steps, receipt helpers) on the shared PKI module.
 */
export * from "./tsa/index.ts";
