/**
 * A property test on every database: many spellings of a plugin reaching the host's audit trail
 * (quoted, escaped, commented, schema-qualified, in subqueries, CTEs, joins and writes), generated
 * from a fixed seed and sent straight to the plugin's database view, past every text check of the
 * host. Each must be refused by the database itself (or fail to parse there), and the audit trail
 * must be unchanged. docs/services.md "Plugin identities".
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MysqlDatabase, PostgresDatabase, SqliteDatabase } from "../../src/index.js";
import { DatabasePermissionError } from "../../src/services/database/database-permission-error.js";
import type { DatabaseService, PluginDatabase } from "../../src/services/types.js";
import { TEST_URLS, createMysqlDatabase, createPostgresSchema, missing } from "./support/test-servers.js";

interface Backend {
  name: string;
  skip: boolean;
  open(): Promise<{ db: DatabaseService & { seedDemo(o: { tickets: number }): unknown }; qualifier: string; close(): Promise<void> }>;
  /** Ways to write the table's name in this dialect. */
  names: readonly ((table: string) => string)[];
  /** Comments and white space between tokens. */
  gaps: readonly string[];
}

const BACKENDS: Backend[] = [
  {
    name: "SQLite",
    skip: false,
    open: async () => {
      const db = new SqliteDatabase(":memory:");
      return { db, qualifier: "main", close: async () => db.close() };
    },
    names: [(t) => t, (t) => t.toUpperCase(), (t) => `"${t}"`, (t) => `'${t}'`, (t) => `[${t}]`, (t) => `\`${t}\``, (t) => `main.${t}`, (t) => `"main"."${t}"`, (t) => `MAIN.[${t}]`],
    gaps: [" ", "\n", "\t", " /* x */ ", " -- c\n", "/**/"],
  },
  {
    name: "PostgreSQL",
    skip: missing("postgres", "the PostgreSQL forbidden-spellings property test"),
    open: async () => {
      const { schema, drop } = await createPostgresSchema(TEST_URLS.postgres!);
      const db = await PostgresDatabase.connect({ url: TEST_URLS.postgres!, schema });
      return { db, qualifier: schema, close: async () => (await db.close(), await drop()) };
    },
    names: [
      (t) => t,
      (t) => t.toUpperCase(),
      (t) => `"${t}"`,
      (t) => `U&"${t.replace("_", "\\005f")}"`,
      (t) => `U&"\\0067${t.slice(1)}"`,
      (t) => `U&"!005f${t}" UESCAPE '!'`.replace(`!005f${t}`, t.replace("_", "!005f")),
      (t) => `public.${t}`,
    ],
    gaps: [" ", "\n", "\t", " /* x */ ", " /* a /* nested */ b */ ", " -- c\n"],
  },
  {
    name: "MySQL/MariaDB",
    skip: missing("mysql", "the MySQL/MariaDB forbidden-spellings property test"),
    open: async () => {
      const { url, drop } = await createMysqlDatabase(TEST_URLS.mysql!);
      const db = await MysqlDatabase.connect({ url });
      return { db, qualifier: decodeURIComponent(new URL(url).pathname.slice(1)), close: async () => (await db.close(), await drop()) };
    },
    names: [(t) => t, (t) => `\`${t}\``, (t) => `"${t}"`, (t) => `/*!${t}*/`, (t) => `/*!50000 ${t}*/`, (t) => `/*M!${t}*/`, (t) => `${t} /*!*/`],
    gaps: [" ", "\n", "\t", " /* x */ ", " -- c\n", " # c\n"],
  },
];

/** mulberry32: a small seeded generator, so a failing spelling can be replayed. */
function generator(seed: number) {
  let state = seed >>> 0;
  return (n: number) => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 2 ** 32) * n);
  };
}

function* spellings(backend: Backend, qualifier: string, count: number): Generator<[mode: "query" | "exec", sql: string]> {
  const random = generator(20261207);
  const pick = <T>(items: readonly T[]) => items[random(items.length)]!;
  for (let i = 0; i < count; i++) {
    const spell = pick(backend.names);
    const table = random(4) === 0 ? `${backend.name === "MySQL/MariaDB" ? `\`${qualifier}\`` : `"${qualifier}"`}.${spell("goatkit_audit").replace(/^(main|public)\./, "")}` : spell("goatkit_audit");
    const g = () => pick(backend.gaps);
    const reads = [
      `SELECT${g()}*${g()}FROM${g()}${table}`,
      `SELECT (SELECT actor FROM${g()}${table}${g()}LIMIT 1) AS a`,
      `SELECT t.id FROM ticket t JOIN${g()}${table}${g()}a ON a.id = t.id`,
      `WITH x AS (SELECT * FROM${g()}${table}) SELECT * FROM x`,
      `SELECT 1 AS one WHERE EXISTS (SELECT 1 FROM${g()}${table})`,
    ];
    const writes = [
      `DELETE${g()}FROM${g()}${table}`,
      `UPDATE${g()}${table}${g()}SET actor = 'forged'`,
      `INSERT INTO${g()}${table}${g()}(actor) VALUES ('forged')`,
      `INSERT INTO prober_t (x) SELECT actor FROM${g()}${table}`,
      `UPDATE prober_t SET x = (SELECT actor FROM${g()}${table} LIMIT 1)`,
    ];
    yield random(2) === 0 ? ["query", pick(reads)] : ["exec", pick(writes)];
  }
}

for (const backend of BACKENDS) {
  describe.skipIf(backend.skip)(`${backend.name}: generated spellings of the host's tables`, () => {
    let opened: Awaited<ReturnType<Backend["open"]>>;
    let view: PluginDatabase;
    beforeAll(async () => {
      opened = await backend.open();
      await opened.db.seedDemo({ tickets: 10 });
      await opened.db.migrate("CREATE TABLE goatkit_migrations (plugin VARCHAR(100) NOT NULL, id VARCHAR(200) NOT NULL, applied_at VARCHAR(30) NOT NULL)");
      await opened.db.migrate("CREATE TABLE goatkit_audit (id INTEGER PRIMARY KEY, actor VARCHAR(100) NOT NULL)");
      await opened.db.exec("INSERT INTO goatkit_audit (id, actor) VALUES (1, 'admin')", []);
      view = await opened.db.forPlugin({ plugin: "prober", readCore: true, writeCore: [] });
      await view.migrate("CREATE TABLE prober_t (x VARCHAR(100))", { sql: "INSERT INTO goatkit_migrations (plugin, id, applied_at) VALUES (?, ?, ?)", args: ["prober", "001", "now"] });
    }, 60_000);
    afterAll(() => opened?.close());

    it("each is refused by the database or does not parse there; the audit trail is unchanged", async () => {
      let permission = 0;
      let total = 0;
      for (const [mode, sql] of spellings(backend, opened.qualifier, 240)) {
        total++;
        const outcome = await Promise.resolve()
          .then(() => (mode === "query" ? view.query(sql, []) : view.exec(sql, [])))
          .then(
            () => null,
            (e: unknown) => e,
          );
        expect(outcome, `${mode} ran: ${sql}`).not.toBeNull();
        if (outcome instanceof DatabasePermissionError) permission++;
        // Otherwise the database could not read it as a statement on that table at all.
        else expect(String(outcome), `${mode}: ${sql}`).toMatch(/syntax|does not exist|doesn't exist|no such|near |unrecognized|invalid|Unknown|unterminated|unsafe use/i);
      }
      console.log(`${backend.name}: ${permission} of ${total} refused for want of a privilege, the rest did not parse`);
      expect(permission / total).toBeGreaterThan(0.5);
      expect(await opened.db.query("SELECT id, actor FROM goatkit_audit", [])).toEqual([{ id: 1, actor: "admin" }]);
    }, 120_000);
  });
}
