/** Export an evidence pack (selected entries or a filter) and the quarterly IP check (period report). */
import { api, qs, request, type Entry } from "../api.ts";
import { h, mount, saveBlob } from "../dom.ts";
import { lang, t, errorText } from "../i18n.ts";
import { can, state } from "../state.ts";
import { entryTable, filterForm, filterQuery, type Filter } from "./entries.ts";

export function exportScreen(): HTMLElement {
  if (!can.stamp()) return h("section", { class: "card" }, h("h1", null, t("exportTitle")), h("p", { class: "msg", role: "alert" }, t("cannotExport")));
  let filter: Filter = {};
  const msg = h("p", { class: "msg", role: "status", id: "export-msg" });
  const n = state.selected.size;
  const button = h("button", { type: "button", id: "download-pack" }, t("download"));
  button.addEventListener("click", async () => {
    const useSelected = (document.getElementById("which-selected") as HTMLInputElement | null)?.checked ?? false;
    const q = filterQuery(filter);
    const body = useSelected
      ? { lang, entryIds: [...state.selected] }
      : {
          lang,
          filter: Object.fromEntries(
            Object.entries({ q: q.q ?? q.sha256, kind: q.kind, status: q.status, from: q.from, to: q.to, chain: q.chain ? Number(q.chain) : undefined }).filter(
              ([, v]) => v !== undefined && v !== "",
            ),
          ),
        };
    button.disabled = true;
    msg.textContent = t("preparing");
    try {
      const res = await request("POST", "/v1/exports", body);
      const name = /filename="?([^";]+)"?/.exec(res.headers.get("content-disposition") ?? "")?.[1] ?? "priorproof-evidence.zip";
      saveBlob(await res.blob(), name);
      msg.textContent = t("exportDone", { name });
    } catch (e) {
      msg.textContent = errorText(e);
    } finally {
      button.disabled = false;
    }
  });
  return h(
    "section",
    { class: "card" },
    h("h1", null, t("exportTitle")),
    h("p", { class: "lead" }, t("exportLead")),
    h(
      "fieldset",
      null,
      h("legend", null, t("exportWhich")),
      n > 0
        ? h(
            "label",
            { class: "choice" },
            h("input", { type: "radio", name: "which", id: "which-selected", value: "selected", checked: true }),
            t("exportSelectedN", { n }),
          )
        : null,
      h("label", { class: "choice" }, h("input", { type: "radio", name: "which", id: "which-filter", value: "filter", checked: n === 0 }), t("exportFilter")),
      n === 0 ? h("p", { class: "hint" }, t("exportHint")) : null,
      filterForm(
        filter,
        (f) => {
          filter = f;
          (document.getElementById("which-filter") as HTMLInputElement).checked = true;
        },
        "x",
      ),
    ),
    h("div", { class: "row" }, button),
    msg,
  );
}

function quarterOf(d: Date): { from: string; to: string } {
  const q = Math.floor(d.getUTCMonth() / 3);
  const from = new Date(Date.UTC(d.getUTCFullYear(), q * 3, 1));
  const to = new Date(Date.UTC(d.getUTCFullYear(), q * 3 + 3, 0));
  return { from: from.toISOString().slice(0, 10), to: to.toISOString().slice(0, 10) };
}

export function reportScreen(): HTMLElement {
  const now = new Date();
  const { from, to } = quarterOf(now);
  const quarters = [0, 1, 2, 3, 4].map((back) => {
    const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - back * 3, 1));
    const r = quarterOf(d);
    return { label: `${d.getUTCFullYear()} Q${Math.floor(d.getUTCMonth() / 3) + 1}`, ...r };
  });
  const out = h("div", { id: "report" });
  const fromIn = h("input", { id: "r-from", type: "date", value: from });
  const toIn = h("input", { id: "r-to", type: "date", value: to });
  const quarter = h(
    "select",
    { id: "r-quarter" },
    quarters.map((q, i) => h("option", { value: String(i) }, q.label)),
  );
  quarter.addEventListener("change", () => {
    const q = quarters[Number(quarter.value)]!;
    fromIn.value = q.from;
    toIn.value = q.to;
    void load();
  });
  const load = async () => {
    mount(out, t("loading"));
    try {
      const r = await api<{ stamped: Entry[]; pending: Entry[]; failed: Entry[] }>("GET", `/v1/reports/period${qs({ from: fromIn.value, to: toIn.value })}`);
      const part = (id: string, title: string, list: Entry[]) =>
        h(
          "section",
          { class: `part ${id}`, id: `report-${id}` },
          h("h2", null, title),
          list.length ? entryTable(list, false) : h("p", { class: "hint" }, t("noEntries")),
        );
      mount(
        out,
        part("stamped", t("stampedIn", { n: r.stamped.length }), r.stamped),
        part("pending", t("pendingIn", { n: r.pending.length }), r.pending),
        part("failed", t("failedIn", { n: r.failed.length }), r.failed),
      );
    } catch (e) {
      mount(out, h("p", { class: "msg", role: "alert" }, errorText(e)));
    }
  };
  const form = h(
    "form",
    { class: "filters" },
    h("div", { class: "field" }, h("label", { for: "r-quarter" }, t("quarter")), quarter),
    h("div", { class: "field" }, h("label", { for: "r-from" }, t("from")), fromIn),
    h("div", { class: "field" }, h("label", { for: "r-to" }, t("to")), toIn),
    h("div", { class: "field end" }, h("button", { type: "submit" }, t("show"))),
    h("div", { class: "field end" }, h("a", { class: "button secondary", href: `/v1/portfolio.pdf${qs({ lang })}`, download: "" }, t("portfolio"))),
  );
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    void load();
  });
  void load();
  return h("section", { class: "card" }, h("h1", null, t("reportTitle")), h("p", { class: "lead" }, t("reportLead")), form, out);
}
