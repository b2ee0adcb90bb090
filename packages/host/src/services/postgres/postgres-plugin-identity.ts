import { DatabaseError } from "../database/database-error.js";
import { messageOf } from "../../errors.js";
import { createHash, createHmac, pbkdf2Sync } from "node:crypto";
import type pg from "pg";
import type { ExecResult, PluginDatabase, PluginDbIdentity, Row, SqlValue } from "../types.js";
import { DatabasePermissionError } from "../database/database-permission-error.js";
import { TUTORIAL_VIEWS, viewWriteRefusal } from "../database/demo-views.js";
import { execStatement, extended, inTransaction, readRows, type PgSession } from "./pg-session.js";
import { prepareStatement } from "./pg-statement.js";

/**
 * A plugin's identity in PostgreSQL (docs/services.md "Plugin identities"): a LOGIN role of its
 * own, with a schema of its own that it owns, where its migrations create its tables. Its
 * statements run on connections logged in as that role, so PostgreSQL's privileges decide what
 * it may touch; the host grants it the core's tables its manifest's permissions name, and nothing
 * of the host's platform state (`goatkit_*`).
 */

/** Connections one host keeps per plugin; PostgreSQL caps the role across all hosts. */
export const PLUGIN_POOL_SIZE = 3;
export const PLUGIN_CONNECTION_LIMIT = 24;

const ROLE_PREFIX = "gk_";
const RELATIONS = "('r', 'p', 'v', 'm', 'f')";
const WRITABLE = "('r', 'p', 'v', 'f')";

/**
 * The role (and schema) name: unique per database, core schema and plugin, as roles are
 * cluster-wide; at most 63 bytes, PostgreSQL's limit for names.
 */
export function pluginRoleName(database: string, coreSchema: string, plugin: string): string {
  const hash = createHash("sha256").update(`${database}\0${coreSchema}\0${plugin}`).digest("hex").slice(0, 10);
  return `${ROLE_PREFIX}${hash}_${plugin.toLowerCase().replace(/[^a-z0-9_]/g, "_")}`.slice(0, 63);
}

/**
 * The role's password, derived rather than stored: every host configured with the same URL
 * (and so the same password of its own) derives the same one. The server is given a SCRAM
 * verifier, never the password, so it does not appear in the server's statement log.
 */
export function pluginRolePassword(hostUrl: string, role: string): { password: string; verifier: string } {
  const password = createHmac("sha256", hostUrl).update(role).digest("base64url");
  const salt = createHmac("sha256", hostUrl).update(`salt\0${role}`).digest().subarray(0, 16);
  const iterations = 4096;
  const salted = pbkdf2Sync(password, salt, iterations, 32, "sha256");
  const clientKey = createHmac("sha256", salted).update("Client Key").digest();
  const storedKey = createHash("sha256").update(clientKey).digest();
  const serverKey = createHmac("sha256", salted).update("Server Key").digest();
  const verifier = `SCRAM-SHA-256$${iterations}:${salt.toString("base64")}$${storedKey.toString("base64")}:${serverKey.toString("base64")}`;
  return { password, verifier };
}

export const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;
const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;

export interface IdentitySetup {
  role: string;
  schema: string;
  coreSchema: string;
  verifier: string;
  hostIsSuperuser: boolean;
  /** server_version_num: PostgreSQL 16 grants role membership with options. */
  serverVersion: number;
  identity: PluginDbIdentity;
  /** Key of the advisory lock that serializes identity set-ups in this schema. */
  lockKey: string;
}

/**
 * Creates or updates the plugin's role and schema and brings its grants in line with `identity`:
 * everything on the core schema is revoked and granted again, so a permission the manifest no
 * longer holds is gone. Runs in the host's transaction; then checks with PostgreSQL's own
 * privilege functions that the role can do what was granted and nothing more.
 */
export async function setUpPluginIdentity(client: pg.PoolClient, setup: IdentitySetup): Promise<void> {
  const { role, schema, coreSchema, identity } = setup;
  const r = ident(role);
  const s = ident(schema);
  const core = ident(coreSchema);
  // Concurrent GRANTs on one table fail ("tuple concurrently updated"); hosts sharing the schema
  // set up their plugins one at a time.
  await client.query("SELECT pg_advisory_xact_lock($1::bigint)", [setup.lockKey]);

  const attributes = `LOGIN NOINHERIT NOCREATEDB NOCREATEROLE CONNECTION LIMIT ${PLUGIN_CONNECTION_LIMIT} PASSWORD ${literal(setup.verifier)}`;
  const existing = await client.query<{ rolsuper: boolean; rolreplication: boolean; rolbypassrls: boolean }>(
    "SELECT rolsuper, rolreplication, rolbypassrls FROM pg_roles WHERE rolname = $1",
    [role],
  );
  const found = existing.rows[0];
  if (!found) {
    await client.query(`CREATE ROLE ${r} ${attributes} NOSUPERUSER NOREPLICATION NOBYPASSRLS`);
  } else {
    if (found.rolsuper || found.rolreplication || found.rolbypassrls) {
      // Only a superuser may even name these attributes in ALTER ROLE.
      if (!setup.hostIsSuperuser) {
        throw new DatabaseError("E_DATABASE", `role ${role} has SUPERUSER, REPLICATION or BYPASSRLS, which only a superuser can remove: ALTER ROLE ${r} NOSUPERUSER NOREPLICATION NOBYPASSRLS`, { fix: `as a superuser run ALTER ROLE ${r} NOSUPERUSER NOREPLICATION NOBYPASSRLS` });
      }
      await client.query(`ALTER ROLE ${r} NOSUPERUSER NOREPLICATION NOBYPASSRLS`);
    }
    await client.query(`ALTER ROLE ${r} ${attributes}`);
  }
  // A member of no role: pg_read_server_files, pg_execute_server_program, the host's, ...
  const memberOf = await client.query<{ name: string }>(
    "SELECT m.roleid::regrole::text AS name FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.member WHERE r.rolname = $1",
    [role],
  );
  for (const { name } of memberOf.rows) await client.query(`REVOKE ${name} FROM ${r}`);
  if (!setup.hostIsSuperuser) {
    // CREATE SCHEMA ... AUTHORIZATION and reading the plugin's tables need the host to be a
    // member of the role (the reverse of what a plugin could use).
    // PostgreSQL 16 makes a CREATEROLE creator an admin of the role, without SET or INHERIT.
    const member = await client.query<{ usage: boolean }>("SELECT pg_has_role(current_user, $1, 'USAGE') AS usage", [role]);
    if (!member.rows[0]?.usage) await client.query(`GRANT ${r} TO CURRENT_USER${setup.serverVersion >= 160000 ? " WITH INHERIT TRUE, SET TRUE" : ""}`);
  }

  const owner = await client.query<{ owner: string }>("SELECT pg_get_userbyid(nspowner) AS owner FROM pg_namespace WHERE nspname = $1", [schema]);
  if (owner.rowCount === 0) await client.query(`CREATE SCHEMA ${s} AUTHORIZATION ${r}`);
  else if (owner.rows[0]!.owner !== role) await client.query(`ALTER SCHEMA ${s} OWNER TO ${r}`);
  await client.query(`COMMENT ON SCHEMA ${s} IS ${literal(`GoatKit plugin ${identity.plugin}: its tables, beside core schema ${coreSchema}`)}`);
  // The same settings its connections ask for, for an administrator logging in as the role.
  await client.query(`ALTER ROLE ${r} RESET ALL`);
  await client.query(`ALTER ROLE ${r} SET search_path TO ${s}, ${core}`);
  await client.query(`ALTER ROLE ${r} SET TimeZone TO 'UTC'`);

  await client.query(`REVOKE ALL ON ALL TABLES IN SCHEMA ${core} FROM ${r}`);
  await client.query(`REVOKE ALL ON ALL SEQUENCES IN SCHEMA ${core} FROM ${r}`);
  await client.query(`REVOKE ALL ON SCHEMA ${core} FROM ${r}`);
  await client.query(`GRANT USAGE ON SCHEMA ${core} TO ${r}`);
  if (identity.readCore) {
    const readable = await client.query<{ name: string }>(
      `SELECT format('%I.%I', n.nspname, c.relname) AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $1 AND c.relkind IN ${RELATIONS} AND c.relname NOT LIKE 'goatkit\\_%'`,
      [coreSchema],
    );
    if (readable.rowCount) await client.query(`GRANT SELECT ON ${readable.rows.map((row) => row.name).join(", ")} TO ${r}`);
  }
  // A granted table that does not exist is skipped: the next load grants it once it does.
  const writable = await client.query<{ name: string; sequences: string[] }>(
    `SELECT format('%I.%I', n.nspname, c.relname) AS name,
        ARRAY(SELECT format('%I.%I', sn.nspname, sq.relname) FROM pg_depend d
          JOIN pg_class sq ON sq.oid = d.objid AND sq.relkind = 'S' JOIN pg_namespace sn ON sn.oid = sq.relnamespace
          WHERE d.classid = 'pg_class'::regclass AND d.refobjid = c.oid AND d.deptype IN ('a', 'i')) AS sequences
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relkind IN ${WRITABLE} AND c.relname = ANY($2::text[]) AND c.relname NOT LIKE 'goatkit\\_%'`,
    [coreSchema, writableCore(identity)],
  );
  if (writable.rowCount) {
    await client.query(`GRANT INSERT, UPDATE, DELETE ON ${writable.rows.map((row) => row.name).join(", ")} TO ${r}`);
    const sequences = writable.rows.flatMap((row) => row.sequences);
    if (sequences.length) await client.query(`GRANT USAGE ON SEQUENCE ${sequences.join(", ")} TO ${r}`);
  }
  await verifyPrivileges(client, setup);
}

/** The core tables a plugin's `db:write:<table>` grants: never the host's, never a tutorial view. */
function writableCore(identity: PluginDbIdentity): string[] {
  return identity.writeCore.filter((table) => !table.startsWith("goatkit_") && !(table in TUTORIAL_VIEWS));
}

const TABLE_PRIVILEGES = ["SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER"] as const;

/**
 * What the role can do on the core schema, asked of PostgreSQL: privileges also reach a role
 * through PUBLIC, which revoking from the role does not undo, and a host that neither owns a
 * table nor holds its privileges WITH GRANT OPTION grants nothing (with only a warning).
 */
async function verifyPrivileges(client: pg.PoolClient, setup: IdentitySetup): Promise<void> {
  const { role, coreSchema, identity } = setup;
  const fail = (reason: string, fix: string) => {
    throw new DatabaseError("E_DATABASE", `${reason}; ${fix}`, { fix });
  };
  const schema = await client.query<{ create: boolean }>("SELECT has_schema_privilege($1, $2, 'CREATE') AS create", [role, coreSchema]);
  if (schema.rows[0]?.create) {
    fail(`plugin role ${role} may create objects in core schema ${coreSchema} (a grant to PUBLIC)`, `as its owner run REVOKE CREATE ON SCHEMA ${ident(coreSchema)} FROM PUBLIC`);
  }
  const columns = TABLE_PRIVILEGES.map((p) => `has_table_privilege($1, c.oid, '${p}') AS "${p}"`).join(", ");
  const rows = await client.query<Record<string, unknown> & { relname: string; relkind: string }>(
    `SELECT c.relname, c.relkind, ${columns} FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $2 AND c.relkind IN ${RELATIONS}`,
    [role, coreSchema],
  );
  for (const row of rows.rows) {
    const platform = row.relname.startsWith("goatkit_");
    const writes = !platform && writableCore(identity).includes(row.relname) && WRITABLE.includes(`'${row.relkind}'`);
    const expected: Record<string, boolean> = { SELECT: !platform && identity.readCore, INSERT: writes, UPDATE: writes, DELETE: writes };
    for (const privilege of TABLE_PRIVILEGES) {
      const has = row[privilege] === true;
      const wanted = expected[privilege] ?? false;
      const table = `${ident(coreSchema)}.${ident(row.relname)}`;
      if (has && !wanted) {
        fail(
          `plugin role ${role} would hold ${privilege} on ${table}, which its permissions do not grant (a grant to PUBLIC or to a role it inherits)`,
          `as the table's owner run REVOKE ${privilege} ON ${table} FROM PUBLIC`,
        );
      }
      if (wanted && !has) {
        fail(
          `the host's login could not grant ${privilege} on ${table} to plugin role ${role}`,
          `make the host's login the table's owner, or GRANT ${privilege} ON ${table} TO <host login> WITH GRANT OPTION`,
        );
      }
    }
  }
}

/** One loaded plugin: its role, schema and pool (logged in as the role). */
export interface PluginContext {
  plugin: string;
  /** What the role was last granted (every forPlugin brings it in line). */
  identity: PluginDbIdentity;
  role: string;
  schema: string;
  session: PgSession;
}

/**
 * One plugin's view of PostgreSQL: its statements run on its own role's connections, each in
 * its own transaction like the host's (pg-session.ts); PostgreSQL refuses what the role was not
 * granted, and that refusal becomes a DatabasePermissionError naming the fix.
 */
export class PostgresPluginDatabase implements PluginDatabase {
  constructor(
    private readonly context: PluginContext,
    private readonly host: PgSession,
    private readonly schemaOwner: (schema: string) => string | undefined,
  ) {}

  /** The grants the role holds now: the latest forPlugin's, for every view of the plugin. */
  get identity(): PluginDbIdentity {
    return this.context.identity;
  }

  async query(sql: string, args: SqlValue[]): Promise<Row[]> {
    try {
      return await readRows(this.context.session, sql, args);
    } catch (error) {
      throw this.#refusal(error, "read");
    }
  }

  async exec(sql: string, args: SqlValue[]): Promise<ExecResult> {
    try {
      return await execStatement(this.context.session, sql, args);
    } catch (error) {
      throw this.#refusal(error, "write");
    }
  }

  /**
   * The host opens its transaction and writes the ledger row first, then the plugin's script
   * runs and commits in the plugin's own transaction, then the host's commits. A failed script
   * rolls the ledger row back. The one window: the host's COMMIT failing (the connection lost)
   * after the plugin's succeeded leaves the migration applied without its row, so the next load
   * runs it again (docs/services.md "Plugin identities").
   */
  async migrate(script: string, ledger: { sql: string; args: SqlValue[] }): Promise<void> {
    const row = prepareStatement(ledger.sql, ledger.args);
    try {
      await inTransaction(this.host, "BEGIN; SET LOCAL statement_timeout = 0", async (hostClient) => {
        await hostClient.query(extended(row.text, ledger.args));
        // Migrations may rewrite big tables: no statement timeout. A script without parameters
        // goes through the simple protocol, which runs several statements.
        await inTransaction(this.context.session, "BEGIN; SET LOCAL statement_timeout = 0", (client) => client.query(script)).catch((error: unknown) => {
          throw this.#refusal(error, "migration");
        });
      });
    } finally {
      this.context.session.identityColumns.clear();
    }
  }

  /** PostgreSQL's `insufficient_privilege`, worded as what the plugin may not do and the fix. */
  #refusal(error: unknown, mode: "read" | "write" | "migration"): unknown {
    const code = (error as { code?: unknown } | null)?.code;
    const message = messageOf(error);
    // A tutorial view: not auto-updatable (55000), or not granted (42501). Either way, name the real table.
    const view = /(?:cannot (?:insert into|update|delete from) view|permission denied for view) "?([^"\s]+)"?/.exec(message)?.[1];
    const viewRefusal = mode === "write" && view !== undefined ? viewWriteRefusal(view) : null;
    if (viewRefusal !== null && (code === "42501" || code === "55000")) return new DatabasePermissionError(viewRefusal, { cause: error });
    if (code !== "42501" && code !== "0LP01") return error;
    const { plugin, readCore, writeCore } = this.identity;
    const denied = (text: string) => new DatabasePermissionError(text, { cause: error });
    const name = (m: RegExpExecArray) => m[2]!.replace(/^"|"$/g, "").replace(/^.*\./, "");
    let m: RegExpExecArray | null;
    if ((m = /permission denied for (table|relation|view|materialized view|foreign table) ("[^"]+"|\S+)/.exec(message))) {
      const table = name(m);
      if (table.startsWith("goatkit_")) return denied(`may not use table "${table}": it is the host's platform state (docs/state.md), which no plugin permission covers; read the host's records through its admin API`);
      if (mode === "migration") {
        return denied(`may not use core table "${table}" so: a plugin's migrations create and change only its own tables (no triggers, foreign keys or schema changes on the core's; reading it needs "db:read", writing it "db:write:${table}")`);
      }
      const read = `may not read table "${table}": add "db:read" to manifest.permissions`;
      if (mode === "read" || writeCore.includes(table)) return denied(read);
      if (readCore) return denied(`may not write table "${table}": add "db:write:${table}" to manifest.permissions to write it`);
      return denied(`may not use table "${table}": add "db:read" to manifest.permissions to read it, "db:write:${table}" to write it`);
    }
    if ((m = /permission denied for (sequence) ("[^"]+"|\S+)/.exec(message))) {
      return denied(`may not use sequence "${name(m)}": it generates a core table's ids; add "db:write:<table>" for that table to manifest.permissions`);
    }
    if ((m = /permission denied for (schema) ("[^"]+"|\S+)/.exec(message))) {
      const schema = name(m);
      const owner = this.schemaOwner(schema);
      if (schema.startsWith(ROLE_PREFIX)) return denied(`may not use schema "${schema}": it belongs to ${owner ? `plugin "${owner}"` : "another plugin"}; a plugin reads and writes only its own tables and the core's`);
      return denied(`may not use schema "${schema}": it is neither ${plugin}'s nor the core's; a plugin reads and writes only its own tables and the core's`);
    }
    if ((m = /must be owner of (table|relation|view|materialized view|sequence|index|foreign table) ("[^"]+"|\S+)/.exec(message))) {
      const table = name(m);
      return denied(`may not change ${m[1]} "${table}": it is not ${plugin}'s: a plugin's migrations create and change only its own tables (no triggers, indexes or ALTERs on the core's)`);
    }
    if ((m = /permission denied for (function|procedure) ("[^"]+"|\S+)/.exec(message))) {
      return denied(`may not call ${m[1]} ${name(m)}(): it is not granted to plugins' database roles`);
    }
    return denied(`may not do this: ${message} (a plugin runs as its own database role with only what its permissions grant; docs/services.md "Plugin identities")`);
  }
}
