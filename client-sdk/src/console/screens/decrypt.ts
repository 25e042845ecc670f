/**
 * "Download and decrypt" on an entry whose stored content was encrypted in the browser: the ciphertext is
 * fetched from /ipfs/<cid> with the session, and decrypted in the worker with the key file the user
 * chooses; the plaintext is saved under the entry's file name. The key never leaves the browser.
 */
import { request, type Entry } from "../api.ts";
import { formatBytes, h, saveBlob } from "../dom.ts";
import { decryptFile } from "../hashing.ts";
import { errorText, t } from "../i18n.ts";

/** The decrypt box of an encrypted entry, or null for plain content. */
export function decryptPanel(e: Entry): HTMLElement | null {
  const cid = e.cid;
  if (!e.encryption || !cid) return null;
  const keyInput = h("input", { type: "file", id: "decrypt-key", accept: ".key,.txt,text/plain" });
  const progress = h("progress", { id: "decrypt-progress", max: "1", value: "0", "aria-label": t("decryptProgress"), hidden: true });
  const msg = h("p", { class: "msg", id: "decrypt-msg", role: "status" });
  const button = h("button", { type: "button", id: "decrypt" }, t("decryptButton"));
  button.addEventListener("click", async () => {
    const f = keyInput.files?.[0];
    if (!f) {
      msg.textContent = t("keyNeeded");
      keyInput.focus();
      return;
    }
    button.disabled = true;
    msg.textContent = t("decrypting");
    progress.hidden = false;
    progress.value = 0;
    try {
      const key = (await f.text()).trim();
      const ciphertext = await (await request("GET", `/ipfs/${encodeURIComponent(cid)}`)).blob();
      const plain = await decryptFile(ciphertext, key, (p) => (progress.value = p));
      const name = e.name || `${e.id}.bin`;
      saveBlob(plain, name);
      msg.textContent = t("decrypted", { size: formatBytes(plain.size), name });
    } catch (err) {
      msg.textContent = errorText(err);
    } finally {
      button.disabled = false;
    }
  });
  return h(
    "div",
    { id: "decrypt-box" },
    h("h2", null, t("decryptTitle")),
    h("div", { class: "row" }, h("div", { class: "field" }, h("label", { for: "decrypt-key" }, t("decryptKeyFile")), keyInput), button),
    progress,
    msg,
  );
}
