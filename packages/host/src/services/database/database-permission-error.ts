/**
 * The database refused a plugin's statement for want of a privilege: PostgreSQL's
 * `insufficient_privilege`, MySQL's access-denied errors, or SQLite's compiled program reading
 * a table, calling a function or changing the schema the plugin was not granted. Host calls
 * report it as `E_PERMISSION_DENIED`.
 */
export class DatabasePermissionError extends Error {
  readonly code = "E_PERMISSION_DENIED";

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "DatabasePermissionError";
  }
}
