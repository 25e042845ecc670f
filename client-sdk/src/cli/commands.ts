/**
 * The CLI's commands. Each parses its arguments, makes the SDK calls, prints one result (or one JSON
 * document with --json) and returns its exit code; failures are thrown as typed errors for main.ts to
 * turn into an exit code.
 *
 * One file per command group: stamp.ts, sign.ts (the claimant's signer, `statement`), entries.ts
 * (`status`, `receipt`, `certificate`, `lookup`), verify.ts (with verify-options.ts), watch.ts, capture.ts,
 * encryption.ts (`keygen`, `decrypt`, `stamp --encrypt`); what they share (service options, safe file reads) is
 * common.ts, the usage error usage.ts.
 */
import { capture, verifyCaptureCommand } from "./capture.ts";
import { clientFor, type Command } from "./common.ts";
import { decrypt, keygen } from "./encryption.ts";
import { certificate, lookup, receipt, status } from "./entries.ts";
import { statement } from "./sign.ts";
import { stamp } from "./stamp.ts";
import { verify } from "./verify.ts";
import { UsageError } from "./usage.ts";
import { watchCommand } from "./watch.ts";

export type { Command } from "./common.ts";
export { UsageError, type UsageErrorCode } from "./usage.ts";
export { parseCheckpoint } from "./verify-options.ts";

/**
 * The commands by name.
 *
 * @example
 * await COMMANDS.lookup!(["draft.psd"], io) // 0 when anchored
 */
export const COMMANDS: Readonly<Record<string, Command>> = {
  stamp,
  status,
  receipt,
  verify,
  certificate,
  lookup,
  statement,
  watch: watchCommand,
  capture,
  "verify-capture": verifyCaptureCommand,
  keygen: (args, io) => keygen(args, io, (m) => new UsageError(m)),
  decrypt: (args, io) =>
    decrypt(
      args,
      io,
      (m) => new UsageError(m),
      (values) => clientFor(values, io),
    ),
};
