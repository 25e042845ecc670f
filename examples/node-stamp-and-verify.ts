/**
 * Stamp a file from a Node script, wait for the chain, save the receipt, and verify it independently.
 *
 *   PRIORPROOF_URL=http://127.0.0.1:8080 PRIORPROOF_API_KEY=$(cat data/dev-api-key.txt) \
 *   RPC_URL=http://127.0.0.1:8545 node --conditions=source examples/node-stamp-and-verify.ts draft.psd
 */
import { writeFile } from "node:fs/promises";
import { createChainReader, createClient, sha256File, toHex, verifyReceipt } from "@priorproof/client-sdk/node";

const [file] = process.argv.slice(2);
if (!file) throw new Error("usage: node-stamp-and-verify.ts <file>");
const pp = createClient({ baseUrl: process.env.PRIORPROOF_URL!, apiKey: process.env.PRIORPROOF_API_KEY! });

// 1. Hash locally: only the digest leaves this machine.
const { sha256 } = await sha256File(file);
const [entry] = await pp.submitStamps([{ sha256: toHex(sha256), claim: { title: file, kind: "design" } }]);

// 2. Wait until the batch holding it is anchored, then keep the receipt with the file.
await pp.waitForAnchor(entry!.id, { status: "anchored", onStatus: (s) => console.log(`status: ${s}`) });
const receipt = await pp.getReceipt(entry!.id);
await writeFile(`${file}.receipt.json`, JSON.stringify(receipt, null, 2));

// 3. Verify without the service: the file's digest, the receipt and any node of the chain.
const rpc = createChainReader(process.env.RPC_URL!);
const verdict = await verifyReceipt(receipt, { sha256, chains: { [String(await rpc.getChainId())]: rpc } });
rpc.destroy();
for (const c of verdict.checks) console.log(`${c.status.padEnd(11)} ${c.title}`);
console.log(verdict.verified ? `verified: existed no later than ${verdict.existedNoLaterThan}` : "NOT verified");
process.exitCode = verdict.verified ? 0 : 1;
