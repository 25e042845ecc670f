/**
 * The web console's people and keys (/v1/console/…), the evidence pack's index and the period report
 * (docs/console.md). The service's route schemas use these; the console's front end can type its
 * calls with the derived types.
 */
import type { Infer } from "./infer.ts";

export const CONSOLE_ROLES = ["viewer", "member", "admin"] as const;

/** A console user (never its password hash). */
export const ConsoleUserSchema = {
  type: "object",
  required: ["id", "email", "name", "role", "tenantId", "createdAt", "disabled"],
  properties: {
    id: { type: "string" },
    email: { type: "string", description: "lower-cased; unique per tenant" },
    name: { type: ["string", "null"] },
    role: { type: "string", enum: [...CONSOLE_ROLES] },
    tenantId: { type: "string" },
    createdAt: { type: "string" },
    disabled: { type: "boolean" },
  },
} as const;
export type ConsoleUser = Infer<typeof ConsoleUserSchema>;

/** POST /v1/console/setup (201), POST /v1/console/login, GET /v1/console/me: the user and the session's CSRF token. */
export const ConsoleSessionSchema = {
  type: "object",
  required: ["user", "csrfToken"],
  properties: { user: ConsoleUserSchema, csrfToken: { type: "string", description: "send it as X-CSRF-Token on every POST, PUT, PATCH and DELETE" } },
} as const;
export type ConsoleSession = Infer<typeof ConsoleSessionSchema>;

/** GET /v1/console/setup. */
export const SetupStatusSchema = { type: "object", required: ["needed"], properties: { needed: { type: "boolean" } } } as const;

export const ConsoleUserListSchema = { type: "object", required: ["users"], properties: { users: { type: "array", items: ConsoleUserSchema } } } as const;
export const ConsoleUserAnswerSchema = { type: "object", required: ["user"], properties: { user: ConsoleUserSchema } } as const;

/** An API key as the console lists it (never the key nor its hash). */
export const ConsoleKeySchema = {
  type: "object",
  required: ["id", "label", "createdAt", "lastUsedAt", "revokedAt"],
  properties: {
    id: { type: "string" },
    label: { type: ["string", "null"] },
    createdAt: { type: "string" },
    lastUsedAt: { type: ["string", "null"], description: "written at most once a minute per key" },
    revokedAt: { type: ["string", "null"] },
  },
} as const;
export type ConsoleKey = Infer<typeof ConsoleKeySchema>;
export const ConsoleKeyListSchema = { type: "object", required: ["keys"], properties: { keys: { type: "array", items: ConsoleKeySchema } } } as const;

/** POST /v1/console/keys (201): the key itself, shown this once. */
export const CreatedKeySchema = {
  type: "object",
  required: ["id", "label", "key"],
  properties: { id: { type: "string" }, label: { type: "string" }, key: { type: "string" } },
} as const;
export type CreatedKey = Infer<typeof CreatedKeySchema>;

/** GET /v1/reports/period: entries received in [from, to), by outcome (each list at most 1,000). */
export const PeriodReportSchema = {
  type: "object",
  required: ["from", "to", "stamped", "pending", "failed", "truncated"],
  properties: {
    from: { type: "string" },
    to: { type: "string" },
    stamped: { type: "array", items: { $ref: "EntryView#" } },
    pending: { type: "array", items: { $ref: "EntryView#" } },
    failed: { type: "array", items: { $ref: "EntryView#" } },
    truncated: { type: "boolean" },
  },
} as const;
