/**
 * The demo help desk on every database: GoatFlow's real tables, and the tutorial's names as
 * views over them, under the plugins' own database identities (docs/demo-schema.md,
 * docs/services.md "Plugin identities"). A plugin with `db:read` reads both; `db:write:ticket`
 * writes the real table; nothing writes a view, and the refusal names the real table.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MysqlDatabase, PostgresDatabase, SqliteDatabase } from "../../src/index.js";
import { DatabasePermissionError } from "../../src/services/database/database-permission-error.js";
import { CORE_TABLES } from "../../src/services/database/demo-schema.js";
import { TUTORIAL_VIEWS } from "../../src/services/database/demo-views.js";
import type { DatabaseService, PluginDatabase } from "../../src/services/types.js";
import { TEST_URLS, createMysqlDatabase, createPostgresSchema, missing } from "./support/test-servers.js";

type Seeded = DatabaseService & { seedDemo(o: { tickets: number; anchorDay: string }): unknown };

const BACKENDS: { name: string; skip: boolean; open(): Promise<{ db: Seeded; close(): Promise<void> }> }[] = [
  {
    name: "SQLite",
    skip: false,
    open: async () => {
      const db = new SqliteDatabase(":memory:");
      return { db, close: async () => db.close() };
    },
  },
  {
    name: "PostgreSQL",
    skip: missing("postgres", "the PostgreSQL tutorial-view identity tests"),
    open: async () => {
      const { schema, drop } = await createPostgresSchema(TEST_URLS.postgres!);
      const db = await PostgresDatabase.connect({ url: TEST_URLS.postgres!, schema });
      return { db, close: async () => (await db.close(), await drop()) };
    },
  },
  {
    name: "MySQL/MariaDB",
    skip: missing("mysql", "the MySQL/MariaDB tutorial-view identity tests"),
    open: async () => {
      const { url, drop } = await createMysqlDatabase(TEST_URLS.mysql!);
      const db = await MysqlDatabase.connect({ url });
      return { db, close: async () => (await db.close(), await drop()) };
    },
  },
];

async function refusal(run: () => unknown): Promise<Error> {
  const error = await Promise.resolve().then(run).then(
    () => new Error("the statement ran"),
    (e: unknown) => e as Error,
  );
  expect(error).toBeInstanceOf(DatabasePermissionError);
  return error;
}

for (const backend of BACKENDS) {
  describe.skipIf(backend.skip)(`${backend.name}: GoatFlow's tables and the tutorial's views under plugin identities`, () => {
    let db: Seeded;
    let close: () => Promise<void>;
    let reader: PluginDatabase;
    let writer: PluginDatabase;
    let none: PluginDatabase;

    beforeAll(async () => {
      ({ db, close } = await backend.open());
      await db.seedDemo({ tickets: 30, anchorDay: "2026-01-31" });
      reader = await db.forPlugin({ plugin: "view-reader", readCore: true, writeCore: [] });
      // `db:write:tickets` names a view: it grants nothing.
      writer = await db.forPlugin({ plugin: "view-writer", readCore: true, writeCore: ["ticket", "tickets", "ticket_priorities"] });
      none = await db.forPlugin({ plugin: "view-none", readCore: false, writeCore: [] });
    }, 120_000);
    afterAll(async () => close?.());

    it("db:read reads every real table and every tutorial view, as the host sees them", async () => {
      for (const table of [...CORE_TABLES, ...Object.keys(TUTORIAL_VIEWS)]) {
        const sql = `SELECT COUNT(*) AS n FROM "${table}"`;
        const n = Number((await reader.query(sql, []))[0]!.n);
        expect(n, table).toBe(Number((await db.query(sql, []))[0]!.n));
        expect(n, table).toBeGreaterThan(0);
      }
      const byState = "SELECT s.name AS state, COUNT(*) AS n FROM ticket t JOIN ticket_state s ON s.id = t.ticket_state_id GROUP BY s.name ORDER BY s.name";
      const tutorial = "SELECT ts.name AS state, COUNT(*) AS n FROM tickets t JOIN ticket_states ts ON t.state_id = ts.id GROUP BY ts.name ORDER BY ts.name";
      const real = (await reader.query(byState, [])).map((r) => ({ state: r.state, n: Number(r.n) }));
      expect((await reader.query(tutorial, [])).map((r) => ({ state: r.state, n: Number(r.n) }))).toEqual(real);
      expect(real.reduce((sum, r) => sum + r.n, 0)).toBe(30);
    });

    it("without db:read neither the real tables nor the views are readable", async () => {
      await refusal(() => none.query("SELECT COUNT(*) AS n FROM ticket", []));
      await refusal(() => none.query("SELECT COUNT(*) AS n FROM tickets", []));
    });

    it("db:write:ticket writes the real table, and the views show the change", async () => {
      expect(await writer.exec("UPDATE ticket SET title = ? WHERE id = ?", ["Written through the real table", 3])).toEqual({ rows_affected: 1, last_insert_id: null });
      expect(await reader.query("SELECT title FROM tickets WHERE id = 3", [])).toEqual([{ title: "Written through the real table" }]);
      const error = await refusal(() => reader.exec("UPDATE ticket SET title = 'x' WHERE id = 3", []));
      expect(error.message).toContain('"db:write:ticket"');
    });

    it("a tutorial view is never written, even with db:write:<view>; the refusal names the real table", async () => {
      const update = await refusal(() => writer.exec("UPDATE tickets SET title = 'through the view' WHERE id = 3", []));
      expect(update.message).toBe(
        'permission denied: may not write "tickets": it is a read-only view of the tutorial\'s, over GoatFlow\'s table "ticket" (docs/demo-schema.md); write "ticket" with its own column names, granted by "db:write:ticket"',
      );
      // A one-table view, which PostgreSQL and MySQL could write through.
      const insert = await refusal(() => writer.exec("INSERT INTO ticket_priorities (id, name) VALUES (9, 'urgent')", []));
      expect(insert.message).toContain('over GoatFlow\'s table "ticket_priority"');
      expect(await db.query("SELECT COUNT(*) AS n FROM ticket_priority", [])).toEqual([{ n: 5 }]);
      expect((await db.query("SELECT title FROM ticket WHERE id = 3", []))[0]!.title).toBe("Written through the real table");
    });
  });
}
