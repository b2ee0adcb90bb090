import type Database from "libsql";
import type { ExecResult, PluginDatabase, PluginDbIdentity, Row, SqlValue } from "../types.js";
import { DatabasePermissionError } from "./database-permission-error.js";
import { viewWriteRefusal } from "./demo-views.js";
import { programAccess, type ExplainRow, type ProgramAccess } from "./sqlite-program.js";
import { checkPlaceholderCount, scanSql } from "./sql-scan.js";
import { rewriteMysqlDates } from "./mysql-dates.js";

type LibsqlDatabase = InstanceType<typeof Database>;

/** Which plugin created each table, index, trigger and view (SQLite has no owners of its own). */
export const OWNERS_TABLE = "goatkit_plugin_objects";

/** What the check of one statement for one plugin found, cached until the schema changes. */
interface Verdict {
  /** Why it is refused, or null. */
  refusal: string | null;
  /** `?` placeholders outside literals and comments. */
  placeholders: number;
  /** Its first keyword, lower case, past comments and opening parentheses. */
  keyword: string;
}

interface SchemaObject {
  type: string;
  name: string;
  table: string;
  rootpage: number;
  sql: string | null;
  /** In the connection's temporary schema, which no plugin may use. */
  temp: boolean;
}

/**
 * All rows of a statement with no side effects (EXPLAIN, the catalogue), leaving it reset:
 * libsql keeps a statement read through `all()` active, which would block the migration's
 * COMMIT; a `get()` after it resets it.
 */
function allRows<T>(db: LibsqlDatabase, sql: string): T[] {
  const statement = db.prepare(sql) as unknown as { all(): T[]; get(): unknown };
  const rows = statement.all();
  statement.get();
  return rows;
}

/** The statements of each call, by their first keyword: SQLite runs some PRAGMAs while compiling. */
const READ_KEYWORDS = new Set(["select", "with", "values"]);
const WRITE_KEYWORDS = new Set(["insert", "update", "delete", "replace", "with"]);
const MIGRATION_KEYWORDS = new Set(["create", "alter", "drop", "insert", "update", "delete", "replace", "with", "select"]);

/**
 * The SQLite catalogue as the plugin views need it: root pages to objects and objects to their
 * owners, read again whenever the schema version moves (a migration, another process).
 */
export class SqliteCatalogue {
  #version = -1;
  #objects = new Map<number, SchemaObject>();
  #byName = new Map<string, SchemaObject>();
  #owners = new Map<string, string>();
  readonly #schemaVersion: ReturnType<LibsqlDatabase["prepare"]>;
  readonly #verdicts = new Map<string, Verdict>();

  constructor(private readonly db: LibsqlDatabase) {
    db.exec(`CREATE TABLE IF NOT EXISTS ${OWNERS_TABLE} (name TEXT PRIMARY KEY, type TEXT NOT NULL, plugin TEXT NOT NULL)`);
    this.#schemaVersion = db.prepare("PRAGMA schema_version");
  }

  /** Reads the catalogue again if the schema changed; forgets cached verdicts then. */
  refresh(force = false): void {
    const row = (this.#schemaVersion as unknown as { get(): { schema_version: number | bigint } }).get();
    const version = Number(row.schema_version);
    if (version === this.#version && !force) return;
    this.#version = version;
    this.#objects.clear();
    this.#byName.clear();
    this.#verdicts.clear();
    for (const row of allRows<Record<string, unknown>>(this.db, "SELECT 'main' AS db, type, name, tbl_name, rootpage, sql FROM sqlite_schema UNION ALL SELECT 'temp', type, name, tbl_name, rootpage, sql FROM sqlite_temp_schema")) {
      const temp = row.db === "temp";
      const object = { type: String(row.type), name: String(row.name).toLowerCase(), table: String(row.tbl_name).toLowerCase(), rootpage: Number(row.rootpage), sql: row.sql === null ? null : String(row.sql), temp };
      this.#byName.set(`${temp ? "temp:" : ""}${object.type}:${object.name}`, object);
      if (object.rootpage > 0 && !temp) this.#objects.set(object.rootpage, object);
    }
    this.#owners = new Map(allRows<{ name: string; plugin: string }>(this.db, `SELECT name, plugin FROM ${OWNERS_TABLE}`).map((r) => [r.name.toLowerCase(), r.plugin]));
  }

  snapshot(): Map<string, SchemaObject> {
    // The temporary schema has a version of its own: read both every time.
    this.refresh(true);
    return new Map(this.#byName);
  }

  /** The table a root page belongs to (an index's table), or null for a page no object owns. */
  tableAt(rootpage: number): string | null {
    if (rootpage === 1) return "sqlite_schema";
    return this.#objects.get(rootpage)?.table ?? null;
  }

  ownerOf(name: string): string | undefined {
    return this.#owners.get(name);
  }

  /** A core table: not the host's (`goatkit_*`), not SQLite's (`sqlite_*`), not a plugin's. */
  isCore(table: string): boolean {
    return !table.startsWith("goatkit_") && !table.startsWith("sqlite_") && !this.#owners.has(table);
  }

  verdict(key: string): Verdict | undefined {
    return this.#verdicts.get(key);
  }

  remember(key: string, verdict: Verdict): void {
    if (this.#verdicts.size > 2_000) this.#verdicts.delete(this.#verdicts.keys().next().value!);
    this.#verdicts.set(key, verdict);
  }

  setOwner(name: string, type: string, plugin: string | null): void {
    if (plugin === null) this.db.prepare(`DELETE FROM ${OWNERS_TABLE} WHERE name = ?`).run(name);
    else this.db.prepare(`INSERT OR REPLACE INTO ${OWNERS_TABLE} (name, type, plugin) VALUES (?, ?, ?)`).run(name, type, plugin);
  }
}

/**
 * One plugin's view of the embedded SQLite database. Each statement is compiled first
 * (`EXPLAIN`) and SQLite's program decides: the b-trees it reads and writes must be the
 * plugin's own tables, core tables it was granted, and nothing of the host's; the functions it
 * calls must be SQLite's own; it may not use virtual tables, other databases or change the
 * connection. A migration may also change the schema, and afterwards every object it created,
 * changed or dropped must belong to the plugin (docs/services.md "Plugin identities").
 */
export class SqlitePluginDatabase implements PluginDatabase {
  constructor(
    readonly identity: PluginDbIdentity,
    private readonly db: LibsqlDatabase,
    private readonly catalogue: SqliteCatalogue,
    private readonly convert: { args(args: SqlValue[]): (string | number | null)[]; rows(rows: Record<string, unknown>[]): Row[]; integer(value: bigint): number | string },
  ) {
    this.#who = JSON.stringify([identity.plugin, identity.readCore, [...identity.writeCore].sort()]);
  }

  readonly #who: string;

  query(text: string, args: SqlValue[]): Row[] {
    // MySQL's NOW(), CURDATE(), DATE_SUB/DATE_ADD(x, INTERVAL n UNIT) in SQLite's words; the
    // rewritten text is what is checked and run.
    const sql = rewriteMysqlDates(text);
    checkPlaceholderCount(this.#authorize(sql, "read").placeholders, args);
    // query_only makes SQLite itself refuse writes, whatever the statement looks like.
    this.db.exec("PRAGMA query_only = 1");
    try {
      const stmt = this.db.prepare(sql);
      if (!stmt.reader) return (stmt.run(...this.convert.args(args)), []);
      return this.convert.rows(stmt.all(...this.convert.args(args)) as Record<string, unknown>[]);
    } finally {
      this.db.exec("PRAGMA query_only = 0");
    }
  }

  exec(text: string, args: SqlValue[]): ExecResult {
    const sql = rewriteMysqlDates(text);
    const verdict = this.#authorize(sql, "write");
    checkPlaceholderCount(verdict.placeholders, args);
    const info = this.db.prepare(sql).run(...this.convert.args(args));
    const inserted = info.changes > 0 && (verdict.keyword === "insert" || verdict.keyword === "replace");
    return { rows_affected: info.changes, last_insert_id: inserted ? this.convert.integer(BigInt(info.lastInsertRowid)) : null };
  }

  migrate(script: string, ledger: { sql: string; args: SqlValue[] }): void {
    this.db.exec("BEGIN");
    try {
      for (const statement of splitStatements(script)) {
        const before = this.catalogue.snapshot();
        this.#authorize(statement, "migration");
        this.db.prepare(statement).run();
        this.#adoptSchemaChanges(before, this.catalogue.snapshot(), statement);
      }
      this.db.prepare(ledger.sql).run(...this.convert.args(ledger.args));
      this.db.exec("COMMIT");
    } catch (error) {
      this.db.exec("ROLLBACK");
      throw error;
    } finally {
      this.catalogue.refresh(true);
    }
  }

  /** Checks the statement for this plugin (cached until the schema changes); throws if refused. */
  #authorize(sql: string, mode: "read" | "write" | "migration"): Verdict {
    this.catalogue.refresh();
    // One cache for every plugin: the verdict depends on who asks and what they were granted.
    const key = `${this.#who}\n${mode}\n${sql}`;
    let verdict = this.catalogue.verdict(key);
    if (verdict === undefined) {
      verdict = this.#check(sql, mode);
      if (mode !== "migration") this.catalogue.remember(key, verdict);
    }
    if (verdict.refusal !== null) throw new DatabasePermissionError(verdict.refusal);
    return verdict;
  }

  #check(sql: string, mode: "read" | "write" | "migration"): Verdict {
    const { masked, placeholders } = scanSql(sql, "sqlite");
    const keyword = (/^[\s(]*([A-Za-z]+)/.exec(masked)?.[1] ?? "").toLowerCase();
    const verdict = (refusal: string | null): Verdict => ({ refusal, placeholders: placeholders.length, keyword });
    const allowed = mode === "read" ? READ_KEYWORDS : mode === "write" ? WRITE_KEYWORDS : MIGRATION_KEYWORDS;
    if (!allowed.has(keyword)) {
      const what = mode === "migration" ? "a plugin's migrations run CREATE, ALTER, DROP and data statements" : mode === "read" ? "reads are SELECT, WITH or VALUES" : "writes are INSERT, UPDATE, DELETE or REPLACE";
      return verdict(`may not run ${keyword.toUpperCase() || "this statement"}: ${what}`);
    }
    // A statement SQLite cannot compile fails here with SQLite's own message.
    let rows: ExplainRow[];
    try {
      rows = allRows<ExplainRow>(this.db, `EXPLAIN ${sql}`);
    } catch (error) {
      // SQLite never writes a view (the demo's have no triggers): word it with the real table.
      const view = /cannot modify (\S+) because it is a view/.exec(error instanceof Error ? error.message : "")?.[1];
      const refusal = view === undefined ? null : viewWriteRefusal(view);
      if (refusal !== null) return verdict(refusal);
      throw error;
    }
    return verdict(this.#judge(programAccess(rows), mode));
  }

  /** Why the program is refused for this plugin, or null when it may run. */
  #judge(access: ProgramAccess, mode: "read" | "write" | "migration"): string | null {
    const { plugin, readCore, writeCore } = this.identity;
    if (access.refusal) return `may not run this statement: ${access.refusal}`;
    const [foreign] = access.foreignFunctions;
    if (foreign !== undefined) return `may not call ${foreign}(): plugins call only SQLite's own functions, none of which reaches outside the database`;
    if (mode !== "migration" && (access.changesSchema !== null || access.schemaFunctions.size > 0)) return `may not change the schema (${access.changesSchema ?? [...access.schemaFunctions][0]}); put CREATE, ALTER and DROP in manifest.migrations`;
    if (mode === "read" && access.writes.size > 0) return "only reads; use db_exec to change data";
    const own = (table: string) => this.catalogue.ownerOf(table) === plugin;
    const writesOwnOrGranted = [...access.writes].some((page) => {
      const table = this.catalogue.tableAt(page);
      return table !== null && (own(table) || (this.catalogue.isCore(table) && writeCore.includes(table)));
    });
    for (const page of access.reads) {
      const table = this.catalogue.tableAt(page);
      if (table === null) return "may not read a b-tree that no table owns";
      if (own(table) || (readCore && this.catalogue.isCore(table))) continue;
      // AUTOINCREMENT keeps its counters in sqlite_sequence; the schema is read by DDL.
      if (table === "sqlite_sequence" && (writesOwnOrGranted || (mode === "migration" && access.changesSchema !== null))) continue;
      if (table === "sqlite_schema" && mode === "migration") continue;
      return this.#denied(table, "read");
    }
    for (const page of access.writes) {
      const table = this.catalogue.tableAt(page);
      if (table === null) {
        if (mode === "migration") continue; // a b-tree this statement created; compared afterwards
        return "may not write a b-tree that no table owns";
      }
      if (own(table) || (this.catalogue.isCore(table) && writeCore.includes(table))) continue;
      // ALTER TABLE ... RENAME and DROP TABLE keep AUTOINCREMENT's counters in step.
      if (table === "sqlite_sequence" && (writesOwnOrGranted || (mode === "migration" && access.changesSchema !== null))) continue;
      if (table === "sqlite_schema" && mode === "migration") continue;
      return this.#denied(table, "write");
    }
    return null;
  }

  #denied(table: string, what: "read" | "write"): string {
    if (table.startsWith("goatkit_")) return `may not use table "${table}": it is the host's platform state (docs/state.md), which no plugin permission covers; read the host's records through its admin API`;
    if (table.startsWith("sqlite_")) return `may not use table "${table}": it is SQLite's own`;
    const owner = this.catalogue.ownerOf(table);
    if (owner !== undefined) return `may not use table "${table}": it belongs to plugin "${owner}", and a plugin reads and writes only its own tables and the core's`;
    return what === "read" ? `may not read table "${table}": add "db:read" to manifest.permissions` : `may not write table "${table}": add "db:write:${table}" to manifest.permissions to write it`;
  }

  /** After a migration statement: every object it created, changed or dropped must be the plugin's. */
  #adoptSchemaChanges(before: Map<string, SchemaObject>, after: Map<string, SchemaObject>, statement: string): void {
    const { plugin } = this.identity;
    const mine = (object: SchemaObject) => (object.type === "table" || object.type === "view" ? this.catalogue.ownerOf(object.name) === plugin : this.catalogue.ownerOf(object.table) === plugin || this.catalogue.ownerOf(object.name) === plugin);
    const refuse = (object: SchemaObject, what: string) => {
      throw new DatabasePermissionError(`may not run the migration statement ${JSON.stringify(statement.trim().slice(0, 80))}: it ${what} ${object.type} "${object.name}"${object.type === "table" || object.type === "view" ? "" : ` on table "${object.table}"`}, which is not ${plugin}'s; a plugin's migrations create and change only its own tables`);
    };
    for (const [key, old] of before) {
      const now = after.get(key);
      if (now && now.sql === old.sql && now.rootpage === old.rootpage) continue;
      if (!mine(old)) refuse(old, now ? "changed" : "dropped");
      if (!now) this.catalogue.setOwner(old.name, old.type, null);
    }
    for (const [key, created] of after) {
      if (before.has(key)) continue;
      if (created.temp) refuse(created, "created the temporary");
      if (created.name.startsWith("sqlite_autoindex_") || created.name === "sqlite_sequence") continue;
      if (created.type === "table" || created.type === "view") {
        if (created.name.startsWith("goatkit_")) refuse(created, "created");
        this.catalogue.setOwner(created.name, created.type, plugin);
      } else if (this.catalogue.ownerOf(created.table) !== plugin) {
        refuse(created, "created");
      } else {
        this.catalogue.setOwner(created.name, created.type, plugin);
      }
    }
    this.catalogue.refresh(true);
  }
}

/**
 * A migration script's statements. A misreading cannot widen what runs: each piece is compiled
 * on its own, and SQLite compiles only the first statement of a piece.
 */
export function splitStatements(script: string): string[] {
  const masked = scanSql(script, "sqlite").masked;
  const statements: string[] = [];
  let start = 0;
  for (let i = 0; i < masked.length; i++) {
    if (masked[i] !== ";") continue;
    const piece = masked.slice(start, i);
    // A trigger's body holds `;`s up to its END.
    if (/^\s*create\s+(?:temp\w*\s+)?trigger\b/i.test(piece) && !/\bend\s*$/i.test(piece)) continue;
    if (piece.trim() !== "") statements.push(script.slice(start, i));
    start = i + 1;
  }
  if (masked.slice(start).trim() !== "") statements.push(script.slice(start));
  return statements;
}
