import { ServicesConfigError } from "../config.js";
import { DatabaseError } from "../database/database-error.js";
import { messageOf } from "../../errors.js";
import { createHash } from "node:crypto";
import pg from "pg";
import type { DatabaseService, ExecResult, PluginDatabase, PluginDbIdentity, Row, SqlValue } from "../types.js";
import { ServiceConnectionError, isNetworkError, redactUrl } from "../connection-error.js";
import { demoSchema } from "../database/demo-schema.js";
import { generateDemoData, type DemoDataOptions } from "../database/demo-data.js";
import { guardReadOnlyTransaction } from "../database/read-guard.js";
import { StatementTimeoutError } from "../database/statement-timeout-error.js";
import { PG_TYPES } from "./pg-values.js";
import { execStatement, inTransaction, readRows, type PgSession } from "./pg-session.js";
import {
  PLUGIN_POOL_SIZE,
  PostgresPluginDatabase,
  ident,
  pluginRoleName,
  pluginRolePassword,
  setUpPluginIdentity,
  type PluginContext,
} from "./postgres-plugin-identity.js";

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

/** Who the host's login is, read once at connect. */
interface HostLogin {
  login: string;
  database: string;
  /** The core schema: the configured one, else the server's current schema. */
  coreSchema: string;
  superuser: boolean;
  createRole: boolean;
  createOnDatabase: boolean;
  serverVersion: number;
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
 * A plugin's statements run on connections logged in as its own role (forPlugin; docs/services.md
 * "Plugin identities"). Sessions run in UTC; see docs/services.md for the value conventions.
 */
export class PostgresDatabase implements DatabaseService {
  readonly dialect = "postgres" as const;
  readonly #pool: pg.Pool;
  readonly #url: string;
  readonly #origin: string;
  readonly #timeoutMs: number;
  readonly #schema: string | undefined;
  readonly #host: PgSession;
  #login: HostLogin | undefined;
  /** Each plugin's role, schema and pool, created on its first forPlugin. */
  readonly #plugins = new Map<string, PluginContext>();

  constructor(options: PostgresOptions) {
    const url = parseUrl(options.url, options.origin ?? "the url option");
    const schema = options.schema ?? (url.searchParams.get("schema") || undefined);
    url.searchParams.delete("schema");
    if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
      throw new ServicesConfigError(`PostgreSQL schema "${schema}" is not a plain identifier; use lower-case letters, digits and _ (set by ${options.origin ?? "the schema option"})`, { fix: "use lower-case letters, digits and _" });
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
    this.#host = { pool: this.#pool, timeoutMs: this.#timeoutMs, explain: (error) => this.#explain(error), identityColumns: new Map() };
  }

  /**
   * Opens the pool and checks that the server, the login and the schema are usable, and that the
   * login may set up plugin identities (a superuser, or CREATEROLE and CREATE on the database).
   */
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
        const login = await db.#readLogin(client);
        if (!login.superuser && !(login.createRole && login.createOnDatabase)) {
          const missing = [...(login.createRole ? [] : ["CREATEROLE"]), ...(login.createOnDatabase ? [] : [`CREATE on database ${login.database}`])];
          const fixes = [
            ...(login.createRole ? [] : [`ALTER ROLE ${ident(login.login)} CREATEROLE`]),
            ...(login.createOnDatabase ? [] : [`GRANT CREATE ON DATABASE ${ident(login.database)} TO ${ident(login.login)}`]),
          ];
          throw new ServiceConnectionError(
            "PostgreSQL",
            db.#url,
            db.#origin,
            `the login "${login.login}" cannot give plugins database roles of their own: it lacks ${missing.join(" and ")}`,
            `as a superuser run ${fixes.join("; ")} (docs/services.md "Plugin identities"), or connect as a role that has them`,
          );
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

  /** The URL without its password, for logs and the dashboard. */
  get url(): string {
    return redactUrl(this.#url);
  }

  async query(sql: string, args: SqlValue[]): Promise<Row[]> {
    guardReadOnlyTransaction(sql, "postgres");
    return readRows(this.#host, sql, args);
  }

  async exec(sql: string, args: SqlValue[]): Promise<ExecResult> {
    return execStatement(this.#host, sql, args);
  }

  async migrate(sql: string): Promise<void> {
    // Migrations may rewrite big tables: no statement timeout. A script without parameters
    // goes through the simple protocol, which runs several statements.
    await inTransaction(this.#host, "BEGIN; SET LOCAL statement_timeout = 0", (client) => client.query(sql));
    this.#host.identityColumns.clear();
  }

  /**
   * Creates or updates the plugin's role and schema and its grants (postgres-plugin-identity.ts),
   * then returns its view, whose connections log in as that role.
   */
  async forPlugin(identity: PluginDbIdentity): Promise<PluginDatabase> {
    const login = await this.#hostLogin();
    const role = pluginRoleName(login.database, login.coreSchema, identity.plugin);
    const { password, verifier } = pluginRolePassword(this.#url, role);
    try {
      await inTransaction(this.#host, "BEGIN; SET LOCAL statement_timeout = 0", (client) =>
        setUpPluginIdentity(client, {
          role,
          schema: role,
          coreSchema: login.coreSchema,
          verifier,
          hostIsSuperuser: login.superuser,
          serverVersion: login.serverVersion,
          identity,
          lockKey: advisoryKey(`goatkit:plugin-identities\n${login.database}\n${login.coreSchema}`),
        }),
      );
    } catch (error) {
      if (error instanceof ServiceConnectionError) throw error;
      throw new DatabaseError("E_DATABASE", `cannot set up the database role of plugin ${identity.plugin} (${role}) as "${login.login}": ${messageOf(error)} (docs/services.md "Plugin identities")`, { fix: 'give the host\'s login the rights docs/services.md "Plugin identities" lists', cause: error });
    }
    let context = this.#plugins.get(identity.plugin);
    if (!context) {
      context = this.#pluginContext(identity, role, password, login.coreSchema);
      this.#plugins.set(identity.plugin, context);
    }
    context.identity = { plugin: identity.plugin, readCore: identity.readCore, writeCore: [...identity.writeCore] };
    // Logs in now, so a role that pg_hba.conf refuses fails the load rather than the first call.
    await inTransaction(context.session, "BEGIN READ ONLY", (client) => client.query("SELECT 1"));
    return new PostgresPluginDatabase(context, this.#host, (schema) => [...this.#plugins.values()].find((c) => c.schema === schema)?.plugin);
  }

  /** A plugin's tables live in its own schema, named like its role. */
  pluginTable(plugin: string, table: string): string {
    const login = this.#login;
    if (!login) throw new DatabaseError("E_DATABASE", "pluginTable() needs the database's name and schema: open it with PostgresDatabase.connect()", { fix: "open it with PostgresDatabase.connect()" });
    return `${ident(pluginRoleName(login.database, login.coreSchema, plugin))}.${table}`;
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
    const rows = await this.query("SELECT to_regclass('ticket') IS NOT NULL AS present", []);
    return rows[0]?.present === true;
  }

  /** Creates the demo help-desk tables and fills them with deterministic data, in one transaction. */
  async seedDemo(options: DemoDataOptions = {}): Promise<void> {
    const tables = generateDemoData(options);
    await inTransaction(this.#host, "BEGIN; SET LOCAL statement_timeout = 0", async (client) => {
      const version = Number((await client.query<{ v: string }>("SELECT current_setting('server_version_num') AS v")).rows[0]?.v ?? 0);
      for (const ddl of demoSchema("postgres", { securityInvoker: version >= 150000 })) await client.query(ddl);
      for (const { table, columns, rows } of tables) {
        const batch = Math.max(1, Math.floor(MAX_BATCH_PARAMETERS / columns.length));
        for (let start = 0; start < rows.length; start += batch) {
          const chunk = rows.slice(start, start + batch);
          const tuples = chunk.map((_, r) => `(${columns.map((_, c) => `$${r * columns.length + c + 1}`).join(", ")})`);
          await client.query(`INSERT INTO "${table}" (${columns.join(", ")}) VALUES ${tuples.join(", ")}`, chunk.flat());
        }
      }
    });
    this.#host.identityColumns.clear();
  }

  async close(): Promise<void> {
    const pools = [...this.#plugins.values()].map((c) => c.session.pool);
    this.#plugins.clear();
    await Promise.all(pools.map((pool) => (pool.ended ? undefined : pool.end().catch(() => {}))));
    if (!this.#pool.ended) await this.#pool.end();
  }

  async #hostLogin(): Promise<HostLogin> {
    if (this.#login) return this.#login;
    const client = await this.#checkout();
    try {
      return await this.#readLogin(client);
    } finally {
      client.release();
    }
  }

  async #readLogin(client: pg.PoolClient): Promise<HostLogin> {
    const result = await client.query<{ login: string; database: string; schema: string | null; rolsuper: boolean; rolcreaterole: boolean; can_create: boolean; version: string }>(
      `SELECT current_user AS login, current_database() AS database, current_schema() AS schema, r.rolsuper, r.rolcreaterole,
        has_database_privilege(current_database(), 'CREATE') AS can_create, current_setting('server_version_num') AS version
      FROM pg_roles r WHERE r.rolname = current_user`,
    );
    const row = result.rows[0]!;
    const coreSchema = this.#schema ?? row.schema;
    if (!coreSchema) {
      throw new ServiceConnectionError("PostgreSQL", this.#url, this.#origin, "the login has no current schema (no schema on its search_path exists)", "set the schema option or ?schema= in the URL");
    }
    this.#login = {
      login: row.login,
      database: row.database,
      coreSchema,
      superuser: row.rolsuper,
      createRole: row.rolcreaterole,
      createOnDatabase: row.can_create,
      serverVersion: Number(row.version),
    };
    return this.#login;
  }

  /** A small pool logged in as the plugin's role, with the host's server, database and TLS settings. */
  #pluginContext(identity: PluginDbIdentity, role: string, password: string, coreSchema: string): PluginContext {
    const plugin = identity.plugin;
    const url = new URL(this.#url);
    url.username = role;
    url.password = password;
    const origin = `plugin ${plugin}'s database role ${role}`;
    const pool = new pg.Pool({
      connectionString: url.toString(),
      max: PLUGIN_POOL_SIZE,
      types: PG_TYPES,
      // Its own schema first: a migration's CREATE TABLE lands there; unqualified core names resolve next.
      options: `-c TimeZone=UTC -c search_path=${ident(role)},${ident(coreSchema).replace(/ /g, "\\ ")}`,
      application_name: "goatkit-plugin",
      connectionTimeoutMillis: 10_000,
      idleTimeoutMillis: 10_000,
    });
    pool.on("error", () => {});
    const explain = (error: unknown): unknown => {
      const code = (error as { code?: string }).code;
      if (code !== undefined && LOGIN_CODES.has(code)) {
        return new ServiceConnectionError("PostgreSQL", url.toString(), origin, messageOf(error), `let role ${role} log in as the host's own login does (pg_hba.conf; docs/services.md "Plugin identities")`, { cause: error });
      }
      if (code === "53300") {
        return new DatabaseError("E_DATABASE", `${origin} has all its connections in use (its CONNECTION LIMIT, shared by every host on this database): ${messageOf(error)}`, { fix: "raise the role's CONNECTION LIMIT, or lower the hosts' pool sizes", cause: error });
      }
      return this.#explain(error);
    };
    return { plugin, identity, role, schema: role, session: { pool, timeoutMs: this.#timeoutMs, explain, identityColumns: new Map() } };
  }

  async #checkout(): Promise<pg.PoolClient> {
    try {
      return await this.#pool.connect();
    } catch (error) {
      throw this.#explain(error);
    }
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

/** A lock name as the signed 64-bit key PostgreSQL's advisory locks take. */
function advisoryKey(name: string): string {
  return createHash("sha256").update(name).digest().readBigInt64BE(0).toString();
}

function parseUrl(text: string, origin: string): URL {
  try {
    return new URL(text);
  } catch {
    throw new ServicesConfigError(`${origin} is not a URL: ${redactUrl(text)}; write it as postgres://user:password@host:5432/database`, { fix: "write it as postgres://user:password@host:5432/database" });
  }
}
