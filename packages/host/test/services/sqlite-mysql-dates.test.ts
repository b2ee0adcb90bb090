/**
 * The tutorials' MySQL date functions (seed 001's analytics plugin: `DATE_SUB(NOW(), INTERVAL
 * 30 DAY)`, `CURDATE()`) run on the embedded SQLite through a plugin's db_query, with the
 * answers MySQL gives; the rewritten statement is still checked by SQLite's compiled program.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHost, type Host, type PluginResponse } from "../../src/index.js";
import { MysqlDatabase } from "../../src/services/mysql/mysql-database.js";
import { TEST_URLS, createMysqlDatabase, missing } from "./support/test-servers.js";

const FIXTURE = new URL("../../../../fixtures/as-kitchen-sink/", import.meta.url).pathname;
const PLUGIN = "kitchen-sink";
const post = (body: unknown) => ({ kind: "route" as const, method: "POST", body: JSON.stringify(body) });

/** Every unit, dates and times, nested calls and a `?` for n (3): the same text runs on MySQL. */
const UNITS_SQL = `DATE_SUB('2026-03-31', INTERVAL 1 DAY) AS day, DATE_ADD('2026-03-31 10:00:00', INTERVAL 90 MINUTE) AS minutes,
  DATE_SUB('2026-03-31', INTERVAL ? HOUR) AS hours, date_add('2026-01-01', interval 2 week) AS weeks,
  DATE_ADD(DATE('2026-01-01 09:00:00'), INTERVAL 1 QUARTER) AS quarter, DATE_SUB('2026-05-15 08:00:00', INTERVAL 1 YEAR) AS year,
  DATE_ADD('2026-03-31 23:59:59', INTERVAL 1 SECOND) AS second, DATE_SUB(DATE_ADD('2026-03-01', INTERVAL 1 MONTH), INTERVAL (2 + 1) DAY) AS nested`;

/** `YYYY-MM-DD HH:MM:SS` in UTC, as the demo data stores times. */
const sqlTime = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace("T", " ");

describe("SQLite understands the tutorials' MySQL date functions", () => {
  let work: string;
  let host: Host;
  let created: string[];

  async function query(sql: string, args: unknown[] = []): Promise<PluginResponse> {
    return host.call(PLUGIN, "query", post({ sql, args }));
  }
  async function rows(sql: string, args: unknown[] = []): Promise<Array<Record<string, unknown>>> {
    const res = await query(sql, args);
    expect(res.error, sql).toBeUndefined();
    return JSON.parse(String(res.body)) as Array<Record<string, unknown>>;
  }

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "goatkit-mysql-dates-"));
    host = await createHost({ database: { file: join(work, "desk.db"), demo: { tickets: 300, days: 60 } } });
    await host.load(FIXTURE);
    created = (await host.services.db.query("SELECT create_time FROM tickets", [])).map((row) => String(row.create_time));
  });
  afterAll(async () => {
    await host.close();
    await rm(work, { recursive: true, force: true });
  });

  it("runs seed 001's report query: tickets per day of the last 30 days", async () => {
    const sql = `
		SELECT DATE(create_time) as date, COUNT(*) as count 
		FROM tickets 
		WHERE create_time > DATE_SUB(NOW(), INTERVAL 30 DAY)
		GROUP BY DATE(create_time)
		ORDER BY date
	`;
    const since = sqlTime(Date.now() - 30 * 86_400_000);
    const expected = new Map<string, number>();
    for (const time of created.filter((t) => t > since).sort()) expected.set(time.slice(0, 10), (expected.get(time.slice(0, 10)) ?? 0) + 1);
    const got = await rows(sql);
    expect(got.length).toBeGreaterThan(10);
    expect(got).toEqual([...expected].map(([date, count]) => ({ date, count })));
  });

  it("runs seed 001's summary queries: today's and yesterday's tickets by CURDATE()", async () => {
    const today = new Date().toISOString().slice(0, 10);
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    const count = (day: string) => created.filter((t) => t.startsWith(day)).length;
    expect(await rows("SELECT COUNT(*) as count FROM tickets WHERE DATE(create_time) = CURDATE()")).toEqual([{ count: count(today) }]);
    expect(await rows("SELECT COUNT(*) as count FROM tickets WHERE DATE(create_time) = DATE_SUB(CURDATE(), INTERVAL 1 DAY)")).toEqual([{ count: count(yesterday) }]);
  });

  it("gives MySQL's values: dates stay dates, times are UTC text, every unit, a ? for n", async () => {
    const before = Date.now();
    const [row] = await rows(`SELECT NOW() AS now, CURDATE() AS today, curtime() AS time, ${UNITS_SQL}`, [3]);
    expect(row).toMatchObject({
      day: "2026-03-30",
      minutes: "2026-03-31 11:30:00",
      hours: "2026-03-30 21:00:00",
      weeks: "2026-01-15",
      quarter: "2026-04-01",
      year: "2025-05-15 08:00:00",
      second: "2026-04-01 00:00:00",
      nested: "2026-03-29",
    });
    expect(row!.now).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    expect(Math.abs(Date.parse(`${String(row!.now).replace(" ", "T")}Z`) - before)).toBeLessThan(5_000);
    expect(row!.today).toBe(new Date().toISOString().slice(0, 10));
    expect(row!.time).toMatch(/^\d\d:\d\d:\d\d$/);
  });

  it("leaves strings, comments and quoted names as written", async () => {
    const [row] = await rows(`SELECT 'DATE_SUB(NOW(), INTERVAL 30 DAY)' AS text, "id" AS now /* NOW() */ FROM tickets WHERE id = 1 -- CURDATE()`);
    expect(row).toEqual({ text: "DATE_SUB(NOW(), INTERVAL 30 DAY)", now: 1 });
  });

  it("still checks the rewritten statement: host tables and foreign functions are refused", async () => {
    const audit = await query("SELECT DATE_SUB(NOW(), INTERVAL 1 DAY) AS d FROM goatkit_audit");
    expect(audit.error?.code).toBe("E_PERMISSION_DENIED");
    const readfile = await query("SELECT DATE_SUB(NOW(), INTERVAL length(readfile('/etc/passwd')) DAY) AS d");
    expect(readfile.error?.code).toBe("E_PERMISSION_DENIED");
    expect(readfile.error?.message).toMatch(/may not call readfile\(\)/);
  });

  it("names MySQL's form when DATE_SUB has no INTERVAL or an unknown unit", async () => {
    for (const sql of ["SELECT DATE_SUB(NOW(), 30) AS d", "SELECT DATE_ADD(NOW(), INTERVAL 1 FORTNIGHT) AS d"]) {
      const res = await query(sql);
      expect(res.error?.message, sql).toMatch(/is not MySQL's DATE_(SUB|ADD)\(date, INTERVAL n UNIT\); on SQLite it is understood with UNIT one of SECOND, MINUTE, HOUR, DAY, WEEK, MONTH, QUARTER, YEAR/);
    }
  });
});

describe.skipIf(missing("mysql", "the comparison of SQLite's MySQL date functions with MySQL's"))("the same date SQL on MySQL", () => {
  it("answers as the embedded SQLite does", async () => {
    const { url, drop } = await createMysqlDatabase(TEST_URLS.mysql!);
    const mysqlDb = await MysqlDatabase.connect({ url, poolSize: 1 });
    const work = await mkdtemp(join(tmpdir(), "goatkit-mysql-dates-"));
    const host = await createHost({ database: { file: join(work, "desk.db"), demo: { tickets: 10 } } });
    try {
      await host.load(FIXTURE);
      const sqlite = JSON.parse(String((await host.call(PLUGIN, "query", post({ sql: `SELECT ${UNITS_SQL}`, args: [3] }))).body));
      const mysqlRows = await mysqlDb.query(`SELECT ${UNITS_SQL}`, [3]);
      expect(sqlite).toEqual(mysqlRows);
      const [now] = await mysqlDb.query("SELECT DATE_SUB(CURDATE(), INTERVAL 1 DAY) AS yesterday", []);
      const [here] = JSON.parse(String((await host.call(PLUGIN, "query", post({ sql: "SELECT DATE_SUB(CURDATE(), INTERVAL 1 DAY) AS yesterday", args: [] }))).body));
      expect(here).toEqual(now);
    } finally {
      await host.close();
      await mysqlDb.close();
      await drop();
      await rm(work, { recursive: true, force: true });
    }
  });
});
