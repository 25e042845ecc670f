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
import { isPdfFile, receiptForDigest, receiptsFromCertificate } from "./certificate.ts";
import { verifyReceipt, type Verdict } from "../verify.ts";

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
  warnings.replaceChildren(...verdict.warnings.map((w) => Object.assign(document.createElement("div"), { className: "warn", textContent: `⚠ ${w}` })));
  // What the offline proof leaves to confirm (the block hash): how to settle it, by explorer or by RPC.
  for (const fact of verdict.remaining) {
    const todo = document.createElement("div");
    todo.className = "warn";
    todo.dataset.remaining = fact.blockHash;
    todo.append(`☐ One fact left: ${fact.statement.replace(/\.$/, "")}. Confirm it: `);
    if (fact.explorerUrl) {
      const link = Object.assign(document.createElement("a"), { href: fact.explorerUrl, textContent: "look it up in the explorer", rel: "noopener noreferrer", target: "_blank" });
      todo.append(link, " — or ");
    }
    todo.append(`enter an RPC URL of chain ${fact.chainId} above (it asks ${fact.rpc.method}(${fact.rpc.params[0]}) and compares the hash).`);
    warnings.append(todo);
  }
  $("checksPanel").hidden = false;
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
      try {
        const doc = JSON.parse(await f.text()) as { version?: unknown };
        if (typeof doc === "object" && doc !== null && doc.version === "priorproof-receipt/1") {
          receiptDoc = doc;
          pdfReceipts = undefined;
          text($("receiptInfo"), `${f.name}`);
          suggestRpc(doc);
          continue;
        }
      } catch {
        // not a receipt: treat it as the evidence file
      }
    }
    file = f;
    fileDigest = undefined;
    text($("fileInfo"), `${f.name} — ${f.size.toLocaleString()} bytes — hashing…`);
    const bar = $("progress") as HTMLProgressElement;
    bar.hidden = false;
    bar.max = Math.max(1, f.size);
    const result = await sha256Blob(f, { onProgress: (done: number) => { bar.value = done; } });
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
      if (chainId) chains[chainId] = cachedChainReader(createChainReader(rpcUrl));
    }
    const verdict = await verifyReceipt(receiptDoc, { sha256: fileDigest, chains });
    renderChecks(verdict);
    if (verdict.verified) {
      const caveat = verdict.warnings.length > 0 ? ` Caution: ${verdict.warnings.join("; ")}.` : "";
      showVerdict(true, "VERIFIED", `${file?.name ?? "The file"} existed no later than ${verdict.existedNoLaterThan?.replace("T", " ").replace("Z", " UTC")}.${caveat}`);
    } else {
      const failed = verdict.checks.find((c) => c.status === "failed");
      const left = verdict.remaining[0];
      const reason = failed ? `${failed.title}: ${failed.detail}`
        : left ? `the receipt's block-header proof holds; one fact is left to confirm: ${left.statement}`
          : verdict.checks.find((c) => c.status === "not-checked" && c.id.endsWith(".chain"))?.detail ?? "no independent witness was checked";
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
    const body = (await res.json()) as { anchored?: boolean; anchors?: { chainName: string; chainId: number; blockTime: string; txHash: string; development: boolean }[] };
    if (!res.ok) throw new Error(`lookup failed with HTTP ${res.status}`);
    if (!body.anchored || !body.anchors?.length) {
      text(out, `${hex} is not anchored by this service.`);
      return;
    }
    const first = body.anchors[0]!;
    text(out, `${hex} was anchored on ${first.chainName} (chain ${first.chainId}) at ${first.blockTime} in transaction ${first.txHash}${first.development ? " — development chain, no evidential value" : ""}. Drop the file and its receipt above to verify it independently.`);
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
