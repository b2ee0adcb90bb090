import { describe, expect, it } from "vitest";
import { checkPlaceholderCount, scanSql } from "../../src/services/database/sql-scan.js";
import { inspectStatement } from "../../src/services/database/sql-statement.js";
import { prepareStatement, withReturning } from "../../src/services/postgres/pg-statement.js";

// The lexical rules without a server; the servers' own reading is checked in the adapter tests.
describe("PostgreSQL placeholders", () => {
  const text = (sql: string, args: unknown[] = []) => prepareStatement(sql, args).text;

  it("numbers each ? in order", () => {
    expect(text("SELECT * FROM t WHERE a = ? AND b IN (?, ?)", [1, 2, 3])).toBe("SELECT * FROM t WHERE a = $1 AND b IN ($2, $3)");
  });

  it("skips ? in strings, E-strings, dollar quotes, quoted identifiers and comments", () => {
    expect(text("SELECT 'a?''?' , E'\\'?', $$?$$, $x$ ? $$ ? $x$, \"c?\" -- ?\n, /* ? /* ? */ ? */ ?", [1])).toBe(
      "SELECT 'a?''?' , E'\\'?', $$?$$, $x$ ? $$ ? $x$, \"c?\" -- ?\n, /* ? /* ? */ ? */ $1",
    );
  });

  it("does not take a $ inside an identifier or a ::cast for a dollar quote", () => {
    expect(text("SELECT a$b$c, ?::text, $1x FROM t$", ["v"])).toBe("SELECT a$b$c, $1::text, $1x FROM t$");
  });

  it("backslashes are plain characters in standard strings", () => {
    expect(text("SELECT 'C:\\' , ?", [1])).toBe("SELECT 'C:\\' , $1");
  });

  it("finds the INSERT target as written, and whether RETURNING is there", () => {
    expect(prepareStatement("  insert into \"My Schema\".\"T\" (a) values (?)", [1])).toMatchObject({ insertTarget: '"My Schema"."T"', hasReturning: false });
    expect(prepareStatement("/* c */ INSERT INTO faq_items (q) VALUES ('returning') RETURNING id", [])).toMatchObject({ insertTarget: "faq_items", hasReturning: true });
    expect(prepareStatement("INSERT INTO faq_items (q) VALUES ('returning')", [])).toMatchObject({ insertTarget: "faq_items", hasReturning: false });
    expect(prepareStatement('INSERT INTO t ("returning") VALUES (1)', [])).toMatchObject({ hasReturning: false });
    expect(prepareStatement("UPDATE t SET a = 1", [])).toMatchObject({ insertTarget: null });
  });

  it("adds RETURNING before a trailing semicolon and comment", () => {
    expect(withReturning("INSERT INTO t (a) VALUES ($1);  -- done", "id")).toBe('INSERT INTO t (a) VALUES ($1)\nRETURNING "id"');
    expect(withReturning("INSERT INTO t (a) VALUES ('x;')", 'we"ird')).toBe("INSERT INTO t (a) VALUES ('x;')\nRETURNING \"we\"\"ird\"");
  });
});

describe("MySQL placeholders", () => {
  const count = (sql: string) => scanSql(sql, "mysql").placeholders.length;

  it("skips ? in strings, backticks, # and -- comments; a backslash is a plain character (NO_BACKSLASH_ESCAPES)", () => {
    expect(count("SELECT 'it''s ?', \"x?\", `c?` # ?\n -- ?\n , ?")).toBe(1);
    expect(count("SELECT 'C:\\', ?")).toBe(1);
  });

  it("reads --? without a space as arithmetic, as MySQL does", () => {
    expect(count("SELECT 1--?")).toBe(1);
  });
});

describe("placeholder count", () => {
  it("names both numbers and the fix", () => {
    expect(() => checkPlaceholderCount(2, [1])).toThrow("the SQL has 2 ? placeholders but 1 argument was given; pass one argument per ?");
    expect(() => checkPlaceholderCount(1, [])).toThrow("the SQL has 1 ? placeholder but 0 arguments were given; pass one argument per ?");
  });
});

// What plugin SQL may not name or call is read with the dialect's own rules for strings, so a
// string that the database reads as code cannot hide a table or a call from the check.
describe("host tables and forbidden calls, read per dialect", () => {
  const tables = ["goatkit_audit"];

  it("finds a table named bare, quoted or qualified, and not in strings or comments", () => {
    for (const dialect of ["sqlite", "postgres", "mysql"] as const) {
      expect(inspectStatement('SELECT * FROM main."GOATKIT_AUDIT"', dialect).mentionedTable(tables), dialect).toBe("goatkit_audit");
      expect(inspectStatement("SELECT 'goatkit_audit' /* goatkit_audit */ -- goatkit_audit\n", dialect).mentionedTable(tables), dialect).toBeNull();
    }
    expect(inspectStatement("SELECT * FROM `goatkit_audit`", "mysql").mentionedTable(tables)).toBe("goatkit_audit");
    expect(inspectStatement("SELECT * FROM [goatkit_audit]", "sqlite").mentionedTable(tables)).toBe("goatkit_audit");
  });

  it("reads a backslash as a plain character on every database: it cannot end a string early or late", () => {
    // MySQL sessions run with NO_BACKSLASH_ESCAPES, as SQLite and PostgreSQL's standard strings read.
    for (const dialect of ["sqlite", "postgres", "mysql"] as const) {
      expect(inspectStatement("SELECT 'x\\' AS a, (SELECT actor FROM goatkit_audit) AS b", dialect).mentionedTable(tables), dialect).toBe("goatkit_audit");
      expect(inspectStatement("SELECT 'x\\'' AS a, (SELECT actor FROM goatkit_audit) AS b, '", dialect).mentionedTable(tables), dialect).toBeNull();
    }
  });

  it("reads PostgreSQL's E-strings and dollar quotes", () => {
    expect(inspectStatement("SELECT E'\\'', query_to_xml('SELECT 1', true, false, ''), ''''", "postgres").forbiddenCall).toEqual({ name: "query_to_xml", reason: "it runs SQL given as a string, past the host's checks" });
    expect(inspectStatement("SELECT $$ query_to_xml( $$", "postgres").forbiddenCall).toBeNull();
    expect(inspectStatement("SELECT pg_catalog.pg_read_file('/etc/passwd')", "postgres").forbiddenCall?.name).toBe("pg_read_file");
  });
});
