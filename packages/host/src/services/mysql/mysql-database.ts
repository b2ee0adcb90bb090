import { ServicesConfigError } from "../config.js";
import { DatabaseError } from "../database/database-error.js";
import { messageOf } from "../../errors.js";
import { createHash } from "node:crypto";
import type { ConnectionOptions } from "mysql2/promise";
import type { DatabaseService, ExecResult, PluginDatabase, PluginDbIdentity, Row, SqlValue } from "../types.js";
import { ServiceConnectionError, isNetworkError, redactUrl } from "../connection-error.js";
import { demoSchema } from "../database/demo-schema.js";
import { generateDemoData, type DemoDataOptions } from "../database/demo-data.js";
import { guardReadOnlyTransaction } from "../database/read-guard.js";
import { StatementTimeoutError } from "../database/statement-timeout-error.js";
import { checkPlaceholderCount, scanSql } from "../database/sql-scan.js";
import { toMysqlArgs } from "./mysql-values.js";
import { CONNECTION_LOST, MysqlPool, type MysqlFlavor, type MysqlServer } from "./mysql-pool.js";
import {
  MysqlPluginDatabase,
  PLUGIN_DATABASE_PRIVILEGES,
  accountOf,
  pluginAccountName,
  pluginDatabaseName,
  pluginPassword,
  setUpPluginIdentity,
  type PluginNames,
} from "./mysql-plugin-database.js";

export type { MysqlFlavor } from "./mysql-pool.js";

export interface MysqlOptions {
  /** `mysql://user:password@host:3306/database` (or `mariadb://`); `?ssl=true` for TLS. */
  url: string;
  /** Connections in the pool. Default 10. */
  poolSize?: number;
  /** Connections in each plugin's pool (logged in as the plugin's account). Default 3. */
  pluginPoolSize?: number;
  /**
   * `MAX_USER_CONNECTIONS` of each plugin's account, for all hosts together (each host holds
   * up to `pluginPoolSize` plus one for a migration). Default 32.
   */
  pluginMaxConnections?: number;
  /**
   * Longest a plugin statement may run, in ms; 0 for no limit. Default 5000. MySQL applies it
   * to SELECTs only (`max_execution_time`); MariaDB to every statement (`max_statement_time`).
   */
  statementTimeoutMs?: number;
  /** Where the URL was configured, named in connection errors. */
  origin?: string;
}

// MySQL's limit is 65535 placeholders per prepared statement.
const MAX_BATCH_PARAMETERS = 30_000;
const LOGIN_ERRORS = new Set(["ER_ACCESS_DENIED_ERROR", "ER_DBACCESS_DENIED_ERROR", "ER_BAD_DB_ERROR", "ER_NOT_SUPPORTED_AUTH_MODE"]);
// MariaDB's ER_STATEMENT_TIMEOUT, MySQL's ER_QUERY_TIMEOUT.
const TIMEOUT_ERRNOS = new Set([1969, 3024]);
// How long withLock waits for another host's lock (a migration it is applying).
const LOCK_WAIT_SECONDS = 600;
// What the host's login needs, server-wide, to give each plugin an account, a database and grants.
const HOST_PRIVILEGES = ["CREATE USER", ...PLUGIN_DATABASE_PRIVILEGES];

interface PluginPool {
  names: PluginNames;
  pool: MysqlPool;
  /** The identity last set up: what the server enforces now. */
  identity: PluginDbIdentity;
}

/**
 * MySQL and MariaDB through a `mysql2` pool, with server-side prepared statements (the server
 * reads the `?` placeholders, so a `?` inside a literal is never a parameter). Plugin reads run
 * in `START TRANSACTION READ ONLY`. Sessions run in UTC with `ANSI_QUOTES`, `PIPES_AS_CONCAT`
 * and `NO_BACKSLASH_ESCAPES` added to the server's sql_mode, so `"name"`, `a || b` and `'C:\'`
 * mean what they mean on PostgreSQL and SQLite, whatever the server's own mode says; the host's
 * reading of plugin SQL (sql-scan.ts) counts on that. See docs/services.md for the value conventions.
 * Each plugin runs as an account of its own, with a database of its own (forPlugin).
 */
export class MysqlDatabase implements DatabaseService {
  readonly dialect = "mysql" as const;
  readonly #pool: MysqlPool;
  readonly #connection: ConnectionOptions;
  readonly #server: MysqlServer = { flavor: undefined };
  readonly #url: string;
  readonly #origin: string;
  readonly #timeoutMs: number;
  readonly #pluginPoolSize: number;
  readonly #pluginMaxConnections: number;
  readonly #plugins = new Map<string, PluginPool>();
  /** The host's own account, `'user'@'host'` as CURRENT_USER() names it; plugin accounts share its host part. */
  #hostAccount: { user: string; host: string } | undefined;

  constructor(options: MysqlOptions) {
    this.#url = options.url;
    this.#origin = options.origin ?? "the url option";
    this.#timeoutMs = Math.max(0, Math.round(options.statementTimeoutMs ?? 5000));
    this.#pluginPoolSize = Math.max(1, options.pluginPoolSize ?? 3);
    this.#pluginMaxConnections = Math.max(1, options.pluginMaxConnections ?? 32);
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
    this.#pool = new MysqlPool(this.#connection, this.#server, {
      connectionLimit: options.poolSize ?? 10,
      timeoutMs: this.#timeoutMs,
      resetAfterUse: false,
      explain: (error) => this.#explain(error),
    });
  }

  /**
   * Opens the pool and checks that the server and the login are usable, and that the login may
   * set up plugin identities (CREATE USER and the privileges it grants, WITH GRANT OPTION).
   */
  static async connect(options: MysqlOptions): Promise<MysqlDatabase> {
    const db = new MysqlDatabase(options);
    try {
      await db.#checkHostPrivileges();
    } catch (error) {
      await db.close();
      throw error;
    }
    return db;
  }

  /** The URL without its password, for logs and the dashboard. */
  get url(): string {
    return redactUrl(this.#url);
  }

  /** Which server answered, once connected. */
  get flavor(): MysqlFlavor | undefined {
    return this.#server.flavor;
  }

  async query(sql: string, args: SqlValue[]): Promise<Row[]> {
    guardReadOnlyTransaction(sql, "mysql");
    checkPlaceholderCount(scanSql(sql, "mysql").placeholders.length, args);
    return this.#pool.read(sql, args);
  }

  async exec(sql: string, args: SqlValue[]): Promise<ExecResult> {
    const { masked, placeholders } = scanSql(sql, "mysql");
    checkPlaceholderCount(placeholders.length, args);
    return this.#pool.write(sql, args, masked);
  }

  /**
   * Runs a migration script in one transaction. MySQL commits implicitly before and after each
   * DDL statement (CREATE, ALTER, DROP), so a failed script keeps the DDL that ran before the
   * failure; only data changes roll back. Write MySQL migrations to be re-runnable
   * (`CREATE TABLE IF NOT EXISTS`). No statement timeout applies.
   */
  async migrate(sql: string): Promise<void> {
    await this.#pool.runScript(sql);
  }

  /**
   * The plugin's account, database, views of the core tables and grants, brought in line with
   * `identity`; its statements then run on a small pool logged in as that account
   * (docs/services.md "Plugin identities").
   */
  async forPlugin(identity: PluginDbIdentity): Promise<PluginDatabase> {
    const hostAccount = await this.#currentAccount();
    const names = this.#pluginNames(identity.plugin);
    const password = pluginPassword(this.#passwordKey(), names.account.replace(/@.*$/, ""));
    await this.withLock(`plugin-identity:${identity.plugin}`, async () => {
      const conn = await this.#pool.dedicated();
      try {
        await setUpPluginIdentity(conn, identity, { ...names, hostAccount: accountOf(hostAccount.user, hostAccount.host), password, maxConnections: this.#pluginMaxConnections });
      } catch (error) {
        throw this.#explainSetUp(error, identity.plugin);
      } finally {
        await conn.end().catch(() => conn.destroy());
      }
    });
    let entry = this.#plugins.get(identity.plugin);
    if (!entry) {
      const user = pluginAccountName(names.core, identity.plugin);
      const pool: MysqlPool = new MysqlPool({ ...this.#connection, user, password, database: names.database }, this.#server, {
        connectionLimit: this.#pluginPoolSize,
        timeoutMs: this.#timeoutMs,
        resetAfterUse: true,
        explain: (error, stage) => this.#explainPlugin(error, stage, identity.plugin, user),
      });
      entry = { names, pool, identity };
      this.#plugins.set(identity.plugin, entry);
    }
    entry.identity = identity;
    const current = entry;
    return new MysqlPluginDatabase(identity, names, entry.pool, (sql, args) => this.exec(sql, args), () => current.identity);
  }

  /** `"<core>__<plugin>"."<table>"`: the plugin's tables live in a database of its own. */
  pluginTable(plugin: string, table: string): string {
    return `"${pluginDatabaseName(this.#coreDatabase(), plugin).replace(/"/g, '""')}"."${table.replace(/"/g, '""')}"`;
  }

  /**
   * Runs `body` holding `GET_LOCK` on a connection of its own. MySQL's lock names are
   * server-wide, so the name is hashed with the database's: other databases do not wait.
   */
  async withLock<T>(name: string, body: () => Promise<T>): Promise<T> {
    const conn = await this.#pool.dedicated();
    try {
      const lock = `goatkit:${createHash("sha256").update(`${this.#connection.database ?? ""}\n${name}`).digest("hex").slice(0, 48)}`;
      let got: unknown;
      try {
        const [rows] = await conn.query("SELECT GET_LOCK(?, ?) AS got", [lock, LOCK_WAIT_SECONDS]);
        got = (rows as { got: unknown }[])[0]?.got;
      } catch (error) {
        throw this.#explain(error);
      }
      if (Number(got) !== 1) throw new DatabaseError("E_DATABASE_LOCK", `waited ${LOCK_WAIT_SECONDS} s for the lock "${name}" held by another host on this database; find the host that holds it (a migration still running?) and retry`, { fix: "find the host that holds it (a migration still running?) and retry" });
      // Closing the session releases the lock.
      return await body();
    } finally {
      await conn.end().catch(() => conn.destroy());
    }
  }

  /** True when the core demo tables exist in the database. */
  async hasDemoSchema(): Promise<boolean> {
    const rows = await this.query("SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = 'ticket'", []);
    return rows[0]?.n === 1;
  }

  /**
   * Creates the demo help-desk tables and fills them with deterministic data. The rows go in one
   * transaction; the tables, being DDL, are committed as they are created.
   */
  async seedDemo(options: DemoDataOptions = {}): Promise<void> {
    const tables = generateDemoData(options);
    const conn = await this.#pool.dedicated();
    try {
      for (const ddl of demoSchema("mysql")) await conn.query(ddl);
      await conn.query("START TRANSACTION");
      try {
        for (const { table, columns, rows } of tables) {
          const batch = Math.max(1, Math.floor(MAX_BATCH_PARAMETERS / columns.length));
          for (let start = 0; start < rows.length; start += batch) {
            const chunk = rows.slice(start, start + batch);
            const tuple = `(${columns.map(() => "?").join(", ")})`;
            await conn.execute(`INSERT INTO "${table}" (${columns.join(", ")}) VALUES ${chunk.map(() => tuple).join(", ")}`, toMysqlArgs(chunk.flat()));
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
    const plugins = [...this.#plugins.values()];
    this.#plugins.clear();
    await Promise.all([this.#pool.end(), ...plugins.map((p) => p.pool.end())]);
  }

  #coreDatabase(): string {
    const core = this.#connection.database;
    if (!core) throw new ServicesConfigError(`${this.#origin} names no database; write it as mysql://user:password@host:3306/database`, { fix: "write it as mysql://user:password@host:3306/database" });
    return core;
  }

  #pluginNames(plugin: string): PluginNames {
    if (!/^[a-z0-9][a-z0-9-]*$/.test(plugin)) throw new DatabaseError("E_DATABASE", `plugin name "${plugin}" is not kebab-case`, { fix: "name the plugin in kebab-case (lower-case letters, digits and -)" });
    const core = this.#coreDatabase();
    const host = this.#hostAccount?.host ?? "%";
    return { core, database: pluginDatabaseName(core, plugin), account: accountOf(pluginAccountName(core, plugin), host) };
  }

  /** The key of the plugins' passwords: the host's login (user, password, database), not how it reaches the server. */
  #passwordKey(): string {
    const { user = "", password = "", database = "" } = this.#connection;
    return `goatkit-plugin-account\0${user}\0${password}\0${database}`;
  }

  async #currentAccount(): Promise<{ user: string; host: string }> {
    if (this.#hostAccount) return this.#hostAccount;
    const rows = await this.#pool.read("SELECT CURRENT_USER() AS account", []);
    const account = String(rows[0]?.account ?? "");
    const at = account.lastIndexOf("@");
    this.#hostAccount = { user: account.slice(0, at), host: account.slice(at + 1) };
    return this.#hostAccount;
  }

  /** Fails with the missing privileges and the GRANT that gives them. */
  async #checkHostPrivileges(): Promise<void> {
    const { user, host } = await this.#currentAccount();
    const grantee = accountOf(user, host);
    const rows = await this.#pool.read("SELECT PRIVILEGE_TYPE AS privilege, IS_GRANTABLE AS grantable FROM information_schema.USER_PRIVILEGES WHERE GRANTEE = ?", [grantee]);
    const held = new Map(rows.map((r) => [String(r.privilege).toUpperCase(), r.grantable === "YES"]));
    const missing = HOST_PRIVILEGES.filter((p) => !held.has(p));
    const notGrantable = HOST_PRIVILEGES.filter((p) => p !== "CREATE USER" && held.has(p) && !held.get(p));
    if (missing.length === 0 && notGrantable.length === 0) return;
    const server = this.#server.flavor === "mariadb" ? "MariaDB" : "MySQL";
    const lacks = [missing.length > 0 ? `lacks ${missing.join(", ")}` : "", notGrantable.length > 0 ? `holds ${notGrantable.join(", ")} without GRANT OPTION` : ""].filter(Boolean).join(" and ");
    const fix = `run GRANT ${HOST_PRIVILEGES.join(", ")} ON *.* TO ${grantee} WITH GRANT OPTION (or GRANT ALL PRIVILEGES ON *.* TO ${grantee} WITH GRANT OPTION)`;
    throw new DatabaseError("E_DATABASE", `the ${server} login ${grantee} (${this.url}) ${lacks} on *.*, which the host needs to give each plugin its own account and database (docs/services.md "Plugin identities"); ${fix}`, { fix });
  }

  #explainSetUp(error: unknown, plugin: string): unknown {
    const explained = this.#explain(error);
    if (explained !== error) return explained;
    const fix = `the host's login needs CREATE USER and ${PLUGIN_DATABASE_PRIVILEGES.join(", ")} ON *.* WITH GRANT OPTION (docs/services.md "Plugin identities")`;
    return new DatabaseError("E_DATABASE", `cannot set up the database account of plugin ${plugin}: ${messageOf(error)}; ${fix}`, { fix, cause: error });
  }

  /** A plugin pool's errors: a failed login is the host's problem, a refused statement the plugin's. */
  #explainPlugin(error: unknown, stage: "login" | "statement", plugin: string, user: string): unknown {
    const { code, errno } = error as { code?: string; errno?: number };
    if (stage === "login" && (code === undefined || !CONNECTION_LOST.has(code)) && !isNetworkError(error)) {
      const server = this.#server.flavor === "mariadb" ? "MariaDB" : "MySQL/MariaDB";
      return new ServiceConnectionError(server, this.#url, this.#origin, `plugin ${plugin}'s account ${user}: ${messageOf(error)}`, "the host sets the account's password at every load of the plugin; reload the plugin, and check that every host of the cluster uses the same login", { cause: error });
    }
    if (isNetworkError(error) || (code !== undefined && CONNECTION_LOST.has(code)) || (errno !== undefined && TIMEOUT_ERRNOS.has(errno))) return this.#explain(error);
    return error;
  }

  #explain(error: unknown): unknown {
    if (error instanceof ServiceConnectionError) return error;
    const { code, errno } = error as { code?: string; errno?: number };
    const server = this.#server.flavor === "mariadb" ? "MariaDB" : this.#server.flavor === "mysql" ? "MySQL" : "MySQL/MariaDB";
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
    throw new ServicesConfigError(`${origin} is not a URL: ${redactUrl(text)}; write it as mysql://user:password@host:3306/database`, { fix: "write it as mysql://user:password@host:3306/database" });
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
