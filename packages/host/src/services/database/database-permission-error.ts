import { GoatKitError } from "../../errors.js";

/**
 * The database refused a plugin's statement for want of a privilege: PostgreSQL's
 * `insufficient_privilege`, MySQL's access-denied errors, or SQLite's compiled program reading
 * a table, calling a function or changing the schema the plugin was not granted. Host calls
 * report it as `E_PERMISSION_DENIED`.
 */
export class DatabasePermissionError extends GoatKitError {
  declare readonly code: "E_PERMISSION_DENIED";

  /** `reason` reads after the caller's name: `may not write table "tickets": add ...`. */
  constructor(
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super("E_PERMISSION_DENIED", `permission denied: ${reason}`, { ...options });
    this.name = "DatabasePermissionError";
  }
}
