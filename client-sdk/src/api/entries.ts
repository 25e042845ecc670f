/**
 * Entries (a stamped digest or an uploaded file) as the service describes them, and the answers that
 * carry them: GET /v1/entries/:id, GET /v1/entries, POST /v1/stamps, POST /v1/evidence, and the public
 * digest lookup GET /v1/verify?sha256=.
 */
import { HEX32 } from "./common.ts";
import type { Infer } from "./infer.ts";

/** A copy of the entry's content at a remote pinner. */
export const ReplicaSchema = {
  type: "object",
  required: ["kind", "target", "status", "attempts", "lastError", "updatedAt"],
  properties: {
    kind: { type: "string", enum: ["pinning-service", "ipfs-cluster"] },
    target: { type: "string" },
    status: { type: "string", enum: ["requested", "queued", "pinning", "pinned", "failed"] },
    attempts: { type: "integer" },
    lastError: { type: ["string", "null"] },
    updatedAt: { type: "string" },
  },
} as const;
export type Replica = Infer<typeof ReplicaSchema>;

/** One batch holding the entry, on one chain. */
export const EntryAnchorSchema = {
  type: "object",
  required: ["chainId", "batchId", "status", "root", "txHash", "blockNumber", "blockTime"],
  properties: {
    chainId: { type: "integer" },
    batchId: { type: "integer" },
    status: { type: "string" },
    root: { type: "string" },
    txHash: { type: ["string", "null"] },
    blockNumber: { type: ["integer", "null"] },
    blockTime: { type: ["string", "null"], description: "UTC ISO-8601" },
  },
} as const;
export type EntryAnchor = Infer<typeof EntryAnchorSchema>;

/** An entry (registered as `EntryView#`). */
export const EntryViewSchema = {
  $id: "EntryView",
  type: "object",
  required: [
    "id",
    "sha256",
    "sha3_256",
    "size",
    "name",
    "mediaType",
    "cid",
    "cidProfile",
    "pinStatus",
    "claim",
    "leafHash",
    "status",
    "receivedAt",
    "anchors",
    "history",
  ],
  properties: {
    id: { type: "string" },
    sha256: HEX32,
    sha3_256: { type: ["string", "null"] },
    size: { type: ["integer", "null"] },
    name: { type: ["string", "null"] },
    mediaType: { type: ["string", "null"] },
    cid: { type: ["string", "null"], description: "IPFS CID of the stored bytes (uploads only)" },
    cidProfile: { type: ["string", "null"] },
    replicas: {
      type: "array",
      items: ReplicaSchema,
      description: "Copies of the content at remote pinners (empty without stored content or configured pinners; servers before replication omit it)",
    },
    pinStatus: {
      type: "string",
      enum: ["none", "pinned", "pending", "failed"],
      description: "none: hash-only; pending: IPFS was unavailable, the content is spooled and retried",
    },
    public: {
      type: "boolean",
      description:
        "The content is published: the service's IPFS node serves it to the network over Bitswap (the upload's `public` field, else the account's " +
        "default; docs/operations.md). Servers before it omit it",
    },
    pinAttempts: { type: "integer", description: "IPFS import attempts so far (0 for hash-only stamps; servers before pin retries omit it)" },
    pinError: { type: ["string", "null"], description: "Stable code of the last failed attempt (IPFS_UNAVAILABLE, SPOOL_MISMATCH), else null" },
    encryption: {
      type: ["object", "null"],
      required: ["scheme", "contentSha256"],
      properties: { scheme: { type: "string" }, contentSha256: { type: ["string", "null"] } },
      description:
        "Client-side encryption (docs/sdk.md): `cid` names this envelope's ciphertext, whose SHA-256 is `contentSha256`; `sha256` is the " +
        "plaintext's, as the client stated it. Null for plain content; servers before it omit it",
    },
    claim: { type: ["object", "null"], additionalProperties: true },
    leafHash: HEX32,
    status: { type: "string", enum: ["pending", "batched", "anchored", "confirmed"] },
    receivedAt: { type: "string", format: "date-time", description: "When the service received it: its own clock, not evidence" },
    anchors: { type: "array", items: EntryAnchorSchema },
    history: {
      type: "array",
      items: { type: "object", required: ["status", "at"], properties: { status: { type: "string" }, at: { type: "string" }, chainId: { type: "integer" } } },
    },
  },
} as const;
/** The entry as the service sends it (`claim` as a plain object; the SDK types it as a `Claim`). */
export type EntryView = Infer<typeof EntryViewSchema>;

/** GET /v1/entries: a page; `next` is the cursor of the following page (null on the last). */
export const EntryPageSchema = {
  type: "object",
  required: ["entries", "next"],
  properties: { entries: { type: "array", items: { $ref: "EntryView#" } }, next: { type: ["integer", "null"] } },
} as const;

/** POST /v1/stamps and POST /v1/evidence (202): the entries recorded. */
export const EntriesAcceptedSchema = {
  type: "object",
  required: ["entries"],
  properties: { entries: { type: "array", items: { $ref: "EntryView#" } } },
} as const;

/** The self-contained receipt (priorproof-receipt/1 or /2; receipt.ts parses and types it). */
export const ReceiptDocumentSchema = { type: "object", additionalProperties: true } as const;

/** Where the public digest lookup says a digest is anchored. */
export const DigestAnchorSchema = {
  type: "object",
  required: ["chainId", "chainName", "development", "contract", "txHash", "blockNumber", "blockTime", "status"],
  properties: {
    chainId: { type: "integer" },
    chainName: { type: "string" },
    development: { type: "boolean", description: "A development chain (anvil): no evidential value" },
    contract: { type: "string" },
    txHash: { type: "string" },
    blockNumber: { type: "integer" },
    blockTime: { type: "string" },
    status: { type: "string" },
  },
} as const;
export type DigestAnchor = Infer<typeof DigestAnchorSchema>;

/** GET /v1/verify?sha256= (public). */
export const DigestLookupSchema = {
  type: "object",
  required: ["sha256", "anchored", "anchors"],
  properties: { sha256: { type: "string" }, anchored: { type: "boolean" }, anchors: { type: "array", items: DigestAnchorSchema } },
} as const;
export type DigestLookup = Infer<typeof DigestLookupSchema>;
