import { chmodSync, existsSync, statSync } from "node:fs";
import Database from "libsql";
import type { DatabaseService, ExecResult, PluginDatabase, PluginDbIdentity, Row, SqlValue } from "../types.js";
import { guardReadOnlyTransaction } from "./read-guard.js";
import { checkPlaceholderCount, scanSql } from "./sql-scan.js";
import { rewriteMysqlDates } from "./mysql-dates.js";
import { demoSchema } from "./demo-schema.js";
import { generateDemoData, type DemoDataOptions } from "./demo-data.js";
import { SqliteCatalogue, SqlitePluginDatabase } from "./sqlite-plugin-database.js";

type LibsqlDatabase = InstanceType<typeof Database>;

/**
 * The embedded default database: a SQLite file (or `:memory:`) through libsql, whose binaries
 * ship as npm packages. Calls are synchronous, so it also serves the in-process runtime.
 */
export class SqliteDatabase implements DatabaseService {
  readonly dialect = "sqlite" as const;
  readonly #db: LibsqlDatabase;
  #catalogue: SqliteCatalogue | undefined;

  constructor(readonly file: string = ":memory:") {
    this.#db = new Database(file);
    // Integers come back as bigint, so those beyond 2^53 keep every digit (see sqliteRows).
    this.#db.defaultSafeIntegers(true);
    this.#db.exec("PRAGMA foreign_keys = ON");
    if (file !== ":memory:") {
      keepPrivate(file);
      // WAL with synchronous NORMAL: a commit survives the process being killed (it is in the
      // WAL), and only a power loss may undo the last ones; FULL would fsync every commit,
      // which made each stored job run cost milliseconds (scripts/bench/state.mjs).
      this.#db.exec("PRAGMA journal_mode = WAL");
      this.#db.exec("PRAGMA synchronous = NORMAL");
    }
  }

  query(text: string, args: SqlValue[]): Row[] {
    const sql = rewriteMysqlDates(text);
    guardReadOnlyTransaction(sql, "sqlite");
    // libsql binds NULL to a `?` left without an argument: refuse, as the servers do.
    checkPlaceholderCount(scanSql(sql, "sqlite").placeholders.length, args);
    // query_only makes SQLite itself refuse writes, whatever the statement looks like.
    this.#db.exec("PRAGMA query_only = 1");
    try {
      const stmt = this.#db.prepare(sql);
      if (!stmt.reader) return (stmt.run(...toSqlite(args)), []);
      return sqliteRows(stmt.all(...toSqlite(args)) as Record<string, unknown>[]);
    } finally {
      this.#db.exec("PRAGMA query_only = 0");
    }
  }

  exec(text: string, args: SqlValue[]): ExecResult {
    const sql = rewriteMysqlDates(text);
    checkPlaceholderCount(scanSql(sql, "sqlite").placeholders.length, args);
    const stmt = this.#db.prepare(sql);
    const info = stmt.run(...toSqlite(args));
    const inserted = info.changes > 0 && /^\s*(insert|replace)\b/i.test(sql);
    return { rows_affected: info.changes, last_insert_id: inserted ? integerValue(BigInt(info.lastInsertRowid)) : null };
  }

  migrate(sql: string): void {
    this.#db.exec("BEGIN");
    try {
      this.#db.exec(sql);
      this.#db.exec("COMMIT");
    } catch (error) {
      this.#db.exec("ROLLBACK");
      throw error;
    }
  }

  /** The plugin's view: each statement is checked against SQLite's compiled program (sqlite-plugin-database.ts). */
  async forPlugin(identity: PluginDbIdentity): Promise<PluginDatabase> {
    this.#catalogue ??= new SqliteCatalogue(this.#db);
    return new SqlitePluginDatabase(identity, this.#db, this.#catalogue, { args: toSqlite, rows: sqliteRows, integer: integerValue });
  }

  /** One schema for all: a plugin's tables are named as the plugin names them. */
  pluginTable(_plugin: string, table: string): string {
    return table;
  }

  /** True when the core demo tables exist. */
  hasDemoSchema(): boolean {
    return this.#db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'ticket'").all().length > 0;
  }

  /** Creates the demo help-desk tables and fills them with deterministic data. */
  seedDemo(options: DemoDataOptions = {}): void {
    const tables = generateDemoData(options);
    this.#db.exec("BEGIN");
    try {
      for (const ddl of demoSchema("sqlite")) this.#db.exec(ddl);
      for (const { table, columns, rows } of tables) {
        const insert = this.#db.prepare(`INSERT INTO "${table}" (${columns.join(", ")}) VALUES (${columns.map(() => "?").join(", ")})`);
        for (const row of rows) insert.run(...toSqlite(row));
      }
      this.#db.exec("COMMIT");
    } catch (error) {
      this.#db.exec("ROLLBACK");
      throw error;
    }
  }

  close(): void {
    this.#db.close();
  }
}

/**
 * The database holds the audit trail, every plugin's logs and its tables: no other user of the
 * machine (a gRPC plugin's own user among them, docs/grpc.md) may read it. SQLite creates the
 * WAL and shared-memory files with the database file's permissions.
 */
function keepPrivate(file: string): void {
  for (const path of [file, `${file}-wal`, `${file}-shm`]) {
    if (!existsSync(path)) continue;
    const mode = statSync(path).mode & 0o777;
    if ((mode & 0o077) !== 0) chmodSync(path, mode & 0o700);
  }
}

// SQLite has no booleans; store them as the 0/1 it would return.
function toSqlite(args: SqlValue[]): (string | number | null)[] {
  return args.map((v) => (typeof v === "boolean" ? (v ? 1 : 0) : v));
}

/**
 * Rows as the other adapters give them: integers within ±2^53 as numbers, beyond it as the
 * exact string of digits (as PostgreSQL and MySQL return BIGINTs), never a rounded number.
 */
function sqliteRows(rows: Record<string, unknown>[]): Row[] {
  for (const row of rows) {
    for (const [column, value] of Object.entries(row)) {
      if (typeof value === "bigint") row[column] = integerValue(value);
    }
  }
  return rows as Row[];
}

function integerValue(value: bigint): number | string {
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString();
}
