/**
 * The CLI's usage error, in a module of its own so that every command module can import it without
 * importing the command table.
 */
import { PriorProofError } from "../errors.ts";

/**
 * Code of the CLI's usage family:
 * - `USAGE`: a command line that cannot be run as given (unknown option, missing value, bad argument).
 */
export type UsageErrorCode = "USAGE";

/**
 * A command line that cannot be run as given (exit code 2).
 *
 * @example
 * throw new UsageError("stamp needs at least one file");
 */
export class UsageError extends PriorProofError {
  declare readonly code: UsageErrorCode;
  constructor(message: string, options?: { cause?: unknown }) {
    super("USAGE", message, options);
  }
}
