/**
 * The public verification page (served at /verify, and a single self-contained HTML file that a court
 * expert can open from disk). The file is hashed in the browser and never uploaded; the receipt is
 * verified by the SDK's core, with chain lookups sent straight to the RPC URL the user gives (or the
 * one the serving instance suggests).
 */
import { cachedChainReader, createChainReader } from "../anchor.ts";
import { fromHex, toHex } from "../bytes.ts";
import { sha256Blob } from "../hash.ts";
import { parseReceipt } from "../receipt.ts";
import { createClaimSignatureVerifier, describeSignedIdentity } from "../signature/index.ts";
import { parseStrictJson } from "../trust/ijson.ts";
import { certificatesFromPem } from "../tsa/receipt.ts";
import { isPdfFile, receiptForDigest, receiptsFromCertificate } from "./certificate.ts";
import { verifyReceipt, type Verdict, type Witness } from "../verify.ts";

interface PageConfig {
  /** RPC URLs by chain id that the serving instance suggests. */
  readonly rpc?: Record<string, string>;
  /** Digest lookup endpoint (`GET ?sha256=`), when served by a PriorProof instance. */
  readonly lookupUrl?: string;
  readonly version?: string;
}

const config: PageConfig = (globalThis as { PRIORPROOF_CONFIG?: PageConfig }).PRIORPROOF_CONFIG ?? {};
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

let file: File | undefined;
let fileDigest: Uint8Array | undefined;
let receiptDoc: unknown;
/** Receipts extracted from a dropped certificate PDF (several for a lineage or portfolio document). */
let pdfReceipts: unknown[] | undefined;

function text(el: HTMLElement, value: string): void {
  el.textContent = value;
}

function showVerdict(ok: boolean, title: string, sub: string): void {
  const v = $("verdict");
  v.className = ok ? "ok" : "bad";
  v.replaceChildren();
  const head = document.createElement("div");
  head.textContent = title;
  const detail = document.createElement("div");
  detail.className = "sub";
  detail.textContent = sub;
  v.append(head, detail);
  v.dataset.verified = String(ok);
}

function renderChecks(verdict: Verdict): void {
  const body = $("checks");
  body.replaceChildren();
  for (const c of verdict.checks) {
    const tr = document.createElement("tr");
    const st = document.createElement("td");
    st.className = `st ${c.status}`;
    st.textContent = c.status === "passed" ? "✔ passed" : c.status === "failed" ? "✘ failed" : "– not checked";
    const what = document.createElement("td");
    const title = document.createElement("div");
    title.textContent = c.title;
    const detail = document.createElement("div");
    detail.className = "small mono";
    detail.textContent = c.code ? `${c.code}: ${c.detail}` : c.detail;
    what.append(title, detail);
    tr.append(st, what);
    tr.dataset.check = c.id;
    tr.dataset.status = c.status;
    body.append(tr);
  }
  const warnings = $("warnings");
  warnings.replaceChildren(...renderWitnesses(verdict.witnesses), ...renderWarnings(verdict));
  // What the offline proof leaves to confirm (the block hash): how to settle it, by explorer or by RPC.
  for (const fact of verdict.remaining) {
    const todo = document.createElement("div");
    todo.className = "warn";
    todo.dataset.remaining = fact.blockHash;
    todo.dataset.scope = fact.scope;
    todo.append(`☐ One fact left: ${fact.statement.replace(/\.$/, "")}. Confirm it: `);
    // The link is the verifier's registry's explorer (https; http only for a development chain), never the receipt's.
    if (fact.explorerUrl && isSafeLink(fact.explorerUrl)) {
      const link = Object.assign(document.createElement("a"), {
        href: fact.explorerUrl,
        textContent: "look it up in the explorer",
        rel: "noopener noreferrer",
        target: "_blank",
      });
      todo.append(link, " — or ");
    }
    todo.append(`enter an RPC URL of chain ${fact.chainId} above (it asks ${fact.rpc.method}(${fact.rpc.params.join(", ")})).`);
    warnings.append(todo);
  }
  $("checksPanel").hidden = false;
}

/** Links only to https pages (http for a local development explorer). */
function isSafeLink(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === "https:" || (u.protocol === "http:" && (u.hostname === "localhost" || u.hostname === "127.0.0.1"));
  } catch {
    return false;
  }
}

/** What the verifier derived for each witness: chain, block, time, contract identity, deployment, finality, TSA. */
function renderWitnesses(witnesses: readonly Witness[]): HTMLElement[] {
  return witnesses.map((w) => {
    const div = document.createElement("div");
    div.className = "fact";
    div.dataset.witness = String(w.anchor);
    if (w.deployment) div.dataset.deployment = w.deployment;
    div.textContent =
      w.type === "rfc3161"
        ? `✔ RFC 3161 token by ${w.tsaSubject ?? "a TSA (name not reported by the token verifier)"}` +
          (w.qualified !== undefined ? `, qualified: ${w.qualified ? "yes" : "no"}` : "") +
          `, genTime ${w.time}`
        : `✔ ${w.chainName} (chain ${w.chainId}) block ${w.blockNumber} mined ${w.time}; contract ${w.contract} runs ${w.build}; deployment: ` +
          (w.deployment === "operator" ? "this operator's" : "other (not in the operator list this page holds)") +
          `${w.final === undefined ? "" : w.final ? "; final" : "; NOT FINAL"}`;
    return div;
  });
}

/** Warnings with their codes (NOT_FINAL, DEVELOPMENT_CHAIN …). */
function renderWarnings(verdict: Verdict): HTMLElement[] {
  return verdict.warnings.map((w) => {
    const div = Object.assign(document.createElement("div"), { className: "warn", textContent: `⚠ ${w.code}: ${w.message}` });
    div.dataset.warning = w.code;
    return div;
  });
}

/**
 * Takes a dropped .json file as the receipt when it is one. Read strictly (I-JSON): a receipt with a
 * member name twice is refused with DUPLICATE_KEY, not silently read "last wins".
 */
async function takeReceipt(f: File): Promise<boolean> {
  const raw = await f.text();
  let doc: unknown;
  try {
    doc = parseStrictJson(raw);
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === "DUPLICATE_KEY" && /"version"\s*:\s*"priorproof-receipt\//.test(raw)) {
      showVerdict(false, "NOT VERIFIED", `the receipt ${f.name} is refused: ${code}: ${(e as Error).message}`);
      return true;
    }
    return false; // not JSON: treat it as the evidence file
  }
  const version = typeof doc === "object" && doc !== null ? (doc as { version?: unknown }).version : undefined;
  if (typeof version !== "string" || !version.startsWith("priorproof-receipt/")) return false;
  receiptDoc = doc;
  pdfReceipts = undefined; // a JSON receipt dropped after a certificate replaces the certificate's receipts
  text($("receiptInfo"), `${f.name}`);
  suggestRpc(doc);
  return true;
}

function updateButton(): void {
  ($("verify") as HTMLButtonElement).disabled = !(fileDigest && receiptDoc !== undefined);
  text($("hint"), fileDigest && receiptDoc === undefined ? "now add the receipt" : !fileDigest && receiptDoc !== undefined ? "now add the file" : "");
}

async function takeFiles(list: FileList | File[]): Promise<void> {
  for (const f of Array.from(list)) {
    if (isPdfFile(f) && !receiptDoc) {
      try {
        pdfReceipts = await receiptsFromCertificate(f);
        receiptDoc = pdfReceipts[0];
        text($("receiptInfo"), `${f.name} (certificate: ${pdfReceipts.length} embedded receipt${pdfReceipts.length > 1 ? "s" : ""})`);
        suggestRpc(receiptDoc);
        continue;
      } catch {
        // no embedded receipt: the PDF is the evidence file itself
      }
    }
    if (f.name.toLowerCase().endsWith(".json") && f.size < 5_000_000) {
      const taken = await takeReceipt(f);
      if (taken) continue;
    }
    file = f;
    fileDigest = undefined;
    text($("fileInfo"), `${f.name} — ${f.size.toLocaleString()} bytes — hashing…`);
    const bar = $("progress") as HTMLProgressElement;
    bar.hidden = false;
    bar.max = Math.max(1, f.size);
    const result = await sha256Blob(f, {
      onProgress: (done: number) => {
        bar.value = done;
      },
    });
    fileDigest = result.sha256;
    bar.hidden = true;
    text($("fileInfo"), `${f.name} — ${f.size.toLocaleString()} bytes — SHA-256 ${toHex(fileDigest)}`);
  }
  updateButton();
}

function suggestRpc(doc: unknown): void {
  try {
    const receipt = parseReceipt(doc);
    const evm = receipt.anchors.find((a) => a.type === "evm");
    const input = $("rpc") as HTMLInputElement;
    if (evm && evm.type === "evm" && !input.value) input.value = config.rpc?.[String(evm.chainId)] ?? "";
  } catch {
    // the verdict will list the problems
  }
}

async function runVerify(): Promise<void> {
  if (!fileDigest || receiptDoc === undefined) return;
  if (pdfReceipts) receiptDoc = receiptForDigest(pdfReceipts, fileDigest);
  const button = $("verify") as HTMLButtonElement;
  button.disabled = true;
  try {
    const rpcUrl = ($("rpc") as HTMLInputElement).value.trim();
    const chains: Record<string, ReturnType<typeof cachedChainReader>> = {};
    if (rpcUrl) {
      let chainId = "";
      try {
        const r = parseReceipt(receiptDoc);
        const evm = r.anchors.find((a) => a.type === "evm");
        if (evm && evm.type === "evm") chainId = String(evm.chainId);
      } catch {
        // invalid receipt: the verdict says why
      }
      if (chainId) chains[chainId] = cachedChainReader(createChainReader(rpcUrl, { timeoutMs: 15_000 }));
    }
    // A signed claim is judged against the CA the user chose here (never one the receipt carries).
    const ca = ($("signerCa") as HTMLInputElement).files?.[0];
    const trustAnchors = ca ? certificatesFromPem(await ca.text()) : [];
    if (ca && trustAnchors.length === 0) throw new Error(`${ca.name} holds no PEM certificate`);
    const signature = trustAnchors.length > 0 ? createClaimSignatureVerifier({ trustAnchors }) : undefined;
    const verdict = await verifyReceipt(receiptDoc, { sha256: fileDigest, chains, ...(signature ? { signature } : {}) });
    renderChecks(verdict);
    if (verdict.verified) {
      const caveat = verdict.warnings.length > 0 ? ` Caution: ${verdict.warnings.map((w) => `${w.code}: ${w.message}`).join("; ")}.` : "";
      const notFinal = verdict.warnings.some((w) => w.code === "NOT_FINAL");
      const utc = (t: string | undefined) => t?.replace("T", " ").replace(/(\.\d+)?Z$/, " UTC");
      const first = [...verdict.witnesses].sort((a, b) => a.existedNoLaterThan.localeCompare(b.existedNoLaterThan))[0];
      const by = first
        ? ` — witnessed by ` +
          (first.type === "evm" ? `block ${first.blockNumber} of ${first.chainName}, mined ${utc(first.time)}` : `an RFC 3161 token of ${utc(first.time)}`)
        : "";
      const signed = verdict.signedIdentity ? ` Signed claim: ${describeSignedIdentity(verdict.signedIdentity)}.` : "";
      showVerdict(
        true,
        notFinal ? "VERIFIED — NOT FINAL" : "VERIFIED",
        `${file?.name ?? "The file"} existed no later than ${utc(verdict.existedNoLaterThan)}${by}.${signed}${caveat}`,
      );
    } else {
      const failed = verdict.checks.find((c) => c.status === "failed");
      const left = verdict.remaining[0];
      const reason = failed
        ? `${failed.title}: ${failed.code ?? "FAILED"}: ${failed.detail}`
        : left
          ? (left.scope === "anchor" ? "nothing confirmed the anchor" : "the receipt's block-header proof holds") +
            `; left to confirm: ${verdict.remaining.map((f) => f.statement).join("; ")}`
          : (verdict.checks.find((c) => c.status === "not-checked" && c.id.endsWith(".chain"))?.detail ?? "no independent witness was checked");
      showVerdict(false, "NOT VERIFIED", reason);
    }
  } catch (e) {
    showVerdict(false, "NOT VERIFIED", e instanceof Error ? e.message : String(e));
  } finally {
    updateButton();
  }
}

async function runLookup(): Promise<void> {
  const out = $("lookupResult");
  const raw = ($("digest") as HTMLInputElement).value.trim().toLowerCase();
  const hex = raw.startsWith("0x") ? raw : `0x${raw}`;
  try {
    fromHex(hex, 32);
  } catch {
    text(out, "not a SHA-256 digest (64 hex digits)");
    return;
  }
  if (!config.lookupUrl) {
    text(out, "digest lookup needs the PriorProof service that issued the receipt; verify with the file and the receipt above instead");
    return;
  }
  try {
    const res = await fetch(`${config.lookupUrl}?sha256=${hex}`);
    const body = (await res.json()) as {
      anchored?: boolean;
      anchors?: { chainName: string; chainId: number; blockTime: string; txHash: string; development: boolean }[];
    };
    if (!res.ok) throw new Error(`lookup failed with HTTP ${res.status}`);
    if (!body.anchored || !body.anchors?.length) {
      text(out, `${hex} is not anchored by this service.`);
      return;
    }
    const first = body.anchors[0]!;
    text(
      out,
      `${hex} was anchored on ${first.chainName} (chain ${first.chainId}) at ${first.blockTime} in transaction ${first.txHash}` +
        (first.development ? " — development chain, no evidential value" : "") +
        `. Drop the file and its receipt above to verify it independently.`,
    );
    out.dataset.anchored = "true";
  } catch (e) {
    text(out, e instanceof Error ? e.message : String(e));
  }
}

function init(): void {
  text($("version"), config.version ?? "");
  const drop = $("drop");
  const pick = $("pick") as HTMLInputElement;
  drop.addEventListener("click", () => pick.click());
  drop.addEventListener("keydown", (e) => {
    if (e.key === "Enter" || e.key === " ") pick.click();
  });
  pick.addEventListener("change", () => {
    if (pick.files) void takeFiles(pick.files);
  });
  drop.addEventListener("dragover", (e) => {
    e.preventDefault();
    drop.classList.add("over");
  });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => {
    e.preventDefault();
    drop.classList.remove("over");
    if (e.dataTransfer?.files) void takeFiles(e.dataTransfer.files);
  });
  $("verify").addEventListener("click", () => void runVerify());
  $("lookup").addEventListener("click", () => void runLookup());
  // A QR code on a certificate links to /verify#sha256=<digest>.
  const hash = new URLSearchParams(location.hash.slice(1));
  const digest = hash.get("sha256");
  if (digest) {
    ($("digest") as HTMLInputElement).value = digest;
    void runLookup();
  }
}

init();
