/** The browser side of examples/design-tool-plugin.html. */
import { createClient, sha256Blob, toHex } from "@priorproof/client-sdk/browser";

const pp = createClient({ baseUrl: "http://127.0.0.1:8080", apiKey: localStorage.getItem("priorproof-key") ?? "" });
const log = (line: string) => ((document.getElementById("log") as HTMLPreElement).textContent += `${line}\n`);

document.getElementById("stamp")!.addEventListener("click", async () => {
  const file = (document.getElementById("draft") as HTMLInputElement).files?.[0];
  if (!file) return log("choose a file first");
  const { sha256 } = await sha256Blob(file, { onProgress: (done, total) => log(`hashing ${Math.round((done / total!) * 100)}%`) });
  const [entry] = await pp.submitStamps([{ sha256: toHex(sha256), claim: { title: file.name, kind: "design" } }]);
  log(`stamped ${entry!.id}; waiting for the chain…`);
  await pp.waitForAnchor(entry!.id, { onStatus: (s) => log(`status: ${s}`) });
  const receipt = await pp.getReceipt(entry!.id);
  const url = URL.createObjectURL(new Blob([JSON.stringify(receipt, null, 2)], { type: "application/json" }));
  log(`receipt ready: ${url} (save it with the file)`);
});
