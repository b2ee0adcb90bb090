import { DatabaseError } from "./database-error.js";
import type { ScanDialect } from "./sql-scan.js";
import { inspectStatement } from "./sql-statement.js";

/**
 * Refuses, before they reach a read-only transaction, the statements it cannot contain:
 * MySQL commits implicitly before DDL (so `CREATE TABLE` would run outside it); `SET`,
 * `COMMIT` and the like change the pooled session or end the transaction early; and in
 * `SELECT 1; COMMIT; DELETE ...` the last statement would run after it ended. On SQLite it
 * also keeps `ATTACH` (which creates files), `PRAGMA` (which changes the connection the host's
 * writes use) and `load_extension` away from the connection (and, on every database, the
 * functions that reach the server's files or run SQL from a string). Reads and writes go on to the
 * database, which refuses the writes itself.
 */
export function guardReadOnlyTransaction(sql: string, dialect: ScanDialect): void {
  const { kind, multiple, forbiddenCall } = inspectStatement(sql, dialect);
  if (multiple) throw new DatabaseError("E_SQL_REFUSED", "query() runs one statement; split the SQL into separate calls", { fix: "split the SQL into separate calls" });
  if (forbiddenCall) throw new DatabaseError("E_SQL_REFUSED", `query() may not call ${forbiddenCall.name}: ${forbiddenCall.reason}`, { fix: `remove the call to ${forbiddenCall.name}` });
  if (kind === "schema" || kind === "other") {
    const keyword = /^\W*(\w+)/.exec(sql.replace(/--[^\n]*|\/\*[\s\S]*?\*\//g, ""))?.[1]?.toUpperCase() ?? "this statement";
    throw new DatabaseError("E_SQL_REFUSED", `query() runs reads only; ${keyword} is not a read (change data with exec(), the schema with migrate())`, { fix: "change data with exec(), the schema with migrate()" });
  }
}
