import mysql from "mysql2/promise";
import type { Connection, ConnectionOptions, FieldPacket, PoolConnection, ResultSetHeader } from "mysql2/promise";
import type { ExecResult, Row, SqlValue } from "../types.js";
import { normalizeMysqlRows, toMysqlArgs } from "./mysql-values.js";

export type MysqlFlavor = "mysql" | "mariadb";

/** What every pool on one server shares: which server it is, found by the first session. */
export interface MysqlServer {
  flavor: MysqlFlavor | undefined;
}

export interface MysqlPoolOptions {
  connectionLimit: number;
  /** Longest a statement may run, in ms; 0 for no limit. */
  timeoutMs: number;
  /**
   * Sets the session up again after every use, before the connection goes back to the pool (a
   * plugin's statement, or a function it calls, may have changed it). The caller has its answer
   * first: the reset costs the pool's throughput, not the call's latency.
   */
  resetAfterUse: boolean;
  /** Turns a driver error into the error callers see. */
  explain(error: unknown, stage: "login" | "statement"): unknown;
}

export const CONNECTION_LOST = new Set(["PROTOCOL_CONNECTION_LOST", "ECONNRESET", "EPIPE"]);

/**
 * A `mysql2` pool whose sessions all run with the host's settings: UTC, `ANSI_QUOTES`,
 * `PIPES_AS_CONCAT` and `NO_BACKSLASH_ESCAPES` added to the server's sql_mode, the statement
 * timeout. The host's own pool and each plugin's pool (logged in as the plugin's account) are
 * both one of these, so they read SQL the same way.
 */
export class MysqlPool {
  readonly #pool: mysql.Pool;
  readonly #ready = new WeakSet<object>();

  constructor(
    readonly connection: ConnectionOptions,
    readonly server: MysqlServer,
    private readonly options: MysqlPoolOptions,
  ) {
    // The server caps prepared statements for all sessions together (16382 by default).
    this.#pool = mysql.createPool({ ...connection, connectionLimit: options.connectionLimit, maxPreparedStatements: 256 });
  }

  /** One statement in `START TRANSACTION READ ONLY`, so the server refuses writes. */
  async read(sql: string, args: SqlValue[]): Promise<Row[]> {
    return this.withConnection(async (conn) => {
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

  /** One statement that changes data; `masked` is the statement with strings and comments masked. */
  async write(sql: string, args: SqlValue[], masked: string): Promise<ExecResult> {
    return this.withConnection(async (conn) => {
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

  /** Runs `body` on a pooled connection; a connection that failed mid-call is discarded. */
  async withConnection<T>(body: (conn: PoolConnection) => Promise<T>): Promise<T> {
    const conn = await this.checkout();
    try {
      const result = await body(conn);
      this.#giveBack(conn);
      return result;
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code !== undefined && CONNECTION_LOST.has(code)) conn.destroy();
      else this.#giveBack(conn);
      throw this.options.explain(error, "statement");
    }
  }

  #giveBack(conn: PoolConnection): void {
    if (!this.options.resetAfterUse) return conn.release();
    this.setUpSession(conn, this.options.timeoutMs).then(
      () => conn.release(),
      () => conn.destroy(),
    );
  }

  async checkout(): Promise<PoolConnection> {
    let conn: PoolConnection;
    try {
      conn = await this.#pool.getConnection();
    } catch (error) {
      throw this.options.explain(error, "login");
    }
    // Each new session is set up before its first use (a plugin's again after every use).
    if (!this.#ready.has(conn.connection)) {
      try {
        await this.setUpSession(conn, this.options.timeoutMs);
        this.#ready.add(conn.connection);
      } catch (error) {
        conn.destroy();
        throw this.options.explain(error, "statement");
      }
    }
    return conn;
  }

  /**
   * Runs a script of several statements on a connection of its own, in one transaction as far as
   * MySQL allows: each DDL statement commits implicitly, so only data changes roll back.
   */
  async runScript(script: string): Promise<void> {
    const conn = await this.dedicated();
    try {
      await conn.query("START TRANSACTION");
      try {
        await conn.query(script);
        await conn.query("COMMIT");
      } catch (error) {
        await conn.query("ROLLBACK").catch(() => {});
        throw error;
      }
    } finally {
      await conn.end().catch(() => conn.destroy());
    }
  }

  /** A connection outside the pool for scripts: several statements per call, no statement timeout. */
  async dedicated(): Promise<Connection> {
    let conn: Connection;
    try {
      conn = await mysql.createConnection({ ...this.connection, multipleStatements: true });
    } catch (error) {
      throw this.options.explain(error, "login");
    }
    try {
      await this.setUpSession(conn, 0);
    } catch (error) {
      conn.destroy();
      throw this.options.explain(error, "statement");
    }
    return conn;
  }

  async setUpSession(conn: Connection, timeoutMs: number): Promise<void> {
    if (this.server.flavor === undefined) {
      const [rows] = await conn.query("SELECT VERSION() AS version");
      this.server.flavor = /mariadb/i.test(String((rows as { version: string }[])[0]?.version)) ? "mariadb" : "mysql";
    }
    // One round trip: a plugin's sessions are set up again after every statement. autocommit,
    // which a plugin's function could turn off, is the server's default.
    const timeout = this.server.flavor === "mariadb" ? `SESSION max_statement_time = ${timeoutMs / 1000}` : `SESSION max_execution_time = ${timeoutMs}`;
    await conn.query(`SET autocommit = 1, time_zone = '+00:00', SESSION sql_mode = CONCAT_WS(',', NULLIF(@@GLOBAL.sql_mode, ''), 'ANSI_QUOTES', 'PIPES_AS_CONCAT', 'NO_BACKSLASH_ESCAPES'), ${timeout}`);
  }

  async end(): Promise<void> {
    await this.#pool.end().catch(() => {});
  }
}
