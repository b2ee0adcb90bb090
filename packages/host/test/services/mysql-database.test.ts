import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MysqlDatabase } from "../../src/services/mysql/mysql-database.js";
import { TEST_URLS, createMysqlDatabase, missing } from "./support/test-servers.js";

// What only MySQL/MariaDB has; the shared behaviour is in database-contract.test.ts.
describe.skipIf(missing("mysql", "the MySQL/MariaDB adapter's own tests"))("MysqlDatabase", () => {
  let url: string;
  let drop: () => Promise<void>;
  let db: MysqlDatabase;

  beforeAll(async () => {
    ({ url, drop } = await createMysqlDatabase(TEST_URLS.mysql!));
    db = await MysqlDatabase.connect({ url, poolSize: 2 });
  });
  afterAll(async () => {
    await db?.close();
    await drop?.();
  });

  it("knows which server answered", () => {
    expect(["mysql", "mariadb"]).toContain(db.flavor);
  });

  it("runs sessions with ANSI_QUOTES and PIPES_AS_CONCAT, as SQL written for PostgreSQL and SQLite expects", async () => {
    expect(await db.query(`SELECT 'goat' || 'kit' AS "joined name"`, [])).toStrictEqual([{ "joined name": "goatkit" }]);
  });

  it("leaves ? alone in strings, backticks and # comments, and binds LIMIT ?", async () => {
    const rows = await db.query("SELECT 'it''s ?' AS s, `n?` FROM (SELECT 1 AS `n?` UNION ALL SELECT 2) x # ?\n ORDER BY 2 LIMIT ?", [1]);
    expect(rows).toStrictEqual([{ s: "it's ?", "n?": 1 }]);
  });

  it("reads a backslash in a string as itself, whatever the server's sql_mode", async () => {
    // The server's own default takes \' as an escaped quote; sessions add NO_BACKSLASH_ESCAPES.
    expect(await db.query("SELECT 'C:\\' AS dir, 'a\\nb' AS text, ? AS bound", ["x\\y"])).toStrictEqual([{ dir: "C:\\", text: "a\\nb", bound: "x\\y" }]);
  });

  it("refuses DDL in query() before the server commits implicitly", async () => {
    await expect(db.query("CREATE TABLE mysql_sneaky (id INTEGER)", [])).rejects.toThrow(
      "query() runs reads only; CREATE is not a read (change data with exec(), the schema with migrate())",
    );
  });

  it("normalizes what MySQL returns: DECIMAL sums and averages, TINYINT vs BOOLEAN, BIT, JSON, BLOB", async () => {
    await db.migrate(`CREATE TABLE mysql_values (id INTEGER PRIMARY KEY, flag BOOLEAN, small TINYINT, bits BIT(10), doc JSON, raw BLOB, price DECIMAL(8,3))`);
    await db.exec("INSERT INTO mysql_values VALUES (?, ?, ?, b'1000000001', ?, ?, ?)", [1, true, 7, '{"a": 1}', "abc", 1.125]);
    expect(await db.query("SELECT flag, small, bits, doc, raw, price, SUM(price) AS total, AVG(small) AS mean FROM mysql_values GROUP BY id", [])).toStrictEqual([
      { flag: true, small: 7, bits: 513, doc: '{"a": 1}', raw: "YWJj", price: 1.125, total: 1.125, mean: 7 },
    ]);
  });

  it("reports the first id of a multi-row INSERT (MySQL's LAST_INSERT_ID)", async () => {
    await db.migrate("CREATE TABLE mysql_auto (id INTEGER PRIMARY KEY AUTO_INCREMENT, label VARCHAR(10))");
    expect(await db.exec("INSERT INTO mysql_auto (label) VALUES (?), (?)", ["a", "b"])).toStrictEqual({ rows_affected: 2, last_insert_id: 1 });
  });

  it("reports MariaDB's INSERT ... RETURNING like PostgreSQL's", async (context) => {
    if (db.flavor !== "mariadb") context.skip("INSERT ... RETURNING is MariaDB's, not MySQL's");
    expect(await db.exec("INSERT INTO mysql_auto (label) VALUES (?) RETURNING id, label", ["c"])).toStrictEqual({ rows_affected: 1, last_insert_id: 3 });
  });

  it("names the database when it does not exist", async () => {
    const missingDb = new URL(url);
    missingDb.pathname = "/goatkit_no_such_database";
    await expect(MysqlDatabase.connect({ url: missingDb.toString(), origin: "GOATKIT_DB_URL" })).rejects.toThrow(
      /^cannot connect to MySQL\/MariaDB at mysql:\/\/.*\/goatkit_no_such_database \(set by GOATKIT_DB_URL\): Unknown database 'goatkit_no_such_database'; check the user, password and database in GOATKIT_DB_URL$/,
    );
  });
});
