import fp from "fastify-plugin";
import type { ChainClient } from "../chain/client.ts";
import type { AnchoredBatch } from "../chain/inclusion.ts";
import type { EvmInclusion } from "@priorproof/client-sdk";
import { createAnchorer, type Anchorer } from "../services/anchorer.ts";
import { createBatcher, type Batcher } from "../services/batcher.ts";
import { createEventHub, type EventHub } from "../services/events.ts";
import { createAnchorBudget } from "../services/anchor-budget.ts";
import { listDagMultihashes } from "../services/ipfs/index.ts";
import { createFaultPoints, type FaultPoint } from "../services/faults.ts";
import { createIdempotency, type Idempotency } from "../services/idempotency.ts";
import { createIngest, recoverSpool, type FileImporter, type Ingest } from "../services/ingest.ts";
import { sweepUnreachableBlocks } from "../services/ipfs/gc.ts";
import { createLease, type Lease } from "../services/lease.ts";
import { createClusterReplicator, createPinningServiceReplicator, type Replicator } from "../services/ipfs/replication.ts";
import type { EmbeddedIpfs } from "../services/ipfs/embedded.ts";
import { createReplicationWorker, type ReplicationWorker } from "../services/replication-worker.ts";
import { createPinner, type Pinner } from "../services/pinner.ts";
import { configurationWarnings, createCertificates, type Certificates } from "../services/certificates/service.ts";
import { createReceipts, type Receipts } from "../services/receipts.ts";
import { createTimestamper, type Timestamper } from "../services/timestamper.ts";
import { createSignatureCheck } from "../services/signatures.ts";
import { createWebhookWorker, type WebhookWorker } from "../services/webhooks.ts";
import { readFileSync } from "node:fs";
import { SOFTWARE } from "../version.ts";

declare module "fastify" {
  interface FastifyInstance {
    /** The tenants' event outboxes, followed by GET /v1/events (and read by the webhook worker). */
    events: EventHub;
    ingest: Ingest;
    batcher: Batcher;
    anchorers: Map<number, Anchorer>;
    /** Leader leases this process competes for (`anchorer:<chainId>`, `timestamper`); empty without workers. */
    leases: Map<string, Lease>;
    receipts: Receipts;
    /** Certificates, lineage documents and portfolio reports (rendered once per content). */
    certificates: Certificates;
    /** Imports uploads spooled while IPFS was unavailable (runs with the workers). */
    pinner: Pinner;
    /** Present when TSA_URL is configured. */
    timestamper: Timestamper | undefined;
    /** Replication of stored content to remote pinners; undefined when none is configured. */
    replication: ReplicationWorker | undefined;
    /** Delivers webhooks from the outbox (the holder of the `webhooks` lease) and prunes the outbox. */
    webhooks: WebhookWorker;
    /** Idempotency-Keys of stamp and upload requests (kept IDEMPOTENCY_KEY_TTL_MS, swept hourly). */
    idempotency: Idempotency;
    /** Fault points for the crash and failover suites (no-ops unless TEST_FAULT_DIR is set). */
    faultPoint: FaultPoint;
    /** DER trust anchors for RFC 3161 tokens (TSA_CA_FILE). */
    tsaTrustAnchors: Uint8Array[];
    /** DER CA certificates for claimant signatures (SIGNER_CA_FILE); empty when not configured. */
    signerTrustAnchors: Uint8Array[];
    /** Imports into IPFS and records the DAG's block multihashes (ownership by content hash); web capture parts go through it. */
    importAndRecord: FileImporter;
  }
}

export { SOFTWARE };

/**
 * Composes the domain services over the store, the chains and IPFS. When `workers` is on, this process
 * competes through the store for each chain's `anchorer:<chainId>` lease (and the `timestamper` lease),
 * renewed every LEASE_TTL_MS/3: only the holder closes that chain's batches and runs its anchorer, and
 * every such write carries the lease's fencing token, so that exactly one process anchors each chain
 * even when several share a database, and a paused former holder cannot write after losing the lease.
 */
export default fp(
  async (app) => {
    const { config, store, ipfs } = app;
    const chainIds = [...app.chains.keys()];
    const events = createEventHub({ store, retentionMs: config.events.retentionMs });
    const leases = new Map<string, Lease>();
    const { pinningService, cluster, origins } = config.replication;
    // REPLICATION_ORIGINS when set (a Kubo node, an announced public address), else the embedded node's listen addresses.
    const replicationOrigins = async () => (origins.length > 0 ? origins : ((await app.ipfsNode?.settledMultiaddrs()) ?? []));
    const replicators: Replicator[] = [
      ...(pinningService ? [createPinningServiceReplicator({ ...pinningService, origins: replicationOrigins })] : []),
      ...(cluster ? [createClusterReplicator({ ...cluster, origins: replicationOrigins })] : []),
    ];
    const anchorerLease = (chainId: number) => `anchorer:${chainId}`;
    const faultPoint = createFaultPoints(config.testFaultDir);
    if (config.workers) {
      const names = [...chainIds.map(anchorerLease), "webhooks", ...(config.tsaUrl ? ["timestamper"] : []), ...(replicators.length > 0 ? ["replicator"] : [])];
      // A new anchorer leader closes and anchors at once instead of waiting for its next interval.
      const onAcquired = (name: string) => () => {
        if (!name.startsWith("anchorer:")) return;
        const anchorer = anchorers.get(Number(name.slice("anchorer:".length)));
        batcher
          .closeBatches()
          .then(() => anchorer?.tick())
          .catch((e: unknown) => app.log.warn({ err: e instanceof Error ? e.message : String(e) }, "first pass after taking the lease failed"));
      };
      for (const name of names)
        leases.set(name, createLease({ store, name, holder: config.nodeId, ttlMs: config.leaseTtlMs, log: app.log, onAcquired: onAcquired(name) }));
    }
    const fenceOf = (chainId: number) => leases.get(anchorerLease(chainId))?.fence();
    const batcher = createBatcher({
      store,
      chainIds,
      maxSize: config.batchMaxSize,
      intervalMs: config.batchIntervalMs,
      onBatch: (b) => app.log.info({ batch: b.id, chainId: b.chainId, size: b.treeSize, root: b.root }, "batch closed"),
      onError: (e) => app.log.error({ err: e }, "batch close failed"),
      ...(config.workers ? { fence: fenceOf } : {}),
      faultPoint,
      log: app.log,
    });
    const signerTrustAnchors = config.signerCaFile
      ? (await import("@priorproof/client-sdk/tsa")).certificatesFromPem(readFileSync(config.signerCaFile, "utf8"))
      : [];
    // Every stored DAG's block multihashes are recorded before its entry exists (ownership by content hash).
    const importAndRecord: FileImporter = async (source, o) => {
      const imported = await ipfs.importFile(source, { maxBytes: o.maxBytes });
      await store.recordDagBlocks(imported.cid, imported.blocks ?? (await listDagMultihashes((c) => ipfs.block(c), imported.cid)));
      return imported;
    };
    const ingest = createIngest({
      store,
      chainIds,
      importFile: importAndRecord,
      hashPool: app.hashPool,
      cidProfile: config.ipfsProfile,
      maxFileBytes: config.maxFileBytes,
      onEntries: (n) => batcher.notify(n),
      onPublished: (cid) => app.ipfsNode?.announce(cid),
      warn: (message, error) => app.log.warn({ err: error }, message),
      spoolDir: config.spoolDir,
      checkSignature: createSignatureCheck({ trustAnchors: signerTrustAnchors }),
    });
    const pinner = createPinner({
      store,
      importFile: importAndRecord,
      spoolDir: config.spoolDir,
      cidProfile: config.ipfsProfile,
      maxFileBytes: config.maxFileBytes,
      intervalMs: config.pinRetryIntervalMs,
      log: app.log,
      onPublished: (cid) => app.ipfsNode?.announce(cid),
    });
    const anchorers = new Map<number, Anchorer>();
    for (const chain of app.chains.values()) {
      const chainId = chain.config.chainId;
      const settings = config.chains.find((c) => c.chainId === chainId);
      const budget = createAnchorBudget({
        chainId,
        maxTxPerHour: settings?.maxTxPerHour ?? 0,
        maxGasPriceWei: settings?.maxGasPriceWei ?? 0n,
        onLimit: (e) => app.log.warn({ ...e, event: "anchor.budget_reached" }, "anchoring budget reached: batches wait until it allows"),
      });
      anchorers.set(
        chainId,
        createAnchorer({
          store,
          chain,
          faultPoint,
          captureInclusion: lazyInclusionCapture(chain),
          tickMs: config.anchorTickMs,
          replaceAfterMs: config.anchorReplaceAfterMs,
          log: app.log,
          budget,
          ...(config.workers ? { fence: () => fenceOf(chainId) } : {}),
        }),
      );
    }
    const receipts = createReceipts({
      store,
      chains: app.chains,
      operator: config.operator,
      software: SOFTWARE,
      ...(config.publicUrl ? { publicUrl: config.publicUrl } : {}),
    });

    const tsaTrustAnchors = config.tsaCaFile ? (await import("@priorproof/client-sdk/tsa")).certificatesFromPem(readFileSync(config.tsaCaFile, "utf8")) : [];
    if (config.tsaUrl && tsaTrustAnchors.length === 0) throw new Error("TSA_URL needs TSA_CA_FILE: the PEM certificates the TSA must chain to");
    const timestamper = config.tsaUrl
      ? createTimestamper({
          store,
          // RFC 3161 code (pkijs, asn1js) loads only when a TSA is configured.
          tsa: (await import("../services/tsa-client.ts")).createTsaClient({
            url: config.tsaUrl,
            timeoutMs: 15_000,
            retry: { attempts: 3, baseDelayMs: 500 },
            trustAnchors: tsaTrustAnchors,
          }),
          log: app.log,
          ...(config.workers ? { fence: () => leases.get("timestamper")?.fence() } : {}),
        })
      : undefined;
    const replication =
      replicators.length > 0
        ? createReplicationWorker({
            // Without REPLICATION_ORIGINS the origin is the embedded node, which serves published content only.
            store,
            replicators,
            publicOnly: origins.length === 0 && app.ipfsNode !== undefined,
            intervalMs: config.replication.intervalMs,
            pollMs: config.replication.pollMs,
            backoffMs: config.replication.retryMs,
            log: app.log,
            ...(config.workers ? { fence: () => leases.get("replicator")?.fence() } : {}),
          })
        : undefined;

    let lastPrune = 0;
    const webhooks = createWebhookWorker({
      store,
      allowPrivate: config.events.webhookAllowPrivate,
      timeoutMs: config.events.webhookTimeoutMs,
      retryForMs: config.events.webhookRetryForMs,
      backoffMs: config.events.webhookBackoffMs,
      intervalMs: config.events.webhookIntervalMs,
      log: app.log,
      // Outbox retention: the webhooks leader prunes every ten minutes.
      onRound: async () => {
        if (Date.now() - lastPrune < 600_000) return;
        lastPrune = Date.now();
        const pruned = await events.prune();
        if (pruned > 0) app.log.info({ pruned }, "events outbox pruned");
      },
      ...(config.workers ? { fence: () => leases.get("webhooks")?.fence() } : {}),
    });

    const idempotency = createIdempotency({ store, retentionMs: config.idempotencyKeyTtlMs, log: app.log });
    app.decorate("idempotency", idempotency);
    app.decorate("faultPoint", faultPoint);
    app.decorate("events", events);
    app.decorate("webhooks", webhooks);
    app.decorate("replication", replication);
    app.decorate("timestamper", timestamper);
    app.decorate("tsaTrustAnchors", tsaTrustAnchors);
    app.decorate("signerTrustAnchors", signerTrustAnchors);
    app.decorate("ingest", ingest);
    app.decorate("importAndRecord", importAndRecord);
    app.decorate("batcher", batcher);
    app.decorate("anchorers", anchorers);
    app.decorate("leases", leases);
    app.decorate("receipts", receipts);
    const certificates = createCertificates({
      store,
      receipts,
      operatorConfigured: config.operatorConfigured,
      listenUrl: `http://${config.host}:${config.port}`,
      defaultJurisdiction: config.certificateJurisdiction,
      software: SOFTWARE,
      signerTrustAnchors,
      // The captures plugin registers after this one: looked up when a certificate is rendered.
      captures: () => (app.hasDecorator("captures") ? app.captures : undefined),
      ...(config.publicUrl ? { publicUrl: config.publicUrl } : {}),
      ...(config.organisationTimeZone ? { organisationTimeZone: config.organisationTimeZone } : {}),
    });
    app.decorate("certificates", certificates);
    app.addHook("onClose", () => certificates.close());
    app.decorate("pinner", pinner);

    // An unconfigured instance says so at start (and in /readyz): its certificates are for development only.
    app.addHook("onReady", async () => {
      for (const w of configurationWarnings(config)) app.log.warn({ code: w.code, variable: w.variable }, w.message);
    });
    // Recovery, before this process takes requests or runs workers: what a crash left of uploads that
    // never became entries or capture parts (spool files, imported blocks) is removed; spooled uploads
    // of pending entries stay for the pin retry worker.
    let spooledAtStart = 0;
    app.addHook("onReady", async () => {
      const started = performance.now();
      const spool = await recoverSpool({ store, spoolDir: config.spoolDir });
      spooledAtStart = spool.kept;
      // A database without any stored content next to a blockstore that has some is a misconfiguration
      // (a fresh DATABASE_URL, a restore gone wrong), not a crash: never sweep then.
      const anyRoot = (await store.listEntryCids(0, 1)).length > 0 || (await store.captures.listPartCids("", 1)).length > 0;
      if (!anyRoot && ipfs.kind === "embedded") app.log.warn("recovery: no stored entry has content; the blockstore is left as it is");
      const blocks =
        ipfs.kind === "embedded" && "blockstore" in ipfs && anyRoot
          ? await sweepUnreachableBlocks({ blockstore: (ipfs as EmbeddedIpfs).blockstore, roots: liveRoots() })
          : undefined;
      if (spool.removed > 0 || (blocks && blocks.removed > 0)) {
        app.log.warn(
          {
            spoolRemoved: spool.removed,
            spoolKept: spool.kept,
            blocksRemoved: blocks?.removed,
            bytesRemoved: blocks?.bytesRemoved,
            ms: Math.round(performance.now() - started),
          },
          "recovery removed what interrupted uploads left",
        );
      }
      if (blocks && blocks.missing > 0) app.log.warn({ missing: blocks.missing }, "recovery: blocks of stored content are missing from the blockstore");
    });
    async function* liveRoots(): AsyncGenerator<string> {
      for (let after = 0; ; ) {
        const page = await store.listEntryCids(after, 1_000);
        for (const r of page) yield r.cid;
        if (page.length < 1_000) break;
        after = page[page.length - 1]!.seq;
      }
      // Web capture parts are stored content too, though not entries (store/captures.ts).
      for (let after = ""; ; ) {
        const page = await store.captures.listPartCids(after, 1_000);
        yield* page;
        if (page.length < 1_000) return;
        after = page[page.length - 1]!;
      }
    }

    if (config.workers) {
      app.addHook("onReady", async () => {
        idempotency.start();
        for (const l of leases.values()) l.start();
        batcher.start();
        for (const a of anchorers.values()) a.start();
        timestamper?.start();
        replication?.start();
        webhooks.start();
        pinner.start();
        // Spooled uploads found at start are imported now rather than after a first interval.
        if (spooledAtStart > 0)
          void pinner.tick().catch((e: unknown) => app.log.warn({ err: e instanceof Error ? e.message : String(e) }, "pin retry at start failed"));
      });
    }
    app.addHook("onClose", async () => {
      idempotency.stop();
      await batcher.stop();
      for (const a of anchorers.values()) await a.stop();
      await timestamper?.stop();
      await replication?.stop();
      await webhooks.stop();
      await pinner.stop();
      // Released last, after this process's writes stopped: another process takes over at once.
      for (const l of leases.values()) await l.stop();
      events.close();
    });
  },
  { name: "services", dependencies: ["config", "store", "chain", "ipfs", "ipfs-node", "budgets"] },
);

/**
 * `createInclusionCapture` loaded at the first anchor it captures: its trie and RLP code (@ethereumjs,
 * ~90 modules) is not needed by a node that has not anchored yet.
 */
function lazyInclusionCapture(chain: ChainClient): (txHash: string, batch: AnchoredBatch) => Promise<EvmInclusion> {
  let capture: Promise<(txHash: string, batch: AnchoredBatch) => Promise<EvmInclusion>> | undefined;
  return async (txHash, batch) => {
    capture ??= import("../chain/inclusion.ts").then((m) => m.createInclusionCapture(chain));
    return (await capture)(txHash, batch);
  };
}
