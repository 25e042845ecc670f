/**
 * The API's named schemas, registered once (app.ts) so that routes reference them by `$ref` and the
 * OpenAPI document names them. Every shape is defined in the SDK's `api/` folder
 * (`@priorproof/client-sdk/api`): the server and the SDK derive from the same definition.
 */
import { ClaimSchema, DigestInputSchema, EntryViewSchema, ErrorBodySchema, Hex32Schema } from "@priorproof/client-sdk/api";

export const SHARED_SCHEMAS = [Hex32Schema, DigestInputSchema, ClaimSchema, ErrorBodySchema, EntryViewSchema];

export const errorResponses = {
  400: { $ref: "ErrorBody#" },
  401: { $ref: "ErrorBody#" },
  404: { $ref: "ErrorBody#" },
  409: { $ref: "ErrorBody#" },
  413: { $ref: "ErrorBody#" },
  415: { $ref: "ErrorBody#" },
  429: { $ref: "ErrorBody#" },
} as const;
