/**
 * Certificates as the service issues them: who may have which document, what an unconfigured instance
 * may print, and a cache of rendered documents keyed by their content (the receipt without its
 * issuance time, confirmations capped at finality, language, legal text, links), so repeated downloads
 * render once. Rendering runs on a worker thread (render-worker.ts), bounded by the input: every user
 * field is cut to a printed maximum (sections.ts), and at most `maxConcurrent` documents are queued
 * on the worker at once.
 */
import { createHash } from "node:crypto";
import { canonicalJson, PriorProofError, statementBytes, statementOfReceipt, type JsonValue, type Receipt } from "@priorproof/client-sdk/core";
import { AppError } from "../../errors.ts";
import type { Receipts } from "../receipts.ts";
import type { EntryRecord, Store } from "../../store/types.ts";
import type { CertificateLanguage } from "./i18n.ts";
import { anchorBound } from "./identity.ts";
import type { Jurisdiction } from "./packs.ts";
import type { LineageVersion, PrintedSigner } from "./sections.ts";
import { createRenderWorker, type RenderWorker } from "./render-worker.ts";
import { captureOf, type CaptureSource } from "./capture-source.ts";

export interface CertificateServiceDeps {
  readonly store: Store;
  readonly receipts: Receipts;
  readonly operatorConfigured: boolean;
  readonly publicUrl?: string;
  /** The listen address (`http://host:port`), used for links on development certificates only. */
  readonly listenUrl: string;
  readonly defaultJurisdiction: Jurisdiction;
  readonly organisationTimeZone?: string;
  readonly software: string;
  /** The service's signer CAs (SIGNER_CA_FILE): a signed claim's chain is judged against them for print. */
  readonly signerTrustAnchors?: readonly Uint8Array[];
  /** Renders on a worker thread (default: one started on first use). */
  readonly renderer?: RenderWorker;
  /** Bytes of rendered PDFs kept (default 64 MiB). */
  readonly cacheBytes?: number;
  readonly maxConcurrent?: number;
  /**
   * The web capture service, when this process has one (called at render time: the captures plugin is
   * registered after this one). An entry that stamps a capture's manifest gets the capture section.
   */
  readonly captures?: () => CaptureSource | undefined;
}

/**
 * The signer of a cms/1 signed claim, read for print: the chain judged at the earliest anchor time against
 * the service's SIGNER_CA_FILE anchors when configured, else the signature's own signer certificate with
 * no trust decision (the verifier chooses the CA). Never throws: a bad signature is printed as such.
 */
async function readSigner(receipt: Receipt, trustAnchors: readonly Uint8Array[]): Promise<PrintedSigner | undefined> {
  if (receipt.version !== "priorproof-receipt/2" || receipt.signature?.format !== "cms/1") return undefined;
  const times = receipt.anchors.map((a) => (a.type === "evm" ? a.blockTime : a.genTime)).sort();
  // The CMS and X.509 code (pkijs, asn1js, ethers for EIP-712) loads at the first signed claim printed.
  const { verifyClaimSignature } = await import("@priorproof/client-sdk");
  const { checkCmsSignatureMath } = await import("@priorproof/client-sdk/internal/signature/cms");
  try {
    if (trustAnchors.length > 0 && times[0]) {
      const id = await verifyClaimSignature(receipt, new Date(times[0]), { trustAnchors: [...trustAnchors] });
      if (id.kind === "x509") {
        const s = id.signer;
        return {
          status: "trusted",
          subject: s.subject,
          issuer: s.issuer,
          serial: s.serial,
          notBefore: s.notBefore,
          notAfter: s.notAfter,
          trustAnchor: id.trustAnchor.subject,
          validAt: id.validAt,
        };
      }
    }
    const s = await checkCmsSignatureMath(receipt.signature.cms, statementBytes(statementOfReceipt(receipt, receipt.signature.signedAt)));
    return { status: "unverified-chain", subject: s.subject, issuer: s.issuer, serial: s.serial, notBefore: s.notBefore, notAfter: s.notAfter };
  } catch (e) {
    return { status: "invalid", code: e instanceof PriorProofError ? e.code : "SIGNATURE_INVALID" };
  }
}

export interface DocumentOptions {
  readonly language: CertificateLanguage;
  readonly jurisdiction?: Jurisdiction;
}

export interface Certificates {
  entry(tenantId: string, entryId: string, o: DocumentOptions): Promise<Uint8Array>;
  lineage(tenantId: string, entryId: string, o: DocumentOptions): Promise<Uint8Array>;
  /** With `entryIds`, exactly those entries of the tenant (in that order; others' ids are left out) instead of a filter. */
  portfolio(
    tenantId: string,
    o: DocumentOptions & { status?: string; kind?: string; limit: number; entryIds?: readonly string[]; filterLabel?: string },
  ): Promise<Uint8Array>;
  /** The tenant's default jurisdiction (null: the instance default applies) and the one in effect. */
  getSettings(tenantId: string): Promise<{ jurisdiction: Jurisdiction | null; effective: Jurisdiction }>;
  setSettings(tenantId: string, s: { jurisdiction: Jurisdiction | null }): Promise<{ jurisdiction: Jurisdiction | null; effective: Jurisdiction }>;
  /** Renders done since start (a cache hit renders nothing). */
  readonly renders: number;
  /** Ends the render thread. */
  close(): Promise<void>;
}

export interface ConfigurationWarning {
  readonly code: "OPERATOR_NOT_CONFIGURED" | "PUBLIC_URL_NOT_CONFIGURED";
  readonly variable: "OPERATOR" | "PUBLIC_URL";
  readonly message: string;
}

/** What an operator must still configure before issuing certificates a court can use. */
export function configurationWarnings(c: { operatorConfigured: boolean; publicUrl?: string | undefined }): ConfigurationWarning[] {
  return [
    ...(c.operatorConfigured
      ? []
      : [
          {
            code: "OPERATOR_NOT_CONFIGURED",
            variable: "OPERATOR",
            message: "OPERATOR is not set: certificates name no operator, and none is issued for a non-development chain",
          } as const,
        ]),
    ...(c.publicUrl
      ? []
      : [
          {
            code: "PUBLIC_URL_NOT_CONFIGURED",
            variable: "PUBLIC_URL",
            message: "PUBLIC_URL is not set: certificates carry no public verification link, and none is issued for a non-development chain",
          } as const,
        ]),
  ];
}

const MAX_VERSIONS = 50;
const MAX_PORTFOLIO = 500;

/** The receipt as far as the document depends on it: no issuance time, confirmations capped at finality. */
function stable(r: Receipt): JsonValue {
  const { issuedAt: _issued, ...rest } = r;
  return JSON.parse(
    JSON.stringify({
      ...rest,
      anchors: r.anchors.map((a) => (a.type === "evm" ? { ...a, confirmations: Math.min(a.confirmations, a.requiredConfirmations) } : a)),
    }),
  ) as JsonValue;
}

export function createCertificates(deps: CertificateServiceDeps): Certificates {
  const cache = new Map<string, Uint8Array>();
  const inflight = new Map<string, Promise<Uint8Array>>();
  let cached = 0;
  let renders = 0;
  let running = 0;
  const waiting: (() => void)[] = [];
  const limit = deps.maxConcurrent ?? 2;
  const capacity = deps.cacheBytes ?? 64 * 1024 * 1024;
  const renderer = deps.renderer ?? createRenderWorker();
  /** Documents made while some stored content could not be read (a capture's screenshot or parts): never cached. */
  const uncacheable = new WeakSet<Uint8Array>();

  const slot = async <T>(fn: () => Promise<T>): Promise<T> => {
    if (running >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    running++;
    try {
      return await fn();
    } finally {
      running--;
      waiting.shift()?.();
    }
  };
  /** Renders once per distinct content; concurrent requests for the same content share one render. */
  const memo = async (key: unknown, render: () => Promise<Uint8Array>): Promise<Uint8Array> => {
    const k = createHash("sha256")
      .update(canonicalJson(key as JsonValue))
      .digest("hex");
    const hit = cache.get(k);
    if (hit) {
      cache.delete(k);
      cache.set(k, hit);
      return hit;
    }
    let p = inflight.get(k);
    if (!p) {
      p = slot(async () => {
        renders++;
        return render();
      }).finally(() => inflight.delete(k));
      inflight.set(k, p);
      const pdf = await p;
      if (pdf.length <= capacity / 4 && !uncacheable.has(pdf)) {
        cache.set(k, pdf);
        cached += pdf.length;
        for (const [old, v] of cache) {
          if (cached <= capacity) break;
          cache.delete(old);
          cached -= v.length;
        }
      }
      return pdf;
    }
    return p;
  };

  const ownEntry = async (tenantId: string, id: string): Promise<EntryRecord> => {
    const entry = await deps.store.getEntry(id);
    if (!entry || entry.tenantId !== tenantId) throw new AppError("ENTRY_NOT_FOUND", `no entry ${id}`);
    return entry;
  };
  const tenantName = async (tenantId: string) => (await deps.store.getTenant(tenantId))?.name ?? tenantId;
  /** The request's choice, else the tenant's setting, else the instance default. */
  const jurisdictionOf = async (tenantId: string, asked: Jurisdiction | undefined): Promise<Jurisdiction> => {
    if (asked) return asked;
    const own = (await deps.store.getTenant(tenantId))?.certificateJurisdiction;
    return own === "cn" || own === "us" || own === "eu" ? own : deps.defaultJurisdiction;
  };
  const unconfigured = () => configurationWarnings(deps).map((w) => w.variable);

  /** Refuses a placeholder operator or a link that is not PUBLIC_URL on a document about a real chain. */
  const context = (receipts: readonly Receipt[]) => {
    const real = receipts.some((r) => r.anchors.some((a) => a.type !== "evm" || !a.development));
    if (real && !deps.operatorConfigured)
      throw new AppError(
        "CERTIFICATE_NEEDS_OPERATOR",
        "set OPERATOR (the accountable operator named on certificates) before issuing a certificate for a non-development chain",
        { variable: "OPERATOR" },
      );
    if (real && !deps.publicUrl)
      throw new AppError(
        "CERTIFICATE_NEEDS_PUBLIC_URL",
        "set PUBLIC_URL (the public address of the verification page) before issuing a certificate for a non-development chain",
        { variable: "PUBLIC_URL" },
      );
    return { origin: deps.publicUrl ?? deps.listenUrl, unconfigured: unconfigured() };
  };

  /** The versions of an entry's work, oldest first: back through `claim.previous`, forward through entries naming it. */
  const versionsOf = async (entry: EntryRecord): Promise<EntryRecord[]> => {
    const chain = [entry];
    const seen = new Set([entry.id]);
    for (let e = entry; e.previous && chain.length < MAX_VERSIONS; ) {
      const prev = (await deps.store.findEntries(entry.tenantId, { sha256: e.previous, limit: 1 }))[0];
      if (!prev || seen.has(prev.id)) break;
      chain.unshift((e = prev));
      seen.add(prev.id);
    }
    for (let e = entry; chain.length < MAX_VERSIONS; ) {
      const next = (await deps.store.findEntries(entry.tenantId, { previous: e.sha256, limit: 1 }))[0];
      if (!next || seen.has(next.id)) break;
      chain.push((e = next));
      seen.add(next.id);
    }
    return chain;
  };
  const receiptOrUndefined = (e: EntryRecord) =>
    deps.receipts.getReceipt(e).catch((err: unknown) => {
      if (err instanceof AppError && err.code === "RECEIPT_PENDING") return undefined;
      throw err;
    });

  return {
    get renders() {
      return renders;
    },
    close: () => renderer.close(),

    async getSettings(tenantId) {
      const own = (await deps.store.getTenant(tenantId))?.certificateJurisdiction;
      const jurisdiction = own === "cn" || own === "us" || own === "eu" ? own : null;
      return { jurisdiction, effective: jurisdiction ?? deps.defaultJurisdiction };
    },
    async setSettings(tenantId, s) {
      await deps.store.setCertificateJurisdiction(tenantId, s.jurisdiction);
      return { jurisdiction: s.jurisdiction, effective: s.jurisdiction ?? deps.defaultJurisdiction };
    },

    async entry(tenantId, entryId, o) {
      const entry = await ownEntry(tenantId, entryId);
      const receipt = await deps.receipts.getReceipt(entry);
      const { origin, unconfigured: unset } = context([receipt]);
      const jurisdiction = await jurisdictionOf(tenantId, o.jurisdiction);
      const submittedBy = await tenantName(tenantId);
      const lineage: LineageVersion[] = [];
      if (entry.previous || (await deps.store.findEntries(tenantId, { previous: entry.sha256, limit: 1 })).length > 0) {
        for (const v of await versionsOf(entry)) {
          const r = v.id === entry.id ? receipt : await receiptOrUndefined(v);
          const bound = r?.anchors.map((a) => anchorBound(a, r)).sort()[0];
          lineage.push({
            entryId: v.id,
            sha256: v.sha256,
            status: v.status,
            receivedAt: v.receivedAt,
            ...(bound ? { bound } : {}),
            ...(v.id === entry.id ? { current: true } : {}),
          });
        }
      }
      const verifyUrl = `${origin}/verify#sha256=${receipt.subject.sha256}`;
      const signer = await readSigner(receipt, deps.signerTrustAnchors ?? []);
      const source = deps.captures?.();
      // A web capture's section is a function of the entry's digest (its manifest), so the receipt keys it;
      // the capture's facts (the screenshot read and scaled) and files are read on a cache miss only.
      const key = {
        kind: "entry",
        receipt: stable(receipt),
        language: o.language,
        jurisdiction,
        verifyUrl,
        submittedBy,
        unset,
        lineage: JSON.parse(JSON.stringify(lineage)),
        tz: deps.organisationTimeZone ?? null,
        signer: signer ?? null,
        captures: source !== undefined,
      };
      return memo(key, async () => {
        const capture = source ? await captureOf(source, tenantId, entryId) : undefined;
        const pdf = await renderer.render({
          kind: "entry",
          input: {
            receipt,
            language: o.language,
            jurisdiction,
            verifyUrl,
            submittedBy,
            unconfigured: unset,
            generatedAt: new Date(),
            software: deps.software,
            lineage,
            ...(signer ? { signer } : {}),
            ...(capture ? { capture: capture.capture } : {}),
            ...(deps.organisationTimeZone ? { organisationTimeZone: deps.organisationTimeZone } : {}),
          },
        });
        if (capture?.partial) uncacheable.add(pdf);
        return pdf;
      });
    },

    async lineage(tenantId, entryId, o) {
      const entry = await ownEntry(tenantId, entryId);
      const receipts: Receipt[] = [];
      for (const v of await versionsOf(entry)) {
        const r = await receiptOrUndefined(v);
        if (r) receipts.push(r);
      }
      if (receipts.length === 0) await deps.receipts.getReceipt(entry); // throws RECEIPT_PENDING
      const { origin, unconfigured: unset } = context(receipts);
      const jurisdiction = await jurisdictionOf(tenantId, o.jurisdiction);
      const submittedBy = await tenantName(tenantId);
      const verifyUrl = `${origin}/verify#sha256=${entry.sha256}`;
      const key = {
        kind: "lineage",
        receipts: receipts.map(stable),
        language: o.language,
        jurisdiction,
        verifyUrl,
        submittedBy,
        unset,
        tz: deps.organisationTimeZone ?? null,
      };
      return memo(key, () =>
        renderer.render({
          kind: "lineage",
          input: {
            receipts,
            language: o.language,
            jurisdiction,
            verifyUrl,
            submittedBy,
            unconfigured: unset,
            generatedAt: new Date(),
            software: deps.software,
            ...(deps.organisationTimeZone ? { organisationTimeZone: deps.organisationTimeZone } : {}),
          },
        }),
      );
    },

    async portfolio(tenantId, o) {
      const rows: { entry: EntryRecord; receipt?: Receipt }[] = [];
      if (o.entryIds) {
        if (o.entryIds.length > Math.min(o.limit, MAX_PORTFOLIO))
          throw new AppError("PORTFOLIO_TOO_LARGE", `more than ${Math.min(o.limit, MAX_PORTFOLIO)} entries asked (at most ${MAX_PORTFOLIO})`);
        for (const e of await deps.store.getEntriesByIds(o.entryIds)) if (e.tenantId === tenantId) rows.push({ entry: e });
      }
      for (let after = 0; !o.entryIds; ) {
        const page = await deps.store.findEntries(tenantId, { limit: 200, afterSeq: after });
        for (const e of page) {
          if (o.status && e.status !== o.status) continue;
          if (o.kind && (e.claim ? (JSON.parse(e.claim) as { kind?: string }).kind : undefined) !== o.kind) continue;
          if (rows.length >= Math.min(o.limit, MAX_PORTFOLIO))
            throw new AppError(
              "PORTFOLIO_TOO_LARGE",
              `more than ${Math.min(o.limit, MAX_PORTFOLIO)} entries match: narrow the filter or raise limit (at most ${MAX_PORTFOLIO})`,
            );
          rows.push({ entry: e });
        }
        if (page.length < 200) break;
        after = page[page.length - 1]!.seq;
      }
      for (const row of rows) {
        const r = row.entry.status === "anchored" || row.entry.status === "confirmed" ? await receiptOrUndefined(row.entry) : undefined;
        if (r) row.receipt = r;
      }
      const { unconfigured: unset } = context(rows.flatMap((r) => (r.receipt ? [r.receipt] : [])));
      const tenant = await tenantName(tenantId);
      const filter = o.filterLabel ?? [o.status ? `status=${o.status}` : "", o.kind ? `kind=${o.kind}` : ""].filter(Boolean).join(", ");
      const list = rows.map(({ entry, receipt }) => ({
        entryId: entry.id,
        sha256: entry.sha256,
        status: entry.status,
        receivedAt: entry.receivedAt,
        ...(entry.name ? { name: entry.name } : {}),
        ...(receipt ? { receipt } : {}),
      }));
      const key = {
        kind: "portfolio",
        rows: list.map((r) => ({ ...r, receipt: r.receipt ? stable(r.receipt) : null })),
        language: o.language,
        tenant,
        filter,
        unset,
      };
      return memo(key, () =>
        renderer.render({
          kind: "portfolio",
          input: { rows: list, language: o.language, tenant, filter, unconfigured: unset, generatedAt: new Date(), software: deps.software },
        }),
      );
    },
  };
}
