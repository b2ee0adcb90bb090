import pg from "pg";
import type { ExecResult, Row, SqlValue } from "../types.js";
import { scalarValue } from "../database/sql-values.js";
import { normalizePgRows } from "./pg-values.js";
import { prepareStatement, withReturning } from "./pg-statement.js";

/**
 * One pool and the rules its statements run under: the host's own, or one plugin's (logged in
 * as the plugin's role). Both run every call the same way, below.
 */
export interface PgSession {
  readonly pool: pg.Pool;
  readonly timeoutMs: number;
  /** Turns a driver error into the error callers see. */
  explain(error: unknown): unknown;
  /** Identity/serial column per INSERT target, for last_insert_id. */
  readonly identityColumns: Map<string, string | null>;
}

/** Runs one read-only statement in its own `BEGIN READ ONLY` transaction. */
export function readRows(session: PgSession, sql: string, args: SqlValue[]): Promise<Row[]> {
  const statement = prepareStatement(sql, args);
  return inTransaction(session, `BEGIN READ ONLY; SET LOCAL statement_timeout = ${session.timeoutMs}`, async (client) => {
    const result = await client.query(extended(statement.text, args));
    return normalizePgRows(result.rows);
  });
}

/** Runs one statement that changes data in its own transaction; an INSERT reports its generated id. */
export function execStatement(session: PgSession, sql: string, args: SqlValue[]): Promise<ExecResult> {
  const statement = prepareStatement(sql, args);
  return inTransaction(session, `BEGIN; SET LOCAL statement_timeout = ${session.timeoutMs}`, async (client) => {
    let text = statement.text;
    let idColumn: string | null = null;
    if (statement.insertTarget && !statement.hasReturning) {
      idColumn = await identityColumn(session, client, statement.insertTarget);
      if (idColumn) text = withReturning(text, idColumn);
    }
    const result = await client.query(extended(text, args));
    const last = result.rows.at(-1);
    let lastInsertId: ExecResult["last_insert_id"] = null;
    if (statement.insertTarget && last) {
      // Our own RETURNING names the identity column; the plugin's: its `id`, else its first column.
      const column = idColumn ?? ("id" in last ? "id" : result.fields[0]?.name);
      const value = column === undefined ? null : scalarValue(last[column]);
      lastInsertId = typeof value === "number" || typeof value === "string" ? value : null;
    }
    return { rows_affected: result.rowCount ?? 0, last_insert_id: lastInsertId };
  });
}

/** Runs `body` between `begin` and COMMIT on one pooled connection of the session, rolling back on failure. */
export async function inTransaction<T>(session: PgSession, begin: string, body: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  let client: pg.PoolClient;
  try {
    client = await session.pool.connect();
  } catch (error) {
    throw session.explain(error);
  }
  let broken: Error | undefined;
  try {
    await client.query(begin);
    const result = await body(client);
    await client.query("COMMIT");
    return result;
  } catch (error) {
    await client.query("ROLLBACK").catch((rollbackError: Error) => {
      broken = rollbackError;
    });
    throw session.explain(error);
  } finally {
    // A plugin's statement can change its session beyond the transaction (set_config(..., false),
    // SET, pg_advisory_lock, temp tables, PREPARE, LISTEN): DISCARD ALL returns the session to
    // its connection settings (UTC, the search path) before the next call gets it.
    if (!broken) {
      await client.query("DISCARD ALL").catch((resetError: Error) => {
        broken = resetError;
      });
    }
    // A connection that could not roll back or reset is discarded rather than reused.
    client.release(broken);
  }
}

/**
 * A plugin statement always goes through the extended protocol, which takes one statement:
 * without arguments pg would use the simple protocol, where `SELECT 1; COMMIT; DELETE ...`
 * would end the read-only transaction and write.
 */
export function extended(text: string, values: SqlValue[]): pg.QueryConfig {
  return { text, values, queryMode: "extended" } as pg.QueryConfig;
}

/**
 * The column an INSERT into `target` generates (identity or serial) and the session may read
 * back, cached per table. A plugin granted INSERT on a core table without `db:read` gets no
 * RETURNING (it could not read the column): its last_insert_id is null.
 */
async function identityColumn(session: PgSession, client: pg.PoolClient, target: string): Promise<string | null> {
  const cache = session.identityColumns;
  if (cache.has(target)) return cache.get(target)!;
  const result = await client.query<{ exists: boolean; name: string | null }>(
    `SELECT to_regclass($1) IS NOT NULL AS exists,
      (SELECT a.attname FROM pg_attribute a
        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped
          AND (a.attidentity <> '' OR pg_get_expr(d.adbin, d.adrelid) LIKE 'nextval(%')
          AND has_column_privilege(a.attrelid, a.attnum, 'SELECT')
        ORDER BY a.attnum LIMIT 1) AS name`,
    [target],
  );
  const row = result.rows[0];
  // A table that does not exist yet is not cached: a migration may create it.
  if (row?.exists) cache.set(target, row.name);
  return row?.name ?? null;
}
