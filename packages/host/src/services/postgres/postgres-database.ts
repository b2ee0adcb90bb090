import { createHash } from "node:crypto";
import pg from "pg";
import type { DatabaseService, ExecResult, PluginDatabase, PluginDbIdentity, Row, SqlValue } from "../types.js";
import { ServiceConnectionError, isNetworkError, messageOf, redactUrl } from "../connection-error.js";
import { DEMO_SCHEMA } from "../database/demo-schema.js";
import { generateDemoData, type DemoDataOptions } from "../database/demo-data.js";
import { guardReadOnlyTransaction } from "../database/read-guard.js";
import { StatementTimeoutError } from "../database/statement-timeout-error.js";
import { scalarValue } from "../database/sql-values.js";
import { PG_TYPES, normalizePgRows } from "./pg-values.js";
import { prepareStatement, withReturning } from "./pg-statement.js";

export interface PostgresOptions {
  /** `postgres://user:password@host:5432/database`; `?schema=name` sets the search path. */
  url: string;
  /** The schema plugin SQL works in (the search path); it must exist. Default: the server's. */
  schema?: string;
  /** Connections in the pool. Default 10. */
  poolSize?: number;
  /** Longest a plugin statement may run, in ms; 0 for no limit. Default 5000. */
  statementTimeoutMs?: number;
  /** Where the URL was configured, named in connection errors. */
  origin?: string;
}

// Lower case only: the search path folds unquoted names to lower case.
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
// pg's limit is 65535 parameters per statement.
const MAX_BATCH_PARAMETERS = 30_000;
// Session and connection failures: the server is unreachable, or refuses the login or database.
const LOGIN_CODES = new Set(["28P01", "28000", "3D000", "3F000"]);

/**
 * PostgreSQL through a `pg` pool. Every call is its own transaction: plugin reads run in
 * `BEGIN READ ONLY`, so the database itself refuses writes; each transaction sets its own
 * `statement_timeout`, so a session setting changed by a plugin's `set_config()` cannot lift it,
 * and the session is reset (`DISCARD ALL`) before its connection returns to the pool.
 * Sessions run in UTC; see docs/services.md for the value conventions.
 */
export class PostgresDatabase implements DatabaseService {
  readonly dialect = "postgres" as const;
  readonly #pool: pg.Pool;
  readonly #url: string;
  readonly #origin: string;
  readonly #timeoutMs: number;
  readonly #schema: string | undefined;
  /** Identity/serial column per INSERT target, for last_insert_id. */
  readonly #identityColumns = new Map<string, string | null>();

  constructor(options: PostgresOptions) {
    const url = parseUrl(options.url, options.origin ?? "the url option");
    const schema = options.schema ?? (url.searchParams.get("schema") || undefined);
    url.searchParams.delete("schema");
    if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
      throw new Error(`PostgreSQL schema "${schema}" is not a plain identifier; use lower-case letters, digits and _ (set by ${options.origin ?? "the schema option"})`);
    }
    this.#url = url.toString();
    this.#origin = options.origin ?? "the url option";
    this.#timeoutMs = Math.max(0, Math.round(options.statementTimeoutMs ?? 5000));
    this.#schema = schema;
    this.#pool = new pg.Pool({
      connectionString: this.#url,
      max: options.poolSize ?? 10,
      types: PG_TYPES,
      options: ["-c TimeZone=UTC", schema ? `-c search_path=${schema}` : ""].join(" ").trim(),
      application_name: "goatkit-host",
      connectionTimeoutMillis: 10_000,
      idleTimeoutMillis: 30_000,
    });
    // An idle connection dropped by the server is an event, not a crash; the pool replaces it.
    this.#pool.on("error", () => {});
  }

  /** Opens the pool and checks that the server, the login and the schema are usable. */
  static async connect(options: PostgresOptions): Promise<PostgresDatabase> {
    const db = new PostgresDatabase(options);
    try {
      const client = await db.#checkout();
      try {
        if (db.#schema) {
          const found = await client.query("SELECT 1 FROM pg_namespace WHERE nspname = $1", [db.#schema]);
          if (found.rowCount === 0) {
            throw new ServiceConnectionError("PostgreSQL", db.#url, db.#origin, `schema "${db.#schema}" does not exist`, `create it (CREATE SCHEMA ${db.#schema}) or remove the schema setting`);
          }
        }
      } finally {
        client.release();
      }
    } catch (error) {
      await db.close();
      throw error;
    }
    return db;
  }

  // Placeholder until plugin identities land for this adapter.
  async forPlugin(_identity: PluginDbIdentity): Promise<PluginDatabase> {
    throw new Error("plugin identities are not available on this database yet");
  }

  pluginTable(_plugin: string, table: string): string {
    return table;
  }

  /** The URL without its password, for logs and the dashboard. */
  get url(): string {
    return redactUrl(this.#url);
  }

  async query(sql: string, args: SqlValue[]): Promise<Row[]> {
    guardReadOnlyTransaction(sql, "postgres");
    const statement = prepareStatement(sql, args);
    return this.#transaction(`BEGIN READ ONLY; SET LOCAL statement_timeout = ${this.#timeoutMs}`, async (client) => {
      const result = await client.query(extended(statement.text, args));
      return normalizePgRows(result.rows);
    });
  }

  async exec(sql: string, args: SqlValue[]): Promise<ExecResult> {
    const statement = prepareStatement(sql, args);
    return this.#transaction(`BEGIN; SET LOCAL statement_timeout = ${this.#timeoutMs}`, async (client) => {
      let text = statement.text;
      let idColumn: string | null = null;
      if (statement.insertTarget && !statement.hasReturning) {
        idColumn = await this.#identityColumn(client, statement.insertTarget);
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

  async migrate(sql: string): Promise<void> {
    // Migrations may rewrite big tables: no statement timeout. A script without parameters
    // goes through the simple protocol, which runs several statements.
    await this.#transaction("BEGIN; SET LOCAL statement_timeout = 0", (client) => client.query(sql));
    this.#identityColumns.clear();
  }

  /**
   * Runs `body` holding a transaction-scoped advisory lock on a connection of its own (so `body`
   * keeps the whole pool), named per schema: installations in other schemas do not wait.
   */
  async withLock<T>(name: string, body: () => Promise<T>): Promise<T> {
    const client = new pg.Client({ connectionString: this.#url, application_name: "goatkit-host", connectionTimeoutMillis: 10_000 });
    client.on("error", () => {});
    try {
      await client.connect();
      await client.query("BEGIN");
      await client.query("SELECT pg_advisory_xact_lock($1::bigint)", [advisoryKey(`${this.#schema ?? ""}\n${name}`)]);
    } catch (error) {
      await client.end().catch(() => {});
      throw this.#explain(error);
    }
    try {
      return await body();
    } finally {
      // Ending the session ends the transaction and with it the lock.
      await client.end().catch(() => {});
    }
  }

  /** True when the core demo tables exist in the schema. */
  async hasDemoSchema(): Promise<boolean> {
    const rows = await this.query("SELECT to_regclass('tickets') IS NOT NULL AS present", []);
    return rows[0]?.present === true;
  }

  /** Creates the demo help-desk tables and fills them with deterministic data, in one transaction. */
  async seedDemo(options: DemoDataOptions = {}): Promise<void> {
    const tables = generateDemoData(options);
    await this.#transaction("BEGIN; SET LOCAL statement_timeout = 0", async (client) => {
      for (const ddl of DEMO_SCHEMA) await client.query(ddl);
      for (const { table, columns, rows } of tables) {
        const batch = Math.max(1, Math.floor(MAX_BATCH_PARAMETERS / columns.length));
        for (let start = 0; start < rows.length; start += batch) {
          const chunk = rows.slice(start, start + batch);
          const tuples = chunk.map((_, r) => `(${columns.map((_, c) => `$${r * columns.length + c + 1}`).join(", ")})`);
          await client.query(`INSERT INTO ${table} (${columns.join(", ")}) VALUES ${tuples.join(", ")}`, chunk.flat());
        }
      }
    });
    this.#identityColumns.clear();
  }

  async close(): Promise<void> {
    if (!this.#pool.ended) await this.#pool.end();
  }

  /** Runs `body` between `begin` and COMMIT on one pooled connection, rolling back on failure. */
  async #transaction<T>(begin: string, body: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.#checkout();
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
      throw this.#explain(error);
    } finally {
      // A plugin's statement can change its session beyond the transaction (set_config(..., false),
      // SET, pg_advisory_lock, temp tables, PREPARE, LISTEN): DISCARD ALL returns the session to
      // its connection settings (UTC, the schema) before the next call gets it.
      if (!broken) {
        await client.query("DISCARD ALL").catch((resetError: Error) => {
          broken = resetError;
        });
      }
      // A connection that could not roll back or reset is discarded rather than reused.
      client.release(broken);
    }
  }

  async #checkout(): Promise<pg.PoolClient> {
    try {
      return await this.#pool.connect();
    } catch (error) {
      throw this.#explain(error);
    }
  }

  /** The column an INSERT into `target` generates (identity or serial), cached per table. */
  async #identityColumn(client: pg.PoolClient, target: string): Promise<string | null> {
    if (this.#identityColumns.has(target)) return this.#identityColumns.get(target)!;
    const result = await client.query<{ exists: boolean; name: string | null }>(
      `SELECT to_regclass($1) IS NOT NULL AS exists,
        (SELECT a.attname FROM pg_attribute a
          LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
          WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped
            AND (a.attidentity <> '' OR pg_get_expr(d.adbin, d.adrelid) LIKE 'nextval(%')
          ORDER BY a.attnum LIMIT 1) AS name`,
      [target],
    );
    const row = result.rows[0];
    // A table that does not exist yet is not cached: a migration may create it.
    if (row?.exists) this.#identityColumns.set(target, row.name);
    return row?.name ?? null;
  }

  #explain(error: unknown): unknown {
    if (error instanceof ServiceConnectionError) return error;
    const code = (error as { code?: string }).code;
    if (isNetworkError(error) || /timeout exceeded when trying to connect|Connection terminated/i.test(messageOf(error))) {
      return new ServiceConnectionError("PostgreSQL", this.#url, this.#origin, messageOf(error), `start the server or fix ${this.#origin}`, { cause: error });
    }
    if (code !== undefined && LOGIN_CODES.has(code)) {
      return new ServiceConnectionError("PostgreSQL", this.#url, this.#origin, messageOf(error), `check the user, password and database in ${this.#origin}`, { cause: error });
    }
    if (code === "57014" && /statement timeout/.test(messageOf(error))) {
      return new StatementTimeoutError(this.#timeoutMs, { cause: error });
    }
    return error;
  }
}

/**
 * A plugin statement always goes through the extended protocol, which takes one statement:
 * without arguments pg would use the simple protocol, where `SELECT 1; COMMIT; DELETE ...`
 * would end the read-only transaction and write.
 */
function extended(text: string, values: SqlValue[]): pg.QueryConfig {
  return { text, values, queryMode: "extended" } as pg.QueryConfig;
}

/** A lock name as the signed 64-bit key PostgreSQL's advisory locks take. */
function advisoryKey(name: string): string {
  return createHash("sha256").update(name).digest().readBigInt64BE(0).toString();
}

function parseUrl(text: string, origin: string): URL {
  try {
    return new URL(text);
  } catch {
    throw new Error(`${origin} is not a URL: ${redactUrl(text)}; write it as postgres://user:password@host:5432/database`);
  }
}
