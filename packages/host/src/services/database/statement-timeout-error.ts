import { GoatKitError } from "../../errors.js";

/** A statement cancelled by the database's statement timeout; the same on every adapter. */
export class StatementTimeoutError extends GoatKitError {
  declare readonly code: "STATEMENT_TIMEOUT";

  constructor(readonly timeoutMs: number, options?: ErrorOptions) {
    const fix = "add a LIMIT or an index, or raise the timeout (database.statement_timeout_ms, GOATKIT_DB_STATEMENT_TIMEOUT_MS)";
    super("STATEMENT_TIMEOUT", `the statement ran longer than the ${timeoutMs} ms statement timeout and was cancelled; ${fix}`, { fix, ...options });
    this.name = "StatementTimeoutError";
  }
}
