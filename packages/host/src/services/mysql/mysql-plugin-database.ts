import { DatabaseError } from "../database/database-error.js";
import { createHash, createHmac } from "node:crypto";
import type { Connection } from "mysql2/promise";
import type { ExecResult, PluginDatabase, PluginDbIdentity, Row, SqlValue } from "../types.js";
import { DatabasePermissionError } from "../database/database-permission-error.js";
import { TUTORIAL_VIEWS, viewWriteRefusal } from "../database/demo-views.js";
import { inspectStatement } from "../database/sql-statement.js";
import { checkPlaceholderCount, scanSql } from "../database/sql-scan.js";
import type { MysqlPool } from "./mysql-pool.js";

/**
 * Plugin identities on MySQL/MariaDB (docs/services.md "Plugin identities"): each plugin has an
 * account of its own and a database of its own, where its tables live and where the core's
 * tables appear as `SQL SECURITY INVOKER` views, so its SQL names them as before while the
 * server checks the plugin account's own grants on the core table behind each view.
 */

/**
 * What the plugin's account may do in its own database. Not EVENT (code that runs on a schedule,
 * outside any plugin call), nor LOCK TABLES and CREATE TEMPORARY TABLES (state that outlives a
 * call in a pooled session).
 */
export const PLUGIN_DATABASE_PRIVILEGES = [
  "SELECT", "INSERT", "UPDATE", "DELETE", "CREATE", "DROP", "REFERENCES", "INDEX", "ALTER",
  "EXECUTE", "CREATE VIEW", "SHOW VIEW", "CREATE ROUTINE", "ALTER ROUTINE", "TRIGGER",
] as const;
const CORE_WRITE = ["INSERT", "UPDATE", "DELETE"] as const;

/** `gk_` and 16 hex digits: within MySQL's 32 characters for a user name. */
export function pluginAccountName(coreDatabase: string, plugin: string): string {
  return `gk_${createHash("sha256").update(`${coreDatabase}\0${plugin}`).digest("hex").slice(0, 16)}`;
}

/** `<core>__<plugin with - as _>`, or a hashed name when that is longer than MySQL's 64 characters. */
export function pluginDatabaseName(coreDatabase: string, plugin: string): string {
  const plain = `${coreDatabase}__${plugin.replace(/-/g, "_")}`;
  if (plain.length <= 64) return plain;
  return `${coreDatabase.slice(0, 24)}__gk_${createHash("sha256").update(`${coreDatabase}\0${plugin}`).digest("hex").slice(0, 32)}`;
}

/** Derived, never stored: every host that logs in with the same account derives the same password. */
export function pluginPassword(key: string, account: string): string {
  return createHmac("sha256", key).update(account).digest("base64url");
}

export const quoteName = (name: string) => `\`${name.replace(/`/g, "``")}\``;
// Sessions run with NO_BACKSLASH_ESCAPES: only the quote is doubled.
export const quoteString = (text: string) => `'${text.replace(/'/g, "''")}'`;
/** A database name in GRANT ... ON db.*, where `_` and `%` are wildcards unless escaped. */
const grantDatabase = (name: string) => quoteName(name.replace(/([_%\\])/g, "\\$1"));

export interface PluginNames {
  core: string;
  database: string;
  /** `'gk_…'@'host'`, as GRANT and ALTER USER take it. */
  account: string;
}

/**
 * Brings the plugin's account, database, views and grants in line with `identity`, on the
 * host's connection. Grants no longer wanted are revoked; views of core tables are made again
 * (new columns appear) and those of tables gone are dropped.
 */
export async function setUpPluginIdentity(
  conn: Connection,
  identity: PluginDbIdentity,
  names: PluginNames & { hostAccount: string; password: string; maxConnections: number },
): Promise<void> {
  const { core, database, account } = names;
  const rows = async <T>(sql: string, args: unknown[] = []) => (await conn.query(sql, args))[0] as T[];
  const [charset] = await rows<{ cs: string; co: string }>("SELECT DEFAULT_CHARACTER_SET_NAME AS cs, DEFAULT_COLLATION_NAME AS co FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?", [core]);
  // Same character set and collation as the core's, so joins between their text columns work.
  await conn.query(`CREATE DATABASE IF NOT EXISTS ${quoteName(database)}${charset ? ` CHARACTER SET ${charset.cs} COLLATE ${charset.co}` : ""}`);
  if (!/^[A-Za-z0-9_-]+$/.test(names.password)) throw new DatabaseError("E_DATABASE", "the plugin account's password must be base64url", { fix: "derive the password with base64url encoding" });
  const limits = `WITH MAX_USER_CONNECTIONS ${Math.max(1, Math.floor(names.maxConnections))}`;
  await conn.query(`CREATE USER IF NOT EXISTS ${account} IDENTIFIED BY '${names.password}' ${limits}`);
  await conn.query(`ALTER USER ${account} IDENTIFIED BY '${names.password}' ${limits}`);
  await conn.query(`GRANT ${PLUGIN_DATABASE_PRIVILEGES.join(", ")} ON ${grantDatabase(database)}.* TO ${account}`);

  const coreTables = new Set(
    (await rows<{ name: string }>("SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?", [core]))
      .map((r) => r.name)
      .filter((t) => !t.toLowerCase().startsWith("goatkit_")),
  );
  const own = new Map(
    (await rows<{ name: string; type: string; definer: string | null }>(
      "SELECT t.TABLE_NAME AS name, t.TABLE_TYPE AS type, v.DEFINER AS definer FROM information_schema.TABLES t LEFT JOIN information_schema.VIEWS v ON v.TABLE_SCHEMA = t.TABLE_SCHEMA AND v.TABLE_NAME = t.TABLE_NAME WHERE t.TABLE_SCHEMA = ?",
      [database],
    )).map((r) => [r.name, r]),
  );
  // The host's views carry the host's account as DEFINER; the plugin's own objects its own.
  const hostView = (name: string) => {
    const object = own.get(name);
    return object !== undefined && object.type === "VIEW" && sameAccount(object.definer, names.hostAccount);
  };
  for (const table of coreTables) {
    // A table or view of the plugin's own with a core table's name hides the core table.
    if (own.has(table) && !hostView(table)) continue;
    await conn.query(`CREATE OR REPLACE SQL SECURITY INVOKER VIEW ${quoteName(database)}.${quoteName(table)} AS SELECT * FROM ${quoteName(core)}.${quoteName(table)}`);
  }
  for (const name of own.keys()) {
    if (hostView(name) && !coreTables.has(name)) await conn.query(`DROP VIEW IF EXISTS ${quoteName(database)}.${quoteName(name)}`);
  }

  const wanted = new Map<string, Set<string>>();
  for (const table of coreTables) {
    const privileges = new Set<string>();
    if (identity.readCore) privileges.add("SELECT");
    // A tutorial view is never written: `db:write:<view>` grants nothing (the real table's grant does).
    if (identity.writeCore.includes(table.toLowerCase()) && !(table.toLowerCase() in TUTORIAL_VIEWS)) for (const p of CORE_WRITE) privileges.add(p);
    if (privileges.size > 0) wanted.set(table, privileges);
  }
  const current = await currentTableGrants(conn, names, coreTables);
  for (const table of new Set([...wanted.keys(), ...current.keys()])) {
    const want = wanted.get(table) ?? new Set<string>();
    const have = current.get(table);
    const target = `${quoteName(core)}.${quoteName(table)}`;
    if (have === undefined) {
      // Unknown (the grant tables are not readable): revoke all, then grant.
      await revokeAll(conn, target, account);
      if (want.size > 0) await conn.query(`GRANT ${[...want].join(", ")} ON ${target} TO ${account}`);
      continue;
    }
    const extra = [...have].filter((p) => !want.has(p));
    if (extra.length > 0) await conn.query(`REVOKE ${extra.join(", ")} ON ${target} FROM ${account}`);
    const missing = [...want].filter((p) => !have.has(p));
    if (missing.length > 0) await conn.query(`GRANT ${missing.join(", ")} ON ${target} TO ${account}`);
  }
}

/**
 * The account's table grants in the core database, from `mysql.tables_priv`. A host that may not
 * read it gets null for each core table: revoke-then-grant.
 */
async function currentTableGrants(conn: Connection, names: PluginNames & { hostAccount: string }, coreTables: Set<string>): Promise<Map<string, Set<string> | undefined>> {
  const [user, host] = splitAccount(names.account);
  try {
    const [rows] = await conn.query("SELECT Table_name AS name, Table_priv AS priv FROM mysql.tables_priv WHERE User = ? AND Host = ? AND Db = ?", [user, host, names.core]);
    return new Map(
      (rows as { name: string; priv: string }[]).map((r) => [r.name, new Set(String(r.priv).split(",").filter(Boolean).map((p) => (p.toUpperCase() === "GRANT" ? "GRANT OPTION" : p.toUpperCase())))]),
    );
  } catch {
    return new Map([...coreTables].map((t) => [t, undefined]));
  }
}

async function revokeAll(conn: Connection, target: string, account: string): Promise<void> {
  try {
    await conn.query(`REVOKE ALL PRIVILEGES ON ${target} FROM ${account}`);
  } catch (error) {
    // ER_NONEXISTING_TABLE_GRANT: there was nothing to revoke.
    if ((error as { errno?: number }).errno !== 1147) throw error;
  }
}

/** `'user'@'host'` from `user@host` (CURRENT_USER()). */
export function accountOf(user: string, host: string): string {
  return `${quoteString(user)}@${quoteString(host)}`;
}

function splitAccount(account: string): [string, string] {
  const m = /^'((?:[^']|'')*)'@'((?:[^']|'')*)'$/.exec(account);
  if (!m) throw new DatabaseError("E_DATABASE", `not an account: ${account}`, { fix: "write the account as 'user'@'host'" });
  return [m[1]!.replace(/''/g, "'"), m[2]!.replace(/''/g, "'")];
}

/** information_schema's DEFINER is `user@host`, unquoted. */
function sameAccount(definer: string | null, account: string): boolean {
  if (definer === null) return false;
  const [user, host] = splitAccount(account);
  return definer === `${user}@${host}`;
}

// ER_DBACCESS_DENIED_ERROR, ER_ACCESS_DENIED_ERROR (LOAD DATA INFILE without FILE), ER_KILL_DENIED_ERROR,
// ER_PASSWORD_NOT_ALLOWED, ER_TABLEACCESS_DENIED_ERROR, ER_COLUMNACCESS_DENIED_ERROR,
// ER_SPECIFIC_ACCESS_DENIED_ERROR, ER_PROCACCESS_DENIED_ERROR, ER_CANT_CREATE_USER_WITH_GRANT,
// ER_ACCESS_DENIED_NO_PASSWORD_ERROR.
const ACCESS_DENIED = new Set([1044, 1045, 1095, 1132, 1142, 1143, 1227, 1370, 1410, 1698]);
const ER_NO_SUCH_TABLE = 1146;
const ER_VIEW_INVALID = 1356;
const ER_NON_UPDATABLE_TABLE = 1288;
const ER_NON_INSERTABLE_TABLE = 1471;
const ER_TABLE_EXISTS = 1050;

/**
 * The server's refusal as a DatabasePermissionError naming the table and the fix, or the error
 * as it was. `mode` is what the plugin was doing: reading, writing or migrating.
 */
export function explainPluginError(error: unknown, identity: PluginDbIdentity, names: PluginNames, mode: "read" | "write" | "migration"): unknown {
  const { errno, message = "" } = error as { errno?: number; message?: string };
  if (errno === undefined) return error;
  const plugin = identity.plugin;
  const platform = (table: string) =>
    new DatabasePermissionError(`may not use table "${table}": it is the host's platform state (docs/state.md), which no plugin permission covers; read the host's records through its admin API`, { cause: error });
  const coreTable = (table: string, verb: string | null) => {
    const t = table.toLowerCase();
    if (t.startsWith("goatkit_")) return platform(t);
    const write = verb !== null ? /^(insert|update|delete|replace)$/i.test(verb) : mode !== "read" && !identity.writeCore.includes(t);
    const viewRefusal = write || (verb === null && mode === "write") ? viewWriteRefusal(t) : null;
    if (viewRefusal !== null) return new DatabasePermissionError(viewRefusal, { cause: error });
    if (write && !identity.writeCore.includes(t)) {
      return new DatabasePermissionError(`may not write table "${t}": add "db:write:${t}" to manifest.permissions to write it`, { cause: error });
    }
    if (!identity.readCore) return new DatabasePermissionError(`may not read table "${t}": add "db:read" to manifest.permissions`, { cause: error });
    return new DatabasePermissionError(`may not ${verb?.toLowerCase() ?? "use"} table "${t}": ${message}`, { cause: error });
  };
  if (errno === 1142 || errno === 1143) {
    // "SELECT command denied to user 'gk_…'@'…' for table `db`.`t`" (MySQL 8: 'db.t' or 't').
    const verb = /^(\w+) command denied/i.exec(message)?.[1] ?? null;
    const m = /for table [`']?(?:([^`'.]+)[`']?\.[`']?)?([^`']+)[`']?\s*$/.exec(message) ?? /in table [`']?(?:([^`'.]+)[`']?\.[`']?)?([^`']+)[`']?\s*$/.exec(message);
    if (m) {
      const [, schema, table] = m;
      if (schema === undefined || schema === names.core) return coreTable(table!, verb);
      if (schema === names.database) return new DatabasePermissionError(`may not ${verb?.toLowerCase() ?? "use"} its own table "${table}" this way: ${message}`, { cause: error });
      return new DatabasePermissionError(`may not use "${schema}"."${table}": a plugin reaches its own tables and the core's, not other databases`, { cause: error });
    }
  }
  if ((errno === ER_NON_UPDATABLE_TABLE || errno === ER_NON_INSERTABLE_TABLE) && mode === "write") {
    // "The target table tickets of the INSERT is not insertable-into": a tutorial view.
    const refusal = viewWriteRefusal(/target table [`']?([^`'\s]+)/.exec(message)?.[1] ?? "");
    if (refusal !== null) return new DatabasePermissionError(refusal, { cause: error });
  }
  if (errno === ER_VIEW_INVALID) {
    // A core table's view whose table the plugin account may not use (or whose columns changed).
    const m = /View '([^'.]+)\.([^']+)'/.exec(message);
    if (m && m[1] === names.database) return coreTable(m[2]!, null);
  }
  if (errno === ER_NO_SUCH_TABLE) {
    // The host's tables have no view in the plugin's database.
    const m = /Table '(?:[^'.]+\.)?([^']+)' doesn't exist/.exec(message);
    if (m && m[1]!.toLowerCase().startsWith("goatkit_")) return platform(m[1]!.toLowerCase());
  }
  if (errno === ER_TABLE_EXISTS && mode === "migration") {
    const fix = `name the plugin's tables after the plugin (e.g. ${plugin.replace(/-/g, "_")}_notes)`;
    return new DatabaseError("E_DATABASE", `${message}: core tables appear in the plugin's database under their own names (docs/services.md "Plugin identities"); ${fix}`, { fix, cause: error });
  }
  if (ACCESS_DENIED.has(errno)) {
    if (errno === 1044) {
      return new DatabasePermissionError(`may use only its own database and the core's tables: ${message}`, { cause: error });
    }
    return new DatabasePermissionError(`may not do this: ${message}; plugins have no server-wide privileges (files, other accounts, SUPER), only their own tables and the core tables their permissions grant`, { cause: error });
  }
  return error;
}

/** One plugin's view of MySQL/MariaDB: its statements run on connections logged in as its account. */
export class MysqlPluginDatabase implements PluginDatabase {
  constructor(
    readonly identity: PluginDbIdentity,
    private readonly names: PluginNames,
    private readonly pool: MysqlPool,
    private readonly ledger: (sql: string, args: SqlValue[]) => Promise<unknown>,
    /** The identity the server enforces now (a later load may have changed the grants): for messages. */
    private readonly current: () => PluginDbIdentity = () => identity,
  ) {}

  async query(sql: string, args: SqlValue[]): Promise<Row[]> {
    checkPlaceholderCount(scanSql(sql, "mysql").placeholders.length, args);
    // MySQL commits the read-only transaction before DDL: keep schema and session statements out
    // (the server still decides what the plugin may read).
    const { kind } = inspectStatement(sql, "mysql");
    if (kind === "schema" || kind === "other") throw new DatabaseError("E_SQL_REFUSED", "query() runs reads only (change data with exec(), the schema with migrations)", { fix: "change data with exec(), the schema with migrations" });
    return this.#as("read", () => this.pool.read(sql, args));
  }

  async exec(sql: string, args: SqlValue[]): Promise<ExecResult> {
    const { masked, placeholders } = scanSql(sql, "mysql");
    checkPlaceholderCount(placeholders.length, args);
    return this.#as("write", () => this.pool.write(sql, args, masked));
  }

  /**
   * MySQL commits DDL implicitly, so a migration cannot be one transaction: the script runs on
   * a connection of the plugin's (its data changes in a transaction), then the host writes the
   * ledger row. A host that dies in between leaves a migration applied but not recorded; it
   * runs again at the next start (docs/services.md).
   */
  async migrate(script: string, ledger: { sql: string; args: SqlValue[] }): Promise<void> {
    await this.#as("migration", () => this.pool.runScript(script));
    await this.ledger(ledger.sql, ledger.args);
  }

  async #as<T>(mode: "read" | "write" | "migration", body: () => Promise<T>): Promise<T> {
    try {
      return await body();
    } catch (error) {
      throw explainPluginError(error, this.current(), this.names, mode);
    }
  }
}
