import { createHash } from "node:crypto";
import mysql from "mysql2/promise";
import type { Connection, ConnectionOptions, FieldPacket, PoolConnection, ResultSetHeader } from "mysql2/promise";
import type { DatabaseService, ExecResult, PluginDatabase, PluginDbIdentity, Row, SqlValue } from "../types.js";
import { ServiceConnectionError, isNetworkError, messageOf, redactUrl } from "../connection-error.js";
import { DEMO_SCHEMA } from "../database/demo-schema.js";
import { generateDemoData, type DemoDataOptions } from "../database/demo-data.js";
import { guardReadOnlyTransaction } from "../database/read-guard.js";
import { StatementTimeoutError } from "../database/statement-timeout-error.js";
import { checkPlaceholderCount, scanSql } from "../database/sql-scan.js";
import { normalizeMysqlRows, toMysqlArgs } from "./mysql-values.js";

export interface MysqlOptions {
  /** `mysql://user:password@host:3306/database` (or `mariadb://`); `?ssl=true` for TLS. */
  url: string;
  /** Connections in the pool. Default 10. */
  poolSize?: number;
  /**
   * Longest a plugin statement may run, in ms; 0 for no limit. Default 5000. MySQL applies it
   * to SELECTs only (`max_execution_time`); MariaDB to every statement (`max_statement_time`).
   */
  statementTimeoutMs?: number;
  /** Where the URL was configured, named in connection errors. */
  origin?: string;
}

export type MysqlFlavor = "mysql" | "mariadb";

// MySQL's limit is 65535 placeholders per prepared statement.
const MAX_BATCH_PARAMETERS = 30_000;
const LOGIN_ERRORS = new Set(["ER_ACCESS_DENIED_ERROR", "ER_DBACCESS_DENIED_ERROR", "ER_BAD_DB_ERROR", "ER_NOT_SUPPORTED_AUTH_MODE"]);
// MariaDB's ER_STATEMENT_TIMEOUT, MySQL's ER_QUERY_TIMEOUT.
const TIMEOUT_ERRNOS = new Set([1969, 3024]);
// How long withLock waits for another host's lock (a migration it is applying).
const LOCK_WAIT_SECONDS = 600;
const CONNECTION_LOST = new Set(["PROTOCOL_CONNECTION_LOST", "ECONNRESET", "EPIPE"]);

/**
 * MySQL and MariaDB through a `mysql2` pool, with server-side prepared statements (the server
 * reads the `?` placeholders, so a `?` inside a literal is never a parameter). Plugin reads run
 * in `START TRANSACTION READ ONLY`. Sessions run in UTC with `ANSI_QUOTES`, `PIPES_AS_CONCAT`
 * and `NO_BACKSLASH_ESCAPES` added to the server's sql_mode, so `"name"`, `a || b` and `'C:\'`
 * mean what they mean on PostgreSQL and SQLite, whatever the server's own mode says; the host's
 * reading of plugin SQL (sql-scan.ts) counts on that. See docs/services.md for the value conventions.
 */
export class MysqlDatabase implements DatabaseService {
  readonly dialect = "mysql" as const;
  readonly #pool: mysql.Pool;
  readonly #connection: ConnectionOptions;
  readonly #url: string;
  readonly #origin: string;
  readonly #timeoutMs: number;
  readonly #ready = new WeakSet<object>();
  #flavor: MysqlFlavor | undefined;

  constructor(options: MysqlOptions) {
    this.#url = options.url;
    this.#origin = options.origin ?? "the url option";
    this.#timeoutMs = Math.max(0, Math.round(options.statementTimeoutMs ?? 5000));
    this.#connection = {
      ...connectionFromUrl(options.url, this.#origin),
      supportBigNumbers: true,
      bigNumberStrings: false,
      decimalNumbers: false,
      dateStrings: true,
      jsonStrings: true,
      timezone: "Z",
      charset: "utf8mb4",
      // UPDATE reports the rows it matched, as SQLite and PostgreSQL do, not only those it changed.
      flags: ["FOUND_ROWS"],
      connectTimeout: 10_000,
    };
    // The server caps prepared statements for all sessions together (16382 by default).
    this.#pool = mysql.createPool({ ...this.#connection, connectionLimit: options.poolSize ?? 10, maxPreparedStatements: 256 });
  }

  /** Opens the pool and checks that the server and the login are usable. */
  static async connect(options: MysqlOptions): Promise<MysqlDatabase> {
    const db = new MysqlDatabase(options);
    try {
      (await db.#checkout()).release();
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

  /** Which server answered, once connected. */
  get flavor(): MysqlFlavor | undefined {
    return this.#flavor;
  }

  async query(sql: string, args: SqlValue[]): Promise<Row[]> {
    guardReadOnlyTransaction(sql, "mysql");
    checkPlaceholderCount(scanSql(sql, "mysql").placeholders.length, args);
    return this.#withConnection(async (conn) => {
      await conn.query("START TRANSACTION READ ONLY");
      try {
        const [rows, fields] = await conn.execute(sql, toMysqlArgs(args));
        await conn.query("COMMIT");
        return Array.isArray(rows) ? normalizeMysqlRows(rows as Record<string, unknown>[], fields as FieldPacket[]) : [];
      } catch (error) {
        await conn.query("ROLLBACK").catch(() => {});
        throw error;
      }
    });
  }

  async exec(sql: string, args: SqlValue[]): Promise<ExecResult> {
    const { masked, placeholders } = scanSql(sql, "mysql");
    checkPlaceholderCount(placeholders.length, args);
    return this.#withConnection(async (conn) => {
      const [result, fields] = await conn.execute(sql, toMysqlArgs(args));
      const isInsert = /^\s*(insert|replace)\b/i.test(masked);
      if (Array.isArray(result)) {
        // MariaDB's INSERT ... RETURNING answers with rows: its `id`, else its first column.
        const rows = normalizeMysqlRows(result as Record<string, unknown>[], fields as FieldPacket[]);
        const last = rows.at(-1);
        const column = last && ("id" in last ? "id" : (fields as FieldPacket[])[0]?.name);
        const id = last && column !== undefined ? last[column] : null;
        return { rows_affected: rows.length, last_insert_id: isInsert && (typeof id === "number" || typeof id === "string") ? id : null };
      }
      const header = result as ResultSetHeader;
      const inserted = header.affectedRows > 0 && header.insertId !== 0 && isInsert;
      return { rows_affected: header.affectedRows, last_insert_id: inserted ? header.insertId : null };
    });
  }

  /**
   * Runs a migration script in one transaction. MySQL commits implicitly before and after each
   * DDL statement (CREATE, ALTER, DROP), so a failed script keeps the DDL that ran before the
   * failure; only data changes roll back. Write MySQL migrations to be re-runnable
   * (`CREATE TABLE IF NOT EXISTS`). No statement timeout applies.
   */
  async migrate(sql: string): Promise<void> {
    const conn = await this.#dedicatedConnection();
    try {
      await conn.query("START TRANSACTION");
      try {
        await conn.query(sql);
        await conn.query("COMMIT");
      } catch (error) {
        await conn.query("ROLLBACK").catch(() => {});
        throw error;
      }
    } finally {
      await conn.end().catch(() => conn.destroy());
    }
  }

  /**
   * Runs `body` holding `GET_LOCK` on a connection of its own. MySQL's lock names are
   * server-wide, so the name is hashed with the database's: other databases do not wait.
   */
  async withLock<T>(name: string, body: () => Promise<T>): Promise<T> {
    const conn = await this.#dedicatedConnection();
    try {
      const lock = `goatkit:${createHash("sha256").update(`${this.#connection.database ?? ""}\n${name}`).digest("hex").slice(0, 48)}`;
      let got: unknown;
      try {
        const [rows] = await conn.query("SELECT GET_LOCK(?, ?) AS got", [lock, LOCK_WAIT_SECONDS]);
        got = (rows as { got: unknown }[])[0]?.got;
      } catch (error) {
        throw this.#explain(error);
      }
      if (Number(got) !== 1) throw new Error(`waited ${LOCK_WAIT_SECONDS} s for the lock "${name}" held by another host on this database; find the host that holds it (a migration still running?) and retry`);
      // Closing the session releases the lock.
      return await body();
    } finally {
      await conn.end().catch(() => conn.destroy());
    }
  }

  /** True when the core demo tables exist in the database. */
  async hasDemoSchema(): Promise<boolean> {
    const rows = await this.query("SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = 'tickets'", []);
    return rows[0]?.n === 1;
  }

  /**
   * Creates the demo help-desk tables and fills them with deterministic data. The rows go in one
   * transaction; the tables, being DDL, are committed as they are created.
   */
  async seedDemo(options: DemoDataOptions = {}): Promise<void> {
    const tables = generateDemoData(options);
    const conn = await this.#dedicatedConnection();
    try {
      for (const ddl of DEMO_SCHEMA) await conn.query(ddl);
      await conn.query("START TRANSACTION");
      try {
        for (const { table, columns, rows } of tables) {
          const batch = Math.max(1, Math.floor(MAX_BATCH_PARAMETERS / columns.length));
          for (let start = 0; start < rows.length; start += batch) {
            const chunk = rows.slice(start, start + batch);
            const tuple = `(${columns.map(() => "?").join(", ")})`;
            await conn.execute(`INSERT INTO ${table} (${columns.join(", ")}) VALUES ${chunk.map(() => tuple).join(", ")}`, toMysqlArgs(chunk.flat()));
          }
        }
        await conn.query("COMMIT");
      } catch (error) {
        await conn.query("ROLLBACK").catch(() => {});
        throw error;
      }
    } catch (error) {
      throw this.#explain(error);
    } finally {
      await conn.end().catch(() => conn.destroy());
    }
  }

  async close(): Promise<void> {
    await this.#pool.end().catch(() => {});
  }

  /** Runs `body` on a pooled connection; a connection that failed mid-call is discarded. */
  async #withConnection<T>(body: (conn: PoolConnection) => Promise<T>): Promise<T> {
    const conn = await this.#checkout();
    try {
      const result = await body(conn);
      conn.release();
      return result;
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code !== undefined && CONNECTION_LOST.has(code)) conn.destroy();
      else conn.release();
      throw this.#explain(error);
    }
  }

  async #checkout(): Promise<PoolConnection> {
    let conn: PoolConnection;
    try {
      conn = await this.#pool.getConnection();
    } catch (error) {
      throw this.#explain(error);
    }
    // Each new session is set up once, before its first use.
    if (!this.#ready.has(conn.connection)) {
      try {
        await this.#setUpSession(conn, this.#timeoutMs);
        this.#ready.add(conn.connection);
      } catch (error) {
        conn.destroy();
        throw this.#explain(error);
      }
    }
    return conn;
  }

  /** A connection outside the pool for scripts: several statements per call, no statement timeout. */
  async #dedicatedConnection(): Promise<Connection> {
    let conn: Connection;
    try {
      conn = await mysql.createConnection({ ...this.#connection, multipleStatements: true });
    } catch (error) {
      throw this.#explain(error);
    }
    try {
      await this.#setUpSession(conn, 0);
    } catch (error) {
      conn.destroy();
      throw this.#explain(error);
    }
    return conn;
  }

  async #setUpSession(conn: Connection, timeoutMs: number): Promise<void> {
    if (this.#flavor === undefined) {
      const [rows] = await conn.query("SELECT VERSION() AS version");
      this.#flavor = /mariadb/i.test(String((rows as { version: string }[])[0]?.version)) ? "mariadb" : "mysql";
    }
    await conn.query("SET time_zone = '+00:00'");
    await conn.query("SET SESSION sql_mode = CONCAT_WS(',', NULLIF(@@sql_mode, ''), 'ANSI_QUOTES', 'PIPES_AS_CONCAT', 'NO_BACKSLASH_ESCAPES')");
    if (this.#flavor === "mariadb") await conn.query(`SET SESSION max_statement_time = ${timeoutMs / 1000}`);
    else await conn.query(`SET SESSION max_execution_time = ${timeoutMs}`);
  }

  #explain(error: unknown): unknown {
    if (error instanceof ServiceConnectionError) return error;
    const { code, errno } = error as { code?: string; errno?: number };
    const server = this.#flavor === "mariadb" ? "MariaDB" : this.#flavor === "mysql" ? "MySQL" : "MySQL/MariaDB";
    if (code !== undefined && LOGIN_ERRORS.has(code)) {
      return new ServiceConnectionError(server, this.#url, this.#origin, messageOf(error), `check the user, password and database in ${this.#origin}`, { cause: error });
    }
    if (isNetworkError(error) || (code !== undefined && CONNECTION_LOST.has(code))) {
      return new ServiceConnectionError(server, this.#url, this.#origin, messageOf(error), `start the server or fix ${this.#origin}`, { cause: error });
    }
    if (errno !== undefined && TIMEOUT_ERRNOS.has(errno)) {
      return new StatementTimeoutError(this.#timeoutMs, { cause: error });
    }
    return error;
  }
}

/** Connection settings from a `mysql://` or `mariadb://` URL. */
function connectionFromUrl(text: string, origin: string): ConnectionOptions {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`${origin} is not a URL: ${redactUrl(text)}; write it as mysql://user:password@host:3306/database`);
  }
  const ssl = url.searchParams.get("ssl");
  return {
    host: url.hostname.replace(/^\[(.*)\]$/, "$1") || "localhost",
    port: url.port ? Number(url.port) : 3306,
    user: decodeURIComponent(url.username) || undefined,
    password: url.password ? decodeURIComponent(url.password) : undefined,
    database: decodeURIComponent(url.pathname.replace(/^\//, "")) || undefined,
    ...(ssl === "true" || ssl === "required" ? { ssl: {} } : {}),
  };
}
