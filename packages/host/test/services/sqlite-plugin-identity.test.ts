/**
 * The embedded SQLite enforces what a plugin was granted from SQLite's own compiled program,
 * not from the statement's text: every attack of the probe that broke the text checks, through
 * the real host (db_query, db_exec, migrations) and straight against the plugin's database view
 * (which the host's friendly text checks never see), with nothing changed afterwards.
 */
import { existsSync } from "node:fs";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createHost, SqliteDatabase, type Host, type PluginResponse } from "../../src/index.js";
import { DatabasePermissionError } from "../../src/services/database/database-permission-error.js";
import type { MaybePromise, PluginDatabase, Row } from "../../src/services/types.js";

const FIXTURE = new URL("../../../../fixtures/as-kitchen-sink/", import.meta.url).pathname;
const PLUGIN = "kitchen-sink";
const post = (body: unknown) => ({ kind: "route" as const, method: "POST", body: JSON.stringify(body) });
const json = (res: PluginResponse) => JSON.parse(String(res.body));

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "goatkit-sqlite-identity-"));
});
afterAll(() => rm(work, { recursive: true, force: true }));

/** The kitchen-sink fixture with other permissions or extra migrations. */
async function variant(name: string, change: { permissions?: string[]; migrations?: { id: string; up: string }[] }): Promise<string> {
  const dir = join(work, name);
  await cp(FIXTURE, dir, { recursive: true, filter: (src) => !src.includes("node_modules") });
  const manifest = JSON.parse(await readFile(join(dir, "manifest.json"), "utf8"));
  if (change.permissions) manifest.permissions = change.permissions;
  if (change.migrations) manifest.migrations = [...manifest.migrations, ...change.migrations];
  await writeFile(join(dir, "manifest.json"), JSON.stringify(manifest));
  return dir;
}

/** A host on a SQLite file, with its platform state (the audit trail) and one audit entry. */
async function hostWithAudit(): Promise<Host> {
  const host = await createHost({ database: { file: join(work, `desk-${Math.random().toString(36).slice(2)}.db`), demo: { tickets: 20 } } });
  await host.services.db.exec("INSERT INTO goatkit_audit (acted_at, actor, action, plugin, outcome, host_id) VALUES (?, ?, ?, ?, ?, ?)", ["2026-01-01T00:00:00Z", "admin", "plugin.disable", "x", "ok", "h1"]);
  return host;
}

async function auditRows(host: Host) {
  return host.services.db.query("SELECT actor, action FROM goatkit_audit ORDER BY id", []);
}

describe("SQLite: what a db:read plugin's statements reach, decided by SQLite's compiled program", () => {
  let host: Host;
  let audit: unknown;
  let ticket: unknown;
  beforeEach(async () => {
    host = await hostWithAudit();
    await host.load(FIXTURE);
    audit = await auditRows(host);
    [ticket] = await host.services.db.query("SELECT id, title FROM ticket WHERE id = 1", []);
  });
  afterEach(async () => {
    expect(await auditRows(host)).toEqual(audit);
    expect((await host.services.db.query("SELECT id, title FROM ticket WHERE id = 1", []))[0]).toEqual(ticket);
    await host.close();
  });

  it("db_query cannot read or write files: readfile, writefile, fsdir, edit", async () => {
    const target = join(work, "written-by-plugin.txt");
    for (const sql of [
      "SELECT readfile('/etc/passwd') AS f",
      `SELECT writefile('${target}', 'x') AS n`,
      "SELECT name FROM fsdir('/etc')",
      "SELECT * FROM fsdir('/etc')",
      `SELECT "writefile"('${target}', 'x')`,
      `SELECT main.ticket.id, writefile('${target}', 'x') FROM ticket LIMIT 1`,
    ]) {
      const res = await host.call(PLUGIN, "query", post({ sql, args: [] }));
      expect(res.error?.code, sql).toBe("E_PERMISSION_DENIED");
      expect(res.error?.message, sql).toMatch(/^permission denied: db_query may (not call (readfile|writefile)\(\)|not run this statement: it uses a virtual table)/);
    }
    expect(existsSync(target)).toBe(false);
  });

  it("no spelling of a host table reaches it: quoted, bracketed, backticked, schema-qualified, through a view", async () => {
    for (const name of ["'goatkit_audit'", '"goatkit_audit"', '"GOATKIT_AUDIT"', "[goatkit_audit]", "`goatkit_audit`", "main.goatkit_audit", 'main."goatkit_audit"', "goatkit_plugin_objects", "goatkit_migrations"]) {
      const read = await host.call(PLUGIN, "query", post({ sql: `SELECT * FROM ${name}`, args: [] }));
      expect(read.error?.code, name).toBe("E_PERMISSION_DENIED");
      const write = await host.call(PLUGIN, "exec", post({ sql: `DELETE FROM ${name}`, args: [] }));
      expect(write.error?.code, name).toBe("E_PERMISSION_DENIED");
      expect(write.error?.message, name).toMatch(/^permission denied: db_exec may not use table "goatkit_/);
    }
  });

  it("db_exec writes only the plugin's own tables: a data-modifying CTE or a subquery of a core table is refused", async () => {
    for (const sql of [
      "WITH a AS (SELECT 1) UPDATE ticket SET title = 'owned' WHERE id = 1",
      "INSERT INTO kitchen_sink_notes (body) SELECT actor FROM goatkit_audit",
      "UPDATE kitchen_sink_notes SET body = (SELECT actor FROM 'goatkit_audit' LIMIT 1)",
      "REPLACE INTO ticket (id, title) VALUES (1, 'owned')",
    ]) {
      const res = await host.call(PLUGIN, "exec", post({ sql, args: [] }));
      expect(res.error?.code, sql).toBe("E_PERMISSION_DENIED");
    }
    expect(json(await host.call(PLUGIN, "exec", post({ sql: "INSERT INTO kitchen_sink_notes (body) SELECT title FROM ticket WHERE id = 1", args: [] })))).toEqual({ rows_affected: 1, last_insert_id: 1 });
  });

  it("db_exec cannot attach a database, change a pragma or load an extension", async () => {
    const attached = join(work, "attached-by-plugin.db");
    for (const sql of [`ATTACH DATABASE '${attached}' AS x`, "PRAGMA query_only = 0", "VACUUM", `VACUUM INTO '${attached}'`, "SELECT load_extension('/tmp/evil')"]) {
      const res = await host.call(PLUGIN, "exec", post({ sql, args: [] }));
      expect(res.error, sql).toBeDefined();
    }
    expect(existsSync(attached)).toBe(false);
  });
});

describe("SQLite: migrations run as the plugin", () => {
  const hosts: Host[] = [];
  afterEach(async () => {
    for (const host of hosts.splice(0)) await host.close();
  });
  const attached = join(tmpdir(), `goatkit-attached-by-migration-${process.pid}.db`);

  const attacks: Array<[name: string, up: string]> = [
    ["a data-modifying CTE on a core ticket", "WITH a AS (SELECT 1) UPDATE ticket SET title = 'owned' WHERE id = 1"],
    ["updating a core ticket by its id", "UPDATE ticket SET title = 'owned' WHERE id = 1"],
    ["deleting core rows with a subquery", "DELETE FROM queue WHERE id IN (SELECT queue_id FROM ticket WHERE id = 1)"],
    ["emptying the audit trail, quoted as a string", "DELETE FROM 'goatkit_audit'"],
    ["committing early and attaching a file", `COMMIT; ATTACH DATABASE '${attached}' AS x`],
    ["a trigger on a core table", "CREATE TRIGGER kitchen_sink_t AFTER UPDATE ON ticket BEGIN DELETE FROM goatkit_audit; END"],
    ["a temporary trigger on a core table", "CREATE TEMP TRIGGER kitchen_sink_t AFTER UPDATE ON ticket BEGIN DELETE FROM goatkit_audit; END"],
    ["a view over the audit trail, then reading it", "CREATE VIEW kitchen_sink_v AS SELECT actor FROM goatkit_audit; CREATE TABLE kitchen_sink_copy AS SELECT * FROM kitchen_sink_v"],
    ["copying the audit trail", "CREATE TABLE kitchen_sink_leak AS SELECT * FROM [goatkit_audit]"],
    ["dropping a core table", "DROP TABLE queue"],
    ["altering a core table", "ALTER TABLE ticket ADD COLUMN kitchen_sink_flag INTEGER"],
    ["renaming a core table", "ALTER TABLE queue RENAME TO kitchen_sink_queues"],
    ["an index on a core table", "CREATE INDEX kitchen_sink_i ON ticket (title)"],
    ["a pragma", "PRAGMA writable_schema = ON"],
    ["reading a file", "CREATE TABLE kitchen_sink_f AS SELECT readfile('/etc/passwd') AS f"],
    ["a virtual table", "CREATE VIRTUAL TABLE kitchen_sink_fs USING fsdir"],
  ];

  /** What an attack must leave as it was: the audit trail, the ticket, the schema, the ledger. */
  async function state(db: { query(sql: string, args: []): MaybePromise<Row[]> }) {
    return {
      audit: await db.query("SELECT actor, action FROM goatkit_audit ORDER BY id", []),
      ticket: await db.query("SELECT id, title FROM ticket ORDER BY id", []),
      schema: await db.query("SELECT type, name, sql FROM sqlite_schema WHERE name NOT LIKE 'goatkit_plugin_objects%' ORDER BY name", []),
      ledger: await db.query("SELECT plugin, id FROM goatkit_migrations ORDER BY plugin, id", []),
    };
  }

  it.each(attacks)("the database refuses %s, and nothing changes", async (_name, up) => {
    const host = await hostWithAudit();
    hosts.push(host);
    await host.load(FIXTURE);
    const before = await state(host.services.db);
    // Straight to the plugin's view: the manifest validator and the host's text checks never see it.
    const db = await host.services.db.forPlugin({ plugin: PLUGIN, readCore: true, writeCore: [] });
    await expect(Promise.resolve().then(() => db.migrate(up, { sql: "INSERT INTO goatkit_migrations (plugin, id, applied_at) VALUES (?, ?, ?)", args: [PLUGIN, "002_attack", "now"] }))).rejects.toThrow(DatabasePermissionError);
    expect(await state(host.services.db)).toEqual(before);
    expect(existsSync(attached)).toBe(false);
  });

  it.each(attacks)("a plugin whose migration tries %s does not load, and nothing changes", async (name, up) => {
    const host = await hostWithAudit();
    hosts.push(host);
    const before = await state(host.services.db);
    const dir = await variant(`attack-${name.replace(/\W+/g, "-")}`, { migrations: [{ id: "002_attack", up }] });
    // Refused by the manifest's friendly checks where they see it, by the database where not.
    await expect(host.load(dir)).rejects.toThrow(/permission denied|names table "goatkit_audit"|migrations\[1\]\.up/);
    const after = await state(host.services.db);
    expect(after.audit).toEqual(before.audit);
    expect(after.ticket).toEqual(before.ticket);
    // At most the first migration (the plugin's own table, committed on its own) was added.
    const added = after.schema.filter((o) => !before.schema.some((b) => b.name === o.name)).map((o) => String(o.name));
    expect(added.filter((n) => n.startsWith("kitchen_sink_"))).toEqual(after.ledger.some((l) => l.id === "001_create_notes") ? ["kitchen_sink_notes"] : []);
    expect(after.ledger.filter((l) => l.id === "002_attack")).toEqual([]);
    expect(existsSync(attached)).toBe(false);
  });

  it("a write grant never comes from a migration's text", async () => {
    const host = await hostWithAudit();
    hosts.push(host);
    const dir = await variant("text-grant", { migrations: [{ id: "002_text", up: "CREATE TABLE kitchen_sink_x (note TEXT DEFAULT 'create table users')" }] });
    await host.load(dir);
    const res = await host.call(PLUGIN, "exec", post({ sql: "UPDATE users SET first_name = ? WHERE id = 1", args: ["evil@example.com"] }));
    expect(res.error).toEqual({ code: "E_PERMISSION_DENIED", message: 'permission denied: db_exec may not write table "users": add "db:write:users" to manifest.permissions to write it' });
    expect((await host.services.db.query("SELECT first_name FROM users WHERE id = 1", []))[0]!.first_name).not.toBe("evil@example.com");
  });

  it("a trigger on the plugin's own table runs with the rights of whoever writes the table", async () => {
    const host = await hostWithAudit();
    hosts.push(host);
    await host.load(FIXTURE);
    const audit = await auditRows(host);
    const db = await host.services.db.forPlugin({ plugin: PLUGIN, readCore: true, writeCore: [] });
    db.migrate("CREATE TRIGGER kitchen_sink_t AFTER INSERT ON kitchen_sink_notes BEGIN DELETE FROM goatkit_audit; UPDATE ticket SET title = 'owned'; END", { sql: "INSERT INTO goatkit_migrations (plugin, id, applied_at) VALUES (?, ?, ?)", args: [PLUGIN, "002_trigger", "now"] });
    const res = await host.call(PLUGIN, "exec", post({ sql: "INSERT INTO kitchen_sink_notes (body) VALUES ('x')", args: [] }));
    expect(res.error?.code).toBe("E_PERMISSION_DENIED");
    expect(res.error?.message).toContain('may not use table "goatkit_audit"');
    expect(await auditRows(host)).toEqual(audit);
  });

  it("migrations may create, alter, index, trigger, view and drop the plugin's own objects", async () => {
    const host = await hostWithAudit();
    hosts.push(host);
    await host.load(FIXTURE);
    const up = [
      "CREATE TABLE kitchen_sink_a (id INTEGER PRIMARY KEY, n INTEGER NOT NULL DEFAULT 0)",
      "CREATE INDEX kitchen_sink_a_n ON kitchen_sink_a (n)",
      "ALTER TABLE kitchen_sink_a ADD COLUMN label TEXT",
      "CREATE TRIGGER kitchen_sink_a_t AFTER INSERT ON kitchen_sink_a BEGIN UPDATE kitchen_sink_a SET n = n + 1 WHERE id = new.id; END",
      "CREATE VIEW kitchen_sink_open AS SELECT t.id FROM tickets t JOIN ticket_states s ON s.id = t.state_id WHERE s.type_name = 'open'",
      "INSERT INTO kitchen_sink_a (label) SELECT name FROM queue",
      "ALTER TABLE kitchen_sink_a RENAME TO kitchen_sink_b",
      "CREATE TABLE kitchen_sink_tmp (x)",
      "DROP TABLE kitchen_sink_tmp",
    ].join(";\n");
    const db = await host.services.db.forPlugin({ plugin: PLUGIN, readCore: true, writeCore: [] });
    db.migrate(up, { sql: "INSERT INTO goatkit_migrations (plugin, id, applied_at) VALUES (?, ?, ?)", args: [PLUGIN, "002_own", "now"] });
    const queues = (await host.services.db.query("SELECT COUNT(*) AS n FROM queue", []))[0]!.n;
    expect(json(await host.call(PLUGIN, "query", post({ sql: "SELECT COUNT(*) AS n, MIN(n) AS m FROM kitchen_sink_b", args: [] })))).toEqual([{ n: queues, m: 1 }]);
    expect(json(await host.call(PLUGIN, "query", post({ sql: "SELECT COUNT(*) > 0 AS some FROM kitchen_sink_open", args: [] })))).toEqual([{ some: 1 }]);
    // A migration through the manifest, too: tables and indexes pass the manifest's own checks.
    const other = await hostWithAudit();
    hosts.push(other);
    await other.load(await variant("own-objects", { migrations: [{ id: "002_own", up: "CREATE TABLE kitchen_sink_c (id INTEGER PRIMARY KEY, n INTEGER); CREATE INDEX kitchen_sink_c_n ON kitchen_sink_c (n); ALTER TABLE kitchen_sink_c ADD COLUMN label TEXT; INSERT INTO kitchen_sink_c (label) SELECT name FROM queue" }] }));
    expect(json(await other.call(PLUGIN, "query", post({ sql: "SELECT COUNT(*) AS n FROM kitchen_sink_c", args: [] })))).toEqual([{ n: queues }]);
  });
});

describe("SQLite: another plugin's tables", () => {
  it("are neither readable nor writable", async () => {
    const host = await hostWithAudit();
    try {
      await host.load(FIXTURE);
      await host.call(PLUGIN, "exec", post({ sql: "INSERT INTO kitchen_sink_notes (body) VALUES ('secret')", args: [] }));
      const other = await variant("other-plugin", {});
      const manifest = JSON.parse(await readFile(join(other, "manifest.json"), "utf8"));
      const renamed = JSON.stringify({ ...manifest, name: "other-sink", migrations: [{ id: "001", up: "CREATE TABLE other_sink_t (x TEXT)" }] });
      await writeFile(join(other, "manifest.json"), renamed);
      // The fixture registers itself as kitchen-sink; a .wasm loaded under another manifest name
      // is refused, so the second identity is checked on the plugin view directly.
      const db = await host.services.db.forPlugin({ plugin: "other-sink", readCore: true, writeCore: ["kitchen_sink_notes"] });
      expect(() => db.query("SELECT body FROM kitchen_sink_notes", [])).toThrow('permission denied: may not use table "kitchen_sink_notes": it belongs to plugin "kitchen-sink"');
      expect(() => db.exec("DELETE FROM kitchen_sink_notes", [])).toThrow(DatabasePermissionError);
    } finally {
      await host.close();
    }
  });
});

/**
 * Many spellings of forbidden access, generated from a fixed seed, straight against the plugin's
 * view: the host's text checks never see them, so every refusal is SQLite's program's.
 */
describe("SQLite: generated spellings of forbidden access are refused by the database", () => {
  let db: SqliteDatabase;
  let view: PluginDatabase;
  beforeAll(async () => {
    db = new SqliteDatabase(":memory:");
    db.seedDemo({ tickets: 10 });
    db.migrate("CREATE TABLE goatkit_audit (id INTEGER PRIMARY KEY, actor TEXT); INSERT INTO goatkit_audit (actor) VALUES ('admin'); CREATE TABLE goatkit_migrations (plugin TEXT, id TEXT, applied_at TEXT)");
    view = await db.forPlugin({ plugin: "prober", readCore: true, writeCore: [] });
    view.migrate("CREATE TABLE prober_t (x TEXT)", { sql: "INSERT INTO goatkit_migrations VALUES (?, ?, ?)", args: ["prober", "001", "now"] });
  });
  afterAll(() => db.close());

  function* spellings(seed: number): Generator<[mode: "query" | "exec", sql: string]> {
    // mulberry32: a small seeded generator, so a failure names a spelling that can be replayed.
    let state = seed >>> 0;
    const random = (n: number) => {
      state = (state + 0x6d2b79f5) >>> 0;
      let t = state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return (((t ^ (t >>> 14)) >>> 0) / 2 ** 32) * n | 0;
    };
    const pick = <T>(items: readonly T[]) => items[random(items.length)]!;
    const cases = ["goatkit_audit", "GOATKIT_AUDIT", "GoatKit_Audit", "goatkit_AUDIT"];
    const quotes = [(n: string) => n, (n: string) => `"${n}"`, (n: string) => `'${n}'`, (n: string) => `[${n}]`, (n: string) => `\`${n}\``];
    const schemas = ["", "main.", '"main".', "MAIN."];
    const gaps = [" ", "\n", "\t", " /* x */ ", " -- c\n", "/**/"];
    for (let i = 0; i < 400; i++) {
      const table = pick(schemas) + pick(quotes)(pick(cases));
      const g = () => pick(gaps);
      const reads = [
        `SELECT${g()}*${g()}FROM${g()}${table}`,
        `SELECT (SELECT actor FROM${g()}${table}${g()}LIMIT 1) AS a`,
        `SELECT t.id FROM ticket t JOIN${g()}${table}${g()}a ON a.id = t.id`,
        `WITH x AS (SELECT * FROM${g()}${table}) SELECT * FROM x`,
        `SELECT 1 WHERE EXISTS (SELECT 1 FROM${g()}${table})`,
        `VALUES ((SELECT count(*) FROM${g()}${table}))`,
      ];
      const writes = [
        `DELETE${g()}FROM${g()}${table}`,
        `UPDATE${g()}${table}${g()}SET actor = 'forged'`,
        `INSERT INTO${g()}${table}${g()}(actor) VALUES ('forged')`,
        `INSERT INTO prober_t (x) SELECT actor FROM${g()}${table}`,
        `UPDATE prober_t SET x = (SELECT actor FROM${g()}${table})`,
        `WITH x AS (SELECT 1) DELETE FROM${g()}${table}`,
        `REPLACE INTO${g()}${table}${g()}(id, actor) VALUES (1, 'forged')`,
      ];
      yield random(2) === 0 ? ["query", pick(reads)] : ["exec", pick(writes)];
    }
  }

  it("400 spellings, each refused with a permission error, the audit trail unchanged", async () => {
    const refusedBy = new Map<string, number>();
    let compiled = 0;
    for (const [mode, sql] of spellings(20261207)) {
      let error: unknown;
      try {
        if (mode === "query") view.query(sql, []);
        else view.exec(sql, []);
      } catch (e) {
        error = e;
      }
      // A spelling SQLite itself cannot parse (a string where a table name goes) fails to compile.
      if (error instanceof DatabasePermissionError) {
        compiled++;
        refusedBy.set(mode, (refusedBy.get(mode) ?? 0) + 1);
        continue;
      }
      expect(String(error), `${mode}: ${sql}`).toMatch(/SqliteError|syntax error|no such|near /);
    }
    expect(compiled).toBeGreaterThan(300);
    expect(refusedBy.get("query")).toBeGreaterThan(100);
    expect(refusedBy.get("exec")).toBeGreaterThan(100);
    expect(db.query("SELECT actor FROM goatkit_audit", [])).toEqual([{ actor: "admin" }]);
  });
});

describe("SQLite: the database file", () => {
  it("is readable by the host's user only, with its WAL: no other user (a gRPC plugin's own) reads the audit trail", async () => {
    const { statSync } = await import("node:fs");
    const file = join(work, "private.db");
    const db = new SqliteDatabase(file);
    db.migrate("CREATE TABLE t (x)");
    for (const path of [file, `${file}-wal`]) expect(statSync(path).mode & 0o077, path).toBe(0);
    db.close();
  });
});
