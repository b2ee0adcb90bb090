import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Manifest } from "@goatkit/sdk";
import { runMigrations } from "../../../src/plugin/migrations.js";
import { generateDemoData, type DemoDataOptions } from "../../../src/services/database/demo-data.js";
import type { DatabaseService, MaybePromise, Row } from "../../../src/services/types.js";

/** What every database adapter offers: the service, plus the demo help desk. */
export interface ContractDatabase extends DatabaseService {
  hasDemoSchema(): MaybePromise<boolean>;
  seedDemo(options?: DemoDataOptions): MaybePromise<void>;
}

/** A database under test, and how it differs by design (docs/services.md). */
export interface DatabaseBackend {
  name: string;
  /** Creates an empty place to work (a schema, a database) and returns how to open it. */
  setUp(): Promise<{
    open(options?: { statementTimeoutMs?: number }): Promise<ContractDatabase>;
    /** Removes the place; every adapter is closed by then. */
    tearDown(): Promise<void>;
  }>;
  /** SQLite has no boolean type and returns 0/1. */
  booleans: "native" | "integers";
  /** DDL is undone when a migration fails (not on MySQL, which commits DDL implicitly). */
  transactionalDdl: boolean;
  /** A statement that sleeps, when the adapter has a statement timeout. */
  sleep?: (seconds: number) => string;
  /** Column DDL for an id the database assigns. */
  autoId: string;
}

const DEMO = { seed: 42, tickets: 500, days: 60, anchorDay: "2026-06-30" } satisfies DemoDataOptions;

// The seed tutorial's query (seed 000), as plugins send it.
const TICKET_COUNTS = `
  SELECT ts.name as state, COUNT(*) as count
  FROM tickets t
  JOIN ticket_states ts ON t.state_id = ts.id
  GROUP BY t.state_id, ts.name
  ORDER BY count DESC`;

// The same query on GoatFlow's own tables, as it runs there.
const TICKET_COUNTS_REAL = `
  SELECT ts.name as state, COUNT(*) as count
  FROM ticket t
  JOIN ticket_state ts ON t.ticket_state_id = ts.id
  GROUP BY t.ticket_state_id, ts.name
  ORDER BY count DESC`;

/** A generated table's rows as objects, by column name. */
function demoRows(table: string): Row[] {
  const { columns, rows } = generateDemoData(DEMO).find((t) => t.table === table)!;
  return rows.map((row) => Object.fromEntries(columns.map((c, i) => [c, row[i]!])));
}

/** The same figures counted from the generated rows, without SQL. */
function expectedTicketCounts(): Row[] {
  const states = new Map(demoRows("ticket_state").map((r) => [r.id, String(r.name)]));
  const counts = new Map<string, number>();
  for (const row of demoRows("ticket")) counts.set(states.get(row.ticket_state_id!)!, (counts.get(states.get(row.ticket_state_id!)!) ?? 0) + 1);
  const rows = [...counts].map(([state, count]) => ({ state, count })).sort((a, b) => b.count - a.count);
  // Ties would make ORDER BY count differ between databases; the demo seed has none.
  expect(new Set(rows.map((r) => r.count)).size).toBe(rows.length);
  return rows;
}

function expectedTicketsPerDay(since: string): Row[] {
  const days = new Map<string, number>();
  for (const row of demoRows("ticket")) {
    const created = String(row.create_time);
    if (created >= since) days.set(created.slice(0, 10), (days.get(created.slice(0, 10)) ?? 0) + 1);
  }
  return [...days].sort(([a], [b]) => (a < b ? -1 : 1)).map(([day, count]) => ({ day, count }));
}

const manifest = (name: string, migrations: Manifest["migrations"]) => ({ name, version: "1.0.0", migrations }) as Manifest;

/**
 * The contract every DatabaseService adapter keeps, run against a real server: the same SQL
 * gives the same normalized rows everywhere.
 */
export function describeDatabaseContract(backend: DatabaseBackend, skip = false): void {
  describe.skipIf(skip)(`${backend.name}: the DatabaseService contract`, () => {
    let place: Awaited<ReturnType<DatabaseBackend["setUp"]>>;
    let db: ContractDatabase;
    const bool = (b: boolean) => (backend.booleans === "native" ? b : b ? 1 : 0);

    beforeAll(async () => {
      place = await backend.setUp();
      db = await place.open();
    });
    afterAll(async () => {
      await db?.close();
      await place?.tearDown();
    });

    it("seeds the demo help desk, and the seed's ticket-count query returns the figures of the demo data", async () => {
      expect(await db.hasDemoSchema()).toBe(false);
      await db.seedDemo(DEMO);
      expect(await db.hasDemoSchema()).toBe(true);
      const rows = await db.query(TICKET_COUNTS, []);
      // toStrictEqual: counts must be numbers, not the bigint strings pg returns.
      expect(rows).toStrictEqual(expectedTicketCounts());
      expect(await db.query(TICKET_COUNTS_REAL, [])).toStrictEqual(expectedTicketCounts());
    });

    it("reports by day: DATE() gives YYYY-MM-DD, COUNT a number", async () => {
      const since = "2026-06-01 00:00:00";
      const rows = await db.query(
        "SELECT DATE(create_time) AS day, COUNT(*) AS count FROM ticket WHERE create_time >= ? GROUP BY DATE(create_time) ORDER BY day",
        [since],
      );
      expect(rows).toStrictEqual(expectedTicketsPerDay(since));
    });

    it("aggregates alike: SUM as a number, ROUND(AVG()) to the same decimals, MIN of times as text", async () => {
      const rows = await db.query(
        `SELECT queue_id, COUNT(*) AS tickets, SUM(ticket_priority_id) AS priority_sum, ROUND(AVG(ticket_priority_id), 2) AS priority_avg, MIN(create_time) AS first
         FROM ticket WHERE queue_id <= ? GROUP BY queue_id ORDER BY queue_id`,
        [2],
      );
      const tickets = demoRows("ticket");
      const expected = [1, 2].map((queue) => {
        const mine = tickets.filter((r) => r.queue_id === queue);
        const sum = mine.reduce((n, r) => n + Number(r.ticket_priority_id), 0);
        return { queue_id: queue, tickets: mine.length, priority_sum: sum, priority_avg: Math.round((sum / mine.length) * 100) / 100, first: mine.map((r) => String(r.create_time)).sort()[0] };
      });
      expect(rows).toStrictEqual(expected);
    });

    it("sends ? inside literals, identifiers and comments through, and binds strings that contain ?", async () => {
      const rows = await db.query(
        `SELECT '?' AS q, 'it''s ?' AS r, /* ? */ name AS "what?" -- a ? here
         FROM ticket_states WHERE name = ? OR name = ? ORDER BY id`,
        ["new", "why?"],
      );
      expect(rows).toStrictEqual([{ q: "?", r: "it's ?", "what?": "new" }]);
      await db.migrate("CREATE TABLE contract_notes (id INTEGER PRIMARY KEY, body VARCHAR(200) NOT NULL)");
      await db.exec("INSERT INTO contract_notes (id, body) VALUES (?, ?)", [1, "what? -- really? /* yes */ 'quoted?'"]);
      expect(await db.query("SELECT body FROM contract_notes WHERE id = ?", [1])).toStrictEqual([{ body: "what? -- really? /* yes */ 'quoted?'" }]);
    });

    it("reads string literals as standard SQL: a backslash is itself, a doubled quote is a quote", async () => {
      expect(await db.query("SELECT 'C:\\dir\\' AS path, 'it''s' AS text, 'a\\nb' AS newline", [])).toStrictEqual([{ path: "C:\\dir\\", text: "it's", newline: "a\\nb" }]);
    });

    it("refuses a placeholder count that does not match the arguments", async () => {
      await expect(async () => db.query("SELECT id FROM ticket_states WHERE id = ? OR id = ?", [1])).rejects.toThrow();
      await expect(async () => db.exec("UPDATE contract_notes SET body = ? WHERE id = ?", ["x"])).rejects.toThrow();
    });

    it("query() is read-only: the database refuses writes, and the connection stays usable", async () => {
      await db.migrate("CREATE TABLE contract_read_only (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)");
      await db.exec("INSERT INTO contract_read_only (id, n) VALUES (?, ?)", [1, 10]);
      for (const write of [
        ["INSERT INTO contract_read_only (id, n) VALUES (?, ?)", [2, 20]],
        ["UPDATE contract_read_only SET n = ? WHERE id = ?", [11, 1]],
        ["DELETE FROM contract_read_only WHERE id = ?", [1]],
        ["CREATE TABLE contract_sneaky (id INTEGER)", []],
        ["DROP TABLE contract_read_only", []],
      ] as const) {
        await expect(async () => db.query(write[0], [...write[1]]), write[0]).rejects.toThrow();
      }
      // Statements after a first one never run (refused on the servers, ignored by SQLite).
      await Promise.resolve()
        .then(() => db.query("SELECT 1 AS one; COMMIT; DELETE FROM contract_read_only", []))
        .catch(() => []);
      expect(await db.query("SELECT id, n FROM contract_read_only", [])).toStrictEqual([{ id: 1, n: 10 }]);
      await expect(async () => db.query("SELECT id FROM contract_sneaky", [])).rejects.toThrow();
      // Writes still work through exec() after the refusals.
      expect(await db.exec("UPDATE contract_read_only SET n = ? WHERE id = ?", [12, 1])).toMatchObject({ rows_affected: 1 });
    });

    it("exec() reports rows_affected and the id the database assigned", async () => {
      await db.migrate(`CREATE TABLE contract_items (${backend.autoId}, label VARCHAR(50) NOT NULL, qty INTEGER NOT NULL)`);
      const first = await db.exec("INSERT INTO contract_items (label, qty) VALUES (?, ?)", ["a?", 1]);
      expect(first).toStrictEqual({ rows_affected: 1, last_insert_id: expect.any(Number) });
      const second = await db.exec("INSERT INTO contract_items (label, qty) VALUES (?, ?)", ["b", 1]);
      expect(second.last_insert_id).toBe(Number(first.last_insert_id) + 1);
      expect(await db.query("SELECT label FROM contract_items WHERE id = ?", [second.last_insert_id])).toStrictEqual([{ label: "b" }]);
      // Rows matched count, also the one whose value does not change (MySQL runs with FOUND_ROWS).
      expect(await db.exec("UPDATE contract_items SET qty = ?", [1])).toStrictEqual({ rows_affected: 2, last_insert_id: null });
      expect(await db.exec("UPDATE contract_items SET qty = ? WHERE label = ?", [5, "nobody"])).toStrictEqual({ rows_affected: 0, last_insert_id: null });
      expect(await db.exec("DELETE FROM contract_items WHERE label = ?", ["a?"])).toStrictEqual({ rows_affected: 1, last_insert_id: null });
      expect(await db.exec("INSERT INTO contract_items (label, qty) SELECT label, qty FROM contract_items WHERE label = ?", ["nobody"])).toStrictEqual({
        rows_affected: 0,
        last_insert_id: null,
      });
    });

    it("migrations: applied once each, recorded in the ledger, a failed one leaves no data and no ledger row", async () => {
      const table = "contract_migrated";
      const plugin = manifest("contract-plugin", [
        { id: "001_create", up: { default: `CREATE TABLE ${table} (id INTEGER PRIMARY KEY, label VARCHAR(50) NOT NULL)` } },
        { id: "002_fill", up: `INSERT INTO ${table} (id, label) VALUES (1, 'one'); INSERT INTO ${table} (id, label) VALUES (2, 'two')` },
      ]);
      const now = () => Date.parse("2026-06-30T12:00:00Z");
      expect(await runMigrations(db, plugin, now)).toEqual(["001_create", "002_fill"]);
      expect(await runMigrations(db, plugin, now)).toEqual([]);
      expect(await db.query("SELECT id, applied_at FROM goatkit_migrations WHERE plugin = ? ORDER BY id", ["contract-plugin"])).toStrictEqual([
        { id: "001_create", applied_at: "2026-06-30T12:00:00.000Z" },
        { id: "002_fill", applied_at: "2026-06-30T12:00:00.000Z" },
      ]);

      const failing = manifest("contract-plugin", [
        ...plugin.migrations!,
        { id: "003_broken", up: `INSERT INTO ${table} (id, label) VALUES (3, 'three'); INSERT INTO contract_no_such_table (id) VALUES (1)` },
      ]);
      await expect(runMigrations(db, failing, now)).rejects.toThrow(/^migration 003_broken of contract-plugin failed: /);
      expect(await db.query(`SELECT id FROM ${table} ORDER BY id`, [])).toStrictEqual([{ id: 1 }, { id: 2 }]);
      expect(await db.query("SELECT id FROM goatkit_migrations WHERE plugin = ? AND id = ?", ["contract-plugin", "003_broken"])).toStrictEqual([]);
    });

    it(`a failed migration ${backend.transactionalDdl ? "also undoes its DDL" : "keeps the DDL that ran before the failure (MySQL commits DDL implicitly)"}`, async () => {
      await expect(async () => db.migrate("CREATE TABLE contract_ddl_rollback (id INTEGER PRIMARY KEY); INSERT INTO contract_no_such_table (id) VALUES (1)")).rejects.toThrow();
      const exists = await Promise.resolve()
        .then(() => db.query("SELECT COUNT(*) AS n FROM contract_ddl_rollback", []))
        .then(
        () => true,
        () => false,
      );
      expect(exists).toBe(!backend.transactionalDdl);
    });

    describe("normalized values", () => {
      beforeAll(async () => {
        await db.migrate(`CREATE TABLE contract_values (
          id INTEGER PRIMARY KEY, i INTEGER, big BIGINT, amount DECIMAL(12,2), f DOUBLE PRECISION,
          d DATE, ts TIMESTAMP NULL, b BOOLEAN, t VARCHAR(50), n INTEGER)`);
        const insert = "INSERT INTO contract_values (id, i, big, amount, f, d, ts, b, t, n) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
        await db.exec(insert, [1, 42, 9007199254740991, 12345.5, 0.5, "2026-03-04", "2026-03-04 05:06:07", true, "text ?", null]);
        await db.exec(insert, [2, -7, -3, 0.25, -1.25, "2026-12-31", "2026-12-31 23:59:59", false, "", null]);
      });

      it("integers, bigints within 2^53, decimals, floats, dates, timestamps, booleans, text and NULL", async () => {
        expect(await db.query("SELECT * FROM contract_values ORDER BY id", [])).toStrictEqual([
          { id: 1, i: 42, big: 9007199254740991, amount: 12345.5, f: 0.5, d: "2026-03-04", ts: "2026-03-04 05:06:07", b: bool(true), t: "text ?", n: null },
          { id: 2, i: -7, big: -3, amount: 0.25, f: -1.25, d: "2026-12-31", ts: "2026-12-31 23:59:59", b: bool(false), t: "", n: null },
        ]);
      });

      it("aggregates: COUNT, SUM of integers and decimals, MAX of timestamps, MIN of dates", async () => {
        expect(
          await db.query("SELECT COUNT(*) AS count, SUM(i) AS sum_i, SUM(amount) AS sum_amount, MAX(ts) AS latest, MIN(d) AS first_day, COUNT(n) AS non_null FROM contract_values", []),
        ).toStrictEqual([{ count: 2, sum_i: 35, sum_amount: 12345.75, latest: "2026-12-31 23:59:59", first_day: "2026-03-04", non_null: 0 }]);
      });

      it("booleans bind as parameters", async () => {
        expect(await db.query("SELECT id FROM contract_values WHERE b = ? ORDER BY id", [true])).toStrictEqual([{ id: 1 }]);
      });

      it("integers beyond 2^53 come back as exact strings", async () => {
        await db.exec("UPDATE contract_values SET big = ? WHERE id = ?", ["9007199254740993", 2]);
        const rows = await db.query("SELECT big, big - 1 AS below FROM contract_values WHERE id = ?", [2]);
        expect(rows).toStrictEqual([{ big: "9007199254740993", below: "9007199254740992" }]);
      });
    });

    it.skipIf(!backend.sleep)("cancels a statement that runs past the statement timeout, and the pool recovers", async () => {
      const quick = await place.open({ statementTimeoutMs: 300 });
      try {
        const started = Date.now();
        await expect(async () => quick.query(backend.sleep!(5), [])).rejects.toThrow(
          /^the statement ran longer than the 300 ms statement timeout and was cancelled; add a LIMIT or an index, or raise the timeout/,
        );
        expect(Date.now() - started).toBeLessThan(3000);
        expect(await quick.query("SELECT COUNT(*) AS n FROM ticket_states", [])).toStrictEqual([{ n: 5 }]);
      } finally {
        await quick.close();
      }
    });
  });
}
