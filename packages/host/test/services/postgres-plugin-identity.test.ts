import { existsSync } from "node:fs";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHost, type Host, type PluginResponse } from "../../src/index.js";
import { DatabasePermissionError } from "../../src/services/database/database-permission-error.js";
import { PostgresDatabase } from "../../src/services/postgres/postgres-database.js";
import { pluginRoleName } from "../../src/services/postgres/postgres-plugin-identity.js";
import type { PluginDatabase, PluginDbIdentity } from "../../src/services/types.js";
import { TEST_URLS, createPostgresSchema, missing, uniqueName } from "./support/test-servers.js";

/*
 * Plugins are hostile: on PostgreSQL each runs as a login role of its own, and PostgreSQL's
 * privileges refuse what its permissions do not grant (docs/services.md "Plugin identities").
 * The direct tests call db.forPlugin(), past every text check of the host; the host tests go
 * through a real plugin's db_query, db_exec and migrations.
 */
const FIXTURE = new URL("../../../../fixtures/as-kitchen-sink/", import.meta.url).pathname;
const PLUGIN = "kitchen-sink";
const json = (res: PluginResponse) => JSON.parse(String(res.body));
const post = (body: unknown) => ({ kind: "route" as const, method: "POST", body: JSON.stringify(body) });
const AUDIT_ROW = "(acted_at, actor, action, outcome, host_id) VALUES ('2026-01-01', 'forged', 'forged', 'ok', 'forged')";

describe.skipIf(missing("postgres", "the PostgreSQL plugin identity tests"))("PostgreSQL plugin identities", () => {
  // Read while the tests are collected, also when they are skipped: no URL, no database name.
  const url = TEST_URLS.postgres ?? "";
  const database = url ? decodeURIComponent(new URL(url).pathname.slice(1)) : "";
  let schema: string;
  let drop: () => Promise<void>;
  let host: Host;
  let db: PostgresDatabase;
  const tmpDirs: string[] = [];

  const identity = (plugin: string, readCore: boolean, writeCore: string[] = []): PluginDbIdentity => ({ plugin, readCore, writeCore });
  const count = async (table: string) => Number((await db.query(`SELECT COUNT(*) AS n FROM ${table}`, []))[0]!.n);
  const refused = async (run: () => unknown, message: RegExp | string) => {
    const error = await Promise.resolve().then(run).then(
      () => new Error("the statement ran"),
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DatabasePermissionError);
    if (typeof message === "string") expect((error as Error).message).toBe(message);
    else expect((error as Error).message).toMatch(message);
  };
  const PLATFORM = /^permission denied: may not use table "goatkit_audit": it is the host's platform state \(docs\/state\.md\), which no plugin permission covers; read the host's records through its admin API$/;

  /** The kitchen-sink fixture with extra migrations, in a folder of its own. */
  const withMigrations = async (migrations: { id: string; up: string }[], permissions?: string[]) => {
    const dir = await mkdtemp(join(tmpdir(), "goatkit-pg-identity-"));
    tmpDirs.push(dir);
    await cp(FIXTURE, dir, { recursive: true, filter: (src) => !src.includes("node_modules") });
    const manifest = JSON.parse(await readFile(join(dir, "manifest.json"), "utf8"));
    await writeFile(join(dir, "manifest.json"), JSON.stringify({ ...manifest, migrations: [...manifest.migrations, ...migrations], ...(permissions ? { permissions } : {}) }));
    return dir;
  };

  beforeAll(async () => {
    ({ schema, drop } = await createPostgresSchema(url));
    db = await PostgresDatabase.connect({ url, schema });
    await db.seedDemo({ tickets: 20 });
    host = await createHost({ database: db });
    await db.exec(`INSERT INTO goatkit_audit ${AUDIT_ROW.replace(/'forged'/g, "'host'")}`, []);
  }, 60_000);
  afterAll(async () => {
    await host?.close();
    await drop?.();
    for (const dir of tmpDirs) await rm(dir, { recursive: true, force: true });
  });

  describe("directly through forPlugin(), past the host's text checks", () => {
    let reader: PluginDatabase;
    beforeAll(async () => {
      reader = await db.forPlugin(identity("probe", true, ["ticket", "goatkit_audit"]));
      await reader.migrate("CREATE TABLE probe_notes (id SERIAL PRIMARY KEY, body TEXT)", { sql: "INSERT INTO goatkit_migrations (plugin, id, applied_at) VALUES (?, ?, ?)", args: ["probe", "001", "2026-01-01"] });
    });

    it("runs as a login role of its own: not the host, no superuser rights, no way back to the host's role", async () => {
      const role = pluginRoleName(database, schema, "probe");
      expect(await reader.query("SELECT session_user AS s, current_user AS c, current_schema() AS own, current_setting('TimeZone') AS tz", [])).toEqual([{ s: role, c: role, own: role, tz: "UTC" }]);
      const [attributes] = await db.query(
        `SELECT rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls, rolinherit, rolcanlogin, rolconnlimit,
          (SELECT COUNT(*) FROM pg_auth_members m WHERE m.member = r.oid) AS memberships FROM pg_roles r WHERE rolname = ?`,
        [role],
      );
      expect(attributes).toEqual({ rolsuper: false, rolcreatedb: false, rolcreaterole: false, rolreplication: false, rolbypassrls: false, rolinherit: false, rolcanlogin: true, rolconnlimit: 24, memberships: 0 });
      // SET ROLE needs membership; RESET ROLE returns to the session user, the plugin itself.
      await refused(() => reader.exec("SET ROLE postgres", []), /^permission denied: may not do this: permission denied to set role "postgres"/);
      await refused(() => reader.query("SELECT set_config('role', 'postgres', false)", []), /permission denied to set role "postgres"/);
      await refused(() => reader.exec("SET SESSION AUTHORIZATION postgres", []), /permission denied to set session authorization/);
      await reader.exec("RESET ROLE", []);
      expect(await reader.query("SELECT current_user AS c", [])).toEqual([{ c: role }]);
    });

    it("has USAGE but no CREATE on the core schema; owns its own schema, where its migrations' tables land", async () => {
      const role = pluginRoleName(database, schema, "probe");
      expect(await db.query("SELECT has_schema_privilege(?, ?, 'USAGE') AS usage, has_schema_privilege(?, ?, 'CREATE') AS can_create", [role, schema, role, schema])).toEqual([{ usage: true, can_create: false }]);
      expect(await db.query("SELECT pg_get_userbyid(nspowner) AS owner FROM pg_namespace WHERE nspname = ?", [role])).toEqual([{ owner: role }]);
      expect(await db.query("SELECT table_schema FROM information_schema.tables WHERE table_name = 'probe_notes'", [])).toEqual([{ table_schema: role }]);
      expect(await db.query(`SELECT COUNT(*) AS n FROM ${db.pluginTable("probe", "probe_notes")}`, [])).toEqual([{ n: 0 }]);
      await refused(() => reader.migrate(`CREATE TABLE "${schema}".probe_in_core (id INTEGER)`, ledger("probe", "002")), `permission denied: may not use schema "${schema}": it is neither probe's nor the core's; a plugin reads and writes only its own tables and the core's`);
      expect(await db.query("SELECT to_regclass('probe_in_core') IS NULL AS absent", [])).toEqual([{ absent: true }]);
    });

    it("reads the core's tables with db:read, as the host reads them", async () => {
      expect(await reader.query("SELECT COUNT(*) AS n FROM tickets", [])).toEqual(await db.query("SELECT COUNT(*) AS n FROM tickets", []));
      expect(await reader.query("SELECT login, first_name FROM users ORDER BY id LIMIT 3", [])).toEqual(await db.query("SELECT login, first_name FROM users ORDER BY id LIMIT 3", []));
    });

    it("without db:read reads no core table, however its name is spelled", async () => {
      const blind = await db.forPlugin(identity("blind", false));
      const message = 'permission denied: may not read table "ticket": add "db:read" to manifest.permissions';
      for (const sql of ["SELECT COUNT(*) FROM ticket", 'SELECT COUNT(*) FROM "ticket"', 'SELECT COUNT(*) FROM U&"t\\0069cket"', `SELECT COUNT(*) FROM "${schema}"./**/ticket`, "SELECT COUNT(*) FROM /* tickets */ ticket", "SELECT (SELECT COUNT(*) FROM ticket) + 1"]) {
        await refused(() => blind.query(sql, []), message);
      }
      // Its own tables it reads and writes all the same.
      await blind.migrate("CREATE TABLE blind_notes (id SERIAL PRIMARY KEY, body TEXT)", ledger("blind", "001"));
      expect(await blind.exec("INSERT INTO blind_notes (body) VALUES (?)", ["mine"])).toEqual({ rows_affected: 1, last_insert_id: 1 });
      expect(await blind.query("SELECT body FROM blind_notes", [])).toEqual([{ body: "mine" }]);
    });

    it("never reads or writes the host's platform state, whatever the grant and however it is spelled", async () => {
      const before = await count("goatkit_audit");
      const reads = [
        "SELECT * FROM goatkit_audit",
        'SELECT * FROM "goatkit_audit"',
        'SELECT * FROM U&"goatkit\\005faudit"',
        "SELECT * FROM/**/goatkit_audit",
        "SELECT * FROM -- goatkit_plugin_state\n goatkit_audit",
        `SELECT * FROM "${schema}".goatkit_audit`,
        "SELECT (SELECT actor FROM goatkit_audit LIMIT 1) AS a",
        "SELECT query_to_xml('SELECT * FROM goatkit_' || 'audit', true, false, '')",
      ];
      for (const sql of reads) await refused(() => reader.query(sql, []), PLATFORM);
      const writes = [
        `INSERT INTO goatkit_audit ${AUDIT_ROW}`,
        `INSERT INTO U&"goatkit\\005faudit" ${AUDIT_ROW}`,
        "DELETE FROM goatkit_audit",
        "UPDATE goatkit_audit SET actor = 'forged'",
        // A data-modifying WITH: the write hides in the CTE of a statement on the plugin's own table.
        "WITH gone AS (DELETE FROM goatkit_audit RETURNING actor) INSERT INTO probe_notes (body) SELECT actor FROM gone",
        `DO $$ BEGIN EXECUTE 'INSERT INTO goatkit_' || 'audit ${AUDIT_ROW.replace(/'/g, "''")}'; END $$`,
      ];
      for (const sql of writes) await refused(() => reader.exec(sql, []), PLATFORM);
      // Read-only as well: a write in a read's CTE is refused by the read-only transaction.
      await expect(reader.query("WITH gone AS (DELETE FROM probe_notes RETURNING id) SELECT COUNT(*) FROM gone", [])).rejects.toThrow(/read-only transaction/);
      expect(await count("goatkit_audit")).toBe(before);
      expect(await db.query("SELECT COUNT(*) AS n FROM goatkit_audit WHERE actor = 'forged'", [])).toEqual([{ n: 0 }]);
    });

    it("a migration's DO block and EXECUTE run as the plugin: the audit forgery is refused and leaves nothing, the ledger row neither", async () => {
      const before = await count("goatkit_audit");
      const forgery = `CREATE TABLE probe_forged (id INTEGER);
        DO $$ BEGIN EXECUTE 'INSERT INTO goatkit_' || 'audit ${AUDIT_ROW.replace(/'/g, "''")}'; END $$;`;
      await refused(() => reader.migrate(forgery, ledger("probe", "003")), PLATFORM);
      expect(await count("goatkit_audit")).toBe(before);
      expect(await db.query("SELECT COUNT(*) AS n FROM goatkit_migrations WHERE plugin = 'probe' AND id = '003'", [])).toEqual([{ n: 0 }]);
      expect(await db.query(`SELECT to_regclass('${db.pluginTable("probe", "probe_forged")}') IS NULL AS absent`, [])).toEqual([{ absent: true }]);
    });

    it("a SECURITY DEFINER function runs with its owner's rights, the plugin's: one that writes the audit trail is refused when called", async () => {
      await reader.migrate(
        `CREATE FUNCTION probe_forge() RETURNS integer SECURITY DEFINER LANGUAGE plpgsql AS $$ BEGIN INSERT INTO goatkit_audit ${AUDIT_ROW}; RETURN 1; END $$`,
        ledger("probe", "004"),
      );
      const before = await count("goatkit_audit");
      await refused(() => reader.exec("SELECT probe_forge()", []), PLATFORM);
      expect(await count("goatkit_audit")).toBe(before);
    });

    it("cannot put a trigger on, or change, a core table", async () => {
      const trigger = `CREATE FUNCTION probe_tap() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO probe_notes (body) VALUES (NEW.title); RETURN NEW; END $$;
        CREATE TRIGGER probe_tap AFTER INSERT OR UPDATE ON ticket FOR EACH ROW EXECUTE FUNCTION probe_tap();`;
      const owner = (what: string) => `permission denied: may not change table "${what}": it is not probe's: a plugin's migrations create and change only its own tables (no triggers, indexes or ALTERs on the core's)`;
      // CREATE TRIGGER asks for the TRIGGER privilege, which no plugin holds.
      await refused(() => reader.migrate(trigger, ledger("probe", "005")), /^permission denied: may not use core table "ticket" so: a plugin's migrations create and change only its own tables/);
      await refused(() => reader.migrate("ALTER TABLE ticket ADD COLUMN probe TEXT", ledger("probe", "006")), owner("ticket"));
      await refused(() => reader.migrate("CREATE INDEX probe_idx ON users (first_name)", ledger("probe", "007")), owner("users"));
      await refused(() => reader.migrate("DROP TABLE queue", ledger("probe", "008")), owner("queue"));
      expect(await db.query("SELECT COUNT(*) AS n FROM pg_trigger WHERE tgname = 'probe_tap'", [])).toEqual([{ n: 0 }]);
      expect(await db.query("SELECT COUNT(*) AS n FROM information_schema.columns WHERE table_schema = ? AND column_name = 'probe'", [schema])).toEqual([{ n: 0 }]);
    });

    it("reaches no file, program, large object or extension of the server", async () => {
      const marker = `/tmp/${uniqueName("goatkit_pg_probe")}`;
      const attempts: [sql: string, message: RegExp][] = [
        [`COPY (SELECT 1) TO PROGRAM 'id > ${marker}'`, /pg_execute_server_program/],
        [`COPY probe_notes (body) FROM PROGRAM 'id'`, /pg_execute_server_program/],
        [`COPY (SELECT 1) TO '${marker}'`, /pg_write_server_files/],
        [`COPY probe_notes (body) FROM '/etc/hostname'`, /pg_read_server_files/],
        ["SELECT pg_read_file('/etc/hostname')", /may not call function pg_read_file\(\)/],
        ["SELECT pg_ls_dir('/tmp')", /may not call function pg_ls_dir\(\)/],
        ["SELECT lo_import('/etc/hostname')", /may not call function lo_import\(\)/],
        [`SELECT lo_export(lo_from_bytea(0, 'x'), '${marker}')`, /may not call function lo_export\(\)/],
        ["CREATE EXTENSION IF NOT EXISTS dblink", /permission denied to create extension|create extension/],
        ["CREATE EXTENSION IF NOT EXISTS file_fdw", /permission denied to create extension|create extension/],
      ];
      for (const [sql, message] of attempts) await refused(() => reader.exec(sql, []), message);
      await refused(() => reader.migrate(`COPY (SELECT 1) TO PROGRAM 'id > ${marker}'`, ledger("probe", "009")), /pg_execute_server_program/);
      expect(existsSync(marker)).toBe(false);
    });

    it("writes a core table only with its db:write:<table>, brought in line with its permissions on every forPlugin", async () => {
      const title = (await db.query("SELECT title FROM ticket WHERE id = 1", []))[0]!.title;
      expect(await reader.exec("UPDATE ticket SET title = ? WHERE id = 1", ["probe was here"])).toEqual({ rows_affected: 1, last_insert_id: null });
      const narrowed = await db.forPlugin(identity("probe", true, []));
      await refused(() => narrowed.exec("UPDATE ticket SET title = ? WHERE id = 1", ["again"]), 'permission denied: may not write table "ticket": add "db:write:ticket" to manifest.permissions to write it');
      // The earlier view shares the role: its grant is gone as well.
      await refused(() => reader.exec("DELETE FROM ticket WHERE id = 1", []), /may not write table "ticket"/);
      await refused(() => narrowed.exec("DELETE FROM queue", []), /may not write table "queue"/);
      expect((await db.query("SELECT title FROM ticket WHERE id = 1", []))[0]!.title).toBe("probe was here");
      await db.exec("UPDATE ticket SET title = ? WHERE id = 1", [title ?? null]);
      // A name in a migration's text grants nothing (SQL that says "create table users").
      await narrowed.migrate("CREATE TABLE probe_text (note TEXT DEFAULT 'create table users; insert into users')", ledger("probe", "010"));
      await refused(() => narrowed.exec("DELETE FROM users", []), /may not write table "users"/);
      expect(await count("users")).toBeGreaterThan(0);
      // Widen again for the tests after this one.
      reader = await db.forPlugin(identity("probe", true, ["ticket", "goatkit_audit"]));
    });

    it("neither reads nor writes another plugin's tables", async () => {
      const other = await db.forPlugin(identity("other", true, ["probe_notes"]));
      const probeSchema = pluginRoleName(database, schema, "probe");
      const message = `permission denied: may not use schema "${probeSchema}": it belongs to plugin "probe"; a plugin reads and writes only its own tables and the core's`;
      await refused(() => other.query(`SELECT * FROM "${probeSchema}".probe_notes`, []), message);
      await refused(() => other.exec(`DELETE FROM "${probeSchema}".probe_notes`, []), message);
      // An unqualified name finds only its own schema and the core's.
      await expect(other.query("SELECT * FROM probe_notes", [])).rejects.toThrow(/relation "probe_notes" does not exist/);
    });
  });

  describe("through the host: a plugin's db_query, db_exec and migrations", () => {
    it("db_query with db:read reads the core's tables as the host does; the Unicode-escaped audit table is refused", async () => {
      await host.load(FIXTURE);
      expect(json(await host.call(PLUGIN, "query", post({ sql: "SELECT COUNT(*) AS n FROM tickets", args: [] })))).toEqual(await db.query("SELECT COUNT(*) AS n FROM tickets", []));
      const res = await host.call(PLUGIN, "query", post({ sql: 'SELECT actor FROM U&"goatkit\\005faudit"', args: [] }));
      expect(res.error).toEqual({ code: "E_PERMISSION_DENIED", message: `permission denied: db_query may not use table "goatkit_audit": it is the host's platform state (docs/state.md), which no plugin permission covers; read the host's records through its admin API` });
    });

    it("a migration's DO block cannot forge an audit entry: the load fails and nothing changed", async () => {
      const before = await count("goatkit_audit");
      const dir = await withMigrations([{ id: "002_forge", up: `DO $$ BEGIN EXECUTE 'INSERT INTO goatkit_' || 'audit ${AUDIT_ROW.replace(/'/g, "''")}'; END $$` }]);
      await expect(host.load(dir)).rejects.toThrow(/migration 002_forge of kitchen-sink failed: permission denied: may not use table "goatkit_audit": it is the host's platform state/);
      expect(await count("goatkit_audit")).toBe(before);
      expect(await db.query("SELECT id FROM goatkit_migrations WHERE plugin = ? ORDER BY id", [PLUGIN])).toEqual([{ id: "001_create_notes" }]);
    });

    it("a migration's COPY ... TO PROGRAM runs nothing on the server", async () => {
      const marker = `/tmp/${uniqueName("goatkit_pg_program")}`;
      const dir = await withMigrations([{ id: "002_program", up: `COPY (SELECT 1) TO PROGRAM 'id > ${marker}'` }]);
      await expect(host.load(dir)).rejects.toThrow(/migration 002_program of kitchen-sink failed: permission denied: .*pg_execute_server_program/);
      expect(existsSync(marker)).toBe(false);
    });

    it("a table named in a migration's text is not granted: db_exec on users is refused", async () => {
      const dir = await withMigrations([{ id: "002_text", up: "CREATE TABLE kitchen_sink_text (note TEXT DEFAULT 'create table users')" }]);
      // A second host on the same schema: it derives the same role password from the same URL.
      const other = await createHost({ database: await PostgresDatabase.connect({ url, schema }) });
      try {
        await other.load(dir);
        const res = await other.call(PLUGIN, "exec", post({ sql: "UPDATE users SET first_name = ?", args: ["stolen@example.com"] }));
        expect(res.error).toEqual({ code: "E_PERMISSION_DENIED", message: 'permission denied: db_exec may not write table "users": add "db:write:users" to manifest.permissions to write it' });
        expect(await db.query("SELECT COUNT(*) AS n FROM users WHERE first_name = 'stolen@example.com'", [])).toEqual([{ n: 0 }]);
        // The first host's plugin still logs in with the role's (unchanged) password.
        expect(json(await host.call(PLUGIN, "query", post({ sql: "SELECT 1 AS one", args: [] })))).toEqual([{ one: 1 }]);
      } finally {
        await other.close();
      }
    });
  });

  describe("the host's own login", () => {
    it("without CREATEROLE and CREATE on the database, connect() says what is missing and how to grant it", async () => {
      const login = uniqueName("goatkit_low");
      await admin(`CREATE ROLE ${login} LOGIN PASSWORD 'low'`);
      try {
        const low = new URL(url);
        low.username = login;
        low.password = "low";
        await expect(PostgresDatabase.connect({ url: low.toString(), schema, origin: "GOATKIT_DB_URL" })).rejects.toThrow(
          `the login "${login}" cannot give plugins database roles of their own: it lacks CREATEROLE and CREATE on database ${database}; as a superuser run ALTER ROLE "${login}" CREATEROLE; GRANT CREATE ON DATABASE "${database}" TO "${login}" (docs/services.md "Plugin identities"), or connect as a role that has them`,
        );
      } finally {
        await admin(`DROP ROLE ${login}`);
      }
    });

    it("with CREATEROLE and CREATE on the database (no superuser), sets up plugin roles and their schemas", async () => {
      const login = uniqueName("goatkit_creator");
      const own = await createPostgresSchema(url);
      await admin(`CREATE ROLE ${login} LOGIN CREATEROLE PASSWORD 'creator'`);
      await admin(`GRANT CREATE ON DATABASE "${database}" TO ${login}; ALTER SCHEMA ${own.schema} OWNER TO ${login}`);
      const creatorUrl = new URL(url);
      creatorUrl.username = login;
      creatorUrl.password = "creator";
      const creator = await PostgresDatabase.connect({ url: creatorUrl.toString(), schema: own.schema });
      try {
        await creator.seedDemo({ tickets: 5 });
        const plugin = await creator.forPlugin(identity("creator-probe", true, ["ticket"]));
        await plugin.migrate("CREATE TABLE creator_notes (id SERIAL PRIMARY KEY)", { sql: "SELECT ?::text, ?::text, ?::text", args: ["a", "b", "c"] });
        expect(await plugin.query("SELECT COUNT(*) AS n FROM tickets", [])).toEqual([{ n: 5 }]);
        expect(await plugin.exec("INSERT INTO creator_notes DEFAULT VALUES", [])).toEqual({ rows_affected: 1, last_insert_id: 1 });
        expect(await creator.query(`SELECT COUNT(*) AS n FROM ${creator.pluginTable("creator-probe", "creator_notes")}`, [])).toEqual([{ n: 1 }]);
        expect(await plugin.query("SELECT current_user = ? AS own", [pluginRoleName(database, own.schema, "creator-probe")])).toEqual([{ own: true }]);
      } finally {
        await creator.close();
        await own.drop();
        await admin(`REVOKE CREATE ON DATABASE "${database}" FROM ${login}; DROP OWNED BY ${login} CASCADE; DROP ROLE ${login}`);
      }
    });
  });

  /** As the test server's own (super)user. */
  async function admin(sql: string): Promise<void> {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  }
});

function ledger(plugin: string, id: string) {
  return { sql: "INSERT INTO goatkit_migrations (plugin, id, applied_at) VALUES (?, ?, ?)", args: [plugin, id, "2026-01-01"] };
}
