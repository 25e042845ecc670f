/** One entry: timeline, versions (SVG), receipt, certificates, "verify this file against this entry", and "download and decrypt" for encrypted content. */
import { api, ApiError, qs, request, type Entry } from "../api.ts";
import { h, mount, s, saveBlob, short } from "../dom.ts";
import { hashFile } from "../hashing.ts";
import { lang, t, when, type Key, errorText } from "../i18n.ts";
import { disposers, go, onStatus } from "../state.ts";
import { statusBadge } from "./entries.ts";
import { decryptPanel } from "./decrypt.ts";
import { dropZone } from "./stamp.ts";

type Receipt = {
  anchors?: { type: string; genTime?: string; blockNumber?: number; blockTime?: string; txHash?: string; chainId?: number; chainName?: string }[];
};
const STEPS = ["received", "batched", "anchored", "confirmed"] as const;
const ORDER: Record<string, number> = { pending: 0, received: 0, batched: 1, anchored: 2, confirmed: 3 };

function timeline(entry: Entry, receipt: Receipt | undefined): HTMLElement {
  const reached = ORDER[entry.status] ?? 0;
  const at = (step: string) => {
    const hit = [...(entry.history ?? [])].reverse().find((x) => (x.status === "pending" ? "received" : x.status) === step);
    return hit?.at ?? (step === "received" ? entry.receivedAt : undefined);
  };
  const anchor = entry.anchors?.find((a) => a.txHash) ?? entry.anchors?.[0];
  const tsa = receipt?.anchors?.find((a) => a.type === "rfc3161");
  return h(
    "ol",
    { class: "timeline", id: "timeline" },
    STEPS.map((step, i) =>
      h(
        "li",
        { class: i <= reached ? "done" : "todo", "data-step": step },
        h("span", { class: "dot", "aria-hidden": "true" }),
        h("strong", null, t(`step_${step}` as Key)),
        " ",
        h("span", { class: "hint" }, i <= reached ? when(step === "anchored" ? (anchor?.blockTime ?? at(step)) : at(step)) : t("notYet")),
        step === "anchored" && i <= reached && anchor
          ? h(
              "div",
              { class: "facts" },
              h("span", null, t("chainId", { id: anchor.chainId })),
              " · ",
              anchor.blockNumber !== null ? h("span", { "data-fact": "block" }, t("block", { n: anchor.blockNumber })) : null,
              " · ",
              h(
                "span",
                null,
                t("tx"),
                " ",
                h("span", { class: "mono", "data-fact": "tx", title: anchor.txHash ?? "" }, anchor.txHash ? short(anchor.txHash) : "—"),
              ),
            )
          : null,
        step === "confirmed" && tsa?.genTime ? h("div", { class: "facts", "data-fact": "tsa" }, t("tsaTime"), ": ", when(tsa.genTime)) : null,
      ),
    ),
  );
}

async function lineageOf(entry: Entry): Promise<Entry[]> {
  const byDigest = async (sha256: string) => (await api<{ entries: Entry[] }>("GET", `/v1/entries${qs({ sha256, limit: 1 })}`)).entries[0];
  const all = new Map<string, Entry>([[entry.id, entry]]);
  let cur: Entry | undefined = entry;
  for (let i = 0; i < 30 && cur?.claim?.previous; i++) {
    cur = await byDigest(cur.claim.previous);
    if (!cur || all.has(cur.id)) break;
    all.set(cur.id, cur);
  }
  let frontier = [entry];
  for (let depth = 0; depth < 30 && frontier.length > 0 && all.size < 60; depth++) {
    const nextGen: Entry[] = [];
    for (const e of frontier) {
      for (const child of (await api<{ entries: Entry[] }>("GET", `/v1/entries${qs({ previous: e.sha256, limit: 20 })}`)).entries) {
        if (!all.has(child.id)) {
          all.set(child.id, child);
          nextGen.push(child);
        }
      }
    }
    frontier = nextGen;
  }
  return [...all.values()];
}

/** The versions as an SVG graph: one column per generation, an arrow from each version to the next. */
export function lineageSvg(entries: Entry[], currentId: string): SVGElement {
  const bySha = new Map(entries.map((e) => [e.sha256, e]));
  const depth = new Map<string, number>();
  const depthOf = (e: Entry, guard = 0): number => {
    if (depth.has(e.id)) return depth.get(e.id)!;
    const parent = e.claim?.previous ? bySha.get(e.claim.previous) : undefined;
    const d = parent && guard < 60 ? depthOf(parent, guard + 1) + 1 : 0;
    depth.set(e.id, d);
    return d;
  };
  const cols: Entry[][] = [];
  for (const e of [...entries].sort((a, b) => a.receivedAt.localeCompare(b.receivedAt))) (cols[depthOf(e)] ??= []).push(e);
  const W = 190,
    H = 64,
    GX = 50,
    GY = 18;
  const pos = new Map<string, { x: number; y: number }>();
  for (const [c, col] of cols.entries()) {
    for (const [r, e] of col.entries()) pos.set(e.id, { x: 10 + c * (W + GX), y: 10 + r * (H + GY) });
  }
  const width = 20 + cols.length * (W + GX) - GX;
  const height = 20 + Math.max(...cols.map((c) => c.length)) * (H + GY) - GY;
  const edges = entries.flatMap((e) => {
    const parent = e.claim?.previous ? bySha.get(e.claim.previous) : undefined;
    if (!parent) return [];
    const a = pos.get(parent.id)!,
      b = pos.get(e.id)!;
    return [
      s("path", {
        class: "edge",
        d: `M${a.x + W},${a.y + H / 2} C${a.x + W + GX / 2},${a.y + H / 2} ${b.x - GX / 2},${b.y + H / 2} ${b.x - 6},${b.y + H / 2}`,
        "marker-end": "url(#arrow)",
      }),
    ];
  });
  const clip = (text: string) => (text.length > 22 ? `${text.slice(0, 21)}…` : text);
  const nodes = entries.map((e) => {
    const p = pos.get(e.id)!;
    const title = e.claim?.title || e.name || t("untitled");
    const link = s(
      "a",
      {
        href: `/app/entries/${e.id}`,
        class: e.id === currentId ? "node current" : "node",
        "data-entry": e.id,
        "aria-label": `${title} ${e.receivedAt.slice(0, 10)}`,
      },
      s("rect", { x: p.x, y: p.y, width: W, height: H, rx: 8 }),
      s("text", { x: p.x + 12, y: p.y + 24, class: "node-title ud" }, clip(title)),
      s(
        "text",
        { x: p.x + 12, y: p.y + 46, class: "node-sub", "data-date": e.receivedAt.slice(0, 10) },
        `${e.receivedAt.slice(0, 10)} · ${t(`status_${e.status}` as Key)}`,
      ),
    );
    link.addEventListener("click", (ev) => {
      ev.preventDefault();
      go(`/app/entries/${e.id}`);
    });
    return link;
  });
  return s(
    "svg",
    { class: "lineage", id: "lineage", viewBox: `0 0 ${width} ${height}`, width, height, role: "img", "aria-label": t("lineage") },
    s(
      "defs",
      null,
      s(
        "marker",
        { id: "arrow", viewBox: "0 0 10 10", refX: "9", refY: "5", markerWidth: "7", markerHeight: "7", orient: "auto" },
        s("path", { d: "M0,0 L10,5 L0,10 z", class: "arrow" }),
      ),
    ),
    edges,
    nodes,
  );
}

export function entryScreen(id: string): HTMLElement {
  const section = h("section", { class: "card", id: "entry" }, t("loading"));
  let entry: Entry | undefined;
  let receipt: Receipt | undefined;
  const timelineBox = h("div");
  const receiptBox = h("div", { id: "receipt" });
  const lineageBox = h("div", { class: "scroll-x", id: "lineage-box" }, t("loading"));
  const loadReceipt = async () => {
    try {
      receipt = await api<Receipt>("GET", `/v1/entries/${encodeURIComponent(id)}/receipt`);
      const json = JSON.stringify(receipt, null, 2);
      mount(
        receiptBox,
        h(
          "button",
          { type: "button", id: "download-receipt", onclick: () => saveBlob(new Blob([json], { type: "application/json" }), `priorproof-${id}.json`) },
          t("downloadReceipt"),
        ),
        h("details", null, h("summary", null, t("showReceipt")), h("pre", { class: "mono json" }, json)),
      );
    } catch (e) {
      if (e instanceof ApiError && e.status === 409) mount(receiptBox, h("p", { class: "hint" }, t("receiptPending")));
      else throw e;
    }
  };
  const refresh = async () => {
    entry = await api<Entry>("GET", `/v1/entries/${encodeURIComponent(id)}`);
    if (ORDER[entry.status]! >= 2 && !receipt) await loadReceipt();
    mount(timelineBox, h("h2", null, t("timeline"), " ", statusBadge(entry.status)), timeline(entry, receipt));
  };

  const certLang = h(
    "select",
    { id: "cert-lang" },
    h("option", { value: "en", selected: lang === "en" }, "English"),
    h("option", { value: "zh-CN", selected: lang === "zh-CN" }, "简体中文"),
  );
  const pack = h(
    "select",
    { id: "cert-pack" },
    h("option", { value: "" }, t("packDefault")),
    (["cn", "us", "eu"] as const).map((p) => h("option", { value: p }, t(`pack_${p}` as Key))),
  );
  const certLink = h("a", { class: "button", id: "download-cert", download: "" }, t("downloadCert"));
  // Preview: the PDF in the browser's own viewer, in a new tab (the service sends it as an attachment, and
  // the console's CSP allows no frame). The tab opens at the click, while the user's gesture counts.
  const preview = h(
    "button",
    {
      type: "button",
      class: "secondary",
      id: "preview-cert",
      onclick: async () => {
        const tab = window.open("", "_blank");
        try {
          const blob = await (await request("GET", certLink.href)).blob();
          const url = URL.createObjectURL(new Blob([blob], { type: "application/pdf" }));
          if (tab) tab.location.href = url;
          else window.location.href = url;
          setTimeout(() => URL.revokeObjectURL(url), 120_000);
        } catch (e) {
          tab?.close();
          verdict.className = "verdict bad";
          verdict.textContent = errorText(e);
        }
      },
    },
    t("previewCert"),
  );
  const lineageLink = h("a", { class: "button secondary", id: "download-lineage", download: "" }, t("downloadLineage"));
  const updateLinks = () => {
    const q = qs({ lang: certLang.value, jurisdiction: pack.value });
    certLink.href = `/v1/entries/${encodeURIComponent(id)}/certificate.pdf${q}`;
    lineageLink.href = `/v1/entries/${encodeURIComponent(id)}/lineage.pdf${q}`;
  };
  certLang.addEventListener("change", updateLinks);
  pack.addEventListener("change", updateLinks);
  updateLinks();

  const verdict = h("p", { class: "verdict", id: "verdict", role: "status" });
  const verifier = dropZone(
    t("verifyHint"),
    async (files) => {
      const file = files[0];
      if (!file || !entry) return;
      verdict.className = "verdict";
      verdict.textContent = t("findingFile", { name: file.name });
      const { sha256 } = await hashFile(file);
      if (sha256 !== entry.sha256) {
        verdict.className = "verdict bad";
        verdict.dataset.verified = "false";
        verdict.textContent = t("notVerified", { reason: t("differentFile") });
        return;
      }
      if (!receipt) await loadReceipt().catch(() => undefined);
      if (!receipt) {
        verdict.textContent = t("receiptPending");
        return;
      }
      const v = await api<{ verified: boolean; existedNoLaterThan?: string; checks: { status: string; detail: string }[] }>("POST", "/v1/verify", {
        receipt,
        sha256,
      });
      verdict.className = v.verified ? "verdict ok" : "verdict bad";
      verdict.dataset.verified = String(v.verified);
      verdict.textContent = v.verified
        ? t("verified", { time: when(v.existedNoLaterThan) })
        : t("notVerified", { reason: v.checks.find((c) => c.status === "failed")?.detail ?? "" });
    },
    { multiple: false, id: "verify" },
  );

  void (async () => {
    try {
      await refresh();
    } catch (e) {
      mount(section, h("p", { class: "msg", role: "alert" }, errorText(e)));
      return;
    }
    const e = entry!;
    mount(
      section,
      h("h1", { class: e.claim?.title || e.name ? "ud" : null }, e.claim?.title || e.name || t("untitled")),
      h(
        "dl",
        { class: "facts-grid" },
        h("dt", null, t("digest")),
        h("dd", { class: "mono", id: "entry-sha256" }, e.sha256),
        h("dt", null, t("entryId")),
        h("dd", { class: "mono" }, e.id),
        e.name ? [h("dt", null, t("fileNameLabel")), h("dd", { class: "ud" }, e.name)] : null,
        e.claim?.kind ? [h("dt", null, t("kind")), h("dd", null, t(`kind_${e.claim.kind}` as Key))] : null,
        e.claim?.author ? [h("dt", null, t("author")), h("dd", { class: "ud" }, e.claim.author)] : null,
        e.claim?.claimant ? [h("dt", null, t("claimant")), h("dd", { class: "ud" }, e.claim.claimant)] : null,
        e.claim?.note ? [h("dt", null, t("note")), h("dd", { class: "ud" }, e.claim.note)] : null,
        e.cid ? [h("dt", null, t("cid")), h("dd", { class: "mono" }, e.cid)] : null,
        e.encryption
          ? [
              h("dt", null, t("storedContent")),
              h("dd", { id: "entry-encrypted" }, t("storedEncrypted"), " ", h("span", { class: "mono" }, e.encryption.scheme)),
            ]
          : null,
      ),
      decryptPanel(e),
      timelineBox,
      h("h2", null, t("lineage")),
      lineageBox,
      h("div", { class: "row" }, lineageLink),
      h("h2", null, t("certificate")),
      h(
        "div",
        { class: "row" },
        h("div", { class: "field" }, h("label", { for: "cert-lang" }, t("certLang")), certLang),
        h("div", { class: "field" }, h("label", { for: "cert-pack" }, t("pack")), pack),
        certLink,
        preview,
      ),
      h("h2", null, t("receipt")),
      receiptBox,
      h("h2", null, t("verifyFile")),
      verifier,
      verdict,
    );
    try {
      const versions = await lineageOf(e);
      mount(lineageBox, versions.length > 1 ? lineageSvg(versions, e.id) : h("p", { class: "hint" }, t("lineageOne")));
    } catch (err) {
      mount(lineageBox, h("p", { class: "msg" }, t("error", { msg: String(err) })));
    }
  })();
  disposers.push(
    onStatus((ev) => {
      if (ev.entryId === id) void refresh();
      // The versions drawn keep their status live too.
      const sub = document.querySelector(`svg#lineage a[data-entry="${ev.entryId}"] .node-sub`);
      if (sub) sub.textContent = `${sub.getAttribute("data-date")} · ${t(`status_${ev.status}` as Key)}`;
    }),
  );
  return section;
}
