/**
 * Size limits of a claim, checked before anything else is done with it (validation, canonical JSON,
 * hashing, and later every certificate render): each text field at most CLAIM_TEXT_MAX_CHARS
 * characters and CLAIM_TEXT_MAX_BYTES UTF-8 bytes, `aiProcess` at most AI_PROCESS_MAX_BYTES bytes of
 * JSON nested at most AI_PROCESS_MAX_DEPTH levels, the whole claim at most CLAIM_MAX_BYTES bytes.
 * Documented in docs/configuration.md ("Limits").
 */
import { AppError } from "../errors.ts";
import { jsonDepthExceeds } from "../schemas/json-depth.ts";

export const CLAIM_TEXT_MAX_CHARS = 2_000;
export const CLAIM_TEXT_MAX_BYTES = 8_000;
export const AI_PROCESS_MAX_BYTES = 4_096;
export const AI_PROCESS_MAX_DEPTH = 4;
export const CLAIM_MAX_BYTES = 16_384;

/**
 * @throws AppError `CLAIM_TOO_LARGE` naming the field over its limit.
 */
export function assertClaimWithinLimits(claim: unknown): void {
  if (claim === null || typeof claim !== "object" || Array.isArray(claim)) return; // shape errors are reported by validation
  let total = 2;
  for (const [field, value] of Object.entries(claim)) {
    if (typeof value === "string") {
      const bytes = Buffer.byteLength(value, "utf8");
      if (value.length > CLAIM_TEXT_MAX_CHARS || bytes > CLAIM_TEXT_MAX_BYTES) {
        throw new AppError("CLAIM_TOO_LARGE", `claim.${field.slice(0, 40)} exceeds ${CLAIM_TEXT_MAX_CHARS} characters or ${CLAIM_TEXT_MAX_BYTES} bytes`, {
          field,
          limitBytes: CLAIM_TEXT_MAX_BYTES,
        });
      }
      total += bytes + field.length + 6;
    } else if (value !== null && typeof value === "object") {
      if (jsonDepthExceeds(value, AI_PROCESS_MAX_DEPTH)) {
        throw new AppError("CLAIM_TOO_LARGE", `claim.${field.slice(0, 40)} nests deeper than ${AI_PROCESS_MAX_DEPTH} levels`, {
          field,
          limitDepth: AI_PROCESS_MAX_DEPTH,
        });
      }
      const bytes = Buffer.byteLength(JSON.stringify(value), "utf8");
      if (bytes > AI_PROCESS_MAX_BYTES) {
        throw new AppError("CLAIM_TOO_LARGE", `claim.${field.slice(0, 40)} exceeds ${AI_PROCESS_MAX_BYTES} bytes of JSON`, {
          field,
          limitBytes: AI_PROCESS_MAX_BYTES,
        });
      }
      total += bytes + field.length + 4;
    }
    if (total > CLAIM_MAX_BYTES) throw new AppError("CLAIM_TOO_LARGE", `the claim exceeds ${CLAIM_MAX_BYTES} bytes`, { limitBytes: CLAIM_MAX_BYTES });
  }
}
