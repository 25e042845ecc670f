/**
 * The CLI's usage error, in a module of its own so that every command module can import it without
 * importing the command table.
 */
import { PriorProofError } from "../errors.ts";

/**
 * A command line that cannot be run as given (exit code 2).
 *
 * @example
 * throw new UsageError("stamp needs at least one file");
 */
export class UsageError extends PriorProofError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("USAGE", message, options);
  }
}
