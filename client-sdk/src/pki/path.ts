/**
 * Certification path building and validation (RFC 5280 §6, the subset a timestamp or signature
 * verifier needs), from an end-entity certificate to a trust anchor the VERIFIER chose, through an
 * untrusted bag of certificates (those a token or a SignedData carries, plus the caller's).
 *
 * Bounded work, whatever the bag holds (issue 14: a loop of mutually-signing CA certificates made the
 * old depth-first search exponential):
 * - at most 64 certificates in the bag (`CERT_BAG_TOO_LARGE`);
 * - paths of at most 6 certificates below the anchor (`CHAIN_TOO_LONG`);
 * - at most 8 issuer candidates considered per certificate (same name as its issuer);
 * - every (child, issuer) signature is checked once (memoised) and at most 256 in all;
 * - a certificate already expanded at the same or a shallower depth is not expanded again, so the
 *   search visits each certificate at most 6 times; a candidate already on the path is a loop, never
 *   followed (`CHAIN_LOOP` when nothing else was found).
 * Each path that reaches an anchor is then validated at the caller's time: every certificate valid
 * then (`SIGNER_EXPIRED`, `SIGNER_NOT_YET_VALID`), every issuer a CA allowed to sign certificates
 * (basic constraints, key usage keyCertSign, path length; `SIGNER_KEY_USAGE`), no unknown critical
 * extension (`SIGNER_UNTRUSTED`).
 */
import { PkiError, type PkiErrorCode } from "../errors.ts";
import { certificateSignedBy } from "./algorithms.ts";
import {
  assertValidAt,
  formatName,
  getBasicConstraints,
  getKeyUsage,
  OID_AUTHORITY_KEY_IDENTIFIER,
  OID_BASIC_CONSTRAINTS,
  OID_EXT_KEY_USAGE,
  OID_KEY_USAGE,
  OID_SUBJECT_KEY_IDENTIFIER,
  type ParsedCertificate,
} from "./certificate.ts";

export interface PathLimits {
  /** Certificates in the untrusted bag (after removing duplicates). */
  readonly maxCertificates: number;
  /** Certificates in a path below the anchor, the end entity included. */
  readonly maxDepth: number;
  /** Issuer candidates (by name) considered per certificate. */
  readonly maxIssuerCandidates: number;
  /** Certificate signature verifications in all. */
  readonly maxSignatureChecks: number;
  /** Anchor-reaching paths collected before validation. */
  readonly maxPaths: number;
}

export const DEFAULT_PATH_LIMITS: PathLimits = { maxCertificates: 64, maxDepth: 6, maxIssuerCandidates: 8, maxSignatureChecks: 256, maxPaths: 4 };

/** The work one path search did (for tests and reports: it is bounded). */
export interface PathStats {
  /** Certificates expanded (their issuers looked up). */
  expansions: number;
  signatureChecks: number;
  /** Issuer candidates considered. */
  candidates: number;
  /** Candidates refused because they were already on the path. */
  loops: number;
  /** Paths cut at the depth limit. */
  depthCutoffs: number;
  /** Paths to an anchor found (before validation). */
  paths: number;
}

/** A path search that found nothing acceptable, with the work it did. */
export class PathBuildingError extends PkiError {
  readonly stats: PathStats;
  constructor(code: PkiErrorCode, message: string, stats: PathStats, options?: { cause?: unknown }) {
    super(code, message, options);
    this.stats = stats;
  }
}

export interface PathOptions {
  /** Trust anchors the verifier chose (never taken from the evidence). */
  readonly trustAnchors: readonly ParsedCertificate[];
  /** Untrusted certificates that may complete the path. */
  readonly certificates: readonly ParsedCertificate[];
  /** The time every certificate must be valid at (the anchor's proven time, a genTime). */
  readonly at: Date;
  readonly limits?: Partial<PathLimits>;
}

/** A validated path: the end entity first, then intermediates; the anchor separately. */
export interface CertificationPath {
  readonly path: readonly ParsedCertificate[];
  readonly anchor: ParsedCertificate;
  readonly stats: PathStats;
}

/** Extensions this validator understands; any other marked critical refuses the path. */
const KNOWN_EXTENSIONS = new Set([
  OID_KEY_USAGE,
  OID_EXT_KEY_USAGE,
  OID_BASIC_CONSTRAINTS,
  OID_SUBJECT_KEY_IDENTIFIER,
  OID_AUTHORITY_KEY_IDENTIFIER,
  "2.5.29.17", // subjectAltName
  "2.5.29.32", // certificatePolicies (not enforced: no policy is required by this verifier)
]);

function unique(list: readonly ParsedCertificate[], exclude: readonly ParsedCertificate[]): ParsedCertificate[] {
  const seen = new Set(exclude.map((c) => c.fingerprint));
  const out: ParsedCertificate[] = [];
  for (const c of list) {
    if (seen.has(c.fingerprint)) continue;
    seen.add(c.fingerprint);
    out.push(c);
  }
  return out;
}

/** Validates one anchor-reaching path at `at`; throws the first problem. */
function validatePath(path: readonly ParsedCertificate[], anchor: ParsedCertificate, at: Date): void {
  for (const [i, c] of path.entries()) {
    assertValidAt(c, at, i === 0 ? "certificate" : "intermediate certificate");
    for (const e of c.cert.extensions ?? []) {
      if (e.critical && !KNOWN_EXTENSIONS.has(e.extnID)) {
        throw new PkiError("SIGNER_UNTRUSTED", `${formatName(c.cert.subject)} carries an unsupported critical extension ${e.extnID}`);
      }
    }
  }
  assertValidAt(anchor, at, "trust anchor");
  // Every issuer (intermediates and the anchor) must be a CA allowed to sign certificates, within its path length.
  const issuers = [...path.slice(1), anchor];
  for (const [k, issuer] of issuers.entries()) {
    const isAnchor = issuer === anchor;
    const bc = getBasicConstraints(issuer.cert);
    // A version-1 trust anchor has no extensions at all; the verifier chose it, so it is a CA by choice.
    if (!bc.cA && !(isAnchor && issuer.cert.version < 2)) {
      throw new PkiError("SIGNER_KEY_USAGE", `${formatName(issuer.cert.subject)} issued a certificate but is not a CA (basic constraints)`);
    }
    const ku = getKeyUsage(issuer.cert);
    if (ku && !ku.keyCertSign) throw new PkiError("SIGNER_KEY_USAGE", `${formatName(issuer.cert.subject)} key usage does not permit certificate signing`);
    // Intermediate CAs below this issuer: those between it and the end entity.
    const below = k;
    if (bc.pathLenConstraint !== undefined && below > bc.pathLenConstraint) {
      throw new PkiError(
        "SIGNER_KEY_USAGE",
        `${formatName(issuer.cert.subject)} allows ${bc.pathLenConstraint} intermediate CAs below it, the path has ${below}`,
      );
    }
  }
}

/**
 * Builds and validates a certification path from `leaf` to one of `options.trustAnchors`, judged at
 * `options.at`. A leaf that is itself a trust anchor (pinned) needs only to be valid then.
 *
 * @example
 * const { path, anchor } = await buildCertificationPath(signer, { trustAnchors: [ca], certificates: carried, at: anchorTime });
 */
export async function buildCertificationPath(leaf: ParsedCertificate, options: PathOptions): Promise<CertificationPath> {
  const limits = { ...DEFAULT_PATH_LIMITS, ...options.limits };
  const stats: PathStats = { expansions: 0, signatureChecks: 0, candidates: 0, loops: 0, depthCutoffs: 0, paths: 0 };
  const fail = (code: PkiErrorCode, message: string, cause?: unknown): never => {
    throw new PathBuildingError(code, message, stats, cause === undefined ? undefined : { cause });
  };
  const at = options.at;
  if (!(at instanceof Date) || Number.isNaN(at.getTime())) fail("SIGNER_UNTRUSTED", "no valid time to judge the certificates at");
  const anchors = unique(options.trustAnchors, []);
  if (anchors.length === 0) fail("SIGNER_UNTRUSTED", "no trust anchor was given");
  const pinned = anchors.find((a) => a.fingerprint === leaf.fingerprint);
  if (pinned) {
    try {
      assertValidAt(leaf, at, "pinned certificate");
    } catch (e) {
      fail((e as PkiError).code, (e as Error).message, e);
    }
    return { path: [leaf], anchor: pinned, stats };
  }
  const bag = unique(options.certificates, [leaf, ...anchors]);
  if (bag.length > limits.maxCertificates) fail("CERT_BAG_TOO_LARGE", `${bag.length} certificates offered, at most ${limits.maxCertificates} are considered`);
  // Self-issued certificates are never intermediates here: a root must come from the trust anchors.
  const pool = bag.filter((c) => !c.cert.subject.isEqual(c.cert.issuer));

  const memo = new Map<string, boolean>();
  let exhausted = false;
  const signs = async (child: ParsedCertificate, issuer: ParsedCertificate): Promise<boolean> => {
    const key = `${child.fingerprint}:${issuer.fingerprint}`;
    const known = memo.get(key);
    if (known !== undefined) return known;
    if (stats.signatureChecks >= limits.maxSignatureChecks) {
      exhausted = true;
      return false;
    }
    stats.signatureChecks++;
    const ok = await certificateSignedBy(child.cert, issuer.cert);
    memo.set(key, ok);
    return ok;
  };

  const found: { path: ParsedCertificate[]; anchor: ParsedCertificate }[] = [];
  const expandedAt = new Map<string, number>();
  const search = async (path: ParsedCertificate[]): Promise<void> => {
    const tip = path[path.length - 1] as ParsedCertificate;
    stats.expansions++;
    for (const a of anchors) {
      if (found.length >= limits.maxPaths) return;
      if (a.cert.subject.isEqual(tip.cert.issuer) && (await signs(tip, a))) {
        found.push({ path, anchor: a });
        stats.paths++;
      }
    }
    if (found.length >= limits.maxPaths) return;
    const candidates = pool.filter((c) => c.cert.subject.isEqual(tip.cert.issuer)).slice(0, limits.maxIssuerCandidates);
    for (const c of candidates) {
      if (found.length >= limits.maxPaths || exhausted) return;
      stats.candidates++;
      if (path.includes(c)) {
        stats.loops++;
        continue;
      }
      if (path.length >= limits.maxDepth) {
        stats.depthCutoffs++;
        continue;
      }
      const seenAt = expandedAt.get(c.fingerprint);
      if (seenAt !== undefined && seenAt <= path.length) continue;
      if (!(await signs(tip, c))) continue;
      expandedAt.set(c.fingerprint, path.length);
      await search([...path, c]);
    }
  };
  await search([leaf]);

  const who = `${formatName(leaf.cert.subject)} (issuer ${formatName(leaf.cert.issuer)})`;
  if (found.length === 0) {
    if (stats.loops > 0)
      fail("CHAIN_LOOP", `${who}: issuer certificates only lead back into the path (a loop of certificates signing each other), no trust anchor reached`);
    if (stats.depthCutoffs > 0 || exhausted)
      fail(
        "CHAIN_TOO_LONG",
        `${who}: no trust anchor within ${limits.maxDepth} certificates` +
          (exhausted ? ` (search budget of ${limits.maxSignatureChecks} signature checks spent)` : ""),
      );
    fail("SIGNER_UNTRUSTED", `${who} does not chain to a trust anchor`);
  }
  let first: unknown;
  for (const { path, anchor } of found) {
    try {
      validatePath(path, anchor, at);
      return { path, anchor, stats };
    } catch (e) {
      first ??= e;
    }
  }
  const e = first as PkiError;
  return fail(e.code, e.message, e);
}
