/** Stamp: drop files or a folder, hash them in the worker, send digests (or, by choice, the files). */
import { ASSET_KINDS } from "../../leaf.ts";
import { api, qs, type Entry } from "../api.ts";
import { formatBytes, h, mount, saveBlob, short } from "../dom.ts";
import { encryptFile, filesOfDrop, generateKey, hashFile } from "../hashing.ts";
import { t, type Key, errorText } from "../i18n.ts";
import { applyStatus, can, disposers, go, onStatus } from "../state.ts";
import { statusBadge } from "./entries.ts";

interface Item {
  readonly file: File;
  readonly progress: HTMLProgressElement;
  readonly digestCell: HTMLElement;
  sha256?: string;
}

/** A drop zone that is also a keyboard control: Enter or Space opens the file picker. */
export function dropZone(text: string, onFiles: (files: File[]) => void, options: { multiple?: boolean; folder?: boolean; id?: string } = {}): HTMLElement {
  const id = options.id ?? "drop";
  const pick = h("input", { type: "file", id: `${id}-pick`, class: "sr", multiple: options.multiple ?? true, tabindex: "-1", "aria-hidden": "true" });
  const folder = options.folder
    ? h("input", { type: "file", id: `${id}-folder`, class: "sr", webkitdirectory: true, multiple: true, tabindex: "-1", "aria-hidden": "true" })
    : null;
  const take = (input: HTMLInputElement) => () => {
    if (input.files?.length)
      onFiles([...input.files].map((f) => (f.webkitRelativePath ? new File([f], f.webkitRelativePath, { type: f.type, lastModified: f.lastModified }) : f)));
    input.value = "";
  };
  pick.addEventListener("change", take(pick));
  folder?.addEventListener("change", take(folder));
  const zone = h(
    "div",
    {
      id,
      class: "drop",
      role: "button",
      tabindex: "0",
      "aria-label": text,
      onclick: () => pick.click(),
      onkeydown: (e: KeyboardEvent) => {
        if (e.key === "Enter" || e.key === " ") {
          e.preventDefault();
          pick.click();
        }
      },
      ondragover: (e: DragEvent) => {
        e.preventDefault();
        zone.classList.add("over");
      },
      ondragleave: () => zone.classList.remove("over"),
      ondrop: async (e: DragEvent) => {
        e.preventDefault();
        zone.classList.remove("over");
        if (e.dataTransfer) onFiles(await filesOfDrop(e.dataTransfer));
      },
    },
    text,
  );
  return h(
    "div",
    { class: "drop-wrap" },
    zone,
    pick,
    folder,
    folder
      ? h(
          "div",
          { class: "row" },
          h("button", { type: "button", class: "secondary", id: `${id}-choose`, onclick: () => pick.click() }, t("chooseFiles")),
          h("button", { type: "button", class: "secondary", id: `${id}-choose-folder`, onclick: () => folder.click() }, t("chooseFolder")),
        )
      : null,
  );
}

function select(id: string, label: string, options: [string, string][], value = ""): HTMLElement {
  return h(
    "div",
    { class: "field" },
    h("label", { for: id }, label),
    h(
      "select",
      { id, name: id },
      options.map(([v, l]) => h("option", { value: v, selected: v === value }, l)),
    ),
  );
}

export function stampScreen(): HTMLElement {
  if (!can.stamp()) return h("section", { class: "card" }, h("h1", null, t("stampTitle")), h("p", { class: "msg", role: "alert" }, t("cannotStamp")));
  const items: Item[] = [];
  const tbody = h("tbody", { id: "files" });
  const empty = h("p", { class: "hint", id: "no-files" }, t("noFiles"));
  const submit = h("button", { type: "submit", id: "stamp", disabled: true }, t("stampButton", { n: 0 }));
  const msg = h("p", { class: "msg", role: "status", id: "stamp-msg" });
  const results = h("ul", { class: "results", id: "results" });
  const created: Entry[] = [];

  const refresh = () => {
    empty.hidden = items.length > 0;
    submit.textContent = items.length === 1 ? t("stampButton1") : t("stampButton", { n: items.length });
    submit.disabled = items.length === 0 || items.some((i) => !i.sha256);
  };
  const add = (files: File[]) => {
    for (const file of files) {
      const progress = h("progress", { max: "1", value: "0", "aria-label": `${t("progress")} ${file.name}` });
      const digestCell = h("td", { class: "mono" }, "…");
      const item: Item = { file, progress, digestCell };
      items.push(item);
      const row = h(
        "tr",
        null,
        h("td", { class: "name ud" }, file.name),
        h("td", null, formatBytes(file.size)),
        h("td", null, progress),
        digestCell,
        h(
          "td",
          null,
          h(
            "button",
            {
              type: "button",
              class: "link",
              "aria-label": t("removeFile", { name: file.name }),
              onclick: () => {
                items.splice(items.indexOf(item), 1);
                row.remove();
                refresh();
              },
            },
            t("remove"),
          ),
        ),
      );
      tbody.append(row);
      void hashFile(file, (p) => (progress.value = p)).then(
        (r) => {
          item.sha256 = r.sha256;
          progress.value = 1;
          digestCell.textContent = r.sha256;
          digestCell.title = r.sha256;
          refresh();
        },
        (e: unknown) => {
          digestCell.textContent = t("error", { msg: String(e) });
        },
      );
    }
    refresh();
  };

  const previous = h("select", { id: "previous", name: "previous" }, h("option", { value: "" }, t("previousNone")));
  void api<{ entries: Entry[] }>("GET", `/v1/entries${qs({ limit: 1000 })}`).then(
    (r) => {
      for (const e of r.entries)
        previous.append(
          h("option", { value: e.sha256, class: "ud" }, `${e.claim?.title || e.name || t("untitled")} · ${short(e.sha256)} · ${e.receivedAt.slice(0, 10)}`),
        );
    },
    () => undefined,
  );

  const enc = encryptionPanel();

  const form = h(
    "form",
    { id: "stamp-form", class: "card" },
    h("h1", null, t("stampTitle")),
    h("p", { class: "lead" }, t("stampLead")),
    dropZone(t("dropFiles"), add, { folder: true }),
    h(
      "table",
      { class: "grid" },
      h("caption", { class: "sr" }, t("files")),
      h(
        "thead",
        null,
        h(
          "tr",
          null,
          h("th", { scope: "col" }, t("fileName")),
          h("th", { scope: "col" }, t("size")),
          h("th", { scope: "col" }, t("progress")),
          h("th", { scope: "col" }, t("digest")),
          h("th", { scope: "col" }, h("span", { class: "sr" }, t("remove"))),
        ),
      ),
      tbody,
    ),
    empty,
    h(
      "fieldset",
      { class: "mode" },
      h("legend", null, t("mode")),
      h("label", { class: "choice" }, h("input", { type: "radio", name: "mode", value: "hash", id: "mode-hash", checked: true }), t("modeHash")),
      h("label", { class: "choice" }, h("input", { type: "radio", name: "mode", value: "upload", id: "mode-upload" }), t("modeUpload")),
      enc.element,
    ),
    h(
      "fieldset",
      { class: "claim" },
      h("legend", null, t("claim")),
      h(
        "div",
        { class: "cols" },
        h(
          "div",
          { class: "field" },
          h("label", { for: "title" }, t("title")),
          h("input", { id: "title", name: "title", type: "text", maxlength: "2000", placeholder: t("titleHint") }),
        ),
        select("kind", t("kind"), [["", t("kindNone")], ...ASSET_KINDS.map((k): [string, string] => [k, t(`kind_${k}` as Key)])]),
        h("div", { class: "field" }, h("label", { for: "author" }, t("author")), h("input", { id: "author", name: "author", type: "text", maxlength: "2000" })),
        h(
          "div",
          { class: "field" },
          h("label", { for: "claimant" }, t("claimant")),
          h("input", { id: "claimant", name: "claimant", type: "text", maxlength: "2000" }),
        ),
        h("div", { class: "field" }, h("label", { for: "previous" }, t("previous")), previous),
        h("div", { class: "field wide" }, h("label", { for: "note" }, t("note")), h("textarea", { id: "note", name: "note", rows: "2", maxlength: "2000" })),
      ),
    ),
    h("div", { class: "row" }, submit),
    msg,
    results,
  );

  disposers.push(
    onStatus((e) => {
      const hit = applyStatus(created, e);
      if (hit) document.querySelector(`[data-entry="${hit.id}"] .badge`)?.replaceWith(statusBadge(hit.status));
    }),
  );

  form.addEventListener("change", (e) => {
    if ((e.target as HTMLInputElement).name === "mode") enc.show((form.elements.namedItem("mode") as RadioNodeList).value === "upload");
  });
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const v = (n: string) => ((form.elements.namedItem(n) as HTMLInputElement).value ?? "").trim();
    const claim: Record<string, string> = {};
    for (const k of ["title", "kind", "author", "claimant", "previous", "note"]) if (v(k)) claim[k] = v(k);
    const upload = (form.elements.namedItem("mode") as RadioNodeList).value === "upload";
    const encrypt = upload && enc.checked();
    if (encrypt && !enc.key()) {
      msg.textContent = t("keyNeeded");
      return;
    }
    submit.disabled = true;
    msg.textContent = t("stamping");
    try {
      let entries: Entry[];
      if (encrypt) {
        // One request per file (an encrypted upload carries one file): the ciphertext, then the plaintext's digests.
        entries = [];
        for (const i of items) {
          msg.textContent = t("encrypting", { name: i.file.name });
          const sealed = await encryptFile(i.file, enc.key()!, (p) => enc.progress(p));
          const fd = new FormData();
          for (const [k, val] of Object.entries(claim)) fd.append(k, val);
          fd.append("file", sealed.ciphertext, i.file.name);
          fd.append("encryption", "priorproof-aead/1");
          fd.append("plaintextSha256", sealed.sha256);
          fd.append("plaintextSha3_256", sealed.sha3_256);
          fd.append("plaintextSize", String(sealed.size));
          msg.textContent = t("stamping");
          entries.push(...(await api<{ entries: Entry[] }>("POST", "/v1/evidence", fd)).entries);
        }
      } else if (upload) {
        const fd = new FormData();
        for (const [k, val] of Object.entries(claim)) fd.append(k, val);
        for (const i of items) fd.append("file", i.file, i.file.name);
        entries = (await api<{ entries: Entry[] }>("POST", "/v1/evidence", fd)).entries;
      } else {
        // Hash-only: the digests and the claim, nothing of the files. A file without a title keeps its name as title.
        entries = (
          await api<{ entries: Entry[] }>("POST", "/v1/stamps", {
            items: items.map((i) => ({ sha256: i.sha256!, claim: { ...claim, title: claim.title ?? i.file.name } })),
          })
        ).entries;
      }
      created.push(...entries);
      for (const en of entries)
        previous.append(
          h(
            "option",
            { value: en.sha256, class: "ud" },
            `${en.claim?.title || en.name || t("untitled")} · ${short(en.sha256)} · ${en.receivedAt.slice(0, 10)}`,
          ),
        );
      msg.textContent = t("stamped", { n: entries.length });
      mount(
        results,
        entries.map((en) =>
          h(
            "li",
            { "data-entry": en.id },
            h(
              "a",
              {
                class: "ud",
                href: `/app/entries/${en.id}`,
                onclick: (ev: MouseEvent) => {
                  ev.preventDefault();
                  go(`/app/entries/${en.id}`);
                },
              },
              en.claim?.title || en.name || en.id,
            ),
            " ",
            h("span", { class: "mono" }, short(en.sha256)),
            " ",
            statusBadge(en.status),
          ),
        ),
      );
      items.splice(0);
      tbody.replaceChildren();
      refresh();
    } catch (err) {
      msg.textContent = errorText(err);
      refresh();
    }
  });
  refresh();
  return form;
}

/**
 * "Encrypt before upload" (off by default, shown with "also upload"): a key generated here and saved as a
 * key file (the SDK's format), or a key file chosen; the key text stays in this page and its worker.
 */
function encryptionPanel(): {
  element: HTMLElement;
  checked: () => boolean;
  key: () => string | undefined;
  show: (on: boolean) => void;
  progress: (p: number) => void;
} {
  let keyText: string | undefined;
  const status = h("p", { class: "hint", id: "key-status", role: "status" });
  const progress = h("progress", { id: "encrypt-progress", max: "1", value: "0", "aria-label": t("encryptProgress"), hidden: true });
  const keyInput = h("input", { type: "file", id: "key-file", accept: ".key,.txt,text/plain" });
  const take = (text: string, id: string) => {
    keyText = text;
    status.textContent = t("keyReady", { id });
  };
  keyInput.addEventListener("change", async () => {
    const f = keyInput.files?.[0];
    if (!f) return;
    const text = (await f.text()).trim();
    if (!/^(0x)?[0-9a-fA-F]{64}$/.test(text)) {
      keyText = undefined;
      status.textContent = t("err_INVALID_KEY");
      return;
    }
    take(text, f.name);
  });
  const generate = h(
    "button",
    {
      type: "button",
      class: "secondary",
      id: "key-generate",
      onclick: async () => {
        const k = await generateKey();
        saveBlob(new Blob([k.keyText], { type: "text/plain" }), `priorproof-key-${k.keyId.slice(2, 10)}.key`);
        take(k.keyText, k.keyId);
      },
    },
    t("keyGenerate"),
  );
  const box = h("input", { type: "checkbox", id: "encrypt", name: "encrypt" });
  const panel = h(
    "div",
    { id: "encrypt-panel", class: "encrypt-panel", hidden: true },
    h("p", { class: "msg", id: "encrypt-warning" }, t("encryptWarning")),
    h("div", { class: "row" }, generate),
    h("div", { class: "field" }, h("label", { for: "key-file" }, t("keyChoose")), keyInput),
    status,
    progress,
  );
  box.addEventListener("change", () => (panel.hidden = !box.checked));
  box.setAttribute("aria-controls", "encrypt-panel");
  panel.setAttribute("aria-describedby", "encrypt-warning");
  const wrap = h("div", { class: "encrypt", hidden: true }, h("label", { class: "choice" }, box, t("encryptOption")), panel);
  return {
    element: wrap,
    checked: () => !wrap.hidden && box.checked,
    key: () => keyText,
    show: (on) => (wrap.hidden = !on),
    progress: (p) => {
      progress.hidden = false;
      progress.value = p;
    },
  };
}
