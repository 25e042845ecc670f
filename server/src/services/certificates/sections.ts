/**
 * The certificate's content as numbered sections. Which sections exist depends on the evidence (an RFC
 * 3161 token, a signature, earlier versions); numbers are given to the sections present, in order, and
 * every cross-reference is resolved through the same numbering, so "section N" always names a section
 * that is printed, in every configuration.
 */
import { DEFAULT_CHAIN_REGISTRY, type EvmAnchor, type Receipt, type ReceiptProof, type Rfc3161Anchor } from "@priorproof/client-sdk";
import { anchorBound, certificateIdentity, plainTime, printable } from "./identity.ts";
import { captureBlocks, type CertificateCapture } from "./capture-section.ts";
import type { CertificateLanguage, Ref, SectionKey, Strings } from "./i18n.ts";
import { CAPTURE_STRINGS } from "./i18n-capture.ts";
import type { Block, Section } from "./layout.ts";
import { jurisdictionPack, type Jurisdiction } from "./packs.ts";

/** An earlier (or later) version of the same work, as the lineage section lists it. */
export interface LineageVersion {
  readonly entryId: string;
  readonly sha256: string;
  readonly status: string;
  readonly receivedAt: string;
  /** The conservative bound of its earliest anchor, when anchored. */
  readonly bound?: string;
  readonly current?: boolean;
}

export interface SectionInput {
  readonly receipt: Receipt;
  readonly language: CertificateLanguage;
  readonly jurisdiction: Jurisdiction;
  /** The account (tenant) that submitted the entry. */
  readonly submittedBy: string;
  readonly organisationTimeZone?: string;
  readonly generatedAt: Date;
  /** Block-time tolerance override; default the chain registry's value for each anchor's chain. */
  readonly toleranceSeconds?: number;
  /** Every version of the work, oldest first (this entry marked `current`); empty or absent: none known. */
  readonly lineage?: readonly LineageVersion[];
  /** The signer of a signed claim as the service read it (cms/1): see service.ts `signerFacts`. */
  readonly signer?: PrintedSigner;
  /** Configuration variables unset on this instance (OPERATOR: the placeholder operator is not printed). */
  readonly unconfigured?: readonly string[];
  /** When the entry stamps a web capture's manifest: its facts and the files attached for it. */
  readonly capture?: CertificateCapture;
}

/**
 * The signer certificate of a cms/1 signed claim, as the service read it when rendering: `trusted` when
 * the chain reached one of the service's SIGNER_CA_FILE anchors at the anchor time, `unverified-chain`
 * when the signature holds but no anchor was configured (a verifier must choose one), `invalid` with a
 * code otherwise. Plain data: the renderer prints it, it decides nothing.
 */
export interface PrintedSigner {
  readonly status: "trusted" | "unverified-chain" | "invalid";
  readonly subject?: string;
  readonly issuer?: string;
  readonly serial?: string;
  readonly notBefore?: string;
  readonly notAfter?: string;
  readonly trustAnchor?: string;
  readonly validAt?: string;
  readonly code?: string;
}

/** The signature of a receipt/2 (docs/design/format-v2.md, "Signed claims"), read without trusting it. */
interface PrintedSignature {
  format?: unknown;
  signedAt?: unknown;
  signer?: unknown;
  chainId?: unknown;
  value?: unknown;
  cms?: unknown;
}

/** A chain's printed name: configured without a name (`chain <id>`), it is said in the certificate's language. */
export function chainNameOf(t: Strings, a: Pick<EvmAnchor, "chainName" | "chainId">): string {
  return a.chainName === `chain ${a.chainId}` ? t.unnamedChain(a.chainId) : printable(a.chainName, 100).text;
}

/** The operator as printed: the configured name, or "not configured" (never the placeholder text). */
export function operatorOf(t: Strings, receipt: Receipt, unconfigured: readonly string[] | undefined): string {
  return unconfigured?.includes("OPERATOR") ? t.operatorUnset : printable(receipt.service.operator, 300).text;
}

export const evmAnchors = (r: Receipt) => r.anchors.filter((a): a is EvmAnchor => a.type === "evm");
export const tsaAnchors = (r: Receipt) => r.anchors.filter((a): a is Rfc3161Anchor => a.type === "rfc3161");

function localTime(iso: string, zone: string | undefined, language: CertificateLanguage): string | undefined {
  if (!zone) return undefined;
  try {
    return (
      new Intl.DateTimeFormat(language === "zh-CN" ? "zh-CN" : "en-GB", { timeZone: zone, dateStyle: "long", timeStyle: "long" }).format(new Date(iso)) +
      ` (${zone})`
    );
  } catch {
    return undefined;
  }
}

const field = (label: string, value: string | number | undefined | null, style?: "hex" | "mono"): Block[] =>
  value === undefined || value === null || value === "" ? [] : [{ kind: "field", label, value: String(value), ...(style ? { style } : {}) }];

/** User text: printable, bounded; notes when it was cut or held line breaks. */
function userField(t: Strings, label: string, value: string | undefined, notes: Set<string>): Block[] {
  if (value === undefined || value === "") return [];
  const p = printable(value, 1_000);
  if (p.cut) notes.add(t.truncated);
  if (p.text.includes("¶")) notes.add(t.newlineNote);
  return field(label, p.text);
}

/** The AI process record as a two-column table (nested values in compact JSON), bounded in rows and length. */
function aiTable(t: Strings, ai: Readonly<Record<string, unknown>>, notes: Set<string>): Block[] {
  const MAX_ROWS = 40;
  const entries = Object.entries(ai);
  if (entries.length > MAX_ROWS) notes.add(t.truncated);
  const rows = entries.slice(0, MAX_ROWS).map(([k, v]) => {
    const key = printable(k, 80);
    const value = printable(typeof v === "string" ? v : (JSON.stringify(v) ?? ""), 400);
    if (key.cut || value.cut) notes.add(t.truncated);
    if (value.text.includes("¶")) notes.add(t.newlineNote);
    return [key.text, value.text];
  });
  return [
    { kind: "para", text: t.l.cAi, style: "small" },
    { kind: "table", head: [t.l.aiKey, t.l.aiValue], rows, widths: [0.28, 0.72] },
  ];
}

function proofBlocks(t: Strings, proof: ReceiptProof): Block[] {
  return [
    ...field(t.l.index, proof.index),
    ...field(t.l.treeSize, proof.treeSize),
    ...proof.path.flatMap((n, i) => field(`${t.l.pathNode} ${i + 1} / ${proof.path.length}`, n, "hex")),
    ...field(t.l.root, proof.root, "hex"),
  ];
}

/** Builds the sections of one entry's certificate, numbered, with cross-references resolved. */
export function buildSections(input: SectionInput, t: Strings): { sections: Section[]; ref: Ref } {
  const { receipt } = input;
  const evm = evmAnchors(receipt);
  const tsas = tsaAnchors(receipt);
  const signature = (receipt as { signature?: PrintedSignature }).signature;
  const lineage = (input.lineage ?? []).length > 1 ? input.lineage! : [];

  const present: SectionKey[] = [
    "subject",
    ...(input.capture ? ["capture" as const] : []),
    "claim",
    ...(signature ? ["signature" as const] : []),
    "service",
    "anchors",
    ...(tsas.length > 0 ? ["tsa" as const] : []),
    "proof",
    ...(lineage.length > 0 ? ["lineage" as const] : []),
    "statements",
    "jurisdiction",
    "verify",
    "identity",
  ];
  const numbers = new Map(present.map((k, i) => [k, i + 1]));
  const ref: Ref = (k) => (numbers.has(k) ? t.sectionRef(numbers.get(k)!) : "");
  const pack = jurisdictionPack(input.jurisdiction, input.language, {
    ref,
    development: evm.some((a) => a.development),
    tsa: tsas.length === 0 ? "none" : tsas.some((a) => a.qualified) ? "qualified" : "ordinary",
  });
  const notes = new Set<string>();
  const cs = CAPTURE_STRINGS[input.language];
  const content: Record<SectionKey, () => Block[]> = {
    subject: () => {
      const s = receipt.subject;
      return [
        ...userField(t, t.l.name, s.name, notes),
        ...field(t.l.size, s.size !== undefined ? `${s.size.toLocaleString("en-US")} ${t.bytes}` : undefined),
        ...userField(t, t.l.media, s.mediaType, notes),
        ...field(t.l.sha256, s.sha256, "hex"),
        ...field(t.l.sha3, s.sha3_256, "hex"),
        ...field(t.l.stored, s.cid ? (s.encrypted ? t.l.storedEncrypted : t.l.storedYes) : t.l.storedNo),
        ...field(s.encrypted ? t.l.cidEncrypted : t.l.cid, s.cid, "mono"),
        ...field(t.l.cidProfile, s.cidProfile, "mono"),
        // Client-side encryption: the stamp is the plaintext's, the stored (and CID-named) bytes the ciphertext's.
        ...(s.encrypted && s.cid ? [{ kind: "para", text: t.l.encryptedNote, style: "small" } satisfies Block] : []),
      ];
    },
    capture: () => captureBlocks(input.capture!, t, cs),
    claim: () => {
      const c = receipt.claim;
      if (!c) return [{ kind: "para", text: t.l.claimNone }];
      const blocks = [
        ...userField(t, t.l.cTitle, c.title, notes),
        ...field(t.l.cKind, c.kind ? (t.kinds[c.kind] ?? c.kind) : undefined),
        ...userField(t, t.l.cAuthor, c.author, notes),
        ...userField(t, t.l.cClaimant, c.claimant, notes),
        ...field(t.l.cPrevious, c.previous, "hex"),
        ...userField(t, t.l.cNote, c.note, notes),
        ...(c.aiProcess ? aiTable(t, c.aiProcess, notes) : []),
      ];
      return [...blocks, ...[...notes].map((n): Block => ({ kind: "para", text: n, style: "small" }))];
    },
    signature: () => {
      const s = signature!;
      const str = (v: unknown) => (typeof v === "string" || typeof v === "number" ? printable(String(v), 200).text : undefined);
      return [
        ...field(t.l.sigFormat, str(s.format)),
        ...field(t.l.sigSignedAt, str(s.signedAt)),
        ...field(t.l.sigSigner, str(s.signer), "mono"),
        ...field(t.l.sigChain, str(s.chainId)),
        ...field(
          t.l.sigValue,
          typeof s.value === "string" ? printable(s.value, 200).text : typeof s.cms === "string" ? printable(s.cms, 120).text : undefined,
          "mono",
        ),
        ...signerBlocks(input.signer, t),
        { kind: "para", text: t.l.sigNote, style: "small" },
      ];
    },
    service: () => [
      ...field(t.l.submittedBy, printable(input.submittedBy, 200).text),
      { kind: "para", text: t.l.submittedByNote, style: "small" },
      ...field(t.l.operator, operatorOf(t, receipt, input.unconfigured)),
      ...field(t.l.received, receipt.service.receivedAt),
      ...field(t.l.requestId, receipt.service.requestId),
      ...field(t.l.software, receipt.service.software),
      ...field(t.l.issued, receipt.issuedAt),
      ...field(t.l.certificateIssued, input.generatedAt.toISOString()),
    ],
    anchors: () =>
      evm.flatMap((a, i) => [
        ...(i > 0 ? [{ kind: "rule" } as const] : []),
        ...field(t.l.chain, t.chainLabel(chainNameOf(t, a), a.chainId, a.development)),
        ...field(t.l.bound, `${plainTime(anchorBound(a, receipt, input.toleranceSeconds))} UTC`),
        ...field(t.l.blockTime, a.blockTime),
        ...field(t.l.localTime, localTime(a.blockTime, input.organisationTimeZone, input.language)),
        {
          kind: "para",
          text: t.timeWhy(input.toleranceSeconds ?? DEFAULT_CHAIN_REGISTRY.get(a.chainId).blockTimeToleranceSeconds, receipt.service.receivedAt),
          style: "small",
        } as const,
        ...field(t.l.contract, a.contract, "hex"),
        ...field(t.l.deployTx, a.deployTxHash, "hex"),
        ...field(t.l.tx, a.txHash, "hex"),
        ...field(t.l.blockNumber, a.blockNumber),
        ...field(t.l.blockHash, a.blockHash, "hex"),
        ...field(
          t.l.depth,
          `${Math.min(a.confirmations, a.requiredConfirmations)}` +
            (a.confirmations >= a.requiredConfirmations ? "+" : "") +
            ` (${a.confirmations >= a.requiredConfirmations ? t.l.final : t.l.notFinal}; ${a.requiredConfirmations} ${t.l.required})`,
        ),
        ...(a.explorerUrl && /^https?:\/\//.test(a.explorerUrl) ? field(t.l.explorer, `${a.explorerUrl.replace(/\/$/, "")}/tx/${a.txHash}`, "mono") : []),
        ...(a.inclusion
          ? [
              ...field(t.l.offline, t.l.offlineValue),
              ...field(t.l.lookup, t.l.lookupValue(a.blockNumber, a.chainId, a.blockHash)),
              ...(a.explorerUrl && /^https?:\/\//.test(a.explorerUrl)
                ? field(t.l.explorerBlock, `${a.explorerUrl.replace(/\/$/, "")}/block/${a.blockNumber}`, "mono")
                : []),
            ]
          : []),
      ]),
    tsa: () =>
      tsas.flatMap((a, i) => [
        ...(i > 0 ? [{ kind: "rule" } as const] : []),
        ...field(t.l.tsa, printable(a.tsa.subject, 300).text),
        ...field(t.l.tsaIssuer, printable(a.tsa.issuer, 300).text),
        ...field(t.l.tsaSerial, a.tsa.serial, "mono"),
        ...field(t.l.tsaFp, a.tsa.sha256Fingerprint, "hex"),
        ...field(t.l.genTime, a.genTime),
        ...field(t.l.bound, `${plainTime(anchorBound(a, receipt))} UTC`),
        { kind: "para", text: t.tsaTime, style: "small" } as const,
        ...field(t.l.serial, a.serial, "mono"),
        ...field(t.l.policy, a.policy, "mono"),
        ...field(t.l.qualified, a.qualified ? t.yes : t.no),
        ...field(t.l.stamped, a.proof.root, "hex"),
      ]),
    proof: () => {
      const head: Block[] = [
        ...field(t.l.leafEnc, receipt.leaf.encoding, "mono"),
        ...field(t.l.claimDigest, receipt.leaf.claimSha256 ?? t.none, receipt.leaf.claimSha256 ? "hex" : undefined),
        ...field(t.l.salt, receipt.leaf.salt, "hex"),
        ...field(t.l.leafHash, receipt.leaf.hash, "hex"),
      ];
      // One tree per chain's batch; an RFC 3161 token stamps the same root as its chain's batch.
      const proofs =
        evm.length > 0
          ? evm.map((a) => ({ label: chainNameOf(t, a), proof: a.proof }))
          : tsas.map((a) => ({ label: printable(a.tsa.subject, 100).text, proof: a.proof }));
      return [...head, ...proofs.flatMap((p) => [{ kind: "para", text: t.l.proofOf(p.label), style: "strong" } as const, ...proofBlocks(t, p.proof)])];
    },
    lineage: () => [
      {
        kind: "table",
        head: [t.l.version, t.l.sha256, t.l.bound, t.l.entry],
        rows: lineage.map((v, i) => [`${i + 1}${v.current ? ` (${t.l.thisVersion})` : ""}`, v.sha256, v.bound ? plainTime(v.bound) : v.status, v.entryId]),
        widths: [0.18, 0.44, 0.2, 0.18],
      },
    ],
    statements: () => [
      { kind: "para", text: t.statements.proves(ref) },
      { kind: "para", text: t.statements.notProves(ref) },
      { kind: "para", text: t.statements.submitted(printable(input.submittedBy, 200).text, ref) },
      { kind: "para", text: t.statements.practice(ref) },
      { kind: "para", text: t.statements.operatorLine(operatorOf(t, receipt, input.unconfigured)) },
      { kind: "para", text: t.statements.neutrality },
      { kind: "rule" },
      { kind: "rule" },
      { kind: "rule" },
    ],
    jurisdiction: () => [
      ...pack.paragraphs.map((p): Block => ({ kind: "para", text: p })),
      ...(input.capture ? [{ kind: "para", text: cs.pack(ref) } as const] : []),
      ...(pack.declaration
        ? [
            { kind: "gap", height: 4 } as const,
            { kind: "para", text: pack.declaration.text } as const,
            { kind: "gap", height: 8 } as const,
            ...pack.declaration.lines.map((l): Block => ({ kind: "para", text: l })),
          ]
        : []),
    ],
    verify: () => {
      const first = evm[0];
      const steps: string[] = [];
      if (first) {
        for (const [i, a] of evm.entries()) {
          const facts = {
            sha: receipt.subject.sha256,
            root: a.proof.root,
            leaf: receipt.leaf.hash,
            index: a.proof.index,
            treeSize: a.proof.treeSize,
            chainId: a.chainId,
            contract: a.contract,
            block: a.blockNumber,
            hash: a.blockHash,
            tx: a.txHash,
            leafEncoding: receipt.leaf.encoding,
          };
          const all = t.steps(facts, ref);
          if (i === 0) steps.push(all[0]!, all[1]!);
          steps.push(all[2]!, all[3]!);
          if (a.inclusion) steps.push(t.offlineStep({ chainId: a.chainId, block: a.blockNumber, hash: a.blockHash }));
          if (i === evm.length - 1) {
            if (tsas.length > 0) steps.push(t.tsaStep);
            steps.push(all[4]!);
          }
        }
      } else if (tsas.length > 0) steps.push(t.tsaStep);
      if (input.capture) steps.push(cs.step(ref));
      return [
        ...steps.map((s, i): Block => ({ kind: "para", text: `${i + 1}. ${s}` })),
        { kind: "para", text: t.manual },
        { kind: "para", text: input.capture ? `${t.attachments} ${cs.attachments}` : t.attachments, style: "small" },
      ];
    },
    identity: () => {
      const ident = certificateIdentity(receipt);
      const [what, how, json] = t.identity(ident);
      return [
        { kind: "para", text: what! },
        { kind: "para", text: how! },
        { kind: "para", text: json!, style: "mono" },
      ];
    },
  };
  const title = (k: SectionKey) => (k === "jurisdiction" ? pack.title : t.heads[k]);
  // Claim content is built before the notes it collects are read; the others have no order constraint.
  const sections = present.map((k) => ({ key: k, title: t.sectionTitle(numbers.get(k)!, title(k)), blocks: content[k]() }));
  return { sections, ref };
}

/** The signed identity (subject, issuer, serial, validity, the trust anchor used), or why there is none. */
function signerBlocks(signer: PrintedSigner | undefined, t: Strings): Block[] {
  if (!signer) return [];
  const p = (v: string | undefined) => (v === undefined ? undefined : printable(v, 300).text);
  if (signer.status === "invalid") return [{ kind: "para", text: t.l.sigInvalid(p(signer.code) ?? "SIGNATURE_INVALID"), style: "small" }];
  return [
    ...field(t.l.sigSubject, p(signer.subject)),
    ...field(t.l.sigIssuer, p(signer.issuer)),
    ...field(t.l.sigSerial, p(signer.serial), "mono"),
    ...field(t.l.sigValidity, signer.notBefore && signer.notAfter ? `${signer.notBefore} – ${signer.notAfter}` : undefined),
    ...field(t.l.sigTrust, signer.status === "trusted" ? t.l.sigTrusted(p(signer.trustAnchor) ?? "", signer.validAt ?? "") : t.l.sigUntrusted),
  ];
}
