/**
 * The IPFS layer of the PriorProof service: one-pass UnixFS import (CID + SHA-256 + size from a
 * single read), verified retrieval (file bytes, CAR, raw blocks), trustless-gateway responses, and
 * two interchangeable backends (embedded blockstore, Kubo RPC).
 */
export type { BackendImportOptions, HasOptions, IpfsBackend } from "./backend.ts";
export { openFsBlockstore } from "./blockstore.ts";
export type { IpfsBlockstore, OpenBlockstore } from "./blockstore.ts";
export { parseCid, verifyBlock } from "./cid.ts";
export { listDagMultihashes, multihashKey } from "./dag-blocks.ts";
export { CAR_CONTENT_TYPE, catFile, exportCar, getBlock, hasContent } from "./content.ts";
export type { ReadableBlockstore, ReadFileOptions, ReadOptions } from "./content.ts";
export { createEmbeddedIpfs } from "./embedded.ts";
export type { EmbeddedIpfs, EmbeddedIpfsOptions } from "./embedded.ts";
export { ContentNotFoundError, FileTooLargeError, IpfsError, isIpfsError } from "./errors.ts";
export type { IpfsErrorReason } from "./errors.ts";
export { DAG_SCOPES, gatewayErrorStatus, selectTrustlessFormat, serveTrustlessGateway, type DagScope, type GatewayOptions } from "./gateway.ts";
export type { GatewayResponse, TrustlessFormat } from "./gateway.ts";
export { importFile } from "./import.ts";
export type { BlockSink, ImportedFile, ImportFileOptions } from "./import.ts";
// createKuboIpfs is imported from ./kubo.ts where it is used, so a node without Kubo never loads kubo-rpc-client.
export type { KuboIpfs, KuboIpfsOptions } from "./kubo.ts";
export { DEFAULT_IMPORT_PROFILE, IMPORT_PROFILES, getImportProfile, toImporterOptions } from "./profiles.ts";
export type { ImportProfile, ImportProfileName } from "./profiles.ts";
export { createHashingTap } from "./tap.ts";
export type { HashingTap, HashingTapOptions, TapResult } from "./tap.ts";
