/** The evidence list: search (title, file name, digest, or a dropped file), filters, live status, selection for export. */
import { ASSET_KINDS } from "../../leaf.ts";
import { api, qs, type Entry } from "../api.ts";
import { h, mount, short } from "../dom.ts";
import { hashFile } from "../hashing.ts";
import { t, whenShort, type Key, errorText } from "../i18n.ts";
import { applyStatus, can, disposers, go, onStatus, state } from "../state.ts";
import { dropZone } from "./stamp.ts";

export const STATUSES = ["received", "batched", "anchored", "confirmed", "failed"] as const;

export function statusBadge(status: string): HTMLElement {
  const s = status === "pending" ? "received" : status;
  return h("span", { class: `badge st-${s}`, "data-status": s }, t(`status_${s}` as Key));
}

export interface Filter {
  q?: string;
  kind?: string;
  status?: string;
  from?: string;
  to?: string;
  chain?: string;
}

let chains: Promise<number[]> | undefined;
/** The chains this service anchors on (for the chain filter). */
export function getChains(): Promise<number[]> {
  chains ??= fetch("/.well-known/priorproof.json")
    .then((r) => r.json())
    .then(
      (j: { deployments?: { chainId: number }[] }) => (j.deployments ?? []).map((d) => d.chainId),
      () => [],
    );
  return chains;
}

/** The filter controls (shared with the export screen); `onChange` gets the filter on every change. */
export function filterForm(initial: Filter, onChange: (f: Filter) => void, prefix = "f"): HTMLFormElement {
  const id = (n: string) => `${prefix}-${n}`;
  const chainSelect = h("select", { id: id("chain"), name: "chain" }, h("option", { value: "" }, t("chainAny")));
  void getChains().then((ids) => {
    for (const c of ids) chainSelect.append(h("option", { value: String(c), selected: initial.chain === String(c) }, t("chainId", { id: c })));
  });
  const form = h(
    "form",
    { class: "filters", role: "search" },
    h(
      "div",
      { class: "field grow" },
      h("label", { for: id("q") }, t("search")),
      h("input", { id: id("q"), name: "q", type: "search", placeholder: t("searchHint"), value: initial.q ?? "" }),
    ),
    h(
      "div",
      { class: "field" },
      h("label", { for: id("kind") }, t("kind")),
      h(
        "select",
        { id: id("kind"), name: "kind" },
        h("option", { value: "" }, t("kindAny")),
        ASSET_KINDS.map((k) => h("option", { value: k, selected: initial.kind === k }, t(`kind_${k}` as Key))),
      ),
    ),
    h(
      "div",
      { class: "field" },
      h("label", { for: id("status") }, t("status")),
      h(
        "select",
        { id: id("status"), name: "status" },
        h("option", { value: "" }, t("statusAny")),
        STATUSES.map((s) => h("option", { value: s, selected: initial.status === s }, t(`status_${s}` as Key))),
      ),
    ),
    h(
      "div",
      { class: "field" },
      h("label", { for: id("from") }, t("from")),
      h("input", { id: id("from"), name: "from", type: "date", value: initial.from ?? "" }),
    ),
    h("div", { class: "field" }, h("label", { for: id("to") }, t("to")), h("input", { id: id("to"), name: "to", type: "date", value: initial.to ?? "" })),
    h("div", { class: "field" }, h("label", { for: id("chain") }, t("chain")), chainSelect),
  );
  const read = (): Filter => {
    const f: Filter = {};
    for (const k of ["q", "kind", "status", "from", "to", "chain"] as const) {
      const v = (form.elements.namedItem(k) as HTMLInputElement).value.trim();
      if (v) f[k] = v;
    }
    return f;
  };
  let timer: ReturnType<typeof setTimeout> | undefined;
  form.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => onChange(read()), 250);
  });
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    onChange(read());
  });
  return form;
}

/** The query of a filter: a full digest searches by sha256; dates cover whole days (UTC). */
export function filterQuery(f: Filter): Record<string, string | undefined> {
  const digest = f.q && /^(0x)?[0-9a-fA-F]{64}$/.test(f.q) ? f.q : undefined;
  return {
    ...(digest ? { sha256: digest } : { q: f.q }),
    kind: f.kind,
    status: f.status,
    chain: f.chain,
    // Plain dates: the service counts `to` as the whole day (UTC).
    from: f.from,
    to: f.to,
  };
}

export function entryLink(e: Entry): HTMLElement {
  return h(
    "a",
    {
      class: "ud",
      href: `/app/entries/${e.id}`,
      onclick: (ev: MouseEvent) => {
        ev.preventDefault();
        go(`/app/entries/${e.id}`);
      },
    },
    e.claim?.title || e.name || t("untitled"),
  );
}

export function entryTable(entries: Entry[], selectable: boolean, onSelect: () => void = () => undefined): HTMLTableElement {
  const all = h("input", {
    type: "checkbox",
    id: "select-all",
    "aria-label": t("selectAll"),
    checked: entries.length > 0 && entries.every((e) => state.selected.has(e.id)),
  });
  all.addEventListener("change", () => {
    for (const e of entries)
      if (all.checked) state.selected.add(e.id);
      else state.selected.delete(e.id);
    for (const box of table.querySelectorAll<HTMLInputElement>("tbody input[type=checkbox]")) box.checked = all.checked;
    onSelect();
  });
  const table = h(
    "table",
    { class: "grid entries" },
    h(
      "thead",
      null,
      h(
        "tr",
        null,
        selectable ? h("th", { scope: "col" }, all) : null,
        h("th", { scope: "col" }, t("title")),
        h("th", { scope: "col" }, t("digest")),
        h("th", { scope: "col" }, t("kind")),
        h("th", { scope: "col" }, t("status")),
        h("th", { scope: "col" }, t("received")),
      ),
    ),
    h(
      "tbody",
      null,
      entries.map((e) =>
        h(
          "tr",
          { "data-entry": e.id },
          selectable
            ? h(
                "td",
                null,
                h("input", {
                  type: "checkbox",
                  "aria-label": t("select", { name: e.claim?.title || e.name || e.id }),
                  checked: state.selected.has(e.id),
                  onchange: (ev: Event) => {
                    if ((ev.target as HTMLInputElement).checked) state.selected.add(e.id);
                    else state.selected.delete(e.id);
                    onSelect();
                  },
                }),
              )
            : null,
          h("td", null, entryLink(e), e.name && e.name !== e.claim?.title ? h("div", { class: "hint ud" }, e.name) : null),
          h("td", { class: "mono", title: e.sha256 }, short(e.sha256)),
          h("td", null, e.claim?.kind ? t(`kind_${e.claim.kind}` as Key) : "—"),
          h("td", null, statusBadge(e.status)),
          h("td", { class: "nowrap" }, whenShort(e.receivedAt)),
        ),
      ),
    ),
  );
  return table;
}

export function entriesScreen(): HTMLElement {
  let filter: Filter = {};
  let entries: Entry[] = [];
  let next: number | null = null;
  const list = h("div", { id: "entry-list" }, t("loading"));
  const found = h("p", { class: "msg", role: "status", id: "found" });
  const exportBtn = h("button", { type: "button", id: "export-selected", onclick: () => go("/app/export") });
  const updateSelection = () => {
    exportBtn.textContent = t("exportSelected", { n: state.selected.size });
    exportBtn.hidden = !can.stamp() || state.selected.size === 0;
  };
  const draw = () => {
    mount(
      list,
      entries.length === 0 ? h("p", { class: "hint" }, t("noEntries")) : entryTable(entries, can.stamp(), updateSelection),
      next !== null ? h("button", { type: "button", class: "secondary", onclick: () => void load(true) }, t("more")) : null,
    );
    updateSelection();
  };
  const load = async (more = false, query: Record<string, string | undefined> = filterQuery(filter)) => {
    try {
      const r = await api<{ entries: Entry[]; next: number | null }>(
        "GET",
        `/v1/entries${qs({ ...query, order: "desc", limit: 100, before: more && next !== null ? next : undefined })}`,
      );
      entries = more ? [...entries, ...r.entries] : r.entries;
      next = r.next;
      draw();
    } catch (e) {
      mount(list, h("p", { class: "msg", role: "alert" }, errorText(e)));
    }
  };
  disposers.push(
    onStatus((e) => {
      const hit = applyStatus(entries, e);
      if (hit) document.querySelector(`tr[data-entry="${hit.id}"] .badge`)?.replaceWith(statusBadge(hit.status));
    }),
  );
  const form = filterForm(filter, (f) => {
    filter = f;
    found.textContent = "";
    void load();
  });
  const finder = dropZone(
    t("dropToFind"),
    async (files) => {
      const file = files[0];
      if (!file) return;
      found.textContent = t("findingFile", { name: file.name });
      const { sha256 } = await hashFile(file);
      mount(
        found,
        t("foundFor", { name: "\u0000", digest: short(sha256) })
          .split("\u0000")
          .flatMap((part, i) => (i === 0 ? [part] : [h("span", { class: "ud" }, file.name), part])),
      );
      found.dataset.sha256 = sha256;
      await load(false, { sha256 });
    },
    { multiple: false, id: "find" },
  );
  void load();
  return h(
    "section",
    { class: "card" },
    h("div", { class: "head" }, h("h1", null, t("entriesTitle")), h("span", { class: "live", title: t("live") }, t("live")), exportBtn),
    form,
    finder,
    found,
    list,
  );
}
