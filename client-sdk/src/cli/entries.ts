/** The commands that read from the service: `status`, `receipt`, `certificate`, `lookup`. */
import { writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { clientFor, digestOf, oneId, SERVICE_OPTIONS, timeoutMs, UsageError } from "./common.ts";
import { EXIT } from "./help.ts";
import { describeLookupAnchor, entryLine, type Io } from "./render.ts";

/** `status ID`: the entry, one line or --json. */
export async function status(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: SERVICE_OPTIONS });
  const entry = await clientFor(values, io).getEntry(oneId(positionals, "status"));
  io.out(values.json ? JSON.stringify(entry, null, 2) : entryLine(entry));
  return EXIT.OK;
}

/** `receipt ID [-o FILE] [--wait]`: the receipt, printed or written. */
export async function receipt(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { ...SERVICE_OPTIONS, output: { type: "string", short: "o" }, wait: { type: "boolean" }, timeout: { type: "string" } },
  });
  const id = oneId(positionals, "receipt");
  const wait = timeoutMs(values.timeout);
  const pp = clientFor(values, io);
  if (values.wait) await pp.waitForAnchor(id, { status: "anchored", timeoutMs: wait });
  const r = await pp.getReceipt(id);
  const text = `${JSON.stringify(r, null, 2)}\n`;
  if (values.output === undefined) {
    io.out(text.trimEnd());
    return EXIT.OK;
  }
  await writeFile(values.output, text);
  const evm = r.anchors.find((a) => a.type === "evm");
  if (values.json) io.out(JSON.stringify({ id, written: values.output, bytes: Buffer.byteLength(text) }));
  else
    io.out(
      `receipt of ${id} written to ${values.output}` +
        (evm?.type === "evm" ? ` (anchored on ${evm.chainName}, chain ${evm.chainId}, block ${evm.blockNumber} at ${evm.blockTime})` : ""),
    );
  return EXIT.OK;
}

/** `certificate ID -o FILE`: the PDF certificate. */
export async function certificate(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { ...SERVICE_OPTIONS, output: { type: "string", short: "o" }, lang: { type: "string" }, jurisdiction: { type: "string" } },
  });
  const id = oneId(positionals, "certificate");
  if (values.output === undefined) throw new UsageError("certificate needs -o FILE");
  if (values.lang !== undefined && values.lang !== "en" && values.lang !== "zh-CN") throw new UsageError("--lang is en or zh-CN");
  if (values.jurisdiction !== undefined && !["cn", "us", "eu"].includes(values.jurisdiction)) throw new UsageError("--jurisdiction is cn, us or eu");
  const pdf = await clientFor(values, io).getCertificate(id, {
    ...(values.lang ? { lang: values.lang as "en" | "zh-CN" } : {}),
    ...(values.jurisdiction ? { jurisdiction: values.jurisdiction as "cn" | "us" | "eu" } : {}),
  });
  await writeFile(values.output, pdf);
  if (values.json) io.out(JSON.stringify({ id, written: values.output, bytes: pdf.length }));
  else io.out(`certificate of ${id} written to ${values.output} (${pdf.length} bytes)`);
  return EXIT.OK;
}

/** `lookup FILE|DIGEST`: the public lookup; exit 0 when anchored. */
export async function lookup(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: SERVICE_OPTIONS });
  if (positionals.length !== 1) throw new UsageError("lookup needs a file or a digest");
  const pp = clientFor(values, io);
  const digest = await digestOf(io, positionals[0] as string, "lookup's argument");
  const r = await pp.lookupDigest(digest);
  if (values.json) io.out(JSON.stringify(r, null, 2));
  else if (!r.anchored) io.out(`${digest}: not anchored at this service`);
  else for (const a of r.anchors) io.out(describeLookupAnchor(digest, a));
  return r.anchored ? EXIT.OK : EXIT.NOT_VERIFIED;
}
