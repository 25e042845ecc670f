/** What the service says about itself and the account's settings. */
import type { Infer } from "./infer.ts";

/** GET /.well-known/priorproof.json: the operator and its EvidenceAnchor deployments. */
export const WellKnownSchema = {
  type: "object",
  required: ["format", "operator", "deployments"],
  properties: {
    format: { type: "string" },
    operator: { type: "string" },
    deployments: {
      type: "array",
      items: {
        type: "object",
        required: ["chainId", "address"],
        properties: { chainId: { type: "integer" }, address: { type: "string" }, codeHash: { type: "string" }, deployBlock: { type: "integer" } },
      },
    },
  },
} as const;
export type WellKnown = Infer<typeof WellKnownSchema>;

/** GET and PUT /v1/certificate-settings: the account's default jurisdiction (null: the instance's). */
export const CertificateSettingsSchema = {
  type: "object",
  required: ["jurisdiction", "effective"],
  properties: { jurisdiction: { type: ["string", "null"], enum: ["cn", "us", "eu", null] }, effective: { type: "string" } },
} as const;
export type CertificateSettings = Infer<typeof CertificateSettingsSchema>;
