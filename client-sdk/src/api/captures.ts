/** Web captures and their schedules: /v1/captures, /v1/capture-schedules (docs/capture.md). */
import type { Infer } from "./infer.ts";

/** Options of one capture (the service applies its defaults and ceilings). */
export const CaptureOptionsSchema = {
  type: "object",
  additionalProperties: false,
  properties: {
    javascript: { type: "boolean", description: "Run the page's JavaScript (default true)" },
    viewport: {
      type: "object",
      additionalProperties: false,
      required: ["width", "height"],
      properties: { width: { type: "integer", minimum: 320, maximum: 3840 }, height: { type: "integer", minimum: 240, maximum: 2160 } },
    },
    timeBudgetMs: { type: "integer", minimum: 1000, description: "Loading time budget; at it the page is captured as it stands (outcome timeout)" },
    sizeBudgetBytes: { type: "integer", minimum: 1024, description: "Bytes the page may download; past it connections are cut (outcome truncated)" },
    settleMs: { type: "integer", minimum: 0, maximum: 30000, description: "Wait after load for late DOM changes (default 1000)" },
  },
} as const;
export type CaptureOptions = Infer<typeof CaptureOptionsSchema>;

/** One stored part of a capture (screenshot, MHTML, network log, TLS chain ...). */
export const CapturePartSchema = {
  type: "object",
  required: ["name", "mediaType", "size", "sha256", "cid"],
  properties: {
    name: { type: "string" },
    mediaType: { type: "string" },
    size: { type: "integer" },
    sha256: { type: "string" },
    cid: { type: ["string", "null"] },
  },
} as const;

/** A capture as the service reports it. */
export const CaptureSchema = {
  type: "object",
  required: [
    "id",
    "url",
    "status",
    "change",
    "changed",
    "error",
    "options",
    "scheduleId",
    "finalUrl",
    "manifestSha256",
    "manifestCid",
    "entryId",
    "previousId",
    "previousSha256",
    "parts",
    "createdAt",
    "startedAt",
    "finishedAt",
  ],
  properties: {
    id: { type: "string" },
    url: { type: "string" },
    status: {
      type: "string",
      enum: ["queued", "running", "complete", "timeout", "truncated", "failed"],
      description: "queued → running → complete | timeout | truncated (stamped) or failed",
    },
    change: { type: ["string", "null"], enum: ["first", "unchanged", "changed", null], description: "Against the previous capture of the same URL" },
    changed: { type: "array", items: { type: "string" } },
    error: { type: ["object", "null"], required: ["code", "message"], properties: { code: { type: "string" }, message: { type: "string" } } },
    options: { type: "object", additionalProperties: true },
    scheduleId: { type: ["string", "null"] },
    finalUrl: { type: ["string", "null"] },
    manifestSha256: { type: ["string", "null"] },
    manifestCid: { type: ["string", "null"] },
    entryId: { type: ["string", "null"], description: "The entry that stamps the manifest (its receipt is the capture's proof)" },
    previousId: { type: ["string", "null"] },
    previousSha256: { type: ["string", "null"] },
    parts: { type: "array", items: CapturePartSchema },
    createdAt: { type: "string" },
    startedAt: { type: ["string", "null"] },
    finishedAt: { type: ["string", "null"] },
  },
} as const;
export type Capture = Infer<typeof CaptureSchema>;

/** A daily or weekly capture of one URL. */
export const CaptureScheduleSchema = {
  type: "object",
  required: ["id", "url", "every", "options", "nextRunAt", "createdAt"],
  properties: {
    id: { type: "string" },
    url: { type: "string" },
    every: { type: "string", enum: ["daily", "weekly"] },
    options: { type: "object", additionalProperties: true },
    nextRunAt: { type: "string" },
    createdAt: { type: "string" },
  },
} as const;
export type CaptureSchedule = Infer<typeof CaptureScheduleSchema>;

export const CaptureAnswerSchema = { type: "object", required: ["capture"], properties: { capture: CaptureSchema } } as const;
export const CaptureListSchema = { type: "object", required: ["captures"], properties: { captures: { type: "array", items: CaptureSchema } } } as const;
export const ScheduleAnswerSchema = { type: "object", required: ["schedule"], properties: { schedule: CaptureScheduleSchema } } as const;
export const ScheduleListSchema = {
  type: "object",
  required: ["schedules"],
  properties: { schedules: { type: "array", items: CaptureScheduleSchema } },
} as const;
