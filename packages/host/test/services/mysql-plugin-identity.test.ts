/**
 * Plugin identities on MySQL/MariaDB: each plugin's statements and migrations run logged in as
 * an account of its own, so the server itself refuses what the plugin's manifest does not grant.
 * The attacks go both through the real host (the kitchen-sink fixture's `query` and `exec`
 * handlers) and straight at `forPlugin`, which has none of the host's text checks.
 */
import { existsSync } from "node:fs";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import mysql from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHost, type Host, type PluginResponse } from "../../src/index.js";
import { DatabasePermissionError } from "../../src/services/database/database-permission-error.js";
import { MysqlDatabase } from "../../src/services/mysql/mysql-database.js";
import type { PluginDatabase, PluginDbIdentity } from "../../src/services/types.js";
import { TEST_URLS, createMysqlDatabase, missing, uniqueName } from "./support/test-servers.js";

const FIXTURE = new URL("../../../../fixtures/as-kitchen-sink/", import.meta.url).pathname;
const PLUGIN = "kitchen-sink";
const json = (res: PluginResponse) => JSON.parse(String(res.body));
const post = (body: unknown) => ({ kind: "route" as const, method: "POST", body: JSON.stringify(body) });
const LEDGER = "INSERT INTO goatkit_migrations (plugin, id, applied_at) VALUES (?, ?, ?)";

describe.skipIf(missing("mysql", "plugin identities on MySQL/MariaDB"))("plugin identities on MySQL/MariaDB", () => {
  let url: string;
  let core: string;
  let drop: () => Promise<void>;
  let db: MysqlDatabase;
  let host: Host;
  const dirs: string[] = [];

  /** What must never change: the audit trail, the queues' names, the tickets' titles. */
  const snapshot = async () => ({
    audit: await db.query("SELECT id, actor, action FROM goatkit_audit ORDER BY id", []),
    queues: await db.query("SELECT id, name FROM queue ORDER BY id", []),
    ticket: await db.query("SELECT id, title FROM ticket ORDER BY id", []),
  });
  const identity = (plugin: string, readCore: boolean, writeCore: string[] = []): PluginDbIdentity => ({ plugin, readCore, writeCore });
  const ledgerOf = (plugin: string, id: string) => ({ sql: LEDGER, args: [plugin, id, new Date().toISOString()] });
  const refused = async (run: () => unknown, message: RegExp) => {
    const before = await snapshot();
    const error = await Promise.resolve().then(run).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error, "the server should refuse it").toBeInstanceOf(DatabasePermissionError);
    expect((error as Error).message).toMatch(message);
    expect(await snapshot()).toEqual(before);
  };
  /** A copy of the kitchen-sink fixture with extra migrations. */
  const fixtureWith = async (migrations: { id: string; up: string }[]) => {
    const dir = await mkdtemp(join(tmpdir(), "goatkit-mysql-identity-"));
    dirs.push(dir);
    await cp(FIXTURE, dir, { recursive: true, filter: (src) => !src.includes("node_modules") });
    const manifest = JSON.parse(await readFile(join(dir, "manifest.json"), "utf8"));
    await writeFile(join(dir, "manifest.json"), JSON.stringify({ ...manifest, migrations: [...manifest.migrations, ...migrations] }));
    return dir;
  };

  beforeAll(async () => {
    ({ url, drop } = await createMysqlDatabase(TEST_URLS.mysql!));
    core = decodeURIComponent(new URL(url).pathname.slice(1));
    db = await MysqlDatabase.connect({ url });
    await db.seedDemo({ tickets: 20 });
    host = await createHost({ database: db });
    await host.load(FIXTURE);
    await db.exec("INSERT INTO goatkit_audit (acted_at, actor, action, plugin, target, outcome, detail, host_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", ["2026-03-10T12:00:00Z", "admin", "enable", PLUGIN, PLUGIN, "ok", "{}", "h1"]);
  });
  afterAll(async () => {
    await host?.close();
    await db?.close();
    await drop?.();
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  describe("through the real host", () => {
    it("the plugin's table lives in its own database, named by pluginTable", async () => {
      expect(db.pluginTable(PLUGIN, "kitchen_sink_notes")).toBe(`"${core}__kitchen_sink"."kitchen_sink_notes"`);
      expect(json(await host.call(PLUGIN, "exec", post({ sql: "INSERT INTO kitchen_sink_notes (body) VALUES (?)", args: ["hi"] })))).toEqual({ rows_affected: 1, last_insert_id: 1 });
      expect(await db.query(`SELECT body FROM ${db.pluginTable(PLUGIN, "kitchen_sink_notes")}`, [])).toEqual([{ body: "hi" }]);
      const [row] = json(await host.call(PLUGIN, "query", post({ sql: "SELECT CURRENT_USER() AS account, DATABASE() AS db", args: [] })));
      expect(row.account).toMatch(/^gk_[0-9a-f]{16}@/);
      expect(row.db).toBe(`${core}__kitchen_sink`);
    });

    it("db:read reads the core tables as before", async () => {
      const expected = await db.query("SELECT t.id, q.name FROM ticket t JOIN queue q ON q.id = t.queue_id ORDER BY t.id LIMIT 5", []);
      expect(json(await host.call(PLUGIN, "query", post({ sql: "SELECT t.id, q.name FROM ticket t JOIN queue q ON q.id = t.queue_id ORDER BY t.id LIMIT 5", args: [] })))).toEqual(expected);
    });

    it("a multi-table UPDATE of its own table and a core table it may not write is refused, nothing changed", async () => {
      const before = await snapshot();
      const res = await host.call(PLUGIN, "exec", post({ sql: "UPDATE kitchen_sink_notes, queue SET queue.name = 'hacked'", args: [] }));
      expect(res.error).toEqual({ code: "E_PERMISSION_DENIED", message: 'permission denied: db_exec may not write table "queue": add "db:write:queue" to manifest.permissions to write it' });
      expect(await snapshot()).toEqual(before);
    });

    it("executable comments do not reach the host's tables or the server's files", async () => {
      const before = await snapshot();
      const audit = await host.call(PLUGIN, "query", post({ sql: "SELECT * FROM /*!goatkit_audit*/ x", args: [] }));
      expect(audit.error).toEqual({ code: "E_PERMISSION_DENIED", message: "permission denied: db_query may not use table \"goatkit_audit\": it is the host's platform state (docs/state.md), which no plugin permission covers; read the host's records through its admin API" });
      const deleted = await host.call(PLUGIN, "exec", post({ sql: "DELETE FROM kitchen_sink_notes /*!, goatkit_audit USING kitchen_sink_notes, goatkit_audit*/", args: [] }));
      expect(deleted.error?.code).toBe("E_PERMISSION_DENIED");
      // Without FILE the server reads no file: load_file gives NULL.
      expect(json(await host.call(PLUGIN, "query", post({ sql: "SELECT /*!load_file*/('/etc/hostname') AS f", args: [] })))).toEqual([{ f: null }]);
      expect(await snapshot()).toEqual(before);
    });

    it("a migration that puts a trigger on a core table is refused, and not recorded", async () => {
      const other = await createHost({ database: await MysqlDatabase.connect({ url }) });
      try {
        const before = await snapshot();
        const up = `CREATE TRIGGER kitchen_sink_tr BEFORE INSERT ON \`${core}\`.ticket FOR EACH ROW SET NEW.title = 'owned'`;
        // The manifest check or the server refuses it; the server's refusal is shown below, past the checks.
        await expect(other.load(await fixtureWith([{ id: "002_trigger", up }]))).rejects.toThrow(/trigger|TRIGGER/);
        expect(await db.query("SELECT id FROM goatkit_migrations WHERE plugin = ? AND id = ?", [PLUGIN, "002_trigger"])).toEqual([]);
        expect(await snapshot()).toEqual(before);
      } finally {
        await other.close();
      }
      expect(await db.query("SELECT TRIGGER_NAME AS name FROM information_schema.TRIGGERS WHERE EVENT_OBJECT_SCHEMA = ?", [core])).toEqual([]);
    });

    it("a migration's text grants nothing: DEFAULT 'create table users' does not make users writable", async () => {
      const other = await createHost({ database: await MysqlDatabase.connect({ url }) });
      try {
        await other.load(await fixtureWith([{ id: "002_text", up: "CREATE TABLE kitchen_sink_tags (id INTEGER PRIMARY KEY, note VARCHAR(40) DEFAULT 'create table users')" }]));
        const before = await db.query("SELECT id, login FROM users ORDER BY id", []);
        const res = await other.call(PLUGIN, "exec", post({ sql: "UPDATE users SET login = 'owned'", args: [] }));
        expect(res.error).toEqual({ code: "E_PERMISSION_DENIED", message: 'permission denied: db_exec may not write table "users": add "db:write:users" to manifest.permissions to write it' });
        expect(await db.query("SELECT id, login FROM users ORDER BY id", [])).toEqual(before);
      } finally {
        await other.close();
      }
    });
  });

  describe("straight at forPlugin, past the host's text checks", () => {
    let evil: PluginDatabase;

    beforeAll(async () => {
      evil = await db.forPlugin(identity("evil", true));
      await evil.migrate("CREATE TABLE evil_t (id INTEGER PRIMARY KEY AUTO_INCREMENT, body TEXT)", ledgerOf("evil", "001"));
      await evil.exec("INSERT INTO evil_t (body) VALUES (?)", ["x"]);
    });

    it("runs with the host's session settings on the plugin's own connections", async () => {
      expect(await evil.query(`SELECT 'goat' || 'kit' AS "joined", @@time_zone AS tz, 'C:\\' AS dir`, [])).toEqual([{ joined: "goatkit", tz: "+00:00", dir: "C:\\" }]);
    });

    it("refuses load_file, INTO OUTFILE and LOAD DATA: the account has no FILE privilege", async () => {
      expect(await evil.query("SELECT load_file('/etc/hostname') AS f", [])).toEqual([{ f: null }]);
      expect(await evil.query("SELECT /*!load_file*/('/etc/hostname') AS f", [])).toEqual([{ f: null }]);
      const out = join(tmpdir(), `${uniqueName("goatkit_outfile")}.txt`);
      await refused(() => evil.query(`SELECT id FROM ticket INTO OUTFILE '${out}'`, []), /permission denied: may not do this: .*FILE/);
      expect(existsSync(out)).toBe(false);
      await refused(() => evil.migrate("LOAD DATA INFILE '/etc/hostname' INTO TABLE evil_t (body)", ledgerOf("evil", "002")), /permission denied: may not do this: Access denied/);
      expect(await evil.query("SELECT COUNT(*) AS n FROM evil_t", [])).toEqual([{ n: 1 }]);
    });

    it("refuses the host's tables in every spelling", async () => {
      const platform = /^permission denied: may not use table "goatkit_audit": it is the host's platform state/;
      for (const sql of [
        "SELECT * FROM goatkit_audit",
        'SELECT * FROM "GOATKIT_AUDIT"',
        "SELECT * FROM `goatkit_audit`",
        `SELECT * FROM \`${core}\`.goatkit_audit`,
        "SELECT * FROM /*!goatkit_audit*/ x",
        "SELECT (SELECT COUNT(*) FROM /*!50000 goatkit_audit */) AS n",
      ]) {
        await refused(() => evil.query(sql, []), platform);
      }
      await refused(() => evil.exec("DELETE FROM evil_t, goatkit_audit USING evil_t, goatkit_audit", []), platform);
      await refused(() => evil.exec(`DELETE FROM evil_t, \`${core}\`.goatkit_audit USING evil_t, \`${core}\`.goatkit_audit`, []), platform);
      await refused(() => evil.exec(`INSERT INTO \`${core}\`.goatkit_audit (actor) VALUES ('forged')`, []), platform);
    });

    it("refuses a multi-table UPDATE of a core table it was not granted", async () => {
      await refused(() => evil.exec("UPDATE evil_t, queue SET queue.name = 'hacked'", []), /^permission denied: may not write table "queue": add "db:write:queue"/);
      await refused(() => evil.exec(`UPDATE evil_t, \`${core}\`.queue q SET q.name = 'hacked'`, []), /^permission denied: may not write table "queue"/);
    });

    it("refuses a view with another DEFINER, a trigger on a core table, and a DEFINER function reading the host's tables", async () => {
      await refused(() => evil.migrate("CREATE DEFINER=root@'%' VIEW evil_v AS SELECT 1 AS x", ledgerOf("evil", "003")), /SUPER|SET USER|SET_USER_ID/);
      await refused(() => evil.migrate(`CREATE TRIGGER evil_tr BEFORE INSERT ON \`${core}\`.ticket FOR EACH ROW SET NEW.title = 'owned'`, ledgerOf("evil", "004")), /^permission denied: may not (trigger|use) table "ticket"/);
      // Its own function runs with its own rights only, whatever SQL SECURITY says.
      await evil.migrate(`CREATE FUNCTION evil_f() RETURNS INTEGER SQL SECURITY DEFINER READS SQL DATA RETURN (SELECT COUNT(*) FROM \`${core}\`.goatkit_audit)`, ledgerOf("evil", "005"));
      await refused(() => evil.query("SELECT evil_f() AS n", []), /goatkit_audit/);
      await refused(() => evil.migrate("GRANT SELECT ON *.* TO CURRENT_USER()", ledgerOf("evil", "006")), /permission denied/);
      await refused(() => evil.migrate(`CREATE USER evil_again IDENTIFIED BY 'x'`, ledgerOf("evil", "007")), /permission denied/);
      expect(await db.query("SELECT id FROM goatkit_migrations WHERE plugin = ? ORDER BY id", ["evil"])).toEqual([{ id: "001" }, { id: "005" }]);
    });

    it("reads core tables only with db:read, and never another plugin's tables", async () => {
      const reader = await db.forPlugin(identity("no-read", false));
      await refused(() => reader.query("SELECT COUNT(*) AS n FROM ticket", []), /^permission denied: may not read table "ticket": add "db:read" to manifest.permissions$/);
      await refused(() => reader.query(`SELECT COUNT(*) AS n FROM \`${core}\`.ticket`, []), /^permission denied: may not read table "ticket"/);
      await refused(() => evil.query(`SELECT * FROM \`${core}__kitchen_sink\`.kitchen_sink_notes`, []), /^permission denied: may not use "[^"]+__kitchen_sink"."kitchen_sink_notes"/);
      await refused(() => evil.exec(`INSERT INTO \`${core}__kitchen_sink\`.kitchen_sink_notes (body) VALUES ('x')`, []), /^permission denied: may not use/);
    });

    it("writes a granted core table through its view (last_insert_id included), and loses the grant when the manifest drops it", async () => {
      // A core table created after the host started: its view appears at the next forPlugin.
      await db.migrate("CREATE TABLE core_counters (id INTEGER PRIMARY KEY AUTO_INCREMENT, label VARCHAR(20))");
      await db.exec("INSERT INTO core_counters (label) VALUES ('a'), ('b')", []);
      const writer = await db.forPlugin(identity("writer", true, ["queue", "core_counters"]));
      expect(await writer.exec("INSERT INTO core_counters (label) VALUES (?)", ["c"])).toEqual({ rows_affected: 1, last_insert_id: 3 });
      expect(await writer.exec("UPDATE queue SET name = ? WHERE id = ?", ["Writer", 1])).toEqual({ rows_affected: 1, last_insert_id: null });
      expect(await writer.exec("DELETE FROM core_counters WHERE label = ?", ["c"])).toEqual({ rows_affected: 1, last_insert_id: null });
      expect(await db.query("SELECT name FROM queue WHERE id = 1", [])).toEqual([{ name: "Writer" }]);
      const again = await db.forPlugin(identity("writer", true, []));
      await refused(() => again.exec("UPDATE queue SET name = 'x' WHERE id = 1", []), /^permission denied: may not write table "queue"/);
      await refused(() => writer.exec("UPDATE queue SET name = 'x' WHERE id = 1", []), /^permission denied: may not write table "queue"/);
      const none = await db.forPlugin(identity("writer", false, []));
      await refused(() => none.query("SELECT name FROM queue", []), /^permission denied: may not read table "queue"/);
    });

    it("a plugin's own table named like a core table fails its migration with the fix", async () => {
      await expect(evil.migrate("CREATE TABLE ticket (id INTEGER)", ledgerOf("evil", "008"))).rejects.toThrow(/core tables appear in the plugin's database under their own names .*name the plugin's tables after the plugin/);
    });
  });

  it("connect() refuses a login that cannot set up plugin identities, naming the privilege and the GRANT", async () => {
    const user = uniqueName("gk_low").slice(0, 32);
    const root = await mysql.createConnection(TEST_URLS.mysql!);
    try {
      await root.query(`CREATE USER '${user}'@'%' IDENTIFIED BY 'low-pass'`);
      await root.query(`GRANT ALL PRIVILEGES ON \`${core}\`.* TO '${user}'@'%'`);
      const low = new URL(url);
      low.username = user;
      low.password = "low-pass";
      await expect(MysqlDatabase.connect({ url: low.toString() })).rejects.toThrow(
        new RegExp(`^the (MariaDB|MySQL) login '${user}'@'%' \\(.*\\) lacks CREATE USER, SELECT, .* on \\*\\.\\*, which the host needs to give each plugin its own account and database \\(docs/services.md "Plugin identities"\\); run GRANT CREATE USER, SELECT, .* ON \\*\\.\\* TO '${user}'@'%' WITH GRANT OPTION`),
      );
    } finally {
      await root.query(`DROP USER IF EXISTS '${user}'@'%'`);
      await root.end();
    }
  });
});
